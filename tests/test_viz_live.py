"""The browser view's logic without a browser: the live run and its policy switches, the
baseline it is compared with, the network picture, the charts and table, the inputs built from
the declarations, the asset cache and the server's start-up checks."""

from __future__ import annotations

import io
import os
import socket
import stat
import sys

import numpy as np
import pytest
from conftest import SCENARIO_DIR, SMALL

from sim.experiments.runs import run_model
from sim.indicators import INDICATORS, KEY_INDICATORS
from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS, ParamError
from sim.inputs.scenario import ScenarioError, load_scenario
from sim.policies import COMMON_PARAMS, REGISTRY
from sim.reporting.formatting import fmt
from sim.viz import assets, server
from sim.viz.charts import IndicatorCharts, current_table, table_html
from sim.viz.inputs import input_kind, parse_number, slider_step
from sim.viz.live import LiveRun, baseline_trajectory, scenario_files
from sim.viz.network_view import MAX_NODES, NetworkPicture, firm_positions, network_frame
from sim.viz.scale import view_scale

SMALL_RUN = {"firm_scale": SMALL, "steps": 8, "warmup": 4}
TAX = list(INDICATORS).index("tax_foregone")


def small_run(name: str = "baseline", seed: int = 3, **model) -> LiveRun:
    return LiveRun(SCENARIO_DIR / f"{name}.toml", seed, {**SMALL_RUN, **model})


def run_to(run: LiveRun, quarter: int) -> None:
    while run.quarter < quarter:
        assert run.step()


# ------------------------------------------------------------------------------ live run
def test_scenario_files_are_the_bundled_ones_baseline_first():
    files = scenario_files()
    assert list(files)[0] == "baseline"
    assert set(files) == {p.stem for p in SCENARIO_DIR.glob("*.toml")}


def test_live_run_follows_the_same_trajectory_as_the_baseline_run():
    run = small_run()
    run_to(run, 8)
    assert run.finished and not run.step() and run.quarter == 8
    np.testing.assert_array_equal(run.indicators(), run.baseline())


def test_baseline_is_computed_once_per_seed_and_parameters(monkeypatch):
    values = {**load_scenario(SCENARIO_DIR / "baseline.toml").model, **SMALL_RUN, "steps": 3}
    first = baseline_trajectory(11, values)
    assert baseline_trajectory(11, dict(values)) is first
    assert not first.flags.writeable
    assert first.shape[0] == 4
    assert baseline_trajectory(12, values) is not first


def test_the_baseline_shown_beside_a_run_has_the_run_s_fitted_values(tmp_path):
    """A run built with other fitted values is compared with a baseline of the same fit (the
    cache keys on the fit): catches a cached baseline of the fit in use beside a run of
    another."""
    from sim.inputs.fitted import fitted_in_use, load_fitted

    path = tmp_path / "fit.toml"
    path.write_text('[values]\n"countries.AZ.rd_intensity_private" = { value = 0.01 }\n')
    other = load_fitted(path)
    values = {**load_scenario(SCENARIO_DIR / "baseline.toml").model, **SMALL_RUN, "steps": 3}
    installed = baseline_trajectory(11, values, fitted_in_use())
    assert baseline_trajectory(11, values) is installed
    refitted = baseline_trajectory(11, values, other)
    assert refitted is not installed
    assert not np.array_equal(refitted, installed, equal_nan=True)
    assert baseline_trajectory(11, values, load_fitted(path)) is refitted  # equal fit, cached


def test_switching_a_policy_on_mid_run_changes_the_trajectory_from_the_next_quarter():
    run = small_run()
    run_to(run, 3)
    run.switch("tax_break", True)
    assert run.is_on("tax_break") and run.changes[-1].text == "tax_break on"
    run_to(run, 8)
    mine, base = run.indicators(), run.baseline()
    np.testing.assert_array_equal(mine[:4], base[:4])  # quarters 0-3: before the switch
    assert (mine[4:, :, TAX] > base[4:, :, TAX] + 1.0).all()  # taxes foregone to the break
    keys = [list(INDICATORS).index(k) for k in KEY_INDICATORS]
    assert not np.allclose(mine[-1][:, keys], base[-1][:, keys])


def test_switching_a_scenario_policy_off_stops_it_at_once():
    run = small_run("tax_break")
    run_to(run, 2)
    assert run.is_on("tax_break")
    run.switch("tax_break", False)
    run_to(run, 4)
    foregone, parks_only = run.indicators()[:, 2, TAX], run.baseline()[:, 2, TAX]
    assert foregone[2] > 3 * parks_only[2]  # the break on top of the parks' regimes (4.9x)
    np.testing.assert_allclose(foregone[3:], parks_only[3:5], rtol=0.2)  # only the parks
    assert len(run.instances("tax_break")) == 1  # the scenario's policy, switched off


