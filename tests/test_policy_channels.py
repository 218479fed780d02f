"""Every channel of every instrument on its own: the exact change it makes in a quarter it acts.

A channel is one distinct thing an instrument changes for firms in a quarter it acts (the
inventory is its declared effects, :data:`sim.policies.effects.EFFECTS`): a shifter, a firm
column it writes or adds to, a cost a firm pays, the government's spending, ties, a park and
its regime, a country setting. For each one a test runs the instrument's scenario at a small
scale up to the quarter, records the model's state just before and just after the
instrument's own ``step`` (every other phase of the quarter runs as usual), and checks the
change that channel makes against a value computed here from the instrument's parameters and
the state before the step: who changed, by exactly how much, and that nobody else changed.
Each test fails when its channel alone is switched off (its gain multiplied by 0 in the
source).

Runs use the weak-implementation risk 0.8 (a fifth of every budget is lost), so each formula's
``implementation`` factor is checked too.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import tomllib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, bundled_spec, fresh_model
from test_policy_effects import snapshot

from sim.inputs.sectors import SUPPLIES
from sim.network.table import KIND_CODE
from sim.phases.finance import RELIEF_COLUMNS
from sim.phases.labour import unemployed
from sim.phases.labour_pool import GENERAL, VOCATIONAL
from sim.policies import REGISTRY, Policy

#: Population scale (about 470 firms) and the local implementation quality of every run.
SCALE = 0.3
REACH = 0.8
SEED = 1
CODES = ("AZ", "BY")
#: Declared values of the countries (the model's starting country arrays).
COUNTRY_DATA = tomllib.loads((ROOT / "sim" / "data" / "countries.toml").read_text())


def country_value_of(value: Any) -> float:
    return float(value["value"] if isinstance(value, dict) else value)


def country_value(code: str, key: str) -> float:
    return country_value_of(COUNTRY_DATA[code][key])


def scenario(kind: str, stem: str | None = None, **values: Any) -> dict[str, Any]:
    """The instrument's bundled scenario at :data:`SCALE` with implementation ``REACH`` and
    the instrument's values changed by ``values``."""
    d = bundled_spec(stem or kind, SCALE)
    d["risks"] = {"implementation": REACH}
    for policy in d["policies"]:
        if policy["type"] == kind:
            policy.update(values)
    return d


# ----------------------------------------------------------------- one instrument's step
@dataclass
class Acted:
    """The state around one instrument's step in quarter ``quarter``."""

    quarter: int
    policy: Policy
    before: dict[tuple[str, str], Any]
    after: dict[tuple[str, str], Any]
    own_before: dict[str, Any]
    own_after: dict[str, Any]
    unemployed: np.ndarray
    model: Any  # the model after the whole quarter (read only)

    def col(self, name: str, when: str = "before") -> np.ndarray:
        return (self.before if when == "before" else self.after)["firm_columns", name]

    def delta(self, name: str) -> np.ndarray:
        return self.col(name, "after") - self.col(name)

    @property
    def ids(self) -> np.ndarray:
        return self.before["firms", "ids"]

    def rows_of(self, ids: Any) -> np.ndarray:
        return np.flatnonzero(np.isin(self.ids, np.fromiter(ids, dtype=np.int64)))

    def spent(self, code: str) -> float:
        return (self.after["governments", f"spending {code}"][0]
                - self.before["governments", f"spending {code}"][0])

    def shifter(self, name: str) -> np.ndarray:
        return self.after["shifters", name] - self.before["shifters", name]

    def new_ties(self, kind: str) -> list[tuple[int, int, float]]:
        """Ties of ``kind`` formed in the step: (a, b, strength), for a supply tie (buyer,
        supplier, strength)."""
        live0, a0, b0 = self.before["ties", "_slots"]
        live1, a1, b1 = self.after["ties", "_slots"]
        n0 = live0.size
        old = np.zeros(live1.size, dtype=bool)
        old[:n0] = live0 & (a0 == a1[:n0]) & (b0 == b1[:n0])
        new = live1 & ~old & (self.after["ties", "kind"] == KIND_CODE[kind])
        s, seller = self.after["ties", "strength"], self.after["ties", "supplier"]
        if kind == "supply":
            return [(int(a1[i] if seller[i] == b1[i] else b1[i]), int(seller[i]), float(s[i]))
                    for i in np.flatnonzero(new)]
        return [(int(a1[i]), int(b1[i]), float(s[i])) for i in np.flatnonzero(new)]


def _own(policy: Policy) -> dict[str, Any]:
    """The instrument's own bookkeeping (without the parks, which hold the model)."""
    return {k: copy.deepcopy(v) for k, v in vars(policy).items()
            if k != "parks" and not k.startswith("_")}


