"""The three policies against the baseline with the same seeds: fiscal bookkeeping, who gets
the support, and the direction and rough size of the effects.

The bundled policy scenarios are read from ``scenarios/*.toml`` and run at ``firm_scale = 0.3``
for 16 quarters; bounds come from measurements over seeds 1-8 (noted beside each check).
Budgets and costs are declared for the default population and scale with ``firm_scale``
(per-firm amounts such as ``max_grant`` do not), so at this scale each government spends 0.3
of the declared amounts and the support per firm is that of the default population.
The runs that check the governments' books have no bail-outs of state firms (``soft_budget``
0), so what the governments spend is the policies' spending (bail-outs:
tests/test_state_firms.py); the runs that measure effects keep the default.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from conftest import (
    SEEDS,
    SMALL,
    assert_rel_between,
    bundled_spec,
    describe,
    fresh_model,
    indicator,
    paired,
    pooled,
    run_spec,
    scenario,
    series,
)
from conftest import spec as any_spec

from sim import ScenarioError
from sim.phases.investment import fdi_volume, fdi_weights
from sim.policies import REGISTRY
from sim.policies.sme_subsidy import SmeSubsidy
from sim.policies.tax_break import TaxBreak
from sim.policies.technopark import Technopark

T = 16
#: No bail-outs: the governments' spending is the policies'.
NO_BAILOUTS = {"soft_budget": 0.0}


def spec(**values):
    """A scenario dict as conftest's ``spec``, without bail-outs (for the books)."""
    return any_spec(**{**values, "model": {**NO_BAILOUTS, **values.get("model", {})}})


def bundled_policy(stem):
    """A bundled scenario as a dict (conftest's ``bundled_spec``), without bail-outs (for the
    books)."""
    d = bundled_spec(stem)
    d["model"].update(NO_BAILOUTS)
    return d


BASE = bundled_spec("baseline")
TAX_BREAK = bundled_spec("tax_break")
SME_SUBSIDY = bundled_spec("sme_subsidy")
TECHNOPARK = bundled_spec("technopark")
SME_SUBSIDY_BOOKS = bundled_policy("sme_subsidy")
TECHNOPARK_BOOKS = bundled_policy("technopark")


def ind(name, agg="last", country="JOINT"):
    return lambda m: indicator(m, name, country, agg)


def investment_of(d, seed, steps, who):
    """Total investment of the firms that ``who(model)`` selects at the start of each quarter
    (followed by id through the quarter), and of all firms; also total grants paid."""
    model = fresh_model(d, seed)
    chosen_total = all_total = grants = 0.0
    for _ in range(steps):
        ids = model.firms.ids[who(model)].copy()
        model.step()
        f = model.firms
        mask = np.isin(f.ids, ids)
        chosen_total += float(f["investment"][mask].sum())
        all_total += float(f["investment"].sum())
        grants += float(f["grant"].sum())
    return chosen_total, all_total, grants


def uni_firm_ties(model, country: int) -> int:
    """Edges between a firm of ``country`` and a university."""
    g, n = model.graph, 0
    for a, b in g.edges():
        kinds = {g.nodes[a]["kind"]: a, g.nodes[b]["kind"]: b}
        if set(kinds) == {"firm", "university"} and g.nodes[kinds["firm"]]["country"] == country:
            n += 1
    return n


def test_registry_holds_the_three_policies():
    assert {"sme_subsidy", "tax_break", "technopark"} <= set(REGISTRY)
    assert REGISTRY["sme_subsidy"] is SmeSubsidy
    assert REGISTRY["tax_break"] is TaxBreak
    assert REGISTRY["technopark"] is Technopark


def test_policy_window_must_be_ordered():
    with pytest.raises(ScenarioError, match=r"policies\[0\]\.end"):
        scenario(spec(policies=[{"type": "technopark", "start": 9, "end": 5}]))


# ============================================================================ tax break
def test_tax_break_lowers_taxes_collected():
    # measured -6.7..-8.3% over 16 quarters, seeds 1-8 (VAT, which the default break does not
    # relieve, is most of the taxes: the rate on each home market's final sales)
    rows = paired(BASE, TAX_BREAK, ind("tax_collected", "sum"), T)
    assert_rel_between(rows, -0.15, -0.04, "tax_break: taxes collected")


def net_taxes(model) -> float:
    """Taxes collected less VAT refunded over quarters 1..t."""
    return indicator(model, "tax_collected", agg="sum") - indicator(model, "vat_refunds",
                                                                    agg="sum")


