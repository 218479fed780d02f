"""Competition and concentration of the home markets (a country and a sector), as indicators
compute them from a firm mask and an indicator key (``AZ``, ``BY`` or ``JOINT``): the HHI,
the four-firm concentration ratio, the state firms' share of sales, the mean markup, entry and
exit rates and the domestic firms' share of home demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import COUNTRIES
from sim.inputs.sectors import SECTORS
from sim.memo import shared

if TYPE_CHECKING:
    from sim.model import ClusterModel


def _safe_div(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def countries_of(key: str) -> list[int]:
    """Country indices behind an indicator key (both for ``JOINT``)."""
    return list(range(len(COUNTRIES))) if key == "JOINT" else [COUNTRIES.index(key)]


#: Firms counted in the concentration ratio (by definition: the four-firm ratio CR4).
TOP_FIRMS = 4
#: Home markets: one per country and sector, numbered country x sectors + sector.
MARKETS = len(COUNTRIES) * len(SECTORS)


def home_markets(model: ClusterModel, mask: np.ndarray, key: str) -> np.ndarray:
    """Per home market (a country and a sector) of the countries behind ``key``, over the
    domestic firms there (``mask`` is the key's firms, as :func:`country_masks` gives them):
    their home sales, the sum of their squared home sales, and the home sales of the four
    largest (rows 0, 1, 2 of an array of 3 x markets; the other country's markets are 0 for
    ``AZ`` and ``BY``). Every firm is binned once while indicators are collected
    (:mod:`sim.memo`), and each key takes its countries' markets."""
    every = shared(model, "home_markets", lambda: _home_markets(model.firms))
    if key == "JOINT":
        return every
    own = np.arange(MARKETS) // len(SECTORS) == COUNTRIES.index(key)
    return np.where(own, every, 0.0)


def _home_markets(f) -> np.ndarray:
    sales = f.col("sales_home")
    market = f.col("country").astype(np.int64) * len(SECTORS) + f.col("sector")
    by_sales = np.argsort(-sales)
    order = by_sales[np.argsort(market[by_sales], kind="stable")]  # by market, largest first
    ranked = market[order]
    first = np.searchsorted(ranked, np.arange(MARKETS))
    rank = np.arange(len(order)) - first[ranked]
    top = np.where(rank < TOP_FIRMS, sales[order], 0.0)
    return np.stack([np.bincount(market, weights=sales, minlength=MARKETS),
                     np.bincount(market, weights=sales * sales, minlength=MARKETS),
                     np.bincount(ranked, weights=top, minlength=MARKETS)])


def _hhi(markets: np.ndarray) -> float:
    total, squares = markets[0], markets[1]
    # sum over markets of (sum of squared shares) x market sales, over all sales; a single
    # seller gives 1 up to rounding, which is cut off
    weighted = np.divide(squares, total, out=np.zeros(len(total)), where=total > 0).sum()
    return min(_safe_div(weighted, total.sum()), 1.0)


def hhi_home(model, mask, key):
    """Herfindahl-Hirschman index (0-1) of the home market: each home market (a country and
    a sector) gets the sum of squared shares of the domestic firms in their home sales
    (imports and partner-country firms not counted), and markets are averaged with weights
    equal to those sales. For ``JOINT`` the markets of both countries enter together, which
    is the mean of the two countries' indices weighted by their domestic firms' home sales."""
    return _hhi(home_markets(model, mask, key))


def cr4_home(model, mask, key):
    """Four-firm concentration ratio (0-1) of the home market: in each home market (a country
    and a sector) the share of the four largest domestic firms in the domestic firms' home
    sales, markets weighted by those sales (so JOINT is the sum over both countries' markets
    of the four largest firms' sales over all domestic firms' home sales)."""
    markets = home_markets(model, mask, key)
    # the four largest of a market of four firms or fewer are all of it, up to rounding
    return min(_safe_div(markets[2].sum(), markets[0].sum()), 1.0)


def hhi_sector(sector: int) -> Callable[[ClusterModel, np.ndarray, str], float]:
    """The home-market HHI of one sector (:func:`hhi_home` over that sector's markets)."""
    of_sector = np.arange(MARKETS) % len(SECTORS) == sector

    def compute(model: ClusterModel, mask: np.ndarray, key: str) -> float:
        return _hhi(home_markets(model, mask, key)[:, of_sector])

    compute.__name__ = f"hhi_sector_{sector}"
    return compute


def state_sales_share(model, mask, key):
    """State-owned firms' share of the sales of the firms in ``mask``."""
    f = model.firms
    sales, state = f.col("sales_total"), f.col("state_owned")
    state_sales = sales[mask & state].sum()
    # over the sum of both parts, so that a market of state firms alone gives exactly 1
    return _safe_div(state_sales, state_sales + sales[mask & ~state].sum())


def mean_markup(model, mask, key):
    """Mean markup of the firms in ``mask``, weighted by their sales."""
    f = model.firms
    sales = f.col("sales_total")[mask]
    return _safe_div((f.col("markup")[mask] * sales).sum(), sales.sum())


def event_rate(kind: str):
    """Entries or exits this quarter per firm alive at the start of the quarter (the firms
    now, less those that entered, plus those that left)."""

    def compute(model, mask, key):
        events = model.events[key]
        start = mask.sum() - events["entries"] + events["exits"]
        return _safe_div(events[kind], start)

    return compute


def domestic_share_home(model, mask, key):
    """Domestic firms' share of their home market's spending: their home sales over what
    domestic firms, partner-country firms and imports sold on that market this quarter
    (import substitution). For ``JOINT``: both home markets together."""
    f = model.firms
    country = f.col("country")
    home, partner = f.col("sales_home"), f.col("sales_partner")
    domestic = spending = 0.0
    for k in countries_of(key):
        own = home[country == k].sum()
        domestic += own
        spending += own + partner[country == 1 - k].sum() + model.import_base[k].sum()
    return _safe_div(domestic, spending)
