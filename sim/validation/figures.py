"""Figures of the validation report: one function per figure, drawing from a
:class:`~sim.validation.evaluation.Validation`, and :data:`FIGURES` (file name -> the message
id of its caption and the function)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from sim.i18n import t
from sim.reporting.formatting import band
from sim.reporting.run_report import PNG_OPTIONS
from sim.validation.evaluation import Validation
from sim.validation.statistics import (
    TAIL_SHARE,
    _positive,
    growth_rates,
    hill_exponent,
    panel,
    yearly,
)
from sim.validation.targets import allowed_range, target_label


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def plot_sizes(result: Validation, path: Path) -> None:
    """CCDF of firm sizes at the last quarter on log-log axes, with the Hill fit of the top
    decile (first seed in colour, the others grey)."""
    fig = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for k, record in reversed(list(enumerate(result.records))):
        x = np.sort(_positive(record.workers[-1]))[::-1]
        ccdf = np.arange(1, x.size + 1) / x.size
        ax.loglog(x, ccdf, ".", ms=2.5, color="#1f6fb4" if k == 0 else "0.75",
                  label=t("msg.validation.figure.seed", seed=record.seed) if k == 0 else None)
    first = np.sort(_positive(result.records[0].workers[-1]))[::-1]
    a = hill_exponent(first, TAIL_SHARE)
    k = int(math.floor(TAIL_SHARE * first.size))
    if math.isfinite(a) and k >= 2:
        xs = np.geomspace(first[k], first[0], 50)
        ax.loglog(xs, (k / first.size) * (xs / first[k]) ** -a, color="#c4362b",
                  label=t("msg.validation.figure.hill_fit", a=f"{a:.2f}"))
        ax.loglog(xs, (k / first.size) * (xs / first[k]) ** -1.0, ":", color="0.2",
                  label=t("msg.validation.figure.zipf"))
    ax.set_xlabel(t("msg.validation.figure.workers"))
    ax.set_ylabel(t("msg.validation.figure.share_larger"))
    ax.set_title(t("msg.validation.figure.sizes_title", quarter=result.steps))
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_growth(result: Validation, path: Path) -> None:
    """Histogram of year-on-year log sales growth (all seeds pooled) on a log y-axis, with
    the Laplace and normal fits."""
    g = []
    for record in result.records:
        _, sales, present = panel(record.ids, record.sales)
        g.append(growth_rates(*yearly(sales, present, "sum")))
    growth = np.concatenate(g) if g else np.zeros(0)
    fig = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    if growth.size > 10:
        edge = float(np.quantile(np.abs(growth), 0.999))
        bins = np.linspace(-edge, edge, 61)
        density, _ = np.histogram(growth, bins=bins, density=True)
        mids = 0.5 * (bins[1:] + bins[:-1])
        ax.semilogy(mids[density > 0], density[density > 0], "o", ms=3, color="#1f6fb4",
                    label=t("msg.validation.figure.model_firm_years", n=f"{growth.size:,}"))
        xs = np.linspace(-edge, edge, 400)
        loc, scale = np.median(growth), np.mean(np.abs(growth - np.median(growth)))
        ax.semilogy(xs, stats.laplace.pdf(xs, loc, scale), color="#c4362b",
                    label=t("msg.validation.figure.laplace_fit"))
        ax.semilogy(xs, stats.norm.pdf(xs, growth.mean(), growth.std()), "--", color="0.3",
                    label=t("msg.validation.figure.normal_fit"))
        ax.set_ylim(bottom=max(density[density > 0].min() / 3, 1e-4))
    ax.set_xlabel(t("msg.validation.figure.growth_axis"))
    ax.set_ylabel(t("msg.validation.figure.density"))
    ax.set_title(t("msg.validation.figure.growth_title"))
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_degrees(result: Validation, path: Path) -> None:
    """Degree distribution of the cooperation network at the last quarter (all seeds pooled)
    against a Poisson of the same mean."""
    degrees = np.concatenate([np.bincount(r.edges.ravel(), minlength=r.nodes)
                              for r in result.records])
    fig = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    if degrees.size:
        counts = np.bincount(degrees)
        k = np.arange(counts.size)
        share = counts / counts.sum()
        ax.semilogy(k[share > 0], share[share > 0], "o", ms=4, color="#1f6fb4",
                    label=t("msg.validation.figure.model"))
        pois = stats.poisson.pmf(k, degrees.mean())
        ax.semilogy(k[pois > 1e-6], pois[pois > 1e-6], "--", color="0.3",
                    label=t("msg.validation.figure.poisson", mean=f"{degrees.mean():.2f}"))
        ax.set_ylim(bottom=min(share[share > 0].min(), 1e-3) / 2)
    core = result.statistics["core_tie_share"]
    ax.set_title(t("msg.validation.figure.degrees_title", quarter=result.steps,
                   core=f"{100 * np.nanmedian(result.statistics['core_fraction']):.0f}",
                   ties=f"{100 * np.nanmedian(core):.0f}"), fontsize=10)
    ax.set_xlabel(t("msg.validation.figure.degree_axis"))
    ax.set_ylabel(t("msg.validation.figure.share_nodes"))
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_innovation(result: Validation, path: Path) -> None:
    """P(innovates next year | innovated) and P(innovates next year | did not), per seed."""
    fig = Figure(figsize=(5.2, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    after = result.statistics["p_innovate_after_innovating"]
    not_after = result.statistics["p_innovate_after_not"]
    for x, values, colour in ((0, after, "#1f6fb4"), (1, not_after, "0.5")):
        med, lo, hi = band(values)
        ax.bar(x, med, color=colour, width=0.6)
        ax.errorbar(x, med, yerr=[[med - lo], [hi - med]], color="black", capsize=6)
        ax.plot(np.full(values.size, x), values, "k.", ms=4)
    ax.set_xticks([0, 1], [t("msg.validation.figure.innovated"),
                          t("msg.validation.figure.not_innovated")])
    ax.set_ylabel(t("msg.validation.figure.p_next"))
    ax.set_ylim(0, 1)
    ax.set_title(t("msg.validation.figure.innovation_title"), fontsize=10)
    _save(fig, path)


def plot_targets(result: Validation, path: Path) -> None:
    """Output targets: model median and band against the data value and accepted range."""
    checks = [c for c in result.targets if c.spec["role"] == "output"]
    fig = Figure(figsize=(7.2, 0.45 * len(checks) + 1.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for y, c in enumerate(checks):
        low, high = allowed_range(c.spec)
        value = float(c.spec["value"])
        ax.plot([low / value, high / value], [y, y], color="#9ecae1", lw=7,
                solid_capstyle="butt")
        ax.plot(1.0, y, "|", color="0.2", ms=12)
        colour = "#2a7f3b" if c.passed else "#c4362b"
        ax.errorbar(c.median / value, y, xerr=[[max(c.median - c.low, 0) / value],
                                               [max(c.high - c.median, 0) / value]],
                    fmt="o", color=colour, capsize=3)
    ax.set_yticks(range(len(checks)), [f"{target_label(c.spec)} ({c.spec['country']})"
                                       for c in checks], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(t("msg.validation.figure.targets_axis"), fontsize=8)
    ax.invert_yaxis()
    _save(fig, path)


FIGURES: dict[str, tuple[str, Callable[[Validation, Path], None]]] = {
    "validation_targets.png": ("msg.validation.figure.targets", plot_targets),
    "validation_sizes.png": ("msg.validation.figure.sizes", plot_sizes),
    "validation_growth.png": ("msg.validation.figure.growth", plot_growth),
    "validation_degrees.png": ("msg.validation.figure.degrees", plot_degrees),
    "validation_innovation.png": ("msg.validation.figure.innovation", plot_innovation),
}