#: The bundled tax break without its import-VAT relief on equipment.
TAX_BREAK_NO_IMPORT_VAT = copy.deepcopy(TAX_BREAK)
TAX_BREAK_NO_IMPORT_VAT["policies"][0]["import_vat_relief"] = 0.0


@pytest.mark.parametrize(("treated", "lo", "hi"), [
    # profit and property tax: measured ratio 1.04-1.08, foregone x3.2-x9.4 (seeds 1-8)
    (TAX_BREAK_NO_IMPORT_VAT, 0.8, 1.4),
    # with the import-VAT relief: measured 1.83-1.93, foregone x4.9-x17 (seeds 1-8)
    (TAX_BREAK, 1.4, 2.6),
], ids=["without_import_vat_relief", "default"])
def test_tax_break_foregone_taxes_match_the_lost_revenue(treated, lo, hi):
    """Taxes foregone rise from the parks' few reliefs to about the revenue lost; import VAT
    forgiven on equipment counts as foregone at the border, but the government recoups it a
    quarter later (no credit against the firm's VAT), so with that relief the foregone taxes
    exceed the revenue lost."""
    col = paired(BASE, treated, net_taxes, T)
    fgn = paired(BASE, treated, ind("tax_foregone", "sum"), T)
    for (seed, c0, c1), (_, f0, f1) in zip(col, fgn, strict=True):
        assert f1 > 3.0 * f0, f"seed {seed}: foregone {f0:.4g} -> {f1:.4g}"
        ratio = (f1 - f0) / (c0 - c1)
        assert lo <= ratio <= hi, (
            f"seed {seed}: extra foregone {f1 - f0:.4g} vs lost collection {c0 - c1:.4g}")


def test_tax_break_raises_investment_of_targeted_firms():
    """Cluster members (firms with a cooperation tie at the start of the quarter) invest more:
    measured +7.1..+18.3% on seeds 1-8 (without the profit-tax relief -1.5..+4.5%); total
    investment +3.9..+8.7% (without the profit-tax relief -0.6..+2.7%)."""
    target = TaxBreak(country="both", target="cluster_members").targeted
    rows_t, rows_all = [], []
    for seed in SEEDS:
        b_t, b_all, _ = investment_of(BASE, seed, T, target)
        a_t, a_all, _ = investment_of(TAX_BREAK, seed, T, target)
        rows_t.append((seed, b_t, a_t))
        rows_all.append((seed, b_all, a_all))
    assert_rel_between(rows_t, 0.04, 0.3, "tax_break: investment of targeted firms")
    assert_rel_between(rows_all, 0.02, 0.2, "tax_break: total investment")


def test_tax_break_draws_fdi_to_relieved_firms():
    """Investors favour relieved firms: the share of investors' weight on firms with a
    profit-tax relief at quarter 16 measured +211..+463% on seeds 1-8 (0.19-0.29 -> about
    0.9; without the profit-tax relief -1..+3%). A break in both countries leaves the two
    countries' total at the data value."""
    def relieved(m):
        w = fdi_weights(m)
        return float(w[m.firms["relief_profit"] > 0].sum() / w.sum())

    assert_rel_between(paired(BASE, TAX_BREAK, relieved, T), 1.0, 6.0,
                       "tax_break: investors' weight on relieved firms")


def test_tax_break_relieves_exactly_the_targeted_firms():
    d = spec(policies=[{"type": "tax_break", "target": "cluster_members", "country": "AZ"}],
             scale=0.2)
    model = fresh_model(d, seed=4)
    policy = model.policies[0]
    for _ in range(6):
        f = model.firms
        targeted = set(f.ids[policy.targeted(model)].tolist())
        before = set(f.ids.tolist())
        model.step()
        f = model.firms
        ids = f.ids.tolist()
        for row, fid in enumerate(ids):
            if fid not in before:
                continue  # entered this quarter
            if fid in targeted:
                assert f["relief_profit"][row] == 1.0
                assert f["relief_property"][row] == 1.0
                assert f["relief_import_vat"][row] == 1.0
                assert f["country"][row] == 0
            elif f["park"][row] < 0:
                assert f["relief_profit"][row] == 0.0, "an untargeted firm got the relief"
    assert model.governments["BY"].spent_total == 0.0


