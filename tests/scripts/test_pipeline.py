"""The experiment pipeline (scripts/pipeline.py): skip-if-done by command and config contents,
resume after an interruption, --force, and a failing step that stops with its log."""

from __future__ import annotations

import json
import sys

import pytest

from scripts.pipeline import STAMP, Step, is_done, run_steps

# A stage stand-in: appends a line to a counter file, then writes its output folder.
STAGE = ("import pathlib, sys; out = pathlib.Path(sys.argv[1]); out.mkdir(exist_ok=True); "
         "(out / 'ran.txt').open('a').write(' '.join(sys.argv[2:]) + '\\n'); (out / 'final').touch()")


def step(tmp_path, config_text="lr: 1\n", name="s"):
    cfg = tmp_path / f"{name}.yaml"
    if not cfg.exists() or cfg.read_text() != config_text:
        cfg.write_text(config_text)
    out = tmp_path / name
    return Step(name, ["-c", STAGE, str(out)], out, [cfg], overwrite_args=["--overwrite"],
                finished_marker="final")


def runs(tmp_path, name="s") -> list[str]:
    return (tmp_path / name / "ran.txt").read_text().splitlines()


def test_a_finished_step_is_skipped_until_its_config_changes(tmp_path, capsys):
    run_steps([step(tmp_path)])
    assert runs(tmp_path) == [""] and is_done(step(tmp_path))
    run_steps([step(tmp_path)])
    assert "up to date" in capsys.readouterr().out and runs(tmp_path) == [""]
    run_steps([step(tmp_path, "lr: 2\n")])  # new config contents: runs again, replacing its output
    assert runs(tmp_path) == ["", "--overwrite"]
    run_steps([step(tmp_path, "lr: 2\n")], force=True)
    assert runs(tmp_path)[-1] == "--overwrite" and len(runs(tmp_path)) == 3
    stamp = json.loads((tmp_path / "s" / STAMP).read_text())
    assert stamp["key"] == step(tmp_path, "lr: 2\n").key() and stamp["seconds"] >= 0


def test_an_interrupted_step_resumes_without_overwrite(tmp_path):
    s = step(tmp_path)
    s.output_dir.mkdir()
    (s.output_dir / "ran.txt").write_text("partial\n")  # no stamp and no finished marker
    run_steps([s])
    assert runs(tmp_path) == ["partial", ""]  # ran again, without --overwrite (so it can resume)


def test_a_failing_step_stops_the_pipeline_and_names_its_log(tmp_path, capsys):
    bad = Step("bad", ["-c", "import sys; print('boom'); sys.exit(3)"], tmp_path / "bad")
    after = step(tmp_path, name="after")
    with pytest.raises(SystemExit) as err:
        run_steps([bad, after], log_dir=tmp_path / "logs")
    assert "bad: failed (exit 3)" in str(err.value) and "01-bad.log" in str(err.value)
    assert "boom" in (tmp_path / "logs" / "01-bad.log").read_text()
    assert not (tmp_path / "after").exists() and not is_done(bad)


def test_steps_run_with_this_interpreter(tmp_path):
    s = Step("which", ["-c", f"import sys, pathlib; pathlib.Path(r'{tmp_path}/exe').write_text(sys.executable)"],
             tmp_path / "w")
    run_steps([s])
    assert (tmp_path / "exe").read_text() == sys.executable
