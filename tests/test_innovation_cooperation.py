"""Innovation through cooperation: ideas from combined capabilities, joint projects with an
optimum cognitive distance, trust, partner choice, development stages and domestic equipment.

The formula tests set capabilities and ties by hand on a small model and read the chance of
success each idea gets (``Ideas.chance``), averaged over many draws of the ideas' fields with
the same random numbers in every case; the run tests compare runs with the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fresh_model, small_model, spec

from sim.inputs.sectors import N_SECTORS
from sim.network import search
from sim.network.ties import RND, EdgeArrays, add_new_ties, edge_arrays
from sim.phases import ideas as ideas_mod
from sim.phases import innovation, investment
from sim.phases.ideas import (
    JOINT_LEARNING,
    TRUST_GAIN,
    TRUST_LOSS,
    Ideas,
    after_joint_projects,
    cognitive_distance,
    form_ideas,
    novelty,
)

#: Ideas drawn per case in the formula tests (each draw: every idea-maker forms one idea).
DRAWS = 40
#: Expertise of an idea-maker in its own field in the formula tests.
OWN = 2.0
#: Background expertise in every other field.
LOW = 0.05


def _profile(distance: float) -> np.ndarray:
    """A capability profile of norm about OWN at cognitive ``distance`` from an idea-maker's
    (own field 0 at OWN, LOW elsewhere), spread over fields 0 and 1."""
    cos = 1.0 - distance
    k = np.full(N_SECTORS, LOW)
    k[0], k[1] = OWN * cos, max(OWN * np.sqrt(max(1.0 - cos * cos, 0.0)), LOW)
    return k


def _setup(model, makers: np.ndarray, partners: np.ndarray, partner_k: np.ndarray | None):
    """Idea-makers in machinery with a narrow profile; partners with ``partner_k``; one R&D
    tie of full trust from each maker to its partner (none when ``partner_k`` is None)."""
    f = model.firms
    f["sector"][makers] = 0
    f["kfield"][makers] = np.r_[OWN, np.full(N_SECTORS - 1, LOW)]
    n_nodes = f.n + len(model.universities)
    if partner_k is None:
        empty = np.zeros(0, dtype=np.int64)
        return EdgeArrays(empty, empty, empty, np.zeros(0), np.zeros(0, dtype=bool), n_nodes)
    f["kfield"][partners] = partner_k
    m = makers.size
    return EdgeArrays(makers.copy(), partners.copy(), np.full(m, RND), np.ones(m),
                      np.zeros(m, dtype=bool), n_nodes)


def _mean_chance(partner_k: np.ndarray | None) -> tuple[float, np.ndarray]:
    """Mean chance of success of the idea-makers' ideas over DRAWS draws (the same random
    numbers whatever the partner), and the chances of the first draw."""
    model = small_model()
    f = model.firms
    makers, partners = np.arange(0, 60, 2), np.arange(1, 60, 2)
    edges = _setup(model, makers, partners, partner_k)
    hazard = np.zeros(f.n)
    hazard[makers] = 50.0  # every maker forms an idea
    chances = []
    for draw in range(DRAWS):
        model.rng = np.random.default_rng(draw)
        ideas = form_ideas(model, edges, hazard)
        assert np.array_equal(ideas.rows, makers)  # partners bring none: the rate is 0 here
        chances.append(ideas.chance)
    return float(np.mean(chances)), chances[0]


@pytest.fixture(scope="module")
def chances() -> dict[str, tuple[float, np.ndarray]]:
    with pytest.MonkeyPatch.context() as mp:  # only the makers form ideas
        mp.setattr(ideas_mod, "PARTNER_IDEA_RATE", 0.0)
        return {"alone": _mean_chance(None), "same": _mean_chance(_profile(0.0)),
                "best": _mean_chance(_profile(ideas_mod.BEST_DISTANCE)),
                "far": _mean_chance(_profile(0.97))}


def test_r_and_d_partners_bring_ideas_up_to_the_cap():
    """With no hazard of their own, firms with R&D ties of summed strength s form ideas at
    PARTNER_IDEA_RATE x min(s, PARTNER_IDEA_CAP) a quarter; firms without ties form none."""
    model = small_model()
    f = model.firms
    n_nodes = f.n + len(model.universities)
    makers = np.arange(0, 40)
    partners = np.arange(40, 80)
    strength = np.where(makers < 20, 1.0, 10.0)  # the second half far above the cap
    edges = EdgeArrays(makers, partners, np.full(40, RND), strength, np.zeros(40, dtype=bool),
                       n_nodes)
    formed = np.zeros(f.n)
    draws = 400
    for draw in range(draws):
        model.rng = np.random.default_rng(draw)
        formed[form_ideas(model, edges, np.zeros(f.n)).rows] += 1
    rate = ideas_mod.PARTNER_IDEA_RATE
    expect_one = 1 - np.exp(-rate * 1.0)
    expect_cap = 1 - np.exp(-rate * ideas_mod.PARTNER_IDEA_CAP)
    share_one = formed[:20].sum() / (20 * draws)
    share_cap = formed[20:40].sum() / (20 * draws)
    assert share_one == pytest.approx(expect_one, abs=0.02)
    assert share_cap == pytest.approx(expect_cap, abs=0.02)
    assert formed[80:].sum() == 0


def test_novelty_is_an_inverted_u_in_cognitive_distance():
    d = np.linspace(0.0, 1.0, 101)
    v = novelty(d)
    assert v[0] == 0.0 and novelty(ideas_mod.BEST_DISTANCE) == pytest.approx(1.0)
    assert novelty(2 * ideas_mod.BEST_DISTANCE) == pytest.approx(0.0)
    peak = int(np.argmax(v))
    assert (np.diff(v[: peak + 1]) >= 0).all() and (np.diff(v[peak:]) <= 0).all()
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert cognitive_distance(a, b) == pytest.approx([0.0, 1 - np.sqrt(0.5)])


def test_an_identical_partner_adds_nothing(chances):
    """Same profile: nothing to pool and no novelty, so every idea's chance is what the
    firm would have alone (same draws)."""
    assert np.allclose(chances["same"][1], chances["alone"][1])


def test_a_complementary_partner_raises_the_chance_of_success(chances):
    """A partner at the best distance pools expertise and brings novelty: the mean chance
    rises by well over the noise of the field draws (measured +0.16 on 0.40). Pooling alone,
    without the novelty bonus, gives nothing: it draws the idea's second field more often
    from the partner's, where the pooled expertise is lower (measured 0.38)."""
    alone, best = chances["alone"][0], chances["best"][0]
    assert best - alone > 0.11, (alone, best)


