import json

import numpy as np
import pytest

from bayes.choice import user_picks
from bayes.data import DataError, read_interaction_jsonl
from bayes.domains import domain_for_features


@pytest.mark.parametrize("name", ["flight", "hotel"])
def test_argmax_user_reproduces_every_recorded_pick(paper_data, name):
    data = read_interaction_jsonl(paper_data / "eval" / "interaction" / f"{name}.jsonl")
    assert data.options.shape == (624, 5, 3, 4)
    space = domain_for_features(name, data.features)
    space.validate_options(data.options)
    np.testing.assert_array_equal(user_picks(data.options, data.weights), data.picks)


GOOD = {"idx": 0, "reward_fn": [1.0, 0.0], "features": ["duration", "price"],
        "rounds": [{"options": ["a", "b", "c"], "user_idx": 1}],
        "rounds_numpy": [[[0.0, 0.1], [0.5, 0.2], [0.1, 0.1]]]}


@pytest.mark.parametrize("line, message", [
    ("{not json", ":2: not valid JSON"),
    (json.dumps({**GOOD, "rounds": []}), ":2: expected an object with a non-empty list 'rounds'"),
    (json.dumps({**GOOD, "rounds": [{"options": ["a"]}]}), ":2: each round needs 'options'"),
    (json.dumps({**GOOD, "rounds": [{"options": ["a", "b", "c"], "user_idx": 5}]}),
     ":2: rounds[0].user_idx=5 is not an option index"),
    (json.dumps({**GOOD, "reward_fn": [1.0]}), ":2: 'reward_fn' has 1 weights, expected 2"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "rounds_numpy"}), ":2: missing 'rounds_numpy'"),
])
def test_malformed_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + line + "\n")
    with pytest.raises(DataError) as err:
        read_interaction_jsonl(path)
    assert str(err.value).startswith(f"{path}:")
    assert message in str(err.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_interaction_jsonl(tmp_path / "nope.jsonl")
