"""Tables and plots of results: one run (`python -m eval run` writes them) or several merged
(`python -m eval report results.json ... --output_dir DIR`).

The plot is accuracy against the number of interactions, one line per model with standard-error
bars (reference players dashed), chance as a dotted line: the layout of the paper's figures.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bayes.artifacts import write_run_metadata, write_text
from bayes.config import ConfigError, parse_config

REFERENCE_PREFIX = "ref:"


def lines_of(result: dict) -> list[dict]:
    """The model's line and its reference players' lines, each {label, reference, per_k}."""
    out = [{"label": result["label"], "reference": result.get("is_reference", False), "per_k": result["per_k"]}]
    for ref in result.get("references", {}).values():
        out.append({"label": ref["label"], "reference": True, "per_k": ref["per_k"]})
    return out


def _pct(x: float | None, se: float | None = None) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.1f}" + (f" ± {100 * se:.1f}" if se is not None else "")


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def suite_table(suite: str, results: list[dict]) -> str:
    """Markdown: accuracy (%, ± s.e.) per k for every line, then agreement, invalid rate, KL, Brier."""
    first = results[0]
    ks = [row["k"] for row in first["per_k"]]
    seen, lines = set(), []
    for r in results:
        for line in lines_of(r):
            if line["label"] not in seen:  # a reference player shown by several runs: once
                seen.add(line["label"])
                lines.append(line)
    header = "| model | " + " | ".join(f"k={k}" for k in ks) + " |"
    rule = "|---|" + "---:|" * len(ks)
    out = [f"### {suite}: {first['description']}", "",
           "Accuracy against the user's choice (%, mean ± s.e. across users), after k interactions:", "",
           header, rule]
    for line in lines:
        out.append(f"| {line['label']} | " + " | ".join(_pct(r["accuracy"], r["stderr"]) for r in line["per_k"]) + " |")
    if any(r["agreement"] is not None for line in lines for r in line["per_k"]):
        out += ["", "Agreement with the Bayesian Assistant (%, same history):", "", header, rule]
        for line in lines:
            out.append(f"| {line['label']} | " + " | ".join(_pct(r["agreement"]) for r in line["per_k"]) + " |")
    text_lines = [line for line in lines if not line["reference"]]
    if text_lines:
        out += ["", "Invalid answers (%) / KL(Bayes predictive ‖ model) / Brier score:", "", header, rule]
        for line in text_lines:
            cells = [f"{_pct(r['invalid_rate'])} / {_num(r['kl'])} / {_num(r['brier'])}" for r in line["per_k"]]
            out.append(f"| {line['label']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def markdown(results: list[dict]) -> str:
    by_suite: dict[str, list[dict]] = {}
    for r in results:
        by_suite.setdefault(r["suite"], []).append(r)
    return "\n\n".join(suite_table(s, rs) for s, rs in by_suite.items()) + "\n"


def plot(results: list[dict], path: str | Path) -> None:
    """Accuracy vs k, one panel per suite, one line per model (± s.e.), chance dotted."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_suite: dict[str, list[dict]] = {}
    for r in results:
        by_suite.setdefault(r["suite"], []).append(r)
    fig, axes = plt.subplots(1, len(by_suite), figsize=(5.2 * len(by_suite), 4.2), squeeze=False)
    for ax, (suite, rs) in zip(axes[0], by_suite.items(), strict=True):
        seen = set()
        for r in rs:
            for line in lines_of(r):
                if line["label"] in seen:
                    continue
                seen.add(line["label"])
                ks = [row["k"] for row in line["per_k"]]
                acc = [100 * row["accuracy"] for row in line["per_k"]]
                se = [100 * row["stderr"] for row in line["per_k"]]
                ax.errorbar(ks, acc, yerr=se, label=line["label"], marker="o", markersize=4, capsize=3,
                            linestyle="--" if line["reference"] else "-", linewidth=1.2 if line["reference"] else 2)
        chance = 100 / rs[0]["num_options"]
        ax.axhline(chance, color="grey", linestyle=":", linewidth=1, label="chance")
        ax.set_title(suite)
        ax.set_xlabel("number of interactions (k)")
        ax.set_ylabel("accuracy on held-out choices (%)")
        ax.set_ylim(0, 102)
        ax.set_xticks([row["k"] for row in rs[0]["per_k"]])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(path).with_name(f".{Path(path).name}.tmp.png")
    fig.savefig(tmp, dpi=130)
    plt.close(fig)
    os.replace(tmp, path)


@dataclass
class ReportConfig:
    results: list[str] = field(default_factory=list, metadata={
        "help": "results.json files or run folders (also accepted as positional arguments)"})
    output_dir: str = field(default="runs/eval/report", metadata={"help": "where report.md and accuracy.png go"})
    progress: bool = field(default=True, metadata={"help": "unused (kept for symmetry with run)"})


def load_results(paths: list[str]) -> list[dict]:
    out = []
    for p in paths:
        path = Path(p) / "results.json" if Path(p).is_dir() else Path(p)
        if not path.is_file():
            raise ConfigError(f"{path}: results file not found")
        try:
            data = json.loads(path.read_text())
            data["per_k"], data["suite"], data["label"]  # noqa: B018 - shape check
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ConfigError(f"{path}: not a results.json written by `python -m eval run`") from None
        out.append(data)
    return out


def main(config: ReportConfig) -> str:
    results = load_results(config.results)
    if not results:
        raise ConfigError("no results given: python -m eval report RESULTS.json [...] [--output_dir DIR]")
    table = markdown(results)
    out = Path(config.output_dir)
    write_text(out / "report.md", table)
    plot(results, out / "accuracy.png")
    write_run_metadata(out, "eval.report", config, inputs={"results": config.results})
    print(table)
    print(f"wrote {out / 'report.md'} and {out / 'accuracy.png'}", file=sys.stderr)
    return table


def cli(argv: list[str] | None = None) -> int:
    prog = "python -m eval report"
    argv = list(sys.argv[1:] if argv is None else argv)
    positional = []
    while argv and not argv[0].startswith("-"):
        positional.append(argv.pop(0))
    if positional:
        argv += ["--results", ",".join(positional)]
    config = parse_config(ReportConfig, argv, prog, __doc__ or "")
    try:
        main(config)
    except (ConfigError, ValueError, OSError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    return 0