# ============================================================================ SME subsidy
def test_sme_subsidy_spends_its_budget_each_quarter():
    """Each paying government spends its budget less at most one unfunded project (the
    competition stops at the first project that does not fit): (budget - max_grant, budget].
    The declared USD 2 m a quarter is for the default population: at firm_scale 0.3 the budget
    is USD 0.6 m; max_grant, a per-firm amount, stays USD 0.3 m."""
    for seed in SEEDS:
        model = run_spec(SME_SUBSIDY_BOOKS, seed, T)
        budget, max_grant = 2.0 * SMALL, 0.3
        assert math.isclose(model.policies[0].budget(model), budget, rel_tol=1e-12)
        for code in ("AZ", "BY"):
            spent = series(model, "budget_spent", code)
            assert spent[0] == 0.0
            assert np.all(spent[1:] <= budget + 1e-12), spent
            assert np.all(spent[1:] > budget - max_grant), spent
            gov = model.governments[code]
            assert math.isclose(gov.spent_by_policy["sme_subsidy"], spent.sum(), rel_tol=1e-12)
        joint = series(model, "budget_spent", "JOINT")[1:]
        assert np.all((2 * (budget - max_grant) < joint) & (joint <= 2 * budget + 1e-12))


def test_sme_subsidy_grants_reach_firms_per_implementation_rule():
    """With implementation 0.5 half the money reaches firms and the budget is still spent.
    The declared USD 5 m a quarter is USD 1 m at firm_scale 0.2: more than two grants of the
    largest size (USD 0.3 m) fit in what reaches firms, so the lower bound can fail."""
    d = spec(policies=[{"type": "sme_subsidy", "budget": 5.0}], scale=0.2,
             risks={"implementation": 0.5})
    model = fresh_model(d, seed=2)
    budget = model.policies[0].budget(model)
    assert math.isclose(budget, 5.0 * 0.2, rel_tol=1e-12)
    for _ in range(model.policies[0].delay):  # weak implementation: the start slips
        model.step()
    for _ in range(8):
        model.step()
        f = model.firms
        for code in ("AZ", "BY"):
            gov = model.governments[code]
            grants = float(f["grant"][f["country"] == gov.country_index].sum())
            assert gov.spent_this_step <= budget + 1e-12
            assert gov.spent_this_step > budget - 0.3 / 0.5
            # winners that exit in the same quarter take their grant with them
            assert grants <= 0.5 * gov.spent_this_step + 1e-9
            assert grants >= 0.5 * gov.spent_this_step - 0.3


def test_sme_subsidy_only_funds_smes_of_the_paying_country():
    d = spec(policies=[{"type": "sme_subsidy", "country": "BY"}], scale=0.2)
    model = fresh_model(d, seed=3)
    funded = 0
    for _ in range(6):
        sme_ids = set(model.firms.ids[model.firms.is_sme()].tolist())
        model.step()
        f = model.firms
        # (a winner that exits in the same quarter takes its grant with it)
        winners = np.flatnonzero(f["grant"] > 0)
        funded += winners.size
        assert (f["country"][winners] == 1).all()
        assert set(f.ids[winners].tolist()) <= sme_ids
        # grants are earmarked: a recipient invests at least its grant
        assert (f["investment"][winners] >= f["grant"][winners] - 1e-12).all()
    assert funded >= 6  # measured 9 winners over the 6 quarters
    assert model.governments["AZ"].spent_total == 0.0
    assert model.governments["BY"].spent_by_policy["sme_subsidy"] > 0.0


def test_sme_subsidy_raises_support_share():
    # measured +27..+50% on seeds 1-8
    rows = paired(BASE, SME_SUBSIDY, ind("support_share", "mean"), T)
    assert_rel_between(rows, 0.15, 0.8, "sme_subsidy: support share")


def test_sme_subsidy_raises_sme_investment():
    """SMEs (at the start of each quarter) invest more: measured +10.9..+17.2% on seeds 1-8
    (without the funded projects -0.4..+0.7%, and the support share -1..+2%). Funded projects
    (grant plus the firm's co-funding, twice the grant at grant_share 0.5) come on top of the
    firm's own plans, so total investment rises by 1.3-2.4 times the grants paid (measured:
    below 2 where co-funding displaces own plans through cash, above 2 where the funded firms'
    growth brings more own investment)."""
    rows, add = [], []
    for seed in SEEDS:
        b_s, b_all, _ = investment_of(BASE, seed, T, lambda m: m.firms.is_sme())
        a_s, a_all, grants = investment_of(SME_SUBSIDY, seed, T, lambda m: m.firms.is_sme())
        rows.append((seed, b_s, a_s))
        add.append((seed, (a_all - b_all) / grants))
    assert_rel_between(rows, 0.05, 0.3, "sme_subsidy: SME investment")
    for seed, ratio in add:
        assert 1.0 <= ratio <= 3.0, f"seed {seed}: extra investment / grants = {ratio:.3f}"


