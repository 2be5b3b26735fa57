"""One config system for every stage: a dataclass, filled from a YAML file, then `--key value`.

YAML key = CLI flag = attribute name. Unknown keys and values of the wrong type are errors that
name the file (or the flag) and the key. A field's `metadata["help"]` is its `--help` text.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or flag is wrong; the message names where and what was expected."""


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def coerce(value: Any, tp: Any, where: str) -> Any:
    """Convert a YAML or CLI value to the field's type, or raise ConfigError naming `where`."""
    tp, optional = _unwrap_optional(tp)
    if value is None or (optional and isinstance(value, str) and value.lower() in ("none", "null")):
        if optional or tp is Any:
            return None
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got null")
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin is typing.Literal:
        allowed = typing.get_args(tp)
        for a in allowed:
            if value == a or (isinstance(value, str) and str(a) == value):
                return a
        raise ConfigError(f"{where}: expected one of {list(allowed)}, got {value!r}")
    if origin in (list, tuple):
        (item_tp, *_) = typing.get_args(tp) or (Any,)
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()] if value.strip() else []
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        items = [coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "0", "no", "off"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if tp is Path:
        return Path(str(value))
    return value


def _fields(cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.init}


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{line} is not valid YAML ({getattr(err, 'problem', err)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    return data


def from_dict(cls: type[T], data: dict[str, Any], source: str = "config") -> T:
    """Build `cls` from a mapping; unknown keys and wrong types raise ConfigError naming `source`."""
    fields = _fields(cls)
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {', '.join(unknown)}; expected some of: {', '.join(fields)}"
        )
    kwargs = {k: coerce(v, hints[k], f"{source}: key '{k}'") for k, v in data.items()}
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{source}: {err}") from None
    return obj


def to_dict(config: Any) -> dict[str, Any]:
    def plain(v: Any) -> Any:
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return {k: plain(v) for k, v in dataclasses.asdict(config).items()}


def build_parser(cls: type, prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--config", help="YAML file of keys (the same names as the flags below)")
    hints = typing.get_type_hints(cls)
    for name, f in _fields(cls).items():
        tp, _ = _unwrap_optional(hints[name])
        default = f.default if f.default is not dataclasses.MISSING else None
        if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        help_text = f.metadata.get("help", "")
        if typing.get_origin(tp) is typing.Literal:
            help_text += f" (one of: {', '.join(map(str, typing.get_args(tp)))})"
        kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "help": help_text + f" [default: {default}]"}
        if tp is bool:
            kwargs["nargs"] = "?"
            kwargs["const"] = "true"
            kwargs["metavar"] = "BOOL"
        else:
            kwargs["metavar"] = name.upper()
        flags = [f"--{name}"] + ([f"--{name.replace('_', '-')}"] if "_" in name else [])
        parser.add_argument(*flags, dest=name, **kwargs)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def parse_config(
    cls: type[T],
    argv: list[str] | None,
    prog: str,
    description: str = "",
) -> T:
    """`--config FILE` first, then `--key value` overrides. Exits with a one-line error on bad input."""
    parser = build_parser(cls, prog, description)
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    try:
        if args.config:
            values.update(load_yaml(args.config))
            base = from_dict(cls, values, source=str(args.config))
        else:
            base = from_dict(cls, {}, source="defaults")
        overrides = {k: v for k, v in vars(args).items() if k != "config"}
        hints = typing.get_type_hints(cls)
        merged = to_dict(base)
        for k, v in overrides.items():
            merged[k] = coerce(v, hints[k], f"flag --{k}")
        return from_dict(cls, merged, source=str(args.config or "flags"))
    except ConfigError as err:
        parser.exit(2, f"{prog}: error: {err}\n")
        raise  # unreachable; keeps type checkers quiet


def config_from_file(cls: type[T], path: str | Path, **overrides: Any) -> T:
    """Programmatic twin of parse_config: YAML then keyword overrides."""
    values = load_yaml(path)
    values.update(overrides)
    return from_dict(cls, values, source=str(path))
