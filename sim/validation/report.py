"""The validation report: the text of ``docs/validation.md`` (:func:`validation_markdown`) and
:func:`write_validation_report`, which runs the validation and writes the report with its
figures (``clustersim validate``)."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sim.i18n import t
from sim.inputs.countries import COUNTRIES, country_values
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.reporting.files import write_text
from sim.reporting.formatting import band, fmt, md_table, seeds_text
from sim.validation.competition import competition_lines
from sim.validation.evaluation import Check, Validation, validate
from sim.validation.facts import STATISTICS, fact_label
from sim.validation.figures import FIGURES
from sim.validation.innovation_evidence import range_spec
from sim.validation.targets import ValidationError, allowed_range, national_scale, target_label


def _show(value: float, unit: str) -> str:
    if unit == "share":
        return f"{fmt(100 * value)}%" if math.isfinite(value) else "n/a"
    return fmt(value)


def _tolerance_text(spec: dict[str, Any], horizon: float) -> str:
    kind, unit = spec["tolerance_kind"], spec["unit"]
    if kind == "horizon":
        return t("msg.validation.report.horizon", years=fmt(horizon))
    low, high = allowed_range(spec)
    if kind == "absolute" and high - low < 1e-5:
        return t("msg.validation.report.equal_data")
    return f"[{_show(low, unit)}, {_show(high, unit)}]"


def _mark(check: Check) -> str:
    return t(f"msg.validation.report.{'pass' if check.passed else 'miss'}",
             passed=check.seeds_passed, n=len(check.values))


def _target_rows(checks: Sequence[Check], horizon: float) -> list[list[str]]:
    rows = []
    for c in checks:
        s = c.spec
        rows.append([
            f"{target_label(s)} ({s['country']})", _show(float(s["value"]), s["unit"]),
            f"{s['source']} ({s['year']})",
            f"{_show(c.median, s['unit'])} [{_show(c.low, s['unit'])}, "
            f"{_show(c.high, s['unit'])}]",
            _tolerance_text(s, horizon), _mark(c),
        ])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table whose cells may hold ``|`` (as in P(a | b))."""
    return md_table(header, [[cell.replace("|", "\\|") for cell in row] for row in rows])


def _criterion_text(fact: dict[str, Any]) -> str:
    low, high = fact.get("low"), fact.get("high")
    if low is not None and high is not None:
        return t("msg.validation.report.between", low=fmt(low), high=fmt(high))
    return f"> {fmt(low)}" if low is not None else f"< {fmt(high)}"


def _national_lines(result: Validation) -> list[str]:
    """For information: the output ratios at national scale, next to the national figures."""
    national = [national_scale(r) for r in result.records]
    data = result.countries or {code: country_values(code) for code in COUNTRIES}
    rd = {s["country"]: s["value"] for s in (c.spec for c in result.targets)
          if s["name"] == "rd_gdp"}

    def cell(key: str, k: int) -> str:
        return "{} [{}, {}]".format(*(_show(v, "share") for v in band(
            [n[key][k] for n in national])))

    rows = []
    for k, code in enumerate(COUNTRIES):
        fdi_tech = data[code]["fdi_share_gdp"] * data[code]["fdi_to_tech_share"]
        rows += [
            [t("msg.validation.report.rd_row", country=code), cell("rd_gdp", k),
             t("msg.validation.report.rd_data", value=_show(rd.get(code, math.nan), "share"))],
            [t("msg.validation.report.fdi_row", country=code), cell("fdi_gdp", k),
             t("msg.validation.report.fdi_data", value=_show(fdi_tech, "share"))],
        ]
    turnover = band([n["turnover"] for n in national])
    rows.append([t("msg.validation.report.trade_row"),
                 "{} [{}, {}]".format(*map(fmt, turnover)),
                 t("msg.validation.report.trade_data")])
    return [
        t("msg.validation.report.national_intro"),
        "",
        *_table([t("msg.validation.quantity"), t("msg.validation.model_band"),
                 t("msg.validation.data_for_comparison")], rows),
    ]


def _innovation_lines(result: Validation) -> list[str]:
    """The section on innovation through cooperation: each measure's model band against the
    range of the published estimates (sim/data/innovation.toml)."""
    if not result.innovation:
        return []
    rows = []
    for c in result.innovation:
        r = range_spec(c.range_name)
        mark = (t("msg.validation.report.pass", passed=int(np.sum(
            (c.values >= c.range_low) & (c.values <= c.range_high))), n=len(c.values))
            if c.passed else t("msg.validation.report.miss", passed=int(np.sum(
                (c.values >= c.range_low) & (c.values <= c.range_high))), n=len(c.values)))
        rows.append([t(f"msg.validation.evidence.{c.measure}"),
                     f"{fmt(c.median)} [{fmt(c.low)}, {fmt(c.high)}]",
                     f"{fmt(c.range_low)}-{fmt(c.range_high)}", f"`{r['name']}`: {r['basis']}",
                     mark])
    return [f"## {t('msg.validation.innovation')}", "",
            t("msg.validation.report.innovation_note"), "",
            *_table([t("msg.validation.quantity"), t("msg.validation.model_band"),
                     t("msg.validation.published_range"), t("msg.validation.source"),
                     t("msg.validation.result")], rows), ""]


