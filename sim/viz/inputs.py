"""Inputs built from the typed parameter declarations (:class:`sim.inputs.params.Param`), the
same ones that validate scenario files: a switch for a flag, a menu for a choice, a slider where a
reasonable step reaches the default, a number field otherwise. What the user enters is checked
by the declaration; a rejected value shows its message and changes nothing."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import solara

from sim.i18n import describe, unit
from sim.inputs.params import Param, ParamError

#: Most positions a slider may have; wider ranges get a number field.
MAX_SLIDER_STEPS = 1000
_ERROR_STYLE = {"color": "#b42318", "font-size": "0.8em"}


def _on_grid(offset: float, step: float) -> bool:
    return abs(offset / step - round(offset / step)) < 1e-6


def slider_step(param: Param, value: Any) -> float | None:
    """The slider step for a number parameter, or None if a number field suits it better.

    A slider's positions are ``low + k * step``: the step must reach both the declared default
    and ``value`` exactly, with at most :data:`MAX_SLIDER_STEPS` positions.
    """
    if param.kind not in (int, float) or param.low is None or param.high is None:
        return None
    span = param.high - param.low
    if param.kind is int:
        return 1 if span <= 200 else None
    if span <= 0:
        return None
    step = 10.0 ** math.floor(math.log10(span / 100))
    while span / step <= MAX_SLIDER_STEPS:
        if all(_on_grid(x - param.low, step) for x in (param.default, value)):
            return step
        step /= 10
    return None


def input_kind(param: Param, value: Any) -> str:
    """``switch``, ``select``, ``text``, ``slider`` or ``number``: how the parameter is edited."""
    if param.kind is bool:
        return "switch"
    if param.choices:
        return "select"
    if param.kind is str:
        return "text"
    return "slider" if slider_step(param, value) else "number"


def parse_number(param: Param, text: str) -> float | int:
    """The number typed into a number field, or ParamError naming what is allowed."""
    try:
        number = float(text.replace(",", "").strip())
    except ValueError:
        raise ParamError(param.name, f"{text!r} is not a number; expected "
                         f"{param.allowed()}") from None
    return int(number) if param.kind is int and number.is_integer() else number


def label_of(param: Param, lang: str = "en") -> str:
    """The input's label: the parameter's name (its key in scenario files) and unit."""
    return f"{param.name} ({unit(param.unit, lang)})" if param.unit else param.name


@solara.component
def ParamInput(param: Param, value: Any, on_value: Callable[[Any], None], lang: str = "en"):
    """One input for a declared parameter.

    Args:
        param: the declaration (type, bounds, choices, unit, meaning).
        value: the current value.
        on_value: called with the validated value; it may raise ParamError to reject it.
        lang: language of the unit and the description (:mod:`sim.i18n`).
    """
    error, set_error = solara.use_state(None)

    def accept(raw: Any) -> None:
        try:
            checked = param.validate(parse_number(param, raw) if isinstance(raw, str)
                                     and param.kind in (int, float) else raw)
            on_value(checked)
        except ParamError as err:
            set_error(err.message)
            return
        set_error(None)

    label = label_of(param, lang)
    kind = input_kind(param, value)
    with solara.Tooltip(describe(param, lang)):
        with solara.Column(gap="0px"):
            if kind == "switch":
                solara.Switch(label=label, value=bool(value), on_value=accept)
            elif kind == "select":
                solara.Select(label, values=list(param.choices or ()), value=value,
                              on_value=accept, dense=True)
            elif kind == "text":
                solara.InputText(label, value=value, on_value=accept, dense=True)
            elif kind == "slider" and param.kind is int:
                solara.SliderInt(label, value=int(value), min=int(param.low), max=int(param.high),
                                 on_value=accept)
            elif kind == "slider":
                solara.SliderFloat(label, value=float(value), min=param.low, max=param.high,
                                   step=slider_step(param, value), on_value=accept)
            else:
                solara.InputText(label, value=f"{value:.10g}", on_value=accept, dense=True,
                                 error=bool(error), message=error)
            if error and kind != "number":
                solara.Text(error, style=_ERROR_STYLE)
