"""`python -m student tiny-init`: an untrained tiny student (tokenizer trained on a teacher
dataset's text + random-init Llama), as a normal transformers folder. `python -m student.train`
with `student: tiny` does this itself into <output_dir>/tiny-init; this verb is for eval tests
and experiments that want the folder alone."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from bayes.artifacts import OutputExistsError, atomic_output_dir, write_run_metadata
from bayes.config import parse_config
from student.data import TeacherDataError, load_teacher
from student.models import dataset_texts
from student.tiny import make_tiny_student


@dataclass
class TinyInitConfig:
    teacher_dataset: str = field(default="outputs/teacher/tiny_bayesian", metadata={"help": "teacher dataset folder"})
    output_dir: str = field(default="outputs/student/tiny-init", metadata={"help": "where to save the model folder"})
    vocab_size: int = field(default=1024, metadata={"help": "BPE vocabulary size"})
    hidden_size: int = field(default=128, metadata={"help": "hidden size"})
    num_hidden_layers: int = field(default=4, metadata={"help": "layers"})
    num_attention_heads: int = field(default=4, metadata={"help": "attention heads"})
    intermediate_size: int = field(default=512, metadata={"help": "MLP size"})
    seed: int = field(default=0, metadata={"help": "initialisation seed"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing output_dir"})


def main(config: TinyInitConfig) -> Path:
    teacher, fingerprint = load_teacher(config.teacher_dataset)
    with atomic_output_dir(config.output_dir, config.overwrite) as tmp:
        make_tiny_student(
            dataset_texts(teacher), tmp, vocab_size=config.vocab_size, hidden_size=config.hidden_size,
            num_hidden_layers=config.num_hidden_layers, num_attention_heads=config.num_attention_heads,
            intermediate_size=config.intermediate_size, seed=config.seed,
        )
        write_run_metadata(tmp, "student.tiny_init", config, seed=config.seed,
                           inputs={"teacher_dataset": config.teacher_dataset, "teacher_fingerprint": fingerprint})
    return Path(config.output_dir)


def cli(argv: list[str] | None = None) -> int:
    config = parse_config(TinyInitConfig, argv, "python -m student tiny-init", __doc__.split("\n\n")[0])
    try:
        out = main(config)
    except (TeacherDataError, OutputExistsError) as err:
        print(f"python -m student tiny-init: error: {err}", file=sys.stderr)
        return 2
    print(f"tiny student saved to {out}")
    return 0
