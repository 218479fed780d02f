"""Finance: cash and debt, profit, and every tax with its reliefs.

This is where a tax break changes a firm's cash. Each quarter:

* **Reliefs** are granted anew: park operators give their residents the park's regime
  (:mod:`sim.phases.parks`) and the tax-break policy its targeted firms their reliefs, both
  through :func:`grant_reliefs`, which keeps the largest share of each tax forgiven. The relief
  columns are declared here (:data:`RELIEF_DECLARATIONS`) and reset to 0 at the start of every
  quarter, like every flow column of the firm table.
* **Taxes** are charged here with the reliefs applied: profit tax, VAT and property tax in
  :func:`finance_phase`, import VAT on equipment in :func:`charge_import_vat` (called by the
  investment phase, which pays it with the equipment). Every tax is booked on the firm's own
  government with the taxes its reliefs forgave (:func:`book_taxes`), so a scenario's fiscal
  cost is exact.
* **Cash** changes only through :func:`settle`: deficits are borrowed, surpluses above a buffer
  repay debt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases.labour import wage_per_worker

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Cash a firm keeps before it repays debt, as a share of its quarterly sales (assumed).
CASH_BUFFER = 0.5
#: Share of the cash above the buffer that repays debt each quarter (assumed).
REPAY_SHARE = 0.5
#: Tax reliefs a park or policy grants (parameter name) -> the firm column they set.
RELIEF_COLUMNS = {
    "profit_relief": "relief_profit",
    "vat_relief": "relief_vat",
    "property_relief": "relief_property",
    "import_vat_relief": "relief_import_vat",
}
RELIEFS = tuple(RELIEF_COLUMNS)
#: Declarations of the relief columns of the firm table (dtype, meaning, value they are reset
#: to at the start of every quarter): reliefs hold for the quarter they are granted in.
RELIEF_DECLARATIONS: dict[str, tuple[str, str, float]] = {
    "relief_profit": ("f8", "share of profit tax forgiven this quarter", 0.0),
    "relief_vat": ("f8", "share of VAT forgiven this quarter", 0.0),
    "relief_property": ("f8", "share of property tax forgiven this quarter", 0.0),
    "relief_import_vat": ("f8", "share of import VAT on equipment forgiven this quarter", 0.0),
}


def grant_reliefs(model: ClusterModel, who: np.ndarray, reliefs: dict[str, float | np.ndarray]
                  ) -> None:
    """Forgive firms ``who`` (a mask or rows) a share of each tax this quarter: ``reliefs``
    maps relief names (:data:`RELIEFS`) to shares (one, or one per firm of ``who``). A firm
    granted two reliefs of one tax (a park's and a tax break's) keeps the larger."""
    f = model.firms
    for relief, share in reliefs.items():
        column = f[RELIEF_COLUMNS[relief]]
        column[who] = np.maximum(column[who], share)


def finance_phase(model: ClusterModel) -> None:
    """Costs, profit, taxes (with reliefs), cash and debt; taxes are booked on governments."""
    f, p = model.firms, model.params
    c = f["country"]
    wages = wage_per_worker(model) * f["employees"]
    # own R&D plans plus co-funded joint projects; the grant covers part of the latter
    f["rd_spend"] = f["rd_intensity"] * f["sales_total"] + f["rd_project"]
    interest = p["interest_rate"] * f["debt"]
    depreciation = p["depreciation"] * f["capital"]
    property_due = model.property_tax[c] / QUARTERS_PER_YEAR * f["capital"]
    property_tax = property_due * (1.0 - f["relief_property"])
    profit = (f["sales_total"] - f["inputs_total"] - wages - (f["rd_spend"] - f["rd_grant"])
              - interest - depreciation - property_tax)
    profit_due = model.profit_tax[c] * np.maximum(profit, 0.0)
    profit_tax = profit_due * (1.0 - f["relief_profit"])
    vat_due = model.vat[c] * np.maximum(f["sales_home"] - f["inputs_total"], 0.0)
    vat = vat_due * (1.0 - f["relief_vat"])
    f["profit"] = profit
    f["net_income"] = profit - profit_tax
    f["tax_paid"] = profit_tax + property_tax + vat
    foregone = (profit_due - profit_tax) + (property_due - property_tax) + (vat_due - vat)
    # VAT is charged to customers on top of the price, so it passes through the firm's cash.
    cash_flow = profit + depreciation - profit_tax
    settle(model, cash_flow)
    f["loss_quarters"] = np.where(profit < 0, f["loss_quarters"] + 1, 0)
    book_taxes(model, f["tax_paid"], foregone)


def charge_import_vat(model: ClusterModel, invest: np.ndarray) -> np.ndarray:
    """Import VAT on the equipment firms buy this quarter (USD m), with its relief, booked on
    the governments; returns what each firm pays (with the equipment)."""
    f = model.firms
    vat_due = model.import_vat[f["country"]] * invest
    vat = vat_due * (1.0 - f["relief_import_vat"])
    f["tax_paid"] += vat
    book_taxes(model, vat, vat_due - vat)
    return vat


def book_taxes(model: ClusterModel, taxes: np.ndarray, foregone: np.ndarray) -> None:
    """Book firms' taxes and the taxes their reliefs forgave on their own government."""
    country = model.firms["country"]
    for k, gov in enumerate(model.governments.values()):
        mine = country == k
        gov.collect(float(taxes[mine].sum()), float(foregone[mine].sum()))


def settle(model: ClusterModel, cash_flow: np.ndarray | float,
           rows: np.ndarray | None = None) -> None:
    """Add a cash flow: deficits are borrowed, surpluses above a buffer repay debt.

    Every change of a firm's cash goes through here. Without ``rows`` the flow is one per
    firm (the phases: every firm's quarter settles); with ``rows`` it is paid to or by those
    firms only (a policy's grant, a firm's share of a project), and no other firm's cash or
    debt moves.
    """
    f = model.firms
    where = slice(None) if rows is None else rows
    cash = f["cash"][where] + cash_flow
    borrow = np.maximum(-cash, 0.0)
    cash = np.maximum(cash, 0.0)
    buffer = CASH_BUFFER * f["sales_total"][where]
    repay = np.minimum(np.maximum(cash - buffer, 0.0) * REPAY_SHARE, f["debt"][where] + borrow)
    f["debt"][where] = f["debt"][where] + borrow - repay
    f["cash"][where] = cash - repay
