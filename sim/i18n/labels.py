"""Look-ups of the labels the tool shows, in the current language unless given one."""

from __future__ import annotations

from sim.i18n.lookup import current, english, t


def lower(text: str, lang: str | None = None) -> str:
    """``text`` in lower case by the rules of ``lang``: in Azerbaijani dotted İ becomes i and
    dotless I becomes ı (Python's ``str.lower`` would give i with a combining dot)."""
    if (lang or current()) == "az":
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()


def unit(text: str, lang: str | None = None) -> str:
    """A unit as written in ``lang`` (``""`` stays ``""``; an undeclared unit as it is)."""
    if not text or f"unit.{text}" not in english():
        return text
    return t(f"unit.{text}", lang)


def indicator_label(name: str, lang: str | None = None) -> str:
    """An indicator's label (its name if it is not declared)."""
    return t(f"indicator.{name}", lang) if f"indicator.{name}" in english() else name


def label_and_unit(name: str, lang: str | None = None) -> tuple[str, str]:
    """An indicator's label and unit (its name and ``""`` if it is not declared)."""
    from sim.indicators import INDICATORS

    ind = INDICATORS.get(name)
    if ind is None:
        return name, ""
    return indicator_label(name, lang), unit(ind.unit, lang)


def policy_label(name: str, lang: str | None = None) -> str:
    """A policy's name for readers (its key if it is not registered)."""
    key = f"policy.{name}.label"
    return t(key, lang) if key in english() else name


def policy_description(name: str, lang: str | None = None) -> str:
    """What the source report recommends that the policy implements."""
    return t(f"policy.{name}.description", lang)


def param_doc(group: str, name: str, lang: str | None = None) -> str:
    """A parameter's description; ``group`` is ``common``, ``model``, ``risk`` or
    ``policy.<policy name>``."""
    return t(f"param.{group}.{name}", lang)


def country_name(key: str, lang: str | None = None) -> str:
    """``AZ``, ``BY`` or ``JOINT`` (both countries) as a name; other keys as they are."""
    return t(f"country.{key}", lang) if f"country.{key}" in english() else key


def country_param_name(key: str, lang: str | None = None) -> str:
    """The name of a country value a scenario may set (``[countries.XX]``)."""
    return t(f"country_param.{key}", lang)


def risk_name(key: str, lang: str | None = None) -> str:
    """The name of one of the report's risks of ineffective policy."""
    return t(f"risk.{key}", lang)


def sector_name(key: str, lang: str | None = None) -> str:
    """A technology sector's name."""
    return t(f"sector.{key}", lang)


def _param_ids() -> dict[int, str]:
    """``id(declaration) -> message id`` of every declared parameter."""
    from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS
    from sim.policies import COMMON_PARAMS, REGISTRY

    ids = {id(p): f"param.common.{p.name}" for p in COMMON_PARAMS}
    for name, cls in REGISTRY.items():
        ids.update({id(p): f"param.policy.{name}.{p.name}" for p in cls.param_specs})
    ids.update({id(p): f"param.model.{p.name}" for p in MODEL_PARAMS.values()})
    ids.update({id(p): f"param.risk.{p.name}" for p in RISK_PARAMS.values()})
    return ids


_PARAM_IDS: dict[int, str] = {}


def describe(param, lang: str | None = None) -> str:
    """A parameter declaration's description (``Param.doc``) in ``lang``; the declaration's own
    text for one that is not declared in the model, a policy or the risks."""
    if not _PARAM_IDS:
        _PARAM_IDS.update(_param_ids())
    key = _PARAM_IDS.get(id(param))
    return t(key, lang) if key else param.doc
