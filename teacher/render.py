"""Text of the game, from one template file per domain (teacher/templates/<kind>.yaml).

Numbers in, strings out: option lines, the first user turn (instructions, question, options), the
assistant's answer, the feedback turns, and the parsing of an answer back into an option index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bayes.domains import FeatureSpace

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
REQUIRED_KEYS = (
    "item", "instructions", "question", "first_turn", "next_turn", "option", "option_separator",
    "attribute", "attribute_separator", "answer", "feedback_correct", "feedback_incorrect",
    "features",
)
FORMATS = ("clock", "duration", "number", "choice")


class TemplateError(ValueError):
    pass


def _clock(minutes: int) -> str:
    hours, mins = divmod(int(minutes) % (24 * 60), 60)
    suffix = "AM" if hours < 12 else "PM"
    return f"{(hours % 12) or 12:02d}:{mins:02d} {suffix}"


def _duration(minutes: int) -> str:
    hours, mins = divmod(int(minutes), 60)
    if hours == 0:
        return f"{mins} min"
    if mins == 0:
        return f"{hours} hr"
    return f"{hours} hr {mins} min"


def _number(value: float) -> str:
    rounded = round(value)
    if abs(value - rounded) < 1e-6:
        return str(int(rounded))
    return f"{value:g}"


@dataclass(frozen=True)
class FeatureFormat:
    name: str
    label: str
    format: str
    spec: dict[str, Any] = field(default_factory=dict)

    def text(self, x: float) -> str:
        s = self.spec
        if self.format == "clock":
            return _clock(round(s["start_minutes"] + x * s["span_minutes"]))
        if self.format == "duration":
            return _duration(round(s.get("start_minutes", 0) + x * s["span_minutes"]))
        if self.format == "number":
            value = s.get("offset", 0) + x * s.get("scale", 1)
            return f"{s.get('prefix', '')}{_number(value)}{s.get('suffix', '')}"
        for key, text in s["choices"].items():
            if abs(float(key) - x) < 1e-6:
                return str(text)
        raise TemplateError(f"feature {self.name}: no text for value {x} (choices: {list(s['choices'])})")


@dataclass(frozen=True)
class DomainTemplate:
    """Every string of one domain's game; built by `load_template`."""

    kind: str
    source: str
    strings: dict[str, str]
    features: dict[str, FeatureFormat]

    @property
    def item(self) -> str:
        return self.strings["item"]

    # -- options -----------------------------------------------------------------------------
    def option_line(self, number: int, attributes: str) -> str:
        return self.strings["option"].format(item=self.item, number=number, attributes=attributes)

    def option_lines(self, values: np.ndarray, space: FeatureSpace) -> list[str]:
        """Option lines for one option set (O, F) of `space`."""
        missing = [f for f in space.features if f not in self.features]
        if missing:
            raise TemplateError(f"{self.source}: no text format for feature(s) {', '.join(missing)}")
        lines = []
        for i, row in enumerate(np.asarray(values)):
            attrs = self.strings["attribute_separator"].join(
                self.strings["attribute"].format(
                    label=self.features[name].label, value=self.features[name].text(float(x))
                )
                for name, x in zip(space.features, row, strict=True)
            )
            lines.append(self.option_line(i + 1, attrs))
        return lines

    def options_block(self, lines: list[str]) -> str:
        return self.strings["option_separator"].join(lines)

    # -- turns -------------------------------------------------------------------------------
    def first_turn(self, lines: list[str]) -> str:
        return self.strings["first_turn"].format(
            instructions=self.strings["instructions"], question=self.strings["question"],
            options=self.options_block(lines),
        )

    def next_turn(self, feedback: str, lines: list[str]) -> str:
        return self.strings["next_turn"].format(
            feedback=feedback, question=self.strings["question"], options=self.options_block(lines),
        )

    def answer(self, index: int) -> str:
        return self.strings["answer"].format(item=self.item, number=int(index) + 1)

    def feedback(self, recommended: int, preferred: int) -> str:
        if int(recommended) == int(preferred):
            return self.strings["feedback_correct"].format(item=self.item, number=int(recommended) + 1)
        return self.strings["feedback_incorrect"].format(
            item=self.item, number=int(recommended) + 1, preferred=int(preferred) + 1
        )

    def parse_option_line(self, line: str, space: FeatureSpace) -> tuple[int, np.ndarray]:
        """Inverse of `option_lines` for one line: (option number, feature values (F,)).

        Values are matched against the text of every grid value of `space`, so a line that
        `option_lines` could not have written raises TemplateError.
        """
        pattern, value_of = _option_parser(self, space)
        match = pattern.fullmatch(line.strip())
        if match is None:
            raise TemplateError(f"not a {space.name} option line of {self.source}: {line!r}")
        values = [value_of[(name, match.group(f"f{j}"))] for j, name in enumerate(space.features)]
        return int(match.group("number")), np.asarray(values, dtype=np.float64)

    def parse_answer(self, text: str, num_options: int = 3) -> int | None:
        """Option index named by an answer ("The best option is Flight 2." → 1); None if unclear.

        The last "<item> N" mention wins; a number outside 1..num_options is unclear.
        """
        found = re.findall(rf"\b{re.escape(self.item)}\s+(\d+)\b", text, flags=re.IGNORECASE)
        if not found:
            return None
        number = int(found[-1])
        return number - 1 if 1 <= number <= num_options else None


