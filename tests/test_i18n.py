"""The catalogues of Azerbaijani, Russian and English text (sim.i18n) and ``--lang`` on the
commands: every label the tool shows is translated, no translation is left in English, every
placeholder survives translation, and the reports come out in the language asked for."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_comparison import make_free, make_policy
from test_report import make_table
from test_scenario_cli import small_copy

from sim.cli.dispatch import main
from sim.i18n import (
    LANGUAGES,
    MissingTranslation,
    UnknownLanguage,
    catalogue,
    english,
    indicator_label,
    language,
    lookup,
    placeholders,
    t,
    unit,
)
from sim.indicators import COUNTRY_KEYS, INDICATORS, KEY_INDICATORS
from sim.inputs.params import COUNTRY_BOUNDS, MODEL_PARAMS, RISK_PARAMS
from sim.inputs.sectors import SECTORS
from sim.policies import COMMON_PARAMS, REGISTRY
from sim.reporting.comparison import compare, compare_markdown
from sim.reporting.run_report import step_bands, summary_markdown
from sim.reporting.scorecard_report import write_scorecard_report

TRANSLATED = ("az", "ru")
#: Entries a translation may leave as in English: symbols of units and proper names.
SAME_AS_ENGLISH = {
    ("az", "unit.%"), ("ru", "unit.%"),  # a symbol
    ("az", "unit.x"), ("ru", "unit.x"),  # "times", a symbol
    ("az", "country.BY"),  # Belarus is spelt Belarus in Azerbaijani
    ("az", "msg.scorecard.variant"),  # "Variant" is the Azerbaijani word
    ("az", "msg.validation.figure.model"), ("az", "msg.network.park"),  # the same words
    ("az", "msg.validation.figure.zipf"),  # a proper name and a formula
}
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
LATIN = re.compile("[a-zəğıöüşç]", re.IGNORECASE)


# --- the catalogues ----------------------------------------------------------------------------


def test_every_declared_label_is_in_the_english_catalogue():
    """Labels the tool shows come from the declarations: none may be left out of the catalogue
    (a new indicator, policy, parameter, country value, risk or sector needs its entries)."""
    en = english()
    ids = [f"indicator.{n}" for n in INDICATORS]
    ids += [f"unit.{i.unit}" for i in INDICATORS.values() if i.unit]
    for name, cls in REGISTRY.items():
        ids += [f"policy.{name}.label", f"policy.{name}.description"]
        ids += [f"param.policy.{name}.{p.name}" for p in cls.param_specs]
    ids += [f"param.common.{p.name}" for p in COMMON_PARAMS]
    ids += [f"param.model.{k}" for k in MODEL_PARAMS] + [f"param.risk.{k}" for k in RISK_PARAMS]
    ids += [f"risk.{k}" for k in RISK_PARAMS] + [f"sector.{k}" for k in SECTORS]
    ids += [f"country_param.{k}" for k in COUNTRY_BOUNDS]
    ids += [f"unit.{u}" for *_, u in COUNTRY_BOUNDS.values()]
    ids += [f"country.{k}" for k in ("AZ", "BY", "JOINT")]
    assert [i for i in ids if i not in en] == []
    # en.toml names only what is declared (no names of a risk or a country value that is gone)
    stale = [k for k in en if k.startswith(("risk.", "country_param."))
             and k.split(".", 1)[1] not in {**RISK_PARAMS, **COUNTRY_BOUNDS}]
    assert stale == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    en, tr = english(), catalogue(lang)
    assert [k for k in en if k not in tr] == [], f"missing in sim/i18n/{lang}.toml"
    assert [k for k in tr if k not in en] == [], f"sim/i18n/{lang}.toml holds unknown ids"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_translation_is_left_in_english(lang):
    en, tr = english(), catalogue(lang)
    same = {(lang, k) for k in en if tr.get(k) == en[k]}
    assert same - SAME_AS_ENGLISH == set()


def test_russian_is_in_cyrillic_and_azerbaijani_in_latin_script():
    """A text pasted into the wrong catalogue is caught: Russian entries are Cyrillic (units'
    symbols aside), Azerbaijani entries hold no Cyrillic letter."""
    ru, az = catalogue("ru"), catalogue("az")
    assert [k for k, v in ru.items() if not CYRILLIC.search(v)
            and ("ru", k) not in SAME_AS_ENGLISH] == []
    assert [k for k, v in az.items() if CYRILLIC.search(v)] == []
    assert [k for k, v in az.items() if not LATIN.search(v)
            and ("az", k) not in SAME_AS_ENGLISH] == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_survive_translation(lang):
    en, tr = english(), catalogue(lang)
    wrong = {k: (placeholders(en[k]), placeholders(tr[k])) for k in en
             if k in tr and placeholders(en[k]) != placeholders(tr[k])}
    assert wrong == {}
    assert placeholders(en["msg.compare.cells"]) == {"ref", "horizon", "growth", "significant",
                                                     "good", "bad"}


def test_t_fills_placeholders_in_each_language():
    texts = {lang: t("msg.compare.title", lang, ref="baseline") for lang in LANGUAGES}
    assert texts["en"] == "Scenario comparison against `baseline`"
    assert texts["ru"] == "Сравнение сценариев с `baseline`"
    assert all("`baseline`" in text and "{" not in text for text in texts.values())
    with language("az"):
        assert t("indicator.tech_exports") == "Texnoloji məhsulların ixracı"
        assert t("indicator.tech_exports", "en") == "Tech exports"
    assert t("indicator.tech_exports") == "Tech exports"  # the block ended


def test_a_missing_message_fails_loudly(monkeypatch):
    with pytest.raises(MissingTranslation, match="English catalogue"):
        t("msg.compare.no_such_heading", "en")
    trimmed = {k: v for k, v in catalogue("ru").items() if k != "msg.compare.title"}
    monkeypatch.setattr(lookup, "catalogue", lambda lang: trimmed)
    monkeypatch.setenv(lookup.STRICT_ENV, "1")  # as in every test (conftest)
    with pytest.raises(MissingTranslation, match="ru.toml"):
        t("msg.compare.title", "ru", ref="x")
    monkeypatch.setenv(lookup.STRICT_ENV, "0")  # a user's run keeps its report
    assert t("msg.compare.title", "ru", ref="x") == "Scenario comparison against `x`"


def test_an_unknown_language_is_refused():
    with pytest.raises(UnknownLanguage, match="expected one of az, en, ru"):
        t("indicator.tech_exports", "de")
    with pytest.raises(UnknownLanguage), language("fr"):
        pass


# --- the reports -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables():
    return [make_table("baseline"), make_policy(), make_free()]


def test_scorecard_in_azerbaijani(tables, tmp_path):
    with language("az"):
        write_scorecard_report(tables, tmp_path, {})
    md = (tmp_path / "scorecard.md").read_text()
    assert md.startswith("# `baseline` ilə müqayisədə siyasətin qiymətləndirmə cədvəli")
    assert "## JOINT: hər iki ölkə" in md and "## AZ: Azərbaycan" in md
    assert "| Ssenari | Əmək məhsuldarlığının artım tempi ↑" in md
    assert "Üçüncü ölkələrə ixrac ↑ (mln USD/rüb, model miqyası)" in md
    assert "i̇" not in md  # Azerbaijani İ lower-cased as i, not i with a combining dot
    assert "Tech exports" not in md and "Scenario" not in md


def test_run_summary_in_russian():
    table = make_table("baseline")
    with language("ru"):
        md = summary_markdown(table, step_bands(table))
    assert md.startswith("# Сводка расчёта: `baseline`")
    assert "| Показатель | Единица | AZ 2021Q4 | AZ 2023Q4 |" in md
    assert "| Экспорт технологической продукции | млн USD/кв. |" in md
    assert "| Экспорт технологической продукции, национальный масштаб | млн USD/кв. |" in md
    assert "Деньги в млн USD 2022 г. Квартал 0 (исходное состояние) — 2021Q4." in md
    assert "Страны: AZ = Азербайджан, BY = Беларусь" in md


def test_compare_in_english_is_unchanged_by_a_translated_report(tables):
    """The language is set per command: a Russian report leaves the next one in English."""
    cmp = compare(tables)
    with language("ru"):
        ru = compare_markdown(cmp, tables)
    en = compare_markdown(cmp, tables)
    assert ru.startswith("# Сравнение сценариев с `baseline`")
    assert en.startswith("# Scenario comparison against `baseline`")
    assert "| Tech exports | USD m/quarter |" in en


def test_compare_command_writes_russian_headings(tmp_path, capsys):
    base, policy = small_copy(tmp_path, "baseline", 0.1), small_copy(tmp_path, "sme_subsidy", 0.1)
    out = tmp_path / "cmp"
    code = main(["compare", str(base), str(policy), "--seeds", "1", "--steps", "2", "--workers",
                 "1", "--out", str(out), "--quiet", "--lang", "ru"])
    assert code == 0, capsys.readouterr().err
    md = (out / "compare.md").read_text()
    assert md.startswith("# Сравнение сценариев с `baseline`")
    for heading in ("## JOINT: обе страны", "## AZ: Азербайджан", "## BY: Беларусь",
                    "## Бюджетные затраты и затраты на единицу результата"):
        assert heading in md
    assert "| Показатель | Единица | Лучше | baseline (уровень) | sme_subsidy |" in md
    assert "| Экспорт технологической продукции | млн USD/кв. |" in md
    assert "Scenario" not in md and "Tech exports" not in md


def test_an_unknown_language_on_the_command_line_is_one_line_and_exit_2(capsys):
    code = None
    with pytest.raises(SystemExit) as exit_info:
        code = main(["compare", "--lang", "de"])
    assert code is None and exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown language 'de'" in err and "az, en, ru" in err
    assert "Traceback" not in err


# --- the browser view, without a browser -------------------------------------------------------


def test_browser_view_table_and_charts_in_a_language():
    from sim.viz.charts import IndicatorCharts, current_table, table_html

    current = np.ones((3, len(COUNTRY_KEYS), len(INDICATORS)))
    table = current_table(current, None, "ru")
    assert table["indicator"].iloc[0] == indicator_label("support_share", "ru")
    money = table["unit"].str.endswith("национальный масштаб")  # tech output and exports
    assert money.sum() == 2
    assert set(table["unit"][~money]) <= {unit(i.unit, "ru") for i in INDICATORS.values()}
    assert "<th>Показатель</th>" in table_html(table, "ru")
    charts = IndicatorCharts(None, 10, "az")
    charts.draw(current)
    titles = [ax.get_title(loc="left") for ax in charts.axes]
    assert titles[5] == "6. " + indicator_label(KEY_INDICATORS[5], "az")
    assert charts.axes[-1].get_xlabel() == "təqvim rübü (0-cı rüb = 2021Q4)"
    assert charts.title.get_text().startswith("Hesabatın doqquz göstəricisi")
    assert current_table(current, None)["indicator"].iloc[0] == "Firms receiving support"


def test_a_change_made_in_the_browser_view_is_told_in_each_language():
    from sim.viz.live import Change

    switch = Change(3, "tax_break on", "on", "tax_break")
    assert switch.label("en") == "tax_break on after quarter 3"  # as the page always said
    assert switch.label("ru") == "tax_break включена после квартала 3"
    assert switch.label("az") == "3 nömrəli rübdən sonra: tax_break açıldı"
    value = Change(2, "tax_break.end = 8")  # a parameter's value is shown as set
    assert value.label("ru") == "tax_break.end = 8 после квартала 2"