@functools.cache
def _acted(key: str, kind: str, quarter: int, brands: bool) -> Acted:
    model = fresh_model(json.loads(key), SEED)
    for _ in range(quarter - 1):
        model.step()
    if brands:  # firms start the quarter with brands abroad of every strength
        brand = model.firms["brand"]
        brand[:] = np.random.default_rng(0).uniform(0.0, 0.6, brand.size)
    policy = next(p for p in model.policies if p.name == kind)
    seen: dict[str, Any] = {}
    original = policy.step

    def watched(m: Any) -> None:
        seen.update(before=snapshot(m, policy), own_before=_own(policy),
                    unemployed=unemployed(m).copy())
        original(m)
        seen.update(after=snapshot(m, policy), own_after=_own(policy))

    policy.step = watched  # type: ignore[method-assign]
    model.step()
    del policy.step
    return Acted(quarter, policy, model=model, **seen)


def acted(d: dict[str, Any], kind: str, quarter: int, brands: bool = False) -> Acted:
    """The state around ``kind``'s step in ``quarter`` of scenario ``d`` (cached: read only);
    with ``brands`` every firm's brand abroad is drawn at random just before the quarter."""
    return _acted(json.dumps(d, sort_keys=True), kind, quarter, brands)


def budget(acting: Acted, key: str = "budget") -> float:
    """An amount declared for the default population, at :data:`SCALE`."""
    return acting.policy[key] * SCALE


def assert_gap_closed(acting: Acted, column: str, rows: np.ndarray, gain: float) -> None:
    """Firms ``rows`` closed the share ``gain`` of their gap to 1 in ``column``; no other
    firm's value moved."""
    before, after = acting.col(column), acting.col(column, "after")
    assert rows.size and (before[rows] < 1.0).any()
    np.testing.assert_allclose(after[rows], before[rows] + gain * (1.0 - before[rows]),
                               rtol=1e-12, atol=0)
    others = np.ones(before.size, dtype=bool)
    others[rows] = False
    np.testing.assert_array_equal(after[others], before[others])


def assert_added(acting: Acted, column: str, rows: np.ndarray, amount: float | np.ndarray
                 ) -> None:
    """Firms ``rows`` got ``amount`` added to ``column``; no other firm's value moved."""
    change = acting.delta(column)
    expected = np.zeros(change.size)
    expected[rows] = amount
    assert rows.size and np.any(expected != 0)
    np.testing.assert_allclose(change, expected, rtol=1e-9, atol=1e-15)


def assert_spent(acting: Acted, expected: dict[str, float]) -> None:
    """Each government's spending rose by exactly ``expected`` in the step."""
    for code in CODES:
        assert math.isclose(acting.spent(code), expected.get(code, 0.0), rel_tol=1e-9,
                            abs_tol=1e-15), (code, acting.spent(code), expected)
    assert sum(expected.values()) > 0


def country_rows(acting: Acted, rows: np.ndarray, code: str) -> np.ndarray:
    return rows[acting.col("country")[rows] == CODES.index(code)]


# ============================================================================ certification
CERTIFICATION = scenario("certification")


def certified() -> tuple[Acted, np.ndarray]:
    acting = acted(CERTIFICATION, "certification", 2)
    new = acting.own_after["certified"] - acting.own_before["certified"]
    return acting, acting.rows_of(new)


def test_certification_enrols_winners_in_a_programme_of_equal_steps():
    """Winners start a programme of ``quarters`` quarters whose per-quarter rates close, over
    its length, exactly the declared gains; the step writes no management, delivery or
    quality (the firm learns from the next phase on)."""
    acting, won = certified()
    p = acting.policy
    n = p["quarters"]
    np.testing.assert_array_equal(acting.col("qm_left", "after")[won], n)
    for rate, gain in (("qm_rate_m", "mgmt_gain"), ("qm_rate_d", "delivery_gain"),
                       ("qm_rate_q", "quality_gain")):
        r = acting.col(rate, "after")[won]
        np.testing.assert_allclose(1.0 - (1.0 - r) ** n, p[gain], rtol=1e-12)
    np.testing.assert_allclose(acting.col("qm_cost", "after")[won],
                               p["fixed_cost"] + p["cost_per_worker"]
                               * acting.col("employees")[won], rtol=1e-12)
    for column in ("mgmt", "delivery", "quality"):
        np.testing.assert_array_equal(acting.col(column, "after"), acting.col(column), column)
    others = np.setdiff1d(np.arange(acting.ids.size), won)
    np.testing.assert_array_equal(acting.delta("qm_left")[others], 0)


def test_certification_winners_pay_their_share_of_a_cost_that_grows_with_size():
    """Each winner pays the part of its programme the grant does not cover: the fixed cost
    plus the cost per worker, times one minus the grant's share."""
    acting, won = certified()
    p = acting.policy
    cost = p["fixed_cost"] + p["cost_per_worker"] * acting.col("employees")[won]
    assert np.ptp(cost) > 0
    assert_added(acting, "policy_cash", won, -(1.0 - p["cost_share"]) * cost)


def test_certification_competition_and_spending():
    """Each government enrols applicants in order of merit while the budget that arrives
    covers their grants, and spends what reached them divided by the implementation
    quality."""
    acting, won = certified()
    p = acting.policy
    spent = {}
    for code in CODES:
        mine = country_rows(acting, won, code)
        grants = p["cost_share"] * (p["fixed_cost"] + p["cost_per_worker"]
                                    * acting.col("employees")[mine])
        assert mine.size > 0
        assert grants.sum() <= budget(acting) * REACH + 1e-12
        spent[code] = min(budget(acting), grants.sum() / REACH)
        assert np.all(acting.col("supported_until", "after")[mine] >= acting.quarter + 3)
    assert_spent(acting, spent)


