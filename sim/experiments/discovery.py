"""Scenario discovery over a stored sweep: the boxes of inputs where an outcome fails.

Each point of the sweep is one case: its inputs are the point's parameter values (the design),
its outcome the mean over the point's seeds of one output (``COUNTRY.indicator``, or the output's
name for a custom function). A case *fails* when the outcome is below the threshold (or above
it, when asked). PRIM, the Patient Rule Induction Method of the EMA Workbench's analysis package,
peels the input space toward the failing cases: each step removes a thin slice (``peel_alpha`` of
the remaining cases) from one side of one input, the slice whose removal raises the share of
failing cases most, until the box holds ``mass_min`` of the cases. The boxes along the way form
the *peeling trajectory*; on it each box has a *coverage* (share of all failing cases inside it)
and a *density* (share of the cases inside it that fail). The box reported is the one with the
largest coverage among those with density at least ``min_density`` (the densest, when none
reaches it); then each restriction whose quasi-p-value (the chance that restricting the input
that much would raise the density as much by luck, Bryant and Lempert 2010) is above
``max_quasi_p`` is lifted, the least significant first (a lower and an upper limit apart).
Further boxes are looked for among the cases outside the earlier ones, up to ``max_boxes``, and
kept when they reach ``min_density``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.store import ResultStore, StoreError, load_design, load_results
from sim.i18n import t

#: Fewest cases (points with a value) PRIM is run on.
MIN_CASES = 10


class DiscoveryError(StoreError):
    """The stored sweep cannot be analysed as asked.

    Attributes:
        bad_input: the request is wrong (no such store or outcome), rather than the data
            unsuited to it (no failing case, too few points).
    """

    def __init__(self, path: str | Path, message: str, bad_input: bool = False):
        super().__init__(path, message)
        self.bad_input = bad_input


@dataclass
class Box:
    """One box of inputs where the outcome fails.

    Attributes:
        limits: one row per input (index: the parameter path): ``low``, ``high`` (numbers; for
            a string or boolean input ``values``, the values inside), ``range_low``,
            ``range_high`` (or ``range_values``), ``restricted`` (``"low"``, ``"high"``,
            ``"both"``, ``"values"`` or ``""``) and ``quasi_p`` (the one-sided binomial
            quasi-p-value of each restriction, Bryant and Lempert 2010; the larger of its two
            sides; NaN when the input is not restricted).
        coverage: share of all failing cases that are inside the box.
        density: share of the cases inside the box that fail.
        mass: share of all cases inside the box.
        cases: cases inside the box.
        failing: failing cases inside the box.
        trajectory: the peeling (and pasting) trajectory: ``coverage``, ``density``, ``mass``,
            ``res_dim`` (restricted inputs), ``cases``, ``failing``, one row per box on it.
        chosen: the row of ``trajectory`` reported.
        dropped: box limits lifted because their quasi-p-value was above ``max_quasi_p``
            (``"x1 lower limit"``; each lifted box is a row of ``trajectory``).
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    cases: int
    failing: int
    trajectory: pd.DataFrame
    chosen: int
    dropped: list[str] = field(default_factory=list)

    @property
    def restricted(self) -> list[str]:
        """The inputs the box restricts."""
        return [name for name, r in self.limits["restricted"].items() if r]


@dataclass
class Discovery:
    """What :func:`discover` found.

    Attributes:
        store: the store folder.
        outcome: the outcome's name.
        threshold: the threshold.
        above: cases fail above the threshold (else below it).
        cases: cases analysed (points with a value).
        failing: failing cases.
        seeds: fewest and most seeds averaged at a point.
        inputs: the inputs PRIM looked at.
        boxes: the boxes found (at least one).
        settings: ``peel_alpha``, ``paste_alpha``, ``mass_min``, ``min_density``,
            ``max_boxes``.
        notes: inputs or points left out, and why.
        sweep: the sweep's name.
        outcome_range: smallest and largest outcome over the cases.
    """

    store: Path
    outcome: str
    threshold: float
    above: bool
    cases: int
    failing: int
    seeds: tuple[int, int]
    inputs: list[str]
    boxes: list[Box]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    sweep: str = ""
    outcome_range: tuple[float, float] = (math.nan, math.nan)

    @property
    def condition(self) -> str:
        """The failing condition, e.g. ``JOINT.tech_exports < 250``."""
        return f"{self.outcome} {'>' if self.above else '<'} {self.threshold:g}"


def outcome_name(country: str, indicator: str) -> str:
    """An output's name: ``JOINT.tech_exports``, or ``y`` for a custom function's output."""
    return f"{country}.{indicator}" if country else indicator


