"""An instrument run by one government reaches that country and not the other.

For each of the fifteen instruments, run by Azerbaijan alone and by Belarus alone, a small
model with the instrument starting at quarter ``START`` is compared with a control without it
(same seed). The two runs are identical until the instrument first acts (checked), so right
after the policy phase of quarter ``START`` everything that differs between them is the
instrument's immediate change: every firm column, the shifters, the country arrays, the
parks, the universities, the ties, the other policies and the governments' accounts, each
attributed to a country (a firm's, a shifter's entry, a country array's row, a tie's two
ends). The acting country must show the instrument's own levers and its cash; the other
country must show nothing, except where docs/policies.md gives a rule for an instrument run
by one government (the infrastructure corridor, the exchange's cross-border proposals,
adaptive monitoring's budget weights).

Later quarters are compared through the instrument's own step only (its changes from just
before to just after its ``step`` in the treated run): the two runs part once firms have
acted, since markets, prices, investors' choice of country and the random draws feed through
both countries (already within the first quarter: a tax break in AZ moves the import VAT BY
collects on FDI equipment in that quarter's investment phase), so comparing whole states
with the control is exact only up to the first-acting quarter's policy phase. That way
effects that come later (a course that ends, a budget review) are held to the same rule.
Residents of a new park, admitted in the policy phase by the park's operator, are checked
directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pytest
from conftest import fresh_model, spec

from sim.agents.firm import COLUMNS, MATRIX_COLUMNS
from sim.network.table import KINDS
from sim.phases.finance import RELIEF_COLUMNS
from sim.policies import REGISTRY

#: Population scale (about 450 firms: every competition has winners in its first quarter).
SCALE = 0.3
SEED = 1
#: First quarter the instrument acts: quarter 1 runs in both models alike (checked).
START = 2
#: Quarters the instrument is watched from START (lagged effects: courses of one quarter,
#: park admissions the quarter after opening, budget reviews every quarter).
WATCH = 3
CODES = ("AZ", "BY")
#: Labels of the state not attributed to one country.
SHARED = "shared"
#: Monitored programmes adaptive monitoring reviews in its runs (run by the other country).
PROGRAMMES = ("sme_subsidy", "certification")

#: Parameters that make an instrument's effects show within the watched quarters at this
#: scale: a reform privatising in its first quarters, courses of one quarter, a review every
#: quarter; a tax break that forgives some VAT too (none by default), so all four reliefs act;
#: a technopark that admits firms with R&D of 0.1% of sales (with the default rule it has
#: hardly any applicants at this scale).
#: The cross-border shares are at their largest, so that a lone government's projects would
#: be joint, and its exchange's proposals cross-border, as often as the rule could let them.
OVERRIDES: dict[str, dict[str, Any]] = {
    "rnd_cofunding": {"joint_share": 1.0},
    "subcontracting_exchange": {"cross_border_share": 1.0},
    "tax_break": {"vat_relief": 0.5},
    "technopark": {"min_rd_intensity": 0.001},
    "property_reform": {"phase_in": 2},
    "vocational_education": {"lag": 1},
    "adaptive_monitoring": {"review": 1},
}


def firm(*names: str) -> set[str]:
    return {f"firm:{n}" for n in names}


RELIEFS = firm(*RELIEF_COLUMNS.values())
PAY = {"gov:spending"}


@dataclass(frozen=True)
class Expect:
    """What an instrument run by one country changes when it first acts (``acting``: in the
    acting country, all required), what it may change in the other country by the documented
    rule for one government (``other``; required when ``other_required``), what it changes
    that belongs to no country (``shared``, required), and what the acting country must show
    in some later watched quarter (``later``)."""

    acting: set[str]
    other: set[str] = field(default_factory=set)
    other_required: bool = False
    shared: set[str] = field(default_factory=set)
    later: set[str] = field(default_factory=set)


EXPECT: dict[str, Expect] = {
    # Budget weights belong to programmes, not countries: "the unit reallocates the budgets
    # of every monitored programme in the scenario, whatever its own country" (here the
    # programmes are run by the other government).
    "adaptive_monitoring": Expect(PAY, shared={"policy:weight", "policy:recipients",
                                               "policy:spent"}),
    "admin_barriers": Expect({"array:approval_capacity", "array:approval_procedures", *PAY}),
    "certification": Expect({*firm("qm_left", "qm_rate_m", "qm_rate_d", "qm_rate_q",
                                   "qm_cost", "policy_cash", "supported_until"), *PAY}),
    # alone, without the partner's agencies, its cross-border lever is nothing (tested below)
    "coordination_body": Expect({"shifter:matching", "shifter:information", *PAY}),
    "export_promotion": Expect({*firm("promo_until", "promo_market", "entry_credit",
                                      "marketing", "policy_cash", "supported_until"),
                                "tie:export_consortium", *PAY}),
    "industrial_park": Expect({"park:added", "shifter:entry", *PAY}),
    # "The infrastructure corridor is driven by one stock": the cross-border trade cost falls
    # both ways; third-market costs and delivery follow the paying country's own stock.
    "infrastructure": Expect({"array:trade_cost[:, 1]", "array:trade_cost[:, 2]",
                              "array:logistics", *PAY},
                             other={"array:trade_cost[:, 1]"}, other_required=True),
    "property_reform": Expect({"firm:state_owned", *PAY}),
    "rnd_cofunding": Expect({*firm("rd_grant", "rd_project", "supported_until"), "tie:rnd",
                             *PAY}),
    "sme_subsidy": Expect({*firm("grant", "funded_project", "supported_until"), *PAY}),
    # The exchange offers the paying country's buyers suppliers in the other country too
    # (half as often as with both governments): those suppliers get the tie and count as
    # supported; see test_a_lone_exchange_ties_other_suppliers_only_to_its_buyers.
    "subcontracting_exchange": Expect({"shifter:matching", "tie:supply",
                                       "firm:supported_until", *PAY},
                                      other={"tie:supply", "firm:supported_until"}),
    "tax_break": Expect(RELIEFS),
    "technopark": Expect({"park:added", "uni:technopark", *PAY}),
    "venture_fund": Expect({"shifter:spinoff", *firm("grant", "funded_project", "policy_cash",
                                                     "vc_rd", "vc_rd_pace",
                                                     "supported_until"), *PAY}),
    "vocational_education": Expect({"firm:supported_until", "uni:graduate_skill", *PAY},
                                   later={"array:pool_skill"}),
}


# ----------------------------------------------------------------- state by country
def _plain(obj: Any) -> dict[str, Any]:
    out = {}
    for key, value in vars(obj).items():
        if isinstance(value, np.ndarray):
            out[key] = value.copy()
        elif isinstance(value, (bool, int, float, str, tuple)):
            out[key] = value
        elif isinstance(value, (dict, list, set)):
            out[key] = repr(value)
    return out


def state(model: Any, watched: str) -> dict[str, Any]:
    """Everything a policy could change, in a form :func:`changes_by_country` can attribute
    to a country; of the policies, the others than ``watched`` (its own bookkeeping is its
    own)."""
    f, g = model.firms, model.graph
    t = g.ties
    live = np.flatnonzero(t.alive[: t.size])
    return {
        "ids": f.ids.copy(),
        "country": f["country"].copy(),
        "firms": {c: f[c].copy() for c in (*COLUMNS, *MATRIX_COLUMNS)},
        "arrays": {k: v.copy() for k, v in vars(model).items() if isinstance(v, np.ndarray)},
        "scalars": {k: v for k, v in vars(model).items() if isinstance(v, float)},
        "shifters": {fl.name: getattr(model.shifters, fl.name).copy()
                     for fl in fields(model.shifters)},
        "gov": {code: (gov.spent_this_step, gov.spent_total, dict(gov.spent_by_policy),
                       gov.balance, gov.foregone_this_step)
                for code, gov in model.governments.items()},
        "parks": {p.unique_id: (p.country_index, _plain(p)) for p in model.parks},
        "unis": {u.unique_id: (u.country_index, _plain(u)) for u in model.universities},
        "ties": {(int(t.a[s]), int(t.b[s])): (int(t.kind[s]), float(t.strength[s]),
                                              int(t.supplier[s])) for s in live},
        "nodes": {n: d["country"] for n, d in g.nodes(data=True)},
        "policies": {p.name: (p.weight, frozenset(p.recipients), p.spent)
                     for p in model.policies if p.name != watched},
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def changes_by_country(before: dict[str, Any], after: dict[str, Any]
                       ) -> dict[str, set[str]]:
    """What differs between two states, by country (``AZ``, ``BY``) or ``shared``."""
    out: dict[str, set[str]] = defaultdict(set)
    assert _same(before["ids"], after["ids"]), "the firms differ: not comparable"
    country = np.asarray(after["country"])
    for name, a in before["firms"].items():
        b = after["firms"][name]
        differ = a != b
        if a.dtype.kind == "f":
            differ &= ~(np.isnan(a) & np.isnan(b))
        differ = differ.reshape(len(country), -1).any(axis=1) if differ.ndim > 1 else differ
        for k in np.unique(country[differ]):
            out[CODES[int(k)]].add(f"firm:{name}")
    for name, a in before["arrays"].items():
        b = after["arrays"][name]
        if a.shape != b.shape:
            out[SHARED].add(f"array:{name}")
        elif a.ndim >= 1 and a.shape[0] == 2:
            for k in (0, 1):
                if a.ndim == 2 and a.shape[1] > 1:
                    for j in range(a.shape[1]):
                        if not _same(a[k, j], b[k, j]):
                            out[CODES[k]].add(f"array:{name}[:, {j}]")
                elif not _same(a[k], b[k]):
                    out[CODES[k]].add(f"array:{name}")
        elif not _same(a, b):
            out[SHARED].add(f"array:{name}")
    for name, a in before["scalars"].items():
        if not _same(a, after["scalars"][name]):
            out[SHARED].add(f"scalar:{name}")
    for name, a in before["shifters"].items():
        for k in (0, 1):
            if a[k] != after["shifters"][name][k]:
                out[CODES[k]].add(f"shifter:{name}")
    for code in CODES:
        if not _same(before["gov"][code], after["gov"][code]):
            out[code].add("gov:spending")
    for pid, (k, attrs) in after["parks"].items():
        if pid not in before["parks"]:
            out[CODES[k]].add("park:added")
        else:
            for key, value in attrs.items():
                if not _same(before["parks"][pid][1].get(key), value):
                    out[CODES[k]].add(f"park:{key}")
    for uid, (k, attrs) in after["unis"].items():
        for key, value in attrs.items():
            if not _same(before["unis"][uid][1][key], value):
                out[CODES[k]].add(f"uni:{key}")
    nodes = {**before["nodes"], **after["nodes"]}
    for pair in before["ties"].keys() | after["ties"].keys():
        old, new = before["ties"].get(pair), after["ties"].get(pair)
        if old == new:
            continue
        label = ("tie:" + KINDS[new[0]] if old is None else "tie:removed" if new is None
                 else "tie:strength" if old[1] != new[1] else "tie:other")
        for node in pair:
            out[CODES[nodes[node]]].add(label)
    assert before["policies"].keys() == after["policies"].keys()
    for name, old in before["policies"].items():
        for label, x, y in zip(("weight", "recipients", "spent"), old,
                               after["policies"][name], strict=True):
            if x != y:
                out[SHARED].add(f"policy:{label}")
    return {key: out.get(key, set()) for key in (*CODES, SHARED)}


# ----------------------------------------------------------------- the runs
def scenario_of(name: str, code: str, instrument: bool = True) -> dict[str, Any]:
    """The treated scenario (``instrument``) or its control: instrument ``name`` run by
    government ``code`` from quarter START; adaptive monitoring with programmes of the other
    government to review."""
    other = CODES[1 - CODES.index(code)]
    policies = []
    if name == "adaptive_monitoring":
        policies += [{"type": p, "country": other} for p in PROGRAMMES]
    if instrument:
        policies.append({"type": name, "country": code, "start": START,
                         **OVERRIDES.get(name, {})})
    return spec(policies=policies, scale=SCALE)


@dataclass
class Run:
    """A watched run: the state after the policy phase of quarters START - 1 and START, and
    the state just before and after each step of the watched instrument."""

    model: Any
    after_phase: dict[int, dict[str, Any]]
    steps: list[tuple[int, dict[str, Any], dict[str, Any]]]


def watched_run(d: dict[str, Any], watched: str) -> Run:
    model = fresh_model(d, SEED)
    run = Run(model, {}, [])
    phase = model._policy_phase

    def policy_phase() -> None:
        phase()
        if model.quarter in (START - 1, START):
            run.after_phase[model.quarter] = state(model, watched)

    model._policy_phase = policy_phase
    for policy in model.policies:
        if policy.name == watched:
            def step(m: Any, original: Any = policy.step) -> None:
                before = state(m, watched)
                original(m)
                run.steps.append((m.quarter, before, state(m, watched)))
            policy.step = step
    while model.quarter < START + WATCH - 1:
        model.step()
    return run


_RUNS: dict[tuple[str, str, bool], Run] = {}


def cached_run(name: str, code: str, instrument: bool = True) -> Run:
    """A watched run shared by the tests of this module (read only); controls without the
    instrument are the same for every instrument but adaptive monitoring."""
    key = (name if instrument or name == "adaptive_monitoring" else "", code, instrument)
    if key not in _RUNS:
        _RUNS[key] = watched_run(scenario_of(name, code, instrument), name)
    return _RUNS[key]


# ----------------------------------------------------------------- the checks
def other_of(code: str) -> str:
    return CODES[1 - CODES.index(code)]


def problems(name: str, code: str, treated: Run, control: Run) -> list[str]:
    """Every way instrument ``name`` run by ``code`` breaks the rule of one country."""
    expect, other = EXPECT[name], other_of(code)
    found = []
    before = changes_by_country(control.after_phase[START - 1], treated.after_phase[START - 1])
    if any(before.values()):
        found.append(f"the runs differ before the instrument acts: {before}")
    # quarter START, right after the policy phase: all that differs from the control is the
    # instrument's doing (later in the quarter markets and random draws join in)
    first = changes_by_country(control.after_phase[START], treated.after_phase[START])
    if missing := expect.acting - first[code]:
        found.append(f"quarter {START}: {code} shows no change of {sorted(missing)}")
    if first[other] - expect.other or (expect.other_required and first[other] != expect.other):
        found.append(f"quarter {START}: {other} (not acting) changed {sorted(first[other])}; "
                     f"allowed by the rule for one government: {sorted(expect.other)}")
    if first[SHARED] != expect.shared:
        found.append(f"quarter {START}: changed {sorted(first[SHARED])} of no country, "
                     f"expected {sorted(expect.shared)}")
    # every later quarter: what the instrument's own step changes
    later: set[str] = set()
    for q, b, a in treated.steps:
        step = changes_by_country(b, a)
        if q < START and any(step.values()):
            found.append(f"quarter {q}: changed {step} before its start")
        if q <= START:
            continue
        later |= step[code]
        if step[other] - expect.other:
            found.append(f"quarter {q}: {other} (not acting) changed {sorted(step[other])}")
        if step[SHARED] - expect.shared:
            found.append(f"quarter {q}: changed {sorted(step[SHARED])} of no country")
    if missing := expect.later - later:
        found.append(f"quarters {START + 1}-{START + WATCH - 1}: {code} shows no change of "
                     f"{sorted(missing)}")
    # the money: the acting government pays (the tax break forgoes taxes instead), the
    # other pays nothing for it in any quarter
    govs = treated.model.governments
    if name == "tax_break":
        pass  # checked in test_a_lone_tax_break_forgoes_only_its_own_taxes
    elif govs[code].spent_by_policy.get(name, 0.0) <= 0.0:
        found.append(f"{code} paid nothing for {name}")
    if name in govs[other].spent_by_policy:
        found.append(f"{other} paid {govs[other].spent_by_policy[name]} for {name}")
    return found


CASES = [(name, code) for name in sorted(REGISTRY) for code in CODES]


def test_every_instrument_has_its_expected_changes() -> None:
    assert set(EXPECT) == set(REGISTRY)


@pytest.mark.parametrize(("name", "code"), CASES)
def test_an_instrument_run_by_one_country_reaches_that_country_only(name: str,
                                                                    code: str) -> None:
    found = problems(name, code, cached_run(name, code), cached_run(name, code, False))
    assert not found, f"{name} run by {code}:\n" + "\n".join(found)


@pytest.mark.parametrize("code", CODES)
def test_residents_of_a_lone_government_s_new_parks_are_its_own_firms(code: str) -> None:
    """The new park (industrial park, technopark) admits firms of its own country only."""
    for name in ("industrial_park", "technopark"):
        model = cached_run(name, code).model
        new = [p for p in model.parks if p.name.startswith("New ")]
        assert [p.country for p in new] == [code], name
        residents = model.firms["country"][model.firms["park"] == new[0].index]
        assert residents.size > 0, f"{name}: nobody admitted by quarter {model.quarter}"
        assert (residents == CODES.index(code)).all(), name


@pytest.mark.parametrize("code", CODES)
def test_a_lone_coordination_body_has_no_cross_border_lever_without_partner_agencies(
        code: str) -> None:
    """Run by one government alone the body raises that country's matching and information
    in full (0.3 each: they do not depend on the other side) but not its cross-border contact:
    no agency of the partner takes part; and nothing of the other country's."""
    treated = cached_run("coordination_body", code).after_phase[START]["shifters"]
    k = CODES.index(code)
    expected = {"coordination": 0.0, "matching": 0.3, "information": 0.3}
    for lever, value in expected.items():
        assert treated[lever][k] == pytest.approx(value, rel=1e-12), lever
        assert treated[lever][1 - k] == 0.0, lever


