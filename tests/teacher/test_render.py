"""Text of the game against the release (option lines) and task-spec.md sections 3 and 4."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bayes.domains import get_domain
from teacher.render import TemplateError, conversation_messages, load_template

INSTRUCTIONS = (
    "Help me select the best flights for my trips. I have specific preferences for what I like "
    "and dislike in a flight, and these preferences remain the same. You need to figure out my "
    "preferences and select the best flights for me. Use your best judgment if you are unsure. "
    "Do not say you need more information."
)


def released(paper_data, name):
    with open(paper_data / "eval" / "interaction" / f"{name}.jsonl") as fh:
        return [json.loads(line) for line in fh]


@pytest.mark.parametrize("name", ["flight", "hotel"])
def test_every_released_option_line_is_reproduced(paper_data, name):
    template = load_template(name)
    lines = 0
    for rec in released(paper_data, name):
        space = get_domain(name)
        assert tuple(rec["features"]) == space.features
        for values, rnd in zip(rec["rounds_numpy"], rec["rounds"], strict=True):
            assert template.option_lines(np.asarray(values), space) == rnd["options"]
            lines += len(rnd["options"])
    assert lines == 624 * 5 * 3


@pytest.mark.parametrize("name", ["flight", "hotel"])
def test_released_option_lines_parse_back_to_their_features(paper_data, name):
    template, space = load_template(name), get_domain(name)
    for rec in released(paper_data, name)[:100]:
        for values, rnd in zip(rec["rounds_numpy"], rec["rounds"], strict=True):
            for o, line in enumerate(rnd["options"]):
                number, parsed = template.parse_option_line(line, space)
                assert number == o + 1
                np.testing.assert_allclose(parsed, values[o])


def test_spec_examples_of_values():
    flight, space = load_template("flight"), get_domain("flight")
    assert flight.option_lines(np.array([[0.5, 0.0, 0.5, 0.3]]), space) == [
        "Flight 1: departure time: 02:00 PM, duration: 30 min, number of stops: 1, price: $370"]
    dep, dur = flight.features["departure_time"], flight.features["duration"]
    assert [dep.text(x) for x in (0.0, 0.1, 1.0)] == ["06:00 AM", "07:36 AM", "10:00 PM"]
    assert [dur.text(x) for x in (0.0, 0.1, 1.0)] == ["30 min", "2 hr 27 min", "20 hr"]
    hotel = load_template("hotel")
    assert hotel.option_lines(np.array([[0.3, 0.5, 0.0, 0.5], [0.1, 0, 1, 1]]), get_domain("hotel")) == [
        "Hotel 1: distance to downtown: 3 miles, price: $550, rating: 1 stars, amenities: free parking and free breakfast",
        "Hotel 2: distance to downtown: 1 miles, price: $100, rating: 5 stars, amenities: "
        "free parking, free breakfast, pool, and fitness center",
    ]


def test_eight_feature_flight_texts():
    t, space = load_template("flight"), get_domain("flight_8")
    (line,) = t.option_lines(np.array([[0.0, 1.0, 0.5, 0.0, 0.5, 1.0, 0.0, 1.0]]), space)
    assert line == ("Flight 1: departure time: 06:00 AM, arrival time: 10:00 PM, layover duration: 2 hr 30 min, "
                    "duration: 30 min, flexibility: refundable with fee, bags: 1 carry-on bag, 1 checked bag, "
                    "number of stops: 0, price: $1000")
    np.testing.assert_allclose(t.parse_option_line(line, space)[1], [0, 1, .5, 0, .5, 1, 0, 1])


def test_turns_answer_and_feedback_follow_the_spec():
    t = load_template("flight")
    lines = ["Flight 1: a", "Flight 2: b", "Flight 3: c"]
    assert t.first_turn(lines) == INSTRUCTIONS + "\nWhich flight is the best option?\nFlight 1: a\nFlight 2: b\nFlight 3: c"
    assert t.answer(1) == "The best option is Flight 2."
    assert t.feedback(0, 0) == "Your option Flight 1 is correct."
    assert t.feedback(0, 2) == "Your option Flight 1 is incorrect. I prefer Flight 3."
    assert t.next_turn("FB", lines) == "FB\nWhich flight is the best option?\nFlight 1: a\nFlight 2: b\nFlight 3: c"
    msgs = conversation_messages(t, [lines, lines], [0, 1], [2, 1])
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 2
    assert msgs[2]["content"].startswith("Your option Flight 1 is incorrect. I prefer Flight 3.\nWhich flight")
    hotel, shop = load_template("hotel"), load_template("webshop")
    assert hotel.strings["question"] == "Which hotel is the best option?"
    assert hotel.feedback(1, 0) == "Your option Hotel 2 is incorrect. I prefer Hotel 1."
    assert "best hotels for my trips" in hotel.strings["instructions"]
    assert shop.answer(2) == "The best option is Product 3."
    assert shop.strings["question"] == "Which product is the best option?"


@pytest.mark.parametrize("text, expected", [
    ("The best option is Flight 2.", 1),
    ("flight 3", 2),
    ("Flight 1 or maybe Flight 3.", 2),  # the last mention wins
    ("The best option is Flight 4.", None),
    ("I need more information.", None),
])
def test_parse_answer(text, expected):
    assert load_template("flight").parse_answer(text) == expected


def test_parse_option_line_rejects_text_it_could_not_have_written():
    t, space = load_template("flight"), get_domain("flight")
    with pytest.raises(TemplateError, match="not a flight option line"):
        t.parse_option_line("Flight 1: departure time: 06:01 AM, duration: 30 min, number of stops: 1, price: $370", space)


def test_missing_template_names_the_path(tmp_path):
    with pytest.raises(TemplateError, match=r"template not found: .*nothere\.yaml"):
        load_template(str(tmp_path / "nothere.yaml"))
    with pytest.raises(TemplateError, match="built-in templates: flight, hotel, webshop"):
        load_template("train")


def _write(tmp_path, text):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    load_template.cache_clear()
    return str(path)


def test_template_with_missing_or_unknown_key(tmp_path):
    good = (load_template("flight").source)
    text = open(good).read()
    with pytest.raises(TemplateError, match=r"t\.yaml: missing key\(s\) feedback_correct"):
        load_template(_write(tmp_path, text.replace("feedback_correct:", "feedback_right:")))
    with pytest.raises(TemplateError, match=r"t\.yaml: unknown key\(s\) colour"):
        load_template(_write(tmp_path, text + "colour: red\n"))


def test_template_with_bad_format_or_yaml(tmp_path):
    text = open(load_template("flight").source).read()
    with pytest.raises(TemplateError, match=r"t\.yaml: features\.price: expected a mapping with 'label' and a 'format'"):
        load_template(_write(tmp_path, text.replace("format: number, prefix", "format: money, prefix")))
    with pytest.raises(TemplateError, match=r"t\.yaml: not valid YAML"):
        load_template(_write(tmp_path, "item: [unclosed\n"))
