"""`python -m bayes simulate-data` and `python -m bayes fit` end to end on a small 2-feature file:
outputs, the grid prior without PyMC, reuse of an identical fit, refusal of another config."""

import json
import re
import warnings

import numpy as np
import pytest

warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")

from bayes import fit as fit_module  # noqa: E402
from bayes.__main__ import main as bayes_main  # noqa: E402
from bayes.config import config_from_file  # noqa: E402
from bayes.data import read_interaction_jsonl  # noqa: E402
from bayes.domains import get_domain  # noqa: E402
from bayes.hypotheses import weight_grid  # noqa: E402
from bayes.noise import consistency, population_prior  # noqa: E402
from bayes.noise_prior import load_grid_prior, noise_aware_assistant  # noqa: E402


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim") / "data"
    argv = ["simulate-data", "--domain", "flight_2", "--users", "60", "--population_mean=-0.5,0.5",
            "--population_scale=0.5,0.5", "--user_temperature", "0.25", "--output_dir", str(out)]
    assert bayes_main(argv) == 0
    return out


@pytest.fixture(scope="module")
def fitted(simulated, tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "fit"
    argv = ["fit", "--data", str(simulated / "interactions.jsonl"), "--output_dir", str(out),
            "--draws", "150", "--tune", "150", "--chains", "2", "--progress", "false"]
    assert bayes_main(argv) == 0
    return out


def test_simulated_file_reads_back_in_the_released_format(simulated):
    data = read_interaction_jsonl(simulated / "interactions.jsonl")
    truth = json.loads((simulated / "truth.json").read_text())
    assert data.options.shape == (60, 5, 3, 2) and data.features == ("duration", "price")
    assert truth["choice_consistency"] == pytest.approx(consistency(data.options, data.weights, data.picks))
    assert 0.5 < truth["choice_consistency"] < 0.95  # noisy, but not random
    assert (simulated / "manifest.json").is_file() and (simulated / "config.yaml").is_file()


def test_fit_writes_posterior_summary_plots_and_a_pymc_free_grid_prior(fitted):
    for name in ("posterior.nc", "summary.csv", "summary.md", "diagnostics.json", "grid_prior.json",
                 "trace.png", "rank.png", "posterior.png", "config.yaml", "manifest.json"):
        assert (fitted / name).is_file(), name
    manifest = json.loads((fitted / "manifest.json").read_text())
    report = json.loads((fitted / "diagnostics.json").read_text())
    assert manifest["model_id"] == report["model_id"] and manifest["domain"] == "flight_2"
    space = get_domain("flight_2")
    prior, likelihood = load_grid_prior(fitted, space)
    fit = fit_module.load_fit(fitted)
    # The saved prior is the population averaged over every posterior draw, and T = 1/median(beta).
    assert np.allclose(prior, population_prior(fit.draws("mean"), fit.draws("scale"), weight_grid(2)))
    assert np.allclose(prior, fit_module.grid_prior(fit))
    assert likelihood == fit_module.noise_likelihood(fit)
    assert likelihood.temperature == pytest.approx(1 / np.median(fit.draws("beta")))
    # The population leans to short flights (duration mean -0.5): more prior mass on negative weights.
    grid = weight_grid(2)
    assert prior[grid[:, 0] < 0].sum() > prior[grid[:, 0] > 0].sum()
    assistant = noise_aware_assistant(fitted, space)
    assert np.allclose(assistant.prior, prior) and assistant.likelihood == likelihood


def test_refit_with_the_same_config_is_reused_and_another_config_is_refused(fitted, simulated, capsys):
    base = ["fit", "--config", str(fitted / "config.yaml"), "--progress", "false"]
    assert bayes_main(base) == 0
    assert "up to date" in capsys.readouterr().err
    assert bayes_main(base + ["--draws", "200"]) == 2
    err = capsys.readouterr().err
    assert "made under another config (keys differ: draws)" in err
    other = config_from_file(fit_module.FitConfig, fitted / "config.yaml", beta_prior_median=3.0)
    with pytest.raises(fit_module.FitError, match="keys differ: beta_prior_median"):
        fit_module.load_fit(fitted, other)


def test_fit_errors_name_the_file_and_line(tmp_path, simulated, capsys):
    bad = tmp_path / "bad.jsonl"
    lines = (simulated / "interactions.jsonl").read_text().splitlines()
    bad.write_text(lines[0] + "\n" + re.sub(r'"user_idx": \d+', '"user_idx": 7', lines[1], count=1) + "\n")
    assert bayes_main(["fit", "--data", str(bad), "--output_dir", str(tmp_path / "out")]) == 2
    assert f"{bad}:2: rounds[0].user_idx=7" in capsys.readouterr().err
    assert bayes_main(["fit", "--data", str(simulated / "interactions.jsonl"), "--domain", "hotel",
                       "--output_dir", str(tmp_path / "out")]) == 2
    assert "differ from domain hotel" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
