"""The validation, calibration and scenario-discovery reports, ``calibrate --check``'s verdict,
``clustersim list`` and the browser view's network picture in Azerbaijani and Russian: every
heading, sentence, table header and figure label comes from the catalogues (the tests run with
missing translations as errors), and no English text of theirs is left."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.cli.dispatch import main
from sim.cli.show import allowed
from sim.experiments import calibration_report
from sim.experiments.calibration import CalibrationResult, score
from sim.experiments.calibration_check import FitCheck
from sim.experiments.calibration_definition import FreeParameter
from sim.experiments.discovery import Box, Discovery
from sim.i18n import english, language, t
from sim.inputs.params import COUNTRY_BOUNDS, MODEL_PARAMS, RISK_PARAMS, country_param
from sim.policies import COMMON_PARAMS, REGISTRY
from sim.reporting import discovery_report
from sim.validation import figures as validation_figures
from sim.validation.evaluation import validate
from sim.validation.figures import FIGURES
from sim.validation.report import validation_markdown
from sim.validation.targets import load_targets
from sim.viz.network_view import NetworkFrame, NetworkPicture

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def english_left(text: str, *areas: str) -> list[str]:
    """The English messages of ``areas`` (their text between placeholders, where a piece is
    long enough to be a phrase) that ``text`` still holds."""
    found = []
    for key, message in english().items():
        if not key.startswith(areas):
            continue
        for piece in re.split(r"\{[^}]*\}", message):
            piece = piece.strip(" .,:;()[]*`'\n")
            if len(piece) >= 12 and " " in piece and piece in text:
                found.append(f"{key}: {piece}")
    return found


def figure_texts(fig: Figure) -> list[str]:
    """Every title, axis label, tick label and legend entry of a figure."""
    texts = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
        texts += [tick.get_text() for tick in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend():
            texts += [x.get_text() for x in ax.get_legend().get_texts()]
    texts += [x.get_text() for legend in fig.legends for x in legend.get_texts()]
    return [x for x in texts if x.strip()]


# --- the validation report -------------------------------------------------------------------


@pytest.fixture(scope="module")
def validation():
    """The baseline over two seeds and the fewest quarters a validation takes."""
    return validate([1, 2], steps=8)


def test_validation_report_in_russian(validation):
    with language("ru"):
        md = validation_markdown(validation, {t(caption): f"img/{name}"
                                              for name, (caption, _) in FIGURES.items()})
    assert md.startswith("# Валидация базового сценария\n")
    for heading in ("## Целевые значения калибровки: исходные данные", "## Стилизованные факты",
                    "## Конкуренция и концентрация за период расчёта", "## Рисунки",
                    "## Воспроизведение"):
        assert heading in md
    assert re.search(r"Пройдено \*\*\d+ из \d+\*\* целевых значений и фактов", md)
    assert "| Целевое значение | Данные | Источник (год) |" in md
    assert "| Ставка налога на прибыль (AZ) |" in md  # a target's label
    assert "| Sumgait: льгота по налогу на прибыль (AZ) |" in md  # a park's: its name kept
    assert "| Устойчивость инноваций |" in md  # a fact's label
    assert "| Средняя степень |" in md  # a statistic's label
    assert "| Показатель | Страна | Квартал 0 |" in md  # the competition table
    assert "![Распределение степеней сети сотрудничества](img/validation_degrees.png)" in md
    assert re.search(r"(пройдено|\*\*не пройдено\*\*) \(\d/2 зёрен\)", md)
    # (the figures' labels are checked on the figures: a fact's statistic, data text, quotes one)
    assert english_left(md, "msg.validation.report", "msg.validation.comp", "msg.validation.stat",
                        "msg.target", "msg.fact", "msg.common") == []
    # the sources' own words stay as they are (the definitions in sim/data/targets.toml)
    targets, _ = load_targets()
    assert next(x["definition"] for x in targets if x["role"] == "output") in md


def test_validation_figures_in_azerbaijani(validation, monkeypatch, tmp_path):
    drawn: list[Figure] = []
    monkeypatch.setattr(validation_figures, "_save", lambda fig, path: drawn.append(fig))
    with language("az"):
        for name, (_, draw) in FIGURES.items():
            draw(validation, tmp_path / name)
    assert len(drawn) == len(FIGURES)
    texts = [x for fig in drawn for x in figure_texts(fig)]
    assert "İnnovasiyanın davamlılığı (median, 90% interval, toxumlar)" in texts
    assert "t ilində innovasiya edib" in texts and "işçilər" in texts
    assert "Sumgait: mənfəət vergisi güzəşti (AZ)" not in texts  # inputs are not plotted
    assert "ETTKİ xərcləri / ÜDM (AZ)" in texts  # an output target's label
    assert english_left("\n".join(texts), "msg.validation", "msg.target") == []


def test_validate_command_writes_the_report_in_azerbaijani(tmp_path, capsys):
    out = tmp_path / "validation.md"
    assert main(["validate", "--quiet", "--seeds", "1", "--steps", "8", "--out", str(out),
                 "--lang", "az"]) == 0, capsys.readouterr().err
    md = out.read_text()
    assert md.startswith("# Baza ssenarisinin validasiyası\n")
    assert "## Stilizə edilmiş faktlar" in md and "Hər nəticənin necə ölçüldüyü:" in md
    assert english_left(md, "msg.validation.report", "msg.validation.comp", "msg.target",
                        "msg.fact") == []


# --- the calibration report and calibrate --check --------------------------------------------


@pytest.fixture(scope="module")
def calibration_result() -> CalibrationResult:
    """A hand-made fit of one parameter: every output target and fact at its data value (or
    its bound) times 2 at the start and times 1.1 when fitted."""
    targets, facts = load_targets()

    def point(factor: float, x: float):
        per_seed = {f"{s['name']}:{s['country']}": [factor * float(s["value"])]
                    for s in targets if s["role"] == "output"}
        per_seed |= {f["name"]: [factor * max(f.get("low", 1.0), 0.5)] for f in facts}
        return score(per_seed, 0.1, np.array([x]))

    spec = SimpleNamespace(
        free=[FreeParameter("model.search_preference", 0.1, 3.0, why="moves the ties")],
        seeds=[1, 2], steps=8, fact_margin=0.1, max_evaluations=5,
        targets_file=load_targets.__defaults__[0], facts=True)
    start, best = point(2.0, 1.0), point(1.1, 1.5)
    return CalibrationResult(spec, start, best, [start, best], 12.0, "a message", True)


def test_calibration_report_in_azerbaijani(calibration_result):
    with language("az"):
        md = calibration_report.report_markdown(calibration_result, "cal.toml")
    assert md.startswith("# Baza ssenarisinin kalibrlənməsi\n")
    for heading in ("## Metod", "## Sərbəst parametrlər", "## Hədəflər",
                    "## Stilizə edilmiş faktlar", "## Şəkillər", "## Uyğunlaşdırmanı necə oxumalı"):
        assert heading in md
    assert "Simulyasiya edilmiş momentlər metodu." in md
    assert "(optimallaşdırıcı yığılıb: a message)" in md
    assert "| ETTKİ xərcləri / ÜDM (AZ) |" in md and "| İnnovasiyanın davamlılığı |" in md
    assert "yerinə yetirilib" in md
    assert "![Hər nöqtədə məqsəd funksiyası](img/calibration_trace.png)" in md
    assert "`model.search_preference`" in md and "moves the ties" in md  # a key, a definition's
    assert english_left(md, "msg.calibration", "msg.target", "msg.fact") == []


def test_calibration_figures_in_russian(calibration_result, monkeypatch, tmp_path):
    drawn: list[Figure] = []

    class Kept(Figure):
        def savefig(self, *args, **kwargs):
            drawn.append(self)

    monkeypatch.setattr(calibration_report, "Figure", Kept)
    with language("ru"):
        calibration_report.plot_trace(calibration_result, tmp_path / "a.png")
        calibration_report.plot_targets(calibration_result, tmp_path / "b.png")
    texts = [x for fig in drawn for x in figure_texts(fig)]
    assert {"Калибровка: целевая функция", "Целевые значения калибровки", "откалибровано",
            "лучшее на данный момент"} <= set(texts)
    assert english_left("\n".join(texts), "msg.calibration", "msg.target") == []


def test_calibrate_check_verdict_in_russian():
    check = FitCheck(Path("calibration.toml"), Path("cal.toml"), 1.0, 1.5, 0.01, [1, 2], 8,
                     {"numpy": ("2.0", "2.1")})
    with language("ru"):
        text = check.summary()
    assert "калибровка больше не в силе" in text and "+50.0%" in text
    assert "библиотеки, изменившиеся после калибровки: numpy 2.0 -> 2.1" in text
    assert "calibrate --check: calibration.toml: J = 1.5" in text  # the command stays
    assert "holds" not in check.summary().replace("no longer holds", "")  # English: unchanged


# --- the scenario-discovery report -----------------------------------------------------------


@pytest.fixture(scope="module")
def discovery() -> Discovery:
    """One box restricting x1 from above, x2 left free; a trajectory of three boxes."""
    limits = pd.DataFrame({"low": [0.0, 0.0], "high": [0.3, 1.0], "range_low": [0.0, 0.0],
                           "range_high": [1.0, 1.0], "restricted": ["high", ""],
                           "quasi_p": [0.001, math.nan]}, index=["model.x1", "model.x2"])
    trajectory = pd.DataFrame({"coverage": [1.0, 0.9, 0.8], "density": [0.2, 0.6, 0.9],
                               "mass": [1.0, 0.4, 0.2], "res_dim": [0, 1, 1],
                               "cases": [100, 40, 20], "failing": [20, 18, 16]})
    box = Box(limits, 0.8, 0.9, 0.2, 20, 16, trajectory, 2)
    return Discovery(Path("store"), "JOINT.tech_exports", 250.0, False, 100, 20, (2, 2),
                     ["model.x1", "model.x2"], [box],
                     {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05,
                      "min_density": 0.8, "max_quasi_p": 0.05, "max_boxes": 3},
                     sweep="box", outcome_range=(100.0, 400.0))


def test_discovery_report_in_azerbaijani(discovery):
    with language("az"):  # what discover() notes is written in the language in effect too
        found = replace(discovery, notes=[t("msg.discovery.note_constant", column="model.x3",
                                            value="0.5")])
        found.boxes = [replace(found.boxes[0],
                               dropped=[t("msg.discovery.lifted_lower", name="model.x2")])]
        md = discovery_report.markdown(found, "clustersim discover store")
        figs = [discovery_report.trajectory_figure(discovery),
                discovery_report.boxes_figure(discovery)]
    assert md.startswith("# Ssenari kəşfi: harada JOINT.tech_exports < 250\n")
    assert "**100 haldan 20 hal uğursuzdur** (20%)" in md
    assert ("| qutu | əhatə | sıxlıq | kütlə | daxildəki hallar | daxildəki uğursuz hallar | "
            "məhdudlaşdırılmış girişlər |") in md
    assert "## Qutu 1" in md and "| `model.x1` | 0 | **0.300** | 0 | 1.00 | 0.001 |" in md
    assert ("| giriş | qutunun aşağı həddi | qutunun yuxarı həddi | diapazonun aşağı həddi | "
            "diapazonun yuxarı həddi | kvazi-p |") in md
    assert "## Qeydlər\n\n- `model.x3` yalnız bir qiymət alır, 0.5; nəzərə alınmayıb" in md
    assert "bu ardıcıllıqla: model.x2: aşağı hədd." in md  # a limit lifted
    assert english_left(md, "msg.discovery") == []
    texts = [x for fig in figs for x in figure_texts(fig)]
    assert {"əhatə", "sıxlıq", "qutu 1", "hesabatdakı qutu", "seçilmiş diapazonun payı"} <= \
        set(texts)
    assert english_left("\n".join(texts), "msg.discovery") == []


# --- clustersim list and the network picture -------------------------------------------------


def test_list_headings_in_russian(capsys):
    assert main(["list", "--lang", "ru"]) == 0
    text = capsys.readouterr().out
    for heading in ("Встроенные сценарии (scenarios/):", "Риски неэффективной политики ([risks]):",
                    "Параметры модели ([model]):", "Значения по странам ([countries.AZ] / "):
        assert heading in text
    assert "Меры политики ([[policies]] type = ...), общие параметры:" in text
    assert "      review = 4  кварталов между проверками; целое число в [1, 40] (кварталы)" in text
    assert english_left(text, "msg.list") == [] and "a number in" not in text
    assert main(["list"]) == 0
    assert capsys.readouterr().out.startswith("Bundled scenarios (scenarios/):")


def test_list_states_the_allowed_values_as_the_declarations_do_in_english():
    """In English, each parameter's allowed values read as in an error message about it."""
    params = [*COMMON_PARAMS, *MODEL_PARAMS.values(), *RISK_PARAMS.values()]
    params += [p for cls in REGISTRY.values() for p in cls.param_specs]
    params += [country_param(name) for name in COUNTRY_BOUNDS]
    assert {p.kind for p in params} >= {bool, int, float}
    assert [p.name for p in params if allowed(p) != p.allowed()] == []


