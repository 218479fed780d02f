"""docs/evidence.md: each instrument's published evaluations against the model's estimate of
the same quantity, estimated the way the study did (``clustersim evidence``).

The studies are read from ``sim/data/evidence.toml``; a study with a ``[instrument.study.model]``
table (design, outcome, horizon, scenario, optional ``values`` of the instrument's parameters)
is reproduced by :func:`sim.validation.policy_evidence.estimate` over several seeds; the others
are listed with the reason the model does not reproduce them (``model_note``).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.reporting.files import write_text
from sim.validation.policy_evidence import ModelTarget, estimate

#: The evidence file.
EVIDENCE_FILE = Path(__file__).resolve().parents[1] / "data" / "evidence.toml"
#: Percentiles of the model's band across seeds (a 90% band, as the scorecard's).
BAND = (5.0, 95.0)


class EvidenceError(ValueError):
    """The evidence file is missing or malformed: the message names the file and the key."""


@dataclass
class Study:
    """One published evaluation and, if the model reproduces it, how and with what result."""

    instrument: str
    key: str
    entry: dict[str, Any]
    target: ModelTarget | None
    note: str = ""
    values: list[float] = dataclasses.field(default_factory=list)

    @property
    def published(self) -> tuple[float, float | None, float | None]:
        """The published estimate and interval in the units the model estimates (the model
        table's ``estimate``, ``low``, ``high`` where the study's units differ, e.g. log
        points turned into percent)."""
        e, m = self.entry, self.entry.get("model", {})
        return (float(m.get("estimate", e["estimate"])), m.get("low", e.get("low")),
                m.get("high", e.get("high")))

    @property
    def units(self) -> str:
        """The units of :attr:`published`."""
        return str(self.entry.get("model", {}).get("units", self.entry.get("units", "")))

    def band(self) -> tuple[float, float, float]:
        """The model's median and 90% band across seeds (NaN without values)."""
        v = np.array([x for x in self.values if np.isfinite(x)])
        if v.size == 0:
            return (float("nan"),) * 3
        lo, hi = np.percentile(v, BAND)
        return float(np.median(v)), float(lo), float(hi)

    def verdict(self) -> str:
        """``within`` when the model's median lies in the published interval (or, without
        one, when the model's band covers the point estimate); ``outside`` otherwise;
        ``not reproduced`` without a model estimate."""
        median, lo, hi = self.band()
        if not np.isfinite(median):
            return "not reproduced"
        point, low, high = self.published
        if low is not None and high is not None:
            return "within" if low <= median <= high else "outside"
        return "within" if lo <= point <= hi else "outside"


def _fail(path: Path, key: str, message: str) -> EvidenceError:
    return EvidenceError(f"{path}: {key}: {message}")


