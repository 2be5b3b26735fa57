"""`python -m bayes noise-table`: the paper's assistant against noise-aware ones (must-show 3)."""

import json

import pytest

from bayes.__main__ import main as bayes_main
from bayes.noise_table import NoiseTableConfig, parse_noise, run_table
from bayes.simulate import SimulateConfig, run


@pytest.fixture(scope="module")
def rows():
    config = NoiseTableConfig(noise_levels=["none", "epsilon:0.3", "softmax:0.5"],
                              assistants=["paper", "matched"])
    return {row["user_noise"]: row for row in run_table(config)}


def test_without_noise_the_matched_assistant_is_the_papers(rows):
    none = rows["none"]["results"]
    assert none["paper"]["accuracy"] == none["matched"]["accuracy"]
    assert none["paper"]["accuracy"][-1] == pytest.approx(0.816, abs=0.002)  # the paper's 81%
    assert rows["none"]["consistency"] == 1.0


def test_noise_aware_assistant_beats_the_paper_where_users_are_inconsistent(rows):
    for level in ("epsilon:0.3", "softmax:0.5"):
        r = rows[level]["results"]
        paper, matched = r["paper"]["accuracy"][-1], r["matched"]["accuracy"][-1]
        # 624 users: a gap of several standard errors, and the paper's assistant flags users.
        assert matched - paper > 3 * (r["paper"]["stderr"][-1] + r["matched"]["stderr"][-1]) / 2
        assert r["paper"]["inconsistent_fraction"] > 0.3
        assert r["matched"]["inconsistent_fraction"] == 0.0
    assert rows["softmax:0.5"]["consistency"] < 0.65  # human-like inconsistency


def test_table_cells_are_the_simulate_results(rows):
    direct = run(SimulateConfig(users="all", progress=False, user_noise="epsilon", user_epsilon=0.3,
                                likelihood="epsilon", epsilon=0.3))
    assert rows["epsilon:0.3"]["results"]["matched"]["accuracy"] == direct["accuracy"]


def test_cli_writes_table_and_rejects_bad_levels(tmp_path, capsys):
    out = tmp_path / "table"
    argv = ["noise-table", "--users", "40", "--heldout_sets", "20", "--noise_levels", "none,epsilon:0.5",
            "--assistants", "paper,softmax:0.2", "--output_dir", str(out)]
    assert bayes_main(argv) == 0
    table = (out / "table.md").read_text()
    assert "| epsilon:0.5 |" in table and "softmax:0.2 (k=1 → k=5)" in table
    assert len(json.loads((out / "results.json").read_text())["rows"]) == 2
    with pytest.raises(SystemExit) as exit_:
        bayes_main(["noise-table", "--noise_levels", "gauss:0.1"])
    assert exit_.value.code == 2
    assert "key 'noise_levels': expected none, epsilon:E or softmax:T, got 'gauss:0.1'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="epsilon"):
        parse_noise("epsilon:2", "assistants")