def test_network_picture_in_azerbaijani():
    picture = NetworkPicture("az")
    texts = [x.get_text() for x in picture.figure.legends[0].get_texts()]
    assert texts[:4] == ["tədarük", "birgə ETTKİ", "ixrac konsorsiumu", "təhsil"]
    assert "sərhədlərarası əlaqə (qalın)" in texts
    labels = {x.get_text() for x in picture.ax.texts}
    assert {"Azərbaycan", "Belarus", "İKT"} <= labels
    frame = NetworkFrame(np.zeros(0, int), np.zeros((0, 2)), np.zeros(0, int),
                         np.zeros(0, str), np.zeros(0), np.zeros((0, 2, 2)), np.zeros(0, int),
                         np.zeros(0, bool),
                         nodes=3000, nodes_drawn=1500, ties=800, ties_drawn=400, cross_ties=8,
                         quarter=4)
    picture.draw(frame)
    assert picture.title.get_text().startswith("Əməkdaşlıq şəbəkəsi, 4 nömrəli rüb")
    caption = frame.caption("ru")
    assert caption.startswith("3,000 агентов и 800 связей сотрудничества")
    assert "Показана выборка из 1,500 агентов" in caption
    assert CYRILLIC.search(frame.caption("az")) is None
    assert english_left(caption + picture.title.get_text(), "msg.network") == []