@pytest.mark.parametrize("code", CODES)
def test_a_lone_coordination_body_reaches_across_where_the_partners_agencies_act(
        code: str) -> None:
    """With the partner running a subcontracting exchange of its own, the lone body's
    cross-border lever is in full (0.25 x coordination 1); when the partner's exchange has
    ended, it is gone again."""
    partner = "BY" if code == "AZ" else "AZ"
    d = spec(policies=[{"type": "coordination_body", "country": code},
                       {"type": "subcontracting_exchange", "country": partner, "end": 2}],
             scale=0.1)
    m = fresh_model(d, 1)
    body = m.policies[0]
    m.step()
    assert body.cross_border(m) == 1.0
    assert m.shifters.coordination[CODES.index(code)] == pytest.approx(0.25)
    m.step()
    m.step()  # quarter 3: the partner's exchange has ended
    assert body.cross_border(m) == 0.0
    assert m.shifters.coordination[CODES.index(code)] == 0.0


@pytest.mark.parametrize("code", CODES)
def test_a_lone_infrastructure_corridor_is_driven_by_one_stock(code: str) -> None:
    """One government's stock (its first quarter's budget, 2.0 x 0.3 at this scale, after a
    quarter's depreciation of 0.5%) cuts the cross-border cost of both countries by
    0.4 x (1 - exp(-stock / (2 x 30))) (the corridor is the mean of two stocks, one of them
    zero), and only its own third-market cost, by 0.15 x (1 - exp(-stock / 30))."""
    k = CODES.index(code)
    base = cached_run("infrastructure", code, False).after_phase[START]["arrays"]["trade_cost"]
    cost = cached_run("infrastructure", code).after_phase[START]["arrays"]["trade_cost"]
    stock = 2.0 * SCALE * (1 - 0.005)
    corridor = 1 - np.exp(-stock / (2 * 100.0 * SCALE))
    np.testing.assert_allclose(cost[:, 1], base[:, 1] * (1 - 0.4 * corridor), rtol=1e-12)
    assert cost[k, 2] == pytest.approx(
        base[k, 2] * (1 - 0.15 * (1 - np.exp(-stock / (100.0 * SCALE)))), rel=1e-12)
    assert cost[1 - k, 2] == base[1 - k, 2]


