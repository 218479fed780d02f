"""Policies change the model only through their declared effects (sim/policies/effects.py):
what the code of the policies says.

* **Static.** No policy module but ``effects.py`` writes model state: no assignment (plain,
  augmented or deleting) into something rooted at ``model`` or at a local bound to a part of
  it (``f = model.firms``, ``t = g.ties``, ``for uni in model.universities``), no attribute
  of another object than ``self`` set (``uni.graduate_skill = ...``, ``p.weight = ...``), no
  in-place numpy call on model state (``np.add.at``, ``np.copyto``, ``out=``), no mutating
  method called on model state or on another object's attribute (``model.parks.append``,
  ``p.recipients.clear()``), and no call of the model's own changing functions (``settle``,
  ``grant_reliefs``, ``add_new_ties``, ``add_park``, ...) other than through ``effects``.
  Each class declares exactly the effects its code calls.
* **Declarations.** Every declared effect is one the registry knows; a class declaring an
  unknown one cannot be defined, and a call of an undeclared effect fails.

What runs change is checked in test_policy_effects.py. Each check is shown to catch a planted
violation.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.policies import REGISTRY, Policy, effects
from sim.policies.effects import EFFECTS, UndeclaredEffect, footprint_of
from sim.policies.sme_subsidy import SmeSubsidy

POLICY_DIR = Path(effects.__file__).parent


# ----------------------------------------------------------------- the static check
#: Functions of the model's own modules that change its state (a policy uses effects instead;
#: it may not even import them, under any name).
CHANGING_FUNCTIONS = frozenset({
    "settle", "grant_reliefs", "charge_import_vat", "book_taxes", "add_new_ties", "add_tie",
    "add_park", "close_park"})
#: Calls that change the model besides those functions: new agents register with the model.
CHANGING_CALLS = CHANGING_FUNCTIONS | {"Park", "University", "Government", "Firm", "setattr",
                                       "delattr"}
#: Methods that change the object they are called on (containers, arrays, the graph, the tie
#: table, the firm table, governments, policies).
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "add",
    "discard", "setdefault", "fill", "put", "sort", "resize", "itemset", "partition",
    "add_node", "add_nodes_from", "add_edge", "add_edges_from", "remove_edge",
    "remove_edges_from", "remove_node", "remove_nodes_from", "form", "form_new",
    "discard_ties", "discard_nodes", "set_kind", "new", "new_many", "free", "free_many",
    "spend", "collect", "reset", "reset_flows", "reset_accounts", "start_quarter", "set",
    "resolve_defaults", "initialize", "step", "apply", "after_end", "finalize"})
#: numpy functions that write into their first argument.
IN_PLACE_NUMPY = frozenset({"copyto", "put", "putmask", "place", "fill_diagonal",
                            "put_along_axis"})


def _root(node: ast.AST) -> ast.AST:
    """The start of an attribute/subscript chain (``model`` of ``model.firms["x"][rows]``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node


def _has_attribute(node: ast.AST) -> bool:
    """Whether a chain goes through an attribute (``p.weight``, ``p.recipients[0]``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        if isinstance(node, ast.Attribute):
            return True
        node = node.value
    return False


def _names(target: ast.AST) -> list[ast.AST]:
    """The single targets of a (possibly unpacking) target."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _names(elt)]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return [target]


def _bindings(func: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(target, value) of every binding in a function: assignments (tuples pairwise), loop
    and comprehension targets (bound to their iterable), ``with ... as`` and ``:=``."""
    pairs: list[tuple[ast.AST, ast.AST]] = []

    def pair(target: ast.AST, value: ast.AST) -> None:
        if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)):
            for t, v in zip(target.elts, value.elts, strict=True):
                pair(t, v)
        else:
            pairs.extend((name, value) for name in _names(target))

    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pair(target, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            pair(node.target, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            pair(node.target, node.iter)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pair(node.optional_vars, node.context_expr)
    return pairs


def _model_locals(func: ast.AST) -> set[str]:
    """``model`` and the locals bound to a part of it, directly or through each other."""
    derived = {"model"}
    pairs = [(t.id, v) for t, v in _bindings(func) if isinstance(t, ast.Name)]
    grown = True
    while grown:
        grown = False
        for name, value in pairs:
            root = _root(value)
            if name not in derived and isinstance(root, ast.Name) and root.id in derived:
                derived.add(name)
                grown = True
    return derived


def _written(target: ast.AST, derived: set[str]) -> str | None:
    """Why writing into ``target`` changes state a policy does not own (None if it does not)."""
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return None
    root = _root(target)
    if not isinstance(root, ast.Name):
        return "writes into the result of an expression"
    if root.id in derived:
        return f"writes model state ({ast.unparse(target)})"
    if root.id != "self" and _has_attribute(target):
        return f"sets an attribute of another object ({ast.unparse(target)})"
    return None


def _called(call: ast.Call, derived: set[str]) -> str | None:
    """Why a call changes state a policy does not own (None if it does not)."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "effects":
        return None  # the declared way
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")

    def on_model(node: ast.AST) -> bool:
        root = _root(node)
        return isinstance(root, ast.Name) and root.id in derived and root is not node \
            or isinstance(node, ast.Name) and node.id in derived and node.id != "model"

    if name in CHANGING_CALLS:
        return f"calls {name}, which changes the model"
    first = call.args[0] if call.args else None
    if first is not None and on_model(first) and (
            name in IN_PLACE_NUMPY or name == "at" and isinstance(func, ast.Attribute)):
        return f"changes model state in place ({ast.unparse(func)} on {ast.unparse(first)})"
    for kw in call.keywords:
        if kw.arg == "out" and on_model(kw.value):
            return f"writes model state through out= ({ast.unparse(kw.value)})"
    if isinstance(func, ast.Attribute) and name in MUTATING_METHODS:
        owner = func.value
        root = _root(owner)
        if isinstance(root, ast.Name) and (
                root.id in derived or root.id != "self" and _has_attribute(owner)):
            return f"changes {ast.unparse(owner)} by .{name}()"
    return None


def model_writes(source: str, where: str = "<source>") -> list[str]:
    """``where:line: reason`` of every change of state a policy does not own, in the
    functions of a module's source."""
    tree = ast.parse(source)
    found = {f"{where}:{node.lineno}: imports {alias.name}, which changes the model"
             for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             for alias in node.names if alias.name in CHANGING_FUNCTIONS}
    outer = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(m) for n in outer for m in ast.walk(n) if m is not n}
    for func in (n for n in outer if id(n) not in inner):
        derived = _model_locals(func)
        for node in ast.walk(func):
            reasons: list[str | None] = []
            if isinstance(node, ast.Assign):
                reasons = [_written(t, derived) for target in node.targets
                           for t in _names(target)]
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and (
                    not isinstance(node, ast.AnnAssign) or node.value is not None):
                reasons = [_written(node.target, derived)]
            elif isinstance(node, ast.Delete):
                reasons = [_written(t, derived) for t in node.targets]
            elif isinstance(node, ast.Call):
                reasons = [_called(node, derived)]
            found.update(f"{where}:{node.lineno}: {r}" for r in reasons if r)
    return sorted(found, key=lambda s: int(s.split(":")[1]))


def policy_modules() -> list[Path]:
    """Every policy module but the effects themselves."""
    return sorted(p for p in POLICY_DIR.glob("*.py") if p.name != "effects.py")


@pytest.mark.parametrize("path", policy_modules(), ids=lambda p: p.name)
def test_no_policy_module_writes_model_state(path: Path) -> None:
    found = model_writes(path.read_text(encoding="utf-8"), f"sim/policies/{path.name}")
    assert not found, ("policies change the model only through sim/policies/effects.py; "
                       "direct changes:\n  " + "\n  ".join(found))


PLANTED = '''
from sim.phases.parks import close_park as shut  # planted
def apply(self, model):
    f, rng = model.firms, model.rng
    g = model.graph
    t = g.ties
    brand, idx = f["brand"], np.array(members)
    strength = t.strength
    model.firms["cash"][0] = 1.0  # planted
    f["cash"][rows] += 1.0  # planted
    t.strength[slots] = 0.8  # planted
    strength[slots] = 1.0  # planted
    brand[idx] = 0.0  # planted
    model.shifters.matching[0] += 0.3  # planted
    model.trade_cost[:, 1] = 0.0  # planted
    del model.parks[0]  # planted
    np.add.at(f["grant"], rows, 1.0)  # planted
    np.copyto(model.admin_barrier, barrier)  # planted
    np.maximum(a, b, out=f["debt"])  # planted
    for uni in model.universities:
        uni.graduate_skill = 0.5  # planted
        uni.kfield[0] += 1.0  # planted
    for p in self.programmes(model):
        p.weight = 2.0  # planted
        p.recipients.clear()  # planted
    settle(model, 1.0, rows=rows)  # planted
    add_new_ties(model, a, b, "rnd")  # planted
    park = Park(model, "p", "AZ", "industrial", "any", 1, {}, 4, 0.5)  # planted
    model.parks.append(park)  # planted
    g.remove_edges_from(pairs)  # planted
    model.governments["AZ"].spend(1.0, "x")  # planted
    model.policies[0].set("budget", 0.0)  # planted
'''

ALLOWED = '''
def apply(self, model):
    f = model.firms
    self.progress[0] = 1.0
    self.stock *= 0.5
    self.portfolio.update(f.ids[rows].tolist())
    self.parks[code] = park
    free = np.ones(f.n, dtype=bool)
    free[rows] = False
    members = []
    members.append(1)
    members += [2]
    rows = f.rows_of(ids)
    rows[rows < 0] = 0
    draws = model.rng.random(f.n)
    effects.fund_investment(model, self, rows, 1.0, 2.0)
    effects.close_park(model, self, park)
    self.pay(model, "AZ", 1.0)
    super().step(model)
'''


def test_the_static_check_catches_planted_writes() -> None:
    """Each planted change is flagged, on its own line; the policy's own bookkeeping, local
    arrays, random draws and effects are not."""
    planted = textwrap.dedent(PLANTED)
    lines = [i for i, line in enumerate(planted.splitlines(), 1) if "# planted" in line]
    flagged = sorted({int(s.split(":")[1]) for s in model_writes(planted)})
    assert flagged == lines, model_writes(planted)
    assert model_writes(textwrap.dedent(ALLOWED)) == []
    # the effects module is where the writes are: the check sees them there
    assert len(model_writes((POLICY_DIR / "effects.py").read_text(encoding="utf-8"))) > 20


def test_the_static_check_catches_a_write_planted_in_a_policy() -> None:
    path = POLICY_DIR / "sme_subsidy.py"
    source = path.read_text(encoding="utf-8")
    anchor = "            effects.count_supported(model, self, winners)\n"
    assert anchor in source
    planted = source.replace(anchor, anchor + '            f["cash"][winners] += 1.0\n')
    line = planted.splitlines().index('            f["cash"][winners] += 1.0') + 1
    assert model_writes(source) == []
    assert model_writes(planted) == [f"<source>:{line}: writes model state "
                                     "(f['cash'][winners])"]


# ----------------------------------------------------------------- the declarations
def test_every_declared_effect_is_registered() -> None:
    for name, cls in REGISTRY.items():
        assert cls.effects, f"{name} declares no effects"
        unknown = [e for e in cls.effects if e not in EFFECTS]
        assert not unknown, f"{name} declares unknown effects {unknown}"
        assert len(set(cls.effects)) == len(cls.effects), f"{name} declares an effect twice"
    for effect in EFFECTS.values():
        assert effect.doc and effect.footprint.items(), effect.name
        assert getattr(effects, effect.name).__doc__, effect.name


def test_a_class_declaring_an_unknown_effect_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown effects"):
        type("Teleporter", (Policy,), {"effects": ("teleport",)})


def test_an_undeclared_effect_is_refused() -> None:
    """The check comes before the effect touches anything (here: no model at all)."""
    with pytest.raises(UndeclaredEffect, match="reform_approvals"):
        effects.reform_approvals(None, SmeSubsidy(), np.zeros(2), np.ones(2))


def _effects_called(cls: type) -> set[str]:
    """The effects the code of a policy class and of its policy bases calls (``pay`` and
    ``pay_delivered`` book through ``spend``)."""
    used = set()
    for klass in cls.__mro__:
        if not (isinstance(klass, type) and issubclass(klass, Policy)) or klass is Policy:
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name):
                owner, attr = node.func.value.id, node.func.attr
                if owner == "effects":
                    used.add(attr)
                elif owner == "self" and attr in ("pay", "pay_delivered"):
                    used.add("spend")
    return used


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_each_policy_declares_the_effects_its_code_uses(name: str) -> None:
    cls = REGISTRY[name]
    assert set(cls.effects) == _effects_called(cls), (
        f"{name}: declared {sorted(cls.effects)}, its code uses "
        f"{sorted(_effects_called(cls))}")


