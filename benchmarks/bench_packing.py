"""Padded batches against padding-free and packed batches for the tiny student, on CPU.

Same tiny model, teacher data, steps and seed for every variant, all run in this one process,
interleaved over REPEATS rounds (the machine is shared: the median of each is reported). The
measure is real (non-padding) tokens per second of training; ratios are against padded. Both
loss modes are measured: whole conversations (all the same length, little padding) and prefix
records (1..5 rounds, lengths vary ~5x).

- padded: one row per example, padded to the longest in the batch (attention_mask).
- padding_free: the batch flattened into one row, position_ids restart per example (TRL
  `padding_free=True`, `max_length: null`); transformers builds a block-causal mask from them.
- packed: TRL `packing=True` (best-fit decreasing into rows of max_length tokens), padding-free.

On CPU with SDPA attention the padding-free variants build a dense mask over the whole flattened
row, so their attention cost grows with the square of the batch's total length; with
FlashAttention on a GPU it would not. Run: `python -m benchmarks packing`.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

STEPS = 12
REPEATS = 2
BATCH = 16
MODEL = ["--student", "tiny", "--tiny_hidden_size", "128", "--tiny_num_hidden_layers", "4",
         "--tiny_num_attention_heads", "4", "--tiny_intermediate_size", "512"]
VARIANTS = {
    "padded": ["--padding_free", "false", "--max_length", "2048"],
    "padding_free": ["--padding_free", "true", "--max_length", "none"],
    "packed": ["--packing", "true", "--max_length", "1024", "--per_device_train_batch_size", "1"],
}


def run(teacher: Path, out: Path, loss_on: str, variant: str) -> dict:
    from student.config import parse_args
    from student.train import main as train

    args = parse_args([
        "--teacher_dataset", str(teacher), "--output_dir", str(out), "--overwrite", "true", *MODEL,
        "--loss_on", loss_on, "--max_steps", str(STEPS), "--per_device_train_batch_size", str(BATCH),
        "--learning_rate", "1e-3", "--use_cpu", "true", "--bf16", "false", "--report_to", "none",
        "--disable_tqdm", "true", "--save_strategy", "no", "--logging_steps", "1",
        "--activation_checkpointing", "false", *VARIANTS[variant],
    ])
    final = train(*args)
    metrics = json.loads((final / "manifest.json").read_text())["train_metrics"]
    return {"tokens_per_second": metrics["tokens_per_second"], "tokens": metrics["num_input_tokens_seen"],
            "train_loss": metrics["train_loss"]}


def main() -> dict:
    from teacher.generate import cli as generate

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        teacher = Path(tmp) / "teacher"
        assert generate(["--users", "100", "--conversations_per_user", "3", "--seed", "0",
                         "--output_dir", str(teacher), "--progress", "false"]) == 0
        for loss_on in ("all_assistant_turns", "final_turn"):
            speeds: dict[str, list[float]] = {v: [] for v in VARIANTS}
            losses: dict[str, float] = {}
            for _ in range(REPEATS):
                for variant in VARIANTS:
                    r = run(teacher, Path(tmp) / f"{loss_on}-{variant}", loss_on, variant)
                    speeds[variant].append(r["tokens_per_second"])
                    losses[variant] = r["train_loss"]
            median = {v: statistics.median(s) for v, s in speeds.items()}
            results[loss_on] = {
                "tokens_per_second": {v: round(x) for v, x in median.items()},
                "ratio_to_padded": {v: round(x / median["padded"], 2) for v, x in median.items()},
                "train_loss": {v: round(x, 4) for v, x in losses.items()},
            }
            print(loss_on, json.dumps(results[loss_on]), flush=True)
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
