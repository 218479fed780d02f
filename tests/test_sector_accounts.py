"""Stock-flow consistency: the sector accounts of every quarter of every bundled scenario.

Firms' net lending is summed from their flow columns and compared with the change of their
cash minus debt read from the state; each government's net lending with the change of its
fiscal balance; the taxes the governments booked with those the payers recorded; and the
sectors' net lending sums to zero. Two injected faults show that the checks can fail: a cash
payment that no flow column records, and VAT booked twice at the border."""

from __future__ import annotations

import numpy as np
import pytest

from sim import bundled_scenarios
from sim.accounts import SECTORS
from sim.inputs.scenario import load_scenario
from sim.model import ClusterModel
from sim.phases import finance

#: Quarters checked per scenario (each quarter is checked; 16 cover the policies' first
#: windows and the warm-up's end).
QUARTERS = 16
#: Largest gap allowed, relative to the quarter's gross flows (implementation: floating-point
#: sums over about 1,500 firms).
RTOL = 1e-9


def _scale(model: ClusterModel) -> float:
    return float(model.firms["sales_total"].sum()) + 1.0


def _gaps(model: ClusterModel) -> dict[str, float]:
    a = model.accounts
    lending, change = a.firms_check(model)
    gov, balance = a.government_check(model)
    booked, paid = a.taxes_check()
    return {"firms": float(np.abs(lending - change).max()),
            "government": float(np.abs(gov - balance).max()),
            "taxes": float(np.abs(booked - paid).max()),
            "sum": abs(a.balance())}


SCENARIOS = sorted(bundled_scenarios())


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_quarter_is_stock_flow_consistent(path):
    name = path.stem
    model = ClusterModel(load_scenario(path), seed=0)
    for _ in range(QUARTERS):
        model.step()
        tolerance = RTOL * _scale(model)
        gaps = _gaps(model)
        assert max(gaps.values()) <= tolerance, f"{name} quarter {model.quarter}: {gaps}"
        assert set(model.accounts.net_lending) == set(SECTORS)


def test_the_accounts_are_not_trivial():
    """The firms' flows are far from zero and from each other: households spend beyond the
    modelled industries' income and the rest of the world earns on imports, so a zero sum is
    not a sum of zeros."""
    model = ClusterModel(seed=1)
    model.step()
    lending = model.accounts.net_lending
    assert np.all(lending["firms"] != 0.0)
    assert lending["rest_of_world"][0] > 100.0
    assert np.all(lending["households"] < -100.0)
    assert np.all(lending["government"] > 0.0)


def test_a_cash_payment_no_flow_records_breaks_the_firms_check(monkeypatch):
    """Dividends paid out of cash 5% above what the dividend columns record: the firms'
    stock falls more than their recorded flows say."""
    real = finance.pay_dividends

    def leaky(model, cash_flow):
        return real(model, cash_flow) * 1.05

    monkeypatch.setattr(finance, "pay_dividends", leaky)
    model = ClusterModel(seed=1)
    model.step()
    lending, change = model.accounts.firms_check(model)
    assert np.all(lending - change > 1e-3)


def test_vat_booked_twice_breaks_the_taxes_check(monkeypatch):
    real = finance.border_vat

    def twice(model):
        vat, foregone = real(model)
        return 2.0 * vat, foregone

    monkeypatch.setattr(finance, "border_vat", twice)
    model = ClusterModel(seed=1)
    model.step()
    booked, paid = model.accounts.taxes_check()
    assert np.all(booked - paid > 1.0)
