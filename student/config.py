"""The student's configuration: TRL's own `SFTConfig` and `ModelConfig`, plus our few fields
(`StudentArguments`), read by TRL's `TrlParser` from `--config <recipe>.yaml` then `--key value`.

YAML key = CLI flag = attribute name, as everywhere else; an unknown key, a missing file or a
value of the wrong type is a one-line `StudentConfigError` naming the file and the key.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SMOLLM2_DIR = ".cache/models/SmolLM2-135M-Instruct"
LOSS_MODES = ("all_assistant_turns", "final_turn")
CPU_RECIPES = "configs/student/tiny_{teaching}.yaml or configs/student/smollm2_135m_lora_{teaching}.yaml"


class StudentConfigError(ValueError):
    """A recipe or flag is wrong; the message names the file and the key."""


@dataclass
class StudentArguments:
    teacher_dataset: str | None = field(
        default=None,
        metadata={"help": "Folder written by `python -m teacher generate` (datasets.load_from_disk)."},
    )
    loss_on: str = field(
        default="all_assistant_turns",
        metadata={
            "help": "all_assistant_turns: train on whole conversations (the records with the most rounds), "
            "loss on every assistant turn. final_turn: train on every prefix record, loss on its last "
            "assistant turn only (prompt/completion). Same targets; the first reads ~1/3 of the tokens."
        },
    )
    student: str = field(
        default="tiny",
        metadata={
            "help": "tiny (built from scratch on the teacher dataset's text), smollm2 (SmolLM2-135M-Instruct "
            "prepared offline into smollm2_dir) or any hub name / local model folder."
        },
    )
    max_records: int | None = field(
        default=None,
        metadata={"help": "Use only the first N training examples after selection (None: all)."},
    )
    requires_gpu: bool = field(
        default=False,
        metadata={"help": "Refuse to start without a CUDA GPU (set in the 7-9B recipes)."},
    )
    overwrite: bool = field(
        default=False,
        metadata={"help": "Replace an existing output_dir/final and start over even if checkpoints exist."},
    )
    merge_lora: bool = field(
        default=True,
        metadata={"help": "With use_peft: also save the merged model into output_dir/final (adapter in final/adapter)."},
    )
    smollm2_dir: str = field(
        default=DEFAULT_SMOLLM2_DIR,
        metadata={"help": "Cache folder of the prepared SmolLM2-135M-Instruct (made on first use)."},
    )
    tiny_vocab_size: int = field(default=1024, metadata={"help": "Tiny student: BPE vocabulary size."})
    tiny_hidden_size: int = field(default=128, metadata={"help": "Tiny student: hidden size."})
    tiny_num_hidden_layers: int = field(default=4, metadata={"help": "Tiny student: layers."})
    tiny_num_attention_heads: int = field(default=4, metadata={"help": "Tiny student: attention heads."})
    tiny_intermediate_size: int = field(default=512, metadata={"help": "Tiny student: MLP size."})

    def __post_init__(self) -> None:
        if self.loss_on not in LOSS_MODES:
            raise ValueError(f"loss_on: expected one of {', '.join(LOSS_MODES)}, got {self.loss_on!r}")


def make_parser():
    from trl import ModelConfig, SFTConfig, TrlParser

    return TrlParser((StudentArguments, SFTConfig, ModelConfig), prog="python -m student.train")


def _recipe_path(argv: list[str]) -> str | None:
    return argv[argv.index("--config") + 1] if "--config" in argv[:-1] else None


def _check_gpu(path: str | None, argv: list[str]) -> None:
    """Refuse a GPU recipe before TRL builds SFTConfig (which fails deep inside on bf16)."""
    import torch
    import yaml

    data = yaml.safe_load(Path(path).read_text()) if path else {}
    wants_gpu = bool(data.get("requires_gpu", False)) if isinstance(data, dict) else False
    if "--requires_gpu" in argv[:-1]:
        wants_gpu = argv[argv.index("--requires_gpu") + 1].lower() in ("true", "1", "yes")
    if wants_gpu and not torch.cuda.is_available():
        teaching = "oracle" if path and "oracle" in Path(path).stem else "bayesian"
        raise StudentConfigError(
            f"{path or 'flags'}: this recipe needs a GPU (requires_gpu: true) and none is visible; "
            f"on a CPU use {CPU_RECIPES.format(teaching=teaching)}"
        )


def _cpu_default(argv: list[str]) -> list[str]:
    """Without a GPU, run on the CPU (bf16 becomes CPU autocast) unless the flags say otherwise:
    SFTConfig would otherwise refuse a bf16 recipe with an error about the GPU."""
    import torch

    if torch.cuda.is_available() or "--use_cpu" in argv:
        return argv
    return [*argv, "--use_cpu", "true"]


def parse_args(argv: list[str] | None = None):
    """(StudentArguments, SFTConfig, ModelConfig) from a recipe and flags; StudentConfigError on bad input."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    path = _recipe_path(argv)
    where = path or "flags"
    if path is not None and not Path(path).is_file():
        raise StudentConfigError(f"{path}: recipe file not found")
    _check_gpu(path, argv)
    argv = _cpu_default(argv)
    parser = make_parser()
    stderr = io.StringIO()
    try:
        # argparse prints its own usage on a bad flag and exits; keep only our one line.
        with contextlib.redirect_stderr(stderr):
            student, sft, model = parser.parse_args_and_config(argv)
    except SystemExit as exc:
        last = [line for line in stderr.getvalue().splitlines() if line.strip()]
        if exc.code == 0:  # --help
            sys.stdout.write(stderr.getvalue())
            raise
        raise StudentConfigError(f"{where}: {last[-1] if last else 'invalid arguments'}") from None
    except Exception as err:  # TrlParser and the dataclasses raise ValueError/TypeError
        raise StudentConfigError(f"{where}: {str(err).splitlines()[0]}") from None
    if model.model_name_or_path is not None:
        raise StudentConfigError(
            f"{where}: key 'model_name_or_path' is not used; name the model with 'student' "
            "(tiny, smollm2, or a hub name / local path)"
        )
    return student, sft, model
