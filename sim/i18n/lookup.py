"""The catalogues: loading, the current language and :func:`t`.

A message id names one piece of text: ``indicator.<name>``, ``unit.<unit>``,
``policy.<name>.label`` and ``.description``, ``param.common.<key>``,
``param.policy.<policy>.<key>``, ``param.model.<key>``, ``param.risk.<key>``, ``risk.<key>``,
``country_param.<key>``, ``country.<key>`` (English:
:data:`sim.reporting.formatting.COUNTRY_NAMES`), ``sector.<key>`` and ``msg.<area>.<id>`` for
the reports' headings and sentences. The English catalogue is built from the declarations and
``en.toml``; ``az.toml`` and ``ru.toml`` are keyed by the same ids. Messages may hold
``{placeholders}``, filled from :func:`t`'s keyword arguments.

A message missing from the English catalogue is a programming error and always raises
:class:`MissingTranslation`. One missing from ``az`` or ``ru`` raises too when the environment
sets ``CLUSTERSIM_I18N_STRICT=1`` (the tests do); otherwise the English text is used, so a
report is never lost to a missing translation.
"""

from __future__ import annotations

import os
import string
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

#: Languages of the reports and the browser view, the source language first.
LANGUAGES = ("en", "az", "ru")
DEFAULT = "en"
#: Each language's name in itself (the browser view's language switch).
LANGUAGE_NAMES = {"en": "English", "az": "Azərbaycan dili", "ru": "Русский"}
#: Environment variable that makes a missing translation an error.
STRICT_ENV = "CLUSTERSIM_I18N_STRICT"
_HERE = Path(__file__).parent
_current: ContextVar[str] = ContextVar("clustersim_language", default=DEFAULT)


class UnknownLanguage(ValueError):
    """A language the tool does not speak."""


class MissingTranslation(LookupError):
    """A message id that a catalogue does not hold."""


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else UnknownLanguage saying which are."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"unknown language {lang!r}; expected one of "
                              f"{', '.join(sorted(LANGUAGES))}")
    return lang


def current() -> str:
    """The language reports are written in now (default English)."""
    return _current.get()


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Write in ``lang`` inside the ``with`` block (UnknownLanguage if it is not spoken)."""
    token = _current.set(check_language(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def _load(lang: str) -> dict[str, str]:
    with open(_HERE / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


@cache
def english() -> dict[str, str]:
    """The English catalogue: every message id the tool uses, with its source text."""
    from sim.indicators import INDICATORS
    from sim.inputs.params import COUNTRY_BOUNDS, MODEL_PARAMS, RISK_PARAMS
    from sim.inputs.sectors import SECTORS
    from sim.policies import COMMON_PARAMS, REGISTRY
    from sim.reporting.formatting import COUNTRY_NAMES

    texts = _load("en")
    for name, ind in INDICATORS.items():
        texts[f"indicator.{name}"] = ind.label
        if ind.unit:
            texts[f"unit.{ind.unit}"] = ind.unit
    params = [("common", p) for p in COMMON_PARAMS]
    for name, cls in REGISTRY.items():
        texts[f"policy.{name}.label"] = cls.label
        texts[f"policy.{name}.description"] = cls.report_section
        params += [(f"policy.{name}", p) for p in cls.param_specs]
    params += [("model", p) for p in MODEL_PARAMS.values()]
    params += [("risk", p) for p in RISK_PARAMS.values()]
    for group, p in params:
        texts[f"param.{group}.{p.name}"] = p.doc
        if p.unit:
            texts[f"unit.{p.unit}"] = p.unit
    for *_, unit in COUNTRY_BOUNDS.values():
        texts[f"unit.{unit}"] = unit
    for key, label in SECTORS.items():
        texts[f"sector.{key}"] = label
    for key, name in COUNTRY_NAMES.items():
        texts[f"country.{key}"] = name
    return texts


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Message id -> text in ``lang`` (loaded once)."""
    return english() if check_language(lang) == "en" else _load(lang)


def placeholders(text: str) -> set[str]:
    """The names of the ``{placeholders}`` in a message."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def t(msg_id: str, lang: str | None = None, **values: Any) -> str:
    """The text of ``msg_id`` in ``lang`` (default: the current language), its placeholders
    filled from ``values``.

    Raises:
        MissingTranslation: the id is not in the English catalogue, or (with
            ``CLUSTERSIM_I18N_STRICT=1``) not in ``lang``'s.
        UnknownLanguage: ``lang`` is not spoken.
    """
    lang = check_language(lang or current())
    source = english()
    if msg_id not in source:
        raise MissingTranslation(f"no message {msg_id!r} in the English catalogue")
    text = catalogue(lang).get(msg_id)
    if text is None:
        if os.environ.get(STRICT_ENV) == "1":
            raise MissingTranslation(f"no message {msg_id!r} in the {lang!r} catalogue "
                                     f"(sim/i18n/{lang}.toml)")
        text = source[msg_id]
    return text.format(**values) if values else text
