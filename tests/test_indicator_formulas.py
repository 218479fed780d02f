"""Every indicator formula of sim/indicators.py on a small hand-made state.

Five firms, a growth history, launches, supply flows, the governments' accounts and the
network statistics are set by hand; each indicator's value for AZ, BY and both together
(JOINT) is worked out by hand below from those numbers (not by the code under test). JOINT
is a sum for totals and a weighted mean (or a ratio of sums) for shares and averages, never
the mean of the two countries' values: the numbers are chosen so that those differ. The
competition indicators (HHI, state sales share, markup, entry and exit rates, domestic share)
are checked the same way in test_state_firms.py, the labour-market ones (average wage,
vacancy rate, unemployment, wage share) in test_labour_market.py. The network indicators read
the network statistics, which are checked on a hand-made network at the end.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.agents.firm import FirmTable
from sim.indicators import COUNTRY_KEYS, INDICATORS, country_masks
from sim.phases.supply import SupplyFlows

#: The hand-made firms 0-4, column by column (quarter 10; sectors 0 machinery, 1 electrical,
#: 3 ICT; equipment age in quarters).
FIRMS = {
    "country": [0, 0, 0, 1, 1],
    "sector": [0, 1, 0, 3, 0],
    "employees": [100.0, 300.0, 50.0, 200.0, 300.0],
    "state_owned": [False, True, False, False, True],
    "value_added": [2.0, 4.0, 1.0, 3.0, 2.0],
    "investment": [1.0, 2.0, 0.5, 1.5, 0.5],
    "fdi": [0.5, 0.0, 0.5, 1.0, 0.0],
    "repatriated": [0.1, 0.0, 0.2, 0.3, 0.0],
    "capital": [10.0, 30.0, 5.0, 20.0, 40.0],
    "tech": [4.0, 3.0, 5.0, 5.0, 3.5],
    "equip_age": [8.0, 20.0, 4.0, 12.0, 16.0],
    "sales_total": [10.0, 20.0, 5.0, 15.0, 12.0],
    "sales_home": [7.0, 16.0, 3.0, 11.0, 10.0],
    "sales_partner": [1.0, 0.0, 2.0, 3.0, 2.0],
    "sales_third": [2.0, 4.0, 0.0, 1.0, 0.0],
    "supported_until": [10, 9, 12, 10, 0],
    "inputs_domestic": [3.0, 1.0, 0.0, 2.0, 1.0],
    "inputs_total": [4.0, 5.0, 0.0, 2.0, 3.0],
    "rd_spend": [0.2, 0.1, 0.0, 0.6, 0.0],
}
QUARTER = 10

#: Quarterly history (oldest first) of value added, employment and investment, as the model
#: records it; JOINT is the sum of the two countries, quarter by quarter. The first two
#: quarters lie outside the year-on-year window of the last eight and differ from the rest,
#: so a wrong window gives another number.
HISTORY = {
    "AZ": {"value_added": [50, 60, 10, 10, 10, 10, 12, 12, 12, 12],
           "employment": [5, 5, 100, 100, 100, 100, 100, 100, 100, 100],
           "investment": [9, 9, 1, 1, 2, 2, 3, 3, 3, 3]},
    "BY": {"value_added": [7, 7, 20, 20, 20, 20, 21, 21, 21, 21],
           "employment": [1, 1, 50, 50, 50, 50, 40, 40, 40, 40],
           "investment": [0, 0, 2, 2, 2, 2, 1, 1, 1, 1]},
}
HISTORY["JOINT"] = {name: [a + b for a, b in zip(HISTORY["AZ"][name], HISTORY["BY"][name],
                                                 strict=True)]
                    for name in HISTORY["AZ"]}

#: Product launches: quarter -> [launches, sum of their durations in quarters]. The window is
#: the last eight quarters (3..10 at quarter 10): AZ's launches of quarter 2 are outside.
LAUNCHES = {"AZ": {2: [5, 50], 3: [2, 6], 10: [1, 5]}, "BY": {9: [1, 6]},
            "JOINT": {2: [5, 50], 3: [2, 6], 9: [1, 6], 10: [1, 5]}}

#: Supply flows bought this quarter: value, the supplier's delivery and quality, the buyer's
#: country.
FLOWS = SupplyFlows(value=np.array([2.0, 0.0, 3.0, 1.0]),
                    delivery=np.array([0.9, 0.1, 0.5, 0.8]),
                    quality=np.array([0.6, 0.9, 0.4, 0.7]),
                    buyer_country=np.array([0, 0, 1, 1]))


def government(spent: float, bailouts: float, collected: float, foregone: float,
               refunded: float, balance: float) -> SimpleNamespace:
    return SimpleNamespace(spent_this_step=spent, bailouts_this_step=bailouts,
                           collected_this_step=collected, foregone_this_step=foregone,
                           refunded_this_step=refunded, balance=balance)


NETWORK_NAMES = ("ties", "density", "cross_border_share", "horizontal_vertical_ratio",
                 "clustering", "largest_component_share")


#: Two grant instruments' take-up accounts (funded projects, those that would have gone ahead
#: anyway, public and private money), AZ and BY; a third instrument funded nothing.
TAKE_UP = [
    SimpleNamespace(take_up={"AZ": {"funded": 4, "anyway": 1, "public": 2.0, "private": 1.0},
                             "BY": {"funded": 2, "anyway": 2, "public": 1.0, "private": 3.0}}),
    SimpleNamespace(take_up={"AZ": {"funded": 6, "anyway": 0, "public": 3.0, "private": 0.5},
                             "BY": {"funded": 0, "anyway": 0, "public": 0.0, "private": 0.0}}),
    SimpleNamespace(take_up={c: {"funded": 0, "anyway": 0, "public": 0.0, "private": 0.0}
                             for c in ("AZ", "BY")}),
]


def hand_made(**changes) -> SimpleNamespace:
    """The hand-made state (a stand-in for the model: what the formulas read)."""
    f = FirmTable()
    f.append(np.arange(5), {k: np.array(v) for k, v in FIRMS.items()})
    # network statistics: a distinct number per statistic and country, so a formula that
    # reads the wrong one is seen
    stats = {key: {name: 10.0 * (i + 1) + j for j, name in enumerate(NETWORK_NAMES)}
             for i, key in enumerate(COUNTRY_KEYS)}
    state = SimpleNamespace(
        firms=f, quarter=QUARTER, history=HISTORY, launches=LAUNCHES, supply_flows=FLOWS,
        events={"AZ": {"entries": 1, "exits": 2}, "BY": {"entries": 0, "exits": 1},
                "JOINT": {"entries": 1, "exits": 3}},
        governments={"AZ": government(3.0, 1.0, 10.0, 2.0, 0.5, -4.0),
                     "BY": government(1.0, 0.0, 6.0, 0.25, 1.0, 7.0)},
        network_stats=stats, policies=TAKE_UP)
    for key, value in changes.items():
        setattr(state, key, value)
    return state


#: Each indicator's value for AZ, BY and JOINT, worked out by hand from the tables above.
EXPECTED: dict[str, tuple[float, float, float]] = {
    # 1. firms supported this quarter (supported_until >= 10): firms 0, 2 | 3
    "support_share": (2 / 3, 1 / 2, 3 / 5),
    # 2. value added per worker (USD k): 7 / 450 | 5 / 500 | 12 / 950
    "labour_productivity": (1000 * 7 / 450, 1000 * 5 / 500, 1000 * 12 / 950),
    # output per worker over the last four quarters against the four before:
    # AZ 48/400 vs 40/400; BY 84/160 vs 80/200; JOINT 132/560 vs 120/600
    "productivity_growth": (100 * (0.12 / 0.1 - 1), 100 * (0.525 / 0.4 - 1),
                            100 * ((132 / 560) / (120 / 600) - 1)),
    # 3. investment over the last four quarters against the four before: 12 vs 6 | 4 vs 8 |
    # 16 vs 14
    "investment_growth": (100.0, -50.0, 100 * (16 / 14 - 1)),
    "investment": (3.5, 2.0, 5.5),
    "fdi": (1.0, 1.0, 2.0),
    "fdi_share": (1 / 3.5, 1 / 2, 2 / 5.5),
    "fdi_income_out": (0.3, 0.3, 0.6),
    # 4. capital-weighted: (10 x 4 + 30 x 3 + 5 x 5) / 45 | (20 x 5 + 40 x 3.5) / 60
    "equipment_generation": (155 / 45, 240 / 60, 395 / 105),
    # capital-weighted age in quarters, in years: (80 + 600 + 20) / 45 / 4 | (240 + 640) / 60 / 4
    "equipment_age": (700 / 45 / 4, 880 / 60 / 4, 1580 / 105 / 4),
    # 5. sales, and by sector
    "tech_output": (35.0, 27.0, 62.0),
    "output_machinery": (15.0, 12.0, 27.0),
    "output_electrical": (20.0, 0.0, 20.0),
    "output_chemicals": (0.0, 0.0, 0.0),
    "output_ict": (0.0, 15.0, 15.0),
    "output_agrifood": (0.0, 0.0, 0.0),
    # 6. exports = to the partner country + to third countries: 3 + 6 | 5 + 1 | 8 + 7
    "tech_exports": (9.0, 6.0, 15.0),
    "exports_partner": (3.0, 5.0, 8.0),
    "exports_third": (6.0, 1.0, 7.0),
    "export_share": (9 / 35, 6 / 27, 15 / 62),
    "exports_machinery": (5.0, 2.0, 7.0),
    "exports_electrical": (4.0, 0.0, 4.0),
    "exports_chemicals": (0.0, 0.0, 0.0),
    "exports_ict": (0.0, 4.0, 4.0),
    "exports_agrifood": (0.0, 0.0, 0.0),
    # 7. launches of quarters 3..10, mean duration per launch: (6 + 5) / 3 | 6 / 1 |
    # (6 + 6 + 5) / 4; launched this quarter (10)
    "time_to_market": (11 / 3, 6.0, 17 / 4),
    "products_launched": (1.0, 0.0, 1.0),
    # 8. inputs bought from the model's firms: 4 / 9 | 3 / 5 | 7 / 14
    "supplier_competitiveness": (4 / 9, 3 / 5, 7 / 14),
    # flow-weighted delivery of the suppliers: 2 x 0.9 / 2 | (3 x 0.5 + 0.8) / 4 | 4.1 / 6
    "supplier_delivery": (0.9, 2.3 / 4, 4.1 / 6),
    # 9. flow-weighted quality: 0.6 | (1.2 + 0.7) / 4 | 3.1 / 6
    "input_quality": (0.6, 1.9 / 4, 3.1 / 6),
    # the economy
    "employment": (450.0, 500.0, 950.0),
    "firms": (3.0, 2.0, 5.0),
    # SMEs: under 250 workers and private: firms 0, 2 | 3
    "smes": (2.0, 1.0, 3.0),
    "sme_employment_share": (150 / 450, 200 / 500, 350 / 950),
    "rd_intensity": (100 * 0.3 / 35, 100 * 0.6 / 27, 100 * 0.9 / 62),
    "entries": (1.0, 0.0, 1.0),
    "exits": (2.0, 1.0, 3.0),
    # home-market HHI of the sectors test_state_firms.py does not check: BY's one ICT firm
    "hhi_ict": (0.0, 1.0, 1.0),
    "hhi_agrifood": (0.0, 0.0, 0.0),
    # the budget: policy spending is spending less bail-outs
    "budget_spent": (2.0, 1.0, 3.0),
    "bailouts": (1.0, 0.0, 1.0),
    "tax_collected": (10.0, 6.0, 16.0),
    "tax_foregone": (2.0, 0.25, 2.25),
    "vat_refunds": (0.5, 1.0, 1.5),
    "fiscal_balance": (-4.0, 7.0, 3.0),
    # take-up of the grant instruments together: anyway / funded 1/10 | 2/2 | 3/12, private /
    # public 1.5/5 | 3/1 | 4.5/6
    "deadweight_share": (0.1, 1.0, 0.25),
    "private_per_public": (0.3, 3.0, 0.75),
    # the network: the statistics of each key (10, 20, 30 for AZ, BY, JOINT, plus 0-5 by
    # statistic)
    **{indicator: (10.0 + j, 20.0 + j, 30.0 + j)
       for j, indicator in enumerate(("ties", "network_density", "cross_border_share",
                                      "horizontal_vertical_ratio", "clustering",
                                      "largest_component_share"))},
}
#: Indicators checked on hand-made states in other files.
ELSEWHERE = {
    "test_state_firms.py": {"hhi_home", "hhi_machinery", "hhi_electrical", "hhi_chemicals",
                            "cr4_home", "state_sales_share", "mean_markup", "entry_rate",
                            "exit_rate", "domestic_share_home"},
    "test_labour_market.py": {"average_wage", "vacancy_rate", "unemployment", "wage_share"},
}


def value(state: SimpleNamespace, name: str, key: str) -> float:
    return INDICATORS[name].compute(state, country_masks(state)[key], key)


def test_every_indicator_has_a_hand_made_check() -> None:
    elsewhere = set().union(*ELSEWHERE.values())
    assert not elsewhere & set(EXPECTED)
    assert set(EXPECTED) | elsewhere == set(INDICATORS), (
        sorted(set(INDICATORS) - set(EXPECTED) - elsewhere))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_indicator_on_a_hand_made_state(name: str) -> None:
    state = hand_made()
    got = tuple(value(state, name, key) for key in COUNTRY_KEYS)
    assert got == pytest.approx(EXPECTED[name], rel=1e-12, abs=1e-15), (name, got)


def test_joint_shares_are_not_the_mean_of_the_countries() -> None:
    """The hand-made numbers tell a weighted JOINT from the plain mean of AZ and BY (so the
    table above would catch a JOINT computed as that mean)."""
    for name in ("support_share", "labour_productivity", "productivity_growth",
                 "investment_growth", "fdi_share", "equipment_generation", "equipment_age",
                 "export_share", "time_to_market", "supplier_competitiveness",
                 "supplier_delivery", "input_quality", "sme_employment_share",
                 "rd_intensity"):
        az, by, joint = EXPECTED[name]
        assert not math.isclose(joint, (az + by) / 2, rel_tol=1e-6), name


def test_growth_needs_two_full_years_and_a_base() -> None:
    """Year-on-year growth is 0 with fewer than eight recorded quarters, or with nothing in
    the year before; it reads the last eight quarters only."""
    short = {key: {name: values[-7:] for name, values in h.items()}
             for key, h in HISTORY.items()}
    state = hand_made(history=short)
    for name in ("productivity_growth", "investment_growth"):
        assert [value(state, name, key) for key in COUNTRY_KEYS] == [0.0, 0.0, 0.0]
    # eight quarters: the same as with the two older ones in front
    eight = {key: {name: values[-8:] for name, values in h.items()}
             for key, h in HISTORY.items()}
    state = hand_made(history=eight)
    assert value(state, "investment_growth", "AZ") == pytest.approx(100.0)
    no_base = {key: {"value_added": [0.0] * 4 + [1.0] * 4, "employment": [1.0] * 8,
                     "investment": [0.0] * 4 + [1.0] * 4} for key in COUNTRY_KEYS}
    state = hand_made(history=no_base)
    for name in ("productivity_growth", "investment_growth"):
        assert value(state, name, "AZ") == 0.0


def test_time_to_market_is_undefined_without_launches_in_the_window() -> None:
    state = hand_made(launches={"AZ": {2: [5, 50]}, "BY": {}, "JOINT": {2: [5, 50]}})
    for key in COUNTRY_KEYS:
        assert math.isnan(value(state, "time_to_market", key)), key
        assert value(state, "products_launched", key) == 0.0


def test_supply_indicators_without_flows_are_zero() -> None:
    empty = SupplyFlows(*(np.zeros(0) for _ in range(4)))
    idle = SupplyFlows(value=np.zeros(2), delivery=np.ones(2), quality=np.ones(2),
                       buyer_country=np.array([0, 1]))
    for flows in (None, empty, idle):
        state = hand_made(supply_flows=flows)
        for key in COUNTRY_KEYS:
            assert value(state, "supplier_delivery", key) == 0.0
            assert value(state, "input_quality", key) == 0.0


def test_network_statistics_on_a_hand_made_network() -> None:
    """The statistics behind the network indicators (sim/network/stats.py), on seven nodes:
    AZ firms 0-3 and an AZ university 6, BY firms 4 and 5; ties 0-1 supply, 1-2 and 0-2 R&D
    (a triangle), 2-4 supply across the border, 4-5 export consortium, 6-0 education
    (horizontal: R&D, consortium, education). A country's ties are those touching it; its
    density counts the ties within it over its pairs of nodes."""
    from sim.network.stats import network_stats
    from sim.network.ties import EDUCATION, EXPORT, RND, SUPPLY, EdgeArrays

    f = FirmTable()
    f.append(np.arange(6), {"country": np.array([0, 0, 0, 0, 1, 1])})
    model = SimpleNamespace(firms=f, universities=[SimpleNamespace(country_index=0)])
    u, v = np.array([0, 1, 0, 2, 4, 6]), np.array([1, 2, 2, 4, 5, 0])
    kind = np.array([SUPPLY, RND, RND, SUPPLY, EXPORT, EDUCATION])
    cross = np.array([False, False, False, True, False, False])
    expected = {
        # local clustering: nodes 0 and 2 (3 ties, 1 triangle) 1/3, node 1 (2 ties) 1; the
        # largest component is everything but firm 3
        "AZ": {"ties": 5.0, "density": 4 / 10, "cross_border_share": 1 / 5,
               "horizontal_vertical_ratio": 3 / 2, "clustering": (1 / 3 + 1 + 1 / 3) / 5,
               "largest_component_share": 4 / 5},
        "BY": {"ties": 2.0, "density": 1.0, "cross_border_share": 1 / 2,
               "horizontal_vertical_ratio": 1.0, "clustering": 0.0,
               "largest_component_share": 1.0},
        "JOINT": {"ties": 6.0, "density": 6 / 21, "cross_border_share": 1 / 6,
                  "horizontal_vertical_ratio": 4 / 2, "clustering": (1 / 3 + 1 + 1 / 3) / 7,
                  "largest_component_share": 6 / 7},
    }
    for triangles in (None, np.array([1.0, 1, 1, 0, 0, 0, 0])):  # counted, or as kept
        edges = EdgeArrays(u, v, kind, np.full(6, 0.5), cross, 7, triangles=triangles)
        stats = network_stats(model, edges)
        for key, values in expected.items():
            assert stats[key] == pytest.approx(values, rel=1e-12), key


def test_capital_weighted_figures_of_firms_without_capital_are_zero() -> None:
    """Equipment generation and age weight firms by their capital; a country whose firms have
    none has nothing to weight: 0, not a division by zero."""
    state = hand_made()
    state.firms["capital"][state.firms["country"] == 1] = 0.0
    for name in ("equipment_generation", "equipment_age"):
        assert value(state, name, "BY") == 0.0
        assert value(state, name, "AZ") == pytest.approx(EXPECTED[name][0], rel=1e-12)


def test_network_figures_of_a_country_with_one_node_and_no_ties_are_zero() -> None:
    """A country with a single firm has no pair of nodes and no ties: its density and its
    cross-border share are 0 (nothing), not undefined or full."""
    from sim.network.stats import network_stats
    from sim.network.ties import SUPPLY, EdgeArrays

    f = FirmTable()
    f.append(np.arange(3), {"country": np.array([0, 0, 1])})
    model = SimpleNamespace(firms=f, universities=[])
    edges = EdgeArrays(np.array([0]), np.array([1]), np.array([SUPPLY]), np.array([0.5]),
                       np.array([False]), 3)
    stats = network_stats(model, edges)
    assert stats["BY"]["ties"] == 0.0
    assert stats["BY"]["density"] == 0.0 and stats["BY"]["cross_border_share"] == 0.0
    assert stats["AZ"]["density"] == 1.0 and stats["AZ"]["cross_border_share"] == 0.0


def test_take_up_without_a_funded_project_is_not_a_number() -> None:
    """No grant funded yet: the deadweight share and the leverage are unknown, not 0."""
    empty = [SimpleNamespace(take_up={c: {"funded": 0, "anyway": 0, "public": 0.0,
                                          "private": 0.0} for c in ("AZ", "BY")})]
    state = hand_made(policies=empty)
    for name in ("deadweight_share", "private_per_public"):
        assert all(math.isnan(value(state, name, key)) for key in COUNTRY_KEYS)