# ============================================================================ coordination body
@pytest.mark.parametrize(("shifter", "param"), [
    ("coordination", "cross_border"), ("matching", "matching"),
    ("information", "information")],
    ids=["coordination_body-cross_border", "coordination_body-matching",
         "coordination_body-information"])
def test_coordination_body_moves_its_shifters(shifter, param):
    """Both governments run it with full coordination: the cross-border lever at full strength
    (x coordination 1), each lever times the implementation quality, in both countries."""
    acting = acted(scenario("coordination_body"), "coordination_body", 2)
    expected = acting.policy[param] * REACH  # coordination 1, both governments
    np.testing.assert_allclose(acting.shifter(shifter), [expected, expected], rtol=1e-12)
    assert expected > 0


def test_coordination_body_spending():
    acting = acted(scenario("coordination_body"), "coordination_body", 2)
    cost = budget(acting, "operating_cost")
    assert_spent(acting, {"AZ": cost, "BY": cost})


# ============================================================================ admin barriers
def test_admin_barriers_reform_the_approval_offices_by_the_phased_share():
    """In quarter 3 of an 8-quarter phase-in, 3/8 of the procedure cut and of the added
    capacity (times implementation) reach the approval offices; the barrier index itself is
    left to the offices' queues (sim.phases.approvals), not written by the policy."""
    acting = acted(scenario("admin_barriers"), "admin_barriers", 3)
    p = acting.policy
    done = REACH * 3 / p["phase_in"]
    np.testing.assert_allclose(acting.after["country_arrays", "approval_procedures"],
                               np.full(2, 1.0 - p["procedure_cut"] * done), rtol=1e-12)
    np.testing.assert_allclose(acting.after["country_arrays", "approval_capacity"],
                               np.full(2, p["capacity"] * done), rtol=1e-12)
    np.testing.assert_array_equal(acting.after["country_arrays", "admin_barrier"],
                                  acting.before["country_arrays", "admin_barrier"])
    assert done > 0 and p["procedure_cut"] > 0 and p["capacity"] > 0


def test_admin_barriers_spending():
    acting = acted(scenario("admin_barriers"), "admin_barriers", 3)
    cost = budget(acting, "operating_cost")
    assert_spent(acting, {"AZ": cost, "BY": cost})


# ============================================================================ SME subsidy
def subsidised() -> tuple[Acted, np.ndarray]:
    acting = acted(scenario("sme_subsidy"), "sme_subsidy", 1)
    assert not acting.own_before["recipients"]
    return acting, acting.rows_of(acting.own_after["recipients"])


def asked(acting: Acted, rows: np.ndarray) -> np.ndarray:
    p = acting.policy
    return np.minimum(p["grant_share"] * p["project_size"] * acting.col("capital")[rows],
                      p["max_grant"])


def test_sme_subsidy_grants():
    """Each winner's grant is its ask: grant share x project size x equipment, at most the
    largest grant."""
    acting, won = subsidised()
    assert_added(acting, "grant", won, asked(acting, won))


def test_sme_subsidy_funded_projects():
    """Each winner invests its grant plus its co-funding: the grant / grant share."""
    acting, won = subsidised()
    assert_added(acting, "funded_project", won, asked(acting, won) / acting.policy["grant_share"])


def test_sme_subsidy_spending():
    """Only SMEs win; grants stay within what arrives of the budget; each government spends
    its grants / implementation."""
    acting, won = subsidised()
    sme = (acting.col("employees") < 250) & ~acting.col("state_owned")
    assert sme[won].all()
    spent = {}
    for code in CODES:
        grants = asked(acting, country_rows(acting, won, code)).sum()
        assert 0 < grants <= budget(acting) * REACH
        spent[code] = min(budget(acting), grants / REACH)
    assert_spent(acting, spent)


# ============================================================================ tax break
TAX_BREAK = scenario("tax_break", target="innovative", profit_relief=0.9, vat_relief=0.3,
                     property_relief=0.7, import_vat_relief=0.5)


@pytest.mark.parametrize("relief", list(RELIEF_COLUMNS),
                         ids=[f"tax_break-{r.removesuffix('_relief')}" for r in RELIEF_COLUMNS])
def test_tax_break_relieves_the_targeted_firms(relief):
    """Firms with R&D of at least 1% of sales (x the R&D scale) get each relief (the larger of
    theirs and the break's); no other firm's relief moves."""
    acting = acted(TAX_BREAK, "tax_break", 2)
    column = RELIEF_COLUMNS[relief]
    share = acting.policy[relief]
    who = acting.col("rd_intensity") >= 0.01 * acting.model.rd_scale
    before, after = acting.col(column), acting.col(column, "after")
    assert who.sum() >= 5 and (before[who] < share).any()
    np.testing.assert_array_equal(after[who], np.maximum(before[who], share))
    np.testing.assert_array_equal(after[~who], before[~who])


