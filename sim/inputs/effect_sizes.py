"""What is not known about effect sizes, drawn per seed: each policy's effect-size parameters
have a range in ``sim/data/evidence.toml`` (``[[instrument.parameter]]``: low, high, shape,
basis); :func:`with_drawn_effect_sizes` gives a scenario whose policies take, for one seed,
a value of each drawn from its range. The draw depends on the seed, the policy's type and the
parameter alone (common random numbers: a scenario and its reference that share a policy
draw the same values for a seed, whatever else runs), and a parameter the scenario sets
itself is never drawn."""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.inputs.scenario import Scenario

#: The evidence file.
EVIDENCE_FILE = Path(__file__).resolve().parents[1] / "data" / "evidence.toml"
#: Shapes a range may have: uniform, triangular (its mode is the declared default) or
#: loguniform (positive bounds).
SHAPES = ("uniform", "triangular", "loguniform")


@dataclass(frozen=True)
class EffectRange:
    """One effect-size parameter's range."""

    policy: str
    name: str
    low: float
    high: float
    shape: str
    basis: str

    def value(self, u: float, default: float) -> float:
        """The value at quantile ``u`` (0-1) of the range."""
        lo, hi = self.low, self.high
        if self.shape == "loguniform":
            return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        if self.shape == "triangular":
            mode = min(max(default, lo), hi)
            if hi == lo:
                return lo
            cut = (mode - lo) / (hi - lo)
            if u < cut:
                return lo + math.sqrt(u * (hi - lo) * (mode - lo))
            return hi - math.sqrt((1 - u) * (hi - lo) * (hi - mode))
        return lo + u * (hi - lo)


def _fail(path: Path, key: str, message: str) -> Exception:
    from sim.inputs.scenario import ScenarioError  # (scenario.py imports the policies)

    return ScenarioError(str(path), key, message)


@functools.cache
def effect_ranges(path: Path = EVIDENCE_FILE) -> dict[str, tuple[EffectRange, ...]]:
    """Policy type -> its effect-size ranges, checked against the declarations: a known
    policy and parameter, a known shape, low <= default <= high within the declared bounds.
    Raises ScenarioError naming the file and the key."""
    from sim.policies import REGISTRY

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(path, "-", "no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise _fail(path, "-", f"not valid TOML: {err}") from None
    out: dict[str, tuple[EffectRange, ...]] = {}
    for n, inst in enumerate(data.get("instrument", [])):
        policy = inst.get("name")
        if policy not in REGISTRY:
            raise _fail(path, f"instrument[{n}].name", f"{policy!r} is not a policy; allowed: "
                        f"{', '.join(sorted(REGISTRY))}")
        declared = REGISTRY[policy].declared()
        ranges = []
        for m, p in enumerate(inst.get("parameter", [])):
            key = f"instrument '{policy}' parameter[{m}]"
            name = p.get("name")
            if name not in declared or declared[name].kind not in (int, float):
                raise _fail(path, f"{key}.name", f"{name!r} is not a numeric parameter of "
                            f"'{policy}'")
            d = declared[name]
            shape = p.get("shape", "uniform")
            if shape not in SHAPES:
                raise _fail(path, f"{key}.shape", f"{shape!r}; allowed: {', '.join(SHAPES)}")
            try:
                low, high = float(p["low"]), float(p["high"])
            except (KeyError, TypeError, ValueError):
                raise _fail(path, key, "needs numbers 'low' and 'high'") from None
            if not (d.low <= low <= d.default <= high <= d.high):
                raise _fail(path, key, f"[{low}, {high}] must hold the default {d.default} "
                            f"and lie in the declared [{d.low}, {d.high}]")
            if shape == "loguniform" and low <= 0:
                raise _fail(path, f"{key}.low", "a loguniform range needs low > 0")
            ranges.append(EffectRange(policy, name, low, high, shape, str(p.get("basis", ""))))
        out[policy] = tuple(ranges)
    return out


def quantile(seed: int, policy: str, name: str) -> float:
    """The seed's uniform draw (0-1) for one parameter of one policy type: a function of the
    three alone."""
    key = zlib.crc32(f"{policy}.{name}".encode())
    return float(np.random.default_rng([int(seed), key]).random())


def drawn_values(scenario: Scenario, seed: int) -> list[tuple[int, str, str, float]]:
    """(policy index, policy type, parameter, value) of every effect size drawn for
    ``scenario`` and ``seed``."""
    from sim.policies import REGISTRY

    ranges = effect_ranges()
    out = []
    for index, (kind, _) in enumerate(scenario.policies):
        given = scenario.explicit[index] if index < len(scenario.explicit) else frozenset()
        declared = REGISTRY[kind].declared()
        for r in ranges.get(kind, ()):
            if r.name in given:
                continue
            d = declared[r.name]
            value = r.value(quantile(seed, kind, r.name), float(d.default))
            out.append((index, kind, r.name, round(value) if d.kind is int else value))
    return out


def with_drawn_effect_sizes(scenario: Scenario, seed: int) -> Scenario:
    """``scenario`` with its policies' effect sizes drawn for ``seed`` (see the module)."""
    draws = drawn_values(scenario, seed)
    if not draws:
        return scenario
    policies = [(kind, dict(values)) for kind, values in scenario.policies]
    for index, _, name, value in draws:
        policies[index][1][name] = value
    return dataclasses.replace(scenario, policies=policies)


def draw_table(scenarios: list[Scenario], seeds: list[int]) -> list[dict[str, Any]]:
    """Rows (scenario, seed, policy, parameter, value) of every value drawn for these runs."""
    return [{"scenario": s.name, "seed": seed, "policy": kind, "parameter": name,
             "value": value}
            for s in scenarios for seed in seeds for _, kind, name, value
            in drawn_values(s, seed)]
