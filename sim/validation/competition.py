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
        source: where the bound comes from.
    """

    indicator: str
    max_change: float
    source: str


#: The criteria: the median change from quarter 0 to quarter 40 (ten years) lies within
#: ±max_change in each country.
EVOLUTION = (
    Plausibility("hhi_home", 0.08, "assumed: without mergers, concentration moves by at most "
                 "one band of the 1992/1997 US Merger Guidelines in ten years (the "
                 "'moderately concentrated' band spans 0.10-0.18)"),
    Plausibility("cr4_home", 0.2, "assumed: without mergers, the four largest firms' share "
                 "moves by at most one band of the textbook classification (effectively "
                 "competitive below 40%, loose oligopoly 40-60%, tight oligopoly above 60%) in "
                 "ten years"),
    Plausibility("state_sales_share", 0.15, "assumed: at most about twice the pace of Belarus's "
                 "state share of employment, 57.1% (2019) to 54.3% (2024) (BEROC/FREE "
                 "Network 2025), with no privatisation"),
    Plausibility("mean_markup", 0.11, "De Loecker, Eeckhout & Unger 2020 (QJE 135:561): US "
                 "aggregate markups rose 'from 21% above marginal cost to 61%' from 1980 to "
                 "2016, about 0.11 a decade, a pace called a rise of market power"),
    Plausibility("domestic_share_home", 0.15, "assumed: import substitution or import "
                 "penetration of at most 15 points of the home market in ten years without "
                 "trade policy"),
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
    header = ["Indicator", "Country", *[f"Quarter {q}" for q in quarters],
              f"Median change 0-{steps}", "Plausible change", "Result"]
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
                         fmt(change), f"within ±{fmt(crit.max_change)}",
                         "plausible" if ok else "**implausible**"])
    start = {name: float(np.median([r.competition[0, 2, COMPETITION.index(name)]
                                    for r in result.records]))
             for name in ("cr4_home", "hhi_home")}
    lines = [
        f"## {t('msg.validation.competition')}",
        "",
        "The report's starting conditions are low competition and high concentration (the "
        "facts `home_concentration_start` and `home_competition_start` above). A home "
        "market of the model is a country and one of five broad sectors, far broader than the "
        "product markets the report speaks of and merger guidelines define: at quarter 0 the "
        f"four largest domestic firms hold {fmt(start['cr4_home'])} of their market (JOINT, "
        "median; CR4 of 0.40-0.60 is a loose oligopoly, not effectively competitive) and the "
        f"HHI is {fmt(start['hhi_home'])} (the 'moderately concentrated' band of the "
        "1992/1997 Merger Guidelines is 0.10-0.18); concentration within narrower product "
        "markets cannot be measured in the model. How these measures evolve in the baseline, "
        "per country and for both together (JOINT): median [90% band] across seeds. A change "
        "is plausible when its median over "
        "the run lies within the bound below; the bounds and their sources:",
        "",
    ]
    lines += [f"- **{indicator_label(c.indicator)}**: within ±{fmt(c.max_change)} over "
              f"40 quarters ({c.source})." for c in EVOLUTION]
    lines += ["", *md_table(header, rows), ""]
    return lines
