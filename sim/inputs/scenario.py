"""Scenario files: loading, validation against the typed declarations, and defaults.

A scenario is a TOML file::

    name = "Tax break for park residents"
    description = "..."

    extends = "other.toml"  # optional: start from another scenario file

    [model]                 # overrides of sim.inputs.params.MODEL_PARAMS
    steps = 40

    [countries.AZ]          # overrides of sim/data/countries.toml
    admin_barrier = 0.5

    [risks]                 # overrides of sim.inputs.params.RISK_PARAMS
    mistargeting = 1.0

    [[policies]]            # instruments from sim.policies.REGISTRY
    type = "tax_break"
    country = "AZ"
    profit_relief = 1.0

Any problem raises :class:`ScenarioError` with one message naming the file, the key and what is
allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.inputs.countries import COUNTRIES, country_values, rd_scale_for
from sim.inputs.fitted import NO_FIT, FittedValues, fitted_in_use, fitted_source
from sim.inputs.params import (
    COUNTRY_BOUNDS,
    MODEL_PARAMS,
    RISK_PARAMS,
    Param,
    ParamError,
    country_param,
    show,
)
from sim.policies import REGISTRY, Policy

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
TOP_LEVEL_KEYS = ("name", "description", "model", "risks", "countries", "policies")


class ScenarioError(ValueError):
    """A scenario file or value is invalid. The message names file, key and allowed values."""

    def __init__(self, source: str, key: str, message: str):
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")
        self.source = source
        self.key = key


@dataclass
class Scenario:
    """A validated scenario: model parameters, country values and policy specifications.

    Everything a run depends on travels with it: a model reads its parameters, country values,
    risks, policies, fitted values and R&D scale from its scenario, never from the process.

    Attributes:
        name: short title.
        description: what the scenario represents.
        model: every model parameter: its declared default, the fitted value if ``fitted`` has
            one, the scenario's own setting if it has one.
        countries: every country value per country code, in the same order of precedence.
        risks: the four risks of ineffective policy (``sim.inputs.params.RISK_PARAMS``), defaults
            applied.
        policies: list of (policy type, parameter values with defaults applied; a default that
            scales with the model, ``Param.scaled_by``, is left out and set when the model is
            built).
        source: file path or "<defaults>" / "<dict>".
        sha256: hash of the file bytes (empty when not from a file).
        fitted: the fitted values the scenario was built with (:mod:`sim.inputs.fitted`).
        rd_scale: factor on every R&D threshold of the model and the policies
            (:func:`sim.inputs.countries.rd_scale_of` of the fitted private R&D intensities: a
            scenario's own R&D settings do not move it).
    """

    name: str = "baseline"
    description: str = ""
    model: dict[str, Any] = field(default_factory=dict)
    countries: dict[str, dict[str, float]] = field(default_factory=dict)
    policies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    source: str = "<defaults>"
    sha256: str = ""
    risks: dict[str, Any] = field(default_factory=lambda: {k: p.default
                                                           for k, p in RISK_PARAMS.items()})
    fitted: FittedValues = NO_FIT
    rd_scale: float = 1.0
    #: For each policy (in order), the parameters the scenario sets itself (a file's keys, or
    #: values set by path): they are never drawn from their evidence ranges.
    explicit: list[frozenset[str]] = field(default_factory=list)
    #: Draw each policy's effect sizes per seed from their ranges in sim/data/evidence.toml
    #: (:mod:`sim.inputs.effect_sizes`) when a run is built: what ``--uncertainty params``
    #: asks of scorecard and compare.
    draw_effect_sizes: bool = False

    def make_policies(self) -> list[Policy]:
        """Fresh policy objects for one model run."""
        return [REGISTRY[kind](**values) for kind, values in self.policies]

    def scales(self) -> dict[str, float]:
        """The model-wide scales that defaults may depend on (``Param.scaled_by``)."""
        return {"rd_scale": self.rd_scale}

    def reference_countries(self) -> dict[str, dict[str, Any]]:
        """Each country's values without the scenario's own settings: the data file's, with
        the fitted values in place of the assumed ones."""
        return {code: country_values(code, self.fitted) for code in COUNTRIES}

    def with_model(self, **overrides: Any) -> Scenario:
        """A copy with some model parameters replaced (validated)."""
        model = dict(self.model)
        for key, value in overrides.items():
            if key not in MODEL_PARAMS:
                raise ScenarioError(self.source, f"model.{key}", _unknown(key, MODEL_PARAMS))
            try:
                model[key] = MODEL_PARAMS[key].validate(value, f"model.{key}")
            except ParamError as err:
                raise ScenarioError(self.source, err.key, err.message) from None
        return dataclasses.replace(self, model=model)

    def with_risks(self, **overrides: Any) -> Scenario:
        """A copy with some risk parameters replaced (validated)."""
        checked = _section(overrides, RISK_PARAMS, "risks", self.source)
        risks = {**self.risks, **{k: checked[k] for k in overrides}}
        return dataclasses.replace(self, risks=risks)

    def resolved(self) -> dict[str, Any]:
        """Everything that defines a run, for provenance files."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "sha256": self.sha256,
            "model": self.model,
            "risks": self.risks,
            "countries": self.countries,
            "policies": [{"type": k, **REGISTRY[k].defaults(self.scales()), **v}
                         for k, v in self.policies],
            "fitted_values": self.fitted.source,
            "rd_scale": self.rd_scale,
        }


