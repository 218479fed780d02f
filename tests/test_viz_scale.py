"""The browser view's numbers as the reports show them: money at national scale, shares in
percent, calendar quarters; the CSV download at both scales. No model runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIO_DIR

from sim.i18n import LANGUAGES
from sim.indicators import COUNTRY_KEYS, INDICATORS
from sim.inputs.scenario import load_scenario
from sim.reporting.national import scale_of
from sim.viz.charts import IndicatorCharts, current_table
from sim.viz.scale import national_csv, scale_caption, shown_array, shown_unit, view_scale

NAMES = list(INDICATORS)
AZ, BY, JOINT = (COUNTRY_KEYS.index(c) for c in ("AZ", "BY", "JOINT"))


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(SCENARIO_DIR / "baseline.toml")


def _array(quarters: int = 3) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.uniform(0.1, 2.0, (quarters, len(COUNTRY_KEYS), len(NAMES)))


def test_money_at_national_scale_both_countries_the_sum_shares_in_percent():
    scale = scale_of()
    raw = _array()
    before = raw.copy()
    shown = shown_array(raw, scale)
    exports = NAMES.index("tech_exports")
    for c, i in (("AZ", AZ), ("BY", BY)):
        assert shown[:, i, exports] == pytest.approx(raw[:, i, exports] * scale.factor[c])
    assert shown[:, JOINT, exports] == pytest.approx(
        shown[:, AZ, exports] + shown[:, BY, exports])
    share = NAMES.index("support_share")
    assert shown[:, :, share] == pytest.approx(100 * raw[:, :, share])
    other = NAMES.index("time_to_market")
    assert shown[:, :, other] == pytest.approx(raw[:, :, other])
    assert np.array_equal(raw, before)  # the model's array is left alone


def test_the_scale_follows_the_scenario_s_firm_scale_and_calendar(baseline):
    scale = view_scale(baseline)
    assert scale.quarter(0) == "2021Q4" and scale.quarter(1) == "2022Q1"
    half = view_scale(baseline.with_model(firm_scale=baseline.model["firm_scale"] / 2))
    assert half.factor["AZ"] == pytest.approx(2 * scale.factor["AZ"])
    later = view_scale(baseline.with_model(calendar_year=2024, calendar_quarter=2))
    assert later.quarter(0) == "2024Q2" and later.quarter(3) == "2025Q1"


def test_table_units_and_caption_state_the_scale(baseline):
    scale = view_scale(baseline)
    table = current_table(_array(), None, "en", scale)
    units = dict(zip(table["indicator"], table["unit"], strict=True))
    assert units[INDICATORS["tech_exports"].label] == "USD m/quarter of 2022, national"
    assert units[INDICATORS["support_share"].label] == "%"
    assert shown_unit("time_to_market", scale) == "quarters"
    for lang in LANGUAGES:
        caption = scale_caption(scale, lang)
        assert f"{scale.factor['AZ']:.1f}" in caption and f"{scale.factor['BY']:.1f}" in caption
        assert "2021Q4" in caption and "2022" in caption


def test_chart_axes_show_calendar_quarters_and_national_money(baseline):
    scale = view_scale(baseline.with_model(calendar_year=2030, calendar_quarter=1))
    raw = _array(5)
    charts = IndicatorCharts(raw, 4, "en", scale)
    charts.draw(raw[:3])
    ax = charts.axes[0]
    assert ax.xaxis.get_major_formatter()(0, 0) == "2030Q1"
    assert ax.xaxis.get_major_formatter()(4, 0) == "2031Q1"
    assert "2030Q1" in charts.axes[-1].get_xlabel() and "(2030Q3)" in charts.title.get_text()
    exports = NAMES.index("tech_exports")
    line = next(line for line, c, n in charts.lines if c == "AZ" and n == "tech_exports")
    assert line.get_ydata() == pytest.approx(raw[:3, AZ, exports] * scale.factor["AZ"])


def test_the_csv_keeps_model_values_and_adds_national_ones():
    scale = scale_of()
    table = pd.DataFrame({
        "scenario": "s", "seed": 0, "step": 0,
        "country": ["AZ", "BY", "JOINT", "AZ", "BY", "JOINT"],
        "indicator": ["tech_exports"] * 3 + ["time_to_market"] * 3,
        "value": [2.0, 3.0, 5.0, 4.0, 6.0, 5.0]})
    out = national_csv(table, scale)
    assert out["value"].tolist() == table["value"].tolist()
    f = scale.factor
    assert out["value_national"].tolist() == pytest.approx(
        [2 * f["AZ"], 3 * f["BY"], 2 * f["AZ"] + 3 * f["BY"], 4.0, 6.0, 5.0])
