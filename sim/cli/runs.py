"""``clustersim run``, ``compare`` and ``scorecard``: scenarios over seeds, written to a report
folder."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.errors import UsageError, one_line
from sim.cli.output import check_out, provenance, write_atomically
from sim.inputs.scenario import Scenario, bundled_scenarios, load_scenario, scenario_path

if TYPE_CHECKING:
    import pandas as pd


def _seeds(args: argparse.Namespace) -> list[int]:
    return args.seed_list if args.seed_list else list(range(args.seeds))


def cmd_run(args: argparse.Namespace) -> int:
    """``clustersim run``: one scenario, several seeds, a report folder."""
    from sim.experiments.runs import run_scenario
    from sim.reporting.run_report import write_run_report

    scenario = load_scenario(args.scenario)
    out = check_out(args.out, scenario.name, args.force)
    seeds = _seeds(args)
    start = time.perf_counter()
    table = run_scenario(scenario, seeds=seeds, steps=args.steps, progress=not args.quiet)
    prov = provenance([scenario], seeds, args.steps, time.perf_counter() - start)
    write_atomically(out, args.force,
                     lambda tmp: write_run_report(table, tmp, prov, progress=not args.quiet))
    print(one_line(f"wrote {out}/ (summary.md, indicators.csv/.parquet, plots/, "
                   "provenance.json)"))
    if args.xlsx:
        _workbook(out, "run", [scenario.name], seeds, args)
    return 0


def _workbook(out: Path, command: str, names: list[str], seeds: list[int],
              args: argparse.Namespace) -> None:
    """``--xlsx``: the folder's tables as ``<command>.xlsx`` (after the folder is complete, so
    a failure here loses none of it)."""
    from sim.reporting.run_report import step_bands
    from sim.reporting.workbook import report_workbook

    def bands(tables: dict) -> dict:
        if command != "run" or "indicators" not in tables:
            return {}
        return {"bands": step_bands(tables["indicators"]).reset_index()}

    about = [("scenarios", ", ".join(names)), ("seeds", ", ".join(map(str, seeds))),
             ("quarters", str(args.steps) if args.steps else "the scenario's model.steps"),
             ("folder", str(out))]
    path = report_workbook(out, command, about, bands)
    print(one_line(f"wrote {path}"))


def _load_set(paths: list[Path], command: str) -> list[Scenario]:
    """Load and validate every scenario file before running any; the first is the reference."""
    scenarios = [load_scenario(p) for p in paths]
    if len(scenarios) < 2:
        raise UsageError(f"{command} needs at least two scenarios (the first is the reference)")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(f"scenario names must differ to be compared: {', '.join(names)}")
    return scenarios


def _run_set(scenarios: list[Scenario], seeds: list[int],
             args: argparse.Namespace) -> list[pd.DataFrame]:
    """Every scenario over every seed on ``--workers`` processes: one table per scenario."""
    from sim.experiments.runs import available_cpus, run_many

    workers = args.workers or available_cpus()
    runs = len(scenarios) * len(seeds)
    if not args.quiet:
        print(f"running {len(scenarios)} scenarios x {len(seeds)} seeds = {runs} runs on "
              f"{min(workers, runs)} process{'es' if min(workers, runs) > 1 else ''}",
              file=sys.stderr)
    return run_many(scenarios, seeds, steps=args.steps, workers=workers,
                    progress=not args.quiet)


def _assess(args: argparse.Namespace, paths: list[Path], command: str,
            write_report: Callable[[list[pd.DataFrame], Path, dict], Any]) -> int:
    """Run every scenario of ``paths`` (the first is the reference) and write the folder of
    ``command`` (``<command>.md``, ``.csv``, ``.png``, ...) with ``write_report``."""
    scenarios = _load_set(paths, command)
    drawing = getattr(args, "uncertainty", "seeds") == "params"
    if drawing:  # the ranges are checked before any run
        from dataclasses import replace

        from sim.inputs.effect_sizes import effect_ranges

        effect_ranges()
        scenarios = [replace(s, draw_effect_sizes=True) for s in scenarios]
    out = check_out(args.out, command, args.force)
    seeds = _seeds(args)
    start = time.perf_counter()
    tables = _run_set(scenarios, seeds, args)
    prov = provenance(scenarios, seeds, args.steps, time.perf_counter() - start)
    prov["uncertainty"] = "params" if drawing else "seeds"

    def write(tmp: Path) -> None:
        write_report(tables, tmp, prov, discount_rate=args.discount_rate)
        if drawing:
            _write_draws(tmp, command, scenarios, seeds, tables)

    write_atomically(out, args.force, write)
    written = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())
    print(one_line(f"wrote {out}/ ({', '.join(written)})"))
    if args.xlsx:
        _workbook(out, command, [s.name for s in scenarios], seeds, args)
    return 0


def _write_draws(folder: Path, command: str, scenarios: list[Scenario], seeds: list[int],
                 tables: list[pd.DataFrame]) -> None:
    """``effect_sizes.csv`` (every value drawn), ``drivers.csv`` and the drivers section of
    ``<command>.md``."""
    import pandas as pd

    from sim.inputs.effect_sizes import draw_table
    from sim.reporting.drivers import MIN_DRAWS, drivers, drivers_markdown

    draws = pd.DataFrame(draw_table(scenarios, seeds),
                         columns=["scenario", "seed", "policy", "parameter", "value"])
    draws.to_csv(folder / "effect_sizes.csv", index=False)
    found = drivers(tables, draws) if len(seeds) >= MIN_DRAWS else drivers([], draws)
    found.to_csv(folder / "drivers.csv", index=False)
    report = folder / f"{command}.md"
    if report.exists():
        with report.open("a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(drivers_markdown(found, len(seeds))))


def cmd_compare(args: argparse.Namespace) -> int:
    """``clustersim compare``: scenarios against the first, at the horizon."""
    from sim.reporting.comparison import write_compare_report

    paths = [scenario_path(p) for p in args.scenarios]
    if args.all or not paths:
        given = {p.resolve() for p in paths}
        paths = bundled_scenarios() if not paths else paths + [
            p for p in bundled_scenarios() if p.resolve() not in given]
    return _assess(args, paths, "compare", write_compare_report)


def cmd_scorecard(args: argparse.Namespace) -> int:
    """``clustersim scorecard``: every scenario's effects, costs and risks against the first."""
    from sim.reporting.scorecard_report import write_scorecard_report

    return _assess(args, list(args.scenarios) or bundled_scenarios(), "scorecard",
                   write_scorecard_report)
