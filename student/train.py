"""`python -m student.train --config configs/student/<recipe>.yaml [--key value ...]`: fine-tune
a student on a teacher dataset with TRL's SFTTrainer (also under `accelerate launch -m student.train`).

The run folder (`output_dir`) holds `checkpoint-N/` (resume with `--resume_from_checkpoint true`),
`tiny-init/` for a from-scratch student, and, when training ends, `final/`: the model, the
tokenizer with its chat template, `config.yaml` (resolved), `manifest.json` (teacher dataset
fingerprint, base model, versions, throughput), `loss_history.json`, `loss_curve.png`, and for
LoRA runs `adapter/` beside the merged model.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from bayes.artifacts import OutputExistsError, atomic_output_dir, write_run_metadata
from student.config import CPU_RECIPES, StudentArguments, StudentConfigError, parse_args
from student.data import TeacherDataError, load_teacher, training_examples
from student.history import write_history
from student.models import resolve_student

STAGE = "student.train"
FINAL = "final"
PROG = "python -m student.train"
# Distributed runs only: trainers never freed, so gloo's process-group destructor never runs.
_KEPT_UNTIL_EXIT: list = []


class StudentRunError(RuntimeError):
    """The run cannot start as configured (output exists, nothing to resume, no GPU)."""


def resolved_config(student: StudentArguments, sft: Any, model: Any) -> dict[str, Any]:
    """One flat mapping in the recipe's key space (student, SFTConfig and ModelConfig keys)."""
    out = dataclasses.asdict(student)
    out.update(sft.to_dict())
    out.update({k: v for k, v in dataclasses.asdict(model).items()})
    return out


def checkpoint_to_resume(sft: Any, student: StudentArguments) -> str | None:
    """The checkpoint to continue from, or None; refuses to silently restart over checkpoints."""
    from transformers.trainer_utils import get_last_checkpoint

    out = Path(sft.output_dir)
    final = out / FINAL
    if final.exists() and not student.overwrite:
        raise OutputExistsError(f"{final} already exists; pass --overwrite true to train again")
    wanted = sft.resume_from_checkpoint
    last = get_last_checkpoint(str(out)) if out.is_dir() else None
    if wanted is None or str(wanted).lower() in ("false", "no", "none"):
        if last is not None and not student.overwrite:
            raise StudentRunError(
                f"{out} holds checkpoints (latest {Path(last).name}); pass --resume_from_checkpoint true "
                "to continue or --overwrite true to start over"
            )
        return None
    if str(wanted).lower() in ("true", "yes", "last"):
        if last is None:
            raise StudentRunError(f"--resume_from_checkpoint true: no checkpoint-N folder in {out}")
        return last
    if not Path(wanted).is_dir():
        raise StudentRunError(f"--resume_from_checkpoint {wanted}: no such checkpoint folder")
    return str(wanted)


def _clear_previous_run(output_dir: Path) -> None:
    for old in [*output_dir.glob("checkpoint-*"), output_dir / FINAL]:
        shutil.rmtree(old, ignore_errors=True)


def main(student: StudentArguments, sft: Any, model_args: Any) -> Path:
    """Train, then write output_dir/final. Returns the final folder."""
    import torch
    from accelerate import PartialState
    from trl import SFTTrainer, get_peft_config

    if student.requires_gpu and not torch.cuda.is_available():
        raise StudentRunError(f"this recipe needs a GPU and none is visible; on a CPU use {CPU_RECIPES.format(teaching='bayesian')}")
    state = PartialState()
    output_dir = Path(sft.output_dir)
    resume = checkpoint_to_resume(sft, student)
    teacher, fingerprint = load_teacher(student.teacher_dataset)
    with state.main_process_first():
        if state.is_main_process and resume is None and student.overwrite:
            _clear_previous_run(output_dir)
        base_model = resolve_student(student, teacher, output_dir, sft.seed)
    examples = training_examples(teacher, student.loss_on, student.max_records)

    sft.assistant_only_loss = student.loss_on == "all_assistant_turns"
    if sft.include_num_input_tokens_seen in ("no", False):  # the manifest reports tokens/s
        sft.include_num_input_tokens_seen = "non_padding"
    init_kwargs = {"revision": model_args.model_revision, "attn_implementation": model_args.attn_implementation,
                   "dtype": model_args.dtype}
    sft.model_init_kwargs = {**{k: v for k, v in init_kwargs.items() if v is not None},
                             **(sft.model_init_kwargs or {})}
    trainer = SFTTrainer(
        model=base_model, args=sft, train_dataset=examples, peft_config=get_peft_config(model_args),
    )
    result = trainer.train(resume_from_checkpoint=resume)

    # Every process takes part in saving (FSDP / ZeRO-3 gather the weights); rank 0 writes.
    partial = output_dir / f".{FINAL}.partial"
    adapter = model_args.use_peft
    trainer.save_model(str(partial / "adapter") if adapter else str(partial))
    final = output_dir / FINAL
    if state.is_main_process:
        tokens = int(getattr(trainer.state, "num_input_tokens_seen", 0) or 0)
        runtime = float(result.metrics.get("train_runtime", 0.0))
        metrics = {**result.metrics, "num_input_tokens_seen": tokens,
                   "tokens_per_second": tokens / runtime if tokens and runtime else None,
                   "global_step": trainer.state.global_step}
        with atomic_output_dir(final, overwrite=True) as tmp:
            for item in partial.iterdir():
                shutil.move(str(item), tmp / item.name)
            if adapter and student.merge_lora:
                merged = trainer.model.merge_and_unload()
                merged.save_pretrained(tmp)
                trainer.processing_class.save_pretrained(tmp)
            write_history(tmp, trainer.state.log_history, f"{Path(sft.output_dir).name} ({student.loss_on})")
            write_run_metadata(
                tmp, STAGE, resolved_config(student, sft, model_args), seed=sft.seed,
                inputs={"teacher_dataset": str(student.teacher_dataset), "teacher_fingerprint": fingerprint,
                        "base_model": student.student if student.student in ("tiny", "smollm2") else base_model,
                        "base_model_path": base_model, "resumed_from": resume},
                extra={"train_metrics": metrics, "num_train_examples": len(examples),
                       "loss_on": student.loss_on, "num_processes": state.num_processes},
            )
        shutil.rmtree(partial, ignore_errors=True)
    if state.num_processes > 1:
        # Freeing the DDP model frees gloo's process group, whose destructor joins its worker
        # threads: once the peer had exited that join deadlocked (py-spy of a stuck rank:
        # ~Reducer -> ~ProcessGroupGloo -> std::thread::join). A distributed rank keeps the
        # trainer and leaves with os._exit (cli), so that destructor never runs.
        _KEPT_UNTIL_EXIT.append(trainer)
    state.wait_for_everyone()
    # Tear the process group down before the interpreter exits: leaving gloo's threads to
    # process exit aborted a rank now and then ("terminate called without an active exception").
    state.destroy_process_group()
    return final


def cli(argv: list[str] | None = None) -> int:
    try:
        student, sft, model_args = parse_args(argv)
        final = main(student, sft, model_args)
    except (StudentConfigError, TeacherDataError, StudentRunError, OutputExistsError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        from student.smollm2 import SmolLM2Error

        if isinstance(err, SmolLM2Error):
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return 2
        raise
    print(f"trained student saved to {final}")
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # Every output is written; leave without interpreter teardown (see _KEPT_UNTIL_EXIT).
        # Here, not in __main__, so `python -m student train` under accelerate leaves the same way.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
