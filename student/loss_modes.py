"""`python -m student.loss_modes`: train the tiny student once per loss mode on the same teacher
dataset and score both on held-out users' conversations (README, "Loss modes").

Scoring: for every round r of a held-out conversation, the context is the conversation up to the
question of round r (earlier answers are the teacher's, as in training); each candidate answer
"The best option is Flight N." (N=1..3) is scored by its log-likelihood under the model and the
best one is the prediction. Accuracy is agreement with the user's pick, per round (k = r-1 rounds
of evidence). The eval/ harness does the full protocol; this is a quick yardstick.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bayes.artifacts import write_json
from bayes.config import parse_config

MODES = ("all_assistant_turns", "final_turn")


@dataclass
class LossModesConfig:
    recipe: str = field(default="configs/student/tiny_quickstart_bayesian.yaml", metadata={"help": "training recipe"})
    teacher_dataset: str = field(default="outputs/teacher/flight_bayesian_train", metadata={"help": "training set"})
    heldout_dataset: str = field(default="outputs/teacher/flight_bayesian_heldout", metadata={"help": "scoring set"})
    heldout_conversations: int = field(default=200, metadata={"help": "held-out conversations scored"})
    num_train_epochs: float = field(default=1.0, metadata={"help": "epochs per mode"})
    output_dir: str = field(default="outputs/student/loss_modes", metadata={"help": "runs and results.json"})


def score_rounds(folder: str | Path, conversations: list[dict], template) -> dict[str, np.ndarray]:
    """(C, R) predicted option per round, by the log-likelihood of each candidate answer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    preds = []
    for conv in conversations:
        row = []
        for r in range(conv["num_rounds"]):
            context = conv["messages"][: 2 * r + 1]
            prompt = tok.apply_chat_template(context, tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"]
            scores = []
            for option in range(len(conv["options"][r])):
                full = tok.apply_chat_template(
                    [*context, {"role": "assistant", "content": template.answer(option)}],
                    tokenize=True, return_dict=True)["input_ids"]
                ids = torch.tensor([full])
                with torch.no_grad():
                    logp = model(ids).logits[0, :-1].log_softmax(-1)
                target = ids[0, 1:]
                token_logp = logp[torch.arange(len(target)), target]
                scores.append(token_logp[len(prompt) - 1:].sum().item())
            row.append(int(np.argmax(scores)))
        preds.append(row)
    return np.asarray(preds)


def main(config: LossModesConfig) -> dict:
    import datasets

    from student.config import parse_args
    from student.train import main as train
    from teacher.render import load_template

    heldout = datasets.load_from_disk(config.heldout_dataset)
    longest = max(heldout["num_rounds"])
    conversations = heldout.filter(lambda n: n == longest, input_columns="num_rounds")
    conversations = list(conversations.select(range(min(config.heldout_conversations, len(conversations)))))
    picks = np.asarray([c["user_picks"] for c in conversations])
    bayes = np.asarray([c["bayes_predictions"] for c in conversations])
    template = load_template(conversations[0]["domain"].split("_")[0])
    results = {}
    for mode in MODES:
        out = Path(config.output_dir) / mode
        args = parse_args(["--config", config.recipe, "--teacher_dataset", config.teacher_dataset,
                           "--loss_on", mode, "--output_dir", str(out), "--overwrite", "true",
                           "--num_train_epochs", str(config.num_train_epochs), "--disable_tqdm", "true",
                           "--save_strategy", "no"])
        start = time.perf_counter()
        final = train(*args)
        seconds = time.perf_counter() - start
        manifest = json.loads((final / "manifest.json").read_text())
        predicted = score_rounds(final, conversations, template)
        results[mode] = {
            "train_seconds": round(seconds, 1),
            "train_runtime": manifest["train_metrics"]["train_runtime"],
            "tokens_seen": manifest["train_metrics"]["num_input_tokens_seen"],
            "tokens_per_second": round(manifest["train_metrics"]["tokens_per_second"]),
            "optimizer_steps": manifest["train_metrics"]["global_step"],
            "final_loss": manifest["train_metrics"]["train_loss"],
            "accuracy_by_round": [round(float(x), 3) for x in (predicted == picks).mean(axis=0)],
            "agreement_by_round": [round(float(x), 3) for x in (predicted == bayes).mean(axis=0)],
        }
        print(mode, json.dumps(results[mode]), flush=True)
    results["bayesian_assistant_accuracy_by_round"] = [round(float(x), 3) for x in (bayes == picks).mean(axis=0)]
    results["heldout_conversations"] = len(conversations)
    write_json(Path(config.output_dir) / "results.json", results)
    return results


def cli(argv: list[str] | None = None) -> int:
    config = parse_config(LossModesConfig, argv, "python -m student.loss_modes", __doc__.split("\n\n")[0])
    main(config)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
