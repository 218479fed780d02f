"""Every number a mechanism uses is named, says where it comes from, and is listed in the
model description.

The mechanism modules (:data:`sim.reporting.coefficients.MECHANISM_MODULES`) may use bare
numbers only where they are not coefficients: 0, 1 and -1 (identities, flags, "no park"),
tiny guards against division by zero, and the small whole numbers 2 and 3 as sizes (two
countries, three markets) but never in arithmetic or comparisons. Any other number is a
declared parameter or a named constant at the top of its module with a ``#:`` comment that
says what it means and where its value comes from ("assumed", "source: ...", "by definition"
or "implementation: ..."). The table in
docs/model.md is generated from those constants:

    .venv/bin/python -m sim.reporting.coefficients docs/model.md
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.reporting.coefficients import (
    END,
    MECHANISM_MODULES,
    PACKAGE,
    START,
    all_coefficients,
    is_number,
    markdown_table,
    module_coefficients,
)

ROOT = PACKAGE.parent
PAGE = ROOT / "docs" / "model.md"
ARITHMETIC = (ast.BinOp, ast.Compare, ast.AugAssign)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def allowed(node: ast.Constant, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether a bare number in a function is not a coefficient."""
    value = node.value
    parent = parents.get(node)
    if isinstance(parent, ast.UnaryOp):
        value, parent = -value, parents.get(parent)
    if value in (0, 1, -1) or abs(value) <= 1e-6:
        return True
    whole = isinstance(node.value, int)
    return whole and value in (2, 3) and not isinstance(parent, ARITHMETIC)


def bare_numbers(relative: str) -> list[str]:
    """``module:line: value`` of every number inside a function (body or default) of a
    module that is not allowed."""
    source = (PACKAGE / relative).read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents = _parents(tree)
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        for node in ast.walk(func):
            if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
                    and not isinstance(node.value, bool) and not allowed(node, parents)):
                found.append(f"sim/{relative}:{node.lineno}: {ast.unparse(node)}")
    return sorted(set(found), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


@pytest.mark.parametrize("module", MECHANISM_MODULES)
def test_no_bare_coefficient_in_a_mechanism(module):
    found = bare_numbers(module)
    assert not found, ("numbers without a name (declare a parameter or name a constant at "
                       "the top of the module, with its source):\n  " + "\n  ".join(found))


@pytest.mark.parametrize("module", MECHANISM_MODULES)
def test_every_named_coefficient_says_what_it_is_and_where_it_comes_from(module):
    missing = [f"sim/{c.module}:{c.line}: {c.name}" for c in module_coefficients(module)
               if not c.has_source]
    assert not missing, ("constants without a '#:' comment naming their source ('assumed', "
                         "'source: ...', 'by definition', 'implementation: ...'):\n  "
                         + "\n  ".join(missing))


def test_the_checks_catch_what_they_should():
    """The scanner flags a coefficient in arithmetic, a default argument and a threshold,
    and passes identities, guards and sizes."""
    tree = ast.parse("def f(x, k=0.5):\n"
                     "    y = np.zeros((3, 2)) + 1.0 - x * 0.8\n"
                     "    z = x / max(x, 1e-12) if x > 10 else 2 * x\n"
                     "    return y[-1], z, -1\n")
    parents = _parents(tree)
    flagged = sorted(ast.unparse(n) for n in ast.walk(tree)
                     if isinstance(n, ast.Constant) and isinstance(n.value, (int, float))
                     and not allowed(n, parents))
    assert flagged == ["0.5", "0.8", "10", "2"]
    assert is_number(ast.parse("np.array([0.3, 1.0])").body[0].value)
    assert not is_number(ast.parse("'x'").body[0].value)


def test_docs_model_lists_every_named_coefficient():
    text = PAGE.read_text(encoding="utf-8")
    assert START in text and END in text, f"{PAGE} has no coefficient table section"
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == markdown_table(), (
        "docs/model.md's coefficient table is out of date; regenerate it with: "
        ".venv/bin/python -m sim.reporting.coefficients docs/model.md")
    assert len(all_coefficients()) > 50


def test_module_list_covers_every_mechanism_module():
    """A new phase, network or policy module joins the checks by being listed."""
    listed = set(MECHANISM_MODULES)
    for folder in ("phases", "policies", "agents"):
        for path in (PACKAGE / folder).glob("*.py"):
            if path.name != "__init__.py":
                assert f"{folder}/{path.name}" in listed, path
    assert Path(PACKAGE / "network" / "search.py").exists() and "network/search.py" in listed
