"""Policy scorecard: every scenario's effect on the nine indicators, its fiscal cost, and what
its risks cost.

Each scenario is compared with the reference (the first table) seed by seed, as in
:func:`sim.reporting.comparison.compare`: the change is the per-seed difference scenario minus
reference, summarised by its median and 90% band (5th and 95th percentiles) across seeds. The
indicators are the nine :data:`~sim.indicators.KEY_INDICATORS`, taken at the last quarter T, except
the two growth rates (:data:`GROWTH_INDICATORS`, % y/y): a growth rate at one quarter is noisy, and
a lasting gain in level shows up as growth only while it builds up, so the scorecard uses their
mean over quarters 1..T (the average annual growth over the run) for both sides. These
definitions and the pairing are the functions of :mod:`sim.experiments.outcomes`, which
:func:`sim.evaluate` calls too, so a script gets the scorecard's numbers.

A scenario named ``<base>_<suffix>`` whose ``<base>`` is another scenario of the set (not the
reference) is a variant of that scenario, e.g. ``full_package_mistargeted`` of
``full_package``; ``az_alone`` and ``by_alone`` are variants of ``joint`` when all three are
present. Each variant is also compared with its base (:func:`risk_pairs`), which tells what
mistargeting or poor coordination loses.

:func:`scorecard` returns a tidy table with one row per (scenario, versus, country, indicator)
and the columns :data:`SCORECARD_COLUMNS`:

- ``scenario``: the scenario assessed.
- ``versus``: the scenario it is compared with: the reference, or the base of a variant.
- ``comparison``: ``"reference"`` (versus the reference) or ``"risk"`` (a variant versus its
  base).
- ``country``: ``JOINT`` (both countries), ``AZ`` or ``BY``.
- ``indicator``, ``unit``, ``direction``: one of the nine key indicators, its unit, and
  whether ``higher`` or ``lower`` is better.
- ``aggregate``: ``"horizon"`` (the value at quarter T) or ``"mean over quarters 1..T"`` (the
  growth rates).
- ``versus_level``: median across seeds of the ``versus`` scenario's aggregated value.
- ``diff_median``, ``diff_lo``, ``diff_hi``: the paired change (scenario minus versus), median
  and 90% band across seeds, in the indicator's unit.
- ``significant``: the band excludes zero.
- ``effect``: ``"good"`` or ``"bad"`` for a significant change in the desirable or undesirable
  direction, ``""`` otherwise.
- ``gross_fiscal_cost``, ``gross_fiscal_cost_lo``, ``gross_fiscal_cost_hi``: extra policy
  spending plus taxes foregone over quarters 1..T, paired by seed (USD m; the same on every
  indicator row of a scenario and country).
- ``net_fiscal_cost``, ``net_fiscal_cost_lo``, ``net_fiscal_cost_hi``: extra (policy spending
  minus taxes collected) accumulated to quarter T, so the taxes a policy brings in offset it.
- ``cost_per_gain``: ``gross_fiscal_cost / |diff_median|``, USD m of gross cost per unit of
  the indicator, where ``effect`` is ``"good"`` (0 when the gross cost is zero); NaN otherwise.
- ``pays_for_itself``: the whole 90% band of the net fiscal cost is at or below zero: the extra
  taxes the scenario brings in cover its spending (also True for a scenario that costs nothing
  more; ``scorecard.md`` shows ``no cost`` then).

:func:`sim.reporting.scorecard_report.write_scorecard_report` writes ``scorecard.csv`` (that
table), ``scorecard.md``, ``scorecard.png`` (drawn by
:func:`sim.reporting.scorecard_plot.plot_scorecard`), ``indicators.parquet`` and
``provenance.json``; :mod:`sim.reporting.scorecard_report` holds it and the report's text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments import outcomes
from sim.indicators import GROWTH_INDICATORS, KEY_INDICATORS, POLICY_OUTPUTS
from sim.reporting.comparison import (
    COST_TOL,
    check_comparable,
    compare,
)
from sim.reporting.formatting import (
    label_of,
)

#: The outcomes the scorecard rates: the key indicators but the policy's own output, with exports
#: split by market (to third countries; to the partner country, i.e. bilateral trade), the
#: domestic firms' share of their home market and employment beside them. Both countries
#: together: exports are to third countries only; the AZ-BY trade is its own line.
#: Tech exports to all markets (the report's indicator 6) stay in ``scorecard.csv`` but are not
#: shown, as for both countries they would count the AZ-BY trade as exports.
OUTCOME_INDICATORS = [
    "productivity_growth", "investment_growth", "equipment_generation", "tech_output",
    "exports_third", "exports_partner", "domestic_share_home", "time_to_market",
    "supplier_delivery", "input_quality", "employment"]
#: Every indicator of the scorecard table, in its order.
SCORECARD_INDICATORS = [*KEY_INDICATORS, "exports_third", "exports_partner",
                        "domestic_share_home", "employment"]
#: Indicators the fiscal costs are computed from.
FISCAL_INDICATORS = ["budget_spent", "tax_foregone", "fiscal_balance"]
AGGREGATE_HORIZON = "horizon"
AGGREGATE_MEAN = "mean over quarters 1..T"
#: Variants compared with a base not given by their name: ``{variant: base}``, used when the
#: base and every variant listed for it are present.
GROUP_BASES = {"az_alone": "joint", "by_alone": "joint"}
COUNTRY_ORDER = ("JOINT", "AZ", "BY")
SCORECARD_COLUMNS = [
    "scenario", "versus", "comparison", "country", "indicator", "unit", "direction",
    "aggregate", "versus_level", "diff_median", "diff_lo", "diff_hi", "significant", "effect",
    "gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi",
    "net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi",
    "cost_per_gain", "pays_for_itself",
]  # fmt: skip
_GROSS = ["gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi"]
_NET = ["net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi"]


# ---------------------------------------------------------------------------------------------
# scorecard


def aggregate_growth(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` the scorecard needs, growth rates averaged over the run.

    Args:
        table: tidy indicators table of one scenario.

    Returns:
        The rows of the key and fiscal indicators, as
        :func:`sim.experiments.outcomes.aggregate_growth` gives them: for
        :data:`GROWTH_INDICATORS` the value at the last step T of each seed is replaced by the
        seed's mean over steps 1..T, so a comparison at the horizon compares the means.
    """
    return outcomes.aggregate_growth(table, [*SCORECARD_INDICATORS, *FISCAL_INDICATORS])


