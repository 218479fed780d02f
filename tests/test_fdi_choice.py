"""FDI that chooses: investors pick a country by the profit-tax rate they expect there (the
two countries' total stays at the data values; the split moves with the semi-elasticity of
FDI to the tax rate, 3.3 after de Mooij and Ederveen 2003), then a firm within it by
expected return; FDI buys equity, so the receiving firm's foreign share rises."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fresh_model, spec

from sim.phases import investment
from sim.phases.investment import (
    country_profit_tax,
    fdi_volume,
    fdi_weights,
    firm_equity,
    take_equity,
)

SCALE = 1.0  # full scale: about 7 deals a quarter in AZ and 12 in BY
CONTROL = spec(scale=SCALE)
#: AZ's profit tax 0.20 -> 0.05: its expected rate falls by about 0.13 (reliefs already cut
#: part of it), so its FDI relative to BY's should rise by exp(3.3 x 0.13), about +54%.
AZ_CUT = spec(countries={"AZ": {"profit_tax": 0.05}}, scale=SCALE)
SEEDS = (1, 2, 3, 4, 5)
STEPS = 40


def _record(d, seed):
    """FDI received by each country per quarter and the expected profit-tax rates."""
    m = fresh_model(d, seed)
    fdi, tax = [], []
    for _ in range(STEPS):
        m.step()
        f = m.firms
        fdi.append(np.bincount(f["country"], weights=f["fdi"], minlength=2))
        tax.append(country_profit_tax(m))
    return m, np.array(fdi), np.array(tax)


def test_semi_elasticity_moves_the_split_by_the_documented_amount():
    """Within one state, a one-point cut of AZ's statutory rate lowers AZ's expected rate by
    0.01 x (1 - the relief investors expect there) and raises AZ's FDI relative to BY's by
    exp(3.3 x that); the total stays at the data value."""
    m = fresh_model(spec(), 1)
    m.warming_up = False
    for _ in range(2):
        m.step()
    before_tax, before = country_profit_tax(m), fdi_volume(m)
    m.profit_tax = m.profit_tax.copy()
    m.profit_tax[0] -= 0.01
    after_tax, after = country_profit_tax(m), fdi_volume(m)
    assert after.sum() == pytest.approx(m.fdi_base.sum())
    assert before.sum() == pytest.approx(m.fdi_base.sum())
    assert after_tax[1] == before_tax[1]
    drop = before_tax[0] - after_tax[0]
    assert 0.005 < drop <= 0.01 + 1e-12  # reliefs take part of the cut
    ratio = (after[0] / after[1]) / (before[0] / before[1])
    assert math.log(ratio) == pytest.approx(m.params["fdi_tax_semi_elasticity"] * drop,
                                            rel=1e-9)


def test_fdi_moves_toward_the_country_whose_tax_falls():
    """Against a control with the same seeds, AZ's profit tax 0.20 -> 0.05 raises AZ's share
    of the two countries' FDI by the semi-elasticity's amount: log(AZ/BY FDI, pooled over 5
    seeds and 40 quarters) rises by 3.3 x the fall of AZ's expected rate (about 0.13, so
    about +0.43): measured +0.49 against +0.43 expected on seeds 1-5, and +0.35/+0.42,
    +0.44/+0.43, +0.43/+0.43 on seeds 6-10, 11-15, 16-20 (deals are Poisson: the pooled log
    ratio has a standard deviation near 0.05, so the band is +-0.15); the total stays at the
    data value (measured -0.6..+1.1% against control)."""
    got = {"control": np.zeros(2), "treated": np.zeros(2)}
    cut = []
    for seed in SEEDS:
        _, fdi_c, tax_c = _record(CONTROL, seed)
        _, fdi_t, tax_t = _record(AZ_CUT, seed)
        got["control"] += fdi_c.sum(axis=0)
        got["treated"] += fdi_t.sum(axis=0)
        cut.append(((tax_c - tax_t)[:, 0] - (tax_c - tax_t)[:, 1]).mean())
    semi = CONTROL_PARAMS["fdi_tax_semi_elasticity"]
    expected = semi * float(np.mean(cut))
    c, t = got["control"], got["treated"]
    moved = math.log(t[0] / t[1]) - math.log(c[0] / c[1])
    assert 0.1 < float(np.mean(cut)) < 0.16, cut
    assert abs(moved - expected) <= 0.15, (moved, expected, c, t)
    assert abs(t.sum() / c.sum() - 1.0) <= 0.06, (c, t)


CONTROL_PARAMS = fresh_model(spec(scale=0.05), 0).params


def test_a_tax_change_in_one_country_leaves_the_others_firm_weights():
    """Cutting AZ's profit tax changes nothing in investors' choice among BY's firms; BY's
    FDI changes only through the split between the countries."""
    m = fresh_model(spec(), 2)
    for _ in range(2):
        m.step()
    by = m.firms["country"] == 1
    w0 = fdi_weights(m)
    v0 = fdi_volume(m)
    m.profit_tax = m.profit_tax.copy()
    m.profit_tax[0] = 0.05
    w1 = fdi_weights(m)
    v1 = fdi_volume(m)
    assert np.array_equal(w0[by], w1[by])
    relieved = m.firms["relief_profit"][~by] == 1.0
    assert (w1[~by][~relieved] > w0[~by][~relieved]).all()  # AZ's taxed firms: more attractive
    assert np.array_equal(w1[~by][relieved], w0[~by][relieved])  # fully relieved: as before
    share0, share1 = w0[by] / w0[by].sum(), w1[by] / w1[by].sum()
    assert np.array_equal(share0, share1)
    assert v1[1] < v0[1] and v1[0] > v0[0]
    assert v1.sum() == pytest.approx(v0.sum())


def test_investors_prefer_relieved_serviced_skilled_firms():
    """Within a country the weight rises with a profit-tax relief (by exp(3.3 x 0.2) = 1.93
    for a full relief of a 20% tax), park services (exp(1.5 x 0.6) = 2.46 for an industrial
    park's), skill and demand over capacity."""
    m = fresh_model(spec(), 3)
    f = m.firms
    i = int(np.flatnonzero((f["park"] < 0) & (f["relief_profit"] == 0))[0])
    w0 = fdi_weights(m)[i]
    f["relief_profit"][i] = 1.0
    w1 = fdi_weights(m)[i]
    assert w1 / w0 == pytest.approx(math.exp(m.params["fdi_tax_semi_elasticity"]
                                             * m.profit_tax[f["country"][i]]))
    f["skill"][i] += 0.2
    assert fdi_weights(m)[i] / w1 == pytest.approx(math.exp(investment.FDI_SKILL_WEIGHT * 0.2))


def test_foreign_share_rises_where_fdi_lands_and_stays_in_unit_interval():
    """FDI buys new equity: a firm with equity 2 receiving 0.5 has foreign share 0.5 / 2.5 =
    0.2; a firm already 50% foreign goes to (0.5 x 2 + 0.5) / 2.5 = 0.6; a firm without
    equity becomes wholly foreign. Over a run, shares rise only where FDI landed and stay in
    [0, 1]."""
    m = fresh_model(spec(scale=0.1), 1)
    f = m.firms
    f["foreign_share"][:] = 0.0
    f["foreign_share"][1] = 0.5
    for r in (0, 1):
        f["capital"][r], f["cash"][r], f["debt"][r] = 1.5, 1.0, 0.5
    f["capital"][2], f["cash"][2], f["debt"][2] = 1.0, 0.0, 3.0
    assert firm_equity(m)[:3] == pytest.approx([2.0, 2.0, 0.0])
    fdi = np.zeros(f.n)
    fdi[:3] = 0.5
    take_equity(m, fdi)
    assert f["foreign_share"][:3] == pytest.approx([0.2, 0.6, 1.0])
    assert (f["foreign_share"][3:] == 0.0).all()
    m = fresh_model(spec(), 1)
    for _ in range(12):
        before = m.firms["foreign_share"].copy()
        ids_before = m.firms.ids.copy()
        m.step()
        f = m.firms
        assert ((f["foreign_share"] >= 0) & (f["foreign_share"] <= 1)).all()
        # firms present in both quarters: the share rose exactly where FDI landed
        rows = f.rows_of(ids_before)
        alive = rows >= 0
        now = f["foreign_share"][rows[alive]]
        got = f["fdi"][rows[alive]] > 0
        assert (now[got] > before[alive][got]).all()
        assert np.array_equal(now[~got], before[alive][~got])
    assert (f["foreign_share"] > 0).sum() >= 20