def _unknown(key: str, allowed: Any) -> str:
    return f"unknown key '{key}'; allowed: {', '.join(sorted(allowed))}"


def load_scenario(path: str | Path, fitted: FittedValues | None = None) -> Scenario:
    """Read and validate a scenario file.

    A file may start from another with ``extends = "other.toml"`` (a path relative to the
    file): its ``[model]``, ``[risks]`` and ``[countries.XX]`` values are laid over the other
    file's, and its ``[[policies]]``, if it has any, replace the other's.

    Args:
        path: the scenario file.
        fitted: the fitted values its defaults start from (None: the fitted values in use,
            :func:`sim.inputs.fitted.fitted_in_use`; ``sim.inputs.fitted.NO_FIT``: the
            assumed values).

    Raises:
        ScenarioError: the file is missing, is not TOML, or holds an invalid key or value.
        FittedError: ``fitted`` is None and the fitted values in use are malformed.
    """
    path = scenario_path(path)
    source = str(path)
    data, raw = read_toml(path)
    seen = [path.resolve()]
    current, extends = path, data.pop("extends", None)
    while extends is not None:
        where = str(current)
        parent_path = _extended_file(extends, seen, where)
        seen.append(parent_path)
        base, more = read_toml(parent_path)
        raw += more
        current, extends = parent_path, base.pop("extends", None)
        data = _overlay(base, data)
    scenario = scenario_from_dict(data, source=source, default_name=path.stem, fitted=fitted)
    scenario.sha256 = hashlib.sha256(raw).hexdigest()
    return scenario


def _extended_file(extends: Any, seen: list[Path], where: str) -> Path:
    """The checked, resolved path of the file named by ``extends`` in the last file of
    ``seen`` (the files of the chain so far)."""
    if not isinstance(extends, str) or not extends or "\0" in extends:
        raise ScenarioError(where, "extends", f"{show(extends)} is not allowed; expected the "
                            "path of another scenario file, relative to this one")
    try:
        parent_path = (seen[-1].parent / extends).resolve()
        is_file = parent_path.is_file()
    except (OSError, RuntimeError) as err:  # a path too long, a symbolic-link loop
        raise ScenarioError(where, "extends", f"{show(extends)}: cannot be opened "
                            f"({getattr(err, 'strerror', None) or err})") from None
    if parent_path in seen:
        raise ScenarioError(where, "extends", f"{show(extends)} leads back to "
                            f"{parent_path.name}: scenario files extend each other in a "
                            "circle")
    if not is_file:
        what = "is a directory" if parent_path.is_dir() else "no such file"
        raise ScenarioError(where, "extends", f"{show(extends)}: {what} ({parent_path}); "
                            "expected the path of another scenario file, relative to this one")
    return parent_path


