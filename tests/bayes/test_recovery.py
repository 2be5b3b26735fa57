"""`bayes recovery`: the coverage count, resuming, refusing another config, and one real fit."""

import json

import numpy as np
import pytest

from bayes import recovery
from bayes.recovery import RecoveryConfig
from bayes.simdata import SimulateDataConfig, simulate_users

FEATURES = ["departure_time", "duration", "number_of_stops", "price"]


def fake_fit(config, seed):
    """A fit whose intervals are truth ± 0.1, shifted right by 0.15 for even seeds (truth outside)."""
    shift = 0.15 if seed % 2 == 0 else 0.0
    params = {}
    for name, value in recovery.truth(config, FEATURES).items():
        low, high = value - 0.1 + shift, value + 0.1 + shift
        params[name] = {"truth": value, "mean": value + shift, "hdi_low": low, "hdi_high": high,
                        "inside": low <= value <= high, "r_hat": 1.0, "ess_bulk": 500.0, "ess_tail": 400.0}
    return {"seed": seed, "seconds": 1.0, "divergences": 0, "diagnostics": "diagnostics OK",
            "parameters": params}


def small(tmp_path, **kw):
    return RecoveryConfig(output_dir=str(tmp_path / "study"), datasets=4, progress=False, **kw)


def test_coverage_counts_the_data_sets_whose_interval_holds_the_truth(tmp_path, monkeypatch):
    monkeypatch.setattr(recovery, "fit_one", fake_fit)
    out = recovery.main(small(tmp_path, first_seed=3))  # seeds 3, 4, 5, 6: 4 and 6 miss
    rows = {r["parameter"]: r for r in out["rows"]}
    assert set(rows) == {f"mean[{f}]" for f in FEATURES} | {f"scale[{f}]" for f in FEATURES} | {"beta"}
    for r in rows.values():
        assert (r["inside"], r["datasets"], r["below"], r["above"]) == (2, 4, 0, 2)
        assert r["mean_of_means"] == pytest.approx(r["truth"] + 0.075)
    assert rows["beta"]["truth"] == 5.0
    assert rows["beta"]["coverage_se"] == pytest.approx(np.sqrt(0.94 * 0.06 / 4))
    table = (tmp_path / "study" / "coverage.md").read_text()
    assert "| beta | 5 | 2 of 4 (50%) | 0 / 2 |" in table
    assert "every truth inside: 2 of 4" in table
    assert (tmp_path / "study" / "intervals.png").stat().st_size > 0
    manifest = json.loads((tmp_path / "study" / "manifest.json").read_text())
    assert manifest["stage"] == "bayes.recovery" and manifest["git_revision"] is not None


def test_a_rerun_fits_only_the_missing_data_sets_and_more_can_be_added(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(recovery, "fit_one", lambda c, s: calls.append(s) or fake_fit(c, s))
    recovery.main(small(tmp_path))
    (tmp_path / "study" / "datasets" / "seed_0002.json").unlink()  # as if interrupted there
    recovery.main(small(tmp_path))
    recovery.main(RecoveryConfig(output_dir=str(tmp_path / "study"), datasets=6, progress=False))
    assert calls == [0, 1, 2, 3, 2, 4, 5]


def test_a_study_under_another_config_is_refused_unless_overwrite(tmp_path, monkeypatch):
    monkeypatch.setattr(recovery, "fit_one", fake_fit)
    recovery.main(small(tmp_path))
    with pytest.raises(FileExistsError, match="user_temperature"):
        recovery.main(small(tmp_path, user_temperature=0.5))
    recovery.main(small(tmp_path, user_temperature=0.5, overwrite=True))
    result = json.loads((tmp_path / "study" / "datasets" / "seed_0000.json").read_text())
    assert result["parameters"]["beta"]["truth"] == 2.0


def test_bad_keys_are_named(tmp_path, capsys):
    with pytest.raises(ValueError, match="'hdi_prob'"):
        RecoveryConfig(hdi_prob=1.5)
    with pytest.raises(ValueError, match="'mean_prior_sd': expected a positive number"):
        RecoveryConfig(mean_prior_sd=0.0)
    with pytest.raises(ValueError, match="'population_mean' and 'population_scale'"):
        RecoveryConfig(population_mean=[0.0, 0.0, 0.0])
    code = recovery.cli(["--output_dir", str(tmp_path / "x"), "--domain", "hotel",
                         "--population_mean=0,0", "--population_scale=1,1"])
    assert code == 2 and "key 'population_mean': expected 4 numbers for hotel" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_one_real_fit_is_of_the_data_set_simulate_data_writes(tmp_path, monkeypatch):
    from bayes import population

    seen = {}
    build = population.build_model
    monkeypatch.setattr(population, "build_model",
                        lambda options, picks, *a, **k: seen.update(picks=picks) or build(options, picks, *a, **k))
    config = small(tmp_path, users=30, draws=40, tune=40, chains=1)
    result = recovery.fit_one(config, seed=7)
    sim = simulate_users(SimulateDataConfig(users="30", population_mean=config.population_mean,
                                            population_scale=config.population_scale, seed=7))
    np.testing.assert_array_equal(seen["picks"], sim["picks"])
    assert set(result["parameters"]) == set(recovery.truth(config, FEATURES))
    for p in result["parameters"].values():
        assert p["hdi_low"] < p["mean"] < p["hdi_high"]
        assert p["inside"] == (p["hdi_low"] <= p["truth"] <= p["hdi_high"])
