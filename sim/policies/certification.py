"""Quality certification and management consulting (report: project support, management
quality: consulting, best practice, ISO 9000 quality-management certification; raising
suppliers' quality and competitiveness)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.phases.labour import PRODUCTIVITY_AT_NO_MGMT, PRODUCTIVITY_PER_MGMT
from sim.phases.quality import CERTIFICATE_QUARTERS
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Merit every applicant has on top of its room for improvement (the gaps to best management
#: and to perfect delivery on their 0-1 scales, together at most 2), so a firm at best
#: practice still has some (assumed: small against the gaps).
BASE_ROOM = 0.1
#: Quarters over which a firm values the productivity a certification brings when it decides
#: whether to apply: the certificate's three years (by definition of its cycle).
VALUE_QUARTERS = CERTIFICATE_QUARTERS


def fits_in(amounts: np.ndarray, money: float) -> np.ndarray:
    """Which of ``amounts``, taken in order, the ``money`` pays for: each one that still fits
    in what is left (one too large for the rest is passed over, not the end of the list)."""
    taken = np.zeros(amounts.size, dtype=bool)
    left = money + 1e-12
    least = amounts.min(initial=np.inf)
    for i, amount in enumerate(amounts.tolist()):
        if left < least:
            break
        if amount <= left:
            taken[i] = True
            left -= amount
    return taken


class Certification(Policy):
    """Firms may apply for co-funded consulting that ends in an ISO 9000 quality-management
    certificate. What it costs grows with the firm: ``fixed_cost`` plus ``cost_per_worker``
    for each employee. A firm applies when the value added it expects the programme to add
    over the certificate's three years (the productivity its management gain brings, at its
    current value added) exceeds its own share of that cost; firms that would pay the whole
    cost themselves are counted as deadweight. A competition picks among the applicants, each
    firm once, by room for improvement in management and delivery (doubled for firms that
    supply cluster buyers, unless every firm is treated alike; with ``target = "smes"`` only
    SMEs may apply), until the budget is spent. The grant covers ``cost_share`` of the cost,
    the firm the rest. The programme changes what the firm learns, not its results: over
    ``quarters`` quarters the firm closes ``mgmt_gain``, ``delivery_gain`` and
    ``quality_gain`` of its gaps to best practice in equal steps (:mod:`sim.phases.quality`);
    then it holds the certificate, keeps it by paying its audits if it chooses, and loses the
    management and delivery gains gradually if it lets it lapse."""

    name = "certification"
    label = "Quality certification (ISO 9000) and management consulting"
    report_section = ("Project support: management quality, consulting and ISO 9000 "
                      "quality-management certification")
    monitored = True
    effects = ("spend", "enrol_quality_programme", "transfer_cash", "count_supported")
    param_specs = (
        Param("budget", 0.3, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("cost_share", 0.5, "share", "share of a firm's programme cost the grant covers",
              0.01, 1.0),
        Param("fixed_cost", 0.04, "USD m", "consulting and certification cost of any firm",
              0.0, 100.0),
        Param("cost_per_worker", 0.0001, "USD m/worker", "further cost per employee (the "
              "documentation, training and audit days grow with the firm)", 0.0, 1.0),
        Param("quarters", 4, "quarters", "length of the programme: the gains are learnt in "
              "equal steps over it", 1, 20),
        Param("mgmt_gain", 0.25, "share", "share of the gap to best management closed over "
              "the programme", 0.0, 1.0),
        Param("delivery_gain", 0.3, "share", "share of the gap to perfect delivery discipline "
              "closed over the programme", 0.0, 1.0),
        Param("quality_gain", 0.1, "share", "share of the gap to top product quality closed "
              "over the programme", 0.0, 1.0),
        Param("target", "suppliers", "", "who wins: suppliers to cluster buyers count double, "
              "only SMEs may apply, or every firm alike", choices=("suppliers", "smes", "all")),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No firm is enrolled yet."""
        self.certified: set[int] = set()

    def cost(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """What the programme costs firms ``rows`` (USD m)."""
        return self["fixed_cost"] + self["cost_per_worker"] * model.firms["employees"][rows]

    def expected_value(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """The value added firms ``rows`` expect the programme to add over the certificate's
        three years: their value added times the rise of productivity the management gain
        brings (USD m)."""
        f = model.firms
        mgmt = f["mgmt"][rows]
        gain = self["mgmt_gain"] * (1.0 - mgmt)
        rise = PRODUCTIVITY_PER_MGMT * gain / (PRODUCTIVITY_AT_NO_MGMT
                                               + PRODUCTIVITY_PER_MGMT * mgmt)
        return np.maximum(f["value_added"][rows], 0.0) * rise * VALUE_QUARTERS

    def apply(self, model: ClusterModel) -> None:
        """Run this quarter's competition among the applicants and enrol the winners."""
        f = model.firms
        budget = self.budget(model)
        done = np.fromiter(self.certified, dtype=np.int64, count=len(self.certified))
        fresh = np.ones(f.n, dtype=bool)
        done = f.rows_of(done)
        fresh[done[done >= 0]] = False  # enrolled firms that are still here
        share = self["cost_share"]
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            ok = fresh & (f["country"] == k)
            if self["target"] == "smes":
                ok &= f.is_sme()
            rows = np.flatnonzero(ok)
            cost = self.cost(model, rows)
            value = self.expected_value(model, rows)
            apply = value >= (1.0 - share) * cost
            rows, cost, value = rows[apply], cost[apply], value[apply]
            if rows.size == 0:
                continue
            order = self.ranked(model, rows, self._merit(model, rows))
            position = np.searchsorted(rows, order)
            grants = share * cost[position]
            won = fits_in(grants, self.available(model, budget))
            winners, grants = order[won], grants[won]
            if winners.size == 0:
                continue
            self._enrol(model, winners, cost[position][won], grants)
            self.record_take_up(code, winners.size,
                                int((value[position][won] >= cost[position][won]).sum()),
                                float(grants.sum()), float((cost[position][won] - grants).sum()))
            self.certified.update(f.ids[winners].tolist())
            effects.count_supported(model, self, winners)
            self.pay_delivered(model, code, float(grants.sum()), budget)

    def _merit(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """Room for improvement, doubled for firms that supply cluster buyers."""
        f = model.firms
        room = BASE_ROOM + (1.0 - f["mgmt"][rows]) + (1.0 - f["delivery"][rows])
        if self["target"] == "suppliers":
            room = room * (1.0 + (f["sales_b2b"][rows] > 0))
        return room

    def _enrol(self, model: ClusterModel, rows: np.ndarray, cost: np.ndarray,
               grants: np.ndarray) -> None:
        n = self["quarters"]
        rates = tuple(1.0 - (1.0 - self[k]) ** (1.0 / n)
                      for k in ("mgmt_gain", "delivery_gain", "quality_gain"))
        effects.enrol_quality_programme(model, self, rows, n, rates, cost)
        effects.transfer_cash(model, self, -(cost - grants), rows)  # the firm's share
