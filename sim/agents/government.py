"""The two governments: tax collection, policy spending and the fiscal account."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import ClusterModel


#: Name under which governments book the losses of state firms they cover (implementation:
#: the name of the spending in ``spent_by_policy``; ``bailouts_this_step`` counts it apart from
#: policy spending).
BAILOUTS = "state_bailouts"


class Government(mesa.Agent):
    """Government of ``AZ`` or ``BY``.

    It collects taxes, refunds VAT to exporters, pays for its policies and books every cost, so
    that in every quarter ``balance`` changes by exactly ``collected_this_step -
    refunded_this_step - spent_this_step``. Its tax rates
    and administrative barriers are the model's country arrays (``model.profit_tax``,
    ``model.vat``, ``model.admin_barrier``, ...), which the phases read.

    Attributes:
        country: ``AZ`` or ``BY``.
        balance: cumulative taxes collected minus VAT refunded minus policy spending, USD m.
        spent_by_policy: cumulative spending per policy name, USD m.
    """

    model: ClusterModel

    def __init__(self, model: ClusterModel, country: str) -> None:
        super().__init__(model)
        self.country = country
        self.reset_accounts()
        self.start_quarter()

    def reset_accounts(self) -> None:
        """Start the cumulative fiscal accounts from zero (at quarter 0)."""
        self.balance = 0.0
        self.spent_total = 0.0
        self.collected_total = 0.0
        self.foregone_total = 0.0
        self.refunded_total = 0.0
        self.spent_by_policy: dict[str, float] = defaultdict(float)

    @property
    def country_index(self) -> int:
        """0 for AZ, 1 for BY."""
        return 0 if self.country == "AZ" else 1

    def start_quarter(self) -> None:
        """Reset the per-quarter flows."""
        self.spent_this_step = 0.0
        self.bailouts_this_step = 0.0
        self.collected_this_step = 0.0
        self.foregone_this_step = 0.0
        self.refunded_this_step = 0.0

    def spend(self, amount: float, policy: str) -> None:
        """Book spending (USD m): a policy's, or under :data:`BAILOUTS` the losses of state
        firms the government covers (also counted in ``bailouts_this_step``)."""
        if amount < 0:
            raise ValueError(f"negative spending {amount} booked by {policy}")
        if policy == BAILOUTS:
            self.bailouts_this_step += amount
        self.spent_this_step += amount
        self.spent_total += amount
        self.spent_by_policy[policy] += amount
        self.balance -= amount

    def collect(self, taxes: float, foregone: float, refunds: float = 0.0) -> None:
        """Book taxes collected, taxes forgiven by reliefs and VAT refunded (USD m)."""
        self.collected_this_step += taxes
        self.collected_total += taxes
        self.foregone_this_step += foregone
        self.foregone_total += foregone
        self.refunded_this_step += refunds
        self.refunded_total += refunds
        self.balance += taxes - refunds
