"""The risks of the report as mechanisms: what a captured selection favours and how late an
ineffective monitoring unit sees its figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import bundled_spec, fresh_model, spec

import sim.policies.base as base
from sim.policies.adaptive_monitoring import MAX_REPORTING_LAG, AdaptiveMonitoring
from sim.policies.base import (
    INCUMBENT_AGE,
    MAX_START_DELAY,
    Policy,
    favoured,
    favoured_sectors,
)


# ----------------------------------------------------------------- mistargeting
def test_favoured_counts_state_ownership_incumbency_and_the_favoured_sector():
    """On a hand-made population: the favoured sector is where state firms employ the most
    in each country; each mark counts once."""
    m = fresh_model(spec(), 1)
    f = m.firms
    f["state_owned"][:] = False
    f["born"][:] = m.quarter  # everyone young
    az = np.flatnonzero(f["country"] == 0)[:3]
    by = np.flatnonzero(f["country"] == 1)[:2]
    f["sector"][az], f["sector"][by] = 2, 4
    f["state_owned"][az] = f["state_owned"][by] = True
    f["employees"][az], f["employees"][by] = 500.0, 300.0
    old = np.flatnonzero((f["country"] == 0) & (f["sector"] == 1))[0]
    f["born"][old] = m.quarter - INCUMBENT_AGE
    marks = favoured(m, np.arange(f.n))
    assert list(favoured_sectors(m)) == [2, 4]
    assert (marks[az] == 2).all() and (marks[by] == 2).all()  # state-owned, favoured sector
    assert marks[old] == 1
    plain = (f["sector"] != np.array([2, 4])[f["country"]]) & ~f["state_owned"]
    plain[old] = False
    assert (marks[plain] == 0).all()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_mistargeting_tilts_selection_toward_the_favoured(seed, monkeypatch):
    """With mistargeting 1 and equal merit, the top fifth of a competition carries more of
    the favoured marks than the same draw without the tilt: +0.22..+0.31 marks per winner on
    seeds 1-4 (the bound fails without the tilt)."""
    tops = []
    for tilt in (base.FAVOUR_TILT, 0.0):
        monkeypatch.setattr(base, "FAVOUR_TILT", tilt)
        m = fresh_model(spec(risks={"mistargeting": 1.0}), seed)
        rows = np.arange(m.firms.n)
        top = Policy.ranked(m, rows, np.ones(rows.size))[: rows.size // 5]
        tops.append(favoured(m, top).mean())
    assert 0.12 <= tops[0] - tops[1] <= 0.45, tops


def test_no_mistargeting_leaves_the_ranking_to_merit():
    m = fresh_model(spec(), 1)
    rows = np.arange(m.firms.n)
    merit = np.linspace(1.0, 2.0, rows.size)
    assert (Policy.ranked(m, rows, merit) == rows[::-1]).all()


# ----------------------------------------------------------------- monitoring
def _monitor(quality: float, seed: int = 1):
    d = bundled_spec("programmes_adaptive", 0.3)
    d["risks"] = {"monitoring": quality}
    m = fresh_model(d, seed)
    for _ in range(3):
        m.step()
    unit = next(p for p in m.policies if isinstance(p, AdaptiveMonitoring))
    return m, unit


@pytest.mark.parametrize("quality, lag", [(1.0, 0), (0.5, 2), (0.0, MAX_REPORTING_LAG)])
def test_reporting_lag_grows_as_monitoring_weakens(quality, lag):
    m, unit = _monitor(quality)
    assert unit.reporting_lag(m) == lag


@pytest.mark.parametrize("quality", [1.0, 0.5])
def test_late_figures_miss_what_happened_since(quality):
    """Doubling the programmes' recipients' value added just before a review changes what an
    effective monitoring unit measures, and not what a late one sees (its figures are two
    quarters old)."""
    m, unit = _monitor(quality)
    progs = unit.programmes(m)
    before = [unit.measured_return(m, p) for p in progs]
    reached = np.isin(m.firms.ids, [i for p in progs for i in p.recipients])
    assert reached.any()
    m.firms["value_added"][reached] *= 2.0
    after = [unit.measured_return(m, p) for p in progs]
    if quality == 1.0:
        assert any(abs(a - b) > 1e-6 for a, b in zip(after, before, strict=True))
    else:
        assert after == before


# ----------------------------------------------------------------- implementation
@pytest.mark.parametrize("reach, delay", [(1.0, 0), (0.8, 0), (0.5, 2), (0.4, 2), (0.0, 4)])
def test_weak_implementation_delays_a_programmes_start(reach, delay):
    """The SME subsidy declared from quarter 2 first pays in quarter 2 + the slip (as
    :data:`MAX_START_DELAY` sets it), and not before."""
    d = spec(policies=[{"type": "sme_subsidy", "start": 2}], risks={"implementation": reach})
    m = fresh_model(d, 1)
    policy = m.policies[0]
    assert policy.delay == delay == math.floor(MAX_START_DELAY * (1 - reach) + 1e-9)
    first = None
    for _ in range(2 + delay + 1):
        m.step()
        if first is None and policy.spent > 0:
            first = m.quarter
    assert first == 2 + delay  # with no reach the money is spent and nothing arrives
