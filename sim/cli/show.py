"""``clustersim list`` and ``clustersim viz``: what the model offers, as text or in a
browser."""

from __future__ import annotations

import argparse
import json

from sim.i18n import param_doc, policy_label, t, unit
from sim.inputs.countries import country_sources, country_values
from sim.inputs.fitted import assumed_before
from sim.inputs.params import COUNTRY_BOUNDS, RISK_PARAMS, Param, country_param
from sim.inputs.scenario import (
    ScenarioError,
    bundled_scenarios,
    default_scenario,
    fitted_defaults,
    load_scenario,
)
from sim.policies import COMMON_PARAMS, REGISTRY


def _fit_note(source: str) -> str:
    """`` [fitted; assumed before: X]`` for a value a calibration set, else ``""``."""
    before = assumed_before(source)
    if before is None:
        return ""
    what = "fitted" if source.startswith("calibrated") else "set_for_fit"
    return "  " + t(f"msg.list.{what}", before=before)


def allowed(p: Param) -> str:
    """:meth:`Param.allowed` in the current language."""
    if p.kind is bool:
        return t("msg.list.bool")
    if p.choices:
        return t("msg.list.choices", choices=", ".join(repr(c) for c in p.choices))
    if p.kind is str:
        return t("msg.list.string")
    def bound(x: float | None) -> str:
        return t("msg.list.any") if x is None else f"{x:g}"

    text = t(f"msg.list.{'integer' if p.kind is int else 'number'}", low=bound(p.low),
             high=bound(p.high))
    return f"{text} ({unit(p.unit)})" if p.unit else text


def list_text() -> str:
    """Bundled scenarios, registered policies and model parameters, as text (headings, policy
    names and parameter descriptions in the current language, :mod:`sim.i18n`)."""
    lines = [t("msg.list.scenarios")]
    for path in bundled_scenarios():
        try:
            s = load_scenario(path)
            summary = " ".join(s.description.split())
            lines.append(f"  {path.name:28s} {summary[:90]}")
        except ScenarioError as err:
            lines.append(f"  {path.name:28s} {t('msg.list.invalid', error=err)}")
    base = default_scenario()
    lines += ["", t("msg.list.policies", params=", ".join(f"{p.name} ({allowed(p)})"
                                                          for p in COMMON_PARAMS))]
    for name, cls in sorted(REGISTRY.items()):
        lines.append(f"  {name}: {policy_label(name)}")
        for p in cls.param_specs:
            scaled = (" " + t("msg.list.scaled", default=f"{p.default:g}",
                                scale=f"{base.rd_scale:g}")
                      if p.scaled_by == "rd_scale" else "")
            lines.append(f"      {p.name} = {json.dumps(p.default_at(base.scales()))}"
                         f"{scaled}  {param_doc(f'policy.{name}', p.name)}; {allowed(p)}")
    lines += ["", t("msg.list.risks")]
    for p in RISK_PARAMS.values():
        lines.append(f"  {p.name} = {json.dumps(p.default)}  {param_doc('risk', p.name)}; "
                     f"{allowed(p)}")
    lines += ["", t("msg.list.model")]
    for p in fitted_defaults(base.fitted).values():
        lines.append(f"  {p.name} = {json.dumps(p.default)}  {param_doc('model', p.name)}; "
                     f"{allowed(p)}"
                     + _fit_note(p.source))
    lines += ["", t("msg.list.countries")]
    az, by = country_values("AZ", base.fitted), country_values("BY", base.fitted)
    sources = {code: country_sources(code, base.fitted) for code in ("AZ", "BY")}
    for name in COUNTRY_BOUNDS:
        notes = [f"{code} {_fit_note(sources[code][name]).strip()}" for code in ("AZ", "BY")
                 if _fit_note(sources[code][name])]
        lines.append(f"  {name:30s} AZ {az[name]!s:8s} BY {by[name]!s:8s} "
                     f"{allowed(country_param(name))}" + ("  " + "; ".join(notes)
                                                           if notes else ""))
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    """``clustersim list``: print :func:`list_text`."""
    print(list_text())
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    """``clustersim viz``: serve the browser view until interrupted."""
    from sim.viz.server import serve

    return serve(args.host, args.port)
