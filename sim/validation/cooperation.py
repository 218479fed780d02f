"""Cooperation and innovation in the model, measured as innovation surveys and studies of R&D
cooperation measure them, for the comparison with their published estimates
(``sim/data/innovation.toml``, docs/validation.md).

A firm-year is *cooperating* when the firm had an R&D tie (with a firm or a university) at the
end of any quarter of the year, and *innovating* when it had a successful idea in any quarter
(:func:`collect_panel`). :func:`innovation_gaps` gives the raw gap in the share of innovating
firm-years and the gap conditional on size, R&D intensity, sector and country (a linear
probability model, as the survey studies estimate); :func:`no_ties_effect` runs the same seed
without R&D ties and gives the causal effect on the firms that cooperated and the fall in all
innovations; :func:`value_skew` the share of the value of innovations held by the top tenth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.inputs.scenario import Scenario
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.network.ties import RND
from sim.validation.statistics import persistence

#: Share of the innovations, ranked by value, whose share of the total value
#: :func:`value_skew` reports (by definition of the statistic: the top tenth, as Scherer and
#: Harhoff 2000 report it).
TOP_SHARE = 0.1


@dataclass
class CooperationRun:
    """One recorded run: the firm-year panel and the value of every successful idea."""

    panel: pd.DataFrame
    values: np.ndarray
    innovations: int
    ideas: dict[str, int]
    time_to_market: float = float("nan")

    @property
    def failure_share(self) -> float:
        """Share of ideas that failed."""
        return self.ideas["failed"] / max(self.ideas["ideas"], 1)

    @property
    def joint_failure_share(self) -> float:
        """Share of joint projects (ideas with a partner) that failed."""
        return self.ideas["joint_failed"] / max(self.ideas["joint"], 1)


def _cooperating(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Which live firms have an R&D tie now, and which have one with a university."""
    t = model.graph.ties
    live = t.alive[: t.size] & (t.kind[: t.size] == RND)
    a, b = t.a[: t.size][live], t.b[: t.size][live]
    unis = np.isin(a, model.university_ids) | np.isin(b, model.university_ids)
    ids = model.firms.ids
    return np.isin(ids, np.r_[a, b]), np.isin(ids, np.r_[a[unis], b[unis]])


class PanelRecorder:
    """Records, quarter by quarter (:meth:`on_quarter`, to be called after each step), each
    firm's cooperation (any R&D tie, one with a university), innovation (any successful idea,
    a new product), workers, R&D intensity, sector and country, and the value of each
    successful idea: the firm's sales that quarter times the idea's technology level (how much
    of its market the innovation reaches, times how far it goes); :meth:`finish` makes the
    firm-year panel."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []
        self.values: list[np.ndarray] = []
        self.counts = dict.fromkeys(("ideas", "failed", "joint", "joint_failed"), 0)

    def on_quarter(self, model: Any) -> None:
        """Record the quarter just run."""
        f = model.firms
        ideas = model.ideas
        counts = self.counts
        self.values.append(ideas.sales[ideas.success] * ideas.level[ideas.success])
        counts["ideas"] += int(ideas.rows.size)
        counts["failed"] += int((~ideas.success).sum())
        counts["joint"] += int(ideas.joint.sum())
        counts["joint_failed"] += int((ideas.joint & ~ideas.success).sum())
        cooperating, university = _cooperating(model)
        self.frames.append(pd.DataFrame({
            "id": f.ids, "year": (model.quarter - 1) // QUARTERS_PER_YEAR,
            "cooperating": cooperating, "university": university,
            "innovating": f["innovated"].copy(),
            "product": f["product_idea"].copy(),
            "workers": f["employees"].copy(), "rd_intensity": f["rd_intensity"].copy(),
            "sector": f["sector"].astype(int), "country": f["country"].astype(int)}))

    def finish(self, model: Any) -> CooperationRun:
        """The firm-year panel (full years only) and the run's counts."""
        names = model.indicator_names()
        time_to_market = float(model.indicator_array()[-1, -1, names.index("time_to_market")])
        quarters = pd.concat(self.frames, ignore_index=True)
        panel = quarters.groupby(["id", "year"], sort=True).agg(
            cooperating=("cooperating", "any"), innovating=("innovating", "any"),
            product=("product", "any"), university=("university", "any"),
            workers=("workers", "mean"), rd_intensity=("rd_intensity", "mean"),
            sector=("sector", "first"), country=("country", "first"),
            quarters=("innovating", "size")).reset_index()
        panel = panel[panel["quarters"] == QUARTERS_PER_YEAR].drop(columns="quarters")
        counts = self.counts
        return CooperationRun(panel,
                              np.concatenate(self.values) if self.values else np.zeros(0),
                              counts["ideas"] - counts["failed"], counts, time_to_market)