# Parsers built once per (template, space); keyed by id, the template kept alive beside it.
_PARSERS: dict[tuple[int, str], tuple[DomainTemplate, re.Pattern[str], dict[tuple[str, str], float]]] = {}


def _option_parser(
    template: DomainTemplate, space: FeatureSpace
) -> tuple[re.Pattern[str], dict[tuple[str, str], float]]:
    """A regex for one option line of `space` (groups `number`, f0..f{F-1}) and text → value."""
    key = (id(template), space.name)
    if key in _PARSERS:
        return _PARSERS[key][1:]
    missing = [f for f in space.features if f not in template.features]
    if missing:
        raise TemplateError(f"{template.source}: no text format for feature(s) {', '.join(missing)}")
    value_of: dict[tuple[str, str], float] = {}
    parts = []
    for j, (name, grid) in enumerate(zip(space.features, space.grids, strict=True)):
        texts = {}
        for x in grid:
            texts.setdefault(template.features[name].text(float(x)), float(x))
        value_of.update({(name, t): x for t, x in texts.items()})
        group = f"(?P<f{j}>{'|'.join(map(re.escape, sorted(texts, key=len, reverse=True)))})"
        # Format the template with placeholders, escape the literal text, then put groups in.
        label = template.features[name].label
        attribute = re.escape(template.strings["attribute"].format(label=label, value="@@VALUE@@"))
        parts.append(attribute.replace(re.escape("@@VALUE@@"), group))
    attributes = re.escape(template.strings["attribute_separator"]).join(parts)
    option = template.strings["option"].format(
        item=template.item, number="@@NUMBER@@", attributes="@@ATTRIBUTES@@")
    line = (re.escape(option).replace(re.escape("@@NUMBER@@"), r"(?P<number>\d+)")
            .replace(re.escape("@@ATTRIBUTES@@"), attributes))
    pattern = re.compile(line)
    _PARSERS[key] = (template, pattern, value_of)
    return pattern, value_of


def conversation_messages(
    template: DomainTemplate,
    rounds: list[list[str]],
    recommendations: list[int] | np.ndarray,
    picks: list[int] | np.ndarray,
    final_question: list[str] | None = None,
) -> list[dict[str, str]]:
    """Chat messages of a conversation.

    `rounds[r]` are the option lines of round r, `recommendations[r]` the assistant's answer and
    `picks[r]` the user's preferred option. With `final_question` (option lines), the messages end
    with a user turn asking it (after the feedback on the last round); otherwise they end with the
    last assistant answer, as in the teaching records.
    """
    if not (len(rounds) == len(recommendations) == len(picks)):
        raise ValueError("rounds, recommendations and picks must have the same length")
    messages: list[dict[str, str]] = []
    feedback = None
    for lines, rec, pick in zip(rounds, recommendations, picks, strict=True):
        content = template.first_turn(lines) if feedback is None else template.next_turn(feedback, lines)
        messages.append({"role": "user", "content": content})
        messages.append({"role": "assistant", "content": template.answer(rec)})
        feedback = template.feedback(rec, pick)
    if final_question is not None:
        content = (template.first_turn(final_question) if feedback is None
                   else template.next_turn(feedback, final_question))
        messages.append({"role": "user", "content": content})
    return messages


def _build(kind: str, data: Any, source: str) -> DomainTemplate:
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: expected a mapping of template keys")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise TemplateError(f"{source}: missing key(s) {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED_KEYS))
    if unknown:
        raise TemplateError(f"{source}: unknown key(s) {', '.join(unknown)}")
    features = {}
    for name, spec in (data["features"] or {}).items():
        where = f"{source}: features.{name}"
        if not isinstance(spec, dict) or "label" not in spec or spec.get("format") not in FORMATS:
            raise TemplateError(f"{where}: expected a mapping with 'label' and a 'format' in {FORMATS}")
        needs = {"clock": ("start_minutes", "span_minutes"), "duration": ("span_minutes",),
                 "number": (), "choice": ("choices",)}[spec["format"]]
        for key in needs:
            if key not in spec:
                raise TemplateError(f"{where}: format {spec['format']} needs '{key}'")
        rest = {k: v for k, v in spec.items() if k not in ("label", "format")}
        features[name] = FeatureFormat(name, str(spec["label"]), spec["format"], rest)
    strings = {k: str(v) for k, v in data.items() if k != "features"}
    return DomainTemplate(kind, source, strings, features)


@lru_cache(maxsize=16)
def load_template(kind_or_path: str) -> DomainTemplate:
    """A domain's template: 'flight', 'hotel', 'webshop', or a path to a YAML file."""
    path = Path(kind_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = TEMPLATE_DIR / f"{kind_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in TEMPLATE_DIR.glob("*.yaml"))
        raise TemplateError(f"template not found: {path} (built-in templates: {', '.join(known)})")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise TemplateError(f"{path}: not valid YAML ({err})") from None
    return _build(path.stem, data, str(path))
