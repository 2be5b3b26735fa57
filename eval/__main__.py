"""`python -m eval <verb>`: run (score a model on a suite), report (merge runs into one table and plot)."""

from __future__ import annotations

import sys

from bayes.cli import dispatch

VERBS = {
    "run": ("eval.run", "score a model or reference player on a suite (configs/eval/*.yaml)"),
    "report": ("eval.report", "merge results.json files into one Markdown table and plot"),
}


def main(argv: list[str] | None = None) -> int:
    return dispatch("eval", VERBS, argv)


if __name__ == "__main__":
    sys.exit(main())
