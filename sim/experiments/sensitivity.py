"""Sensitivity analysis of a stored sweep with SALib: Morris screening or Sobol indices.

The sweep's design is a Morris or Sobol sample (``design.method``); each point runs over the
seeds, and the analysis averages the seed replicates of each point before SALib sees them
(``analyze`` uses only the order of the outputs, so they are keyed by sample index). Every
output (country and indicator) is analysed on its own. :func:`ishigami` is a test function
with known Sobol indices that runs through the same runner, store and analysis as the model.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.designs import MORRIS_LEVELS, SENSITIVITY_METHODS, salib_problem
from sim.experiments.store import ResultStore, StoreError, load_results
from sim.reporting.files import write_file

MORRIS_COLUMNS = ["mu_star", "mu_star_conf", "sigma", "mu"]
SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
TABLE_COLUMNS = ["method", "country", "indicator", "parameter", *MORRIS_COLUMNS,
                 *SOBOL_COLUMNS, "runs", "note"]
#: Resamples of the bootstrap confidence intervals.
RESAMPLES = 200


class SensitivityError(StoreError):
    """The stored sweep cannot be analysed (wrong design, missing points)."""


@dataclass
class SensitivityResult:
    """Indices of every output.

    Attributes:
        method: ``morris`` or ``sobol``.
        table: one row per country, indicator and parameter (:data:`TABLE_COLUMNS`; the
            columns of the other method are NaN).
        second_order: Sobol S2 per pair of parameters (``parameter``, ``other``, ``S2``,
            ``S2_conf``), or None.
        notes: outputs that could not be analysed, and why.
        seeds_per_point: fewest and most seed replicates averaged at a point.
        model: whether the outputs are the model's indicators (not a custom function's).
    """

    method: str
    table: pd.DataFrame
    second_order: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    seeds_per_point: tuple[int, int] = (0, 0)
    model: bool = True


# ---------------------------------------------------------------------------------------------
# test functions


def ishigami(point: dict[str, float], seed: int) -> dict[str, float]:
    """The Ishigami function (a = 7, b = 0.1) of ``x1``, ``x2``, ``x3`` in [-pi, pi].

    Its Sobol indices are known (:data:`ISHIGAMI_S1`, :data:`ISHIGAMI_ST`); the seed is ignored.
    """
    x1, x2, x3 = point["x1"], point["x2"], point["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)}


#: Analytic first-order and total Sobol indices of :func:`ishigami`.
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def linear(point: dict[str, float], seed: int) -> dict[str, float]:
    """``y = 3 a - 2 b`` (``c`` has no effect) plus seed noise of mean zero across seeds 0 and 1:
    on ranges of width 1 its Morris mu* are 3, 2 and 0 once the two seeds are averaged."""
    noise = 0.5 if seed % 2 else -0.5
    return {"y": 3.0 * point["a"] - 2.0 * point["b"] + 0.0 * point["c"] + noise}


# ---------------------------------------------------------------------------------------------
# analysis


def analyze_store(path: str | Path) -> SensitivityResult:
    """Morris or Sobol indices of every output of a stored sweep.

    Raises:
        SensitivityError: the design is not a Morris or Sobol sample, or a point has no
            finished run.
    """
    store = ResultStore(path)
    info = store.definition()
    definition = info["definition"]
    design = definition["design"]
    method = design["method"]
    if method not in SENSITIVITY_METHODS:
        raise SensitivityError(path, f"the sweep's design is {method!r}; a sensitivity "
                               "analysis needs a morris or sobol design")
    parameters = [_Range(p["name"], p["low"], p["high"]) for p in definition["parameters"]]
    problem = salib_problem(parameters)
    points = len(store.points())
    results = load_results(path)
    if results.empty:
        raise SensitivityError(path, "no finished run to analyse")
    per_seed = results.groupby("sample")["seed"].nunique()
    missing = sorted(set(range(points)) - set(per_seed.index))
    if missing:
        raise SensitivityError(path, f"{len(missing)} of {points} points have no finished run "
                               f"(e.g. sample {missing[0]}); resume the sweep (with "
                               "--retry-failed for recorded failures) before analysing it")
    means = results.groupby(["country", "indicator", "sample"], sort=False)["value"].mean()
    n_runs = len(results.drop_duplicates(["sample", "seed"]))
    matrix = store.matrix()
    if method == "morris" and matrix is None:
        raise SensitivityError(path, "the store has no design matrix (design_matrix.npy)")
    rows, s2_rows, notes = [], [], []
    for (country, indicator), series in means.groupby(level=[0, 1], sort=False):
        y = series.droplevel([0, 1]).reindex(range(points)).to_numpy(dtype=float)
        label = f"{country}/{indicator}" if country else indicator
        note = ""
        if not np.isfinite(y).all():
            note = f"no value at {int((~np.isfinite(y)).sum())} points"
        elif np.ptp(y) == 0:
            note = "constant"
        if note:
            notes.append(f"{label}: {note}; not analysed")
            indices: dict[str, Any] = {}
        elif method == "morris":
            indices = _morris(problem, matrix, y, design)
        else:
            indices, s2 = _sobol(problem, y, design)
            for a, b, value, conf in s2:
                s2_rows.append({"country": country, "indicator": indicator, "parameter": a,
                                "other": b, "S2": value, "S2_conf": conf})
        for k, name in enumerate(problem["names"]):
            row = {"method": method, "country": country, "indicator": indicator,
                   "parameter": name, "runs": n_runs, "note": note}
            for column in MORRIS_COLUMNS + SOBOL_COLUMNS:
                values = indices.get(column)
                row[column] = float(values[k]) if values is not None else math.nan
            rows.append(row)
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    second = pd.DataFrame(s2_rows) if method == "sobol" and design["second_order"] else None
    return SensitivityResult(method, table, second, notes,
                             (int(per_seed.min()), int(per_seed.max())),
                             model=definition["evaluate"] == "sim.experiments.sweep:ModelEvaluator")


@dataclass(frozen=True)
class _Range:
    name: str
    low: float
    high: float


def _morris(problem: dict[str, Any], matrix: np.ndarray, y: np.ndarray,
            design: dict[str, Any]) -> dict[str, Any]:
    from SALib.analyze import morris

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = morris.analyze(problem, matrix, y, num_levels=design["levels"] or MORRIS_LEVELS,
                            num_resamples=RESAMPLES, seed=design["seed"])
    return {k: np.asarray(si[k], dtype=float) for k in MORRIS_COLUMNS}


def _sobol(problem: dict[str, Any], y: np.ndarray, design: dict[str, Any]) -> \
        tuple[dict[str, Any], list[tuple[str, str, float, float]]]:
    from SALib.analyze import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = sobol.analyze(problem, y, calc_second_order=design["second_order"],
                           num_resamples=RESAMPLES, seed=design["seed"])
    indices = {k: np.asarray(si[k], dtype=float) for k in SOBOL_COLUMNS}
    pairs = []
    if design["second_order"]:
        names = problem["names"]
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                pairs.append((names[i], names[j], float(si["S2"][i, j]),
                              float(si["S2_conf"][i, j])))
    return indices, pairs


# ---------------------------------------------------------------------------------------------
# report


def write_sensitivity_report(result: SensitivityResult, out: str | Path) -> list[str]:
    """Write ``sensitivity.csv``, ``sensitivity.md``, one plot per country
    (``sensitivity_<country>.png``) and, for Sobol with second order, ``sobol_s2.csv``.

    Each file is written to a temporary name and renamed into place.

    Returns:
        The names of the files written.
    """
    out = Path(out)
    written = []

    def atomic(name: str, write: Any) -> None:
        write_file(out / name, write)
        written.append(name)

    atomic("sensitivity.csv", lambda tmp: result.table.to_csv(tmp, index=False))
    if result.second_order is not None:
        atomic("sobol_s2.csv", lambda tmp: result.second_order.to_csv(tmp, index=False))
    atomic("sensitivity.md", lambda tmp: tmp.write_text(_markdown(result)))
    for country in pd.unique(result.table["country"]):
        name = f"sensitivity_{country}.png" if country else "sensitivity.png"
        figure = _figure(result, country)
        atomic(name, lambda tmp, fig=figure: fig.savefig(tmp, format="png", dpi=110))
    return written


def _markdown(result: SensitivityResult) -> str:
    from sim.i18n import t
    from sim.reporting.formatting import fmt, is_share, label_of, md_table, shown_unit
    from sim.reporting.national import is_money, scale_of

    scale = scale_of()
    morris = result.method == "morris"
    table = result.table
    runs = int(table["runs"].iloc[0]) if len(table) else 0
    lo, hi = result.seeds_per_point
    seeds = f"{lo}" if lo == hi else f"{lo}-{hi}"
    outputs = " " + t("msg.sensitivity.outputs") if result.model else ""
    method = t("msg.sensitivity.morris" if morris else "msg.sensitivity.sobol")
    lines = [f"# {t('msg.sensitivity.title', method=method)}",
             "", t("msg.sensitivity.runs", runs=runs, seeds=seeds) + outputs, ""]
    parameter = t("msg.sensitivity.parameter")
    if morris:
        lines += [t("msg.sensitivity.morris_note"), ""]
        lines += [f"{scale.note()} {t('msg.sensitivity.morris_scale')}", ""]
        header = [parameter, "mu*", "± (95%)", "sigma", "mu"]
        cols, key = ["mu_star", "mu_star_conf", "sigma", "mu"], "mu_star"
    else:
        lines += [t("msg.sensitivity.sobol_note"), ""]
        header = [parameter, "S1", "± (95%)", "ST", "± (95%)"]
        cols, key = SOBOL_COLUMNS, "ST"
    for (country, indicator), group in table.groupby(["country", "indicator"], sort=False):
        label, unit = label_of(indicator)
        factor = 100.0 if morris and is_share(indicator) else 1.0
        unit = shown_unit(indicator, change=True) if factor != 1.0 else unit
        national = scale.factor.get(country) if morris and is_money(indicator) else None
        where = f" — {country}" if country else ""
        lines += [f"## {label}{where}" + (f" ({unit})" if unit else ""), ""]
        if group["note"].iloc[0]:
            lines += [t("msg.sensitivity.not_analysed", note=group["note"].iloc[0]), ""]
            continue
        group = group.sort_values(key, ascending=False)
        rows = [[f"`{r.parameter}`", *[fmt(factor * getattr(r, c)) for c in cols]]
                + ([fmt(national * r.mu_star)] if national else [])
                for r in group.itertuples()]
        lines += md_table(header + ([t("msg.sensitivity.national_column")] if national else []),
                          rows) + [""]
    if result.notes:
        lines += [f"## {t('msg.sensitivity.notes')}", "", *[f"- {n}" for n in result.notes], ""]
    return "\n".join(lines)


def _figure(result: SensitivityResult, country: str) -> Any:
    from matplotlib.figure import Figure

    from sim.i18n import t
    from sim.reporting.formatting import label_of

    table = result.table[(result.table["country"] == country) & (result.table["note"] == "")]
    indicators = list(pd.unique(table["indicator"])) or ["(none)"]
    ncols = min(3, len(indicators))
    nrows = math.ceil(len(indicators) / ncols)
    fig = Figure(figsize=(5.2 * ncols, 3.8 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, indicator in zip(axes, indicators, strict=False):
        group = table[table["indicator"] == indicator]
        label, unit = label_of(indicator)
        ax.set_title(label, fontsize=10)
        if result.method == "morris":
            ax.errorbar(group["mu_star"], group["sigma"], xerr=group["mu_star_conf"], fmt="o",
                        ms=4, capsize=2)
            for r in group.itertuples():
                ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=7,
                            textcoords="offset points", xytext=(3, 3))
            ax.set_xlabel(f"mu* ({unit})" if unit else "mu*")
            ax.set_ylabel("sigma")
            right = float(np.nanmax(group["mu_star"] + group["mu_star_conf"].fillna(0)))
            top = float(np.nanmax(group["sigma"]))
            ax.set_xlim(0, right * 1.45 if right > 0 else 1.0)  # room for the labels
            ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
        else:
            group = group.sort_values("ST")
            pos = np.arange(len(group))
            ax.barh(pos + 0.2, group["ST"], 0.4, xerr=group["ST_conf"], label="ST")
            ax.barh(pos - 0.2, group["S1"], 0.4, xerr=group["S1_conf"], label="S1")
            ax.set_yticks(pos, group["parameter"], fontsize=7)
            ax.set_xlim(0, 1.05)
            ax.legend(fontsize=7, loc="lower right")
    for ax in axes[len(indicators):]:
        ax.set_visible(False)
    title = t("msg.sensitivity.morris_title" if result.method == "morris"
              else "msg.sensitivity.sobol_title")
    fig.suptitle(f"{title}{' — ' + country if country else ''}", fontsize=11)
    return fig
