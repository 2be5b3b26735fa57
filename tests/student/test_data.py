"""The two loss modes select the same (context, target) pairs from a teacher dataset."""

from __future__ import annotations

import datasets

from student.data import training_examples


def _pairs_from_whole(conversations):
    pairs = set()
    for messages in conversations["messages"]:
        for i, m in enumerate(messages):
            if m["role"] == "assistant":
                context = tuple((x["role"], x["content"]) for x in messages[:i])
                pairs.add((context, m["content"]))
    return pairs


def test_whole_conversations_carry_the_prefix_records_targets(teacher_dir):
    ds = datasets.load_from_disk(str(teacher_dir))
    whole = training_examples(ds, "all_assistant_turns")
    prefixes = training_examples(ds, "final_turn")
    assert whole.column_names == ["messages"] and len(whole) == 24  # 8 users x 3 conversations
    assert set(prefixes.column_names) == {"prompt", "completion"} and len(prefixes) == 72
    prefix_pairs = {
        (tuple((x["role"], x["content"]) for x in p), c[0]["content"])
        for p, c in zip(prefixes["prompt"], prefixes["completion"], strict=True)
    }
    assert all(len(c) == 1 and c[0]["role"] == "assistant" for c in prefixes["completion"])
    assert _pairs_from_whole(whole) == prefix_pairs
    # ... at about a third of the text: 3-round conversations vs their 1-, 2- and 3-round prefixes.
    chars = lambda rows: sum(len(m["content"]) for row in rows for m in row)  # noqa: E731
    ratio = chars(whole["messages"]) / chars(ds["messages"])
    assert 0.45 < ratio < 0.6  # 3/(1+2+3) = 0.5 for equal-length rounds


def test_max_records_caps_examples(teacher_dir):
    ds = datasets.load_from_disk(str(teacher_dir))
    assert len(training_examples(ds, "final_turn", max_records=10)) == 10