def _read(path: Path) -> dict[str, Any]:
    """The evidence file's tables; EvidenceError naming the file if it is missing or not TOML."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvidenceError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise EvidenceError(f"{path}: not valid TOML: {err}") from None
    return data


def load_studies(path: Path = EVIDENCE_FILE) -> list[Study]:
    """Every study of the evidence file, with its model target where it has one."""
    data = _read(path)
    studies = []
    for n, inst in enumerate(data.get("instrument", [])):
        name = inst.get("name")
        if not isinstance(name, str):
            raise _fail(path, f"instrument[{n}].name", "missing")
        for m, entry in enumerate(inst.get("study", [])):
            where = f"instrument '{name}' study[{m}]"
            if "key" not in entry or "estimate" not in entry:
                raise _fail(path, where, "needs 'key' and 'estimate'")
            spec = entry.get("model")
            target = None
            if spec is not None:
                try:
                    target = ModelTarget(
                        instrument=name, study=entry["key"], design=spec["design"],
                        outcome=spec["outcome"], horizon=int(spec["horizon"]),
                        scenario=spec.get("scenario", name), values=spec.get("values", {}))
                except KeyError as err:
                    raise _fail(path, f"{where}.model", f"missing key {err}") from None
                except ValueError as err:
                    raise _fail(path, f"{where}.model", str(err)) from None
            studies.append(Study(name, entry["key"], entry, target,
                                 entry.get("model_note", "")))
    return studies


@dataclass(frozen=True)
class Instrument:
    """An instrument of the evidence file: its summary of the evidence and its effect-size
    parameters (``[[instrument.parameter]]`` tables: name, low, high, shape, basis)."""

    name: str
    summary: str
    parameters: tuple[dict[str, Any], ...]


def load_instruments(path: Path = EVIDENCE_FILE) -> list[Instrument]:
    """Every instrument of the evidence file, in its order, with or without studies."""
    data = _read(path)
    return [Instrument(str(inst.get("name")), " ".join(str(inst.get("summary", "")).split()),
                       tuple(inst.get("parameter", []))) for inst in data.get("instrument", [])]


def run_studies(studies: Sequence[Study], seeds: Sequence[int], scale: float,
                make_model: Callable[..., Any],
                progress: Callable[[str], None] | None = None) -> list[Study]:
    """Estimate every study with a model target over ``seeds`` (in place; returned)."""
    for study in studies:
        if study.target is not None:
            study.values = estimate(study.target, seeds, scale, make_model, progress)
    return studies


def _number(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _design_text(target: ModelTarget) -> str:
    return {"same_seed": "same firms with and without the instrument (same seed)",
            "matched_did": "recipients against matched non-recipients, difference in differences",
            "per_dollar": "all firms with and without the instrument, per dollar spent",
            "population": "all firms with and without the instrument (same seed), summed "
                          "over the run, percent",
            "innovator_share": "firms present since the start that innovated in the last "
                               "year, with and without the instrument (same seed), points",
            }[target.design] + f"; {target.outcome}, {target.horizon} quarters"


def evidence_markdown(studies: Sequence[Study], seeds: Sequence[int], scale: float,
                      command: str, instruments: Sequence[Instrument] = ()) -> str:
    """The report: a summary count, then per instrument (every one of ``instruments``, in
    their order, and any other the studies name) its summary, its studies' table and its
    effect-size ranges."""
    reproduced = [s for s in studies if s.target is not None]
    within = sum(s.verdict() == "within" for s in reproduced)
    lines = [
        "# Effect sizes against published evaluations", "",
        f"Generated by `{command}` ({len(seeds)} seeds, population scale {scale}). Each "
        "study's estimate is set beside the model's estimate of the same quantity, made the "
        "way the study made it (design, outcome and horizon in the table); the model's "
        "figure is the median across seeds with its 90% band. *within*: the model's median "
        "lies in the published interval (or, where none is published, its band covers the "
        "point estimate). *fit*: the study sets an effect size; *check*: held out.", "",
        f"**{within} of {len(reproduced)}** reproduced estimates are within; "
        f"{len(studies) - len(reproduced)} studies are not reproduced (the reason is given).",
        ""]
    by_instrument: dict[str, list[Study]] = {i.name: [] for i in instruments}
    for s in studies:
        by_instrument.setdefault(s.instrument, []).append(s)
    described = {i.name: i for i in instruments}
    for name, group in by_instrument.items():
        lines += [f"## `{name}`", ""]
        inst = described.get(name)
        if inst is not None and inst.summary:
            lines += [inst.summary, ""]
        if not group:
            lines += ["No published evaluation with an estimate comparable with the model's was "
                      "found (see the summary); the instrument's effect sizes carry the assumed "
                      "ranges below.", ""]
        else:
            lines += ["| Study | Design, country | Published | Model (how) | Model | Verdict "
                      "| Use |", "|---|---|---|---|---|---|---|"]
        for s in group:
            e = s.entry
            point, low, high = s.published
            interval = f" [{_number(low)}, {_number(high)}]" if low is not None else ""
            published = f"{_number(point)}{interval} {s.units}".strip()
            study = f"{e.get('authors', '')} ({e.get('year', '')}), {e.get('venue', '')}"
            design = f"{e.get('design', '')}; {e.get('country', '')}"
            if s.target is None:
                how, model = s.note or "not reproduced", "–"
            else:
                median, lo, hi = s.band()
                how = _design_text(s.target)
                model = f"{_number(median)} [{_number(lo)}, {_number(hi)}]"
            lines.append(f"| {study} | {design} | {published} | {how} | {model} | "
                         f"{s.verdict()} | {e.get('use', '')} |")
        if group:
            lines.append("")
        for s in group:
            if s.verdict() == "outside":
                why = s.entry.get("miss", "").strip()
                lines += [f"*{s.entry.get('authors', s.key)} ({s.entry.get('year', '')}), "
                          f"outside:* {' '.join(why.split()) or 'not yet explained.'}", ""]
        if inst is not None and inst.parameters:
            lines += ["| Effect-size parameter | Range drawn per seed | Shape | Basis |",
                      "|---|---|---|---|"]
            lines += [f"| `{p.get('name')}` | {_number(p.get('low'))}-{_number(p.get('high'))} "
                      f"| {p.get('shape', '')} | {p.get('basis', '')} |"
                      for p in inst.parameters]
            lines.append("")
    return "\n".join(lines)


def write_evidence_report(out: Path, seeds: Sequence[int], scale: float, command: str,
                          make_model: Callable[..., Any], path: Path = EVIDENCE_FILE,
                          progress: Callable[[str], None] | None = None) -> list[Study]:
    """Run every reproducible study and write the report to ``out`` (atomically)."""
    studies = run_studies(load_studies(path), seeds, scale, make_model, progress)
    write_text(out, evidence_markdown(studies, seeds, scale, command, load_instruments(path)))
    return studies
