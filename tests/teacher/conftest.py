"""Helpers for the teacher tests, independent of teacher/ and bayes/: a regex reader of the
paper's flight text and a brute-force Bayesian Assistant in exact integer arithmetic."""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import numpy as np
import pytest

# Feature values as integer tenths (0..10) read from the text of task-spec.md section 3.
OPTION = re.compile(
    r"^Flight (?P<n>\d+): departure time: (?P<hh>\d\d):(?P<mm>\d\d) (?P<ampm>AM|PM), "
    r"duration: (?P<dur>(?:\d+ hr)?(?: ?\d+ min)?), number of stops: (?P<stops>\d), "
    r"price: \$(?P<price>\d+)$"
)
FEEDBACK = re.compile(
    r"^Your option Flight (?P<said>\d) is (?:correct\.|incorrect\. I prefer Flight (?P<pref>\d)\.)$"
)
ANSWER = re.compile(r"^The best option is Flight (?P<n>\d)\.$")


def tenths(value: float) -> int:
    t = round(value * 10)
    assert abs(value * 10 - t) < 1e-6, value
    return t


def parse_flight_option(line: str) -> tuple[int, list[int]]:
    m = OPTION.match(line)
    assert m, line
    hour = int(m["hh"]) % 12 + (12 if m["ampm"] == "PM" else 0)
    departure = (hour * 60 + int(m["mm"]) - 360) / 960
    hr = re.search(r"(\d+) hr", m["dur"])
    mn = re.search(r"(\d+) min", m["dur"])
    duration = ((int(hr[1]) if hr else 0) * 60 + (int(mn[1]) if mn else 0) - 30) / 1170
    stops = int(m["stops"]) / 2
    price = (int(m["price"]) - 100) / 900
    return int(m["n"]), [tenths(departure), tenths(duration), tenths(stops), tenths(price)]


# The 624 hypotheses, weights doubled to integers (-2..2), all-zero removed.
HYPOTHESES = np.array([h for h in itertools.product((-2, -1, 0, 1, 2), repeat=4) if any(h)])


def argmax_low(values) -> int:
    values = list(values)
    return values.index(max(values))


def brute_force_predictions(options: list[list[list[int]]], preferred: list[int]) -> list[int]:
    """Posterior-mean predictions before each round, indicator likelihood, uniform prior:
    the posterior is uniform over the hypotheses consistent with every earlier pick, so the
    posterior-mean argmax is the argmax of the summed consistent weights (exact integers)."""
    alive = np.ones(len(HYPOTHESES), dtype=bool)
    predictions = []
    for r, option_set in enumerate(options):
        opts = np.asarray(option_set)
        total = HYPOTHESES[alive].sum(axis=0)
        predictions.append(argmax_low(opts @ total))
        if r < len(preferred):
            rewards = opts @ HYPOTHESES.T  # (O, H)
            best = rewards.max(axis=0)
            first_best = np.argmax(rewards == best, axis=0)
            alive &= first_best == preferred[r]
    return predictions


def read_flight_record(messages: list[dict]) -> SimpleNamespace:
    """Options, answers and feedback of a flight record, from its text alone."""
    options, answers, feedback = [], [], []
    for i, m in enumerate(messages):
        if m["role"] == "assistant":
            a = ANSWER.match(m["content"])
            assert a, m["content"]
            answers.append(int(a["n"]) - 1)
            continue
        lines = m["content"].split("\n")
        if i > 0:
            f = FEEDBACK.match(lines[0])
            assert f, lines[0]
            said = int(f["said"]) - 1
            feedback.append((said, int(f["pref"]) - 1 if f["pref"] else said, f["pref"] is None))
        option_lines = [line for line in lines if line.startswith("Flight ")]
        assert len(option_lines) == 3
        parsed = [parse_flight_option(line) for line in option_lines]
        assert [n for n, _ in parsed] == [1, 2, 3]
        options.append([values for _, values in parsed])
    return SimpleNamespace(options=options, answers=answers, feedback=feedback)


@pytest.fixture(scope="session")
def brute():
    return SimpleNamespace(
        parse_flight_option=parse_flight_option,
        predictions=brute_force_predictions,
        read_flight_record=read_flight_record,
        hypotheses=HYPOTHESES,
    )