@pytest.mark.parametrize("code", CODES)
def test_a_lone_exchange_ties_other_suppliers_only_to_its_buyers(code: str) -> None:
    """The exchange proposes suppliers to the paying country's buyers only; a supplier of the
    other country would enter only as the seller of such a tie, and only such suppliers of
    the other country count as supported. Alone, without the partner's agencies, it makes no
    cross-border proposal (the next test makes one with them)."""
    k = CODES.index(code)
    run = cached_run("subcontracting_exchange", code)
    cross = 0
    for q, before, after in run.steps:
        if q < START:
            continue
        nodes = after["nodes"]
        new = {pair: v for pair, v in after["ties"].items() if pair not in before["ties"]}
        assert new, f"quarter {q}: no match"
        suppliers = set()
        for (a, b), (kind, _, supplier) in new.items():
            assert KINDS[kind] == "supply" and supplier in (a, b)
            buyer = b if supplier == a else a
            assert nodes[buyer] == k, f"quarter {q}: a buyer of the other country was served"
            if nodes[supplier] != k:
                cross += 1
                suppliers.add(supplier)
        ids, country = after["ids"], after["country"]
        changed = after["firms"]["supported_until"] != before["firms"]["supported_until"]
        assert set(ids[changed & (country != k)].tolist()) <= suppliers
    assert cross == 0, "a cross-border proposal without the partner's agencies"


