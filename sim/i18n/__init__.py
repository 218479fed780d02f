"""Labels and report text in Azerbaijani (``az``, Latin script), Russian (``ru``) and English
(``en``, the source language).

English is written once, where it is declared: indicator labels and units in
:data:`sim.indicators.INDICATORS`, policy names and descriptions on the policy classes,
parameter descriptions in their :class:`~sim.inputs.params.Param` declarations, sector names
in :data:`sim.inputs.sectors.SECTORS`; the English of everything else the reports write
(headings, sentences, country, risk and country-value names) is in ``en.toml``. ``az.toml``
and ``ru.toml`` hold the translations under the same message ids (see :mod:`sim.i18n.lookup`).

A command sets the language of what it writes once (:func:`language`, a context manager);
the report and plot code looks labels up with :func:`t` and the helpers below, which read that
language unless given one.
"""

from sim.i18n.labels import (
    country_name,
    country_param_name,
    describe,
    indicator_label,
    label_and_unit,
    lower,
    param_doc,
    policy_description,
    policy_label,
    risk_name,
    sector_name,
    unit,
)
from sim.i18n.lookup import (
    DEFAULT,
    LANGUAGE_NAMES,
    LANGUAGES,
    MissingTranslation,
    UnknownLanguage,
    catalogue,
    check_language,
    current,
    english,
    language,
    placeholders,
    t,
)

__all__ = [
    "DEFAULT", "LANGUAGE_NAMES", "LANGUAGES", "MissingTranslation", "UnknownLanguage", "catalogue",
    "check_language", "country_name", "country_param_name", "current", "describe", "english",
    "indicator_label", "label_and_unit", "language", "lower", "param_doc", "placeholders",
    "policy_description", "policy_label", "risk_name", "sector_name", "t", "unit",
]