def collect_panel(scenario: Scenario, seed: int, steps: int) -> CooperationRun:
    """Run ``scenario`` with ``seed`` for ``steps`` quarters and record it with a
    :class:`PanelRecorder`."""
    from sim.experiments.runs import run_model

    recorder = PanelRecorder()
    model = run_model(scenario, seed, steps, on_step=recorder.on_quarter)
    return recorder.finish(model)


def innovation_gaps(panel: pd.DataFrame, outcome: str = "innovating") -> dict[str, float]:
    """Share of innovating firm-years among cooperating and other firm-years, their raw
    difference and ratio, and the difference conditional on log workers, log R&D intensity,
    sector and country (the coefficient of cooperation in a linear probability model)."""
    coop = panel["cooperating"].to_numpy(bool)
    innov = panel[outcome].to_numpy(float)
    share_coop = float(innov[coop].mean()) if coop.any() else float("nan")
    share_other = float(innov[~coop].mean()) if (~coop).any() else float("nan")
    conditional = float("nan")
    if coop.any() and (~coop).any():
        columns = [np.ones(len(panel)), coop.astype(float),
                   np.log(np.maximum(panel["workers"].to_numpy(float), 1e-9)),
                   np.log(np.maximum(panel["rd_intensity"].to_numpy(float), 1e-9))]
        for name in ("sector", "country"):
            codes = panel[name].to_numpy(int)
            columns += [(codes == k).astype(float) for k in np.unique(codes)[1:]]
        x = np.column_stack(columns)
        beta = np.linalg.lstsq(x, innov, rcond=None)[0]
        conditional = float(beta[1])
    return {"share_cooperating": share_coop, "share_other": share_other,
            "raw_gap": share_coop - share_other,
            "ratio": share_coop / share_other if share_other > 0 else float("nan"),
            "conditional_gap": conditional,
            "cooperating_share_of_firm_years": float(coop.mean()) if len(coop) else float("nan"),
            "university_share_of_innovators": float(
                panel["university"].to_numpy(bool)[innov > 0].mean()) if (innov > 0).any()
            else float("nan")}


def no_ties_effect(control: CooperationRun, without: CooperationRun,
                   outcome: str = "innovating") -> dict[str, float]:
    """The effect of R&D cooperation from a run and the same seed's run without R&D ties:
    among the firm-years that cooperated in the control run, the share innovating there and
    in the run without ties (the same firms and years, where they exist in both), their
    difference (the effect on the cooperating firms), and the relative fall in all successful
    ideas."""
    merged = control.panel.merge(without.panel, on=["id", "year"], suffixes=("", "_none"))
    treated = merged[merged["cooperating"]]
    with_ties = float(treated[outcome].mean()) if len(treated) else float("nan")
    no_ties = float(treated[f"{outcome}_none"].mean()) if len(treated) else float("nan")
    return {"treated_share_with": with_ties, "treated_share_without": no_ties,
            "effect_on_cooperating": with_ties - no_ties,
            "relative_effect_on_cooperating": (with_ties / no_ties - 1.0) if no_ties > 0
            else float("nan"),
            "fall_in_innovations": 1.0 - without.innovations / max(control.innovations, 1)}


def value_skew(values: np.ndarray, top: float = TOP_SHARE) -> float:
    """Share of the total value of innovations held by the most valuable ``top`` share."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    if v.size == 0 or v.sum() <= 0:
        return float("nan")
    k = max(int(round(top * v.size)), 1)
    return float(v[:k].sum() / v.sum())


def persistence_gap(panel: pd.DataFrame) -> float:
    """P(innovating next year | innovating this year) - P(innovating next year | not), over
    the firms' consecutive full years."""
    table = panel.pivot(index="id", columns="year", values="innovating")
    valid = table.notna().to_numpy()
    flags = table.fillna(False).to_numpy(bool)
    return persistence(flags, valid)["difference"]
