"""`make quickstart`: the main job on the embedded default.

Until every stage exists it runs what does (the Bayesian Assistant's accuracy table) and says
what is not there yet."""

from __future__ import annotations

import argparse
import sys

from bayes.simulate import SimulateConfig, format_table, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make quickstart", description=__doc__)
    parser.add_argument("--force", action="store_true", help="redo every step")
    parser.parse_args(argv)
    for domain in ("flight", "hotel"):
        print(format_table(run(SimulateConfig(domain=domain, progress=False))))
        print()
    print("not yet: teacher datasets, student training, evaluation and the report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
