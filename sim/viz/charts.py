"""The report's nine indicators: charts of the run against the baseline, and a table of their
current values. Plain matplotlib and pandas, from the model's indicator arrays."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.i18n import country_name, indicator_label, t
from sim.indicators import COUNTRY_KEYS, INDICATORS, KEY_INDICATORS
from sim.reporting.formatting import fmt
from sim.reporting.national import Scale, scale_of
from sim.reporting.run_report import calendar_axis
from sim.viz.canvas import Canvas
from sim.viz.live import Change
from sim.viz.network_view import COUNTRY_COLOURS
from sim.viz.scale import shown_array, shown_unit

_NAMES = list(INDICATORS)
_DRAWN = [COUNTRY_KEYS.index("AZ"), COUNTRY_KEYS.index("BY")]  # countries with a line
_BETTER = {"higher": "msg.viz.higher_better", "lower": "msg.viz.lower_better"}


def _column(array: np.ndarray, country: str, name: str) -> np.ndarray:
    return array[:, COUNTRY_KEYS.index(country), _NAMES.index(name)]


class IndicatorCharts:
    """Nine small charts, one per report indicator: each country's run (solid) and its baseline
    (dashed), with dotted lines where a policy was changed mid-run; money at national scale,
    shares in percent, calendar quarters on the x axes.

    One figure kept from quarter to quarter; titles, axes and the baseline are drawn once
    (see :class:`~sim.viz.canvas.Canvas`) and only drawn again when a run leaves an axis's
    range, which then grows with room to spare.

    Args:
        baseline: indicators of the baseline over the whole horizon (quarters, countries,
            indicators), or None.
        horizon: last quarter on the time axis.
        lang: language of the titles, axes and legend (:mod:`sim.i18n`).
        scale: scale factors and calendar (default: the data files' and the declared model
            defaults, :func:`~sim.reporting.national.scale_of`).
    """

    def __init__(self, baseline: np.ndarray | None, horizon: int, lang: str = "en",
                 scale: Scale | None = None) -> None:
        self.lang = lang
        self.scale = scale = scale or scale_of()
        if baseline is not None:
            baseline = shown_array(baseline, scale)
        fig = self.figure = Figure(figsize=(12.0, 7.4), dpi=80)
        self.canvas = Canvas(fig)
        self.axes = list(fig.subplots(3, 3, sharex=True).flat)
        fig.subplots_adjust(left=0.06, right=0.975, top=0.88, bottom=0.07, hspace=0.42,
                            wspace=0.22)
        self.baseline = baseline
        self.lines: list[tuple[Line2D, str, str]] = []  # (line, country, indicator)
        for ax, (number, name) in zip(self.axes, enumerate(KEY_INDICATORS, start=1),
                                      strict=True):
            ind = INDICATORS[name]
            for c, country in enumerate(("AZ", "BY")):
                if baseline is not None:
                    ax.plot(np.arange(len(baseline)), _column(baseline, country, name),
                            color=COUNTRY_COLOURS[c], ls="--", lw=1.0, alpha=0.7)
                (line,) = ax.plot([], [], color=COUNTRY_COLOURS[c], lw=1.8, animated=True)
                self.lines.append((line, country, name))
            ax.set_title(f"{number}. {indicator_label(name, lang)}", fontsize=9.5, loc="left")
            better = t(_BETTER[ind.direction], lang) if ind.direction in _BETTER else ""
            ax.set_ylabel(shown_unit(name, scale, lang) + better, fontsize=7)
            ax.tick_params(labelsize=7.5, length=2.5)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            ax.set_xlim(0, max(horizon, 1))
            calendar_axis(ax, scale)
            ax.grid(axis="y", alpha=0.25, lw=0.5)
            if baseline is not None:
                ax.set_ylim(*_padded(baseline[:, _DRAWN, _NAMES.index(name)], 0.08))
        for ax in self.axes[-3:]:
            ax.set_xlabel(t("msg.run.calendar_axis", lang, start=scale.quarter(0)), fontsize=8)
        az, by = country_name("AZ", lang), country_name("BY", lang)
        handles = [
            Line2D([], [], color=COUNTRY_COLOURS[0], lw=1.8,
                   label=t("msg.viz.this_run", lang, country=az)),
            Line2D([], [], color=COUNTRY_COLOURS[1], lw=1.8,
                   label=t("msg.viz.this_run", lang, country=by)),
            Line2D([], [], color=COUNTRY_COLOURS[0], lw=1.0, ls="--",
                   label=t("msg.viz.baseline_of", lang, country=az)),
            Line2D([], [], color=COUNTRY_COLOURS[1], lw=1.0, ls="--",
                   label=t("msg.viz.baseline_of", lang, country=by)),
            Line2D([], [], color="#444444", lw=1.0, ls=":",
                   label=t("msg.viz.policy_changed", lang))]
        fig.legend(handles=handles, loc="upper center", ncol=5, fontsize=8.5, frameon=False,
                   bbox_to_anchor=(0.5, 0.955))
        self.title = fig.suptitle("", fontsize=11, y=0.995, animated=True)
        self.markers: list[Line2D] = []  # one dotted line per change and chart

    def draw(self, current: np.ndarray, changes: Sequence[Change] = ()) -> None:
        """Show the run's indicators so far (quarters, countries, indicators) and the changes
        made from the page."""
        current = shown_array(current, self.scale)
        quarters = np.arange(len(current))
        for line, country, name in self.lines:
            line.set_data(quarters, _column(current, country, name))
        for change in changes[len(self.markers) // len(self.axes):]:
            self.markers += [ax.axvline(change.quarter, color="#444444", ls=":", lw=1.0,
                                        animated=True) for ax in self.axes]
        for ax, name in zip(self.axes, KEY_INDICATORS, strict=True):
            values = current[:, _DRAWN, _NAMES.index(name)]
            low, high = ax.get_ylim()
            finite = values[np.isfinite(values)]
            if finite.size and (finite.min() < low or finite.max() > high):
                both = finite if self.baseline is None else np.concatenate(
                    [finite, self.baseline[:, _DRAWN, _NAMES.index(name)].ravel()])
                ax.set_ylim(*_padded(both, 0.25))  # room to spare: fewer full redraws
                self.canvas.invalidate()
        self.title.set_text(t("msg.viz.charts_title", self.lang, quarter=len(current) - 1,
                              date=self.scale.quarter(len(current) - 1)))

    def png(self, current: np.ndarray, changes: Sequence[Change] = ()) -> bytes:
        """:meth:`draw`, then the figure as PNG."""
        self.draw(current, changes)
        return self.canvas.png([*(line for line, _, _ in self.lines), *self.markers,
                                self.title])


def _padded(values: np.ndarray, share: float) -> tuple[float, float]:
    """Axis limits around ``values`` with ``share`` of their range (or of their size) added
    on each side."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = share * (high - low) or share * abs(high) or 1.0
    return low - pad, high + pad