def read_toml(path: Path, error: type[ScenarioError] = ScenarioError,
              what: str = f"a scenario .toml file (bundled ones are in {SCENARIO_DIR})"
              ) -> tuple[dict[str, Any], bytes]:
    """The parsed TOML file at ``path`` and its bytes.

    Raises:
        ScenarioError (or ``error``): the path is no readable regular file, or its content is
            not UTF-8 TOML; the message names the file and asks for ``what``.
    """
    source = str(path)
    try:
        if not path.is_file():
            kind = ("is a directory" if path.is_dir() else
                    "is not a regular file" if path.exists() else "no such file")
            raise error(source, "", f"{kind}; give {what}")
        raw = path.read_bytes()
    except OSError as err:  # unreadable, or a name the file system refuses (too long)
        raise error(source, "", f"cannot be read ({err.strerror or err}); give {what}") \
            from None
    try:
        return tomllib.loads(raw.decode("utf-8")), raw
    except UnicodeDecodeError as err:
        raise error(source, "", f"not UTF-8 text ({err.reason} at byte {err.start})") \
            from None
    except tomllib.TOMLDecodeError as err:
        raise error(source, "", f"not valid TOML: {err}") from None
    except ValueError as err:  # an integer of more digits than Python converts
        raise error(source, "", f"not valid TOML: {str(err).split(';')[0]}") from None
    except RecursionError:
        raise error(source, "", "not valid TOML: arrays or tables nested too deeply") from None