def winners_knowledge(noise: float, seed: int, steps: int = 8) -> tuple[float, float]:
    """Mean knowledge of grant recipients and of all SMEs, averaged over quarters."""
    d = spec(policies=[{"type": "sme_subsidy"}], risks={"mistargeting": noise})
    model = fresh_model(d, seed)
    won, smes = [], []
    for _ in range(steps):
        model.step()
        f = model.firms
        won.append(f["knowledge"][f["grant"] > 0].mean())
        smes.append(f["knowledge"][f.is_sme()].mean())
    return float(np.mean(won)), float(np.mean(smes))


def test_sme_subsidy_selection_noise_mistargets():
    """Without noise the competition funds innovative SMEs (winners' knowledge 77-176% above
    the SME mean); with mistargeting 3 the winners are close to a random draw (measured
    -39..-63% knowledge versus noise-free winners)."""
    rows = []
    for seed in SEEDS:
        clean, sme_mean = winners_knowledge(0.0, seed)
        noisy, _ = winners_knowledge(3.0, seed)
        assert clean > 1.2 * sme_mean, f"seed {seed}: winners {clean:.3f}, SMEs {sme_mean:.3f}"
        rows.append((seed, clean, noisy))
    assert_rel_between(rows, -0.85, -0.12, "sme_subsidy: knowledge of winners, noise 0 -> 3")


# ============================================================================ technopark
TECHNOPARK_AZ = any_spec(policies=[{"type": "technopark", "country": "AZ", "start": 1}])


TECHNOPARK_BY = any_spec(policies=[{"type": "technopark", "country": "BY", "start": 1}])


def test_technopark_raises_university_ties_in_its_country_only():
    """Residents of a new BY technopark get a tie to its host university, but BY firms'
    ties with universities move by -3..+6 on seeds 1-8 (+1.25 on average; the park full, 6
    residents, on every seed): universities' tie capacity is shared, so residents' ties
    crowd out others, and other education ties fade or form by chance. AZ firms' ties move by
    -3..+5, +0.4 on average: BY firms that work with their technopark's host university drop
    some ties with AZ universities, and AZ firms' searches for a university run in another
    order once the number of BY searchers changes. Checked on the means over seeds 1-8: BY
    gains, and by more than AZ moves. (In AZ few firms meet the entry rule at the calibrated
    R&D intensities: the AZ park holds 0-1 residents after 16 quarters at this scale.)"""
    seeds = range(1, 9)
    by = paired(BASE, TECHNOPARK_BY, lambda m: uni_firm_ties(m, 1), T, seeds=seeds)
    az = paired(BASE, TECHNOPARK_BY, lambda m: uni_firm_ties(m, 0), T, seeds=seeds)
    by_gain = np.mean([a - b for _, b, a in by])
    assert by_gain >= 0.5, describe(by)
    az_change = np.mean([a - b for _, b, a in az])
    assert abs(az_change) < by_gain, f"BY {describe(by)}; AZ {describe(az)}"


def supported_firms(country: str):
    """Mean number of supported firms of a country (support share x firms) over the run."""
    def metric(model):
        return float((series(model, "support_share", country)
                      * series(model, "firms", country)).mean())

    return metric


def test_technopark_raises_support_share():
    # both countries (bundled scenario): measured +28.9..+36.3% on seeds 1-8 (parks of one slot
    # +2..+9%). AZ only: the AZ park fills slowly
    # (few AZ firms meet the 1% R&D entry rule or are spin-offs: 0-1 of 6 slots after 16
    # quarters) and its host's spin-offs add firms, so the AZ share moved -5.6..-2.6% over 16
    # quarters and -0.7..+5.9% over 32; the number of supported AZ firms over 32 quarters (about
    # 5 of them) is checked pooled over seeds 1-8, measured +5.1% (-11.4..+24.2% by seed;
    # +7.8% before approval offices had queues), so only its direction is bounded.
    rows = paired(BASE, TECHNOPARK, ind("support_share", "mean"), T)
    assert_rel_between(rows, 0.15, 0.7, "technopark: support share")
    rows = paired(BASE, TECHNOPARK_AZ, supported_firms("AZ"), 2 * T, seeds=range(1, 9))
    assert_rel_between(pooled(rows), 0.01, 1.0, "technopark AZ: supported AZ firms (pooled)")


