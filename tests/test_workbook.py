"""``--xlsx``: the reports' tables as one Excel workbook (sim.reporting.workbook). The workbook
opens with openpyxl, holds a sheet per table the command wrote with the same values (numbers as
numbers), says where a table too long for a sheet is, and a failure writing it loses nothing."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from test_scenario_cli import small_copy

import sim.reporting.workbook as wb
from sim.cli.dispatch import main
from sim.reporting.workbook import sheet_name, write_workbook


def sheets(path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as a table (first row the header)."""
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        out[ws.title] = pd.DataFrame(rows[1:], columns=rows[0])
    return out


def about(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    return dict(zip(tables["about"]["item"], tables["about"]["value"], strict=True))


def assert_same(sheet: pd.DataFrame, csv: pd.DataFrame) -> None:
    """The sheet holds the CSV's values: numbers as numbers (not text), NaN and empty text as
    empty cells."""
    assert list(sheet.columns) == list(csv.columns)
    assert len(sheet) == len(csv)
    for column in csv.columns:
        expected, got = csv[column], sheet[column]
        if pd.api.types.is_numeric_dtype(expected) and expected.dtype != bool:
            values = got.to_numpy(dtype=object)
            assert all(v is None or isinstance(v, (int, float)) for v in values), column
            np.testing.assert_allclose(pd.to_numeric(got).to_numpy(dtype=float),
                                       expected.to_numpy(dtype=float), rtol=1e-15,
                                       equal_nan=True, err_msg=column)
        else:
            # an empty text and a missing value are both an empty cell in a spreadsheet
            empty = [None if (isinstance(v, float) and math.isnan(v)) or v == "" else v
                     for v in expected]
            assert empty == got.tolist(), column


# --- the writer on hand-made tables -----------------------------------------------------------


def test_sheet_names_are_valid_and_unique():
    assert sheet_name("a/b:c*d?e[f]g\\h") == "a_b_c_d_e_f_g_h"
    assert sheet_name("x" * 40) == "x" * 31
    assert sheet_name("'quoted'") == "quoted" and sheet_name("") == "sheet"
    assert sheet_name("About", ["about"]) == "About~2"  # Excel ignores case
    assert sheet_name("x" * 40, ["x" * 31, "x" * 29 + "~2"]) == "x" * 29 + "~3"


def test_cells_keep_their_types_and_nan_is_empty(tmp_path):
    table = pd.DataFrame({"n": [1, 2], "x": [0.5, np.nan], "ok": [True, False],
                          "name": ["a", None]})
    path = tmp_path / "t.xlsx"
    assert write_workbook(path, {"t": table}, [("command", "test")]) == ["t"]
    book = openpyxl.load_workbook(path)
    ws = book["t"]
    assert [c.value for c in ws[1]] == ["n", "x", "ok", "name"]
    assert [c.value for c in ws[2]] == [1, 0.5, True, "a"]
    assert [c.value for c in ws[3]] == [2, None, False, None]
    assert ws.freeze_panes == "A2"
    assert book.sheetnames == ["about", "t"]
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left


def test_a_table_too_long_for_a_sheet_is_named_with_where_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr(wb, "MAX_ROWS", 3)
    big, small = pd.DataFrame({"v": range(4)}), pd.DataFrame({"v": range(3)})
    path = tmp_path / "t.xlsx"
    written = write_workbook(path, {"big": big, "small": small},
                             elsewhere={"big": "out/big.parquet"})
    assert written == ["small"]
    tables = sheets(path)
    assert set(tables) == {"about", "small"}
    line = about(tables)["not in this workbook: big"]
    assert "4 rows" in line and "out/big.parquet" in line


# --- the commands -----------------------------------------------------------------------------


def test_run_xlsx_holds_the_indicators_and_their_bands(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", str(small_copy(tmp_path, "tax_break", 0.1)), "--seeds", "2", "--steps",
                 "2", "--out", str(out), "--quiet", "--xlsx"])
    assert code == 0, capsys.readouterr().err
    assert f"wrote {out / 'run.xlsx'}" in capsys.readouterr().out
    tables = sheets(out / "run.xlsx")
    assert list(tables) == ["about", "indicators", "bands"]
    assert_same(tables["indicators"], pd.read_csv(out / "indicators.csv"))
    assert set(tables["bands"].columns) == {"indicator", "country", "step", "median", "lo", "hi"}
    info = about(tables)
    assert info["command"] == "run" and info["seeds"] == "0, 1"