def validation_markdown(result: Validation, figures: dict[str, str]) -> str:
    """The text of ``docs/validation.md``."""
    horizon = result.records[0].horizon_years
    inputs = [c for c in result.targets if c.spec["role"] == "input"]
    outputs = [c for c in result.targets if c.spec["role"] == "output"]
    met = sum(c.passed for c in result.targets) + sum(c.passed for c in result.facts) \
        + sum(c.passed for c in result.innovation)
    total = len(result.targets) + len(result.facts) + len(result.innovation)
    head = [t("msg.validation.target"), t("msg.validation.data"), t("msg.validation.source_year"),
            t("msg.validation.model_band"), t("msg.validation.accepted"),
            t("msg.validation.result")]
    lines = [
        f"# {t('msg.validation.title')}",
        "",
        t("msg.validation.report.generated"),
        t("msg.validation.report.seeds", seeds=seeds_text(result.seeds), steps=result.steps,
          date=datetime.now(UTC).date().isoformat(), seconds=f"{result.seconds:.0f}"),
        "",
        t("msg.validation.report.passed", met=met, total=total),
        "",
        f"## {t('msg.validation.inputs')}",
        "",
        t("msg.validation.report.inputs_note"),
        "",
        *_table(head, _target_rows(inputs, horizon)),
        "",
        f"## {t('msg.validation.outputs')}",
        "",
        t("msg.validation.report.outputs_note"),
        "",
        *_table(head, _target_rows(outputs, horizon)),
        "",
        t("msg.validation.report.measured"),
        "",
    ]
    seen = set()
    for c in outputs:
        s = c.spec
        if (s["name"], s["definition"]) in seen:
            continue
        seen.add((s["name"], s["definition"]))
        lines.append("- " + t("msg.validation.report.measure_item", label=target_label(s),
                                country=s["country"], definition=s["definition"],
                                tolerance=s["tolerance_source"]))
    lines += ["", *_national_lines(result), "", f"## {t('msg.validation.facts')}",
        "",
        t("msg.validation.report.facts_note", steps=result.steps,
          years=result.steps // QUARTERS_PER_YEAR),
        "",
        *_table([t("msg.validation.fact"), t("msg.validation.statistic"),
                 t("msg.validation.model_band"), t("msg.validation.criterion"),
                 t("msg.validation.source"), t("msg.validation.result")],
                  [[fact_label(f), f["statistic"], f"{fmt(c.median)} [{fmt(c.low)}, "
                    f"{fmt(c.high)}]", _criterion_text(f) + f" ({f['criterion_source']})",
                    f["source"], _mark(c)] for c in result.facts for f in [c.spec]]),
        "",
        t("msg.validation.report.more"),
        "",
        *_table([t("msg.validation.statistic"), t("msg.validation.value")],
                  [[t(f"msg.validation.stat.{name}"),
                    "{} [{}, {}]".format(*map(fmt, band(result.statistics[name])))]
                   for name in STATISTICS]),
        "",
        *_innovation_lines(result),
        *competition_lines(result),
        f"## {t('msg.validation.figures')}",
        "",
    ]
    for caption, path in figures.items():
        lines += [f"![{caption}]({path})", "", f"*{caption}.*", ""]
    lines += [
        f"## {t('msg.validation.reproduce')}",
        "",
        f"    clustersim validate --seeds {len(result.seeds)} --steps {result.steps} --docs",
        "",
    ]
    return "\n".join(lines)


def write_validation_report(seeds: Sequence[int], steps: int = 40,
                            out: Path = Path("docs/validation.md"),
                            progress: bool = False) -> Validation:
    """Run the validation and write ``out`` with its figures in ``out.parent / "img"``.

    The Markdown file is written through :func:`sim.reporting.files.write_text` (a temporary
    file renamed into place), so an interrupted run never leaves half a report.

    Raises:
        ValidationError: bad seeds, steps or output path.
    """
    out = Path(out)
    if out.is_dir():
        raise ValidationError(f"--out {out}: is a folder; give a file name such as "
                              f"{out / 'validation.md'}")
    if out.suffix != ".md":
        raise ValidationError(f"--out {out}: expected a Markdown file name ending in .md")
    for folder in out.parents:
        if folder.exists() and not folder.is_dir():
            raise ValidationError(f"--out {out}: {folder} exists and is not a folder")
    result = validate(seeds, steps, progress=progress)
    img = out.parent / "img"
    img.mkdir(parents=True, exist_ok=True)
    figures = {}
    for name, (caption, draw) in FIGURES.items():
        if progress:
            print(f"validate: drawing {img / name}", file=sys.stderr, flush=True)
        draw(result, img / name)
        figures[t(caption)] = f"img/{name}"
    write_text(out, validation_markdown(result, figures))
    return result