@pytest.mark.parametrize("code", CODES)
def test_a_lone_exchange_proposes_across_the_border_where_the_partners_agencies_act(
        code: str) -> None:
    """With the partner running a coordination body, the exchange's proposals name suppliers
    of the partner country (cross_border_share x coordination of them), which sell to the
    paying country's buyers."""
    partner = "BY" if code == "AZ" else "AZ"
    k = CODES.index(code)
    d = spec(policies=[{"type": "subcontracting_exchange", "country": code,
                        "cross_border_share": 1.0},
                       {"type": "coordination_body", "country": partner}], scale=0.3)
    m = fresh_model(d, 1)
    t = m.graph.ties
    start = {(int(a), int(b)) for a, b, alive in zip(t.a[: t.size], t.b[: t.size],
                                                     t.alive[: t.size], strict=True) if alive}
    for _ in range(3):
        m.step()
    assert m.policies[0].cross_border(m) == 1.0
    country = dict(zip(m.firms.ids.tolist(), m.firms["country"].tolist(), strict=True))
    cross = [(int(a), int(b)) for a, b, alive, kind in zip(
        t.a[: t.size], t.b[: t.size], t.alive[: t.size], t.kind[: t.size], strict=True)
        if alive and KINDS[kind] == "supply" and (int(a), int(b)) not in start
        and int(a) in country and int(b) in country and country[int(a)] != country[int(b)]]
    assert cross, "no cross-border supply tie"
    assert all(k in (country[a], country[b]) for a, b in cross)