# ============================================================================ venture fund
def funded() -> tuple[Acted, np.ndarray]:
    acting = acted(scenario("venture_fund"), "venture_fund", 2)
    return acting, acting.rows_of(acting.own_after["portfolio"] - acting.own_before["portfolio"])


def test_venture_fund_raises_the_spinoff_rate():
    acting = acted(scenario("venture_fund"), "venture_fund", 2)
    boost = acting.policy["spinoff_boost"] * REACH
    np.testing.assert_allclose(acting.shifter("spinoff"), [boost, boost], rtol=1e-12)
    assert boost > 0


@pytest.mark.parametrize("column", ["grant", "funded_project"],
                         ids=["venture_fund-equipment_grant", "venture_fund-equipment_project"])
def test_venture_fund_half_of_a_deal_buys_equipment(column):
    acting, won = funded()
    assert_added(acting, column, won, acting.policy["deal_size"] / 2)


def test_venture_fund_half_of_a_deal_is_cash():
    acting, won = funded()
    assert_added(acting, "policy_cash", won, acting.policy["deal_size"] / 2)


def test_venture_fund_finances_rd_without_setting_it():
    """Half of each deal is equity for R&D that the firm spends over the round's runway
    (a plan of deal / 2 / RUNWAY_QUARTERS a quarter); no R&D intensity is written."""
    from sim.policies.venture_fund import DEAL_PARTS, RUNWAY_QUARTERS

    acting, won = funded()
    deal = acting.policy["deal_size"] / DEAL_PARTS
    np.testing.assert_allclose(acting.delta("vc_rd")[won], deal, rtol=1e-12)
    np.testing.assert_allclose(acting.col("vc_rd_pace", "after")[won],
                               acting.col("vc_rd", "after")[won] / RUNWAY_QUARTERS, rtol=1e-12)
    np.testing.assert_array_equal(acting.col("rd_intensity", "after"), acting.col("rd_intensity"))
    others = np.setdiff1d(np.arange(acting.ids.size), won)
    np.testing.assert_array_equal(acting.delta("vc_rd")[others], 0.0)


def test_venture_fund_deals_and_spending():
    """Young innovative firms only; as many deals as the budget pays for; each government
    spends the deals' money."""
    acting, won = funded()
    p = acting.policy
    young = acting.quarter - acting.col("born") <= p["max_age"]
    innovative = acting.col("spinoff") | (acting.col("rd_intensity")
                                          > 0.005 * acting.model.rd_scale)
    assert (young & innovative)[won].all()
    spent = {}
    for code in CODES:
        n = country_rows(acting, won, code).size
        assert n == math.floor(budget(acting) * REACH / p["deal_size"] + 1e-9)
        spent[code] = min(budget(acting), p["deal_size"] * n / REACH)
    assert_spent(acting, spent)


# ============================================================================ parks
def national_reliefs(code: str) -> dict[str, float]:
    park = next(p for p in COUNTRY_DATA["parks"] if p["country"] == code
                and p["kind"] == "industrial")
    return {k: country_value_of(park[k]) for k in RELIEF_COLUMNS}


def new_parks(acting: Acted) -> list[Any]:
    return [p for p in acting.model.parks if p.name.startswith("New ")]


@pytest.mark.parametrize("kind", ["industrial_park", "technopark"])
def test_a_new_park_opens_with_its_slots_and_services(kind):
    """At the start quarter each government opens one park: slots x the population scale,
    services x implementation (technopark: hosted by the country's strongest university)."""
    acting = acted(scenario(kind), kind, 1)
    p = acting.policy
    parks = new_parks(acting)
    assert sorted(park.country for park in parks) == list(CODES)
    for park in parks:
        assert park.capacity == round(p["capacity"] * SCALE)
        assert park.services == pytest.approx(p["services"] * REACH, rel=1e-12)
        if kind == "technopark":
            unis = [u for u in acting.model.universities if u.country == park.country
                    and u.technopark in (-1, park.index)]  # not hosting another park
            assert park.host == max(unis, key=lambda u: u.research).unique_id


@pytest.mark.parametrize("kind", ["industrial_park", "technopark"])
def test_a_new_park_books_set_up_and_operation(kind):
    acting = acted(scenario(kind), kind, 1)
    cost = budget(acting, "setup_cost") + budget(acting, "operating_cost")
    assert_spent(acting, {"AZ": cost, "BY": cost})


def test_industrial_park_draws_smes_while_it_has_room():
    acting = acted(scenario("industrial_park"), "industrial_park", 1)
    extra = acting.policy["sme_attraction"] * REACH
    np.testing.assert_allclose(acting.shifter("entry"), [extra, extra], rtol=1e-12)
    assert extra > 0


TECHNOPARK = scenario("technopark", profit_relief=0.9, vat_relief=0.2, property_relief=0.6,
                      import_vat_relief=0.7)


INDUSTRIAL_CUSTOM = scenario("industrial_park", regime="custom", profit_relief=0.8,
                             vat_relief=0.4, property_relief=0.5, import_vat_relief=0.9)
PARK_SCENARIOS = {"industrial_park": scenario("industrial_park"),
                  "industrial_park_custom": INDUSTRIAL_CUSTOM, "technopark": TECHNOPARK}