# ----------------------------------------------------------------- outcomes and capabilities
def test_outcome_and_capability_columns_are_known_columns():
    from sim.agents.firm import CAPABILITY_COLUMNS, COLUMNS, MATRIX_COLUMNS, OUTCOME_COLUMNS

    known = set(COLUMNS) | set(MATRIX_COLUMNS)
    assert OUTCOME_COLUMNS <= known and CAPABILITY_COLUMNS <= known
    assert not OUTCOME_COLUMNS & CAPABILITY_COLUMNS


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_no_policy_may_write_an_outcome_or_a_capability(name):
    """A policy changes what firms can do, what it costs them or what they know; firms
    decide. So no effect a policy declares may write a column of what firms achieve (sales,
    exports, output, jobs, prices, markets entered) or of what they can do (skill, equipment,
    management, delivery discipline, quality, brand, knowledge, R&D plans). Together with
    test_policy_effects.py (what a policy's step changes lies within its declared effects'
    footprints) no policy writes one."""
    from sim.agents.firm import CAPABILITY_COLUMNS, OUTCOME_COLUMNS

    written = footprint_of(REGISTRY[name].effects).firm_columns
    assert not written & OUTCOME_COLUMNS, sorted(written & OUTCOME_COLUMNS)
    assert not written & CAPABILITY_COLUMNS, sorted(written & CAPABILITY_COLUMNS)


def test_the_outcome_check_catches_a_planted_write():
    from sim.agents.firm import CAPABILITY_COLUMNS

    written = footprint_of(("spend", "transfer_cash")).firm_columns | {"mgmt"}
    assert written & CAPABILITY_COLUMNS == {"mgmt"}
