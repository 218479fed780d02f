"""Sector accounts: who pays whom each quarter, and the stocks those flows change.

Every quarter the model's money flows are gathered into the accounts of five kinds of sector
in each country, as in a stock-flow consistent model (Godley and Lavoie 2007, *Monetary
Economics*, ch. 2: every flow comes from somewhere and goes somewhere, so the sectors' net
lending sums to zero):

* **firms**: the modelled firms of the country;
* **households**: the rest of the domestic economy: workers, owners, banks (interest), research
  staff, service providers and the buyers of final goods;
* **government**;
* **rest of the world** (one sector for both countries): the sellers of imports and buyers of
  third-country exports, foreign investors and foreign owners.

A sector's **net lending** is what it receives minus what it pays. For firms it is summed from
the quarter's flow columns (sales, inputs, wages, interest, R&D, taxes, dividends, investment,
grants, FDI, bail-outs, ...), and it must equal the change in their financial stock read from
the state: the sum of cash minus debt over the firms, plus what firms that exited took with
them and less what entrants brought (:meth:`SectorAccounts.firms_check`). For a government it
is taxes minus refunds minus spending, and must equal the change of its fiscal balance; the
taxes the government booked must equal those its firms recorded paying plus the VAT it
levied at the border (:meth:`SectorAccounts.government_check`). Households and the rest of
the world hold no stock in the model; their flows are summed from what they receive and pay,
and the sum of all sectors' net lending is zero (:meth:`SectorAccounts.balance`).

VAT passes through firms: buyers pay it on top of the price and firms remit it net of their
credits, so it is booked as paid by households (the final buyers) to the government, except
the import VAT a firm pays on equipment, which leaves its cash in one quarter and comes back
through the credit in the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import per_country

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: The sectors of the accounts (by definition).
SECTORS = ("firms", "households", "government", "rest_of_world")
#: Firms' cash flows (column, sign): their sum is the firms' net lending (by definition:
#: the flows that go through sim.phases.finance.settle).
FIRM_FLOWS: tuple[tuple[str, float], ...] = (
    ("sales_total", 1.0),
    ("inputs_total", -1.0),
    ("wage_bill", -1.0),
    ("rd_spend", -1.0),
    ("rd_grant", 1.0),
    ("interest_paid", -1.0),
    ("direct_tax", -1.0),
    ("vat_credit", 1.0),
    ("dividends", -1.0),
    ("repatriated", -1.0),
    ("export_entry_cost", -1.0),
    ("audit_cost", -1.0),
    ("equipment_resale", 1.0),
    ("grant", 1.0),
    ("fdi", 1.0),
    ("investment", -1.0),
    ("import_vat_equipment", -1.0),
    ("policy_cash", 1.0),
    ("bailout", 1.0),
)


#: Other flow columns the households' and the rest of the world's accounts read.
OTHER_COLUMNS = ("sales_home", "sales_partner", "sales_third", "sales_b2b",
                 "sales_b2b_partner", "vat_balance", "inputs_domestic")
#: Every column the accounts sum.
COLUMNS = tuple(dict.fromkeys([c for c, _ in FIRM_FLOWS] + list(OTHER_COLUMNS)))


def column_sums(model: ClusterModel, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per-country sums of every column of :data:`COLUMNS` over the firms ``rows`` (a
    boolean mask over the firms): one product of the columns with the firms' country
    weights."""
    f = model.firms
    country = f["country"]
    weights = np.zeros((f.n, 2))
    weights[np.flatnonzero(rows), country[rows]] = 1.0
    sums = np.stack([f[name] for name in COLUMNS]) @ weights
    return dict(zip(COLUMNS, sums, strict=True))


def net_worth(model: ClusterModel) -> np.ndarray:
    """Firms' financial stock per country: cash minus debt, USD m."""
    f = model.firms
    return per_country(f["cash"] - f["debt"], f["country"])


