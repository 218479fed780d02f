"""State approval of projects (the report's "state expertise of project documents").

Each country has an approval office with a queue. Expansion investment projects, product projects
in their certification stage and new firms' registrations apply to it every quarter; the
office's staff follows the trend of applications with a lag, and the time an application
takes is its procedures' time stretched by how busy the office is, plus the wait of a
backlog when applications outrun its capacity. The country's administrative-barrier index,
which lengthens investment lags, slows product projects and deters SME entry, is its data
value scaled by that time against the time at the office's usual load, so:

- a country's barrier is its data value while applications follow their trend;
- a surge of projects (a subsidy, a wave of FDI) congests the office and slows every
  applicant of the country, until its staff catches up;
- an approval reform acts through the office: fewer procedures (the time of each
  application) and added capacity (fast-track staff), not on the index itself;
- with weak local implementation (the ``implementation`` risk) the office's staffing follows
  the applications more slowly, in proportion, so a surge congests it for longer: the
  capacity limit of the body that delivers.

The time at load rho is the procedures' time over (1 - rho), the mean time in a queue with
random arrivals (M/M/1); rho is capped at MAX_UTILISATION and a backlog beyond capacity
carries to the next quarter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import COUNTRIES
from sim.phases.innovation import STAGES

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Share of its capacity an approval office uses at its usual load (the trend of
#: applications) (assumed, range 0.3-0.7: busy but not overloaded).
USUAL_LOAD = 0.5
#: Share of its gap to the quarter's applications that an office's staffing closes each
#: quarter (assumed, range 0.04-0.16: half the gap closes in 4-16 quarters, as public
#: staffing follows demand with a lag of one to four years; 0.083 halves it in 8).
STAFFING_PACE = 0.083
#: Highest load at which the queue formula is used; beyond it the backlog carries over
#: (implementation: the formula has no limit at a load of 1; at this load an application
#: takes 2.5 times its usual time).
MAX_UTILISATION = 0.8
#: Investment beyond replacement, as a share of a firm's capital, that makes an order an
#: expansion project needing state expertise (assumed, range 0.02-0.1).
EXPANSION_SHARE = 0.05
#: Quarters an application's procedures take at the office's usual speed (assumed, range
#: 0.5-2; only its ratio to the backlog's wait matters).
PROCEDURE_QUARTERS = 1.0
#: Share of its gap to this quarter's applications that an office's measure of its current
#: load closes each quarter (applications are handled over about four quarters; assumed,
#: range 0.2-0.5), and that its staffing closes during the warm-up, when the office is
#: staffed to what arrives.
LOAD_PACE = 0.25
#: Index of the certification stage of product projects (by definition: its place in
#: sim.phases.innovation.STAGES).
CERTIFICATION_STAGE = STAGES.index("certification")


class ApprovalOffices:
    """Each country's approval office (AZ, BY): the barrier index at its usual load
    (``base``, country data), the trend of applications its staff follows, its current load
    (applications smoothed over about four quarters, :data:`LOAD_PACE`), its backlog and
    the time an application took last quarter, against its usual time (``time``, 1 at the
    usual load with the country's own procedures)."""

    def __init__(self, base: np.ndarray):
        self.base = np.asarray(base, dtype=float).copy()
        self.trend: np.ndarray | None = None
        self.backlog = np.zeros(len(COUNTRIES))
        self.time = np.ones(len(COUNTRIES))
        self.load = np.zeros(len(COUNTRIES))


def applications(model: ClusterModel) -> np.ndarray:
    """Applications to each country's office this quarter (AZ, BY): expansion investment
    orders (beyond replacement by more than :data:`EXPANSION_SHARE` of capital), product
    projects in the certification stage and the quarter's new firms."""
    f, p = model.firms, model.params
    expansion = f["investment"] > (p["depreciation"] + EXPANSION_SHARE) * f["capital"]
    certifying = f["in_project"] & (f["project_stage"] == CERTIFICATION_STAGE)
    counts = np.bincount(f["country"], weights=(expansion | certifying).astype(float),
                         minlength=len(COUNTRIES))
    entries = np.array([model.events[code]["entries"] for code in COUNTRIES], dtype=float)
    return counts + entries


def office_time(procedures: np.ndarray, load: np.ndarray, backlog_wait: np.ndarray
                ) -> np.ndarray:
    """Time an application takes against the usual (1 = the country's own procedures at the
    usual load :data:`USUAL_LOAD`): ``procedures`` (share of the usual procedures' time)
    over (1 - ``load``, at most :data:`MAX_UTILISATION`), plus ``backlog_wait`` (quarters)
    in procedure units, all over the same at the usual load."""
    rho = np.minimum(load, MAX_UTILISATION)
    return (procedures / (1.0 - rho) + backlog_wait / PROCEDURE_QUARTERS) * (1.0 - USUAL_LOAD)


def approvals_phase(model: ClusterModel) -> None:
    """Process this quarter's applications in each country and set the barrier index the
    next quarter's projects and entrants face. An office's capacity is the trend of
    applications over :data:`USUAL_LOAD`, times (1 + capacity a reform adds), over the share
    of the usual procedures left (fewer procedures, more applications per staff)."""
    office = model.approvals
    arrived = applications(model)
    if office.trend is None:
        office.trend, office.load = arrived.copy(), arrived.copy()
    office.load = office.load + LOAD_PACE * (arrived - office.load)
    if model.warming_up:  # staffed to what arrives: the barrier is the country's data value
        office.trend = office.trend + LOAD_PACE * (arrived - office.trend)
        return
    # weak local implementation: the office's staffing catches up more slowly
    pace = STAFFING_PACE * model.risks["implementation"]
    office.trend = office.trend + pace * (arrived - office.trend)
    procedures = model.approval_procedures
    capacity = np.maximum(office.trend, 1.0) / USUAL_LOAD \
        * (1.0 + model.approval_capacity) / np.maximum(procedures, 1e-9)
    waiting = office.load + office.backlog
    office.backlog = np.maximum(waiting - capacity, 0.0)
    office.time = office_time(procedures, waiting / capacity, office.backlog / capacity)
    model.admin_barrier[:] = np.clip(office.base * office.time, 0.0, 1.0)


def joint_wait(model: ClusterModel, lead: int) -> int:
    """Quarters a cross-border project led from country ``lead`` waits for approval beyond a
    domestic one: the partner country's office must pass it too, side by side with the
    lead's as far as the two governments coordinate (the ``coordination`` risk, 1: one
    joint procedure) and after it otherwise (duplicated regimes), so the wait is (1 -
    coordination) x the partner office's time, rounded to whole quarters."""
    partner = 1 - lead
    extra = (1.0 - model.risks["coordination"]) * model.approvals.time[partner] \
        * PROCEDURE_QUARTERS
    return round(extra)
