"""`python -m eval <verb>`: run (score a model on a suite), report (merge runs into one table and plot)."""

from __future__ import annotations

import sys

VERBS = {
    "run": ("eval.run", "score a model or reference player on a suite (configs/eval/*.yaml)"),
    "report": ("eval.report", "merge results.json files into one Markdown table and plot"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in VERBS:
        lines = ["usage: python -m eval <verb> [--help] [--config FILE] [--key value ...]", "", "verbs:"]
        lines += [f"  {name:<10} {help_}" for name, (_, help_) in VERBS.items()]
        print("\n".join(lines), file=sys.stdout if not argv or argv[0] in ("-h", "--help") else sys.stderr)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"error: unknown verb {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    module = __import__(VERBS[argv[0]][0], fromlist=["cli"])
    return module.cli(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