@dataclass
class SectorAccounts:
    """The quarter's sector accounts of a model (``model.accounts``).

    Attributes:
        start: firms' cash minus debt per country at the start of the quarter.
        entered, exited: cash minus debt of the firms that entered and exited this quarter,
            per country.
        exited_flows: the flow columns of the firms that exited, summed per country before
            they left.
        net_lending: sector -> net lending per country this quarter (the rest of the world:
            one value, in the first entry), filled by :meth:`close`.
        history: every closed quarter's ``net_lending`` and checks, in order.
    """

    start: np.ndarray = field(default_factory=lambda: np.zeros(2))
    entered: np.ndarray = field(default_factory=lambda: np.zeros(2))
    exited: np.ndarray = field(default_factory=lambda: np.zeros(2))
    exited_flows: dict[str, np.ndarray] = field(default_factory=dict)
    balances: np.ndarray = field(default_factory=lambda: np.zeros(2))
    net_lending: dict[str, np.ndarray] = field(default_factory=dict)
    taxes_booked: np.ndarray = field(default_factory=lambda: np.zeros(2))
    taxes_paid: np.ndarray = field(default_factory=lambda: np.zeros(2))
    history: list[dict[str, np.ndarray]] = field(default_factory=list)

    # ----------------------------------------------------------- recording
    def open(self, model: ClusterModel) -> None:
        """Start the quarter: remember the firms' stock and the governments' balances."""
        self.start = net_worth(model)
        self.balances = np.array([g.balance for g in model.governments.values()])
        self.entered = np.zeros(2)
        self.exited = np.zeros(2)
        self.exited_flows = {}

    def firms_entered(self, model: ClusterModel, rows: np.ndarray) -> None:
        """Entrants ``rows`` bring their starting cash minus debt (from households)."""
        f = model.firms
        self.entered += per_country(f["cash"][rows] - f["debt"][rows], f["country"][rows])

    def firms_leaving(self, model: ClusterModel, mask: np.ndarray) -> None:
        """Firms ``mask`` exit: their quarter's flows and their cash minus debt leave with
        them (to their owners and creditors, the households)."""
        f = model.firms
        country = f["country"][mask]
        self.exited += per_country(f["cash"][mask] - f["debt"][mask], country)
        for name, sums in column_sums(model, mask).items():
            self.exited_flows[name] = self.exited_flows.get(name, 0.0) + sums

    # ----------------------------------------------------------- the quarter's accounts
    def close(self, model: ClusterModel) -> None:
        """Gather the quarter's net lending of every sector (called after entry and exit)."""
        f = model.firms
        # firms that were there all quarter (entrants joined after the quarter's flows), and
        # those that left
        old = f["born"] < model.quarter
        sums = column_sums(model, old)
        for name, values in self.exited_flows.items():
            sums[name] = sums[name] + values
        # capital transfers: owners put up entrants' cash (net of debt) and take over what
        # exiting firms leave (their creditors bear a negative remainder)
        firms = sum(sign * sums[name] for name, sign in FIRM_FLOWS) + self.entered - self.exited
        govs = list(model.governments.values())
        collected = np.array([g.collected_this_step for g in govs])
        refunded = np.array([g.refunded_this_step for g in govs])
        spent = np.array([g.spent_this_step for g in govs])
        government = collected - refunded - spent
        # the rest of the world: final imports into the two home markets, imported inputs
        # with the trade costs on every input (what buyers paid beyond what the two
        # countries' suppliers received), equipment and repatriated profits; less
        # third-country exports and FDI
        imports = model.import_base[: len(govs)].sum(axis=1)
        received = (imports.sum() + (sums["inputs_total"] - sums["sales_b2b"]).sum()
                    + sums["investment"].sum() + sums["repatriated"].sum())
        paid = sums["sales_third"].sum() + sums["fdi"].sum()
        rest = np.array([received - paid])
        households = self._households(sums, imports, collected, refunded, spent)
        # taxes as the payers recorded them: firms' own taxes and the VAT they remitted, and
        # the VAT levied at each border on final imports, the partner's goods and imported
        # inputs
        border = model.vat * (imports + sums["sales_partner"][::-1]
                              + sums["inputs_total"] - sums["inputs_domestic"])
        self.taxes_paid = (sums["direct_tax"] + sums["vat_balance"]
                           + sums["import_vat_equipment"] + border)
        self.taxes_booked = collected - refunded
        self.net_lending = {"firms": firms, "households": households,
                            "government": government, "rest_of_world": rest}
        self.history.append({k: v.copy() for k, v in self.net_lending.items()})

    def _households(self, sums: dict[str, np.ndarray], imports: np.ndarray,
                    collected: np.ndarray, refunded: np.ndarray, spent: np.ndarray
                    ) -> np.ndarray:
        """Households' net lending per country: income (wages, dividends, interest, R&D pay,
        services, the government's purchases, what exiting firms leave) less spending
        (final goods at home with their VAT, used equipment, what entrants need)."""
        transfers = sums["policy_cash"] + sums["grant"] + sums["rd_grant"] + sums["bailout"]
        # the governments' purchases from households: spending not paid to firms; a policy
        # of one country may pay firms of the other, so the purchases are shared in
        # proportion to spending (the total is exact)
        total = spent.sum()
        purchases = (total - transfers.sum()) * spent / total if total > 0 else np.zeros(2)
        income = (sums["wage_bill"] + sums["dividends"] + sums["interest_paid"]
                  + sums["rd_spend"] + sums["export_entry_cost"] + sums["audit_cost"]
                  + purchases + self.exited)
        # final purchases: domestic firms' home sales to households, the partner's firms'
        # final sales here, imports; VAT: what the government collected beyond the firms'
        # own taxes
        home_final = sums["sales_home"] - (sums["sales_b2b"] - sums["sales_b2b_partner"])
        partner_final = (sums["sales_partner"] - sums["sales_b2b_partner"])[::-1]
        firm_taxes = sums["direct_tax"] + sums["import_vat_equipment"] - sums["vat_credit"]
        vat = collected - refunded - firm_taxes
        spending = (home_final + partner_final + imports + vat + sums["equipment_resale"]
                    + self.entered)
        return income - spending

    # ----------------------------------------------------------- the checks
    def firms_check(self, model: ClusterModel) -> tuple[np.ndarray, np.ndarray]:
        """Firms' net lending from their flows (with the capital entrants brought and exiting
        firms left), and the change of their stock read from the state (cash minus debt of
        the firms there now, less that of the firms there at the start), per country."""
        return self.net_lending["firms"], net_worth(model) - self.start

    def government_check(self, model: ClusterModel) -> tuple[np.ndarray, np.ndarray]:
        """Governments' net lending from their flows, and the change of their balances."""
        balances = np.array([g.balance for g in model.governments.values()])
        return self.net_lending["government"], balances - self.balances

    def taxes_check(self) -> tuple[np.ndarray, np.ndarray]:
        """Taxes net of refunds the governments booked, and those their payers recorded
        (firms' profit and property taxes, the VAT they remitted, import VAT on equipment,
        and VAT at the border), per country."""
        return self.taxes_booked, self.taxes_paid

    def balance(self) -> float:
        """Sum of every sector's net lending this quarter (zero when every flow has two
        sides)."""
        return float(sum(v.sum() for v in self.net_lending.values()))
