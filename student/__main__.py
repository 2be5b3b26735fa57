"""`python -m student <verb>`: train, prepare-smollm2, tiny-init."""

from __future__ import annotations

import sys

from bayes.cli import dispatch

VERBS = {
    "train": ("student.train", "fine-tune a student on a teacher dataset (TRL SFTTrainer)"),
    "prepare-smollm2": ("student.smollm2", "save SmolLM2-135M-Instruct offline as a plain model folder"),
    "tiny-init": ("student.tiny_init", "build an untrained tiny student from a teacher dataset's text"),
}


def main(argv: list[str] | None = None) -> int:
    return dispatch("student", VERBS, argv)


if __name__ == "__main__":
    sys.exit(main())