def outcomes(results: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """The outputs of a store's results table: name to ``(country, indicator)``."""
    pairs = results[["country", "indicator"]].drop_duplicates()
    return {outcome_name(c, i): (c, i) for c, i in pairs.itertuples(index=False)}


def cases_of(path: str | Path, outcome: str) -> tuple[pd.DataFrame, pd.Series, list[str],
                                                      tuple[int, int]]:
    """The cases of a stored sweep for one outcome.

    Returns:
        ``(inputs, outcome, notes, seeds)``: one row per point with a value (index: sample),
        the inputs PRIM can use (a column per varied parameter; constant ones and ones some
        point leaves unset are dropped, with a note), the outcome averaged over the point's
        seeds, and the fewest and most seeds averaged at a point.

    Raises:
        DiscoveryError: the store has no finished run, or no output of that name.
    """
    results = load_results(path)
    if results.empty:
        raise DiscoveryError(path, "no finished run to analyse; run the sweep first")
    names = outcomes(results)
    if outcome not in names:
        raise DiscoveryError(path, f"no outcome {outcome!r}; the store has "
                             f"{_listing(list(names))}", bad_input=True)
    country, indicator = names[outcome]
    rows = results[(results["country"] == country) & (results["indicator"] == indicator)]
    seeds = rows.groupby("sample")["seed"].nunique()
    y = rows.groupby("sample")["value"].mean()
    notes = []
    missing = int((~np.isfinite(y)).sum())
    if missing:
        notes.append(t("msg.discovery.note_missing", count=missing, outcome=outcome))
    y = y[np.isfinite(y)]
    design = load_design(path).set_index("sample")
    x = design.loc[y.index]
    for column in list(x.columns):
        values = x[column]
        if values.isna().any():
            notes.append(t("msg.discovery.note_unset", column=column))
        elif values.nunique() < 2:
            notes.append(t("msg.discovery.note_constant", column=column,
                           value=repr(values.iloc[0])))
        else:
            continue
        x = x.drop(columns=column)
    for column in x.columns:
        if x[column].dtype == bool:
            x[column] = x[column].astype(str)
    return x, y, notes, (int(seeds.min()), int(seeds.max())) if len(seeds) else (0, 0)


def _listing(names: list[str], limit: int = 30) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def discover(path: str | Path, outcome: str, threshold: float, *, above: bool = False,
             min_density: float = 0.8, max_quasi_p: float = 0.05, peel_alpha: float = 0.05,
             paste_alpha: float = 0.05, mass_min: float = 0.05,
             max_boxes: int = 3) -> Discovery:
    """Find the boxes of inputs where ``outcome`` is below (or above) ``threshold``.

    Args:
        path: the store folder.
        outcome: ``COUNTRY.indicator`` (e.g. ``JOINT.tech_exports``), or an output's name for a
            custom function.
        threshold: a case fails below it (at or above it passes).
        above: a case fails above it instead.
        min_density: the least density of a reported box.
        max_quasi_p: restrictions whose quasi-p-value is above this are lifted (1: keep
            every restriction PRIM made).
        peel_alpha: share of the remaining cases each peeling step removes.
        paste_alpha: share of cases each pasting step may add back.
        mass_min: the smallest box, as a share of the cases.
        max_boxes: the most boxes looked for.

    Raises:
        DiscoveryError: no such store or outcome, too few cases, or no case (or every case)
            fails.
    """
    path = Path(path)
    if not path.exists():
        raise DiscoveryError(path, "no such file or folder; give the folder of a sweep "
                             "store (clustersim sweep FILE --out DIR)", bad_input=True)
    store = ResultStore(path)
    if not store.exists():
        raise DiscoveryError(path, "not a sweep store (no sweep.json); run `clustersim sweep "
                             "FILE --out DIR` first", bad_input=True)
    x, y, notes, seeds = cases_of(path, outcome)
    if len(y) < MIN_CASES:
        raise DiscoveryError(path, f"{len(y)} points have a value of {outcome}; scenario "
                             f"discovery needs at least {MIN_CASES}")
    if x.shape[1] == 0:
        raise DiscoveryError(path, "no input varies across the points")
    fails = (y > threshold) if above else (y < threshold)
    condition = f"{outcome} {'>' if above else '<'} {threshold:g}"
    span = f"its range over the {len(y)} points is [{y.min():.6g}, {y.max():.6g}]"
    if not fails.any():
        raise DiscoveryError(path, f"no case has {condition} ({span}); choose another "
                             "threshold")
    if fails.all():
        raise DiscoveryError(path, f"every case has {condition} ({span}); choose another "
                             "threshold")
    settings = {"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min,
                "min_density": min_density, "max_quasi_p": max_quasi_p,
                "max_boxes": max_boxes}
    boxes = _prim_boxes(x, fails.to_numpy(), settings)
    return Discovery(path, outcome, float(threshold), above, len(y), int(fails.sum()), seeds,
                     list(x.columns), boxes, settings, notes,
                     sweep=store.definition().get("definition", {}).get("name", path.name),
                     outcome_range=(float(y.min()), float(y.max())))


def _prim_boxes(x: pd.DataFrame, fails: np.ndarray, settings: dict[str, Any]) -> list[Box]:
    """Run PRIM box by box; keep the first box and each later one that reaches the density."""
    prim = _prim_module()
    x = x.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, fails, peel_alpha=settings["peel_alpha"],
                           paste_alpha=settings["paste_alpha"], mass_min=settings["mass_min"])
        boxes: list[Box] = []
        outside = np.ones(len(x), dtype=bool)  # cases in no box kept so far
        while len(boxes) < settings["max_boxes"] and fails[outside].any():
            found = finder.find_box()
            if found is None:
                break
            chosen = _choose(found.peeling_trajectory, settings["min_density"])
            chosen, dropped = _drop_chance_restrictions(found, chosen, settings["max_quasi_p"])
            found.select(chosen)  # the next box is looked for outside this one
            box = _box(found, chosen, x)
            box.dropped = dropped
            if boxes and box.density < settings["min_density"]:
                break
            boxes.append(box)
            outside[found.yi] = False
    return boxes


