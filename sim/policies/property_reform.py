"""Property reform (report: the preconditions for clusters, "reform of property relations":
state enterprises turned private, with a hard budget constraint and private management)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy
from sim.ranking import stable_argsort

if TYPE_CHECKING:
    from sim.model import ClusterModel


class PropertyReform(Policy):
    """Over the reform period a government turns the share ``share`` of its state firms
    private, evenly over the quarters: from quarter ``start`` to the earlier of ``end`` and
    ``start + phase_in - 1``. A privatised firm is no longer state-owned: its losses are no
    longer covered (hard budget constraint), and it follows the private rules for leverage,
    exit, wages and partner search. Which firms go first is the rule ``order``: the smallest
    by workers, the most loss-making (lowest profit margin), or a random draw. Each
    privatisation costs its government ``cost`` (valuation, legal and administrative work).
    The share counts the country's state firms when the reform is set up."""

    name = "property_reform"
    label = "Property reform (privatisation of state firms)"
    report_section = ("Preconditions: reform of property relations, a hard budget constraint "
                      "for state enterprises")
    effects = ("spend", "privatise")
    param_specs = (
        Param("share", 0.5, "share", "share of the country's state firms privatised over the "
              "reform period", 0.0, 1.0),
        Param("phase_in", 20, "quarters", "quarters over which the share is privatised "
              "(the period ends earlier if the policy's end comes first)", 1, 200),
        Param("order", "smallest", "", "which state firms are privatised first: the smallest "
              "by workers, the most loss-making, or at random",
              choices=("smallest", "loss_making", "random")),
        Param("cost", 0.2, "USD m per firm", "administrative cost of privatising one firm "
              "(valuation, legal work, sale)", 0.0, 100.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """Count each country's state firms; none privatised yet."""
        f = model.firms
        self.state_firms = np.array([int((f["state_owned"] & (f["country"] == k)).sum())
                                     for k in (0, 1)])
        self.privatised = np.zeros(2, dtype=int)

    def period_end(self) -> int:
        """Last quarter of the reform period."""
        return min(self["end"], self["start"] + self["phase_in"] - 1)

    def apply(self, model: ClusterModel) -> None:
        """Privatise this quarter's firms and pay for it."""
        q = model.quarter
        if q > self.period_end():
            return
        done = (q - self["start"] + 1) / (self.period_end() - self["start"] + 1)
        f = model.firms
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            target = int(np.floor(self["share"] * self.state_firms[k] * done + 1e-9))
            due = target - self.privatised[k]
            candidates = np.flatnonzero(f["state_owned"] & (f["country"] == k))
            if due <= 0 or candidates.size == 0:
                continue
            rows = self.first(model, candidates)[:due]
            effects.privatise(model, self, rows)
            self.privatised[k] += rows.size
            self.pay(model, code, self.money(model, "cost") * rows.size)

    def first(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """State firms ``rows`` in the order they are privatised."""
        f = model.firms
        order = self["order"]
        if order == "random":
            return model.rng.permutation(rows)
        if order == "smallest":
            key = f["employees"][rows]
        else:
            key = np.divide(f["profit"][rows], f["sales_total"][rows],
                            out=np.zeros(rows.size), where=f["sales_total"][rows] > 0)
        return rows[stable_argsort(key)]
