import json
from dataclasses import dataclass, field
from typing import Literal

import pytest
import yaml

from bayes.artifacts import OutputExistsError, atomic_output_dir, write_run_metadata
from bayes.config import ConfigError, config_from_file, from_dict, parse_config


@dataclass
class Demo:
    name: str = field(default="x", metadata={"help": "a name"})
    size: int = 3
    rate: float = 0.5
    flag: bool = False
    mode: Literal["a", "b"] = "a"
    items: list[int] = field(default_factory=list)


def test_yaml_then_flags(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("size: 7\nmode: b\nitems: [1, 2]\n")
    cfg = parse_config(Demo, ["--config", str(path), "--rate", "2", "--flag"], "demo")
    assert (cfg.size, cfg.mode, cfg.items, cfg.rate, cfg.flag) == (7, "b", [1, 2], 2.0, True)
    assert parse_config(Demo, ["--flag", "false", "--items", "4,5"], "demo").items == [4, 5]


@pytest.mark.parametrize("data, message", [
    ({"sise": 1}, "c.yaml: unknown key(s) sise; expected some of: name, size"),
    ({"size": "big"}, "c.yaml: key 'size': expected an integer, got 'big'"),
    ({"mode": "c"}, "c.yaml: key 'mode': expected one of ['a', 'b'], got 'c'"),
    ({"flag": "maybe"}, "c.yaml: key 'flag': expected true or false"),
    ({"items": "x"}, "c.yaml: key 'items'[0]: expected an integer"),
])
def test_bad_keys_and_types_name_file_and_key(tmp_path, data, message):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as err:
        config_from_file(Demo, path)
    assert message in str(err.value)


def test_cli_errors_exit_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("size: [1\n")
    with pytest.raises(SystemExit) as exit_:
        parse_config(Demo, ["--config", str(path)], "demo")
    assert exit_.value.code == 2
    assert "is not valid YAML" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="config file not found"):
        config_from_file(Demo, tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="expected a mapping"):
        (tmp_path / "list.yaml").write_text("- 1\n")
        config_from_file(Demo, tmp_path / "list.yaml")


def test_from_dict_rejects_unknown():
    with pytest.raises(ConfigError, match="unknown key"):
        from_dict(Demo, {"nope": 1})


def test_atomic_output_dir(tmp_path):
    out = tmp_path / "run"
    with atomic_output_dir(out) as tmp:
        (tmp / "a.txt").write_text("1")
        write_run_metadata(tmp, "demo", Demo(), seed=4, inputs={"data": "abc"})
    assert (out / "a.txt").read_text() == "1"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["inputs"] == {"data": "abc"}
    assert "numpy" in manifest["versions"] and manifest["stage"] == "demo"
    assert yaml.safe_load((out / "config.yaml").read_text())["size"] == 3
    with pytest.raises(OutputExistsError, match="pass --overwrite"):
        with atomic_output_dir(out):
            pass
    with pytest.raises(RuntimeError):
        with atomic_output_dir(out, overwrite=True) as tmp:
            (tmp / "b.txt").write_text("2")
            raise RuntimeError("crash")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no partial folder left
    assert not (out / "b.txt").exists()
    with atomic_output_dir(out, overwrite=True) as tmp:
        (tmp / "c.txt").write_text("3")
    assert sorted(p.name for p in out.iterdir()) == ["c.txt"]
