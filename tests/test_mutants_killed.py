"""Behaviours that no other model test checked, found by the mutation benchmark
(benchmarks/bench_mutation.py): each test fails on a small change to the code it names that
the rest of the model tests let through.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fresh_model, spec

from sim.network import TieGraph
from sim.network.ties import EdgeArrays
from sim.policies import effects
from sim.policies.base import REGISTRY, Policy


def test_a_tie_update_with_a_strength_that_is_not_a_number_changes_nothing():
    g = TieGraph()
    g.add_edge(1, 2, kind="rnd", strength=0.5, born=3)
    with pytest.raises(ValueError, match="'strength'"):
        g.edges[1, 2].update(born=7, strength=None)
    assert g.edges[1, 2]["born"] == 3 and g.edges[1, 2]["strength"] == 0.5


def test_the_attributes_of_a_removed_tie_keep_their_count():
    g = TieGraph()
    g.add_edge(1, 2, kind="rnd", strength=0.5, born=3)
    data = g.edges[1, 2]
    assert len(data) == 5  # strength, born, cross, supplier, kind
    g.remove_edge(1, 2)
    assert len(data) == 5 and data["kind"] == "rnd" and data["born"] == 3


def test_adjacency_covers_every_node_even_those_without_ties():
    arrays = EdgeArrays(u=np.array([0]), v=np.array([1]), kind=np.array([0]),
                        strength=np.array([0.5]), cross=np.array([False]), n_nodes=4)
    a = arrays.adjacency()
    assert a.shape == (4, 4)
    assert a.toarray().tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_an_effect_is_registered_under_its_functions_name_and_refuses_undeclared_users():
    def lend_a_hand(model, policy):
        """Does nothing; a stand-in effect."""
        return "done"

    checked = effects._effect(firm_columns=["grant"])(lend_a_hand)
    try:
        assert effects.EFFECTS["lend_a_hand"].footprint.firm_columns == frozenset({"grant"})
        assert effects.EFFECTS["lend_a_hand"].doc == "Does nothing; a stand-in effect."
        user = REGISTRY["sme_subsidy"]()
        with pytest.raises(effects.UndeclaredEffect, match="'lend_a_hand'"):
            checked(None, user)
        user.effects = (*user.effects, "lend_a_hand")
        assert checked(None, user) == "done"
    finally:
        effects.EFFECTS.pop("lend_a_hand", None)
        effects.EFFECTS.pop(None, None)


def test_a_policy_describes_itself_as_its_name_and_every_parameter_value():
    p = REGISTRY["sme_subsidy"](budget=10, country="AZ")
    text = p.describe()
    assert text.startswith("sme_subsidy(") and text.endswith(")")
    pairs = text[len("sme_subsidy("):-1].split(", ")
    assert pairs == [f"{k}={v}" for k, v in p.values.items()]
    assert "budget=10.0" in pairs and "country=AZ" in pairs


def test_the_subcontracting_exchange_runs_in_an_economy_without_firms():
    d = spec(countries={"AZ": {"model_firms": 0}, "BY": {"model_firms": 0}},
             model={"entry_rate": 0.0, "replacement_entry": 0.0, "spinoff_rate": 0.0},
             policies=[{"type": "subcontracting_exchange"}], scale=0.1)
    model = fresh_model(d, seed=1)
    for _ in range(2):
        model.step()
    assert model.firms.n == 0 and model.quarter == 2


@pytest.mark.parametrize("target", ["park_residents", "all"])
def test_the_tax_break_reaches_park_residents_or_every_firm_of_its_country(target):
    d = spec(policies=[{"type": "tax_break", "target": target, "country": "AZ"}], scale=0.1)
    model = fresh_model(d, seed=1)
    f = model.firms
    in_az = f["country"] == 0
    expected = in_az & (f["park"] >= 0) if target == "park_residents" else in_az
    assert 0 < expected.sum() < f.n
    assert model.policies[0].targeted(model).tolist() == expected.tolist()


def test_the_innovative_sme_subsidy_ranks_firms_by_knowledge_times_rd_merit():
    d = spec(policies=[{"type": "sme_subsidy", "target": "innovative"}], scale=0.1)
    model = fresh_model(d, seed=1)
    p, f = model.policies[0], model.firms
    rows, _ = p._select(model, np.arange(f.n), budget=1e9)
    merit = f["knowledge"][rows] * p.rd_merit(model, rows)
    assert rows.size > 10 and np.ptp(merit) > 0
    assert np.all(np.diff(merit) <= 0)


def test_the_venture_fund_ranks_young_firms_by_knowledge_with_a_spinoff_bonus():
    d = spec(policies=[{"type": "venture_fund"}], scale=0.3)
    model = fresh_model(d, seed=1)
    p = model.policies[0]
    seen = []

    def ranked(m, rows, merit):  # the merit as computed, and as the rule says, at the time
        f = m.firms
        rule = f["knowledge"][rows] * (1.0 + f["spinoff"][rows]) * p.rd_merit(m, rows)
        seen.append((merit.copy(), rule, bool(f["spinoff"][rows].any())))
        return rows

    p.ranked = ranked
    for _ in range(4):
        model.step()
    assert seen and any(spinoffs for _, _, spinoffs in seen)
    for merit, rule, _ in seen:
        np.testing.assert_allclose(merit, rule)


def test_rd_effort_raises_an_applicants_merit_from_one_upwards():
    model = fresh_model(spec(scale=0.1), seed=1)
    rd = model.firms["rd_intensity"]
    merit = Policy.rd_merit(model, np.arange(model.firms.n))
    assert rd.max() > 0 and merit.max() > 1.0
    assert np.all(merit[rd == 0] == 1.0) and np.all(merit >= 1.0)
    order = np.argsort(rd, kind="stable")
    assert np.all(np.diff(merit[order]) >= 0)