def test_a_policy_switched_on_uses_the_values_set_before():
    run = small_run()
    run.switch("tax_break", True, {"profit_relief": 0.5, "country": "AZ"})
    values = run.policy_values("tax_break")
    assert values["profit_relief"] == 0.5 and values["country"] == "AZ"
    assert values["enabled"] and values["vat_relief"] == REGISTRY["tax_break"].declared()[
        "vat_relief"].default
    with pytest.raises(ParamError, match="profit_relief"):
        small_run().switch("tax_break", True, {"profit_relief": 2.0})


def test_switching_off_a_policy_the_run_does_not_have_does_nothing():
    run = small_run()
    run.switch("tax_break", False)
    assert run.instances("tax_break") == [] and run.changes == []


def test_policy_parameters_change_mid_run_through_the_declarations():
    run = small_run("tax_break")
    run.set_policy("tax_break", "profit_relief", 0.25)
    assert run.policy_values("tax_break")["profit_relief"] == 0.25
    assert run.changes[-1].text == "tax_break.profit_relief = 0.25"
    with pytest.raises(ParamError, match=r"\[0, 1\]"):
        run.set_policy("tax_break", "profit_relief", 3.0)
    run.set_policy("tax_break", "start", 10)
    with pytest.raises(ParamError, match="end 5 would come before start 10"):
        run.set_policy("tax_break", "end", 5)
    assert run.policy_values("tax_break")["end"] == 2000
    assert run.policy_values("tax_break")["profit_relief"] == 0.25
    with pytest.raises(KeyError):
        small_run().set_policy("tax_break", "profit_relief", 0.5)


def test_model_and_risk_overrides_are_validated():
    run = small_run("tax_break")
    assert run.name == "tax_break" and run.horizon == 8
    assert LiveRun(SCENARIO_DIR / "baseline.toml", 0, SMALL_RUN,
                   {"implementation": 0.5}).spec.risks["implementation"] == 0.5
    with pytest.raises(ScenarioError, match="firm_scale"):
        LiveRun(SCENARIO_DIR / "baseline.toml", 0, {"firm_scale": -1.0})


def test_table_is_the_tidy_run_table_and_names_the_changes():
    run = small_run()
    run_to(run, 2)
    run.switch("certification", True)
    run_to(run, 3)
    table = run.table()
    assert set(table["step"]) == {0, 1, 2, 3}
    assert table["scenario"].iloc[0] == "baseline; certification on after quarter 2"
    reference = run_model(load_scenario(SCENARIO_DIR / "baseline.toml").with_model(**SMALL_RUN),
                          3, 3)
    assert len(table) == reference.indicator_array().size


# ------------------------------------------------------------------------------ network
def test_network_frame_draws_everything_below_the_limit():
    run = small_run()
    frame = run.read(network_frame)
    assert not frame.sampled
    assert frame.nodes == frame.nodes_drawn == run.model.graph.number_of_nodes()
    residency = sum(1 for *_, d in run.model.graph.edges(data=True) if d["kind"] == "residency")
    assert frame.ties == frame.ties_drawn == run.model.graph.number_of_edges() - residency
    assert "Every agent and tie is drawn" in frame.caption()
    assert np.abs(frame.xy).max() <= 1.0


def test_network_frame_samples_large_networks_keeping_what_matters():
    run = small_run("full_package", firm_scale=1.5)  # about 2,300 firms
    run_to(run, 3)
    model = run.model
    frame = network_frame(model)
    assert frame.sampled and frame.nodes_drawn == MAX_NODES < frame.nodes
    assert (frame.kind == "university").sum() == len(model.universities)
    assert (frame.kind == "park").sum() == len(model.parks)
    residents = int((model.firms["park"] >= 0).sum())
    assert (frame.kind == "firm").sum() >= residents
    assert frame.cross.sum() == frame.cross_ties > 0  # every cross-border tie is drawn
    assert "a sample of 1,500 agents" in frame.caption()
    tiny = network_frame(model, max_nodes=100)  # fewer places than cross-border firms
    cross = {n for a, b, d in model.graph.edges(data=True) if d["cross"] for n in (a, b)}
    assert tiny.nodes_drawn == 100 and set(tiny.ids[tiny.kind == "firm"]) <= cross
    # the same firms stay in the sample from one quarter to the next
    before = set(map(tuple, frame.xy.round(9)))
    run.step()
    after = set(map(tuple, network_frame(model).xy.round(9)))
    assert len(before & after) > 0.9 * MAX_NODES


