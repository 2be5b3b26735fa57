"""`python -m eval run` end to end: outputs, the interactive protocol's history, generation with
bad answers, resume after an interruption, clear errors for bad suites and data, `report`."""

from __future__ import annotations

import json

import numpy as np
import pytest

import eval.run as run_module
from eval.config import EvalConfig
from eval.games import build_game
from eval.report import cli as report_cli
from eval.run import cli, run
from tests.eval.conftest import ScriptedBackend

SMALL = dict(users="4", heldout_sets=6, seed=1, progress=False)


def use_backend(monkeypatch, backend):
    monkeypatch.setattr(run_module, "make_backend", lambda config: backend)
    return backend


def test_tiny_student_end_to_end(tiny_model, tmp_path):
    out = tmp_path / "run"
    result = run(EvalConfig(model=tiny_model, output_dir=str(out), references=["random", "bayes:mean"],
                            batch_size=8, **SMALL))
    for name in ("results.json", "table.md", "accuracy.png", "config.yaml", "manifest.json", "units.jsonl"):
        assert (out / name).is_file(), name
    assert (out / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len((out / "units.jsonl").read_text().splitlines()) == 1 + 4 * 6
    saved = json.loads((out / "results.json").read_text())
    assert saved["per_k"] == result["per_k"] and len(saved["per_k"]) == 6
    assert all(r["invalid_rate"] == 0 and r["kl"] > 0 and 0 <= r["brier"] <= 2 for r in saved["per_k"])
    assert set(saved["references"]) == {"random", "bayes:mean"}
    assert saved["model_id"]["config.json_sha256"] and saved["data"]["user_ids_sha256"]
    assert "Bayesian Assistant (mean)" in (out / "table.md").read_text()


def test_interactive_history_shows_the_models_answers_and_true_feedback(monkeypatch, tmp_path):
    backend = use_backend(monkeypatch, ScriptedBackend(lambda conversation: 1))
    result = run(EvalConfig(model="scripted", output_dir=str(tmp_path), references=[], **SMALL))
    game = build_game(EvalConfig(**SMALL))
    t = game.template
    longest = max(backend.seen, key=len)  # k = 5: five answers, each "Flight 2"
    assistant = [m["content"] for m in longest if m["role"] == "assistant"]
    assert assistant == [t.answer(1)] * 5
    u = next(u for u in range(game.num_users) if game.round_lines[u][0][0] in longest[0]["content"])
    for r in range(1, 5):
        assert longest[2 * r]["content"].startswith(t.feedback(1, game.picks[u, r - 1]))
    # Always answering option 2: accuracy = how often the user's held-out pick is option 2.
    expected = (game.heldout_picks[:, 0] == 1).mean(axis=1).mean()
    assert all(row["accuracy"] == pytest.approx(expected, abs=1e-6) for row in result["per_k"])
    # 6 held-out questions per unit, plus round k+1's question for k < 5.
    assert len(backend.seen) == 4 * (6 * 6 + 5)


def test_teacher_forced_history_shows_the_bayesian_answers(monkeypatch, tmp_path):
    backend = use_backend(monkeypatch, ScriptedBackend(lambda conversation: 2))
    run(EvalConfig(model="scripted", output_dir=str(tmp_path), mode="teacher-forced", references=[], **SMALL))
    game = build_game(EvalConfig(**SMALL))
    longest = max(backend.seen, key=len)
    u = next(u for u in range(game.num_users) if game.round_lines[u][0][0] in longest[0]["content"])
    assistant = [m["content"] for m in longest if m["role"] == "assistant"]
    assert assistant == [game.template.answer(p) for p in game.ba_round_predictions[u]]
    assert len(backend.seen) == 4 * 6 * 6  # no interaction questions


def test_generation_counts_unparseable_answers_as_invalid(monkeypatch, tmp_path):
    use_backend(monkeypatch, ScriptedBackend(lambda c: 0, bad_text="I need more information.", bad_every=3))
    result = run(EvalConfig(model="scripted", answer="generate", output_dir=str(tmp_path), references=[], **SMALL))
    units = [json.loads(line) for line in (tmp_path / "units.jsonl").read_text().splitlines()[1:]]
    invalid = sum(u["invalid"] for u in units)
    assert invalid > 0 and all(u["kl"] is None for u in units)
    assert sum(r["invalid_rate"] for r in result["per_k"]) * 4 * 6 == pytest.approx(invalid, abs=1e-4)
    assert all(-1 not in u["predictions"] or u["correct"] <= u["n"] - u["invalid"] for u in units)


def test_interrupted_run_resumes_without_redoing_finished_units(monkeypatch, tmp_path):
    config = dict(model="scripted", references=[], **SMALL)
    use_backend(monkeypatch, ScriptedBackend(lambda c: len(c) % 3, fail_after=3))
    with pytest.raises(KeyboardInterrupt):
        run(EvalConfig(output_dir=str(tmp_path / "a"), **config))
    logged = (tmp_path / "a" / "units.jsonl").read_text().splitlines()
    assert len(logged) == 1 + 4 * 3 and not (tmp_path / "a" / "results.json").exists()
    (tmp_path / "a" / "units.jsonl").write_text("\n".join(logged) + '\n{"user": 0, "k"')  # torn last line
    second = use_backend(monkeypatch, ScriptedBackend(lambda c: len(c) % 3))
    resumed = run(EvalConfig(output_dir=str(tmp_path / "a"), **config))
    assert second.calls == 6 - 3
    use_backend(monkeypatch, ScriptedBackend(lambda c: len(c) % 3))
    fresh = run(EvalConfig(output_dir=str(tmp_path / "b"), **config))
    assert resumed["per_k"] == fresh["per_k"]
    with pytest.raises(Exception, match="exists"):
        run(EvalConfig(output_dir=str(tmp_path / "b"), **config))


def test_resume_refuses_another_runs_log(monkeypatch, tmp_path):
    use_backend(monkeypatch, ScriptedBackend(lambda c: 0, fail_after=1))
    with pytest.raises(KeyboardInterrupt):
        run(EvalConfig(model="scripted", output_dir=str(tmp_path), references=[], **SMALL))
    with pytest.raises(ValueError, match="seed=1"):
        run(EvalConfig(model="scripted", output_dir=str(tmp_path), references=[], **{**SMALL, "seed": 2}))


def test_malformed_suite_and_data_give_one_line_errors(tmp_path, capsys):
    suite = tmp_path / "bad.yaml"
    suite.write_text("domain: flight\nheldout_set: 10\n")
    with pytest.raises(SystemExit) as exit_:
        cli(["--config", str(suite), "--model", "random"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert str(suite) in err and "heldout_set" in err and "Traceback" not in err
    data = tmp_path / "flight.jsonl"
    data.write_text('{"idx": 0, "rounds": [}\n')
    assert cli(["--source", "released", "--path", str(data), "--model", "random",
                "--output_dir", str(tmp_path / "o")]) == 2
    assert f"{data}:1" in capsys.readouterr().err
    assert cli(["--model", "cheapest", "--source", "webshop", "--path", str(tmp_path / "missing"),
                "--output_dir", str(tmp_path / "o")]) == 2
    assert "missing" in capsys.readouterr().err
    assert not (tmp_path / "o" / "results.json").exists()


def test_webshop_interactive_recommendations(monkeypatch, tmp_path, paper_data):
    use_backend(monkeypatch, ScriptedBackend(lambda c: 0))
    result = run(EvalConfig(model="scripted", source="webshop", path=str(paper_data / "eval/interaction/webshop"),
                            users="12", output_dir=str(tmp_path), progress=False))
    game = build_game(EvalConfig(source="webshop", path=str(paper_data / "eval/interaction/webshop"), users="12"))
    expected = (game.picks == 0).mean(axis=0)
    assert [r["accuracy"] for r in result["per_k"]] == pytest.approx(list(expected), abs=1e-6)
    assert set(result["references"]) == {"random", "oracle"} and len(result["references_skipped"]) == 2


def test_report_merges_runs(tmp_path, capsys):
    for model in ("random", "preference-direction"):
        assert cli(["--model", model, "--users", "5", "--heldout_sets", "5", "--references", "",
                    "--output_dir", str(tmp_path / model), "--progress", "false"]) == 0
    capsys.readouterr()
    assert report_cli([str(tmp_path / "random"), str(tmp_path / "preference-direction" / "results.json"),
                       "--output_dir", str(tmp_path / "report")]) == 0
    table = (tmp_path / "report" / "report.md").read_text()
    assert "| Random |" in table and "| Preference-direction rule |" in table
    assert (tmp_path / "report" / "accuracy.png").stat().st_size > 1000
    assert report_cli([str(tmp_path / "nothing.json")]) == 2


def test_numbers_in_table_match_results(tmp_path):
    result = run(EvalConfig(model="bayes:mean", references=[], output_dir=str(tmp_path), **SMALL))
    table = (tmp_path / "table.md").read_text()
    row = next(line for line in table.splitlines() if line.startswith("| Bayesian Assistant (mean) |"))
    cells = [c.strip() for c in row.strip("|").split("|")[1:]]
    assert cells == [f"{100 * r['accuracy']:.1f} ± {100 * r['stderr']:.1f}" for r in result["per_k"]]
    assert np.isclose(result["per_k"][0]["agreement"], 1.0)