def test_success_falls_at_a_large_cognitive_distance(chances):
    """A partner with almost nothing in common can be understood only a little and brings
    no novelty bonus: its ideas succeed far less often than with the partner at the best
    distance, and hardly more than alone (the optimum exists)."""
    alone, best, far = chances["alone"][0], chances["best"][0], chances["far"][0]
    assert far < best - 0.1, (far, best)  # measured 0.43 against 0.56
    assert far - alone < 0.05, (alone, far)  # measured +0.03


def test_trust_rises_after_joint_success_and_falls_after_failure_and_partners_learn():
    model = small_model()
    f = model.firms
    free = np.flatnonzero(model.graph.degree_of(f.ids) == 0)[:8]  # eight firms, no ties yet
    assert free.size == 8
    add_new_ties(model, f.ids[free[:4]], f.ids[free[4:]], "rnd")
    edges = edge_arrays(model)
    pos = np.array([int(np.flatnonzero((edges.u == a) & (edges.v == b)
                                       | (edges.u == b) & (edges.v == a))[0])
                    for a, b in zip(free[:4], free[4:], strict=True)])
    rows, partner = edges.u[pos], edges.v[pos]
    slot = edges.live_slots(model.graph.ties, pos)
    assert (slot >= 0).all()
    t = model.graph.ties
    t.strength[slot] = 0.5
    fld = (f["sector"][rows].astype(np.int64) + 1) % N_SECTORS  # not the firm's own field
    f["kfield"][partner, fld] = f["kfield"][rows, fld] + 1.0  # each partner leads there
    own = f["sector"][rows].astype(np.int64)
    f["kfield"][partner, own] = f["kfield"][rows, own]  # and is level in the own field
    before = f["kfield"][rows, fld].copy()
    success = np.array([True, False] * 2)
    distance = np.full(4, 0.3)
    done = Ideas(rows, partner, slot, fld, distance, np.ones(4), np.full(4, 0.5), success,
                 np.ones(4), f["kfield"][partner].copy())
    after_joint_projects(model, done)
    assert t.strength[slot].tolist() == pytest.approx(
        np.where(success, 0.5 + TRUST_GAIN, 0.5 - TRUST_LOSS).tolist())
    gained = f["kfield"][rows, fld] - before
    assert gained == pytest.approx(JOINT_LEARNING * 0.7 * 1.0)


