"""The published evidence on innovation through cooperation (sim/data/innovation.toml): the file
parses, every estimate carries its source, quote and verification status, and every topic has a
range for the model's own figure."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "sim" / "data" / "innovation.toml"

TOPICS = {
    "coop_innovation_gap",
    "university_ties",
    "cognitive_distance",
    "trust_repeated_ties",
    "innovation_failure",
    "innovation_skew",
    "innovation_persistence",
    "time_to_market",
    "domestic_capital_goods",
}
TEXT_KEYS = ("topic", "name", "authors", "title", "venue", "country", "sample", "design",
             "outcome", "unit", "quote", "where", "note")
# an unverified figure must say why: read second-hand, recalled, or assumed because not found
UNVERIFIED_REASONS = ("second-hand", "from memory", "not found", "assumed")


@pytest.fixture(scope="module")
def data() -> dict:
    with PATH.open("rb") as f:
        return tomllib.load(f)


def is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def test_every_entry_has_its_source_and_figure(data):
    evidence = data["evidence"]
    assert evidence, "no [[evidence]] entries"
    for e in evidence:
        label = e.get("name", e)
        for key in TEXT_KEYS:
            text = e.get(key)
            assert isinstance(text, str) and text.strip(), f"{label}: {key} missing or empty"
        assert e["topic"] in TOPICS, f"{label}: unknown topic {e['topic']!r}"
        assert isinstance(e.get("year"), int) or e.get("year") == "unknown", f"{label}: year"
        assert is_number(e.get("estimate")), f"{label}: estimate is not a number"
        assert isinstance(e.get("verified"), bool), f"{label}: verified is not true/false"
        assert len(e["quote"]) <= 400, f"{label}: quote longer than 400 characters"
        assert e["where"].startswith(("http://", "https://")), f"{label}: where is not an address"


def test_names_are_unique(data):
    names = [e["name"] for e in data["evidence"]] + [r["name"] for r in data["ranges"]]
    assert len(names) == len(set(names)), "duplicate names"


def test_intervals_contain_their_estimate(data):
    for e in data["evidence"]:
        assert ("low" in e) == ("high" in e), f"{e['name']}: low without high or the reverse"
        if "low" in e:
            inside = e["low"] <= e["estimate"] <= e["high"]
            assert inside, f"{e['name']}: estimate outside [low, high]"
        if e["unit"] == "sign":
            assert e["estimate"] in (-1, 0, 1), f"{e['name']}: a sign must be -1, 0 or 1"


def test_shares_are_shares_not_percents(data):
    for e in data["evidence"]:
        if e["unit"].startswith("share"):
            values = [e["estimate"], e.get("low", 0), e.get("high", 0)]
            assert all(0 <= v <= 1 for v in values), f"{e['name']}: a share outside [0, 1]"


def test_unverified_figures_say_why(data):
    for e in data["evidence"]:
        if not e["verified"]:
            note = e["note"].lower()
            assert any(r in note for r in UNVERIFIED_REASONS), f"{e['name']}: unverified, no reason"


def test_every_topic_has_a_range_resting_on_the_evidence(data):
    ranges = data["ranges"]
    names = {e["name"] for e in data["evidence"]}
    assert {r["topic"] for r in ranges} == TOPICS, "a topic without a range, or an unknown topic"
    for r in ranges:
        assert is_number(r["low"]) and is_number(r["high"]), f"{r['name']}: bounds not numbers"
        assert r["low"] < r["high"], f"{r['name']}: low is not below high"
        assert r["unit"].strip() and r["basis"].strip(), f"{r['name']}: unit or basis empty"
        cited = [n for n in names if n in r["basis"]]
        assert r["basis"].startswith("assumed") or cited, f"{r['name']}: basis cites no entry"
