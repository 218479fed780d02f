"""The browser view's page rendered in-process with ``solara.render`` (no server, no browser):
controls, policy switches, inputs from the declarations, scenario and seed changes."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara
from conftest import SMALL

from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS
from sim.policies import REGISTRY
from sim.viz import app
from sim.viz.live import LiveRun, scenario_files

TAX_BREAK = REGISTRY["tax_break"].label


@pytest.fixture
def small_runs(monkeypatch):
    """Runs on a small population (about 450 firms) and a short horizon, so pages are quick."""
    real = LiveRun.__init__

    def small(self, scenario_file, seed=0, model_values=None, risk_values=None):
        real(self, scenario_file, seed,
             {"firm_scale": SMALL, "steps": 6, "warmup": 4, **(model_values or {})}, risk_values)

    monkeypatch.setattr(LiveRun, "__init__", small)


def render_page():
    return solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)[1]


@pytest.fixture
def page(small_runs):
    return render_page()


def counter(rc) -> str:
    return rc.find(v.Html, class_="cs-counter").widget.children[0]


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def images(rc) -> tuple[bytes, bytes]:
    network = rc.find(v.Sheet, class_="d-flex ma-0 cs-figure cs-network").find(widgets.Image)
    charts = rc.find(v.Sheet, class_="d-flex ma-0 cs-figure cs-charts").find(widgets.Image)
    return bytes(network.widget.value), bytes(charts.widget.value)


def values_table(rc) -> str:
    return rc.find(solara.widgets.HTML, attributes={"class": "cs-values"}).widget.unsafe_innerHTML


def test_page_shows_controls_network_charts_table_and_every_policy(page):
    assert counter(page) == "Quarter 0 of 6"
    for label in ("Step", "▶ Play", "Reset"):
        button(page, label)
    network, charts = images(page)
    assert network.startswith(b"\x89PNG") and charts.startswith(b"\x89PNG")
    switches = {w.label for w in page.find(v.Switch).widgets}
    assert {cls.label for cls in REGISTRY.values()} <= switches
    select = page.find(v.Select, label="Scenario").widget
    assert select.items == list(scenario_files()) and select.v_model == "baseline"
    assert values_table(page).count("<tr>") == 10
    download = page.find(solara.components.file_download.FileDownloadWidget).widget
    assert download.filename == "baseline-seed0-q0.csv"


def test_step_advances_the_counter_and_redraws(page):
    before = images(page)
    button(page, "Step").click()
    assert counter(page) == "Quarter 1 of 6"
    after = images(page)
    assert after[0] != before[0] and after[1] != before[1]


def test_policy_switch_acts_on_the_live_run_and_is_listed(page):
    button(page, "Step").click()
    page.find(v.Switch, label=TAX_BREAK).widget.v_model = True
    assert "tax_break on after quarter 1" in " ".join(
        w.children[0] for w in page.find(v.Html, class_="cs-caption").widgets)
    for _ in range(3):  # equipment bought with the relief works after the investment lag
        button(page, "Step").click()
    assert "#1a7f37" in values_table(page) or "#b42318" in values_table(page)  # differs now


def test_policy_parameters_are_inputs_from_the_declarations(page):
    page.find(v.Btn, class_="cs-tune-tax_break").widget.click()  # open the parameters
    declared = REGISTRY["tax_break"].declared()
    labels = {w.label for w in page.find(v.Slider).widgets} | {
        w.label for w in page.find(v.Select).widgets} | {
        w.label for w in page.find(v.TextField).widgets}
    assert {"profit_relief (share)", "country", "target", "start (quarter)"} <= labels
    assert len([k for k in declared if k != "enabled"]) == 8
    start = page.find(v.TextField, label="start (quarter)").widget
    start.v_model = "0"
    start.fire_event("keyup.enter", None)
    field = page.find(v.TextField, label="start (quarter)").widget
    assert field.error and "expected an integer in [1, 2000]" in field.messages[0]


def test_invalid_seed_shows_a_message_and_the_page_keeps_working(page):
    seed = page.find(v.TextField, label="Seed").widget
    seed.v_model = "abc"
    seed.fire_event("keyup.enter", None)
    seed = page.find(v.TextField, label="Seed").widget
    assert seed.error and seed.messages == [
        "'abc' is not a seed: enter a whole number from 0. The run keeps seed 0."]
    button(page, "Step").click()
    assert counter(page) == "Quarter 1 of 6"
    seed.v_model = "7"
    seed.fire_event("keyup.enter", None)
    assert counter(page) == "Quarter 0 of 6"
    assert page.find(solara.components.file_download.FileDownloadWidget).widget.filename == \
        "baseline-seed7-q0.csv"


def test_scenario_switch_starts_a_new_run_with_its_policies(page):
    button(page, "Step").click()
    page.find(v.Select, label="Scenario").widget.v_model = "tax_break"
    assert counter(page) == "Quarter 0 of 6"
    assert page.find(v.Switch, label=TAX_BREAK).widget.v_model is True


def test_model_and_risk_parameters_apply_on_reset(page):
    page.find(v.Btn, children=["▸ Risks"]).widget.click()
    page.find(v.Btn, children=["▸ Model parameters"]).widget.click()
    labels = {w.label for w in page.find(v.Slider).widgets} | {
        w.label for w in page.find(v.TextField).widgets}
    assert all(f"{p.name} ({p.unit})" in labels or p.name in labels
               for p in [*RISK_PARAMS.values(), *MODEL_PARAMS.values()])
    steps = page.find(v.TextField, label="steps (quarters)").widget
    steps.v_model = "9"
    steps.fire_event("keyup.enter", None)
    assert counter(page) == "Quarter 0 of 6"  # waits for Reset
    assert page.find(v.Html, children=["1 changed: Reset to apply"]).widgets
    button(page, "Reset").click()
    assert counter(page) == "Quarter 0 of 9"


def test_each_page_has_its_own_run(small_runs):
    first = render_page()
    button(first, "Step").click()
    second = render_page()
    assert counter(first) == "Quarter 1 of 6" and counter(second) == "Quarter 0 of 6"


def test_parse_seed():
    assert app.parse_seed(" 12 ") == 12
    for bad in ("abc", "-1", "1.5", ""):
        with pytest.raises(ValueError, match="is not a seed"):
            app.parse_seed(bad)
