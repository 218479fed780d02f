"""What the grant instruments' funded projects add (``take_up.csv`` and a section of the
scorecard): for each scenario and country, at the horizon, the share of funded projects that
would have gone ahead without the grant (each funded firm's own decision rule evaluated in the
same quarter without it: the deadweight) and the firms' own spending on funded projects per
public dollar, median and 90% band across seeds. A scenario that funds no project has no
row. Run alone, an instrument's scenario gives that instrument's figures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.i18n import t

#: The take-up indicators (sim/indicators.py), in the order shown.
TAKE_UP = ("deadweight_share", "private_per_public")
#: The band's percentiles (the scorecard's 90% band).
BAND = (5.0, 95.0)


def take_up_table(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per scenario and country with funded projects: the median and band of each
    take-up indicator at each seed's last quarter, and the seeds behind them."""
    rows = []
    for table in tables:
        last = table[table["indicator"].isin(TAKE_UP)]
        if last.empty:
            continue
        last = last[last["step"] == last.groupby("seed")["step"].transform("max")]
        for (scenario, country), sub in last.groupby(["scenario", "country"], sort=False):
            row = {"scenario": scenario, "country": country}
            for name in TAKE_UP:
                v = sub.loc[sub["indicator"] == name, "value"].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                row["seeds"] = max(row.get("seeds", 0), v.size)
                row[name] = float(np.median(v)) if v.size else np.nan
                lo, hi = np.percentile(v, BAND) if v.size else (np.nan, np.nan)
                row[f"{name}_lo"], row[f"{name}_hi"] = float(lo), float(hi)
            if row["seeds"]:
                rows.append(row)
    columns = ["scenario", "country", "seeds",
               *[f"{n}{s}" for n in TAKE_UP for s in ("", "_lo", "_hi")]]
    return pd.DataFrame(rows, columns=columns)


def take_up_markdown(table: pd.DataFrame) -> list[str]:
    """The scorecard's section: a note and a table (nothing when no scenario funds a
    project)."""
    if table.empty:
        return []
    lines = [f"## {t('msg.take_up.heading')}", "", t("msg.take_up.note"), "",
             f"| {t('msg.take_up.scenario')} | {t('msg.take_up.country')} | "
             f"{t('msg.take_up.deadweight')} | {t('msg.take_up.leverage')} |",
             "|---|---|---|---|"]
    for r in table.itertuples(index=False):
        cells = []
        for name in TAKE_UP:
            m, lo, hi = (getattr(r, name), getattr(r, f"{name}_lo"), getattr(r, f"{name}_hi"))
            cells.append("–" if not np.isfinite(m) else f"{m:.2f} [{lo:.2f}, {hi:.2f}]")
        lines.append(f"| `{r.scenario}` | {r.country} | {cells[0]} | {cells[1]} |")
    return [*lines, ""]


def write_take_up(out_dir: Path, table: pd.DataFrame) -> None:
    """``take_up.csv`` in ``out_dir``."""
    table.to_csv(Path(out_dir) / "take_up.csv", index=False)