def risk_pairs(names: Sequence[str], reference: str) -> list[tuple[str, str]]:
    """``(variant, base)`` pairs among scenario names, in the order of ``names``.

    A name ``<base>_<suffix>`` is a variant of ``<base>`` when ``<base>`` is another name in the
    set and not the reference (the longest such base wins, so ``a_b_c`` is a variant of ``a_b``
    rather than of ``a``). :data:`GROUP_BASES` adds ``az_alone`` and ``by_alone`` as variants of
    ``joint`` when all three are present.

    Args:
        names: scenario names.
        reference: the reference scenario's name (never a base, never a variant).

    Returns:
        List of ``(variant, base)``.
    """
    present = set(names)
    groups: dict[str, list[str]] = {}
    for variant, base in GROUP_BASES.items():
        groups.setdefault(base, []).append(variant)
    extra = {variant: base for base, variants in groups.items()
             if base in present and base != reference and present.issuperset(variants)
             for variant in variants}
    pairs = []
    for name in names:
        if name == reference:
            continue
        parts = name.split("_")
        bases = ["_".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]
        base = next((b for b in bases if b in present and b != reference), extra.get(name))
        if base is not None and base != name:
            pairs.append((name, base))
    return pairs


def _effect(diff: pd.DataFrame) -> pd.Series:
    """``good`` / ``bad`` for significant changes in the desirable / undesirable direction."""
    higher = diff["direction"] == "higher"
    lower = diff["direction"] == "lower"
    up = (diff["diff_lo"] > 0) & diff["significant"]
    down = (diff["diff_hi"] < 0) & diff["significant"]
    rated = ~diff["indicator"].isin(POLICY_OUTPUTS)
    good = ((higher & up) | (lower & down)) & rated
    bad = ((higher & down) | (lower & up)) & rated
    return pd.Series(np.select([good, bad], ["good", "bad"], ""), index=diff.index)