@pytest.mark.parametrize(("case", "relief"), [(k, r) for k in PARK_SCENARIOS
                                              for r in RELIEF_COLUMNS],
                         ids=[f"{k}-{r.removesuffix('_relief')}" for k in PARK_SCENARIOS
                              for r in RELIEF_COLUMNS])
def test_residents_of_a_new_park_get_its_regime(case, relief):
    """Residents admitted from the next quarter get the park's reliefs (industrial park: the
    country's industrial-park law, which forgives no VAT, or its own custom regime;
    technopark: its own), before any policy acts."""
    kind = case.removesuffix("_custom")
    acting = acted(PARK_SCENARIOS[case], kind, 3)
    column = RELIEF_COLUMNS[relief]
    relieved = 0
    for park in new_parks(acting):
        mine = np.flatnonzero(acting.col("park") == park.index)
        share = national_reliefs(park.country)[relief] if case == "industrial_park" \
            else acting.policy[relief]
        np.testing.assert_array_equal(acting.col(column)[mine], share)
        relieved += mine.size * (share > 0)
    assert relieved >= 2 or relief == "vat_relief" and case == "industrial_park"


def test_technopark_ties_residents_to_the_host_university():
    """The operator admits firms with R&D of at least the entry rule or spin-offs, and each
    gets an education tie to the host university."""
    acting = acted(TECHNOPARK, "technopark", 3)
    g = acting.model.graph
    found = 0
    for park in new_parks(acting):
        mine = np.flatnonzero(acting.col("park") == park.index)
        found += mine.size
        ok = (acting.col("rd_intensity")[mine] >= acting.policy["min_rd_intensity"]) \
            | acting.col("spinoff")[mine]
        assert ok.all()
        for i in acting.ids[mine]:
            assert g.has_edge(int(i), park.host)
    assert found >= 2


# ============================================================================ infrastructure
def stock_after(quarters: int, amount: float, depreciation: float) -> float:
    stock = 0.0
    for _ in range(quarters):
        stock = (stock + amount) * (1.0 - depreciation)
    return stock


def infrastructure(quarter: int = 3) -> tuple[Acted, float, float]:
    acting = acted(scenario("infrastructure"), "infrastructure", quarter)
    p = acting.policy
    scale = p["scale"] * SCALE
    stock = stock_after(quarter, budget(acting) * REACH, p["depreciation"])
    return acting, stock, scale


@pytest.mark.parametrize(("column", "cut", "key"), [(1, "partner_cut", "trade_cost_partner"),
                                                    (2, "third_cut", "trade_cost_third")],
                         ids=["infrastructure-partner_costs", "infrastructure-third_costs"])
def test_infrastructure_cuts_trade_costs(column, cut, key):
    """Cross-border costs follow both stocks (x coordination 1), third markets the own stock."""
    acting, stock, scale = infrastructure()
    reach = 1.0 - math.exp(-(2 * stock / 2 if column == 1 else stock) / scale)
    base = np.array([country_value(c, key) for c in CODES])
    np.testing.assert_allclose(acting.after["country_arrays", "trade_cost"][:, column],
                               base * (1.0 - acting.policy[cut] * reach), rtol=1e-12)
    assert reach > 0


def test_infrastructure_removes_late_deliveries_of_its_country():
    """Each quarter the share of late deliveries removed for each country's suppliers is the
    logistics effect of its stock, delivery gain x (1 - exp(-stock / scale)); no firm's own
    delivery discipline moves."""
    acting, stock, scale = infrastructure()
    p = acting.policy
    effect = p["delivery_gain"] * (1.0 - math.exp(-stock / scale))
    np.testing.assert_allclose(acting.after["country_arrays", "logistics"], [effect, effect],
                               rtol=1e-12)
    assert effect > 0
    np.testing.assert_array_equal(acting.col("delivery", "after"), acting.col("delivery"))


def test_infrastructure_spending():
    """The whole budget is spent (what does not arrive is lost on the way)."""
    acting, _, _ = infrastructure()
    assert_spent(acting, {"AZ": budget(acting), "BY": budget(acting)})


# ============================================================================ property reform
PROPERTY = scenario("property_reform", phase_in=2)


def test_property_reform_privatises_the_smallest_state_firms():
    """In the first of two quarters each government privatises half of its share of its
    state firms, the smallest (by workers) first."""
    acting = acted(PROPERTY, "property_reform", 1)
    p = acting.policy
    state0, state1 = acting.col("state_owned"), acting.col("state_owned", "after")
    count = 0
    for k, code in enumerate(CODES):
        rows = np.flatnonzero(state0 & (acting.col("country") == k))
        due = math.floor(p["share"] * rows.size * 1 / 2 + 1e-9)
        smallest = rows[np.argsort(acting.col("employees")[rows], kind="stable")[:due]]
        assert not state1[smallest].any(), code
        assert state1[np.setdiff1d(rows, smallest)].all(), code
        count += due
    assert count >= 2
    np.testing.assert_array_equal(state1 & ~state0, False)


