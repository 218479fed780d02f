"""More rules that fire only in rare states: the cap on a firm's lead over imports in the
market-share replicator, the cap on cross-border candidates however strong the coordination,
the cap on retirements, the floor of one planned worker, and the least size of an export
consortium (the cap on the ideas R&D partners bring is tested in
test_innovation_cooperation.py).

As in test_rules.py, each test puts a small model into a state where one rule fires, runs the
function that holds the rule and checks its effect against numbers worked out from the rule's
constants; firms other than the chosen ones are kept out of the rule's reach.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_SCALE as SCALE
from conftest import fresh_model, small_model, spec

from sim.inputs.units import QUARTERS_PER_YEAR
from sim.network import search
from sim.phases import labour, labour_pool, markets
from sim.phases.labour import RETIREMENT_RATE
from sim.phases.markets import MAX_COMPETITIVENESS_GAP, market_sales
from sim.policies.export_promotion import MIN_CONSORTIUM


# ---------------------------------------------------------------- markets
def test_a_lead_over_imports_beyond_the_cap_counts_as_the_cap(monkeypatch):
    """A firm whose log-competitiveness leads imports by far more than MAX_COMPETITIVENESS_GAP
    (or trails them by far more) wins the share it would win at the cap: its sales are finite
    and the same as at a lead of exactly the cap, and a firm far behind still sells a little
    (its share at the cap's trail), not nothing or NaN."""
    model = small_model()
    f = model.firms
    lead, trail = np.flatnonzero((f["sector"] == f["sector"][0]) & (f["base_home"] > 0))[:2]
    z = markets.competitiveness(model)
    z_out = markets.import_competitiveness(model)[:, f["sector"]].T  # n x 3, imports' level

    def sales_at(gap_lead: float, gap_trail: float) -> np.ndarray:
        shifted = z.copy()
        shifted[lead] = z_out[lead] + gap_lead
        shifted[trail] = z_out[trail] + gap_trail
        monkeypatch.setattr(markets, "competitiveness", lambda model: shifted)
        return market_sales(model)

    beyond = sales_at(1e4, -1e4)
    at_cap = sales_at(MAX_COMPETITIVENESS_GAP, -MAX_COMPETITIVENESS_GAP)
    assert np.isfinite(beyond).all()
    np.testing.assert_allclose(beyond, at_cap, rtol=1e-12)
    assert (beyond[trail] > 0).any()
    home = 0 if f["country"][lead] == 0 else 1
    sector = f["sector"][lead]
    assert beyond[lead, home] > 0.5 * model.demand[home][sector]  # the leader takes most


# ---------------------------------------------------------------- partner search
def test_cross_border_candidates_stop_at_their_largest_share(monkeypatch):
    """However strong the coordination (a shifter of 5), firms draw at most
    MAX_CROSS_BORDER_SHARE of their partner candidates from the other country, and firms
    looking for a university at most that share of theirs; some are always domestic. The
    countries asked for are recorded as the candidates are drawn."""
    model = small_model()
    f = model.firms
    model.params.update(search_rate=1.0, max_ties=10**6)
    f["rd_intensity"] = 10 * search.RD_SEEKS_UNIVERSITY * model.rd_scale  # every firm asks
    model.shifters.coordination[:] = 5.0
    asked: list[np.ndarray] = []
    for name in ("_draw_from_pools", "_draw_weighted"):  # uniform draws, or by ties
        draw = getattr(search, name)

        def recording(*args, draw=draw):
            asked.append(args[-1].copy())  # the countries asked for
            return draw(*args)

        monkeypatch.setattr(search, name, recording)
    search.partner_search(model)
    model.params["search_rate"] = 1.0 / search.UNIVERSITY_SEARCH_SHARE
    for _ in range(4):
        search.university_search(model)
    assert len(asked) == 5
    own = f["country"].astype(np.int64)
    firms_domestic = asked[0] == own[:, None]
    unis_domestic = np.concatenate(asked[1:]) == np.tile(own, 4)
    k = int(model.params["search_candidates"])
    assert firms_domestic.size == f.n * k >= 500 and unis_domestic.size == 4 * f.n
    # binomial sampling: 4 standard errors around the cap (about +-0.05 either way); a draw
    # with no domestic candidate among 500 has a chance of 0.9 ** 500
    for domestic in (firms_domestic, unis_domestic):
        share = 1.0 - domestic.mean()
        sd = np.sqrt(search.MAX_CROSS_BORDER_SHARE * (1 - search.MAX_CROSS_BORDER_SHARE)
                     / domestic.size)
        assert abs(share - search.MAX_CROSS_BORDER_SHARE) < 4 * sd, share
        assert domestic.any()


# ---------------------------------------------------------------- the labour force
def test_retirees_come_only_from_the_pool_and_no_more_than_it_holds(monkeypatch):
    """Firms replace their retirees from the pool at once, so a country's retirements in a
    quarter are RETIREMENT_RATE / 4 of its labour force but never more than its unemployed
    workers: with one worker unemployed in AZ one retires there; BY, whose pool is larger than
    its quarter's retirements, loses the full share."""
    model = small_model()
    employed = labour.employment(model)
    model.labour_force = model.labour_force.copy()
    model.labour_force[0] = employed[0] + 1.0
    lf = model.labour_force.copy()
    due = RETIREMENT_RATE / QUARTERS_PER_YEAR * lf
    assert labour.unemployed(model)[1] > due[1]
    seen = []
    renew = labour_pool.renew

    def recording(model, pool, retiring, *rest):
        seen.append(retiring.copy())
        return renew(model, pool, retiring, *rest)

    monkeypatch.setattr(labour_pool, "renew", recording)
    labour._renew_labour_force(model)
    np.testing.assert_allclose(seen[0], [1.0, due[1]], rtol=1e-12)


def test_a_firm_without_demand_plans_one_worker_not_none(monkeypatch):
    """A firm whose demand has vanished moves toward no workers, but plans at least one: with
    ``hire_speed`` 1 a firm of five lays off four, and a firm of one lays off no one."""
    model = small_model(hire_speed=1.0)
    f = model.firms
    five, one = np.flatnonzero(~f["state_owned"])[:2]
    f["employees"][five], f["employees"][one] = 5.0, 1.0
    f["demand"][[five, one]] = 0.0
    laid_off = []
    lay_off = labour._lay_off

    def recording(model, layoffs):
        laid_off.append((layoffs.copy(), model.firms["employees"].copy()))
        return lay_off(model, layoffs)

    monkeypatch.setattr(labour, "_lay_off", recording)
    monkeypatch.setattr(labour, "_poach", lambda model, unfilled: None)
    labour.labour_phase(model)
    layoffs, before = laid_off[0]
    assert before[five] == 5.0 and before[one] == 1.0  # the labour force had room for all
    assert layoffs[five] == pytest.approx(4.0) and layoffs[one] == 0.0
    assert model.firms["employees"][five] == pytest.approx(1.0)
    assert model.firms["vacancies"][[five, one]].tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- export consortia
def consortium_members(size: int, winners: int) -> tuple[np.ndarray, np.ndarray]:
    """The members of the consortia that ``winners`` AZ winners of one sector form with
    ``consortium_size`` ``size`` (the programme run by AZ alone: no cross-border groups)."""
    d = spec(policies=[{"type": "export_promotion", "country": "AZ", "consortium_size": size}],
             scale=SCALE)
    model = fresh_model(d, seed=1)
    f = model.firms
    sector = np.bincount(f["sector"][f["country"] == 0]).argmax()
    rows = np.flatnonzero((f["country"] == 0) & (f["sector"] == sector))[:winners]
    assert rows.size == winners, "the small model lacks the firms this test needs"
    groups = model.policies[0]._consortia(model, rows)
    return rows, np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)


