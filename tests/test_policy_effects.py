"""Policies change the model only through their declared effects (sim/policies/effects.py):
what runs change.

For every instrument, its bundled scenario runs at a small scale through its first active
quarters and past its end; around each call of every policy's ``step`` all model state is
compared (every firm column, the tie table, shifters, the model's country arrays, parks,
universities, every policy's weight and the others' measurement, the governments' accounts),
and whatever changed must lie within the footprints of the policy's declared effects; every
declared effect must show a change in some quarter. The check is shown to catch a planted
undeclared change. What the code says is checked in test_policy_effects_static.py.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from conftest import SCENARIO_DIR, bundled_spec, fresh_model

from sim.agents.firm import COLUMNS, MATRIX_COLUMNS
from sim.policies import REGISTRY, Policy
from sim.policies.effects import EFFECTS, footprint_of
from sim.policies.sme_subsidy import SmeSubsidy

#: Population scale of the dynamic check (about 450 firms; the venture fund's budget then
#: buys a deal a quarter).
SCALE = 0.3
#: Quarters an instrument acts in the dynamic check before its end; it is then watched for
#: two more quarters (after_end: parks close, reforms unwind, courses finish).
ACTIVE = 5
#: Scenario of an instrument that has no bundled file of its own name.
SCENARIO_OF = {"adaptive_monitoring": "programmes_adaptive"}


# ----------------------------------------------------------------- the dynamic check
def _same(a: Any, b: Any) -> bool:
    """Whether two snapshot values are the same, to the bit (arrays, NaN alike)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def _plain(obj: Any) -> dict[str, Any]:
    """The numbers, strings, arrays and plain containers among an object's attributes."""
    out = {}
    for key, value in vars(obj).items():
        if isinstance(value, np.ndarray):
            out[key] = value.copy()
        elif isinstance(value, (bool, int, float, str, dict, list, tuple, set, frozenset)):
            out[key] = copy.deepcopy(value)
    return out


def snapshot(model: Any, acting: Policy) -> dict[tuple[str, str], Any]:
    """All model state a policy could change, by (kind of state, name); the kinds are the
    fields of :class:`sim.policies.effects.Footprint` (and ``model``, ``firms``: nothing may
    change those)."""
    f, g = model.firms, model.graph
    t = g.ties
    state: dict[tuple[str, str], Any] = {
        ("firm_columns", name): f[name].copy() for name in (*COLUMNS, *MATRIX_COLUMNS)}
    state["firms", "ids"] = f.ids.copy()
    live = t.alive[: t.size].copy()
    state["ties", "_slots"] = (live, t.a[: t.size].copy(), t.b[: t.size].copy())
    for name in ("kind", "strength", "born", "cross", "supplier"):
        state["ties", name] = getattr(t, name)[: t.size].copy()
    state["ties", "nodes"] = g.number_of_nodes()
    state["ties", "_edges"] = g.number_of_edges()
    for field in fields(model.shifters):
        state["shifters", field.name] = getattr(model.shifters, field.name).copy()
    for key, value in vars(model).items():
        if isinstance(value, (np.ndarray, float)):
            state["country_arrays", key] = copy.copy(value)
    state["model", "risks"] = dict(model.risks)
    state["model", "params"] = dict(model.params)
    state["parks", "added"] = (len(model.parks), len(model.agents), model.agent_id_counter)
    for park in model.parks:
        for key, value in _plain(park).items():
            state["parks", f"{key} {park.unique_id}"] = value
    for uni in model.universities:
        for key, value in _plain(uni).items():
            state["universities", f"{key} {uni.unique_id}"] = value
    for policy in model.policies:
        state["policies", "weight"] = (*state.get(("policies", "weight"), ()), policy.weight)
        state["policies", "values"] = (*state.get(("policies", "values"), ()),
                                       dict(policy.values))
        if policy is not acting:  # its own measurement is its own bookkeeping
            state["policies", "recipients"] = (*state.get(("policies", "recipients"), ()),
                                               frozenset(policy.recipients))
            state["policies", "spent"] = (*state.get(("policies", "spent"), ()), policy.spent)
    for code, gov in model.governments.items():
        state["governments", f"spending {code}"] = (
            gov.spent_this_step, gov.spent_total, dict(gov.spent_by_policy))
        state["governments", f"balance {code}"] = gov.balance
        state["governments", f"taxes {code}"] = (
            gov.collected_this_step, gov.collected_total, gov.foregone_this_step,
            gov.foregone_total)
    return state


def changes(before: dict[tuple[str, str], Any], after: dict[tuple[str, str], Any]
            ) -> set[tuple[str, str]]:
    """What changed between two snapshots, as (kind, name) in the terms of the footprints:
    ties ``formed``, ``removed`` and the columns of ties that were there before and are
    still there; a new park is ``added`` (its attributes are new, not changed)."""
    found = set()
    for key in before.keys() | after.keys():
        if key[0] == "ties" or _same(before.get(key), after.get(key)) \
                or key[0] == "parks" and key not in before:
            continue
        kind, name = key
        found.add((kind, name.split(" ")[0]))
    alive0, a0, b0 = before["ties", "_slots"]
    alive1, a1, b1 = after["ties", "_slots"]
    n = alive0.size
    kept = alive0 & alive1[:n] & (a0 == a1[:n]) & (b0 == b1[:n])
    if (alive0 & ~kept).any():
        found.add(("ties", "removed"))
    if alive1[n:].any() or (alive1[:n] & ~kept).any():
        found.add(("ties", "formed"))
    for name in ("kind", "strength", "born", "cross", "supplier"):
        if not _same(before["ties", name][kept], after["ties", name][:n][kept]):
            found.add(("ties", name))
    if before["ties", "nodes"] != after["ties", "nodes"]:
        found.add(("ties", "nodes"))
    if before["ties", "_edges"] != after["ties", "_edges"] \
            and not found & {("ties", "formed"), ("ties", "removed")}:
        found.add(("ties", "count"))  # the graph and its tie table out of step
    return found


