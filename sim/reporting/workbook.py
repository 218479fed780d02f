"""Reports as spreadsheets: one ``.xlsx`` workbook with a sheet per table a command wrote.

The workbook is built from the tables a command has already written (the CSV and Parquet files
of its folder, or a sweep's store), so it holds the same numbers as those files. Its first sheet,
``about``, says what made it; a table longer than a sheet can hold (:data:`MAX_ROWS`) is left
out, with a line in ``about`` naming the file that holds it whole (and, for a sweep, its summary
in the workbook). The file is written to a temporary name and renamed, so an interrupted write
never leaves half a workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

#: Rows of a sheet, the header included (Excel's limit).
SHEET_ROWS = 1_048_576
#: Rows of data a sheet takes (below the header); tests lower it.
MAX_ROWS = SHEET_ROWS - 1
#: Longest sheet name Excel accepts, and the characters it refuses in one.
NAME_LENGTH = 31
_BAD_NAME = re.compile(r"[\[\]:*?/\\]")
#: Widest column (characters) the workbook sets; wider text wraps in the cell.
MAX_WIDTH = 60


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """``name`` as a valid, unused sheet name: none of the characters Excel refuses (brackets,
    colon, asterisk, question mark, slashes), no leading or trailing
    apostrophe, at most 31 characters, not empty, and different (ignoring case, as Excel does)
    from every name in ``taken`` (a suffix ``~2``, ``~3``... is added)."""
    base = _BAD_NAME.sub("_", str(name)).strip("'").strip() or "sheet"
    base = base[:NAME_LENGTH]
    used = {t.lower() for t in taken}
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        suffix = f"~{n}"
        candidate = base[: NAME_LENGTH - len(suffix)] + suffix
    return candidate


def _cell(value: object) -> object:
    """A value as a cell takes it: numbers as numbers, NaN and None as empty, the rest as
    text."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value
    return str(value)


def _write_sheet(book, name: str, table: pd.DataFrame) -> None:
    """One sheet in a write-only workbook: header row frozen, columns sized to their text."""
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(name)
    ws.freeze_panes = "A2"
    for i, column in enumerate(table.columns, start=1):
        sample = table[column].head(200).astype(str)
        width = max([len(str(column)), *sample.str.len().tolist()])
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)
    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])


def write_workbook(path: Path, tables: Mapping[str, pd.DataFrame],
                   about: Iterable[tuple[str, str]] = (),
                   elsewhere: Mapping[str, str] | None = None) -> list[str]:
    """Write ``tables`` into one workbook at ``path``, a sheet each, after an ``about`` sheet.

    Args:
        path: the ``.xlsx`` file to write (replaced if it exists).
        tables: sheet title -> table, in sheet order.
        about: ``(key, value)`` lines of the ``about`` sheet (command, scenarios, seeds...).
        elsewhere: where a table that is not in the workbook is kept whole (title -> a file
            path): a table over :data:`MAX_ROWS` rows is left out and named in ``about``
            with this place (or "the command's output folder").

    Returns:
        The names of the table sheets written (after ``about``).
    """
    from openpyxl import Workbook

    elsewhere = dict(elsewhere or {})
    lines = [("written", dt.datetime.now().isoformat(timespec="seconds")), *about]
    names, kept = ["about"], {}
    for title, table in tables.items():
        if len(table) > MAX_ROWS:
            where = elsewhere.get(title, "the command's output folder")
            lines.append((f"not in this workbook: {title}",
                          f"{len(table):,} rows, more than a sheet holds ({MAX_ROWS:,}); "
                          f"the whole table is in {where}"))
            continue
        name = sheet_name(title, names)
        names.append(name)
        kept[name] = table
    lines += [(f"not in this workbook: {title}", f"the whole table is in {where}")
              for title, where in elsewhere.items() if title not in tables]
    book = Workbook(write_only=True)
    _write_sheet(book, "about", pd.DataFrame(lines, columns=["item", "value"]))
    for name, table in kept.items():
        _write_sheet(book, name, table)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        book.save(tmp)
        _install(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return list(kept)


def _install(tmp: Path, path: Path) -> None:
    """Put a finished workbook in its place (one rename)."""
    os.replace(tmp, path)


def folder_tables(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables a report folder holds: every ``*.csv`` (by its stem), and every ``*.parquet``
    whose stem has no CSV; and, for each, the file it came from."""
    folder = Path(folder)
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for csv in sorted(folder.glob("*.csv")):
        tables[csv.stem] = pd.read_csv(csv)
        sources[csv.stem] = str(csv)
    for parquet in sorted(folder.glob("*.parquet")):
        if parquet.stem not in tables:
            tables[parquet.stem] = pd.read_parquet(parquet)
            sources[parquet.stem] = str(parquet)
    return tables, sources


def _ordered(tables: dict[str, pd.DataFrame], first: Iterable[str]) -> dict[str, pd.DataFrame]:
    first = [k for k in first if k in tables]
    return {**{k: tables[k] for k in first},
            **{k: v for k, v in tables.items() if k not in first}}


def report_workbook(folder: Path, command: str, about: Iterable[tuple[str, str]] = (),
                    summaries: Callable[[dict[str, pd.DataFrame]], dict[str, pd.DataFrame]]
                    | None = None) -> Path:
    """Write ``<folder>/<command>.xlsx`` from the tables of a report folder (the command's own
    table first); returns its path."""
    tables, sources = folder_tables(folder)
    tables = _ordered(tables, [command, "summary", "indicators"])
    if summaries is not None:
        tables.update(summaries(tables))
    path = Path(folder) / f"{command}.xlsx"
    write_workbook(path, tables, [("command", command), *about],
                   {k: v for k, v in sources.items() if len(tables.get(k, ())) > MAX_ROWS})
    return path


def sweep_workbook(store: Path, path: Path | None = None,
                   about: Iterable[tuple[str, str]] = ()) -> Path:
    """Write ``<store>/sweep.xlsx`` from a sweep's result store: its design (one row per
    point), its per-run results (or, when they are too long for a sheet, their median and 90%
    band across seeds per point), its runs and failures, and the sensitivity tables if the
    store has them; the per-quarter trajectories are never in it (``about`` says where they
    are). Returns its path."""
    from sim.experiments.store import load_design, load_failures, load_results, load_runs

    store = Path(store)
    results = load_results(store)
    tables: dict[str, pd.DataFrame] = {"design": load_design(store)}
    elsewhere = {}
    if len(results) > MAX_ROWS:
        keys = [c for c in results.columns if c not in ("seed", "value")]
        grouped = results.groupby(keys, sort=False, dropna=False)["value"]
        tables["results by point"] = grouped.agg(
            median="median", p5=lambda v: v.quantile(0.05),
            p95=lambda v: v.quantile(0.95), seeds="count").reset_index()
        elsewhere["results"] = f"{store}/ (clustersim's load_results)"
    else:
        tables["results"] = results
    tables["runs"] = load_runs(store)
    failures = load_failures(store)
    if len(failures):
        tables["failures"] = failures
    for extra in ("sensitivity", "sobol_s2"):
        if (store / f"{extra}.csv").exists():
            tables[extra] = pd.read_csv(store / f"{extra}.csv")
    if (store / "trajectories").exists():
        elsewhere["trajectories"] = f"{store}/trajectories/ (load_results(..., trajectories=True))"
    path = Path(path) if path is not None else store / "sweep.xlsx"
    write_workbook(path, tables, [("command", "sweep"), ("store", str(store)), *about],
                   elsewhere)
    return path
