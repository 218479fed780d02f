"""Finance: cash and debt, profit, and every tax with its reliefs.

This is where a tax break changes a firm's cash. Each quarter:

* **Reliefs** are granted anew: park operators give their residents the park's regime
  (:mod:`sim.phases.parks`) and the tax-break policy its targeted firms their reliefs, both
  through :func:`grant_reliefs`, which keeps the largest share of each tax forgiven. The relief
  columns are declared here (:data:`RELIEF_DECLARATIONS`) and reset to 0 at the start of every
  quarter, like every flow column of the firm table.
* **Taxes** are charged here with the reliefs applied: profit tax, VAT and property tax in
  :func:`finance_phase`, import VAT on equipment in :func:`charge_import_vat` (called by the
  investment phase, which pays it with the equipment). Every tax is booked on the government
  that levies it with the taxes its reliefs forgave (:func:`book_taxes`), so a scenario's
  fiscal cost is exact.
* **VAT** works by the invoice-credit method (:func:`vat_account`): a firm owes VAT on its home
  sales (to households and to domestic firms) less the VAT on all its inputs, domestic and
  imported, and less the import VAT it paid on equipment the quarter before; exports are
  zero-rated, so a negative balance is refunded. Imports pay VAT at the border of the country
  they enter (:func:`border_vat`): final goods on its home market, including the partner
  country's, and firms' imported inputs (which their buyers then credit). Whoever serves a
  home market, its government thus collects its VAT rate on the market's final sales.
* **Dividends**: after tax, firms pay out a share of positive net income; the foreign owners'
  share of it is repatriated (:func:`pay_dividends`).
* **Cash** changes only through :func:`settle`: deficits are borrowed, surpluses above a buffer
  repay debt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import per_country
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases.labour import wage_per_worker

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Cash a firm keeps before it repays debt, as a share of its quarterly sales (assumed).
CASH_BUFFER = 0.5
#: Share of the cash above the buffer that repays debt each quarter (assumed).
REPAY_SHARE = 0.5
#: Share of a firm's positive after-tax profit paid out as dividends each quarter (source:
#: Aivazian, Booth & Cleary 2003, "Do emerging market firms follow different dividend policies
#: from U.S. firms?", J. Financial Research 26(3), Table 3: mean payout ratios 0.27-0.60 in
#: eight emerging markets, e.g. Korea 0.42, India 0.35, Malaysia 0.50, Turkey 0.60; U.S.
#: 0.33; the middle of that range).
PAYOUT_RATIO = 0.4
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
    """Costs, profit, taxes (with reliefs), dividends, cash and debt; taxes are booked on the
    governments, and each country's household income (wages and domestic dividends) is
    recorded for next quarter's home demand (:func:`sim.phases.markets.advance_world`)."""
    f, p = model.firms, model.params
    c = f["country"]
    wages = wage_per_worker(model) * f["employees"]
    # own R&D plans, less the part a co-funded joint project takes over (crowding out), plus
    # the joint projects (the grant covers part of them) plus the R&D a venture round was
    # raised for, spent over the round's runway
    own = f["rd_intensity"] * f["sales_total"]
    f["rd_spend"] = own - np.minimum(own, f["rd_in_own"]) + f["rd_project"]
    if f["vc_rd"].any():
        venture = np.minimum(f["vc_rd"], f["vc_rd_pace"])
        f["vc_rd"] -= venture
        f["rd_spend"] += venture
    interest = p["interest_rate"] * f["debt"]
    depreciation = p["depreciation"] * f["capital"]
    property_due = model.property_tax[c] / QUARTERS_PER_YEAR * f["capital"]
    property_tax = property_due * (1.0 - f["relief_property"])
    profit = (f["sales_total"] - f["inputs_total"] - wages - (f["rd_spend"] - f["rd_grant"])
              - interest - depreciation - property_tax)
    profit_due = model.profit_tax[c] * np.maximum(profit, 0.0)
    profit_tax = profit_due * (1.0 - f["relief_profit"])
    vat, vat_foregone = vat_account(model)
    f["profit"] = profit
    f["net_income"] = profit - profit_tax
    f["tax_paid"] = profit_tax + property_tax + vat
    foregone = (profit_due - profit_tax) + (property_due - property_tax) + vat_foregone
    # VAT is charged to buyers on top of the price and passed on net of credits, so it passes
    # through the firm's cash, except the import VAT on last quarter's equipment: paid then
    # with the equipment, recovered now through the credit
    cash_flow = profit + depreciation - profit_tax + f["import_vat_paid"]
    f["wage_bill"], f["interest_paid"] = wages, interest
    f["direct_tax"], f["vat_balance"] = profit_tax + property_tax, vat
    f["vat_credit"] = f["import_vat_paid"]
    f["import_vat_paid"] = 0.0
    cash_flow -= pay_dividends(model, cash_flow)
    settle(model, cash_flow)
    f["loss_quarters"] = np.where(profit < 0, f["loss_quarters"] + 1, 0)
    book_taxes(model, profit_tax + property_tax + np.maximum(vat, 0.0), foregone,
               refunds=np.maximum(-vat, 0.0))
    book_taxes(model, *border_vat(model), country=np.arange(len(model.vat)))
    model.household_income = per_country(wages + f["dividends"], c)


