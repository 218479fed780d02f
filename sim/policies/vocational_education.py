"""Vocational and continuing education tied to cluster firms (report: "a favourable
environment", training programmes for the clusters' personnel with internships and joint
programmes of firms and universities)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.inputs.units import QUARTERS_PER_YEAR, USD_K_PER_USD_M
from sim.network import cooperation_degree
from sim.policies import effects
from sim.policies.base import FAVOUR_TILT, Policy, favoured

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Share of eligible firms that apply for seats in a quarter (assumed).
APPLY_RATE = 0.25


class VocationalEducation(Policy):
    """The government pays for vocational courses run with cluster firms (firms with a
    cooperation tie or in a park; or every firm). Seats go to applicant firms (a quarter of
    the eligible firms apply each quarter; they host the internships) in proportion to their
    workforce; the trainees come from the country's labour pool, and when a course ends
    (``lag`` quarters) they go back to the pool with more skill. Firms then hire them like any
    worker: the pool's skill, which hires bring, rises, and with it firms' productivity and
    absorptive capacity. Joint programmes with universities also raise the skill of new
    graduates step by step, who enter the pool with it; after the programme ends graduates'
    skill returns as slowly to where it was."""

    name = "vocational_education"
    label = "Vocational and continuing education for cluster firms"
    report_section = ("Favourable environment: vocational and continuing education tied to "
                      "cluster firms")
    monitored = True
    effects = ("spend", "count_supported", "train_pool", "set_graduate_skill")
    param_specs = (
        Param("budget", 0.5, "USD m/quarter", "training budget of each paying government",
              0.0, 1000.0),
        Param("cost_per_trainee", 1.0, "USD k", "cost of one worker's course", 0.01, 1000.0),
        Param("skill_gain", 0.15, "share", "share of a trained worker's gap to full skill the "
              "course closes", 0.0, 1.0),
        Param("lag", 4, "quarters", "length of a course (effect after it ends)", 1, 20),
        Param("max_share", 0.2, "share", "most of a firm's workers trained per quarter",
              0.0, 1.0),
        Param("target", "cluster_members", "", "whose workers are trained: cluster firms "
              "(a cooperation tie or a park) or every firm",
              choices=("cluster_members", "all")),
        Param("graduate_gain", 0.01, "/year", "rise of graduates' skill from joint "
              "programmes with universities", 0.0, 0.2),
        Param("graduate_cap", 0.1, "index", "largest total rise of graduates' skill",
              0.0, 1.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No courses under way; remember graduates' skill without the programme."""
        self.courses: list[tuple[int, int, float]] = []  # (due, country, trainees)
        self.base_skill = {u.unique_id: u.graduate_skill for u in model.universities}

    def step(self, model: ClusterModel) -> None:
        """Courses started earlier finish whether or not the programme is still active."""
        super().step(model)
        self._finish_courses(model)

    def apply(self, model: ClusterModel) -> None:
        """Buy this quarter's seats and raise graduates' skill."""
        f = model.firms
        budget = self.budget(model)
        seat = self["cost_per_trainee"] / USD_K_PER_USD_M
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            eligible = self._eligible(model, k) & (model.rng.random(f.n) < APPLY_RATE)
            rows = np.flatnonzero(eligible)
            if rows.size == 0 or budget <= 0:
                continue
            seats = self.available(model, budget) / seat
            weight = f["employees"][rows]
            noise = model.risks["mistargeting"]
            if noise > 0:  # mistargeting: seats go to the wrong firms, the favoured first
                weight = weight * np.exp(noise * (model.rng.standard_normal(rows.size)
                                                  + FAVOUR_TILT * favoured(model, rows)))
            trainees = np.minimum(seats * weight / weight.sum(),
                                  self["max_share"] * f["employees"][rows])
            used = trainees > 1e-9
            rows, trainees = rows[used], trainees[used]
            self.courses.append((model.quarter + self["lag"], k, float(trainees.sum())))
            effects.count_supported(model, self, rows, quarters=1)
            self.pay_delivered(model, code, float(trainees.sum()) * seat, budget)
            self._graduates(model, code, +1.0)

    def after_end(self, model: ClusterModel) -> None:
        """Without joint programmes graduates' skill slides back."""
        for code in self.countries():
            self._graduates(model, code, -1.0)

    def _eligible(self, model: ClusterModel, country: int) -> np.ndarray:
        f = model.firms
        ok = f["country"] == country
        if self["target"] == "cluster_members":
            ok &= (cooperation_degree(model) > 0) | (f["park"] >= 0)
        return ok

    def _graduates(self, model: ClusterModel, code: str, sign: float) -> None:
        change = sign * self["graduate_gain"] / QUARTERS_PER_YEAR * model.risks["implementation"]
        for uni in model.universities:
            if uni.country == code and uni.unique_id in self.base_skill:
                base = self.base_skill[uni.unique_id]
                top = min(base + self["graduate_cap"], 1.0)
                effects.set_graduate_skill(
                    model, self, uni, float(min(max(uni.graduate_skill + change, base), top)))

    def _finish_courses(self, model: ClusterModel) -> None:
        """Trainees of the courses due go back to their country's pool with more skill."""
        due = [c for c in self.courses if c[0] <= model.quarter]
        self.courses = [c for c in self.courses if c[0] > model.quarter]
        for _, k, trainees in due:
            effects.train_pool(model, self, k, trainees, self["skill_gain"])