def _no_ties_panels(seeds=(1, 2, 3)):
    from sim.inputs.scenario import scenario_from_dict
    from sim.validation.cooperation import collect_panel

    # at the bundled population: a smaller one has fewer cooperating firms and a thinner
    # network (measured 0.045-0.098 at scale 0.3 on seeds 1-3)
    control = scenario_from_dict(spec(scale=1.0), source="<test>")
    without = scenario_from_dict(spec(model={"rnd_ties": 0}, scale=1.0), source="<test>")
    return [(collect_panel(control, s, 40), collect_panel(without, s, 40)) for s in seeds]


@pytest.fixture(scope="module")
def no_ties():
    return _no_ties_panels()


def test_without_rnd_ties_no_firm_has_one_and_no_idea_is_joint():
    model = fresh_model(spec(model={"rnd_ties": 0}), seed=1)
    for _ in range(8):
        model.step()
        assert not model.ideas.joint.any()
    assert not (edge_arrays(model).kind == RND).any()


def test_without_rnd_ties_innovation_falls_within_the_evidence_band(no_ties):
    """The same seeds without R&D ties: the firms that cooperated launch new products less
    often, by an effect (in share points a year) within the range the published estimates
    give (sim/data/innovation.toml, range product_innovation_gap) for the median seed, and
    less for every seed."""
    from sim.validation.cooperation import no_ties_effect
    from sim.validation.innovation_evidence import model_range

    low, high = model_range("product_innovation_gap")
    effects = [no_ties_effect(c, w, "product") for c, w in no_ties]
    att = [e["effect_on_cooperating"] for e in effects]
    assert low <= float(np.median(att)) <= high, (att, low, high)
    assert all(e["effect_on_cooperating"] > 0 for e in effects), effects


def test_each_development_stage_moves_with_its_own_driver():
    """Design speeds up with absorptive capacity, pilot production with park services,
    certification with low administrative barriers, ramp-up with skill; each driver moves
    its own stage only."""
    model = small_model()
    f = model.firms
    base = innovation.stage_speeds(model).T  # firms x stages
    f["absorptive"] = f["absorptive"] + 0.2
    s1 = innovation.stage_speeds(model).T
    assert (s1[:, 0] > base[:, 0]).all() and np.allclose(s1[:, 1:], base[:, 1:])
    f["skill"] = np.minimum(f["skill"] + 0.2, 1.0)
    s2 = innovation.stage_speeds(model).T
    assert (s2[:, 3] >= s1[:, 3]).all() and (s2[:, 3] > s1[:, 3]).any()
    assert np.allclose(s2[:, :3], s1[:, :3])
    model.admin_barrier = model.admin_barrier * 0.5
    s3 = innovation.stage_speeds(model).T
    assert (s3[:, 2] > s2[:, 2]).all()
    assert np.allclose(s3[:, [0, 1, 3]], s2[:, [0, 1, 3]])


def test_a_coordination_body_wins_back_the_trust_of_new_cross_border_ties_of_its_country():
    """New cross-border ties start with less trust than domestic ones; the coordination
    shifter of the searcher's country wins it back, and only for that country's searchers."""
    model = small_model()
    f = model.firms
    az, by = np.flatnonzero(f["country"] == 0)[:3], np.flatnonzero(f["country"] == 1)[:3]
    rows, partners = np.r_[az, by, az], np.r_[by, az, az[::-1]]
    model.shifters.coordination[:] = 0.0
    plain = search.start_trust(model, rows, partners)
    new = search.NEW_TIE_STRENGTH
    assert plain.tolist() == pytest.approx([new - search.CROSS_BORDER_DISTRUST] * 6 + [new] * 3)
    model.shifters.coordination[0] = 1.0  # AZ only
    coordinated = search.start_trust(model, rows, partners)
    assert coordinated[:3] == pytest.approx([new] * 3)  # AZ searchers, BY partners
    assert coordinated[3:6] == pytest.approx(plain[3:6])  # BY searchers: unchanged
    assert coordinated[6:] == pytest.approx([new] * 3)


