"""Outcomes of runs and their pairing with a reference: the one definition the scorecard, the
comparisons and :func:`sim.evaluate` share.

An outcome of a run is an indicator of one country (``AZ``, ``BY``) or both (``JOINT``) at the
horizon T, the last quarter, except the growth rates (:data:`GROWTH_INDICATORS`), whose value is
their mean over quarters 1..T (:func:`aggregate_growth`), and the two fiscal costs
(:func:`fiscal_per_seed`): the gross cost, ``budget_spent + tax_foregone`` summed over quarters
1..T, and the net cost, ``-fiscal_balance`` at T. A scenario is compared with a reference seed by
seed: the per-seed difference (:func:`paired_differences`), summarised across seeds by its median
and 90% band (:func:`seed_bands`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.indicators import COUNTRY_KEYS, GROWTH_INDICATORS, TABLE_COLUMNS
from sim.reporting.formatting import nan_bands, ordered_names

#: The fiscal costs of a run, by outcome name (see :func:`fiscal_per_seed`).
FISCAL_OUTCOMES = ("gross_fiscal_cost", "net_fiscal_cost")


def check_columns(table: pd.DataFrame) -> None:
    """Raise ValueError if ``table`` lacks a column of the tidy indicators table."""
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"indicators table lacks columns {missing}; expected {TABLE_COLUMNS}")


def wide_table(table: pd.DataFrame, index: list[str], columns: list[str]) -> pd.DataFrame:
    """Pivot ``value`` to ``index`` x ``columns``, refusing duplicate rows."""
    try:
        return table.set_index([*index, *columns])["value"].unstack(columns).sort_index()
    except ValueError as err:
        raise ValueError(
            f"indicators table has several rows per {tuple(index + columns)}: {err}"
        ) from err


def aggregate_growth(table: pd.DataFrame, indicators: Iterable[str] | None = None) -> pd.DataFrame:
    """The rows of ``table`` of some indicators, growth rates averaged over the run.

    Args:
        table: tidy indicators table of one scenario.
        indicators: the indicators to keep (None: all).

    Returns:
        The rows of those indicators; for :data:`GROWTH_INDICATORS` the value at the last step T
        of each seed is replaced by the seed's mean over steps 1..T (NaN values ignored; NaN if
        there is none), so a comparison at the horizon compares the means.
    """
    check_columns(table)
    out = table if indicators is None else table[table["indicator"].isin(list(indicators))]
    out = out.copy()
    keys = ["seed", "country", "indicator"]
    growth = out[out["indicator"].isin(GROWTH_INDICATORS)]
    if growth.empty:
        return out
    ends = growth.groupby("seed")["step"].transform("max")
    means = growth[growth["step"] >= 1].groupby(keys)["value"].mean()
    last = growth.index[growth["step"] == ends]
    index = pd.MultiIndex.from_frame(out.loc[last, keys])
    out.loc[last, "value"] = means.reindex(index).to_numpy(dtype=float)
    return out


def horizon_values(table: pd.DataFrame, horizon: int, seeds: list[int]) -> pd.DataFrame:
    """Values at the horizon: index ``(country, indicator)``, one column per seed."""
    at = table[table["step"] == horizon]
    return wide_table(at, ["country", "indicator"], ["seed"]).reindex(columns=seeds)


#: The flows whose sum is a scenario's gross fiscal cost: policy spending and taxes foregone.
GROSS_COST_INDICATORS = ("budget_spent", "tax_foregone")


def fiscal_per_seed(table: pd.DataFrame, seeds: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cumulative fiscal outlays and net fiscal position of each run, per country and seed.

    Args:
        table: tidy indicators table of one scenario.
        seeds: the seeds (columns of the result).

    Returns:
        ``(gross, net)``, each indexed by country with one column per seed: ``gross`` is the sum
        over steps 1..T of ``budget_spent + tax_foregone``; ``net`` is ``-fiscal_balance`` at the
        horizon T (policy spending minus taxes collected). NaN where the indicators are absent.
    """
    countries = ordered_names(table["country"].unique(), COUNTRY_KEYS)
    flows = table[(table["step"] >= 1) & table["indicator"].isin(GROSS_COST_INDICATORS)]
    gross = flows.groupby(["country", "seed"])["value"].sum(min_count=1).unstack("seed")
    gross = gross.reindex(index=countries, columns=seeds)
    horizon = int(table["step"].max())
    at = table[(table["step"] == horizon) & (table["indicator"] == "fiscal_balance")]
    net = -wide_table(at, ["country"], ["seed"]).reindex(index=countries, columns=seeds)
    return gross, net


def run_outcomes(table: pd.DataFrame, indicators: Iterable[str] | None = None) -> pd.DataFrame:
    """Every outcome of the runs of one scenario: index ``(country, outcome)``, one column per
    seed (in ascending order).

    The outcomes are the indicators (all, or ``indicators``) at the horizon with the growth
    rates averaged over quarters 1..T (:func:`aggregate_growth`, :func:`horizon_values`), and
    :data:`FISCAL_OUTCOMES` (:func:`fiscal_per_seed`).
    """
    seeds = sorted(int(s) for s in table["seed"].unique())
    horizon = int(table["step"].max())
    values = horizon_values(aggregate_growth(table, indicators), horizon, seeds)
    fiscal = []
    for name, frame in zip(FISCAL_OUTCOMES, fiscal_per_seed(table, seeds), strict=True):
        frame = frame.copy()
        frame.index = pd.MultiIndex.from_product([frame.index, [name]], names=values.index.names)
        fiscal.append(frame)
    return pd.concat([values, *fiscal])


def paired_differences(values: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Seed-by-seed differences ``values - reference`` on the reference's rows and seeds.

    Args:
        values: a scenario's outcomes, one column per seed.
        reference: the reference's outcomes on the same seeds (its index and columns are kept:
            rows or seeds ``values`` lacks give NaN).
    """
    return values.reindex(index=reference.index, columns=reference.columns) - reference


def seed_bands(per_seed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 5th and 95th percentile across seeds (columns) of every row, NaN ignored."""
    return nan_bands(per_seed.to_numpy(dtype=float), axis=1)
