"""The policy reference (docs/policies.md) stays in step with the code.

Every registered instrument has a section whose heading names it, which quotes its label and
report section and whose parameter table is exactly the one its declarations give (name,
default, unit, allowed values, meaning); the same holds for the common parameters and the four
risks. Every bundled scenario has a row in the scenario table that names its instruments and
risk settings. The section on what each instrument may change holds the tables of each
instrument's declared effects and of the effects' footprints (sim/policies/effects.py).

The tables are generated from the declarations; after changing a declaration, print the new
tables with ``.venv/bin/python tests/test_docs_policies.py`` and paste them into the page.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from sim.inputs.params import RISK_PARAMS, Param
from sim.inputs.scenario import bundled_scenarios
from sim.policies import COMMON_PARAMS, REGISTRY
from sim.policies.effects import EFFECTS, footprint_of

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "policies.md"
HEADER = ("| Parameter | Default | Unit | Allowed | Meaning |\n"
          "|---|---|---|---|---|")
EFFECTS_SECTION = "What each instrument may change"
INSTRUMENT_HEADER = ("| Instrument | Effects | What they may change |\n"
                     "|---|---|---|")
EFFECT_HEADER = ("| Effect | What it does | What it may change |\n"
                 "|---|---|---|")


# ----------------------------------------------------------------- rendering of the tables
def render_value(value: Any) -> str:
    """A value as it is written in a scenario file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def render_allowed(p: Param) -> str:
    """The allowed values of a parameter, as the page shows them."""
    if p.kind is bool:
        return "true, false"
    if p.choices:
        return ", ".join(f'`"{c}"`' for c in p.choices)
    if p.kind is str:
        return "any text"
    low = "any" if p.low is None else f"{p.low:.10g}"
    high = "any" if p.high is None else f"{p.high:.10g}"
    return f"[{low}, {high}]" + (" whole number" if p.kind is int else "")


def render_row(p: Param) -> str:
    """One table row of a parameter declaration."""
    scaled = " × R&D scale" if p.scaled_by == "rd_scale" else ""
    return (f"| `{p.name}` | `{render_value(p.default)}`{scaled} | {p.unit or '–'} | "
            f"{render_allowed(p)} | {p.doc} |")


def render_table(params: tuple[Param, ...] | list[Param]) -> str:
    """The parameter table of a list of declarations."""
    return "\n".join([HEADER, *(render_row(p) for p in params)])


def markdown(text: str) -> str:
    """A docstring's reStructuredText roles and literals as Markdown code."""
    def role(m: re.Match[str]) -> str:
        target = m.group(2)
        return f"`{target.rsplit('.', 1)[-1] if m.group(1) else target}`"

    return re.sub(r":[a-z]+:`(~?)([^`]+)`", role, text).replace("``", "`")


def render_effects_by_instrument() -> str:
    """Each instrument's declared effects and what they may change together."""
    rows = [f"| `{name}` | {', '.join(f'`{e}`' for e in REGISTRY[name].effects)} | "
            f"{footprint_of(REGISTRY[name].effects).describe()} |" for name in sorted(REGISTRY)]
    return "\n".join([INSTRUMENT_HEADER, *rows])


def render_effect_registry() -> str:
    """Every effect of the registry: what it does and what it may change."""
    rows = [f"| `{e.name}` | {markdown(e.doc)} | {e.footprint.describe()} |"
            for e in EFFECTS.values()]
    return "\n".join([EFFECT_HEADER, *rows])


# ----------------------------------------------------------------- reading the page
@pytest.fixture(scope="module")
def page() -> str:
    assert PAGE.is_file(), f"{PAGE} is missing"
    return PAGE.read_text(encoding="utf-8")


def sections(text: str, level: int) -> dict[str, str]:
    """Heading line -> text up to the next heading of the same or a higher level."""
    marks = list(re.finditer(r"^(#{1,6}) .*$", text, flags=re.M))
    found = {}
    for i, m in enumerate(marks):
        if len(m.group(1)) != level:
            continue
        end = next((n.start() for n in marks[i + 1:] if len(n.group(1)) <= level), len(text))
        found[m.group(0)] = text[m.start():end]
    return found


def section_of(text: str, name: str) -> str:
    """The level-3 section whose heading names the instrument ``name`` in code quotes."""
    hits = [body for head, body in sections(text, 3).items() if f"`{name}`" in head]
    assert len(hits) == 1, f"expected one '### ... (`{name}`)' section, found {len(hits)}"
    return hits[0]


