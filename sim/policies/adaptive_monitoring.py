"""Adaptive monitoring (report: implementation, "a monitoring mechanism" with a database of
practice and precise effectiveness criteria; risks: ineffective monitoring)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Fewest firms outside every monitored programme for them to be the comparison group
#: (assumed: the summed value added of fewer firms is too noisy a reference).
MIN_COMPARISON = 10
#: Fewest monitored programmes a review compares (by definition: moving budget between
#: programmes takes two).
MIN_PROGRAMMES = 2
#: Power in the mix of signal and noise a review sees, quality x z + sqrt(1 - quality^2) x
#: noise, which keeps the seen returns at unit variance (by definition).
VARIANCE_POWER = 2
#: Most rounds of clipping and rescaling when budget weights are rebalanced (implementation:
#: a cap on the loop, which stops as soon as the budgets add up or no weight can move, in
#: practice after a few rounds).
MAX_REBALANCE_ROUNDS = 50
#: Quarters by which a review's figures are late when monitoring is wholly ineffective: with
#: the ``monitoring`` risk q a review measures growth as it stood round(MAX_REPORTING_LAG x
#: (1 - q)) quarters ago, so money recently given has not yet shown in what it sees (assumed,
#: range 2-6: enterprise statistics that arrive with annual reports, up to a year late).
MAX_REPORTING_LAG = 4


class AdaptiveMonitoring(Policy):
    """Every ``review`` quarters a monitoring unit measures, for each programme with a budget
    and identifiable recipients (SME subsidies, R&D co-funding, export promotion,
    certification, training, the venture fund), how its recipients' value added grew since
    the last review compared with the firms no monitored programme reached, times the
    recipients' value added, per USD m the programme spent: the extra output a dollar bought.
    It then moves budget toward the programmes with the best measured return (budget weights
    are multiplied by ``exp(speed x z)``, z the standardised return, and rescaled so the total
    budget stays the declared one as far as the weight limits allow). With ineffective
    monitoring (the scenario's ``monitoring`` risk) the measured returns are partly noise and
    late: the review sees value added as it stood some quarters ago.
    Structural investments (parks, infrastructure, barrier reduction, coordination body,
    exchange) keep their budgets. Without this policy the allocation is fixed."""

    name = "adaptive_monitoring"
    label = "Adaptive monitoring and budget reallocation"
    report_section = ("Implementation: a monitoring mechanism with a database of practice; "
                      "flexible, result-oriented financing")
    effects = ("spend", "set_budget_weight", "restart_measurement")
    param_specs = (
        Param("review", 4, "quarters", "quarters between reviews", 1, 40),
        Param("speed", 0.5, "", "how strongly a review moves budget (log-weight per "
              "standard deviation of measured return)", 0.0, 5.0),
        Param("min_weight", 0.25, "x", "least budget of a programme relative to its declared "
              "budget", 0.0, 1.0),
        Param("max_weight", 3.0, "x", "most budget of a programme relative to its declared "
              "budget", 1.0, 20.0),
        Param("operating_cost", 0.05, "USD m/quarter", "cost of the monitoring unit and its "
              "database, to each paying government", 0.0, 1000.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """Take the first snapshot of firms' value added."""
        self.last_review = model.quarter
        #: quarter -> (firm ids, value added) as they stood then, for late figures
        self.history: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._snapshot(model)
        #: (quarter, {policy label: weight}, {policy label: measured return}) per review
        self.log: list[tuple[int, dict[str, float], dict[str, float]]] = []

    def apply(self, model: ClusterModel) -> None:
        """Pay for the unit; review when due."""
        if self.reporting_lag(model) > 0:
            self._record(model)
        for code in self.countries():
            self.pay(model, code, self.money(model, "operating_cost"))
        if model.quarter - self.last_review >= self["review"]:
            self.review(model)

    def reporting_lag(self, model: ClusterModel) -> int:
        """Quarters by which the figures a review sees are late (0 with effective
        monitoring)."""
        return round(MAX_REPORTING_LAG * (1.0 - model.risks["monitoring"]))

    def _record(self, model: ClusterModel) -> None:
        """Keep this quarter's value added for late reviews (and forget what no review will
        read)."""
        f = model.firms
        self.history[model.quarter] = (f.ids.copy(), f["value_added"].copy())
        oldest = self.last_review - MAX_REPORTING_LAG
        for q in [q for q in self.history if q < oldest]:
            del self.history[q]

    def _late(self, quarter: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The recorded (ids, value added) of ``quarter``, or of the earliest recorded quarter
        after it (None if nothing is recorded)."""
        after = [q for q in self.history if q >= quarter]
        return self.history[min(after)] if after else None

    def programmes(self, model: ClusterModel) -> list[Policy]:
        """The monitored programmes of this run."""
        return [p for p in model.policies if p.monitored and p is not self]

    def measured_return(self, model: ClusterModel, policy: Policy) -> float:
        """Extra value added per quarter (USD m) of the programme's recipients since the last
        review, relative to the growth of the firms no monitored programme reached (or, when
        the programmes together reached nearly every firm, of the firms this one did not
        reach), per USD m it spent."""
        kept, then, later, reached_by = self._compared(model)
        reached = reached_by(policy)
        others = ~reached
        for p in self.programmes(model):
            others &= ~reached_by(p)
        if others.sum() < MIN_COMPARISON:
            others = ~reached
        if not reached.any() or not others.any() or policy.spent <= 0:
            return 0.0
        growth_reached = later[reached].sum() / max(then[reached].sum(), 1e-12)
        growth_others = later[others].sum() / max(then[others].sum(), 1e-12)
        extra = (growth_reached - growth_others) * then[reached].sum()
        return float(extra / policy.spent)

    def _compared(self, model: ClusterModel) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                        Any]:
        """Firms of the last snapshot still alive: ids, value added then and now, and a
        function giving the mask of those a programme reached (worked out once per review)."""
        if getattr(self, "_compare", None) is None:
            f = model.firms
            lag = self.reporting_lag(model)
            late = self._late(model.quarter - lag) if lag > 0 else None
            if late is None:
                rows = f.rows_of(self.ids)
                now = f["value_added"]
            else:  # figures as they stood ``lag`` quarters ago
                ids, now = late
                rows = np.full(self.ids.size, -1)
                if ids.size:
                    order = np.argsort(ids, kind="stable")
                    at = order[np.clip(np.searchsorted(ids, self.ids, sorter=order), 0,
                                       ids.size - 1)]
                    rows = np.where(ids[at] == self.ids, at, -1)
            survived = rows >= 0
            kept = self.ids[survived]
            masks: dict[int, np.ndarray] = {}

            def reached_by(p: Policy) -> np.ndarray:
                if id(p) not in masks:
                    masks[id(p)] = np.isin(kept, np.fromiter(p.recipients, dtype=np.int64,
                                                             count=len(p.recipients)))
                return masks[id(p)]

            compare = (kept, self.value_added[survived], now[rows[survived]], reached_by)
            if not getattr(self, "_reviewing", False):
                return compare
            self._compare = compare
        return self._compare

    def review(self, model: ClusterModel) -> None:
        """Measure each programme's return and move budget toward the best."""
        progs = self.programmes(model)
        if len(progs) >= MIN_PROGRAMMES:
            self._reviewing, self._compare = True, None
            try:
                returns = np.array([self.measured_return(model, p) for p in progs])
            finally:
                self._reviewing, self._compare = False, None
            spread = returns.std()
            z = (returns - returns.mean()) / spread if spread > 0 else np.zeros(len(progs))
            quality = model.risks["monitoring"]
            seen = quality * z + np.sqrt(1.0 - quality ** VARIANCE_POWER) \
                * model.rng.standard_normal(len(progs))
            budgets = np.array([p["budget"] for p in progs])
            old = np.array([p.weight for p in progs])
            new = self.rebalance(budgets, old * np.exp(self["speed"] * seen))
            for p, w in zip(progs, new, strict=True):
                effects.set_budget_weight(model, self, p, float(w))
            self.log.append((model.quarter,
                             {p.label: float(w) for p, w in zip(progs, new, strict=True)},
                             {p.label: float(r) for p, r in zip(progs, returns, strict=True)}))
        for p in progs:
            effects.restart_measurement(model, self, p)
        self.last_review = model.quarter
        self._snapshot(model)

    def rebalance(self, budgets: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weights within [min_weight, max_weight] whose budgets add up to the declared total
        (as far as the limits allow): clip, rescale the weights not at a limit, repeat."""
        lo, hi = self["min_weight"], self["max_weight"]
        target = budgets.sum()
        w = np.clip(weights, lo, hi)
        for _ in range(MAX_REBALANCE_ROUNDS):
            gap = target - (budgets * w).sum()
            free = ((w > lo) | (gap > 0)) & ((w < hi) | (gap < 0)) & (budgets > 0)
            if abs(gap) <= 1e-12 * max(target, 1.0) or not free.any():
                break
            room = (budgets * w)[free].sum()
            if room <= 0:
                break
            w[free] = np.clip(w[free] * (1.0 + gap / room), lo, hi)
        return w

    def after_end(self, model: ClusterModel) -> None:
        """Allocation stays where the last review left it."""

    def _snapshot(self, model: ClusterModel) -> None:
        """The review's starting point: value added as the review saw it (late figures with
        ineffective monitoring)."""
        f = model.firms
        lag = self.reporting_lag(model)
        late = self._late(model.quarter - lag) if lag > 0 else None
        self.ids, self.value_added = (f.ids.copy(), f["value_added"].copy()) if late is None \
            else (late[0].copy(), late[1].copy())