def test_property_reform_spending():
    acting = acted(PROPERTY, "property_reform", 1)
    state0, state1 = acting.col("state_owned"), acting.col("state_owned", "after")
    cost = budget(acting, "cost")
    assert_spent(acting, {code: cost * math.floor(
        acting.policy["share"] * (state0 & (acting.col("country") == k)).sum() / 2 + 1e-9)
        for k, code in enumerate(CODES)})
    assert (state0 & ~state1).sum() >= 2


# ============================================================================ export promotion
EXPORT = scenario("export_promotion", consortium_size=0)
CONSORTIA = scenario("export_promotion", consortium_size=3)


def campaigns(d: dict[str, Any], brands: bool = False) -> tuple[Acted, np.ndarray]:
    acting = acted(d, "export_promotion", 2, brands)
    new = {i for i, q in acting.own_after["last_campaign"].items() if q == acting.quarter}
    return acting, acting.rows_of(new)


def market_of(acting: Acted, rows: np.ndarray) -> np.ndarray:
    """Each winner's campaign market: 0 the partner country where it serves third countries
    only (the market it does not serve yet), else 1 (third countries)."""
    return np.where(acting.col("exp_third")[rows] & ~acting.col("exp_partner")[rows], 0, 1)


def test_export_promotion_gives_winners_a_year_of_campaign():
    """Each winner knows its campaign's market for a year (until the quarter three after
    this one), what the campaign spends on fairs and market research counts toward that
    market's entry cost, and it spends the rest on marketing this quarter; nobody else's
    campaign columns move."""
    acting, won = campaigns(EXPORT)
    p = acting.policy
    cost = p["campaign_cost"]
    n = acting.col("promo_until").size
    until = np.zeros(n)
    until[won] = acting.quarter + 3 - acting.col("promo_until")[won]
    np.testing.assert_array_equal(acting.delta("promo_until"), until)
    np.testing.assert_array_equal(acting.col("promo_market", "after")[won], market_of(acting, won))
    np.testing.assert_allclose(acting.col("entry_credit", "after")[won], cost * p["fair_share"])
    assert_added(acting, "marketing", won, cost * (1.0 - p["fair_share"]))
    others = np.setdiff1d(np.arange(n), won)
    for column in ("promo_market", "entry_credit"):
        np.testing.assert_array_equal(acting.delta(column)[others], 0)


def test_export_promotion_writes_no_sales_market_or_brand():
    """The campaign changes what winners know and pay, not what they sell or where: sales
    bases abroad, export-market flags and brands are untouched by the step (the firm-side
    rules act later in the quarter)."""
    acting, won = campaigns(EXPORT)
    assert won.size > 0
    for column in ("base_partner", "base_third", "exp_partner", "exp_third", "brand"):
        np.testing.assert_array_equal(acting.col(column, "after"), acting.col(column), column)


def test_export_promotion_winners_pay_their_share():
    acting, won = campaigns(EXPORT)
    p = acting.policy
    assert_added(acting, "policy_cash", won, -(1.0 - p["cost_share"]) * p["campaign_cost"])


def test_export_promotion_spending():
    acting, won = campaigns(EXPORT)
    p = acting.policy
    grant = p["cost_share"] * p["campaign_cost"]
    spent = {}
    for code in CODES:
        n = country_rows(acting, won, code).size
        assert n == math.floor(budget(acting) * REACH / grant + 1e-9)
        spent[code] = min(budget(acting), grant * n / REACH)
    assert_spent(acting, spent)


def consortia() -> tuple[Acted, np.ndarray, list[list[int]]]:
    """Winners and the consortia (rows, lead first) their new ties show."""
    acting, won = campaigns(CONSORTIA, brands=True)
    row = {int(i): r for r, i in enumerate(acting.ids)}
    groups: dict[int, list[int]] = {}
    for a, b, _ in acting.new_ties("export_consortium"):
        groups.setdefault(row[a], [row[a]]).append(row[b])
    return acting, won, list(groups.values())


def test_export_consortia_tie_winners_of_a_sector():
    """Winners of a sector (both countries together: full coordination) form consortia of at
    most ``consortium_size``, each member tied to the best-ranked one at strength 0.8."""
    acting, won, groups = consortia()
    sector = acting.col("sector")
    size = acting.policy["consortium_size"]
    expected = 0
    for s in np.unique(sector[won]):
        n = int((sector[won] == s).sum())
        expected += sum(len(c) - 1 for c in np.array_split(np.arange(n), range(size, n, size))
                        if len(c) >= 2)
    ties = acting.new_ties("export_consortium")
    assert len(ties) == expected >= 2
    assert all(s == 0.8 for _, _, s in ties)
    for g in groups:
        assert len(g) <= size and np.isin(g, won).all() and len(set(sector[g])) == 1


def test_export_consortia_pool_their_marketing_into_a_joint_brand():
    """Every member spends its consortium's pooled marketing on the joint brand: the group's
    size times one campaign's marketing; winners outside consortia spend their own."""
    acting, won, groups = consortia()
    p = acting.policy
    one = p["campaign_cost"] * (1.0 - p["fair_share"])
    expected = np.full(won.size, one)
    position = {r: i for i, r in enumerate(won.tolist())}
    assert groups and max(len(g) for g in groups) >= 2
    for g in groups:
        expected[[position[r] for r in g]] = one * len(g)
    assert_added(acting, "marketing", won, expected)


