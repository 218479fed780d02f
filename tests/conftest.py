"""Shared helpers for the model tests: small scenarios, cached runs, indicator look-ups.

Runs are expensive compared with assertions, so :func:`run_spec` caches finished models for
the whole session, keyed by the scenario dict, seed and horizon. A cached model is shared:
tests must only read it (indicators, firm columns, graph), never step or modify it. Tests
that need to step a model themselves call :func:`fresh_model`.

Helpers are plain functions (``from conftest import run_spec``) so parametrised tables of
mechanisms and policies can use them at collection time.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import ClusterModel
from sim.indicators import COUNTRY_KEYS
from sim.inputs.scenario import Scenario, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
#: A message missing from a catalogue fails the test that writes it (sim.i18n), not only the
#: catalogue tests; worker processes inherit the setting.
os.environ["CLUSTERSIM_I18N_STRICT"] = "1"
SCENARIO_DIR = ROOT / "scenarios"
BUNDLED = ("baseline", "sme_subsidy", "tax_break", "technopark")
#: Population scale of the mechanism and policy tests (about 450 firms instead of 1,500).
SMALL = 0.3
#: Seeds of paired policy-vs-control comparisons: the same seeds on both sides.
SEEDS = (1, 2, 3)


def spec(model: dict[str, Any] | None = None, countries: dict[str, Any] | None = None,
         policies: list[dict[str, Any]] | None = None, scale: float = SMALL,
         name: str = "test", risks: dict[str, Any] | None = None) -> dict[str, Any]:
    """A scenario dict (as parsed from TOML) at a small population scale."""
    d: dict[str, Any] = {"name": name, "model": {"firm_scale": scale, **(model or {})}}
    if countries:
        d["countries"] = countries
    if risks:
        d["risks"] = risks
    if policies:
        d["policies"] = policies
    return d


def both(**values: Any) -> dict[str, dict[str, Any]]:
    """The same country values for AZ and BY (a ``countries`` section)."""
    return {"AZ": dict(values), "BY": dict(values)}


def bundled_spec(stem: str, scale: float = SMALL) -> dict[str, Any]:
    """A bundled scenario file as a dict, with ``firm_scale`` set."""
    import tomllib

    data = tomllib.loads((SCENARIO_DIR / f"{stem}.toml").read_text())
    data.setdefault("model", {})["firm_scale"] = scale
    return data


def scenario(d: dict[str, Any]) -> Scenario:
    """Validate a scenario dict (a deep copy, so the caller's dict is untouched)."""
    return scenario_from_dict(copy.deepcopy(d), source="<test>")


def bundled(stem: str, scale: float | None = None) -> Scenario:
    """A bundled scenario loaded from its file, optionally at another population scale."""
    s = load_scenario(SCENARIO_DIR / f"{stem}.toml")
    return s if scale is None else s.with_model(firm_scale=scale)


def fresh_model(d: dict[str, Any] | Scenario, seed: int) -> ClusterModel:
    """A new, unstepped model (not cached; the caller may step and modify it)."""
    return ClusterModel(d if isinstance(d, Scenario) else scenario(d), seed=seed)


#: Population scale of the tests that set up a rule's state by hand (about 150 firms).
SMALL_SCALE = 0.1


def small_model(**model_values: Any) -> ClusterModel:
    """A fresh small model (``SMALL_SCALE``, seed 1) after its warm-up, with ``model_values``
    in its model section."""
    return fresh_model(spec(model=model_values, scale=SMALL_SCALE), seed=1)


@functools.cache
def _cached(key: str, seed: int, steps: int) -> ClusterModel:
    model = fresh_model(json.loads(key), seed)
    for _ in range(steps):
        model.step()
    return model


def run_spec(d: dict[str, Any], seed: int, steps: int) -> ClusterModel:
    """A model of scenario dict ``d`` run ``steps`` quarters (cached for the session: read
    only)."""
    return _cached(json.dumps(d, sort_keys=True), seed, steps)


def series(model: ClusterModel, name: str, country: str = "JOINT") -> np.ndarray:
    """One indicator over the recorded quarters 0..t of a model."""
    arr = model.indicator_array()
    return arr[:, COUNTRY_KEYS.index(country), model.indicator_names().index(name)]


def indicator(model: ClusterModel, name: str, country: str = "JOINT",
              agg: str = "last") -> float:
    """An indicator at the horizon (``last``), summed (``sum``) or averaged (``mean``) over
    quarters 1..t (quarter 0 is the state before any policy acted), or summed over the second
    half of the run (``sum_late``, once start-up transients have passed)."""
    v = series(model, name, country)
    if agg == "last":
        return float(v[-1])
    if agg == "sum":
        return float(np.nansum(v[1:]))
    if agg == "sum_late":
        return float(np.nansum(v[len(v) // 2 + 1:]))
    if agg == "mean":
        return float(np.nanmean(v[1:]))
    raise ValueError(agg)


Metric = Callable[[ClusterModel], float]


def paired(control: dict[str, Any], treated: dict[str, Any], metric: Metric, steps: int,
           seeds: Sequence[int] = SEEDS) -> list[tuple[int, float, float]]:
    """``(seed, control value, treated value)`` for each seed, same seeds on both sides."""
    return [(s, metric(run_spec(control, s, steps)), metric(run_spec(treated, s, steps)))
            for s in seeds]


def rel(b: float, a: float) -> float:
    """Relative change from ``b`` to ``a`` (NaN when ``b`` is 0)."""
    return a / b - 1.0 if b else math.nan


def describe(rows: list[tuple[int, float, float]]) -> str:
    """Paired results as text for assertion messages."""
    return "; ".join(f"seed {s}: {b:.6g} -> {a:.6g} ({100 * rel(b, a):+.1f}%)"
                     for s, b, a in rows)


def assert_rel_between(rows: list[tuple[int, float, float]], lo: float, hi: float,
                       what: str) -> None:
    """Every seed's paired relative change lies in ``[lo, hi]``."""
    changes = [rel(b, a) for _, b, a in rows]
    ok = all(math.isfinite(c) and lo <= c <= hi for c in changes)
    assert ok, (f"{what}: expected a change between {100 * lo:+.0f}% and {100 * hi:+.0f}% "
                f"for every seed, got {describe(rows)}")


def pooled(rows: list[tuple[int, float, float]]) -> list[tuple[str, float, float]]:
    """Paired results summed over the seeds, as one row: for effects that are real but small
    next to one seed's noise (a measure summed over seeds, control and treated alike)."""
    return [("pooled", sum(b for _, b, _ in rows), sum(a for _, _, a in rows))]


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    """The folder of the bundled scenario files."""
    return SCENARIO_DIR


# ------------------------------------------------------------------ scenario files and the CLI
def toml_value(value: Any) -> str:
    """A value in TOML syntax (tables inline), for writing generated scenario files."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = "".join(
            "\\\\" if c == "\\" else '\\"' if c == '"'
            else f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
            for c in value)
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def toml_text(data: dict[str, Any]) -> str:
    """A scenario dict as TOML text: one ``key = value`` line per top-level key."""
    return "".join(f"{toml_value(str(k))} = {toml_value(v)}\n" for k, v in data.items())


def run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """``clustersim ARGV`` in this process: (exit code, stdout, stderr).

    Output goes through strict UTF-8 streams, as on a terminal, so printing something a
    terminal cannot take fails the test instead of passing unnoticed. Argument errors, which
    argparse reports by raising SystemExit, give their exit code like any other.
    """
    import contextlib
    import io

    from sim.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8"))
    return code, texts[0], texts[1]


def assert_usage_error(code: int, err: str, fragments: Sequence[str] = ()) -> str:
    """Exit code 2 and exactly one line on stderr, with no traceback, holding every fragment.
    Returns the line."""
    lines = err.strip().splitlines()
    assert code == 2, f"exit code {code}, stderr:\n{err}"
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    assert "error: " in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} missing from: {lines[0]}"
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) below ``folder``."""
    found: dict[str, bytes | None] = {}
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            found[os.path.relpath(os.path.join(root, d), folder)] = None
        for f in files:
            path = os.path.join(root, f)
            found[os.path.relpath(path, folder)] = Path(path).read_bytes()
    return found


def sigint_as_in_a_terminal() -> None:
    """``preexec_fn`` of a command a test stops with Ctrl-C (SIGINT): in the child, before it
    starts, SIGINT does what it does in a terminal. Without it, tests run in a background job
    (``pytest ... &``, ``nohup``: a shell without job control starts those with SIGINT
    ignored) would start the command with SIGINT ignored too, and Python keeps it ignored:
    the command would never see the Ctrl-C."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
