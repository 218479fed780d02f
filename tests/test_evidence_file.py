"""The evidence file (sim/data/evidence.toml): every instrument has an entry, every study the
keys a reader needs, every unverified figure says why, every parameter range lies within its
declaration, and every model table is one the designs can run; and `clustersim evidence`
writes its report."""

from __future__ import annotations

import tomllib

import pytest
from conftest import ROOT, run_cli

from sim.policies import REGISTRY
from sim.validation import evidence_report
from sim.validation.evidence_report import load_studies

DATA = tomllib.loads((ROOT / "sim" / "data" / "evidence.toml").read_text())
INSTRUMENTS = {i["name"]: i for i in DATA["instrument"]}
STUDY_KEYS = ("key", "authors", "year", "title", "venue", "country", "design", "outcome",
              "estimate", "units", "horizon", "quote", "url", "verified", "use")


def test_every_instrument_has_an_entry_with_a_summary():
    assert set(INSTRUMENTS) == set(REGISTRY)
    assert all(i.get("summary", "").strip() for i in INSTRUMENTS.values())


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
def test_studies_are_complete_and_say_why_when_unverified(name):
    for study in INSTRUMENTS[name].get("study", []):
        missing = [k for k in STUDY_KEYS if k not in study]
        assert not missing, (study.get("key"), missing)
        assert study["use"] in ("fit", "check")
        assert study["verified"] or study.get("why", "").strip(), study["key"]
        assert "model" in study or study.get("model_note", "").strip(), study["key"]
        if "low" in study or "high" in study:
            assert study["low"] <= study["estimate"] <= study["high"], study["key"]


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
def test_parameter_ranges_lie_within_the_declarations(name):
    declared = REGISTRY[name].declared()
    for p in INSTRUMENTS[name].get("parameter", []):
        d = declared[p["name"]]
        assert d.low <= p["low"] <= d.default <= p["high"] <= d.high, (name, p["name"])
        assert p["shape"] in ("uniform", "triangular", "loguniform")
        assert p["basis"].startswith(("assumed:", "evidence:"))


def test_study_keys_are_unique_and_model_tables_load():
    keys = [s["key"] for i in DATA["instrument"] for s in i.get("study", [])]
    assert len(keys) == len(set(keys))
    studies = load_studies()
    assert sum(s.target is not None for s in studies) >= 3


def test_a_malformed_evidence_file_is_one_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "evidence.toml"
    bad.write_text('[[instrument]]\nname = "sme_subsidy"\n[[instrument.study]]\nkey = "x"\n'
                   'estimate = 1.0\n[instrument.study.model]\ndesign = "rct"\noutcome = "sales"\n'
                   'horizon = 4\n')
    monkeypatch.setattr(evidence_report, "EVIDENCE_FILE", bad)
    code, _, err = run_cli(["evidence", "--seeds", "1", "--out", str(tmp_path / "e.md")])
    assert code == 2 and "design 'rct'" in err and str(bad) in err
    assert "Traceback" not in err


def test_evidence_writes_its_report(tmp_path):
    """One instrument, one seed, a small population: the report holds the study, the
    published estimate and the model's, and the verdict."""
    out = tmp_path / "sub" / "evidence.md"
    code, stdout, _ = run_cli(["evidence", "--seeds", "1", "--scale", "0.2", "--quiet",
                               "--instrument", "export_promotion", "--out", str(out)])
    assert code == 0 and "reproduced estimates are within" in stdout
    text = out.read_text()
    assert "Olarreaga, Sperlich, Trachsel (2015)" in text
    assert "15 [11, 19]" in text and ("within" in text or "outside" in text)
    assert "Lederman, Olarreaga, Payton (2007), outside:*" in text  # a miss is explained


def test_an_unknown_instrument_is_refused(tmp_path):
    code, _, err = run_cli(["evidence", "--instrument", "nosuch", "--out",
                            str(tmp_path / "e.md")])
    assert code == 2 and "nosuch" in err and "export_promotion" in err


def test_the_report_covers_every_instrument_with_its_ranges():
    """Every registered instrument has a section, the ones without a study say so, and every
    effect-size range of the evidence file is in the report (from the file, no runs)."""
    instruments = evidence_report.load_instruments()
    text = evidence_report.evidence_markdown(load_studies(), [0], 0.5, "test", instruments)
    for name in REGISTRY:
        assert f"## `{name}`" in text, name
    assert text.count("No published evaluation with an estimate comparable") == sum(
        not INSTRUMENTS[i.name].get("study") for i in instruments)
    for inst in instruments:
        for p in inst.parameters:
            assert f"| `{p['name']}` |" in text, (inst.name, p["name"])


def test_the_project_report_is_current_in_its_sections():
    """docs/evidence.md has a section for every registered instrument (regenerate it with
    clustersim evidence --docs after changing the evidence file)."""
    text = (ROOT / "docs" / "evidence.md").read_text()
    for name in REGISTRY:
        assert f"## `{name}`" in text, name