def table_after(text: str, start: int = 0) -> str:
    """The first parameter table in ``text`` from ``start`` on, as its lines joined."""
    at = text.find(HEADER, start)
    assert at >= 0, "no parameter table"
    lines = []
    for line in text[at:].splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    return "\n".join(lines)


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces."""
    return " ".join(text.split())


# ----------------------------------------------------------------- the checks
def test_every_instrument_has_one_section(page: str) -> None:
    headings = list(sections(page, 3))
    for name, cls in REGISTRY.items():
        named = [h for h in headings if f"`{name}`" in h]
        assert len(named) == 1, f"policy '{name}' needs exactly one ### section naming it"
        assert cls.label in named[0], f"the heading of '{name}' should give its label"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_section_quotes_report_section(page: str, name: str) -> None:
    body = flat(section_of(page, name))
    assert flat(REGISTRY[name].report_section) in body, (
        f"the section of '{name}' should quote its report_section")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_parameter_table_matches_declarations(page: str, name: str) -> None:
    cls = REGISTRY[name]
    body = section_of(page, name)
    for p in cls.param_specs:
        assert f"`{p.name}` | `{render_value(p.default)}`" in body, (
            f"{name}.{p.name} (default {render_value(p.default)}) is missing from its section")
    assert table_after(body) == render_table(cls.param_specs), (
        f"the parameter table of '{name}' is stale; regenerate it with "
        "`.venv/bin/python tests/test_docs_policies.py`")


def test_common_parameters_table(page: str) -> None:
    assert render_table(COMMON_PARAMS) in page, "the common-parameter table is stale"


def test_risk_parameters_table(page: str) -> None:
    risks = [body for head, body in sections(page, 2).items() if "Risks" in head]
    assert len(risks) == 1, "expected one '## Risks ...' section"
    for key in RISK_PARAMS:
        assert f"`{key}`" in risks[0], f"risk '{key}' is missing"
    assert table_after(risks[0]) == render_table(list(RISK_PARAMS.values())), (
        "the risk-parameter table is stale")


def scenario_row(text: str, stem: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith(f"| `{stem}` |")]
    assert len(rows) == 1, f"bundled scenario '{stem}' needs one row in the scenario table"
    return rows[0]


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_bundled_scenario_listed(page: str, path: Path) -> None:
    scenarios = [body for head, body in sections(page, 2).items() if "Bundled scenarios" in head]
    assert len(scenarios) == 1, "expected one '## Bundled scenarios' section"
    row = scenario_row(scenarios[0], path.stem)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if "extends" in data:
        assert f"`{Path(data['extends']).stem}`" in row, f"{path.stem}: name what it extends"
    for entry in data.get("policies", []):
        assert f"`{entry['type']}`" in row, f"{path.stem}: instrument {entry['type']} missing"
    for key, value in data.get("risks", {}).items():
        assert f"{key} = {render_value(value)}" in row, f"{path.stem}: risk {key} missing"


def test_effect_tables_match_declarations(page: str) -> None:
    found = [body for head, body in sections(page, 2).items() if EFFECTS_SECTION in head]
    assert len(found) == 1, f"expected one '## {EFFECTS_SECTION}' section"
    body = found[0]
    for header, table, what in ((INSTRUMENT_HEADER, render_effects_by_instrument(),
                                 "instruments' effects"),
                                (EFFECT_HEADER, render_effect_registry(), "effects")):
        at = body.find(header)
        assert at >= 0, f"the table of the {what} is missing"
        lines = []
        for line in body[at:].splitlines():
            if not line.startswith("|"):
                break
            lines.append(line)
        assert "\n".join(lines) == table, (
            f"the table of the {what} is stale; regenerate it with "
            "`.venv/bin/python tests/test_docs_policies.py`")


def test_cli_list_is_mentioned(page: str) -> None:
    assert "clustersim list" in page


# ----------------------------------------------------------------- regeneration
def all_tables() -> str:
    """Every generated table of the page, headed by where it goes."""
    parts = ["Common parameters", render_table(COMMON_PARAMS)]
    for name, cls in REGISTRY.items():
        parts += [f"{cls.label} (`{name}`)", render_table(cls.param_specs)]
    parts += ["Risks ([risks])", render_table(list(RISK_PARAMS.values()))]
    parts += [f"{EFFECTS_SECTION}: instruments", render_effects_by_instrument(),
              f"{EFFECTS_SECTION}: effects", render_effect_registry()]
    return "\n\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(all_tables() + "\n")
