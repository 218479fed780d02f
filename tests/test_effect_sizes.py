"""Effect sizes drawn per seed from their evidence ranges (sim/inputs/effect_sizes.py) and the
drivers of each result (sim/reporting/drivers.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import bundled, scenario

from sim.experiments.runs import model_table, run_model
from sim.inputs.effect_sizes import (
    EffectRange,
    drawn_values,
    effect_ranges,
    quantile,
    with_drawn_effect_sizes,
)
from sim.inputs.scenario import ScenarioError
from sim.reporting.drivers import drivers, spearman


def test_a_seeds_draw_depends_on_the_seed_policy_and_parameter_alone():
    """The same seed draws the same value for a policy type whichever scenario holds it (the
    full package and the instrument's own scenario agree), other seeds draw others."""
    full, alone = bundled("full_package"), bundled("export_promotion")
    pick = lambda s, seed: {(k, n): v for _, k, n, v in drawn_values(s, seed)  # noqa: E731
                            if k == "export_promotion"}
    assert pick(full, 3) == pick(alone, 3) and pick(full, 3)
    assert pick(alone, 3) != pick(alone, 4)
    assert quantile(3, "export_promotion", "fair_share") == quantile(3, "export_promotion",
                                                                     "fair_share")


def test_drawn_values_lie_in_their_ranges_and_integers_stay_integers():
    ranges = effect_ranges()
    full = bundled("full_package")
    for seed in range(20):
        for _, kind, name, value in drawn_values(full, seed):
            r = next(x for x in ranges[kind] if x.name == name)
            assert r.low <= value <= r.high
    quarter = EffectRange("certification", "quarters", 2, 8, "uniform", "assumed")
    assert quarter.value(0.0, 4) == 2 and quarter.value(1.0, 4) == 8
    tri = EffectRange("x", "y", 0.0, 1.0, "triangular", "")
    assert tri.value(0.0, 0.2) == 0.0 and tri.value(1.0, 0.2) == 1.0
    assert tri.value(0.2, 0.2) == pytest.approx(0.2)  # the mode's quantile is its share
    log = EffectRange("x", "y", 0.01, 1.0, "loguniform", "")
    assert log.value(0.5, 0.1) == pytest.approx(0.1)


def test_a_value_the_scenario_sets_is_not_drawn():
    d = {"name": "mine", "policies": [{"type": "export_promotion", "fair_share": 0.6}]}
    s = scenario(d)
    names = {n for _, _, n, _ in drawn_values(s, 1)}
    assert "fair_share" not in names and "consortium_saving" in names
    drawn = with_drawn_effect_sizes(s, 1)
    assert drawn.policies[0][1]["fair_share"] == 0.6
    assert drawn.policies[0][1]["consortium_saving"] != s.policies[0][1]["consortium_saving"]


def test_without_drawing_a_run_is_the_same_as_before():
    """``--uncertainty seeds`` (no draw) runs the scenario as declared, bit for bit; with the
    draw the same seed runs the drawn scenario."""
    s = bundled("export_promotion", 0.1)
    plain = model_table(run_model(s, 1, 3), "x")
    again = model_table(run_model(dataclasses.replace(s, draw_effect_sizes=False), 1, 3), "x")
    pd.testing.assert_frame_equal(plain, again)
    drawn = model_table(run_model(dataclasses.replace(s, draw_effect_sizes=True), 1, 3), "x")
    by_hand = model_table(run_model(with_drawn_effect_sizes(s, 1), 1, 3), "x")
    pd.testing.assert_frame_equal(drawn, by_hand)
    assert not drawn["value"].equals(plain["value"])


def test_a_malformed_range_names_the_file_and_key(tmp_path):
    bad = tmp_path / "evidence.toml"
    bad.write_text('[[instrument]]\nname = "certification"\n[[instrument.parameter]]\n'
                   'name = "mgmt_gain"\nlow = 0.3\nhigh = 0.6\nshape = "uniform"\n')
    with pytest.raises(ScenarioError, match=r"parameter\[0\].*default 0.25"):
        effect_ranges(bad)
    bad.write_text('[[instrument]]\nname = "nosuch"\n')
    with pytest.raises(ScenarioError, match="nosuch"):
        effect_ranges(bad)


def test_drivers_find_the_parameter_that_moves_a_result():
    """On made-up runs where the scenario's tech exports move with one drawn parameter and
    not the other, that parameter comes first with a rank correlation of 1."""
    seeds = np.arange(25)
    rng = np.random.default_rng(0)
    a, b = rng.random(25), rng.random(25)

    def table(name, exports):
        return pd.DataFrame({"scenario": name, "seed": seeds, "step": 4, "country": "JOINT",
                             "indicator": "tech_exports", "value": exports})

    tables = [table("base", np.full(25, 10.0)), table("pol", 10.0 + 3 * a)]
    draws = pd.DataFrame([{"scenario": "pol", "seed": s, "policy": "p", "parameter": n,
                           "value": v} for s in seeds for n, v in (("a", a[s]), ("b", b[s]))])
    found = drivers(tables, draws)
    top = found[found["indicator"] == "tech_exports"].iloc[0]
    assert top.parameter == "p.a" and top.rho == pytest.approx(1.0) and top.draws == 25
    assert spearman(np.ones(3), np.arange(3.0)) != spearman(np.ones(3), np.arange(3.0))  # NaN


@pytest.mark.parametrize("mode", ["params", "seeds"])
def test_scorecard_records_its_draws_unless_asked_for_seed_noise_only(tmp_path, mode):
    from conftest import run_cli

    out = tmp_path / "sc"
    code, _, err = run_cli(["scorecard", "baseline", "export_promotion", "--seeds", "2",
                            "--steps", "2", "--workers", "1", "--quiet", "--out", str(out),
                            "--uncertainty", mode])
    assert code == 0, err
    if mode == "seeds":
        assert not (out / "effect_sizes.csv").exists()
        assert "What drives the results" not in (out / "scorecard.md").read_text()
        return
    draws = pd.read_csv(out / "effect_sizes.csv")
    assert set(draws["scenario"]) == {"export_promotion"} and set(draws["seed"]) == {0, 1}
    assert "at least 20 are needed" in (out / "scorecard.md").read_text()


def test_evaluate_draws_effect_sizes_only_when_asked():
    import sim

    kwargs = dict(seeds=[1], steps=2, outcomes=["JOINT.tech_exports"])
    declared = sim.evaluate("export_promotion", **kwargs)
    again = sim.evaluate("export_promotion", uncertainty="seeds", **kwargs)
    drawn = sim.evaluate("export_promotion", uncertainty="params", **kwargs)
    assert declared == again and drawn != declared
    with pytest.raises(ValueError, match="uncertainty"):
        sim.evaluate("export_promotion", uncertainty="both", **kwargs)
