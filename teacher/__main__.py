"""`python -m teacher <verb>`: generate, show or validate teacher datasets."""

from __future__ import annotations

import sys

VERBS = {
    "generate": ("teacher.generate", "write a Bayesian- or oracle-teaching dataset"),
    "show": ("teacher.show", "print records of a dataset as readable conversations"),
    "validate": ("teacher.validate", "check a dataset folder: schema, fingerprint, teacher"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in VERBS:
        lines = ["usage: python -m teacher <verb> [--help] [--config FILE] [--key value ...]", "", "verbs:"]
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
