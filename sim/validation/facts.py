"""Stylized facts: every fact statistic of one run (:func:`run_statistics`), which statistic
tests which fact (:data:`FACT_STATISTICS`) and whether a statistic meets a fact."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.i18n import current, t
from sim.validation.observations import COMPETITION, RunObservations
from sim.validation.statistics import (
    core_periphery,
    degree_statistics,
    growth_rates,
    hill_exponent,
    kurtosis,
    laplace_loglik,
    normal_loglik,
    panel,
    persistence,
    power_law_fit,
    random_graph_rho,
    subbotin_shape,
    yearly,
)


def run_statistics(record: RunObservations) -> dict[str, float]:
    """Every stylized-fact statistic of one run (see ``sim/data/targets.toml``, [[facts]])."""
    final_workers = record.workers[-1] if record.workers else np.zeros(0)
    tail_a, tail_xmin, tail_ks = power_law_fit(final_workers)
    _, sales, present = panel(record.ids, record.sales)
    growth = growth_rates(*yearly(sales, present, "sum"))
    _, innovated, present = panel(record.ids, [i.astype(float) for i in record.innovated])
    transitions = persistence(*yearly(innovated, present, "any"))
    degrees = np.bincount(record.edges.ravel(), minlength=record.nodes)
    deg = degree_statistics(degrees)
    core = core_periphery(record.edges, record.nodes)
    null_rho = random_graph_rho(record.nodes, record.edges.shape[0], seed=record.seed)
    hhi = (record.competition[0, :, COMPETITION.index("hhi_home")] if len(record.competition)
           else np.full(3, math.nan))
    cr4 = (record.competition[0, :, COMPETITION.index("cr4_home")] if len(record.competition)
           else np.full(3, math.nan))
    return {
        "hill_top10": hill_exponent(final_workers, 0.1),
        "hill_top20": hill_exponent(final_workers, 0.2),
        "powerlaw_exponent": tail_a,
        "powerlaw_xmin": tail_xmin,
        "powerlaw_ks": tail_ks,
        "growth_observations": float(growth.size),
        "laplace_minus_normal": laplace_loglik(growth) - normal_loglik(growth),
        "growth_kurtosis": kurtosis(growth),
        "subbotin_shape": subbotin_shape(growth),
        "degree_mean": deg["mean"],
        "degree_max_over_mean": deg["max_over_mean"],
        "degree_skewness": deg["skewness"],
        "degree_dispersion": deg["dispersion"],
        "lr_negbin_poisson": deg["lr_negbin_poisson"],
        "core_fraction": core["core_fraction"],
        "core_tie_share": core["core_tie_share"],
        "core_rho": core["rho"],
        "core_rho_random": null_rho,
        "core_rho_ratio": core["rho"] / null_rho if null_rho > 0 else math.nan,
        "p_innovate_after_innovating": transitions["p11"],
        "p_innovate_after_not": transitions["p01"],
        "persistence": transitions["difference"],
        "persistence_z": transitions["z"],
        "hhi_start": float(hhi[2]),
        "hhi_start_az": float(hhi[0]),
        "hhi_start_by": float(hhi[1]),
        "cr4_start": float(cr4[2]),
        "cr4_start_az": float(cr4[0]),
        "cr4_start_by": float(cr4[1]),
    }


#: Fact name (``[[facts]]`` in targets.toml) -> its statistic in :func:`run_statistics`.
FACT_STATISTICS: dict[str, str] = {
    "size_tail": "hill_top10",
    "growth_laplace": "laplace_minus_normal",
    "growth_kurtosis": "growth_kurtosis",
    "degree_overdispersion": "lr_negbin_poisson",
    "degree_skewness": "degree_skewness",
    "core_share": "core_tie_share",
    "core_periphery_fit": "core_rho_ratio",
    "innovation_persistence": "persistence",
    "home_concentration_start": "hhi_start",
    "home_competition_start": "cr4_start",
}

#: The statistics in the report's detail table, in its order (their labels are the messages
#: ``msg.validation.stat.<name>`` of :mod:`sim.i18n`).
STATISTICS: tuple[str, ...] = (
    "hill_top10", "hill_top20", "powerlaw_exponent", "powerlaw_xmin", "powerlaw_ks",
    "growth_observations", "laplace_minus_normal", "growth_kurtosis", "subbotin_shape",
    "degree_mean", "degree_max_over_mean", "degree_skewness", "degree_dispersion",
    "lr_negbin_poisson", "core_fraction", "core_tie_share", "core_rho", "core_rho_random",
    "core_rho_ratio", "p_innovate_after_innovating", "p_innovate_after_not", "persistence",
    "persistence_z", "hhi_start", "hhi_start_az", "hhi_start_by", "cr4_start", "cr4_start_az",
    "cr4_start_by",
)


def fact_label(fact: dict[str, Any]) -> str:
    """A fact's label in the current language: in English its ``label`` in targets.toml, in
    another language the message ``msg.fact.<name>``."""
    return fact["label"] if current() == "en" else t(f"msg.fact.{fact['name']}")


def fact_holds(fact: dict[str, Any], value: float) -> bool:
    """Whether a statistic lies in a fact's ``[low, high]`` (a missing bound is open)."""
    if not math.isfinite(value):
        return False
    return (value >= fact.get("low", -math.inf)) and (value <= fact.get("high", math.inf))