def test_export_consortia_members_save_on_their_campaign():
    acting, won, groups = consortia()
    p = acting.policy
    members = np.array(sorted({r for g in groups for r in g}))
    pays = np.full(won.size, p["campaign_cost"])
    pays[np.isin(won, members)] *= 1.0 - p["consortium_saving"]
    assert members.size and p["consortium_saving"] > 0
    assert_added(acting, "policy_cash", won, -np.maximum(pays - p["cost_share"]
                                                           * p["campaign_cost"], 0.0))


# ============================================================================ R&D co-funding
RND = scenario("rnd_cofunding")


def projects(quarter: int = 1) -> tuple[Acted, np.ndarray]:
    acting = acted(RND, "rnd_cofunding", quarter)
    members = [i for p in acting.own_after["projects"] for i in p.firms]
    assert len(members) == len(set(members))  # a firm is in one project at a time
    return acting, acting.rows_of(members)


@pytest.mark.parametrize(("column", "share"), [("rd_grant", True), ("rd_project", False)],
                         ids=["rnd_cofunding-grant", "rnd_cofunding-project_rd"])
def test_rnd_cofunding_funds_members_rd(column, share):
    """Each member spends ``member_rd`` on its project; the grant pays ``grant_share`` of it."""
    acting, members = projects()
    p = acting.policy
    assert_added(acting, column, members, p["member_rd"] * (p["grant_share"] if share else 1.0))


def test_rnd_cofunding_ties_new_projects():
    """A new project ties each member to its university and the members in a ring (R&D ties
    at strength 0.8), where no tie exists yet."""
    acting, _ = projects()
    new = {(min(a, b), max(a, b)) for a, b, _ in acting.new_ties("rnd")}
    expected = set()
    for p in acting.own_after["projects"]:
        expected |= {(min(a, b), max(a, b)) for a, b in p.pairs.tolist()}
    assert new and new <= expected
    assert len(new) >= 0.9 * len(expected)  # pairs already tied keep their tie
    assert all(s == 0.8 for _, _, s in acting.new_ties("rnd"))


def test_rnd_cofunding_keeps_project_ties_strong():
    """In a later quarter the running projects' ties, faded by last quarter's decay, are held
    at 0.8 (stronger ones keep their strength)."""
    acting, _ = projects(3)
    live, a, b = acting.before["ties", "_slots"]
    slot = {(min(x, y), max(x, y)): i for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(),
                                                                     strict=True)) if live[i]}
    slots = [slot[min(x, y), max(x, y)] for p in acting.own_before["projects"]
             for x, y in p.pairs.tolist() if (min(x, y), max(x, y)) in slot]
    s0 = acting.before["ties", "strength"][slots]
    s1 = acting.after["ties", "strength"][slots]
    assert len(slots) >= 10 and (s0 < 0.8).any()
    np.testing.assert_array_equal(s1, np.maximum(s0, 0.8))


def test_rnd_cofunding_spending():
    acting, members = projects()
    p = acting.policy
    grant = p["grant_share"] * p["member_rd"]
    assert_spent(acting, {code: min(budget(acting),
                                    grant * country_rows(acting, members, code).size / REACH)
                          for code in CODES})


# ============================================================================ subcontracting
def exchange() -> Acted:
    return acted(scenario("subcontracting_exchange"), "subcontracting_exchange", 2)


def test_subcontracting_exchange_raises_matching():
    acting = exchange()
    expected = acting.policy["matching"] * REACH
    np.testing.assert_allclose(acting.shifter("matching"), [expected, expected], rtol=1e-12)
    assert expected > 0


def test_subcontracting_exchange_forms_supply_ties():
    """Each proposed match is a supply tie from a supplier with free capacity in a sector
    that supplies the buyer's, to a buyer that imports most of its inputs."""
    acting = exchange()
    ties = acting.new_ties("supply")
    assert len(ties) >= 3
    row = {int(i): r for r, i in enumerate(acting.ids)}
    total, domestic = acting.col("inputs_total"), acting.col("inputs_domestic")
    sector = acting.col("sector")
    free = 1.0 - acting.col("sales_total") / np.maximum(acting.col("price"), 1e-12) \
        / np.maximum(acting.col("capacity"), 1e-12)
    supported = acting.col("supported_until", "after") >= acting.quarter
    for a, b, _ in ties:
        buyer, supplier = row[a], row[b]
        assert 1.0 - domestic[buyer] / total[buyer] > 0.5
        assert free[supplier] > 0.05 and SUPPLIES[sector[supplier], sector[buyer]]
        assert supported[buyer] and supported[supplier]


def test_subcontracting_exchange_spending():
    acting = exchange()
    cost = budget(acting, "operating_cost")
    assert_spent(acting, {"AZ": cost, "BY": cost})


# ============================================================================ vocational education
VOCATIONAL_EDUCATION = scenario("vocational_education")


