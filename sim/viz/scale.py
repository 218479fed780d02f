"""The browser view's numbers as the reports show them: money at national scale, shares in
percent, quarters as calendar quarters (:mod:`sim.reporting.national`).

The model's indicator arrays (quarters, countries, indicators) are at model scale. The view
multiplies each country's money indicators by its scale factor and makes both countries' the
sum of the two national figures; the CSV download keeps the model's values in ``value`` and
adds ``value_national`` (:func:`national_csv`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.i18n import t, unit
from sim.indicators import COUNTRY_KEYS, INDICATORS
from sim.inputs.scenario import Scenario
from sim.reporting.formatting import PERCENT_UNIT, is_share, shown
from sim.reporting.national import COUNTRIES, Scale, is_money, national_table, scale_of

_NAMES = list(INDICATORS)


def view_scale(spec: Scenario) -> Scale:
    """The scale factors, GDPs and calendar of a run of ``spec`` (its countries' values and
    model parameters, overrides included)."""
    return scale_of({"scenarios": [spec.resolved()]})


def shown_array(array: np.ndarray, scale: Scale) -> np.ndarray:
    """An indicator array (quarters, countries, indicators) as the view shows it: money at
    national scale (both countries: the sum of the two national figures), shares in percent,
    the rest unchanged. ``array`` is not changed."""
    out = np.array(array, dtype=float, copy=True)
    joint = COUNTRY_KEYS.index("JOINT")
    for i, name in enumerate(_NAMES[:out.shape[2]]):
        if is_money(name):
            national = [out[:, COUNTRY_KEYS.index(c), i] * scale.factor[c] for c in COUNTRIES]
            for c, values in zip(COUNTRIES, national, strict=True):
                out[:, COUNTRY_KEYS.index(c), i] = values
            out[:, joint, i] = np.sum(national, axis=0)
        else:
            out[:, :, i] = shown(name, out[:, :, i])
    return out


def shown_unit(name: str, scale: Scale, lang: str = "en") -> str:
    """The unit the view shows indicator ``name`` in, in ``lang``: money with its price year
    at national scale, shares in percent."""
    if is_money(name):
        return t("msg.viz.money_unit", lang, unit=unit(INDICATORS[name].unit, lang),
                 year=scale.price_year)
    if is_share(name):
        return unit(PERCENT_UNIT, lang)
    return unit(INDICATORS[name].unit, lang)


def scale_caption(scale: Scale, lang: str = "en") -> str:
    """One line stating the scale of the view's money, its price year and quarter 0."""
    return t("msg.viz.scale_caption", lang, year=scale.price_year,
             az=f"{scale.factor['AZ']:.1f}", by=f"{scale.factor['BY']:.1f}",
             start=scale.quarter(0))


def national_csv(table: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """The run's tidy indicators table for download: ``value`` at model scale (as ``clustersim
    run`` writes it) and ``value_national``, money and employment at national scale
    (:func:`~sim.reporting.national.national_table`), other indicators as in ``value``."""
    out = table.copy()
    out["value_national"] = national_table(table, scale)["value"].to_numpy(dtype=float)
    return out
