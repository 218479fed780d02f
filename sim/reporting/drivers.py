"""Which effect sizes drive each headline result (``drivers.csv`` and a section of the
scorecard and the comparison, when effect sizes are drawn per seed): for each scenario and each
headline indicator of both countries together, the rank correlation across seeds between the
scenario's change against the reference (same seed) and each effect size drawn for it. Only
above :data:`MIN_DRAWS` seeds; below, the section says how many are needed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.outcomes import aggregate_growth
from sim.i18n import t
from sim.indicators import KEY_INDICATORS

#: Fewest seeds (draws) for a rank correlation to say which parameters drive a result: with
#: 20 draws a correlation of 0.45 is significant at 5% (by the usual rule for Spearman's rho).
MIN_DRAWS = 20
#: Parameters listed per result, the strongest first.
TOP = 3


def _ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank().to_numpy()


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (NaN if either is constant)."""
    rx, ry = _ranks(x), _ranks(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _final(table: pd.DataFrame) -> pd.Series:
    """JOINT headline values per (indicator, seed) at each seed's last quarter (growth rates
    averaged over the run, as the scorecard reads them)."""
    joint = aggregate_growth(table[(table["country"] == "JOINT")
                                   & table["indicator"].isin(KEY_INDICATORS)])
    last = joint[joint["step"] == joint.groupby("seed")["step"].transform("max")]
    return last.set_index(["indicator", "seed"])["value"]


def drivers(tables: Sequence[pd.DataFrame], draws: pd.DataFrame) -> pd.DataFrame:
    """Rows (scenario, indicator, parameter, rho, draws): every drawn parameter of every
    scenario against every headline change, strongest first within each result."""
    if draws.empty or len(tables) < 2:
        return pd.DataFrame(columns=["scenario", "indicator", "parameter", "rho", "draws"])
    reference = _final(tables[0])
    rows = []
    for table in tables[1:]:
        name = table["scenario"].iloc[0]
        change = (_final(table) - reference).dropna()
        mine = draws[draws["scenario"] == name]
        if mine.empty:
            continue
        values = mine.pivot_table(index="seed", columns=["policy", "parameter"],
                                  values="value")
        for indicator in KEY_INDICATORS:
            if indicator not in change.index.get_level_values(0):
                continue
            y = change.loc[indicator]
            seeds = values.index.intersection(y.index)
            for (policy, parameter), x in values.loc[seeds].items():
                rows.append({"scenario": name, "indicator": indicator,
                             "parameter": f"{policy}.{parameter}",
                             "rho": spearman(x.to_numpy(float), y.loc[seeds].to_numpy(float)),
                             "draws": len(seeds)})
    out = pd.DataFrame(rows, columns=["scenario", "indicator", "parameter", "rho", "draws"])
    order = out.assign(strength=out["rho"].abs()).sort_values(
        ["scenario", "indicator", "strength"], ascending=[True, True, False], kind="stable")
    return order.drop(columns="strength").reset_index(drop=True)


def drivers_markdown(table: pd.DataFrame, seeds: int) -> list[str]:
    """The report's section: the top parameters of each result, or why there are none."""
    lines = [f"## {t('msg.drivers.heading')}", ""]
    if seeds < MIN_DRAWS:
        return [*lines, t("msg.drivers.too_few", seeds=seeds, needed=MIN_DRAWS), ""]
    if table.empty:
        return [*lines, t("msg.drivers.none"), ""]
    lines += [t("msg.drivers.note", top=TOP), "",
              f"| {t('msg.take_up.scenario')} | {t('msg.drivers.result')} | "
              f"{t('msg.drivers.parameters')} |", "|---|---|---|"]
    for (scenario, indicator), sub in table.groupby(["scenario", "indicator"], sort=False):
        top = sub.dropna(subset=["rho"]).head(TOP)
        cells = ", ".join(f"`{r.parameter}` {r.rho:+.2f}" for r in top.itertuples())
        lines.append(f"| `{scenario}` | {indicator} | {cells or '–'} |")
    return [*lines, ""]
