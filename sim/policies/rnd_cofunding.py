"""Co-funding of joint R&D projects of firms and universities (report: project support, "R&D
cooperation": joint research and pilot work by 5-10 enterprises and organisations)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.phases.approvals import joint_wait
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Strength (0-1) a funded project keeps its ties at: they cannot fade while the work goes
#: on (assumed; ties found in partner search start at 0.5).
PROJECT_TIE_STRENGTH = 0.8
#: Least R&D intensity of an applicant that is not a spin-off (assumed: some R&D of its own).
MIN_APPLICANT_RD = 0.002
#: Fewest firms in a project besides the university (by definition: joint work of firms).
MIN_PROJECT_FIRMS = 2
#: A joint project takes at most 1 in JOINT_SPLIT of its firms (half, rounded down) from the
#: partner country, the rest from the leading one (assumed: up to half, so the two countries
#: can share a joint project equally).
JOINT_SPLIT = 2


@dataclass
class Project:
    """A funded joint project: its member firms (ids), its university, its last quarter and
    its first (a cross-border project starts once both countries have approved it).

    ``pairs`` are the project's ties (each member with the university, and a ring among the
    members); ``slots`` remembers where the graph keeps them, checked before each use.
    """

    firms: list[int]
    university: int
    until: int
    start: int = 0
    slots: np.ndarray | None = field(default=None, repr=False, compare=False)

    def locate(self, slots: np.ndarray) -> None:
        """Remember where the graph keeps the project's ties (their slots, -1 for a pair
        without a tie)."""
        self.slots = slots

    @cached_property
    def pairs(self) -> np.ndarray:
        """The project's ties as rows of two agent ids (pairs of an agent with itself left
        out)."""
        firms = self.firms
        pairs = [(i, self.university) for i in firms]
        if len(firms) > 1:
            pairs += list(zip(firms, firms[1:] + firms[:1], strict=True))
        out = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return out[out[:, 0] != out[:, 1]]


class RndCofunding(Policy):
    """Governments co-fund joint R&D projects of 5-10 members: one university or research
    institute and firms chosen by competition (knowledge and R&D effort). While a project
    runs, each member firm spends ``member_rd`` a quarter on it, of which the share
    ``overlap`` is work it would have done in its own R&D plans anyway, so it cuts those by as
    much (at most all of them: crowding out); the grant covers ``grant_share`` of the
    project, the firm the rest. Members are tied to the
    university and to each other (R&D ties kept strong while the project runs), so knowledge
    flows among them and their ideas become joint projects with these partners
    (sim.phases.ideas). New projects start whenever the budget has room; when both governments
    run the programme, a share of projects is joint, with members from both countries (less
    with poor cross-border coordination), and a joint project starts once both countries'
    approval offices have passed it: with poor coordination their procedures run one after
    the other, not side by side (sim.phases.approvals.joint_wait); its members wait,
    reserved, meanwhile."""

    name = "rnd_cofunding"
    label = "Co-funding of joint R&D projects"
    report_section = ("Project support: R&D cooperation, joint research and pilot work of "
                      "5-10 enterprises and organisations")
    monitored = True
    effects = ("spend", "fund_joint_rd", "count_supported", "form_ties", "hold_ties")
    param_specs = (
        Param("budget", 0.5, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("grant_share", 0.5, "share", "share of a member's project R&D the grant covers",
              0.01, 1.0),
        Param("member_rd", 0.01, "USD m/quarter", "R&D spending of each member firm on the "
              "project", 0.0001, 100.0),
        Param("min_members", 5, "members", "smallest project (firms plus the university; at "
              "least two firms)", 3, 50),
        Param("max_members", 10, "members", "largest project (firms plus the university)",
              3, 50),
        Param("overlap", 0.5, "share", "share of a member's project work it would have done "
              "in its own R&D plans, which it cuts by as much (crowding out)", 0.0, 1.0),
        Param("duration", 8, "quarters", "length of a project", 1, 80),
        Param("joint_share", 0.3, "share", "share of projects with members from both "
              "countries when both governments run the programme", 0.0, 1.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No projects yet."""
        self.projects: list[Project] = []

    def apply(self, model: ClusterModel) -> None:
        """Drop finished projects and exited members, start new projects where the budget has
        room, then pay this quarter's grants and keep the project ties strong."""
        f = model.firms
        q = model.quarter
        self.projects = [p for p in self.projects if p.until >= q]
        if self.projects:
            members = np.fromiter(chain.from_iterable(p.firms for p in self.projects),
                                  dtype=np.int64)
            gone = f.rows_of(members) < 0
            if gone.any():  # projects that lost members go on without them
                dead = set(members[gone].tolist())
                self.projects = [
                    replace(p, firms=[i for i in p.firms if i not in dead], slots=None)
                    if dead.intersection(p.firms) else p for p in self.projects]
        self.projects = [p for p in self.projects if p.firms]
        budget = self.budget(model)
        grant = self["grant_share"] * self["member_rd"]
        members = [i for p in self.projects for i in p.firms]  # the launches add theirs
        for code in self.countries():
            self._launch(model, code, budget, grant, members)
        self._tie(model, [p for p in self.projects if p.start == q])
        working = [p for p in self.projects if p.start <= q]  # approved and under way
        rows = f.rows_of([i for p in working for i in p.firms])
        paid = {code: 0.0 for code in self.countries()}
        if rows.size:
            effects.fund_joint_rd(model, self, rows, grant, self["member_rd"],
                                  self["overlap"] * self["member_rd"])
            effects.count_supported(model, self, rows, quarters=1)
            # deadweight: a member whose own R&D plan this quarter is at least the project's
            own_rd = f["rd_intensity"][rows] * f["sales_total"][rows]
            for k, code in enumerate(("AZ", "BY")):
                if code in paid:
                    mine = f["country"][rows] == k
                    n = int(mine.sum())
                    paid[code] = grant * float(n)
                    self.record_take_up(code, n, int((own_rd[mine] >= self["member_rd"]).sum()),
                                        grant * n, (self["member_rd"] - grant) * n)
            self._keep_ties(model, working)
        for code, amount in paid.items():
            self.pay_delivered(model, code, amount, budget)

    def after_end(self, model: ClusterModel) -> None:
        """Projects stop when the programme ends."""
        self.projects = []

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _members_by_country(model: ClusterModel, rows: np.ndarray) -> list[int]:
        """Members of running projects (their ``rows``) in each country (AZ, BY)."""
        if not rows.size:
            return [0, 0]
        country = model.firms["country"][rows]
        return [int(np.count_nonzero(country == k)) for k in (0, 1)]

    def _launch(self, model: ClusterModel, code: str, budget: float, grant: float,
                members: list[int]) -> None:
        """Start projects led by ``code`` while its budget has room for their members; a
        joint project also needs room in the partner government's budget. ``members`` are
        the firms of running projects, in project order; the new projects' are added."""
        f, rng = model.firms, model.rng
        k = 0 if code == "AZ" else 1
        available = self.available(model, budget)
        rows = f.rows_of(np.array(members, dtype=np.int64))
        counts = self._members_by_country(model, rows)
        room = available - grant * counts[k]
        joint_ok = self.values["country"] == "both"
        partner_room = available - grant * counts[1 - k] if joint_ok else 0.0
        free = np.ones(f.n, dtype=bool)  # firms not in a project
        free[rows[rows >= 0]] = False
        ranked = {c: self._applicants(model, c, free).tolist() for c in (0, 1)}
        taken = {0: 0, 1: 0}  # applicants of each country already placed in a project
        pool = [u for u in model.universities if u.country_index == k]
        weights = np.array([u.research for u in pool]) + 1e-9
        cdf = np.cumsum(weights / weights.sum())  # as Generator.choice(p=...) draws
        if pool:
            cdf /= cdf[-1]
        low = self["min_members"]
        high = max(self["max_members"], low)
        joint_share = self["joint_share"] * self.cross_border(model)
        while pool:
            size = int(rng.integers(low, high + 1)) - 1  # firms; one member is the university
            joint = joint_ok and rng.random() < joint_share
            n_partner = min(size // JOINT_SPLIT if joint else 0,
                            self.affordable(partner_room, grant),
                            len(ranked[1 - k]) - taken[1 - k])
            n_own = min(size - n_partner, self.affordable(room, grant),
                        len(ranked[k]) - taken[k])
            if n_own < 1 or n_own + n_partner < MIN_PROJECT_FIRMS:
                break
            own = ranked[k][taken[k]:taken[k] + n_own]
            partner = ranked[1 - k][taken[1 - k]:taken[1 - k] + n_partner]
            taken[k] += n_own
            taken[1 - k] += n_partner
            firms = [int(f.ids[r]) for r in own + partner]
            uni = pool[int(cdf.searchsorted(rng.random(), side="right"))]
            start = model.quarter + (joint_wait(model, k) if partner else 0)
            self.projects.append(Project(firms, uni.unique_id, start + self["duration"] - 1,
                                         start))
            members += firms
            room -= grant * n_own
            partner_room -= grant * n_partner

    def _applicants(self, model: ClusterModel, country: int, free: np.ndarray) -> np.ndarray:
        """Eligible firms of a country (some R&D, or a spin-off, ``free``: not in a project),
        ranked."""
        f = model.firms
        ok = (f["country"] == country) & free & (
            (f["rd_intensity"] >= MIN_APPLICANT_RD * model.rd_scale) | f["spinoff"])
        rows = np.flatnonzero(ok)
        merit = f["knowledge"][rows] * self.rd_merit(model, rows)
        return self.ranked(model, rows, merit)

    def _tie(self, model: ClusterModel, projects: list[Project]) -> None:
        """Members work with the university and with each other (a ring of R&D ties)."""
        if projects:
            pairs = np.concatenate([p.pairs for p in projects])
            effects.form_ties(model, self, pairs[:, 0], pairs[:, 1], "rnd",
                              strength=PROJECT_TIE_STRENGTH)

    def _keep_ties(self, model: ClusterModel, projects: list[Project]) -> None:
        """Hold every tie of ``projects`` (those under way) at least at
        ``PROJECT_TIE_STRENGTH``."""
        g = model.graph
        t = g.ties
        new = [p for p in projects if p.slots is None]
        if new:
            found = g.slots_of(np.concatenate([p.pairs for p in new]))
            ends = np.cumsum([len(p.pairs) for p in new])
            for p, start, end in zip(new, np.r_[0, ends[:-1]].tolist(), ends.tolist(),
                                     strict=True):
                p.locate(found[start:end])
        pairs = np.concatenate([p.pairs for p in projects])
        slots = np.concatenate([p.slots for p in projects])
        safe = np.maximum(slots, 0)
        a, b = t.a[safe], t.b[safe]
        same = (slots >= 0) & t.alive[safe] & (
            ((a == pairs[:, 0]) & (b == pairs[:, 1])) | ((a == pairs[:, 1]) & (b == pairs[:, 0])))
        stale = np.flatnonzero(~same)  # a tie dissolved (or formed) since: look it up again
        slots[stale] = g.slots_of(pairs[stale])
        effects.hold_ties(model, self, slots[slots >= 0], PROJECT_TIE_STRENGTH)
