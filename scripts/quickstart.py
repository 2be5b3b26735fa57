"""`make quickstart`: the whole pipeline on the embedded default, offline, on a laptop-class CPU.

1. teacher: the flight Bayesian- and oracle-teaching sets of the train users;
2. student: a tiny student trained from scratch on each;
3. eval: both students, with the Bayesian Assistant, random, the cheapest option and the
   preference-direction rule beside them, on held-out flight users and on hotels (transfer);
4. report: runs/quickstart/report.md with the tables and the accuracy-by-round plot.

Every step is skipped when its output exists with the same command and config (a second run takes
seconds, an interrupted one resumes); `--force` (`make quickstart FORCE=1`) redoes everything.
Sizes live in configs/quickstart/*.yaml.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scripts.experiment import Experiment
from scripts.pipeline import run_steps

QUICKSTART = Experiment(
    name="quickstart",
    configs=Path("configs/quickstart"),
    runs=Path("runs/quickstart"),
    student_label="tiny student",
    command="make quickstart",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make quickstart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="redo every step (make quickstart FORCE=1)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    elapsed = run_steps(QUICKSTART.steps(), force=args.force, log_dir=QUICKSTART.runs / "logs")
    from scripts.report import write_quickstart_report

    report = write_quickstart_report(QUICKSTART, elapsed_s=elapsed)
    print(f"report: {report}  (total {time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