def _overlay(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` laid over ``base``: tables merged key by key (countries per country),
    everything else (name, description, policies, extends) taken from the child if it has it."""
    merged = dict(base)
    merged.pop("name", None)  # a file's name is its own (its file name by default)
    for key, value in child.items():
        old = merged.get(key)
        if key in ("model", "risks") and isinstance(value, dict) and isinstance(old, dict):
            merged[key] = {**old, **value}
        elif key == "countries" and isinstance(value, dict) and isinstance(old, dict):
            merged[key] = {c: ({**old[c], **v} if isinstance(old.get(c), dict)
                               and isinstance(v, dict) else v) for c, v in value.items()}
            merged[key] = {**old, **merged[key]}
        else:
            merged[key] = value
    return merged


def scenario_from_dict(
    data: dict[str, Any], source: str = "<dict>", default_name: str = "scenario",
    fitted: FittedValues | None = None,
) -> Scenario:
    """Validate a scenario given as a dict (the parsed TOML) and apply defaults: the declared
    ones, with ``fitted`` values in their place (None: the fitted values in use; see
    :func:`load_scenario`)."""
    for key in data:
        if key == "extends":
            raise ScenarioError(source, key, "only scenario files can extend another file "
                                "(load them with load_scenario)")
        if key not in TOP_LEVEL_KEYS:
            raise ScenarioError(source, key, _unknown(key, (*TOP_LEVEL_KEYS, "extends")))
    fitted = fitted_in_use() if fitted is None else fitted
    name = string_value(data, "name", source, default_name)
    description = string_value(data, "description", source, "")
    model = _section(table_value(data, "model", source), MODEL_PARAMS, "model", source,
                     fitted_defaults(fitted))
    risks = _section(table_value(data, "risks", source), RISK_PARAMS, "risks", source)
    reference = {code: country_values(code, fitted) for code in COUNTRIES}
    countries = _countries_section(table_value(data, "countries", source), source, reference)
    entries = _policies_section(data.get("policies", []), source)
    scale = rd_scale_for(reference)  # the fit's, whatever the scenario sets itself
    return Scenario(name, description, model, countries,
                    [(kind, values) for kind, values, _ in entries], source, risks=risks,
                    fitted=fitted, rd_scale=scale, explicit=[given for *_, given in entries])


def default_scenario(fitted: FittedValues | None = None) -> Scenario:
    """The baseline with every default and no policies (``fitted``: as in
    :func:`load_scenario`)."""
    return scenario_from_dict({}, source="<defaults>", default_name="baseline", fitted=fitted)


def fitted_defaults(fitted: FittedValues) -> dict[str, Param]:
    """The model parameters' declarations with ``fitted`` values as their defaults (and
    sources that say so)."""
    declared = dict(MODEL_PARAMS)
    for name, (value, source) in fitted.section("model").items():
        param = declared[name]
        declared[name] = dataclasses.replace(param, default=param.validate(value, f"model.{name}"),
                                             source=fitted_source(source, param.default))
    return declared


def scenario_path(name_or_path: str | Path) -> Path:
    """The file of a scenario given by path or by the name of a bundled one.

    A bare name without a folder or suffix (``baseline``, ``full_package``) that is no file in
    the working folder means ``scenarios/<name>.toml``; anything else is a path, returned as
    given (a missing file is reported by :func:`load_scenario`).

    Raises:
        ScenarioError: a bare name that is neither a file nor a bundled scenario; the message
            lists the bundled names.
    """
    path = Path(name_or_path)
    text = str(name_or_path)
    try:
        exists = path.exists()
    except OSError:  # a name the file system refuses (too long): read_toml reports it
        return path
    if exists or path.suffix or "/" in text or "\\" in text or not text:
        return path
    bundled = SCENARIO_DIR / f"{text}.toml"
    if bundled.is_file():
        return bundled
    names = ", ".join(p.stem for p in bundled_scenarios())
    raise ScenarioError(text, "", f"no such file or bundled scenario; give a scenario .toml "
                        f"file or one of the bundled names: {names}")


def bundled_scenarios() -> list[Path]:
    """The scenario files shipped with the project, baseline first."""
    files = sorted(SCENARIO_DIR.glob("*.toml"))
    return sorted(files, key=lambda p: (p.stem != "baseline", p.stem))


def string_value(data: dict[str, Any], key: str, source: str, default: str,
                 error: type[ScenarioError] = ScenarioError) -> str:
    """``data[key]`` (or ``default``) if it is a string; else ``error`` naming file and key."""
    value = data.get(key, default)
    if not isinstance(value, str):
        raise error(source, key, f"{show(value)} is not allowed; expected a string")
    return str(value)  # a str, not a subclass (numpy's str_)


def table_value(data: dict[str, Any], key: str, source: str,
                error: type[ScenarioError] = ScenarioError) -> dict[str, Any]:
    """``data[key]`` (or an empty table) if it is a table; else ``error`` naming file and key."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise error(source, key, f"expected a table ([{key}]), got {show(value)}")
    return value


def _section(table: dict[str, Any], declared: dict[str, Param], name: str,
             source: str, defaults: dict[str, Param] | None = None) -> dict[str, Any]:
    """Values of a section of declared parameters (``[model]``, ``[risks]``), defaults
    applied (those of ``defaults`` where given: the fitted ones)."""
    values = {k: p.default for k, p in (defaults or declared).items()}
    for key, value in table.items():
        if key not in declared:
            raise ScenarioError(source, f"{name}.{key}", _unknown(key, declared))
        try:
            values[key] = declared[key].validate(value, f"{name}.{key}")
        except ParamError as err:
            raise ScenarioError(source, err.key, err.message) from None
    return values


def _countries_section(table: dict[str, Any], source: str,
                       reference: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Every country's values: ``reference`` (the data with the fitted values) with the
    section's settings over them (validated)."""
    result = {code: dict(values) for code, values in reference.items()}
    for code, overrides in table.items():
        if code not in COUNTRIES:
            raise ScenarioError(source, f"countries.{code}", _unknown(code, COUNTRIES))
        if not isinstance(overrides, dict):
            raise ScenarioError(source, f"countries.{code}", "expected a table of values")
        for key, value in overrides.items():
            where = f"countries.{code}.{key}"
            if key not in COUNTRY_BOUNDS:
                raise ScenarioError(source, where, _unknown(key, COUNTRY_BOUNDS))
            try:
                result[code][key] = country_param(key).validate(value, where)
            except ParamError as err:
                raise ScenarioError(source, err.key, err.message) from None
    return result


def _policies_section(entries: Any, source: str
                      ) -> list[tuple[str, dict[str, Any], frozenset[str]]]:
    if not isinstance(entries, list):
        raise ScenarioError(source, "policies", "expected a list of [[policies]] tables")
    policies = []
    for i, entry in enumerate(entries):
        where = f"policies[{i}]"
        if not isinstance(entry, dict):
            raise ScenarioError(source, where, "expected a [[policies]] table")
        entry = dict(entry)
        kind = entry.pop("type", None)
        if not isinstance(kind, str) or kind not in REGISTRY:
            raise ScenarioError(source, f"{where}.type", f"{show(kind)} is not a policy; "
                                f"allowed: {', '.join(sorted(REGISTRY))}")
        declared = REGISTRY[kind].declared()
        for key in entry:  # before the call: a key may clash with a Python argument name
            if key not in declared:
                raise ScenarioError(source, f"{where}.{key}", f"unknown parameter of policy "
                                    f"'{kind}'; allowed: {', '.join(declared)}")
        try:
            policy = REGISTRY[kind](**entry)
        except ParamError as err:
            raise ScenarioError(source, f"{where}.{err.key}", err.message) from None
        policies.append((kind, policy.settled_values(), frozenset(entry)))
    return policies
