"""Invariants checked after every step of every bundled scenario and of randomly generated
valid scenarios (small populations): fiscal accounting (every government's money is conserved,
quarter by quarter and cumulatively), shares and 0-1 indices within [0, 1], finite and
non-negative firm state and indicators, ties only between agents that exist (checked through
the public networkx API, whatever stores the tie attributes), park residency matching the
graph, unique firm ids that are never handed out again after an exit, and when
``time_to_market`` may be undefined.

Per quarter :func:`step_checked` asserts 12 groups of invariants (see :data:`CHECKS`);
``test_invariants_every_step`` runs them on 4 bundled scenarios x 20 quarters and
``test_invariants_of_generated_scenarios`` on 25 generated scenarios x 12 quarters.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from conftest import BUNDLED, bundled, fresh_model, spec

from sim.agents import Firm
from sim.agents.firm import COLUMNS, MATRIX_COLUMNS
from sim.indicators import COUNTRY_KEYS, INDICATORS
from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS, Param
from sim.network import KINDS
from sim.policies import REGISTRY

STEPS = 20
#: Indicators that are shares or 0-1 indices.
BOUNDED = [n for n, i in INDICATORS.items() if i.unit in ("share", "index 0-1")]
#: The grants' take-up indicators: NaN until a grant funds a project.
TAKE_UP = ("deadweight_share", "private_per_public")
STOCKS = ("employees", "capital", "cash", "debt", "knowledge")
#: Further firm columns that can never be negative: flows of goods and money, capacities,
#: prices, equipment on order, knowledge by field.
NON_NEGATIVE = ("sales_home", "sales_partner", "sales_third", "sales_b2b", "sales_total",
                "inputs_total", "inputs_domestic", "investment", "fdi", "grant", "rd_grant",
                "rd_project", "funded_project", "rd_spend", "rd_intensity", "capacity",
                "dividends", "repatriated", "import_vat_paid",
                "demand", "productivity", "price", "equip_age", "base_home", "base_partner",
                "base_third", "kfield", "pipe_k", "pipe_tk")
#: Firm columns that are shares or 0-1 indices.
UNIT_INTERVAL = ("skill", "quality", "mgmt", "delivery", "absorptive", "input_quality",
                 "input_delivery", "brand", "relief_profit", "relief_vat", "relief_property",
                 "relief_import_vat", "foreign_share")
#: Indicators that are counts, sums of non-negative flows or stocks of the firms (not value
#: added per worker: a quarter's inputs may cost more than its sales).
NON_NEGATIVE_INDICATORS = ("firms", "smes", "employment", "tech_output", "tech_exports",
                           "exports_partner", "exports_third", "investment", "fdi",
                           "budget_spent", "tax_collected", "tax_foregone", "vat_refunds",
                           "entries", "exits", "ties", "products_launched", "rd_intensity",
                           "fdi_income_out", "bailouts")


def check_fiscal(model, before: dict[str, float]) -> None:
    for code, gov in model.governments.items():
        expected = (before[code] + gov.collected_this_step - gov.refunded_this_step
                    - gov.spent_this_step)
        assert math.isclose(gov.balance, expected, rel_tol=1e-12, abs_tol=1e-9), (
            f"quarter {model.quarter} {code}: balance {gov.balance!r} != {before[code]!r} + "
            f"{gov.collected_this_step!r} - {gov.refunded_this_step!r} - "
            f"{gov.spent_this_step!r}")
        assert gov.spent_this_step >= 0.0 and gov.collected_this_step >= 0.0
        assert gov.foregone_this_step >= 0.0 and gov.refunded_this_step >= 0.0
        assert math.isclose(gov.spent_total, sum(gov.spent_by_policy.values()),
                            rel_tol=1e-12, abs_tol=1e-12)
        # cumulatively too: since quarter 0 the balance is every tax collected minus every
        # refund and every dollar spent, so no money appears or vanishes between quarters
        assert math.isclose(gov.balance,
                            gov.collected_total - gov.refunded_total - gov.spent_total,
                            rel_tol=1e-9, abs_tol=1e-6), (
            f"quarter {model.quarter} {code}: balance {gov.balance!r} != collected "
            f"{gov.collected_total!r} - refunded {gov.refunded_total!r} - spent "
            f"{gov.spent_total!r}")
        assert all(v >= 0.0 for v in gov.spent_by_policy.values())
        assert all(math.isfinite(x) for x in (gov.balance, gov.spent_total,
                                              gov.collected_total, gov.foregone_total,
                                              gov.refunded_total))


def check_indicators(model) -> None:
    row = model.indicator_array()[-1]
    names = model.indicator_names()
    for name in BOUNDED:
        v = row[:, names.index(name)]
        if name in TAKE_UP:
            v = v[~np.isnan(v)]
        assert np.all((v >= 0.0) & (v <= 1.0)), f"quarter {model.quarter}: {name} = {v}"
    nan = {n for i, n in enumerate(names) if np.isnan(row[:, i]).any()}
    assert nan <= {"time_to_market", *TAKE_UP}, f"quarter {model.quarter}: NaN in {sorted(nan)}"
    # the grants' take-up is undefined exactly while no grant has funded a project
    funded = sum(p.take_up[c]["funded"] for p in model.policies for c in ("AZ", "BY"))
    assert np.isnan(row[2, names.index("deadweight_share")]) == (funded == 0), (
        f"quarter {model.quarter}: deadweight share against {funded} funded projects")
    assert np.isfinite(np.nan_to_num(row, nan=0.0, posinf=np.inf, neginf=-np.inf)).all(), \
        f"quarter {model.quarter}: inf"
    for name in NON_NEGATIVE_INDICATORS:
        v = row[:, names.index(name)]
        assert np.all(v >= 0.0), f"quarter {model.quarter}: negative {name} = {v}"
    # both countries together are the sum of the two for counts and flows
    for name in ("firms", "employment", "tech_output", "tech_exports", "budget_spent",
                 "tax_collected"):
        v = row[:, names.index(name)]
        assert math.isclose(v[2], v[0] + v[1], rel_tol=1e-9, abs_tol=1e-9), (
            f"quarter {model.quarter}: JOINT {name} {v[2]} != AZ {v[0]} + BY {v[1]}")
    # time to market is undefined exactly when nothing was launched in the last 8 quarters
    # (launches of quarters q-7..q; before quarter 7 part of that window is the warm-up,
    # whose launches are not in the table, so there only "NaN => none recorded" is checked)
    ttm = row[:, names.index("time_to_market")]
    launched = model.indicator_array()[:, :, names.index("products_launched")]
    q = model.quarter
    window = launched[max(0, q - 7): q + 1].sum(axis=0)
    for ci, key in enumerate(COUNTRY_KEYS):
        if np.isnan(ttm[ci]):
            assert window[ci] == 0, f"quarter {q} {key}: time_to_market NaN after launches"
        else:
            assert ttm[ci] >= 1.0, f"quarter {q} {key}: time_to_market {ttm[ci]}"
            if q >= 7:
                assert window[ci] > 0, f"quarter {q} {key}: time_to_market without launches"


def check_firms(model) -> None:
    f = model.firms
    for name in (*COLUMNS, *MATRIX_COLUMNS):
        col = f[name]
        assert len(col) == f.n
        if col.dtype.kind == "f":
            assert np.isfinite(col).all(), f"quarter {model.quarter}: non-finite {name}"
    for name in STOCKS:
        assert (f[name] >= 0.0).all(), (
            f"quarter {model.quarter}: negative {name}: {f[name][f[name] < 0][:5]}")
    assert (f["employees"] > 0.0).all()
    assert ((f["country"] == 0) | (f["country"] == 1)).all()
    assert ((f["project_progress"] >= 0.0) & (f["project_progress"] < 1.0 + 1e-9)).all()
    assert (f["park"] < len(model.parks)).all()
    for name in NON_NEGATIVE:
        assert (f[name] >= 0.0).all(), (
            f"quarter {model.quarter}: negative {name}: {f[name][f[name] < 0][:5]}")
    for name in UNIT_INTERVAL:
        bad = (f[name] < 0.0) | (f[name] > 1.0)
        assert not bad.any(), f"quarter {model.quarter}: {name} outside [0, 1]: {f[name][bad][:5]}"
    assert (f["inputs_domestic"] <= f["inputs_total"] * (1 + 1e-9) + 1e-12).all()


def check_graph_and_agents(model) -> None:
    f, g = model.firms, model.graph
    ids = f.ids.tolist()
    assert len(set(ids)) == len(ids), "duplicate firm ids"
    assert {i: r for r, i in enumerate(ids)} == {i: f.row_of(i) for i in ids}
    assert set(model.firm_agents) == set(ids)
    assert len(model.agents_by_type[Firm]) == f.n, "removed firms still registered with Mesa"
    agents = model.agents
    for fid in ids:
        assert fid in g, f"firm {fid} is not a graph node"
        assert g.nodes[fid]["kind"] == "firm"
        agent = model.firm_agents[fid]
        assert agent.unique_id == fid and agent in agents
    firm_nodes = {n for n, d in g.nodes(data=True) if d["kind"] == "firm"}
    assert firm_nodes == set(ids), "graph keeps nodes of firms that left"
    others = {u.unique_id for u in model.universities} | {p.unique_id for p in model.parks}
    assert set(g.nodes) == firm_nodes | others
    assert not (set(ids) & others), "firm ids collide with university or park ids"
    for a, b, d in g.edges(data=True):
        assert a in g and b in g and a != b
        assert d["kind"] in KINDS
        assert 0.0 < d["strength"] <= 1.0
        assert d["cross"] == (g.nodes[a]["country"] != g.nodes[b]["country"])
        if d["kind"] == "supply":
            assert d["supplier"] in (a, b)
        if d["kind"] == "residency":
            assert {g.nodes[a]["kind"], g.nodes[b]["kind"]} == {"firm", "park"}


def check_ties(model) -> None:
    """Ties only between agents that exist, read through the public networkx API (edge data
    ``kind``, ``strength``, ``cross``) and the model's agent lists; residency as the firm
    columns say."""
    f, g = model.firms, model.graph
    ids = f.ids.tolist()
    country = dict(zip(ids, f["country"].tolist(), strict=True))
    country.update((u.unique_id, u.country_index) for u in model.universities)
    parks = {p.unique_id: p for p in model.parks}
    country.update((pid, p.country_index) for pid, p in parks.items())
    universities = {u.unique_id for u in model.universities}
    firms = set(ids)
    assert set(g.nodes) == set(country), "graph nodes differ from the agents that exist"
    residents = {}
    for a, b, d in g.edges(data=True):
        assert a in country and b in country, f"tie {a}-{b} to an agent that does not exist"
        assert a != b, f"tie of {a} to itself"
        assert {"kind", "strength", "cross"} <= set(d), f"tie {a}-{b} lacks {d}"
        assert d["kind"] in KINDS, d["kind"]
        assert math.isfinite(d["strength"]) and 0.0 < d["strength"] <= 1.0, d["strength"]
        assert bool(d["cross"]) == (country[a] != country[b]), f"tie {a}-{b}: cross flag"
        ends = {a, b}
        if d["kind"] == "residency":
            (firm,) = ends & firms
            (park,) = ends & set(parks)
            assert firm not in residents, f"firm {firm} resides in two parks"
            residents[firm] = parks[park].index
        elif d["kind"] in ("supply", "export_consortium"):
            assert ends <= firms, f"{d['kind']} tie {a}-{b} not between firms"
        else:
            assert ends <= firms | universities and ends & firms, f"{d['kind']} tie {a}-{b}"
    column = {fid: int(k) for fid, k in zip(ids, f["park"].tolist(), strict=True) if k >= 0}
    assert residents == column, "park residency in the graph differs from the firm columns"
    for park in model.parks:
        assert sum(1 for k in column.values() if k == park.index) <= max(park.capacity, 0)


class IdLedger:
    """Every firm id seen so far: ids of firms that left are never handed out again."""

    def __init__(self, model) -> None:
        self.alive = set(model.firms.ids.tolist())
        self.gone: set[int] = set()
        self.others = {u.unique_id for u in model.universities} | {
            p.unique_id for p in model.parks} | {g.unique_id for g in
                                                 model.governments.values()}

    def check(self, model) -> None:
        now = set(model.firms.ids.tolist())
        assert len(now) == model.firms.n, "duplicate firm ids"
        back = sorted(now & self.gone)
        assert not back, f"ids of firms that left came back: {back[:5]}"
        assert not now & self.others, "a firm id is also the id of another agent"
        self.gone |= self.alive - now
        self.alive = now
        agents = [a.unique_id for a in model.agents]
        assert len(agents) == len(set(agents)), "two Mesa agents share an id"


#: The invariant groups :func:`step_checked` asserts each quarter.
CHECKS = ("fiscal balance per government", "cumulative fiscal balance", "firm columns finite",
          "stocks and flows non-negative", "shares and indices in [0, 1]",
          "indicators finite (time_to_market NaN only without launches)",
          "indicator shares in [0, 1]", "count and flow indicators non-negative and JOINT = "
          "AZ + BY", "graph nodes = existing agents", "ties between existing agents with "
          "kind/strength/cross", "park residency = graph", "ids unique and never reused")


def step_checked(model, ledger: IdLedger | None = None) -> None:
    """One quarter, then every invariant."""
    before = {code: gov.balance for code, gov in model.governments.items()}
    model.step()
    check_fiscal(model, before)
    check_firms(model)
    check_graph_and_agents(model)
    check_ties(model)
    check_indicators(model)
    if ledger is not None:
        ledger.check(model)


@pytest.mark.parametrize("stem", BUNDLED)
def test_invariants_every_step(stem):
    model = fresh_model(bundled(stem, scale=0.2), seed=11)
    check_firms(model)
    check_graph_and_agents(model)
    check_ties(model)
    check_indicators(model)
    ledger = IdLedger(model)
    for _ in range(STEPS):
        step_checked(model, ledger)
    assert ledger.gone, "no firm left in 20 quarters: the id checks saw no exit"
    # the economy is still alive after the run
    assert model.firms.n > 50


def test_invariants_under_extreme_parameters():
    """Stress: fast entry and exit, strong decay and search, all three policies at once."""
    d = spec(model={"entry_rate": 0.05, "exit_loss_quarters": 1, "tie_decay": 0.5,
                    "search_rate": 0.5, "spillover_rate": 0.5},
             risks={"mistargeting": 5.0, "implementation": 0.3, "coordination": 0.0},
             policies=[{"type": "sme_subsidy"},
                       {"type": "tax_break", "target": "all", "vat_relief": 1.0},
                       {"type": "technopark", "country": "BY"}],
             scale=0.15)
    model = fresh_model(d, seed=5)
    for _ in range(10):
        step_checked(model)


def test_time_to_market_is_nan_exactly_without_launches_in_the_window():
    """Few launches (no R&D effect, slow projects, tiny population, no warm-up so the whole
    8-quarter window is in the table): time_to_market turns NaN 8 quarters after the last
    launch and is defined again at the next one."""
    d = spec(model={"base_innovation": 0.0, "rd_effect": 0.0, "spillover_rate": 0.0,
                    "warmup": 0, "project_duration": 40.0}, scale=0.05)
    expired = 0
    for seed in (2, 3, 4):
        model = fresh_model(d, seed)
        for _ in range(30):
            model.step()
        names = model.indicator_names()
        arr = model.indicator_array()
        for ci, key in enumerate(COUNTRY_KEYS):
            ttm = arr[:, ci, names.index("time_to_market")]
            launched = arr[:, ci, names.index("products_launched")]
            for q in range(len(ttm)):
                recent = launched[max(0, q - 7): q + 1].sum()
                assert np.isnan(ttm[q]) == (recent == 0), (
                    f"seed {seed} {key} quarter {q}: time_to_market {ttm[q]}, "
                    f"{recent:g} launches in quarters {max(0, q - 7)}-{q}")
            nan = np.isnan(ttm)
            expired += int(np.sum(nan[1:] & ~nan[:-1]))
    assert expired > 0, "no run had a launch drought; the test does not exercise NaN"


# ----------------------------------------------------------------- generated valid scenarios
GENERATED = 25
GENERATED_STEPS = 12
#: Model parameters the generator leaves at small values: they set the run's size (the
#: population scale, the warm-up, the horizon) or compound it (entry at up to 20% of the
#: firms a quarter grows 150 firms to tens of thousands in 12 quarters; more than one
#: entrant per exit compounds too when firms exit after a single loss quarter: with 1.7 and
#: exit_loss_quarters 1, 190 firms became 390,000 in 12 quarters, 17 s of this test;
#: tests/test_extremes.py runs those corners for fewer quarters).
SIZE_PARAMS = {"firm_scale": (0.05, 0.12), "warmup": (0, 4), "entry_rate": (0.0, 0.05),
               "replacement_entry": (0.0, 1.0), "steps": (12, 12)}


def draw(p: Param, rng: random.Random) -> object:
    """A value within the declaration of ``p``: often a bound itself, else uniform."""
    if p.kind is bool:
        return rng.random() < 0.5
    if p.kind is str:
        return rng.choice(p.choices)
    if p.kind is int:
        low, high = int(p.low), int(p.high)
        return rng.choice([low, high, rng.randint(low, high), rng.randint(low, high)])
    roll = rng.random()
    return p.low if roll < 0.15 else p.high if roll < 0.3 else rng.uniform(p.low, p.high)


def generated_scenario(index: int) -> dict:
    """A random valid scenario: a random subset of the policies with random in-bounds
    parameters and active windows, random risks and model parameters within their bounds."""
    rng = random.Random(7919 * index + 1)
    policies = []
    for kind in rng.sample(sorted(REGISTRY), rng.randint(1, len(REGISTRY))):
        declared = REGISTRY[kind].declared()
        values = {name: draw(p, rng) for name, p in declared.items()
                  if name not in ("start", "end", "enabled") and rng.random() < 0.6}
        start = rng.randint(1, GENERATED_STEPS)
        values.update(start=start, end=rng.choice([start, rng.randint(start, 2000), 2000]),
                      enabled=rng.random() < 0.9)
        policies.append({"type": kind, **values})
    model = {name: draw(p, rng) for name, p in MODEL_PARAMS.items()
             if name not in SIZE_PARAMS and rng.random() < 0.4}
    for name, (low, high) in SIZE_PARAMS.items():
        model[name] = (rng.randint(low, high) if isinstance(low, int)
                       else rng.uniform(low, high))
    risks = {name: draw(p, rng) for name, p in RISK_PARAMS.items() if rng.random() < 0.7}
    return {"name": f"generated_{index}", "model": model, "risks": risks, "policies": policies}


@pytest.mark.parametrize("index", range(GENERATED))
def test_invariants_of_generated_scenarios(index):
    d = generated_scenario(index)
    model = fresh_model(d, seed=index)
    check_firms(model)
    check_ties(model)
    ledger = IdLedger(model)
    for _ in range(GENERATED_STEPS):
        step_checked(model, ledger)
    assert model.quarter == GENERATED_STEPS


def test_generated_scenarios_cover_every_policy_and_bound():
    """The generated scenarios use every policy, and bounds as well as inner values."""
    used = {p["type"] for i in range(GENERATED) for p in generated_scenario(i)["policies"]}
    assert used == set(REGISTRY)
    at_bound = sum(1 for i in range(GENERATED) for name, v in
                   generated_scenario(i)["risks"].items()
                   if v in (RISK_PARAMS[name].low, RISK_PARAMS[name].high))
    assert at_bound >= 5