@pytest.mark.parametrize("code", CODES)
def test_a_lone_tax_break_forgoes_only_its_own_taxes(code: str) -> None:
    """The tax break's cost is taxes foregone, booked in the finance phase of its first
    quarter on the acting government (the other's reliefs are untouched: the main check)."""
    foregone = []
    for instrument in (True, False):
        model = fresh_model(scenario_of("tax_break", code, instrument), SEED)
        for _ in range(START):
            model.step()
        foregone.append(model.governments[code].foregone_this_step)
        assert model.governments[code].spent_by_policy.get("tax_break", 0.0) == 0.0
    assert foregone[0] > foregone[1] + 1.0, foregone


def test_the_check_catches_a_lever_written_to_the_other_country(monkeypatch) -> None:
    """A coordination body run by AZ that strengthens BY's knowledge flow, and one that
    charges BY for it, are caught."""
    from sim.policies import effects
    from sim.policies.coordination_body import CoordinationBody

    original = CoordinationBody.apply

    def leaky(self: Any, model: Any) -> None:
        original(self, model)
        effects.raise_knowledge_flow(model, self, 1, 0.3)
        self.pay(model, "BY", 0.01)

    monkeypatch.setattr(CoordinationBody, "apply", leaky)
    treated = watched_run(scenario_of("coordination_body", "AZ"), "coordination_body")
    found = problems("coordination_body", "AZ", treated,
                     cached_run("coordination_body", "AZ", False))
    assert any("BY (not acting) changed ['gov:spending', 'shifter:information']" in line
               for line in found), found
    assert any(line.startswith("BY paid") for line in found), found