def _prim_module() -> Any:
    """The EMA Workbench's PRIM module (imported here: it takes a few seconds)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optional back ends it does not find (ipyparallel)
        from ema_workbench.analysis import prim
    return prim


def _choose(trajectory: pd.DataFrame, min_density: float) -> int:
    """The box on the trajectory with the largest coverage among those with at least
    ``min_density`` (the densest of equal coverage); the densest when none reaches it."""
    dense = trajectory[trajectory["density"] >= min_density - 1e-12]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    best = dense[dense["coverage"] >= dense["coverage"].max() - 1e-12]
    return int(best["density"].idxmax())


def _drop_chance_restrictions(found: Any, chosen: int, max_p: float) -> tuple[int, list[str]]:
    """Lift, one at a time, the box limit whose quasi-p-value is largest while it is above
    ``max_p`` (PRIM also restricts inputs that only fit the noise); a numeric input's lower and
    upper limits are judged apart. Each lifted box joins the trajectory. Returns the final
    box's row and the limits lifted (``"x1 lower limit"``)."""
    lifted = []
    prim = found.prim
    while True:
        sides = [(p, name, side) for name, values in found.p_values[chosen].items()
                 for side, p in enumerate(values) if p is not None and p >= 0]
        if not sides or max(sides)[0] <= max_p:
            return chosen, lifted
        _, name, side = max(sides)
        limits = found.box_lims[chosen].copy()
        if isinstance(limits.at[0, name], set):
            limits[name] = prim.box_init[name]
            lifted.append(t("msg.discovery.lifted_values", name=name))
        else:
            limits.at[side, name] = prim.box_init.at[side, name]
            lifted.append(t(f"msg.discovery.lifted_{'lower' if side == 0 else 'upper'}",
                            name=name))
        remaining = prim.yi_remaining
        found.update(limits, remaining[_inside(prim.x.loc[remaining], limits)])
        chosen = len(found.peeling_trajectory) - 1


def _inside(x: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie within the box ``limits`` (rows 0 and 1: lower and upper limits
    of numbers; a set of values for other inputs)."""
    inside = np.ones(len(x), dtype=bool)
    for name in limits.columns:
        low, high = limits.at[0, name], limits.at[1, name]
        values = x[name]
        if isinstance(low, set):
            inside &= values.isin(low).to_numpy()
        else:
            inside &= ((values >= low) & (values <= high)).to_numpy()
    return inside


def _box(found: Any, chosen: int, x: pd.DataFrame) -> Box:
    """A :class:`Box` from the PRIM box ``found`` at trajectory row ``chosen``."""
    limits = found.box_lims[chosen]
    full = found.prim.box_init
    quasi_p = found.p_values[chosen] if chosen < len(found.p_values) else {}
    rows = {}
    for name in x.columns:
        if name not in limits.columns:  # dropped by PRIM (a single category)
            continue
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        range_low, range_high = full[name].iloc[0], full[name].iloc[1]
        if isinstance(low, set):
            restricted = "values" if low != range_low else ""
            row = {"values": sorted(map(str, low)), "range_values": sorted(map(str, range_low))}
        else:
            at_low, at_high = low > range_low, high < range_high
            restricted = ("both" if at_low and at_high else "low" if at_low
                          else "high" if at_high else "")
            row = {"low": float(low), "high": float(high), "range_low": float(range_low),
                   "range_high": float(range_high)}
        p_values = [p for p in quasi_p.get(name, []) if p is not None and p >= 0]
        row.update(restricted=restricted,
                   quasi_p=float(max(p_values)) if restricted and p_values else math.nan)
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    for column in ("low", "high", "range_low", "range_high"):
        if column not in table:
            table[column] = math.nan
    trajectory = found.peeling_trajectory.rename(columns={"n": "cases", "k": "failing"})
    trajectory = trajectory[["coverage", "density", "mass", "res_dim", "cases", "failing"]]
    row = trajectory.loc[chosen]
    return Box(table, float(row["coverage"]), float(row["density"]), float(row["mass"]),
               int(row["cases"]), int(row["failing"]), trajectory.reset_index(drop=True),
               chosen)