def vat_account(model: ClusterModel) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's VAT this quarter by the invoice-credit method, and what its reliefs forgave.

    Output VAT on home sales (to households and to domestic firms) less input VAT on every
    input (domestic suppliers charged it, imports paid it at the border) less the import VAT
    paid on last quarter's equipment. Exports are zero-rated, so the balance may be negative:
    a refund. A VAT relief forgives that share of a positive balance, which is what it booked
    as foregone; a firm relieved of all its VAT is treated as zero-rated (it charges nothing
    and still recovers its input VAT). An import-VAT relief on equipment forgives the tax at
    the border (booked as foregone there, :func:`charge_import_vat`) and leaves no credit, so
    the next quarter's VAT is higher by as much: to the budget it is worth one quarter's
    financing of that tax, which the net fiscal cost shows.

    Returns:
        ``(vat, foregone)``, one per firm, USD m: VAT owed (negative: refunded) and forgiven.
    """
    f = model.firms
    rate = model.vat[f["country"]]
    balance = rate * (f["sales_home"] - f["inputs_total"]) - f["import_vat_paid"]
    vat = np.where(balance > 0.0, balance * (1.0 - f["relief_vat"]), balance)
    return vat, balance - vat


def border_vat(model: ClusterModel) -> tuple[np.ndarray, np.ndarray]:
    """VAT each country collects at its border this quarter (USD m, one per country): on the
    final goods imported into its home market (from the rest of the world,
    ``model.import_base``, and from the partner country's firms) and on its firms' imported
    inputs (from the rest of the world, and from the partner's suppliers, whose sales count as
    exports to the partner country). No relief applies; returns ``(vat, foregone)``."""
    f = model.firms
    c = f["country"]
    k = len(model.vat)
    imported_inputs = np.bincount(c, weights=f["inputs_total"] - f["inputs_domestic"],
                                  minlength=k)
    # the partner's firms' sales to a country, final goods and inputs alike
    from_partner = np.bincount(1 - c, weights=f["sales_partner"], minlength=k)
    imports = model.import_base[:k].sum(axis=1) + from_partner + imported_inputs
    return model.vat * imports, np.zeros(k)


def pay_dividends(model: ClusterModel, cash_flow: np.ndarray) -> np.ndarray:
    """Dividends out of positive after-tax profit (:data:`PAYOUT_RATIO`), within the cash the
    firm has after this quarter's flows; the foreign owners' share (``foreign_share``) is
    repatriated, the rest paid to domestic owners. Returns what each firm pays (USD m)."""
    f = model.firms
    paid = np.minimum(PAYOUT_RATIO * np.maximum(f["net_income"], 0.0),
                      np.maximum(f["cash"] + cash_flow, 0.0))
    f["repatriated"] = paid * f["foreign_share"]
    f["dividends"] = paid - f["repatriated"]
    return paid


def charge_import_vat(model: ClusterModel, invest: np.ndarray) -> np.ndarray:
    """Import VAT on the equipment firms buy this quarter (USD m), with its relief, booked on
    the governments; returns what each firm pays (with the equipment). What a firm pays is
    credited against its VAT next quarter (:func:`vat_account`)."""
    f = model.firms
    vat_due = model.import_vat[f["country"]] * invest
    vat = vat_due * (1.0 - f["relief_import_vat"])
    f["tax_paid"] += vat
    f["import_vat_paid"] += vat
    f["import_vat_equipment"] += vat
    book_taxes(model, vat, vat_due - vat)
    return vat


def book_taxes(model: ClusterModel, taxes: np.ndarray, foregone: np.ndarray,
               refunds: np.ndarray | None = None, country: np.ndarray | None = None) -> None:
    """Book taxes, the taxes reliefs forgave and VAT refunds on the government that levies
    them: each firm's own (``country`` None: one value per firm), or one value per country
    (``country`` the countries' indices, e.g. VAT collected at the border)."""
    country = model.firms["country"] if country is None else country
    for k, gov in enumerate(model.governments.values()):
        mine = country == k
        gov.collect(float(taxes[mine].sum()), float(foregone[mine].sum()),
                    0.0 if refunds is None else float(refunds[mine].sum()))


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
