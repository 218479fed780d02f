"""Certification, the venture fund and infrastructure act through what firms learn, finance
and receive: the firm-side rules (sim/phases/quality.py, the venture R&D in
sim/phases/finance.py, logistics in sim/phases/supply.py) and the take-up decisions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bundled_spec, fresh_model, small_model

from sim.phases import finance, quality
from sim.phases.quality import AUDIT_SHARE, CERTIFICATE_QUARTERS, LAPSE_LOSS
from sim.phases.supply import realised_delivery
from sim.policies.certification import fits_in


# ----------------------------------------------------------------- quality programmes
def _enrolled(rate: float = 0.1, quarters: int = 4):
    m = small_model()
    m.step()
    f = m.firms
    rows = np.arange(5)
    f["mgmt"][rows], f["delivery"][rows], f["quality"][rows] = 0.5, 0.4, 0.6
    f["qm_left"][rows] = quarters
    f["qm_rate_m"][rows] = f["qm_rate_d"][rows] = f["qm_rate_q"][rows] = rate
    f["qm_cost"][rows] = 0.02
    return m, rows


def test_learning_closes_the_gaps_step_by_step_then_a_certificate_starts():
    """Each quarter of the programme closes the rate of each gap, not all at once; when it
    ends the certificate runs three years and learning stops."""
    m, rows = _enrolled()
    f = m.firms
    path = []
    for _ in range(5):
        quality.learning_phase(m)
        path.append(f["mgmt"][rows[0]])
    expected = [1 - 0.5 * 0.9 ** k for k in range(1, 5)]
    np.testing.assert_allclose(path[:4], expected, rtol=1e-12)
    assert path[4] == path[3]  # the programme is over
    np.testing.assert_allclose(f["delivery"][rows], 1 - 0.6 * 0.9 ** 4, rtol=1e-12)
    np.testing.assert_allclose(f["quality"][rows], 1 - 0.4 * 0.9 ** 4, rtol=1e-12)
    assert (f["cert_until"][rows] == m.quarter + CERTIFICATE_QUARTERS).all()
    np.testing.assert_allclose(f["qm_gain_m"][rows], f["mgmt"][rows] - 0.5, rtol=1e-12)


@pytest.mark.parametrize("profitable", [True, False])
def test_a_certificate_is_renewed_by_a_paying_firm_and_else_its_gains_fade(profitable):
    m, rows = _enrolled(quarters=1)
    f = m.firms
    quality.learning_phase(m)
    f["cert_until"][rows] = m.quarter  # due now
    f["profit"][rows] = 1.0 if profitable else -1.0
    f["cash"][rows] = 1.0
    worth = f["cash"][rows] - f["debt"][rows]
    mgmt, gain = f["mgmt"][rows].copy(), f["qm_gain_m"][rows].copy()
    quality.learning_phase(m)
    if profitable:
        assert (f["cert_until"][rows] == m.quarter + CERTIFICATE_QUARTERS).all()
        paid = worth - (f["cash"][rows] - f["debt"][rows])  # (cash above need repays debt)
        np.testing.assert_allclose(paid, AUDIT_SHARE * 0.02, rtol=1e-9)
    else:
        assert (f["cert_until"][rows] == m.quarter).all()
        m.steps += 1  # a quarter later the certificate has lapsed
        quality.learning_phase(m)
        np.testing.assert_allclose(f["mgmt"][rows], mgmt - LAPSE_LOSS * gain, rtol=1e-12)


def test_fits_in_passes_over_a_grant_too_large_for_what_is_left():
    taken = fits_in(np.array([0.5, 0.8, 0.3, 0.2, 0.1]), 1.0)
    assert taken.tolist() == [True, False, True, True, False]


# ----------------------------------------------------------------- take-up
@pytest.mark.parametrize("kind", ["certification"])
def test_take_up_rises_with_the_grant(kind):
    """Fewer firms find the programme worth their share of its cost when the grant covers
    less: applicants at a 20% grant < at 50% < at 90%; a firm without value added never
    applies."""
    counts = []
    for share in (0.2, 0.5, 0.9):
        d = bundled_spec(kind, 0.3)
        d["policies"][0]["cost_share"] = share
        m = fresh_model(d, 1)
        p = m.policies[0]
        rows = np.arange(m.firms.n)
        value, cost = p.expected_value(m, rows), p.cost(m, rows)
        counts.append(int((value >= (1 - share) * cost).sum()))
        m.firms["value_added"][:] = 0.0
        assert not (p.expected_value(m, rows) >= (1 - share) * cost).any()
    assert counts[0] < counts[1] < counts[2], counts


def test_certification_cost_grows_with_size():
    m = fresh_model(bundled_spec("certification", 0.3), 1)
    p = m.policies[0]
    f = m.firms
    small, large = np.argmin(f["employees"]), np.argmax(f["employees"])
    cost = p.cost(m, np.array([small, large]))
    assert cost[1] - cost[0] == pytest.approx(
        p["cost_per_worker"] * (f["employees"][large] - f["employees"][small]))


# ----------------------------------------------------------------- venture R&D
def test_equity_raised_for_rd_is_spent_over_its_runway():
    """A firm with equity for R&D spends its pace each quarter on top of its own R&D, until
    the money is gone."""
    m = small_model()
    m.step()
    f = m.firms
    f["vc_rd"][:3], f["vc_rd_pace"][:3] = 0.05, 0.02
    own = f["rd_intensity"][:3] * f["sales_total"][:3] + f["rd_project"][:3]
    spent = []
    for _ in range(3):
        finance.finance_phase(m)
        spent.append(f["rd_spend"][:3] - own)
    np.testing.assert_allclose(spent, [[0.02] * 3, [0.02] * 3, [0.01] * 3], rtol=1e-9)
    assert (f["vc_rd"][:3] == 0).all()


# ----------------------------------------------------------------- logistics
def test_logistics_removes_a_share_of_late_deliveries():
    on_time = realised_delivery(np.array([0.6, 0.9]), np.array([0.5, 0.5]), np.zeros(2))
    better = realised_delivery(np.array([0.6, 0.9]), np.array([0.5, 0.5]), np.zeros(2),
                               np.array([0.25, 0.25]))
    np.testing.assert_allclose(1 - better, 0.75 * (1 - on_time), rtol=1e-12)
