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

from scripts.pipeline import Step, run_steps

CONFIGS = Path("configs/quickstart")
RUNS = Path("runs/quickstart")
TEACHINGS = ("bayesian", "oracle")
SUITES = ("flight", "hotel")
LABELS = {"bayesian": "tiny student, Bayesian-taught", "oracle": "tiny student, oracle-taught"}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
              "MPLBACKEND": "Agg"}


def eval_dir(suite: str, teaching: str) -> Path:
    return RUNS / "eval" / suite / teaching


def build_steps() -> list[Step]:
    overwrite = ["--overwrite", "true"]
    steps = []
    for t in TEACHINGS:
        cfg = CONFIGS / f"teacher_{t}.yaml"
        steps.append(Step(f"teacher {t}", ["-m", "teacher", "generate", "--config", str(cfg)],
                          RUNS / "teacher" / t, [cfg], ONE_THREAD, overwrite, "manifest.json"))
    for t in TEACHINGS:
        cfg = CONFIGS / f"student_{t}.yaml"
        steps.append(Step(f"student {t}", ["-m", "student.train", "--config", str(cfg)],
                          RUNS / "student" / t, [cfg, CONFIGS / f"teacher_{t}.yaml"], ONE_THREAD,
                          overwrite, "final"))
    for suite in SUITES:
        cfg = CONFIGS / f"eval_{suite}.yaml"
        for t in TEACHINGS:
            out = eval_dir(suite, t)
            steps.append(Step(
                f"eval {suite} {t}",
                ["-m", "eval", "run", "--config", str(cfg), "--model", str(RUNS / "student" / t / "final"),
                 "--label", LABELS[t], "--output_dir", str(out), "--name", f"quickstart_{suite}"],
                out, [cfg, CONFIGS / f"student_{t}.yaml", CONFIGS / f"teacher_{t}.yaml"], ONE_THREAD,
                overwrite, "results.json",
            ))
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make quickstart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="redo every step (make quickstart FORCE=1)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    elapsed = run_steps(build_steps(), force=args.force, log_dir=RUNS / "logs")
    from scripts.report import write_quickstart_report

    report = write_quickstart_report(
        RUNS, {(s, t): eval_dir(s, t) for s in SUITES for t in TEACHINGS}, elapsed_s=elapsed
    )
    print(f"report: {report}  (total {time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
