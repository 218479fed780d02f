"""Competition and concentration over the run: how the home-market HHI, the state firms' share
of sales, the mean markup and the domestic share of home demand evolve in the baseline, each
against a stated criterion of plausibility (:data:`EVOLUTION`), for ``docs/validation.md``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.i18n import indicator_label, t
from sim.indicators import COUNTRY_KEYS
from sim.reporting.formatting import band, fmt, md_table
from sim.validation.observations import COMPETITION

if TYPE_CHECKING:
    from sim.validation.evaluation import Validation

#: Quarters shown in the table (every 10 quarters of a 40-quarter run; later ones if the run
#: is longer are not shown).
SHOWN_QUARTERS = (0, 10, 20, 30, 40)


@dataclass(frozen=True)
class Plausibility:
    """A criterion of plausibility for an indicator's change over the run.

    Attributes:
        indicator: its name (one of :data:`sim.validation.observations.COMPETITION`).
        max_change: the largest plausible change (either way) over 40 quarters.
        source: where the bound comes from (in sim/i18n/en.toml, translated).
    """

    indicator: str
    max_change: float

    @property
    def source(self) -> str:
        """Where the bound comes from, in the current language (the message
        ``msg.validation.comp.source_<indicator>`` in sim/i18n/en.toml and its translations)."""
        return t(f"msg.validation.comp.source_{self.indicator}")


#: The criteria: the median change from quarter 0 to quarter 40 (ten years) lies within
#: ±max_change in each country.
EVOLUTION = (
    Plausibility("hhi_home", 0.08),
    Plausibility("cr4_home", 0.2),
    Plausibility("state_sales_share", 0.15),
    Plausibility("mean_markup", 0.11),
    Plausibility("domestic_share_home", 0.15),
)


def _cells(values: np.ndarray) -> str:
    median, low, high = band(values)
    return f"{fmt(median)} [{fmt(low)}, {fmt(high)}]"


def evolution_checks(result: Validation) -> list[tuple[Plausibility, str, float, bool]]:
    """Each criterion per country: (criterion, country, median change, plausible)."""
    steps = min(len(r.competition) for r in result.records) - 1
    out = []
    for crit in EVOLUTION:
        i = COMPETITION.index(crit.indicator)
        for k, key in enumerate(COUNTRY_KEYS):
            change = np.median([r.competition[steps, k, i] - r.competition[0, k, i]
                                for r in result.records])
            out.append((crit, key, float(change), bool(abs(change) <= crit.max_change)))
    return out


def competition_lines(result: Validation) -> list[str]:
    """The report's section on competition and concentration over the run."""
    if not result.records or not len(result.records[0].competition):
        return []
    steps = min(len(r.competition) for r in result.records) - 1
    quarters = [q for q in SHOWN_QUARTERS if q <= steps]
    header = [t("msg.common.indicator"), t("msg.common.country"),
              *[t("msg.validation.comp.quarter", quarter=q) for q in quarters],
              t("msg.validation.comp.median_change", steps=steps),
              t("msg.validation.comp.plausible_change"), t("msg.validation.result")]
    rows = []
    checks = {(c.indicator, key): (change, ok) for c, key, change, ok in
              evolution_checks(result)}
    for crit in EVOLUTION:
        i = COMPETITION.index(crit.indicator)
        for k, key in enumerate(COUNTRY_KEYS):
            change, ok = checks[crit.indicator, key]
            rows.append([indicator_label(crit.indicator), key,
                         *[_cells(np.array([r.competition[q, k, i] for r in result.records]))
                           for q in quarters],
                         fmt(change), t("msg.validation.comp.within", bound=fmt(crit.max_change)),
                         t(f"msg.validation.comp.{'plausible' if ok else 'implausible'}")])
    start = {name: float(np.median([r.competition[0, 2, COMPETITION.index(name)]
                                    for r in result.records]))
             for name in ("cr4_home", "hhi_home")}
    lines = [
        f"## {t('msg.validation.competition')}",
        "",
        t("msg.validation.comp.intro", cr4=fmt(start["cr4_home"]), hhi=fmt(start["hhi_home"])),
        "",
    ]
    lines += ["- " + t("msg.validation.comp.bound_item", indicator=indicator_label(c.indicator),
                       bound=fmt(c.max_change), source=c.source)
              for c in EVOLUTION]
    lines += ["", *md_table(header, rows), ""]
    return lines
