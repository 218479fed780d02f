"""Costs and benefits over time, discounted: present values, net present value, benefit-cost
ratio and payback quarter of every scenario against the reference, at national scale.

The benefit is the extra value added of the modelled firms (sales minus bought inputs, the
firms' contribution to GDP): per quarter it is ``labour_productivity × employment / 1000`` (USD m;
the indicator ``labour_productivity`` is USD k of value added per worker over the same firms), at
national scale by the country's factor. The cost is the extra gross fiscal cost per quarter:
policy spending plus taxes foregone. Both are paired with the reference seed by seed, for each
quarter t = 1..T, and discounted to quarter 0 with the quarterly rate ``(1 + r)^(1/4) − 1`` of
an annual real rate r. For each seed:

- PV(benefit) = Σ_t Δvalue added_t / (1 + q)^t, PV(cost) = Σ_t Δgross cost_t / (1 + q)^t;
- NPV = PV(benefit) − PV(cost); benefit-cost ratio = PV(benefit) / PV(cost) (NaN when the
  scenario costs nothing more);
- payback quarter: the first quarter from which the cumulative discounted net benefit stays at
  or above zero to the horizon (NaN: not within the run).

Reported as medians with a 90% band across seeds; the payback quarter is the median over seeds,
a seed that does not pay back counting as later than any (so a median of "not within the run"
means at least half the seeds do not pay back).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.outcomes import GROSS_COST_INDICATORS
from sim.inputs.units import QUARTERS_PER_YEAR, USD_K_PER_USD_M
from sim.reporting.formatting import nan_bands
from sim.reporting.national import COUNTRIES, Scale

#: Default annual real discount rate. Assumed (range 0.03-0.10): the Asian Development Bank's
#: Guidelines for the Economic Analysis of Projects (2017) revise "the minimum required economic
#: internal rate of return (EIRR) for investment decisions"; the rate itself could not be
#: verified from the text found, so 6% is an assumption within the range public appraisal
#: guidance uses.
DISCOUNT_RATE = 0.06
#: Allowed discount rates (annual, real).
RATE_RANGE = (0.0, 0.5)
DISCOUNTED_COLUMNS = [
    "scenario", "country", "discount_rate",
    "pv_benefit", "pv_benefit_lo", "pv_benefit_hi", "pv_cost", "pv_cost_lo", "pv_cost_hi",
    "npv", "npv_lo", "npv_hi", "bcr", "bcr_lo", "bcr_hi", "payback_step", "paid_back_seeds",
    "seeds"]
#: A present value of cost below this (USD m) is no cost.
COST_TOL = 1e-6


def quarterly_rate(annual: float) -> float:
    """The quarterly rate equivalent to an annual rate."""
    return (1.0 + annual) ** (1.0 / QUARTERS_PER_YEAR) - 1.0


def _per_seed(table: pd.DataFrame, scale: Scale) -> dict[str, pd.DataFrame]:
    """Value added and gross fiscal cost per quarter at national scale, by country (AZ, BY,
    JOINT): ``{"benefit": steps x seeds, "cost": ...}`` frames indexed by (country, step)."""
    sel = table[(table["step"] > 0) & table["country"].isin(COUNTRIES)]
    wide = sel.pivot_table(index=["country", "step", "seed"], columns="indicator",
                           values="value", aggfunc="first")
    factor = wide.index.get_level_values("country").map(scale.factor).to_numpy(dtype=float)
    va = (wide["labour_productivity"] * wide["employment"] / USD_K_PER_USD_M) * factor
    cost = wide[list(GROSS_COST_INDICATORS)].sum(axis=1, min_count=len(GROSS_COST_INDICATORS)) \
        * factor
    out = {}
    for name, series in (("benefit", va), ("cost", cost)):
        frame = series.unstack("seed")
        joint = frame.groupby(level="step").sum(min_count=1)
        joint.index = pd.MultiIndex.from_product([["JOINT"], joint.index],
                                                 names=["country", "step"])
        out[name] = pd.concat([frame, joint]).sort_index()
    return out


def payback_step(net: np.ndarray, steps: np.ndarray) -> float:
    """The first step from which the cumulative series ``net`` stays at or above zero to the
    end (NaN if it ends below zero)."""
    cumulative = np.cumsum(net)
    if not len(cumulative):
        return float("nan")
    tolerance = 1e-9 * max(1.0, float(np.abs(net).max()))  # a sum that is zero but rounding
    below = np.nonzero(cumulative < -tolerance)[0]
    if len(below) and below[-1] == len(cumulative) - 1:
        return float("nan")
    return float(steps[0] if not len(below) else steps[below[-1] + 1])


def discounted(tables: Sequence[pd.DataFrame], scale: Scale,
               rate: float = DISCOUNT_RATE) -> pd.DataFrame:
    """PV of benefit and cost, NPV, benefit-cost ratio and payback of every scenario against
    the reference (the first table), per country and both together, at national scale.

    Args:
        tables: tidy indicators tables with the same seeds and steps, reference first; they
            need ``labour_productivity``, ``employment``, ``budget_spent`` and
            ``tax_foregone``.
        scale: the report's scale (national factors).
        rate: annual real discount rate.

    Returns:
        One row per (scenario, country) with :data:`DISCOUNTED_COLUMNS`; money in USD m at
        national scale, ``payback_step`` the model quarter (NaN: not within the run).
    """
    q = quarterly_rate(rate)
    ref = _per_seed(tables[0], scale)
    rows = []
    for table in tables[1:]:
        scen = _per_seed(table, scale)
        for country in ("JOINT", *COUNTRIES):
            d_b = scen["benefit"].loc[country] - ref["benefit"].loc[country]
            d_c = scen["cost"].loc[country] - ref["cost"].loc[country]
            steps = d_b.index.to_numpy(dtype=float)
            factors = (1.0 + q) ** -steps
            pv_b = (d_b.to_numpy(dtype=float) * factors[:, None]).sum(axis=0)
            pv_c = (d_c.to_numpy(dtype=float) * factors[:, None]).sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                bcr = np.where(np.abs(pv_c) > COST_TOL, pv_b / pv_c, np.nan)
            net = (d_b.to_numpy(dtype=float) - d_c.to_numpy(dtype=float)) * factors[:, None]
            paybacks = np.array([payback_step(net[:, k], steps) for k in range(net.shape[1])])
            late = np.where(np.isnan(paybacks), np.inf, paybacks)
            median_payback = float(np.quantile(late, 0.5, method="higher"))
            row = {"scenario": str(table["scenario"].iloc[0]), "country": country,
                   "discount_rate": rate}
            for name, values in (("pv_benefit", pv_b), ("pv_cost", pv_c),
                                 ("npv", pv_b - pv_c), ("bcr", bcr)):
                med, lo, hi = nan_bands(values)
                row.update({name: med, f"{name}_lo": lo, f"{name}_hi": hi})
            row["payback_step"] = median_payback if np.isfinite(median_payback) else np.nan
            row["paid_back_seeds"] = int(np.isfinite(paybacks).sum())
            row["seeds"] = int(len(paybacks))
            rows.append(row)
    return pd.DataFrame(rows, columns=DISCOUNTED_COLUMNS)


def discounted_markdown(table: pd.DataFrame, scale: Scale, rate: float) -> list[str]:
    """Markdown lines of the discounted benefits and costs (a section of ``compare.md`` and
    ``scorecard.md``)."""
    from sim.i18n import t
    from sim.reporting.formatting import fmt_band, md_table

    lines = [f"## {t('msg.discount.heading')}", "",
             t("msg.discount.how", year=scale.price_year, start=scale.quarter(0),
               rate=f"{100 * rate:g}"), ""]
    if table.empty:
        return [*lines, t("msg.compare.empty"), ""]
    header = [t("msg.common.scenario"), t("msg.common.country"), t("msg.discount.pv_benefit"),
              t("msg.discount.pv_cost"), t("msg.discount.npv"), t("msg.discount.bcr"),
              t("msg.discount.payback")]
    rows = []
    for r in table.itertuples(index=False):
        if np.isfinite(r.payback_step):
            payback = t("msg.discount.paid", quarter=scale.quarter(int(r.payback_step)),
                        k=r.paid_back_seeds, n=r.seeds)
        else:
            payback = t("msg.discount.never", k=r.paid_back_seeds, n=r.seeds)
        rows.append([f"`{r.scenario}`", r.country,
                     fmt_band(r.pv_benefit, r.pv_benefit_lo, r.pv_benefit_hi, signed=True),
                     fmt_band(r.pv_cost, r.pv_cost_lo, r.pv_cost_hi, signed=True),
                     fmt_band(r.npv, r.npv_lo, r.npv_hi, signed=True),
                     fmt_band(r.bcr, r.bcr_lo, r.bcr_hi), payback])
    return [*lines, *md_table(header, rows), ""]