def test_firms_keep_their_place_and_park_residents_sit_in_their_park():
    run = small_run("industrial_park")
    f = run.model.firms
    ids0, park0, xy0 = f.ids.copy(), f["park"].copy(), firm_positions(run.model)
    run_to(run, 6)
    xy = firm_positions(run.model)
    _, before, now = np.intersect1d(ids0, f.ids, return_indices=True)
    outside = (park0[before] < 0) & (f["park"][now] < 0)
    assert outside.sum() > 100
    np.testing.assert_array_equal(xy0[before][outside], xy[now][outside])
    frame = network_frame(run.model)
    assert len(frame.parks) == len(run.model.parks) > 4  # the policy built a park per country
    for (x, y, radius, _name, c), park in zip(frame.parks, run.model.parks, strict=True):
        rows = f["park"] == park.index
        assert (np.hypot(xy[rows, 0] - x, xy[rows, 1] - y) <= radius).all()
        assert (np.sign(xy[rows, 0]) == (-1 if c == 0 else 1)).all()
    assert (np.sign(xy[:, 0]) == np.where(f["country"] == 0, -1, 1)).all()


def test_network_picture_redraws_only_what_moves():
    run = small_run()
    picture = NetworkPicture()
    first = picture.png(network_frame(run.model))
    assert first.startswith(PNG)
    background = picture.canvas._background
    run_to(run, 2)
    second = picture.png(network_frame(run.model))
    assert second != first and picture.canvas._background is background
    assert "quarter 2" in picture.title.get_text()
    assert _pixels(second) == _pixels(NetworkPicture().png(network_frame(run.model)))


PNG = b"\x89PNG\r\n\x1a\n"


def _pixels(png: bytes) -> bytes:
    from PIL import Image

    return Image.open(io.BytesIO(png)).tobytes()


# ------------------------------------------------------------------------------ charts, table
def test_charts_show_the_run_against_the_baseline_and_mark_changes():
    run = small_run()
    charts = IndicatorCharts(run.baseline(), run.horizon)
    run_to(run, 2)
    run.switch("tax_break", True)
    run_to(run, 4)
    png = charts.png(run.indicators(), run.changes)
    assert png.startswith(PNG) and len(charts.axes) == 9 == len(KEY_INDICATORS)
    line, country, name = charts.lines[0]
    assert len(line.get_xdata()) == 5 and country == "AZ" and name == KEY_INDICATORS[0]
    assert len(charts.markers) == 9  # one dotted line per chart for the one change
    charts.png(run.indicators(), run.changes)
    assert len(charts.markers) == 9  # drawing again adds none
    assert "quarter 4" in charts.title.get_text()
    # the same picture as a chart drawn from scratch
    fresh = IndicatorCharts(run.baseline(), run.horizon)
    assert _pixels(charts.png(run.indicators(), run.changes)) == _pixels(
        fresh.png(run.indicators(), run.changes))


def test_charts_grow_an_axis_when_the_run_leaves_it():
    run = small_run()
    charts = IndicatorCharts(run.baseline(), run.horizon)
    charts.png(run.indicators())
    background = charts.canvas._background
    exports = list(KEY_INDICATORS).index("tech_exports")
    high = charts.axes[exports].get_ylim()[1]
    far = run.indicators().copy()
    far[:, :, list(INDICATORS).index("tech_exports")] = 3 * high
    charts.png(far)
    assert charts.axes[exports].get_ylim()[1] > 3 * high
    assert charts.canvas._background is not background  # fixed parts drawn again


def test_current_table_compares_with_the_baseline_at_the_same_quarter():
    run = small_run()
    run_to(run, 3)
    scale = view_scale(run.spec)
    table = current_table(run.indicators(), run.baseline(), scale=scale)
    assert list(table["indicator"]) == [INDICATORS[k].label for k in KEY_INDICATORS]
    assert (table["difference"].fillna(0) == 0).all()
    shifted = run.indicators().copy()
    shifted[:, :, list(INDICATORS).index("tech_exports")] += 10.0
    table = current_table(shifted, run.baseline(), scale=scale)
    row = table.set_index("indicator").loc[INDICATORS["tech_exports"].label]
    # both countries at national scale: 10 more in each country, times its factor
    national = 10.0 * (scale.factor["AZ"] + scale.factor["BY"])
    assert row["difference"] == pytest.approx(national)
    page = table_html(table)
    assert page.count("<tr>") == 10 and "#1a7f37" in page
    assert f"+{fmt(national)}" in page


