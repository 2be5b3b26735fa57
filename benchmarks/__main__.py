"""`python -m benchmarks [name ...]`: run every benchmarks/bench_*.py (or the named ones)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    available = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    unknown = [n for n in names if n not in available and f"bench_{n}" not in available]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available}", file=sys.stderr)
        return 2
    selected = [n if n.startswith("bench_") else f"bench_{n}" for n in names] or available
    results = {}
    for name in selected:
        print(f"== {name}", flush=True)
        results[name] = importlib.import_module(f"benchmarks.{name}").main()
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