def _from_compare(cmp: pd.DataFrame, kind: str, versus: str) -> pd.DataFrame:
    """Scorecard rows from :func:`compare` output on :func:`aggregate_growth` tables."""
    cmp = cmp[cmp["indicator"].isin(SCORECARD_INDICATORS)].copy()
    cmp["versus"] = versus
    cmp["comparison"] = kind
    cmp["unit"] = cmp["indicator"].map(lambda i: label_of(i)[1])
    cmp["aggregate"] = np.where(cmp["indicator"].isin(GROWTH_INDICATORS), AGGREGATE_MEAN,
                                AGGREGATE_HORIZON)
    cmp = cmp.rename(columns={"reference": "versus_level"})
    cmp["effect"] = _effect(cmp)
    gross = cmp["gross_fiscal_cost"].to_numpy(dtype=float)
    gross = np.where(np.abs(gross) <= COST_TOL, 0.0, gross)
    gain = np.abs(cmp["diff_median"].to_numpy(dtype=float))
    ok = (cmp["effect"] == "good").to_numpy() & np.isfinite(gross) & (gain > 0)
    cmp["cost_per_gain"] = np.where(ok, gross / np.where(ok, gain, 1.0), np.nan)
    cmp["pays_for_itself"] = (cmp["net_fiscal_cost_hi"] <= COST_TOL).astype(bool)
    return cmp


def _order(card: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Rows ordered by comparison, scenario (as given), country and indicator."""
    keys = pd.DataFrame({
        "comparison": card["comparison"] != "reference",
        "scenario": card["scenario"].map({n: i for i, n in enumerate(names)}),
        "versus": card["versus"].map({n: i for i, n in enumerate(names)}),
        "country": card["country"].map(lambda c: COUNTRY_ORDER.index(c)
                                       if c in COUNTRY_ORDER else len(COUNTRY_ORDER)),
        "indicator": card["indicator"].map(SCORECARD_INDICATORS.index),
    })
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return card.loc[order].reset_index(drop=True)


def scorecard(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The scorecard of every scenario against the reference (the first table), and of every
    variant against its base (see :func:`risk_pairs`).

    Args:
        tables: one tidy indicators table per scenario, reference first; each holds exactly one
            scenario, and all share the same seeds and the same last step.

    Returns:
        Tidy DataFrame with columns :data:`SCORECARD_COLUMNS` (described in the module
        docstring): the comparisons with the reference first (scenarios as given, countries
        JOINT, AZ, BY, the nine key indicators in order), then the variants; empty if only the
        reference is given.

    Raises:
        ValueError: if a table is malformed, holds several scenarios, scenario names repeat, or
            seeds or horizons differ between tables.
    """
    names, _, _ = check_comparable(tables)
    keep = [*SCORECARD_INDICATORS, *FISCAL_INDICATORS]  # compare averages the growth rates
    derived = {name: t[t["indicator"].isin(keep)] for name, t in zip(names, tables, strict=True)}
    parts = []
    if len(names) > 1:
        cmp = compare([derived[n] for n in names])
        parts.append(_from_compare(cmp, "reference", names[0]))
    for variant, base in risk_pairs(names, names[0]):
        cmp = compare([derived[base], derived[variant]])
        parts.append(_from_compare(cmp, "risk", base))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SCORECARD_COLUMNS})
    return _order(pd.concat(parts, ignore_index=True), names)[SCORECARD_COLUMNS]
