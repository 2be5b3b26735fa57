"""The loss history of a run: the Trainer's log as JSON and a loss-curve PNG."""

from __future__ import annotations

from pathlib import Path

from bayes.artifacts import write_json


def training_losses(log_history: list[dict]) -> tuple[list[int], list[float]]:
    rows = [row for row in log_history if "loss" in row and "step" in row]
    return [int(r["step"]) for r in rows], [float(r["loss"]) for r in rows]


def write_history(out_dir: str | Path, log_history: list[dict], title: str) -> None:
    """`loss_history.json` (every logged row) and `loss_curve.png` (training loss by step)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    write_json(out_dir / "loss_history.json", log_history)
    steps, losses = training_losses(log_history)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(steps, losses, marker="." if len(steps) < 50 else None)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_dir / "loss_curve.png", dpi=100)
    plt.close(fig)