def current_table(current: np.ndarray, baseline: np.ndarray | None, lang: str = "en",
                  scale: Scale | None = None) -> pd.DataFrame:
    """The nine indicators now: per country, both, the baseline (both) at the same quarter and
    the difference, labels and units in ``lang``; money at national scale (``scale``, default
    :func:`~sim.reporting.national.scale_of`), shares in percent. Missing values (e.g. no
    product launched lately) are NaN."""
    scale = scale or scale_of()
    current = shown_array(current, scale)
    baseline = None if baseline is None else shown_array(baseline, scale)
    q = len(current) - 1
    rows = []
    for name in KEY_INDICATORS:
        ind = INDICATORS[name]
        both = _column(current, "JOINT", name)[q]
        base = (_column(baseline, "JOINT", name)[q]
                if baseline is not None and q < len(baseline) else math.nan)
        rows.append({"indicator": indicator_label(name, lang),
                     "unit": shown_unit(name, scale, lang),
                     "AZ": _column(current, "AZ", name)[q],
                     "BY": _column(current, "BY", name)[q], "both": both,
                     "baseline (both)": base, "difference": both - base,
                     "direction": ind.direction})
    return pd.DataFrame(rows)


def _number(x: float, signed: bool = False) -> str:
    """A table cell: 3 significant figures, never scientific notation, ``–`` for no value."""
    return fmt(x, signed) if math.isfinite(x) else "–"


def table_html(table: pd.DataFrame, lang: str = "en") -> str:
    """:func:`current_table` as an HTML table, headings in ``lang``; differences coloured by
    whether they are good (green) or bad (red) by the indicator's direction."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in
                   (t("msg.common.indicator", lang), "AZ", "BY", t("msg.viz.both", lang),
                    t("msg.viz.baseline", lang), t("msg.viz.difference", lang)))
    body = []
    for row in table.to_dict("records"):
        diff = row["difference"]
        sign = {"higher": 1, "lower": -1}.get(row["direction"], 0)
        good = sign * diff if math.isfinite(diff) else 0.0
        colour = "#1a7f37" if good > 1e-12 else "#b42318" if good < -1e-12 else "inherit"
        cells = [f"<td>{html.escape(row['indicator'])}<br>"
                 f'<span class="unit">{html.escape(row["unit"])}</span></td>']
        cells += [f'<td class="num">{_number(row[key])}</td>'
                  for key in ("AZ", "BY", "both", "baseline (both)")]
        text = _number(diff, signed=True)
        cells.append(f'<td class="num" style="color:{colour}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="cs-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")
