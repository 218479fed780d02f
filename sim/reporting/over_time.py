"""What ``compare`` and ``scorecard`` add about time: the per-quarter paths of every scenario
against the reference (:mod:`sim.reporting.time_paths`) and the discounted benefits and costs
(:mod:`sim.reporting.discounting`): ``paths.csv``, ``paths_<country>.png`` (and
``paths_<country>_2.png``... when there are more scenarios than one figure shows),
``discounted.csv`` and a section of the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.i18n import t
from sim.reporting.discounting import DISCOUNT_RATE, discounted, discounted_markdown
from sim.reporting.national import Scale
from sim.reporting.time_paths import plot_paths, policy_windows, scenario_groups, time_paths

COUNTRIES = ("JOINT", "AZ", "BY")


@dataclass(frozen=True)
class OverTime:
    """The tables of a report about time."""

    paths: pd.DataFrame
    discounted: pd.DataFrame
    windows: dict[str, tuple]
    rate: float


def over_time(tables: Sequence[pd.DataFrame], provenance: dict[str, Any] | None, scale: Scale,
              horizon: int, rate: float = DISCOUNT_RATE) -> OverTime:
    """Paths, discounted benefits and costs, and the policies' windows of a set of runs
    (reference first)."""
    return OverTime(time_paths(tables, scale), discounted(tables, scale, rate),
                    policy_windows(provenance, horizon), rate)


def over_time_markdown(result: OverTime, scale: Scale,
                       countries: Sequence[str] = COUNTRIES) -> list[str]:
    """The report's section: the discounted table and the path figures of ``countries``."""
    lines = discounted_markdown(result.discounted, scale, result.rate)
    lines += [f"## {t('msg.paths.heading')}", "", t("msg.paths.how"), ""]
    for c in countries:
        for name, group in _figures(result, c):
            lines.append(f"![{t('msg.paths.picture', country=c)}: {', '.join(group)}]({name})")
    return [*lines, ""]


def _figures(result: OverTime, country: str) -> list[tuple[str, list[str]]]:
    """``(file name, scenarios)`` of the path figures of a country: ``paths_<country>.png``,
    then ``paths_<country>_2.png``... for each further group of scenarios."""
    groups = scenario_groups(result.paths)
    return [(f"paths_{country}{'' if k == 0 else f'_{k + 1}'}.png", group)
            for k, group in enumerate(groups)]


def write_over_time(out_dir: Path, result: OverTime, scale: Scale,
                    countries: Sequence[str] = COUNTRIES) -> None:
    """Write ``paths.csv``, ``discounted.csv`` and ``paths_<country>.png`` for ``countries``
    into ``out_dir``."""
    out_dir = Path(out_dir)
    result.paths.to_csv(out_dir / "paths.csv", index=False)
    result.discounted.to_csv(out_dir / "discounted.csv", index=False)
    for country in countries:
        for name, group in _figures(result, country):
            plot_paths(result.paths, out_dir / name, country, scale, result.windows, group)