@pytest.mark.parametrize("seed", SEEDS)
def test_technopark_books_its_costs_exactly(seed):
    """The set-up and operating costs declared in scenarios/technopark.toml (USD 10 m and
    USD 0.5 m a quarter, start = 1) are for the default population: at firm_scale 0.3 each
    government pays 0.3 of them."""
    model = run_spec(TECHNOPARK_BOOKS, seed, T)
    setup, operating = 10.0 * SMALL, 0.5 * SMALL
    policy = model.policies[0]
    assert math.isclose(policy.money(model, "setup_cost"), setup, rel_tol=1e-12)
    assert math.isclose(policy.money(model, "operating_cost"), operating, rel_tol=1e-12)
    for code in ("AZ", "BY"):
        gov = model.governments[code]
        assert math.isclose(gov.spent_by_policy["technopark"], setup + operating * T,
                            rel_tol=1e-12)
        spent = series(model, "budget_spent", code)
        assert spent[0] == 0.0
        assert math.isclose(spent[1], setup + operating, rel_tol=1e-12)
        np.testing.assert_allclose(spent[2:], operating, rtol=1e-12)


def test_technopark_only_in_the_country_it_is_given():
    # an entry rule of 0.1% of sales, so the AZ park has residents at this scale (with the
    # default rule it holds 0-1 after 16 quarters)
    lenient = spec(policies=[{"type": "technopark", "country": "AZ", "start": 1,
                              "min_rd_intensity": 0.001}])
    for seed in SEEDS:
        model = run_spec(lenient, seed, T)
        az, by = model.governments["AZ"], model.governments["BY"]
        assert math.isclose(az.spent_by_policy["technopark"], (10.0 + 0.5 * T) * SMALL,
                            rel_tol=1e-12)
        assert by.spent_total == 0.0
        assert by.spent_by_policy.get("technopark", 0.0) == 0.0
        assert np.all(series(model, "budget_spent", "BY") == 0.0)
        new = [p for p in model.parks if p.name.startswith("New technopark")]
        assert [p.country for p in new] == ["AZ"]
        park = new[0]
        assert park.kind == "technopark" and park.host >= 0
        assert model.university_by_id[park.host].country == "AZ"
        f = model.firms
        residents = np.flatnonzero(f["park"] == park.index)
        assert 0 < residents.size <= park.capacity
        assert (f["country"][residents] == 0).all()
        assert ((f["rd_intensity"][residents] >= park.min_rd_intensity)
                | f["spinoff"][residents]).all()
        for row in residents.tolist():
            assert model.graph.has_edge(int(f.ids[row]), park.host)


# ============================================================================ windows
WINDOWED = {
    "sme_subsidy": {"type": "sme_subsidy", "start": 5, "end": 9},
    "technopark": {"type": "technopark", "start": 5, "end": 9},
    "tax_break": {"type": "tax_break", "start": 5, "end": 9},
}


@pytest.mark.parametrize("kind", sorted(WINDOWED))
def test_policy_acts_only_inside_its_window(kind):
    steps = 13
    d = spec(policies=[WINDOWED[kind]], scale=0.2)
    control = spec(scale=0.2)
    for seed in (1, 2):
        model = run_spec(d, seed, steps)
        ref = run_spec(control, seed, steps)
        arr, ref_arr = model.indicator_array(), ref.indicator_array()
        # nothing differs from the control run before the start quarter
        assert np.array_equal(arr[:5], ref_arr[:5], equal_nan=True)
        inside = np.zeros(steps + 1, dtype=bool)
        inside[5:10] = True
        for code in ("AZ", "BY", "JOINT"):
            spent = series(model, "budget_spent", code)
            assert np.all(spent[~inside] == 0.0), f"{kind} spent outside quarters 5-9: {spent}"
            if kind != "tax_break":
                assert np.all(spent[inside] > 0.0), f"{kind} spent nothing inside: {spent}"
        if kind == "tax_break":
            fgn, ref_fgn = series(model, "tax_foregone"), series(ref, "tax_foregone")
            assert np.all(fgn[inside] > 3.0 * ref_fgn[inside])
            # after the window only the parks' reliefs remain
            assert np.all(fgn[10:] < 2.0 * ref_fgn[10:] + 1.0)
        total = sum(g.spent_total for g in model.governments.values())
        assert math.isclose(total, series(model, "budget_spent").sum(), rel_tol=1e-12)


