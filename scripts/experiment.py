"""One comparison experiment: teacher data → students → evaluation → report, as pipeline steps.

An experiment folder under configs/ holds `teacher_<teaching>.yaml`, `student_<teaching>.yaml` and
`eval_<suite>.yaml`; the outputs go to runs/<name>/. `make quickstart` and
`make experiment-smollm2` are two such experiments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scripts.pipeline import Step

TEACHINGS = ("bayesian", "oracle")
SUITES = ("flight", "hotel")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
              "MPLBACKEND": "Agg"}
OVERWRITE = ["--overwrite", "true"]


@dataclass
class Experiment:
    name: str
    configs: Path
    runs: Path
    student_label: str  # "tiny student" -> "tiny student, Bayesian-taught"
    command: str  # how a user runs it, for the report
    # models evaluated beside the taught students: key -> (model folder, label)
    baselines: dict[str, tuple[str, str]] = field(default_factory=dict)
    prepare: list[Step] = field(default_factory=list)
    overrides: dict[str, list[str]] = field(default_factory=dict)  # stage -> extra --key value
    env: dict[str, str] = field(default_factory=lambda: dict(ONE_THREAD))

    def label(self, teaching: str) -> str:
        return f"{self.student_label}, {'Bayesian' if teaching == 'bayesian' else 'oracle'}-taught"

    def eval_dir(self, suite: str, model_key: str) -> Path:
        return self.runs / "eval" / suite / model_key

    def models(self) -> dict[str, tuple[str, str]]:
        """model key -> (model folder, label) for every evaluated model."""
        out = dict(self.baselines)
        for t in TEACHINGS:
            out[t] = (str(self.runs / "student" / t / "final"), self.label(t))
        return out

    def steps(self) -> list[Step]:
        steps = list(self.prepare)
        extra = self.overrides
        for t in TEACHINGS:
            cfg = self.configs / f"teacher_{t}.yaml"
            steps.append(Step(f"teacher {t}", ["-m", "teacher", "generate", "--config", str(cfg),
                                               *extra.get("teacher", [])],
                              self.runs / "teacher" / t, [cfg], self.env, OVERWRITE, "manifest.json"))
        for t in TEACHINGS:
            cfg = self.configs / f"student_{t}.yaml"
            steps.append(Step(f"student {t}", ["-m", "student.train", "--config", str(cfg),
                                               *extra.get("student", [])],
                              self.runs / "student" / t, [cfg, self.configs / f"teacher_{t}.yaml"],
                              self.env, OVERWRITE, "final"))
        for suite in SUITES:
            cfg = self.configs / f"eval_{suite}.yaml"
            for key, (model, label) in self.models().items():
                out = self.eval_dir(suite, key)
                inputs = [cfg] + ([self.configs / f"student_{key}.yaml", self.configs / f"teacher_{key}.yaml"]
                                  if key in TEACHINGS else [])
                steps.append(Step(
                    f"eval {suite} {key}",
                    ["-m", "eval", "run", "--config", str(cfg), "--model", model, "--label", label,
                     "--output_dir", str(out), "--name", f"{self.name}_{suite}", *extra.get("eval", [])],
                    out, inputs, self.env, OVERWRITE, "results.json",
                ))
        return steps

    def eval_dirs(self) -> list[Path]:
        return [self.eval_dir(s, key) for s in SUITES for key in self.models()]
