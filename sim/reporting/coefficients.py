"""The named coefficients of the model's mechanisms, read from the code, for the model
description.

Every number a mechanism uses is either a declared parameter (``sim/inputs/params.py``,
``sim/data/countries.toml``, a policy's ``param_specs``: users may vary those) or a named
constant at the top of the module of its phase, with a ``#:`` comment above it that says what
it means and where its value comes from (``assumed``, ``source:`` and the citation, ``by
definition`` or ``implementation:``; see :data:`SOURCE_MARKER`). This
module reads those constants and comments straight from the source files, so the table in
``docs/model.md`` is generated, never typed:

    .venv/bin/python -m sim.reporting.coefficients docs/model.md

rewrites the part of the page between ``<!-- coefficients -->`` and ``<!-- /coefficients -->``.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sim.reporting.files import write_text

PACKAGE = Path(__file__).resolve().parents[1]
#: The modules of the model's mechanisms (and the indicator formulas), whose numbers must all
#: be named (package-relative).
MECHANISM_MODULES = (
    "model.py",
    "indicators.py",
    "competition.py",
    "population.py",
    "agents/firm.py",
    "agents/government.py",
    "agents/park.py",
    "agents/university.py",
    "phases/labour.py",
    "phases/labour_pool.py",
    "phases/markets.py",
    "phases/quality.py",
    "phases/supply.py",
    "phases/finance.py",
    "phases/investment.py",
    "phases/innovation.py",
    "phases/ideas.py",
    "phases/parks.py",
    "phases/entry_exit.py",
    "phases/approvals.py",
    "phases/shifters.py",
    "network/ties.py",
    "network/search.py",
    "network/decay.py",
    *(f"policies/{p.name}" for p in sorted((PACKAGE / "policies").glob("*.py"))
      if p.name != "__init__.py"),
)
#: What a constant's comment must say about where its value comes from: "assumed" (with a
#: reason or a range where there is one), "source: " and the citation, "by definition" (a
#: unit conversion, a count), or "implementation: " (a choice that does not change results,
#: such as an array's starting capacity).
SOURCE_MARKER = re.compile(r"\bassumed\b|\bsource: |\bby definition\b|\bimplementation: ")
START, END = "<!-- coefficients -->", "<!-- /coefficients -->"


@dataclass(frozen=True)
class Coefficient:
    """A named constant of a mechanism module.

    Attributes:
        module: package-relative path of its module.
        name: its name.
        value: its value as written.
        doc: the ``#:`` comment above it (empty if there is none).
        line: line of the assignment.
    """

    module: str
    name: str
    value: str
    doc: str
    line: int

    @property
    def has_source(self) -> bool:
        """Whether the comment says where the value comes from."""
        return bool(SOURCE_MARKER.search(self.doc))


def is_number(node: ast.AST) -> bool:
    """A numeric literal, or a tuple, list or array of them (possibly negative)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return is_number(node.operand)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, (ast.Tuple, ast.List)):
        return bool(node.elts) and all(is_number(e) for e in node.elts)
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "array":
            return is_number(node.args[0])
    return False


def _comment_above(lines: list[str], line: int) -> str:
    """The ``#:`` comment lines right above line ``line`` (1-based), joined."""
    parts = []
    i = line - 2
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        parts.append(lines[i].strip()[2:].strip())
        i -= 1
    return " ".join(reversed(parts))


def module_coefficients(relative: str) -> list[Coefficient]:
    """The module-level numeric constants of one module (by package-relative path)."""
    path = PACKAGE / relative
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not is_number(value):
            continue
        for target in targets:
            names = ([target] if isinstance(target, ast.Name) else
                     list(target.elts) if isinstance(target, ast.Tuple) else [])
            values = (value.elts if isinstance(target, ast.Tuple)
                      and isinstance(value, ast.Tuple) else [value] * len(names))
            for name, val in zip(names, values, strict=True):
                if isinstance(name, ast.Name) and name.id.isupper():
                    found.append(Coefficient(relative, name.id, ast.unparse(val),
                                             _comment_above(lines, node.lineno), node.lineno))
    return found


def all_coefficients() -> list[Coefficient]:
    """The named constants of every mechanism module, module by module."""
    return [c for module in MECHANISM_MODULES for c in module_coefficients(module)]


def markdown_table() -> str:
    """The coefficient table of the model description, by module."""
    rows = ["| Module | Constant | Value | Meaning and source |", "|---|---|---|---|"]
    for c in all_coefficients():
        doc = c.doc.replace("|", "\\|")
        rows.append(f"| `sim/{c.module}` | `{c.name}` | `{c.value}` | {doc} |")
    return "\n".join(rows)


def rewrite(page: Path) -> bool:
    """Put the current table between the markers of ``page``; returns whether it changed.

    Raises:
        ValueError: the page lacks the markers.
    """
    text = page.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{page}: no {START} ... {END} section to fill")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{markdown_table()}\n{END}{tail}"
    if new != text:
        write_text(page, new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    """Rewrite the coefficient table of the page given (default ``docs/model.md``)."""
    args = sys.argv[1:] if argv is None else argv
    page = Path(args[0]) if args else PACKAGE.parent / "docs" / "model.md"
    try:
        changed = rewrite(page)
    except (OSError, ValueError) as err:
        print(f"coefficients: error: {err}", file=sys.stderr)
        return 2
    print(f"{page}: {'updated' if changed else 'already current'} "
          f"({len(all_coefficients())} named coefficients)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