@pytest.mark.parametrize("command", ["compare", "scorecard"])
def test_compare_and_scorecard_xlsx_hold_their_table_first(tmp_path, capsys, command,
                                                           monkeypatch):
    out = tmp_path / command
    files = [str(small_copy(tmp_path, s, 0.1)) for s in ("baseline", "tax_break")]
    monkeypatch.setattr(wb, "MAX_ROWS", 1000)  # the indicators table is longer
    code = main([command, *files, "--seeds", "2", "--steps", "2", "--workers", "1", "--out",
                 str(out), "--quiet", "--xlsx"])
    assert code == 0, capsys.readouterr().err
    tables = sheets(out / f"{command}.xlsx")
    assert list(tables)[:2] == ["about", command]
    assert_same(tables[command], pd.read_csv(out / f"{command}.csv"))
    rows = len(pd.read_parquet(out / "indicators.parquet"))
    assert rows > 1000 and "indicators" not in tables
    assert str(out / "indicators.parquet") in about(tables)["not in this workbook: indicators"]


def test_sweep_xlsx_holds_design_results_runs_and_the_analysis(tmp_path, capsys):
    definition = tmp_path / "f.toml"
    definition.write_text('name = "f"\nevaluate = "sim.experiments.sensitivity:ishigami"\n'
                          'seeds = [0, 1]\n[design]\nmethod = "morris"\n[vary]\n'
                          'x1 = { low = -3.0, high = 3.0 }\nx2 = { low = -3.0, high = 3.0 }\n'
                          'x3 = { low = -3.0, high = 3.0 }\n')
    out = tmp_path / "store"
    code = main(["sensitivity", str(definition), "--samples", "2", "--workers", "1", "--out",
                 str(out), "--quiet", "--xlsx"])
    assert code == 0, capsys.readouterr().err
    tables = sheets(out / "sweep.xlsx")
    assert list(tables) == ["about", "design", "results", "runs", "sensitivity"]
    from sim.experiments.store import load_design, load_results

    assert_same(tables["design"], load_design(out))
    assert_same(tables["results"], load_results(out))
    assert_same(tables["sensitivity"], pd.read_csv(out / "sensitivity.csv"))
    assert len(tables["runs"]) == 2 * 4 * 2  # N(D+1) points x 2 seeds


def test_sweep_results_too_long_for_a_sheet_give_their_summary(tmp_path, monkeypatch):
    from sim.experiments.store import load_results

    definition = tmp_path / "f.toml"
    definition.write_text('name = "f"\nevaluate = "sim.experiments.sensitivity:ishigami"\n'
                          'seeds = [0, 1, 2]\n[design]\nmethod = "lhs"\nsamples = 4\n[vary]\n'
                          'x1 = { low = -3.0, high = 3.0 }\nx2 = { low = -3.0, high = 3.0 }\n'
                          'x3 = { low = -3.0, high = 3.0 }\n')
    out = tmp_path / "store"
    assert main(["sweep", str(definition), "--workers", "1", "--out", str(out), "--quiet"]) == 0
    monkeypatch.setattr(wb, "MAX_ROWS", 5)
    results = load_results(out)
    assert len(results) == 12
    path = wb.sweep_workbook(out)
    tables = sheets(path)
    assert "results" not in tables
    summary = tables["results by point"]
    assert len(summary) == 4 and set(summary["seeds"]) == {3}
    first = results[results["sample"] == 0]["value"]
    row = summary[summary["sample"] == 0].iloc[0]
    assert row["median"] == pytest.approx(first.median())
    assert row["p5"] == pytest.approx(first.quantile(0.05))
    assert "load_results" in about(tables)["not in this workbook: results"]


def test_a_workbook_that_cannot_be_written_loses_nothing(tmp_path, capsys, monkeypatch):
    def full_disk(tmp, path):
        assert tmp.exists()  # the workbook was written whole under a temporary name
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(wb, "_install", full_disk)
    out = tmp_path / "cmp"
    files = [str(small_copy(tmp_path, s, 0.1)) for s in ("baseline", "tax_break")]
    code = main(["compare", *files, "--seeds", "1", "--steps", "1", "--workers", "1", "--out",
                 str(out), "--quiet", "--xlsx"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "No space left on device" in err
    assert "Traceback" not in err
    assert (out / "compare.csv").exists() and (out / "compare.md").exists()
    assert not list(out.glob("*.xlsx")) and not list(out.glob(".*tmp"))