def test_partner_search_values_a_candidate_at_middle_distance_above_identical_and_distant():
    """The R&D score of a candidate follows the bonus a joint idea with it is expected to
    bring: higher at a middle distance than for an identical or a distant profile."""
    model = small_model()
    f = model.firms
    searcher = np.array([0])
    cand = np.array([[1, 2, 3]])
    f["kfield"][0] = np.r_[OWN, np.full(N_SECTORS - 1, LOW)]
    for row, d in zip((1, 2, 3), (0.0, 0.35, 0.97), strict=True):
        f["kfield"][row] = _profile(d)
    f["rd_intensity"][[0, 1, 2, 3]] = 1.0  # all research-active
    f["state_owned"][[0, 1, 2, 3]] = False
    scores = search._partner_scores(model, searcher, f["country"][searcher].astype(np.int64),
                                    cand)
    rnd = scores[search.SCORED_KINDS.index(RND), 0]
    near = search.SCORE_AT_NO_PROXIMITY + search.SCORE_PER_PROXIMITY  # upper bound only
    assert rnd[1] > rnd[0] and rnd[1] > rnd[2], rnd
    assert rnd.max() <= near + 1e-12


def test_domestic_producers_products_raise_the_equipment_on_offer_in_their_country_only():
    """BY's producers catching up with the frontier lift what BY's firms are offered by BY's
    domestic share times their products' gap to the frontier, to the frontier itself; AZ's
    offer does not move; BY buyers' new equipment is newer."""
    model = small_model()
    f = model.firms
    before = investment.equipment_reach(model)
    domestic = investment.domestic_equipment_tech(model)
    makers = np.isin(f["sector"], investment.EQUIPMENT_SECTORS) & (f["country"] == 1)
    assert makers.any()
    assert domestic[1] < model.frontier - 0.1  # their products lag at the start
    f["product_tech"][makers] = model.frontier  # BY's producers catch up with the frontier
    after = investment.equipment_reach(model)
    assert after[0] == pytest.approx(before[0])
    share = model.spec.countries["BY"]["domestic_equipment_share"]
    assert after[1] - before[1] == pytest.approx(share * (model.frontier - domestic[1]))
    assert after[1] == pytest.approx(model.frontier)
    rows = np.flatnonzero(f["country"] == 1)[:5]
    low = investment.new_equipment_tech(model, f["tech"][rows] - 1.0, np.ones(5),
                                        f["country"][rows])
    f["product_tech"][makers] = f["tech"][makers]
    lower = investment.new_equipment_tech(model, f["tech"][rows] - 1.0, np.ones(5),
                                          f["country"][rows])
    assert (low > lower).all()


def test_cluster_launches_feed_the_novelty_of_equipment(monkeypatch):
    """Without the step by which a launch puts a producer's product ahead of its own
    equipment, the equipment BY's producers sell at home is older at the horizon: measured
    +0.006 to +0.066 generations with it on seeds 1-8 (+0.047 on average over seeds 1-3). What
    BY's buyers install moves by their domestic share of that (0.357) times how much of a gap
    new equipment closes, so BY's equipment generation gains only about +0.001 on average,
    below one seed's noise (measured -0.007 to +0.006), and is not bounded here."""
    from conftest import SMALL

    results = {}
    step = innovation.PRODUCT_TECH_STEP
    for value in (step, 0.0):
        monkeypatch.setattr(innovation, "PRODUCT_TECH_STEP", value)
        for seed in (1, 2, 3):
            model = fresh_model(spec(scale=SMALL), seed=seed)
            for _ in range(40):
                model.step()
            results[value, seed] = (float(investment.domestic_equipment_tech(model)[1]),
                                    float(investment.equipment_reach(model)[1]))
    gains = [results[step, s][0] - results[0.0, s][0] for s in (1, 2, 3)]
    assert all(g > 0 for g in gains), gains
    assert np.mean(gains) > 0.02, gains
    reach = [results[step, s][1] - results[0.0, s][1] for s in (1, 2, 3)]
    assert all(r > 0 for r in reach), reach


# ------------------------------------------------ the measures, on hand-made panels
def _panel(rows):
    import pandas as pd

    cols = ("id", "year", "cooperating", "university", "innovating", "product", "workers",
            "rd_intensity", "sector", "country")
    return pd.DataFrame(rows, columns=cols)