@pytest.mark.parametrize("kind", sorted(WINDOWED))
def test_disabled_policy_changes_nothing(kind):
    d = spec(policies=[{"type": kind, "enabled": False}], scale=0.2)
    model = run_spec(d, 1, 8)
    ref = run_spec(spec(scale=0.2), 1, 8)
    assert np.array_equal(model.indicator_array(), ref.indicator_array(), equal_nan=True)


def test_sme_subsidy_without_money_supports_nobody():
    """A competition with no money to give (max_grant = 0) funds no one: no spending and no
    firm counted as supported beyond the baseline."""
    d = spec(policies=[{"type": "sme_subsidy", "max_grant": 0.0}])
    for seed in SEEDS:
        m = run_spec(d, seed, 8)
        b = run_spec(bundled_policy("baseline"), seed, 8)
        assert sum(g.spent_total for g in m.governments.values()) == 0.0
        assert indicator(m, "support_share", agg="mean") == indicator(b, "support_share",
                                                                      agg="mean")


def test_technopark_closes_after_its_end():
    """With end = 4 the new parks lose their residents and cost nothing from quarter 5 on."""
    d = spec(policies=[{"type": "technopark", "start": 1, "end": 4}])
    m = fresh_model(d, 1)
    policy = m.policies[0]
    spent_by_q4 = None
    for q in range(1, 13):
        m.step()
        if q == 4:
            spent_by_q4 = {c: g.spent_total for c, g in m.governments.items()}
            assert any(park.residents() > 0 for park in policy.parks.values())
    assert {c: g.spent_total for c, g in m.governments.items()} == spent_by_q4
    for park in policy.parks.values():
        assert park.residents() == 0 and park.capacity == 0


def test_fdi_starts_at_its_data_value_and_follows_the_tax_regime():
    """Baseline FDI over the first 8 quarters, pooled over the seeds, is close to the
    country data's value (deals are Poisson around it: about 21 per run here, so the pooled
    count of three runs has a standard deviation near 13%, and the band is about 2.4 of
    them); a tax break for cluster members in AZ alone lowers the profit tax investors
    expect there and moves FDI toward AZ: AZ's share of the two countries' FDI at quarter
    16 measured +32..+36% on seeds 1-3 (0.35-0.36 -> 0.47-0.48)."""
    expected = observed = 0.0
    for seed in SEEDS:
        b = run_spec(BASE, seed, T)
        expected += 8 * float(b.fdi_base.sum())
        observed += float(series(b, "fdi")[1:9].sum())
    assert 0.7 * expected <= observed <= 1.3 * expected, (expected, observed)
    az_break = {**BASE, "policies": [{"type": "tax_break", "country": "AZ",
                                      "target": "cluster_members", "profit_relief": 1.0}]}

    def az_share(m):
        volume = fdi_volume(m)
        return float(volume[0] / volume.sum())

    assert_rel_between(paired(BASE, az_break, az_share, T), 0.15, 0.6,
                       "AZ tax break: AZ's share of FDI")


def test_a_relief_with_its_own_period_outlasts_the_others():
    """Great Stone: profit-tax relief for 10 years, property-tax relief for 40 (to 2062)."""
    from sim.phases.parks import park_regimes

    model = fresh_model(BASE, 1)
    (park,) = [p for p in model.parks if p.name.startswith("China-Belarus")]
    assert park.relief_periods["profit_relief"] == 40
    assert park.relief_periods["property_relief"] == 160
    f = model.firms
    row = 0
    f["park"][row] = park.index
    for years, profit, prop in ((5, 1.0, 1.0), (12, 0.0, 1.0), (41, 0.0, 0.0)):
        f["park_since"][row] = model.quarter - 4 * years
        f.reset_flows()  # a new quarter: reliefs are granted anew
        park_regimes(model)
        assert f["relief_profit"][row] == profit and f["relief_property"][row] == prop, years


def test_stable_argsort_is_numpys_stable_argsort():
    """Ties, NaNs, signed zeros and integers all order exactly as the stable sort does."""
    from sim.ranking import stable_argsort

    rng = np.random.default_rng(1)
    for case in range(2000):
        n = int(rng.integers(0, 60))
        x = [rng.random(n), rng.integers(0, 5, n).astype(float),
             np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
             np.where(rng.random(n) < 0.3, -0.0, 0.0) * np.where(rng.random(n) < 0.5, 1, -1),
             rng.integers(-3, 3, n)][case % 5]
        assert np.array_equal(stable_argsort(x), np.argsort(x, kind="stable")), x
