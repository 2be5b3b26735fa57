"""Benchmarks: each module `bench_*.py` has `main() -> dict` and prints its ratios."""