def test_innovation_gaps_give_the_raw_and_the_conditional_gap():
    """Raw gap: shares of innovating firm-years among cooperating and other ones. The linear
    probability model recovers a planted effect of cooperation of 0.2 when innovation also
    depends on size (so the raw gap, with cooperators larger, overstates it)."""
    from sim.validation.cooperation import innovation_gaps

    small = _panel([(1, 0, True, True, True, True, 10, 0.01, 0, 0),
                    (2, 0, True, False, False, False, 10, 0.01, 0, 0),
                    (3, 0, False, False, True, False, 10, 0.01, 0, 0),
                    (4, 0, False, False, False, False, 10, 0.01, 0, 0),
                    (5, 0, False, False, False, False, 10, 0.01, 0, 0),
                    (6, 0, False, False, False, False, 10, 0.01, 0, 0)])
    g = innovation_gaps(small)
    assert g["share_cooperating"] == 0.5 and g["share_other"] == 0.25
    assert g["raw_gap"] == 0.25 and g["ratio"] == 2.0
    assert g["cooperating_share_of_firm_years"] == pytest.approx(2 / 6)
    assert g["university_share_of_innovators"] == 0.5  # one of the two innovators
    rng = np.random.default_rng(0)
    n = 20000
    workers = np.exp(rng.normal(3, 1, n))
    coop = rng.random(n) < 0.2 + 0.1 * (np.log(workers) > 3)
    p = 0.1 + 0.2 * coop + 0.05 * (np.log(workers) - 3)
    innov = rng.random(n) < np.clip(p, 0, 1)
    big = _panel([(i, 0, bool(c), False, bool(x), bool(x), w, 0.01, 0, 0)
                  for i, (c, x, w) in enumerate(zip(coop, innov, workers, strict=True))])
    g = innovation_gaps(big)
    assert g["conditional_gap"] == pytest.approx(0.2, abs=0.02)
    assert g["raw_gap"] > g["conditional_gap"] + 0.005


def test_no_ties_effect_compares_the_same_firms_and_years():
    from sim.validation.cooperation import CooperationRun, no_ties_effect

    control = _panel([(1, 0, True, False, True, True, 1, 0.0, 0, 0),
                      (2, 0, True, False, True, False, 1, 0.0, 0, 0),
                      (3, 0, False, False, False, False, 1, 0.0, 0, 0),
                      (4, 0, True, False, True, True, 1, 0.0, 0, 0)])  # gone without ties
    without = _panel([(1, 0, False, False, False, False, 1, 0.0, 0, 0),
                      (2, 0, False, False, True, True, 1, 0.0, 0, 0),
                      (3, 0, False, False, True, True, 1, 0.0, 0, 0)])
    c = CooperationRun(control, np.zeros(0), 10, {})
    w = CooperationRun(without, np.zeros(0), 8, {})
    e = no_ties_effect(c, w)
    assert e["treated_share_with"] == 1.0 and e["treated_share_without"] == 0.5
    assert e["effect_on_cooperating"] == 0.5 and e["relative_effect_on_cooperating"] == 1.0
    assert e["fall_in_innovations"] == pytest.approx(0.2)
    p = no_ties_effect(c, w, "product")
    assert p["treated_share_with"] == 0.5 and p["treated_share_without"] == 0.5


def test_value_skew_and_persistence_on_known_data():
    from sim.validation.cooperation import persistence_gap, value_skew

    values = np.r_[np.full(9, 1.0), 91.0]  # ten innovations, the best holds 91%
    assert value_skew(values) == pytest.approx(0.91)
    assert np.isnan(value_skew(np.zeros(0)))
    # firm 1 innovates every year, firm 2 never, firm 3 every other year
    rows = [(f, y, False, False, inn, False, 1, 0.0, 0, 0)
            for f, pattern in ((1, "1111"), (2, "0000"), (3, "0101"))
            for y, inn in enumerate(c == "1" for c in pattern)]
    # after an innovating year: firm 1 three times yes, firm 3 once no -> 3/4;
    # after a year without: firm 2 three times no, firm 3 twice yes -> 2/5
    assert persistence_gap(_panel(rows)) == pytest.approx(3 / 4 - 2 / 5)
