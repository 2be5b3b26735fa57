"""The verb dispatcher behind every `python -m <stage> <verb>`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from bayes.config import parse_config


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


def run_stage(
    prog: str,
    config_cls: type,
    main: Callable[[Any], Any],
    argv: list[str] | None = None,
    description: str = "",
    errors: tuple[type[BaseException], ...] = (),
) -> tuple[int, Any]:
    """Parse the stage's config, run `main(config)`, and turn bad input into one line and exit 2.

    Every project error is a ValueError (or FileExistsError for an existing output); `errors` adds
    stage-specific ones. Returns (exit code, what main returned or None).
    """
    config = parse_config(config_cls, argv, prog, description)
    try:
        return 0, main(config)
    except (ValueError, OSError, *errors) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2, None
