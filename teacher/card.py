"""The dataset card (README.md) written beside every teacher dataset: YAML metadata in the
Hugging Face card format (features, sizes, configs), then how the data was made."""

from __future__ import annotations

from typing import Any

import yaml

from teacher.schema import FEATURES, SCHEMA_VERSION


def size_category(n: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if n < bound:
            return name
    return "n>1M"


def card_text(config: dict[str, Any], stats: dict[str, Any], command: str) -> str:
    """README.md of a dataset folder. `stats`: records, conversations, users, fingerprint,
    bayes_agreement (fraction of assistant turns equal to the Bayesian prediction)."""
    metadata = {
        "pretty_name": f"{config['teaching'].capitalize()} teaching, {config['domain']}",
        "language": ["en"],
        "task_categories": ["text-generation"],
        "size_categories": [size_category(stats["records"])],
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": "data.jsonl"}]}],
        "dataset_info": {
            "features": FEATURES._to_yaml_list(),
            "splits": [{"name": "train", "num_examples": stats["records"]}],
        },
    }
    prefixes = ("each conversation appears as its prefixes ending after round 1.."
                f"{config['rounds']}" if config["expand_prefixes"] else "whole conversations only")
    teaching = (
        "every assistant turn is the Bayesian Assistant's prediction given the earlier rounds "
        f"(rule `{config['rule']}`, likelihood `{config['likelihood']}`), early mistakes included; "
        "the feedback turn then tells the user's real preference"
        if config["teaching"] == "bayesian" else
        "every assistant turn is the user's actual pick, so every feedback says correct"
    )
    body = f"""
# {metadata['pretty_name']}

Teaching data for fine-tuning a language model to play the recommendation game of
"Bayesian teaching enables probabilistic reasoning in large language models" (Qiu et al.).

- **Teaching:** {config['teaching']}: {teaching}.
- **Size:** {stats['users']} users x {config['conversations_per_user']} conversations x
  {config['rounds']} rounds = {stats['conversations']} conversations; {prefixes}
  → {stats['records']} records.
- **Users:** split `{config['split']}` (held-out fraction {config['heldout_fraction']},
  split seed {config['split_seed']}; see `teacher.splits.split_user_weights`), users `{config['users']}`.
- **Seed:** {config['seed']} (option sets; the Bayesian and oracle datasets of one seed share
  their conversations). Assistant turns equal to the Bayesian prediction:
  {stats['bayes_agreement']:.1%}.
- **Fingerprint:** `{stats['fingerprint']}` (sha256 of the canonical JSON of every record;
  see `teacher/dataset.py`). Schema version {SCHEMA_VERSION}.

Made with:

```bash
{command}
```

## Files

- `data-*.arrow`, `dataset_info.json`, `state.json`: the dataset, `datasets.load_from_disk(<this folder>)`
  (or `teacher.dataset.load_teacher_dataset`, which also checks the schema).
- `data.jsonl`: the release's form, one `{{"idx", "messages"}}` object a line, usable by the
  alignment-handbook and TRL as it is.
- `config.yaml`, `manifest.json`: the resolved config; versions, git revision, fingerprint.

## Columns

`messages` (user/assistant turns, no system message) and provenance: `domain`, `user_id`,
`conversation`, `num_rounds`, `weights` (the user's reward weights), `options[r][o][f]`
(normalized features), `user_picks`, `assistant_picks`, `bayes_predictions`,
`bayes_predictive[r][o]` (the posterior predictive before round r: soft labels), `teaching`,
`seed`, `schema_version`. Option indices are 0-based; the text numbers options from 1.
"""
    return "---\n" + yaml.safe_dump(metadata, sort_keys=False) + "---\n" + body