# ------------------------------------------------------------------------------ inputs
@pytest.mark.parametrize(("name", "kind"), [
    ("selectivity", "slider"), ("frontier_start", "slider"), ("warmup", "slider"),
    ("firm_scale", "number"), ("steps", "number"), ("search_candidates", "slider")])
def test_model_parameters_get_inputs_that_fit_their_range(name, kind):
    param = MODEL_PARAMS[name]
    assert input_kind(param, param.default) == kind


def test_slider_positions_reach_the_default_and_the_bounds():
    for param in [*MODEL_PARAMS.values(), *RISK_PARAMS.values(),
                  *(p for cls in REGISTRY.values() for p in cls.param_specs)]:
        step = slider_step(param, param.default)
        if step and param.kind is float:
            positions = (param.high - param.low) / step
            assert positions <= 1000
            offset = (param.default - param.low) / step
            assert abs(offset - round(offset)) < 1e-6, param.name


def test_policy_inputs_switch_select_and_number():
    common = {p.name: p for p in COMMON_PARAMS}
    assert input_kind(common["enabled"], True) == "switch"
    assert input_kind(common["country"], "both") == "select"
    assert input_kind(common["start"], 1) == "number"
    assert input_kind(REGISTRY["tax_break"].declared()["profit_relief"], 1.0) == "slider"


def test_typed_numbers_are_parsed_or_rejected_with_the_declared_range():
    steps = MODEL_PARAMS["steps"]
    assert parse_number(steps, " 80 ") == 80 and isinstance(parse_number(steps, "80"), int)
    assert parse_number(MODEL_PARAMS["firm_scale"], "1,5") == 15.0
    with pytest.raises(ParamError, match=r"'many' is not a number; expected an integer in"):
        parse_number(steps, "many")


# ------------------------------------------------------------------------------ assets, server
def test_required_assets_come_from_the_installed_solara():
    packages = assets.required_packages()
    assert any(p.startswith("@widgetti/solara-vuetify") for p in packages)
    assert any(p.startswith("requirejs@") for p in packages)
    assert any(p.startswith("font-awesome@") for p in packages)
    assert all("@" in p.lstrip("@") for p in packages)


def test_fill_unpacks_npm_packages_into_the_cache(tmp_path, monkeypatch):
    """With a stand-in for npm (no network): each package lands in <cache>/<name>@<version>/
    without the tarball's top folder, and a filled cache is left alone."""
    calls = tmp_path / "calls.txt"
    npm = tmp_path / "bin" / "npm"
    npm.parent.mkdir()
    npm.write_text(f"""#!{sys.executable}
import io, json, sys, tarfile
spec, dest = sys.argv[2], sys.argv[sys.argv.index("--pack-destination") + 1]
open({str(calls)!r}, "a").write(spec + "\\n")
name = spec.replace("@", "-").replace("/", "-").strip("-") + ".tgz"
with tarfile.open(dest + "/" + name, "w:gz") as tar:
    for path, text in (("package/package.json", "{{}}"), ("package/dist/app.js", "x")):
        data = text.encode()
        info = tarfile.TarInfo(path); info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
print(json.dumps([{{"filename": name}}]))
""")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(npm.parent), prepend=os.pathsep)
    cache = tmp_path / "cache"
    fetched = assets.fill(cache, log=lambda _: None)
    packages = assets.required_packages()
    assert fetched == [f"{p} (npm)" for p in packages]
    for package in packages:
        assert (cache / package / "dist" / "app.js").read_text() == "x"
    assert assets.missing(cache) == []
    assert assets.fill(cache) == []  # nothing to do: npm is not called again
    assert calls.read_text().split() == packages
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith("@")) == sorted(
        p for p in packages if not p.startswith("@"))  # no temporary folders left


def test_cache_location_follows_solaras_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(assets.CACHE_ENV, raising=False)
    assert assets.cache_dir() == assets.PROJECT_CACHE
    monkeypatch.setenv(assets.CACHE_ENV, str(tmp_path))
    assert assets.cache_dir() == tmp_path
    assert assets.main(["--check"]) == 1


def test_serve_reports_a_port_in_use(capsys, monkeypatch):
    for name in ("SOLARA_APP", "SOLARA_TELEMETRY_MIXPANEL_ENABLE", assets.CACHE_ENV):
        monkeypatch.setenv(name, "")  # restored after the test: serve() sets them
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert server.serve("127.0.0.1", port) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
