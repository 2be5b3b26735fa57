"""The verb dispatcher behind every `python -m <stage> <verb>`."""

from __future__ import annotations

import importlib
import sys


def dispatch(stage: str, verbs: dict[str, tuple[str, str]], argv: list[str] | None = None) -> int:
    """Run `verbs[argv[0]]`'s module `cli(argv[1:])`; `verbs` maps a verb to (module, help line)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    asked_for_help = not argv or argv[0] in ("-h", "--help")
    if asked_for_help or argv[0] not in verbs:
        width = max(map(len, verbs)) + 2
        lines = [f"usage: python -m {stage} <verb> [--help] [--config FILE] [--key value ...]", "", "verbs:"]
        lines += [f"  {name:<{width}} {help_}" for name, (_, help_) in verbs.items()]
        print("\n".join(lines), file=sys.stdout if asked_for_help else sys.stderr)
        if not asked_for_help:
            print(f"error: unknown verb {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    return importlib.import_module(verbs[argv[0]][0]).cli(argv[1:])
