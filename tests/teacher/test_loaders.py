"""Loaders of the released evaluation files, on the real files and on small files with errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bayes.choice import user_picks
from bayes.domains import get_domain
from teacher.loaders import (
    LoaderError,
    load_heldout,
    load_interactions,
    load_webshop,
    load_webshop_heldout,
)
from teacher.render import load_template


def interaction(paper_data, name):
    return paper_data / "eval" / "interaction" / f"{name}.jsonl"


@pytest.mark.parametrize("name, space", [("flight", "flight"), ("hotel", "hotel")])
def test_released_interactions(paper_data, name, space):
    batch = load_interactions(interaction(paper_data, name))
    assert batch.space.name == space and batch.options.shape == (624, 5, 3, 4)
    assert batch.user_ids.tolist() == list(range(624))  # the release lists user 0..623 in order
    np.testing.assert_array_equal(batch.picks, user_picks(batch.options, batch.weights))
    assert not batch.inconsistent.any()
    # the text kept beside the numbers is the release's own
    first = json.loads(interaction(paper_data, name).open().readline())
    assert batch.option_texts[0][0] == first["rounds"][0]["options"]
    acc = (batch.bayes_predictions == batch.picks).mean(axis=0)
    assert acc[0] < 0.45 and acc[-1] > 0.7


def test_released_flight_predictions_match_the_brute_force_assistant(paper_data, brute):
    batch = load_interactions(interaction(paper_data, "flight"))
    for c in range(0, 624, 13):
        options = np.rint(batch.options[c] * 10).astype(int).tolist()
        assert batch.bayes_predictions[c].tolist() == brute.predictions(options, batch.picks[c].tolist())
    np.testing.assert_allclose(batch.bayes_predictive.sum(-1), 1.0)


def test_released_webshop(paper_data):
    folder = paper_data / "eval" / "interaction" / "webshop"
    batch = load_webshop(folder)
    assert len(batch) == 240 and batch.scores.shape == (240, 5, 3) and len(set(batch.categories)) == 24
    np.testing.assert_array_equal(batch.picks, np.argmax(batch.scores, axis=-1))
    one = load_webshop(folder / "candles.jsonl")
    assert len(one) == 10 and set(one.categories) == {"candles"}
    assert one.goal_attrs[0] == ["white item", "soy wax"]
    assert one.option_texts[0][0][0].startswith("Product 1: Yankee Candle")
    assert np.all(np.isin(batch.scores * 4, np.arange(5)))  # multiples of 0.25


def test_human_like_file_without_reward_fn_or_seed(tmp_path, paper_data):
    lines = interaction(paper_data, "flight").read_text().splitlines()[:3]
    recs = [json.loads(x) for x in lines]
    for r in recs:
        del r["reward_fn"], r["seed"]
    recs[1]["rounds"][0]["user_idx"] = (recs[1]["rounds"][0]["user_idx"] + 1) % 3  # not the argmax
    path = tmp_path / "human.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    batch = load_interactions(path)
    assert np.isnan(batch.weights).all() and (batch.user_ids == -1).all()
    assert batch.picks[1, 0] == recs[1]["rounds"][0]["user_idx"]
    assert batch.bayes_predictions.shape == (3, 5)


def test_file_without_feature_names_is_recognised_from_its_text(tmp_path, paper_data):
    rec = json.loads(interaction(paper_data, "hotel").open().readline())
    del rec["features"]
    (tmp_path / "h.jsonl").write_text(json.dumps(rec) + "\n")
    assert load_interactions(tmp_path / "h.jsonl").space.name == "hotel"


def test_corrupt_interaction_lines_name_file_and_line(tmp_path, paper_data):
    good = interaction(paper_data, "flight").read_text().splitlines()[0]
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + good[:-20] + "\n")
    with pytest.raises(LoaderError, match=rf"{path}:2: not valid JSON"):
        load_interactions(path)
    rec = json.loads(good)
    rec["rounds"][3]["user_idx"] = 7
    path.write_text(good + "\n" + good + "\n" + json.dumps(rec) + "\n")
    with pytest.raises(LoaderError, match=rf"{path}:3: rounds\[3\]\.user_idx=7 is not an option index"):
        load_interactions(path)
    rec = json.loads(good)
    rec["rounds_numpy"][0][0][0] = 0.55
    path.write_text(json.dumps(rec) + "\n")
    with pytest.raises(LoaderError, match="departure_time=0.55 is not on the grid"):
        load_interactions(path)


def test_corrupt_webshop_line_names_file_and_line(tmp_path, paper_data):
    lines = (paper_data / "eval" / "interaction" / "webshop" / "candles.jsonl").read_text().splitlines()
    rec = json.loads(lines[1])
    rec["rounds"][2]["score"] = [0.0, "high", 0.25]
    path = tmp_path / "shop.jsonl"
    path.write_text(lines[0] + "\n" + json.dumps(rec) + "\n")
    with pytest.raises(LoaderError, match=rf"{path}:2: rounds\[2\]: 'score' must be 3 numbers"):
        load_webshop(path)
    path.write_text(lines[0] + "\n{oops\n")
    with pytest.raises(LoaderError, match=rf"{path}:2: not valid JSON"):
        load_webshop(path)


def heldout_file(tmp_path, sets, users, name="heldout.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"all_options": sets, "user_idxs": users}, indent=1))
    return path


def test_heldout_json_with_text_options(tmp_path):
    template, space = load_template("flight"), get_domain("flight")
    rng = np.random.default_rng(0)
    values = np.stack([rng.choice(g, size=(4, 3)) for g in space.grids], axis=-1)  # (S=4, O=3, F)
    sets = [template.option_lines(v, space) for v in values]
    weights = [[1.0, -1.0, 0.5, 0.0], [0.0, 0.0, 0.0, -0.5]]
    users = [{"reward_fn": w, "idxs": user_picks(values, np.asarray(w)).tolist()} for w in weights]
    held = load_heldout(heldout_file(tmp_path, sets, users))
    assert held.space.name == "flight" and len(held) == 4
    np.testing.assert_allclose(held.options, values)
    np.testing.assert_array_equal(held.picks, [u["idxs"] for u in users])
    assert held.option_texts == sets
    # the same sets as objects with "options", and as numbers with the domain named
    assert load_heldout(heldout_file(tmp_path, [{"options": s} for s in sets], users)).options.shape == (4, 3, 4)
    numeric = load_heldout(heldout_file(tmp_path, values.tolist(), users), domain="flight")
    np.testing.assert_allclose(numeric.options, values)
    hotel_sets = [load_template("hotel").option_lines(np.full((3, 4), 0.5), get_domain("hotel"))]
    hotel = load_heldout(heldout_file(tmp_path, hotel_sets, [{"reward_fn": [1, 0, 0, 0], "idxs": [0]}]))
    assert hotel.space.name == "hotel"


def test_heldout_errors_name_file_and_key(tmp_path):
    sets = [load_template("flight").option_lines(np.zeros((3, 4)), get_domain("flight"))]
    with pytest.raises(LoaderError, match=r"user_idxs\[0\]: 'idxs' must be 1 option indices in 0..2"):
        load_heldout(heldout_file(tmp_path, sets, [{"reward_fn": [1, 1, 1, 1], "idxs": [0, 1]}]))
    with pytest.raises(LoaderError, match=r"user_idxs\[0\]: 'reward_fn' has 3 weights, expected 4"):
        load_heldout(heldout_file(tmp_path, sets, [{"reward_fn": [1, 1, 1], "idxs": [0]}]))
    bad = [[sets[0][0].replace("price: $100", "price: $105"), *sets[0][1:]]]
    with pytest.raises(LoaderError, match=r"all_options\[0\]: not a flight option line"):
        load_heldout(heldout_file(tmp_path, bad, [{"reward_fn": [1, 1, 1, 1], "idxs": [0]}]))
    path = tmp_path / "broken.json"
    path.write_text('{"all_options": [\n  [1, 2\n')
    with pytest.raises(LoaderError, match=rf"{path}:3: not valid JSON"):
        load_heldout(path)


def test_webshop_heldout(tmp_path):
    line = {"all_options": [{"options": ["Product 1: a", "Product 2: b", "Product 3: c"], "user_idx": 1,
                             "score": [0.0, 0.5, 0.25]}] * 2}
    path = tmp_path / "wh.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    held = load_webshop_heldout(path)
    assert held.scores.shape == (2, 2, 3) and held.picks.tolist() == [[1, 1], [1, 1]]
    line["all_options"][1] = {"options": ["Product 1: a"], "user_idx": 3, "score": [1.0]}
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(LoaderError, match=rf"{path}:1: all_options\[1\]: 'user_idx' must be an option index"):
        load_webshop_heldout(path)