def test_a_winner_left_alone_in_its_sector_forms_no_consortium():
    """Seven winners of a sector and consortia of at most three: two consortia of three, and
    the seventh, alone, is no member (it pays its campaign in full)."""
    assert MIN_CONSORTIUM == 2
    rows, members = consortium_members(3, 7)
    assert sorted(members.tolist()) == sorted(rows[:6].tolist())


@pytest.mark.parametrize("size", [0, 1])
def test_consortia_smaller_than_two_firms_are_none(size):
    """``consortium_size`` below MIN_CONSORTIUM switches consortia off (0 included)."""
    _, members = consortium_members(size, 4)
    assert members.size == 0


# ---------------------------------------------------------------- a country without universities
def test_a_country_without_universities_leads_no_rnd_project_and_trains_no_state_staff():
    """R&D co-funding's projects are led by a university of the leading country, and state
    incumbents start with an education tie to a university of their own: with none in BY
    (country data may say so), BY leads no project and its state firms start with no
    university tie, while AZ's projects and ties go on as usual."""
    d = spec(countries={"BY": {"universities": 0}}, scale=SCALE,
             policies=[{"type": "rnd_cofunding", "country": "both"}])
    model = fresh_model(d, seed=1)
    assert {u.country_index for u in model.universities} == {0}
    f, graph = model.firms, model.graph
    uni_ids = set(model.university_ids.tolist())
    for k in (0, 1):
        state = f.ids[f["state_owned"] & (f["country"] == k)].tolist()
        assert state, "the small model lacks the firms this test needs"
        tied = [any(v in uni_ids for v in graph.neighbors(i)) for i in state]
        assert all(tied) if k == 0 else not any(tied)
    policy = model.policies[0]
    model.step()
    country_of = {u.unique_id: u.country_index for u in model.universities}
    assert policy.projects and {country_of[p.university] for p in policy.projects} == {0}
    f = model.firms
    leads = [f.row_of(p.firms[0]) for p in policy.projects]  # a leading country's firm first
    assert {int(f["country"][r]) for r in leads if r >= 0} == {0}
