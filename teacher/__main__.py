"""`python -m teacher <verb>`: generate, show or validate teacher datasets."""

from __future__ import annotations

import sys

from bayes.cli import dispatch

VERBS = {
    "generate": ("teacher.generate", "write a Bayesian- or oracle-teaching dataset"),
    "show": ("teacher.show", "print records of a dataset as readable conversations"),
    "validate": ("teacher.validate", "check a dataset folder: schema, fingerprint, teacher"),
}


def main(argv: list[str] | None = None) -> int:
    return dispatch("teacher", VERBS, argv)


if __name__ == "__main__":
    sys.exit(main())