def allowed(policy: Policy) -> set[tuple[str, str]]:
    """What the policy's declared effects may change, as (kind, name)."""
    return {(kind, name) for kind, names in footprint_of(policy.effects).items()
            for name in names}


def watch(model: Any) -> list[tuple[int, Policy, set[tuple[str, str]]]]:
    """Record, for every call of a policy's ``step`` from now on, the quarter, the policy and
    what the call changed."""
    log: list[tuple[int, Policy, set[tuple[str, str]]]] = []
    for policy in model.policies:
        def step(m: Any, policy: Policy = policy, original: Any = policy.step) -> None:
            before = snapshot(m, policy)
            original(m)
            log.append((m.quarter, policy, changes(before, snapshot(m, policy))))
        policy.step = step
    return log


def violations(log: list[tuple[int, Policy, set[tuple[str, str]]]]) -> list[str]:
    """Each change outside the footprints of the changing policy's declared effects."""
    return [f"quarter {q}: {policy.name} changed {kind} '{name}', outside its effects "
            f"{policy.effects}" for q, policy, changed in log
            for kind, name in sorted(changed - allowed(policy))]


def watched_run(name: str, patch: Any = None) -> list[tuple[int, Policy, set[tuple[str, str]]]]:
    """The bundled scenario of instrument ``name`` at a small scale, with the instrument
    ending after ``ACTIVE`` quarters, run quarter by quarter with every policy watched from
    the quarter before it first acts until two quarters after its end."""
    stem = SCENARIO_OF.get(name, name)
    spec = bundled_spec(stem, SCALE)
    starts = []
    for entry in spec["policies"]:
        if entry["type"] == name:
            start = entry.get("start", 1)
            entry["end"] = start + ACTIVE - 1
            starts.append(start)
    assert starts, f"scenarios/{stem}.toml has no {name}"
    model = fresh_model(spec, seed=1)
    if patch is not None:
        patch(model)
    while model.quarter < min(starts) - 1:
        model.step()
    log = watch(model)
    while model.quarter < max(starts) + ACTIVE + 1:
        model.step()
    return log


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_policy_changes_only_what_its_effects_may(name: str) -> None:
    assert (SCENARIO_DIR / f"{SCENARIO_OF.get(name, name)}.toml").is_file()
    log = watched_run(name)
    found = violations(log)
    assert not found, "\n".join(found)
    acted = set().union(*(c for _, p, c in log if p.name == name))
    assert acted, f"{name} changed nothing in its quarters: the check saw no effect"
    unused = [e for e in REGISTRY[name].effects
              if not any((kind, n) in acted for kind, names in EFFECTS[e].footprint.items()
                         for n in names)]
    assert not unused, f"{name}: no quarter showed a change of its effects {unused}"


def test_the_dynamic_check_catches_an_undeclared_change(monkeypatch) -> None:
    """A subsidy that also writes firms' cash, and one that also lowers the administrative
    barrier, are caught; so is a weight set on another policy."""
    original = SmeSubsidy.apply

    def apply(self: SmeSubsidy, model: Any) -> None:
        original(self, model)
        model.firms["cash"][:3] += 1.0
        model.admin_barrier[0] *= 0.5
        model.universities[0].graduate_skill += 0.01

    monkeypatch.setattr(SmeSubsidy, "apply", apply)
    found = violations(watched_run("sme_subsidy"))
    assert found
    assert {line.split(" changed ")[1].split(",")[0] for line in found} == {
        "firm_columns 'cash'", "country_arrays 'admin_barrier'",
        "universities 'graduate_skill'"}


def test_the_dynamic_check_sees_ties_formed_and_dissolved() -> None:
    """The comparison of the tie table tells new ties, dissolved ties and changed columns of
    the ties that stay apart."""
    model = fresh_model(bundled_spec("baseline", SCALE), seed=1)
    policy = SmeSubsidy()
    g, t = model.graph, model.graph.ties
    before = snapshot(model, policy)
    slot = int(t.live()[0])
    g.remove_edge(int(t.a[slot]), int(t.b[slot]))
    assert changes(before, snapshot(model, policy)) == {("ties", "removed")}
    before = snapshot(model, policy)
    firms = model.firms.ids
    pairs = [(int(a), int(b)) for a, b in zip(firms[:20], firms[1:21], strict=True)
             if not g.has_edge(int(a), int(b))]
    g.add_edge(*pairs[0], kind="supply", strength=0.5)
    assert changes(before, snapshot(model, policy)) == {("ties", "formed")}
    before = snapshot(model, policy)
    t.strength[int(t.live()[0])] *= 0.5
    assert changes(before, snapshot(model, policy)) == {("ties", "strength")}
