"""What the published evaluations of each instrument estimated, estimated inside the model the
way each study did it, for the comparison in docs/evidence.md (``clustersim evidence``).

A study's ``[instrument.study.model]`` table in ``sim/data/evidence.toml`` says how the model
reproduces it (:class:`ModelTarget`): the scenario that runs the instrument, the design, the
outcome and the horizon. Five designs:

- ``same_seed``: the effect on the treated, as a randomised trial among eligible applicants
  estimates it without bias: each firm the instrument reached in quarter q (present since the
  start of the run, so the same firm exists in both runs) against the same firm in the run
  without the instrument and the same seed, at q + horizon; the change of the outcome summed
  over the treated, in percent.
- ``matched_did``: what an observational study of recipients sees: each firm reached in quarter
  q against the firms of its country and sector no programme had reached by q + horizon, the
  nearest in size and in the outcome before q; the difference in the change of the log outcome
  from q - 1 to q + horizon, in percent (selection bias included, as in the study).
- ``per_dollar``: a return per public dollar, as cross-country studies of agencies report it:
  the outcome of all firms summed over the run, less the same in the run without the
  instrument, per dollar the instrument's governments spent on it.
- ``population``: a population outcome (the number of firms, or of new firms), as studies of
  reforms across areas estimate it: summed over the run, against the run without the
  instrument and the same seed, in percent.
- ``innovator_share``: the likelihood of innovating, as surveys of firms estimate it: the share
  of firms present since the start that innovated in the last year up to the horizon, with
  the instrument less without it (same seed), in percentage points.

Each design gives one number per seed; :func:`estimate` runs the seeds and gives them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.model import ClusterModel
    from sim.policies.base import Policy

#: What a study's outcome is in the model: the firm columns summed into it.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "sales": ("sales_total",),
    "employment": ("employees",),
    "exports": ("sales_partner", "sales_third"),
    "productivity": ("productivity",),
    "value_added": ("value_added",),
    "rd": ("rd_spend",),
    "investment": ("investment",),
    # population outcomes: each live firm counts 1, each firm born this quarter counts 1
    "firms": (),
    "entrants": (),
    "innovator": ("innovated",),
}
#: The designs :func:`estimate` knows.
DESIGNS = ("same_seed", "matched_did", "per_dollar", "population", "innovator_share")
#: Quarters over which a firm counts as an innovator in ``innovator_share`` (as surveys ask
#: whether a firm introduced an innovation in the last year: by definition, a year).
INNOVATOR_WINDOW = 4
#: Firms a treated firm is compared with in ``matched_did`` (nearest neighbours; by the
#: usual practice of matching estimators, a few rather than one, to cut variance).
NEIGHBOURS = 3
#: A positive floor under outcomes before their logarithm (USD m or workers: far below any
#: live firm's value), so a firm with a zero outcome in one quarter stays in the comparison.
LOG_FLOOR = 1e-6


@dataclass(frozen=True)
class ModelTarget:
    """How the model reproduces one study.

    Attributes:
        instrument: the policy's name.
        study: the study's key in the evidence file.
        design: one of :data:`DESIGNS`.
        outcome: one of :data:`OUTCOMES`.
        horizon: quarters after treatment at which the outcome is compared (``per_dollar``:
            the quarters the runs last after the warm-up).
        scenario: the bundled scenario that runs the instrument (its stem).
        values: changes to the instrument's parameters in that scenario.
    """

    instrument: str
    study: str
    design: str
    outcome: str
    horizon: int
    scenario: str
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.design not in DESIGNS:
            raise ValueError(f"design '{self.design}' is not one of {', '.join(DESIGNS)}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome '{self.outcome}' is not one of {', '.join(OUTCOMES)}")
        if not 1 <= self.horizon <= 200:
            raise ValueError(f"horizon {self.horizon} is not in [1, 200] quarters")

    @property
    def steps(self) -> int:
        """Quarters a run lasts: the horizon plus a cohort window for the firm designs."""
        if self.design in ("per_dollar", "population", "innovator_share"):
            return self.horizon
        return self.horizon + COHORT_QUARTERS


#: Quarters of treatment cohorts the firm designs pool (firms reached in quarters 1 to this),
#: each followed for the horizon.
COHORT_QUARTERS = 8


# ----------------------------------------------------------------- recording a run
@dataclass
class Recorded:
    """A run's firm panel: one row per live firm and quarter (``quarter``, ``id``,
    ``country``, ``sector``, ``employees``, ``born``, the outcome ``y``) and the quarter each
    firm was first reached (``treated``: id -> quarter), with the spending of the instrument's
    governments on it and the outcome of all firms per quarter."""

    panel: pd.DataFrame
    treated: dict[int, int]
    spent: float
    totals: np.ndarray


def reached(model: ClusterModel, policy: Policy) -> set[int]:
    """Ids of the firms the instrument reaches now: its recipients and the residents of the
    parks it opened."""
    ids = set(policy.recipients)
    parks = getattr(policy, "parks", {})
    if parks:
        index = [i for i, p in enumerate(model.parks) if any(p is q for q in parks.values())]
        f = model.firms
        ids.update(f.ids[np.isin(f["park"], index)].tolist())
    return ids


def record_run(model: ClusterModel, steps: int, outcome: str,
               policy_name: str | None) -> Recorded:
    """Run ``model`` for ``steps`` quarters, recording its firm panel of ``outcome`` and when
    the policy ``policy_name`` first reached each firm (None: a run without it)."""
    columns = OUTCOMES[outcome]
    policy = next((p for p in model.policies if p.name == policy_name), None)
    frames, treated, totals = [], {}, []
    for _ in range(steps):
        model.step()
        f = model.firms
        if outcome == "firms":
            y = np.ones(f.n)
        elif outcome == "entrants":
            y = (f["born"] == model.quarter).astype(float)
        else:
            y = sum(f[c] for c in columns)
        frames.append(pd.DataFrame({
            "quarter": model.quarter, "id": f.ids.copy(), "country": f["country"].copy(),
            "sector": f["sector"].copy(), "employees": f["employees"].copy(),
            "born": f["born"].copy(), "y": np.asarray(y, dtype=float).copy()}))
        totals.append(float(np.sum(y)))
        if policy is not None:
            for i in reached(model, policy):
                treated.setdefault(i, model.quarter)
    spent = 0.0 if policy is None else float(sum(
        g.spent_by_policy.get(policy.name, 0.0) for g in model.governments.values()))
    return Recorded(pd.concat(frames, ignore_index=True), treated, spent, np.array(totals))


# ----------------------------------------------------------------- the designs
def _cohorts(run: Recorded, horizon: int) -> pd.DataFrame:
    """The treated firms with their quarter, for cohorts that can be followed ``horizon``
    quarters within the run."""
    last = int(run.panel["quarter"].max())
    rows = [(i, q) for i, q in run.treated.items() if q + horizon <= last]
    return pd.DataFrame(rows, columns=["id", "q0"])


def same_seed(treated: Recorded, control: Recorded, horizon: int) -> float:
    """The change (percent) of the outcome summed over the treated firms present since the
    start, ``horizon`` quarters after each was reached, against the same firms in the run
    without the instrument (NaN if no treated firm can be followed)."""
    cohorts = _cohorts(treated, horizon)
    if cohorts.empty:
        return float("nan")
    cohorts["quarter"] = cohorts["q0"] + horizon
    keys = ["id", "quarter"]
    start = treated.panel[treated.panel["born"] <= 0][keys + ["y"]]
    a = cohorts.merge(start, on=keys)
    b = cohorts.merge(control.panel[control.panel["born"] <= 0][keys + ["y"]], on=keys)
    both = a.merge(b, on=keys, suffixes=("_with", "_without"))
    base = both["y_without"].sum()
    if both.empty or base <= 0:
        return float("nan")
    return float(100.0 * (both["y_with"].sum() / base - 1.0))


def matched_did(run: Recorded, horizon: int, neighbours: int = NEIGHBOURS) -> float:
    """Difference in differences (percent) of the log outcome from the quarter before each
    treated firm was reached to ``horizon`` quarters after, against its nearest untreated
    firms of the same country and sector (in log size and log outcome before), pooled over
    the treated (NaN if none has a match)."""
    cohorts = _cohorts(run, horizon)
    if cohorts.empty:
        return float("nan")
    panel = run.panel.set_index(["quarter", "id"])
    treated_at = run.treated
    gaps = []
    for q0, group in cohorts.groupby("q0"):
        pre_q, post_q = int(q0) - 1, int(q0) + horizon
        if pre_q not in panel.index.levels[0] or post_q not in panel.index.levels[0]:
            continue
        pre, post = panel.loc[pre_q], panel.loc[post_q]
        alive = pre.index.intersection(post.index)
        pre, post = pre.loc[alive], post.loc[alive]
        change = np.log(np.maximum(post["y"], LOG_FLOOR)) - np.log(np.maximum(pre["y"],
                                                                             LOG_FLOOR))
        untreated = np.array([treated_at.get(i, 10**9) > post_q for i in alive])
        size = np.log(np.maximum(pre["employees"].to_numpy(), LOG_FLOOR))
        level = np.log(np.maximum(pre["y"].to_numpy(), LOG_FLOOR))
        cell = pre["country"].to_numpy() * 100 + pre["sector"].to_numpy()
        for i in group["id"]:
            if i not in pre.index:
                continue
            k = alive.get_loc(i)
            pool = np.flatnonzero(untreated & (cell == cell[k]))
            if pool.size == 0:
                continue
            distance = np.hypot(size[pool] - size[k], level[pool] - level[k])
            nearest = pool[np.argsort(distance, kind="stable")[:neighbours]]
            gaps.append(change.iloc[k] - change.iloc[nearest].mean())
    if not gaps:
        return float("nan")
    return float(100.0 * (np.exp(np.mean(gaps)) - 1.0))


def per_dollar(treated: Recorded, control: Recorded) -> float:
    """The outcome of all firms summed over the run, less the same without the instrument,
    per dollar its governments spent on it (NaN if it spent nothing)."""
    if treated.spent <= 0:
        return float("nan")
    return float((treated.totals.sum() - control.totals.sum()) / treated.spent)


def population(treated: Recorded, control: Recorded) -> float:
    """The outcome of all firms summed over the run's quarters (for ``firms``: firm-quarters;
    for ``entrants``: new firms), against the same-seed run without the instrument, in
    percent, as a difference in differences across areas that did and did not reform
    estimates it (NaN if the run without it has none)."""
    base = control.totals.sum()
    if base <= 0:
        return float("nan")
    return float(100.0 * (treated.totals.sum() / base - 1.0))


def innovator_share(treated: Recorded, control: Recorded, horizon: int) -> float:
    """The share of the firms present since the start that innovated at least once in the
    :data:`INNOVATOR_WINDOW` quarters up to ``horizon``, with the instrument less without it
    (same seed), in percentage points, as a survey-based difference in differences of the
    likelihood of innovating estimates it (NaN if no such firm is left)."""
    def share(run: Recorded) -> float:
        panel = run.panel
        window = panel[(panel["born"] <= 0) & (panel["quarter"] > horizon - INNOVATOR_WINDOW)
                       & (panel["quarter"] <= horizon)]
        if window.empty:
            return float("nan")
        return float((window.groupby("id")["y"].max() > 0).mean())

    return 100.0 * (share(treated) - share(control))


# ----------------------------------------------------------------- running a target
def estimate(target: ModelTarget, seeds: Iterable[int], scale: float,
             make_model: Callable[[str, dict[str, Any], int, float], ClusterModel],
             progress: Callable[[str], None] | None = None) -> list[float]:
    """The model's estimate of ``target`` for each seed: the instrument's scenario (with
    ``target.values``) and, where the design needs it, the baseline, both built by
    ``make_model(stem, values, seed, scale)``."""
    out = []
    for seed in seeds:
        run = record_run(make_model(target.scenario, {target.instrument: target.values},
                                    seed, scale), target.steps, target.outcome,
                         target.instrument)
        if target.design == "matched_did":
            out.append(matched_did(run, target.horizon))
        else:
            base = record_run(make_model("baseline", {}, seed, scale), target.steps,
                              target.outcome, None)
            if target.design == "same_seed":
                out.append(same_seed(run, base, target.horizon))
            elif target.design == "innovator_share":
                out.append(innovator_share(run, base, target.horizon))
            elif target.design == "population":
                out.append(population(run, base))
            else:
                out.append(per_dollar(run, base))
        if progress:
            progress(f"{target.instrument} / {target.study}: seed {seed}: {out[-1]:.3g}")
    return out