def test_vocational_courses_train_the_pool_when_they_end():
    """The trainees bought in quarter 1 finish in quarter 1 + lag: that many workers with
    general schooling join the vocational group, with their gap to full skill closed by
    ``skill_gain``; trainees beyond the general group's unemployed retrain members of the
    vocational group, whose gap closes by the same share (the rule fires on seed 1 in BY)."""
    acting = acted(VOCATIONAL_EDUCATION, "vocational_education", 5)
    p = acting.policy
    assert p["lag"] == 4
    due = [c for c in acting.own_before["courses"] if c[0] == acting.quarter]
    assert len(due) == 2
    share0 = acting.before["country_arrays", "pool_share"]
    level0 = acting.before["country_arrays", "pool_level"]
    share1 = acting.after["country_arrays", "pool_share"]
    level1 = acting.after["country_arrays", "pool_level"]
    retrained = []
    for _, k, trainees in due:
        u = acting.unemployed[k]
        assert trainees > 0
        moved = min(trainees / u, share0[k, GENERAL])  # shares of the unemployed
        again = min(trainees / u - moved, share0[k, VOCATIONAL])
        retrained.append(again > 0)
        assert share1[k, GENERAL] == pytest.approx(share0[k, GENERAL] - moved, rel=1e-9,
                                                   abs=1e-12)
        assert share1[k, VOCATIONAL] == pytest.approx(share0[k, VOCATIONAL] + moved, rel=1e-9)
        gain = p["skill_gain"]
        skill = level0[k, GENERAL] + gain * (1.0 - level0[k, GENERAL])
        raised = level0[k, VOCATIONAL] + gain * (1.0 - level0[k, VOCATIONAL])
        expected = ((share0[k, VOCATIONAL] - again) * level0[k, VOCATIONAL] + again * raised
                    + moved * skill) / (share0[k, VOCATIONAL] + moved)
        assert level1[k, VOCATIONAL] == pytest.approx(expected, rel=1e-9)
    assert retrained == [False, True]  # AZ's course within its general group, BY's beyond


def test_vocational_education_raises_graduates_skill():
    """Joint programmes raise every university's graduates' skill by graduate_gain / 4 x
    implementation a quarter."""
    acting = acted(VOCATIONAL_EDUCATION, "vocational_education", 2)
    rise = acting.policy["graduate_gain"] / 4 * REACH
    changed = 0
    for uni in acting.model.universities:
        key = ("universities", f"graduate_skill {uni.unique_id}")
        assert acting.after[key] == pytest.approx(acting.before[key] + rise, rel=1e-12)
        changed += 1
    assert changed >= 2 and rise > 0


def test_vocational_education_seats_and_spending():
    """Seats are bought with what arrives of the budget (at most max_share of an applicant's
    workers); each government spends the seats bought / implementation."""
    acting = acted(VOCATIONAL_EDUCATION, "vocational_education", 2)
    p = acting.policy
    seat = p["cost_per_trainee"] / 1000.0
    bought = {k: t for q, k, t in acting.own_after["courses"]
              if q == acting.quarter + p["lag"]}
    spent = {}
    for k, code in enumerate(CODES):
        assert 0 < bought[k] <= budget(acting) * REACH / seat * (1 + 1e-12)
        spent[code] = min(budget(acting), bought[k] * seat / REACH)
    assert_spent(acting, spent)


# ============================================================================ adaptive monitoring
def review() -> Acted:
    return acted(scenario("adaptive_monitoring", "programmes_adaptive"), "adaptive_monitoring",
                 4)


def test_adaptive_monitoring_moves_budget_toward_the_best_return():
    """At the first review the weights follow the measured returns in rank (monitoring 1),
    move, stay within their limits and keep the declared total."""
    acting = review()
    p = acting.policy
    quarter, weights, returns = acting.own_after["log"][-1]
    assert quarter == acting.quarter and not acting.own_before["log"]
    labels = list(weights)
    w = np.array([weights[x] for x in labels])
    r = np.array([returns[x] for x in labels])
    budgets = np.array([next(q for q in acting.model.policies if q.label == x)["budget"]
                        for x in labels])
    assert np.all(np.diff(w[np.argsort(r, kind="stable")]) >= -1e-12)
    assert np.abs(w - 1.0).max() > 0.05
    assert ((p["min_weight"] <= w) & (w <= p["max_weight"])).all()
    assert (budgets * w).sum() == pytest.approx(budgets.sum(), rel=1e-9)
    assert acting.after["policies", "weight"][:-1] == tuple(w)


def test_adaptive_monitoring_restarts_each_programmes_measurement():
    acting = review()
    before = acting.before["policies", "recipients"]
    after = acting.after["policies", "recipients"]
    assert sum(len(r) for r in before) > 0 and all(len(r) == 0 for r in after)
    assert any(s > 0 for s in acting.before["policies", "spent"])
    assert all(s == 0 for s in acting.after["policies", "spent"])


def test_adaptive_monitoring_spending():
    acting = review()
    cost = budget(acting, "operating_cost")
    assert_spent(acting, {"AZ": cost, "BY": cost})


def test_every_instrument_has_channel_tests():
    """Each registered instrument is named by the channel tests above."""
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    assert all(f'"{name}"' in source for name in REGISTRY)
