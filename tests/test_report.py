"""Tests of sim.reporting.run_report on synthetic indicator tables with known values."""

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.indicators import COUNTRY_KEYS, INDICATORS, KEY_INDICATORS
from sim.reporting.formatting import band, fmt
from sim.reporting.run_report import step_bands, write_run_report

SEEDS = [0, 1, 2, 3, 4]
T = 8
FACTOR = {"AZ": 1.0, "BY": 2.0, "JOINT": 3.0}  # budget scale per country
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_table(scenario: str, seeds=SEEDS, horizon: int = T) -> pd.DataFrame:
    """Reference-like table: value = 100*country_index + 10*seed + step, a known budget."""
    idx = pd.MultiIndex.from_product(
        [[scenario], seeds, range(horizon + 1), list(COUNTRY_KEYS), list(INDICATORS)],
        names=["scenario", "seed", "step", "country", "indicator"],
    )
    t = idx.to_frame(index=False)
    ci = t["country"].map({c: i for i, c in enumerate(COUNTRY_KEYS)})
    f = t["country"].map(FACTOR)
    t["value"] = (100 * ci + 10 * t["seed"] + t["step"]).astype(float)
    t.loc[t["indicator"] == "budget_spent", "value"] = 1.0 * f
    t.loc[t["indicator"] == "tax_foregone", "value"] = 0.5 * f
    t.loc[t["indicator"] == "fiscal_balance", "value"] = 100.0 * f
    t.loc[(t["indicator"] == "time_to_market") & (t["seed"] == 0), "value"] = np.nan
    return t


def is_png(path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_MAGIC


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    table = make_table("baseline")
    sel = (table["indicator"] == "time_to_market") & (table["country"] == "BY")
    table.loc[sel, "value"] = np.nan  # an all-NaN series must still plot and summarise
    out = tmp_path_factory.mktemp("run")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # NaN handling must not warn
        write_run_report(table, out, {"seed": 1, "b": "x", "a": [1, 2]})
    return out, table


# --- statistics and formatting ---------------------------------------------------------------


def test_band_percentiles_and_nan():
    assert band([0, 1, 2, 3, 4]) == pytest.approx((2.0, 0.2, 3.8))
    assert band([np.nan, 1, 2, 3, 4]) == pytest.approx((2.5, 1.15, 3.85))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(math.isnan(x) for x in band([np.nan, np.nan]))
        assert all(math.isnan(x) for x in band([]))


def test_fmt_three_significant_figures():
    assert fmt(12.345) == "12.3"
    assert fmt(2.0, signed=True) == "+2.00"
    assert fmt(-0.012345) == "-0.0123"
    assert fmt(12345.0) == "12,300"
    assert fmt(0.0) == "0"
    assert fmt(float("nan")) == "n/a"


def test_step_bands_known_values_and_nan():
    bands = step_bands(make_table("baseline"))
    # AZ at the horizon: 10*seed + 8 -> 8, 18, 28, 38, 48
    assert tuple(bands.loc[("tech_exports", "AZ", T)]) == pytest.approx((28.0, 10.0, 46.0))
    # time_to_market is NaN for seed 0: the band is over seeds 1..4 (18, 28, 38, 48)
    assert tuple(bands.loc[("time_to_market", "AZ", T)]) == pytest.approx((33.0, 19.5, 46.5))


# --- run report ------------------------------------------------------------------------------


def test_run_report_writes_all_files(run_dir):
    out, table = run_dir
    for name in ["indicators.csv", "indicators.parquet", "summary.md", "provenance.json"]:
        assert (out / name).stat().st_size > 0, name
    pngs = sorted((out / "plots").glob("*.png"))
    assert len(pngs) == len(INDICATORS) + 1
    assert {p.stem for p in pngs} == set(INDICATORS) | {"overview"}
    assert all(is_png(p) for p in pngs)


def test_run_report_tables_round_trip(run_dir):
    out, table = run_dir
    pd.testing.assert_frame_equal(pd.read_parquet(out / "indicators.parquet"), table,
                                  check_dtype=False)
    csv = pd.read_csv(out / "indicators.csv")
    assert list(csv.columns) == list(table.columns)
    np.testing.assert_allclose(csv["value"], table["value"].to_numpy(), equal_nan=True)


def test_run_report_provenance_sorted(run_dir):
    out, _ = run_dir
    text = (out / "provenance.json").read_text()
    assert json.loads(text) == {"seed": 1, "b": "x", "a": [1, 2]}
    assert text.index('"a"') < text.index('"b"') < text.index('"seed"')


def test_run_report_summary(run_dir):
    out, _ = run_dir
    md = (out / "summary.md").read_text()
    assert "baseline" in md and f"quarter {T}" in md and "5 (0, 1, 2, 3, 4)" in md
    assert "plots/overview.png" in md
    for name in [*KEY_INDICATORS, "employment", "firms", "budget_spent", "tax_foregone"]:
        assert f"| {INDICATORS[name].label} |" in md, name
    # AZ: start median 20, horizon 28 [10, 46]; BY adds 100
    expected = "| Tech exports | USD m/quarter | 20.0 | 28.0 [10.0, 46.0] | 120 | 128 [110, 146] |"
    assert expected in md
    ttm = next(line for line in md.splitlines() if line.startswith("| Time to master"))
    assert "| n/a | n/a |" in ttm  # BY all NaN
