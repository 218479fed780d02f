"""The Solara page of the browser view.

Every browser session gets its own :class:`~sim.viz.live.LiveRun` (component state, created when
the page first renders, never at module level). The controls follow Mesa's ModelController
(Step, play/pause, Reset; playing steps the model in a worker thread); the page is laid out in
fixed columns, because Mesa's draggable grid renders empty with ipyvuetify 3.

What reacts to what: a new run (scenario, seed or Reset) re-renders the whole page; a step or a
policy change bumps ``tick``, which only the parts showing the run read. The language switch
(``lang``, per session) re-renders the page with its labels, units, descriptions and charts in
that language (:mod:`sim.i18n`); the run goes on.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import solara

from sim.i18n import LANGUAGE_NAMES, policy_label, t
from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS, Param, ParamError
from sim.inputs.scenario import ScenarioError
from sim.policies import REGISTRY
from sim.viz.charts import IndicatorCharts, current_table, table_html
from sim.viz.inputs import ParamInput
from sim.viz.live import LiveRun, scenario_files
from sim.viz.network_view import NetworkPicture, network_frame
from sim.viz.scale import national_csv, scale_caption, view_scale

#: Seconds between quarters while playing (rendering takes most of a quarter's time).
PLAY_INTERVAL = 0.05
_TICKS = itertools.count(1)  # unique values for the per-session ``tick`` states

CSS = """
.cs-figure img { max-width: 100%; height: auto; }
.cs-caption { font-size: 0.82rem; color: #555; }
.cs-counter { font-size: 1.25rem; font-weight: 600; }
.cs-table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
.cs-table th, .cs-table td { padding: 3px 6px; border-bottom: 1px solid #e3e3e3;
                             text-align: left; }
.cs-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cs-table .unit { font-size: 0.75rem; color: #777; }
"""


def _bump(tick: solara.Reactive[int]) -> None:
    tick.set(next(_TICKS))


def parse_seed(text: str) -> int:
    """A seed typed into the page: a whole number from 0, or ValueError saying so."""
    try:
        seed = int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a seed: enter a whole number from 0") from None
    if not 0 <= seed < 2**63:
        raise ValueError(f"{seed} is not a seed: enter a whole number from 0")
    return seed


# ------------------------------------------------------------------------------- controls
@solara.component
def Controls(run: LiveRun, tick: solara.Reactive[int], playing: solara.Reactive[bool],
             message: solara.Reactive[str | None], on_reset, lang: str = "en"):
    """Step, play/pause and Reset, and the quarter counter with its calendar quarter."""
    tick.get()
    scale = solara.use_memo(lambda: view_scale(run.spec), [run])

    def step_once() -> bool:
        try:
            run.step()
            return True
        except Exception as err:  # a model failure is shown, the page keeps working
            message.set(t("msg.viz.model_failed", lang, quarter=run.quarter + 1, error=err))
            return False
        finally:
            _bump(tick)

    def play() -> None:
        while playing.value and not run.finished:
            started = time.perf_counter()
            if not step_once():
                break
            time.sleep(max(0.0, PLAY_INTERVAL - (time.perf_counter() - started)))
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, run], prefer_threaded=True)

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(t("msg.viz.step", lang), on_click=step_once, color="primary",
                      disabled=playing.value or run.finished)
        solara.Button("❚❚ " + t("msg.viz.pause", lang) if playing.value
                      else "▶ " + t("msg.viz.play", lang), color="primary",
                      on_click=lambda: playing.set(not playing.value),
                      disabled=run.finished and not playing.value)
        solara.Button(t("msg.viz.reset", lang), on_click=on_reset, outlined=True)
        solara.Text(t("msg.viz.quarter_of", lang, quarter=run.quarter, horizon=run.horizon),
                    classes=["cs-counter"])
        solara.Text(t("msg.viz.calendar", lang, date=scale.quarter(run.quarter)),
                    classes=["cs-calendar"])
        if run.finished:
            solara.Text(t("msg.viz.end_of_run", lang), classes=["cs-caption"])


# ------------------------------------------------------------------------------- the run
@solara.component
def NetworkView(run: LiveRun, tick: solara.Reactive[int], lang: str = "en"):
    """The cooperation network now, and what is drawn of it (labels in ``lang``)."""
    tick.get()
    # one figure per run and language, redrawn each quarter
    picture = solara.use_memo(lambda: NetworkPicture(lang), [run, lang])
    frame = solara.use_memo(lambda: run.read(network_frame), [run, run.quarter])
    png = solara.use_memo(lambda: picture.png(frame), [frame, picture])
    with solara.Column(classes=["cs-figure", "cs-network"], gap="4px"):
        solara.Image(png)
        solara.Text(frame.caption(lang), classes=["cs-caption"])


@solara.component
def Charts(run: LiveRun, tick: solara.Reactive[int], lang: str = "en"):
    """The nine indicators per country, this run against the baseline."""
    tick.get()
    charts = solara.use_memo(lambda: IndicatorCharts(run.baseline(), run.horizon, lang,
                                                     view_scale(run.spec)), [run, lang])
    png = solara.use_memo(lambda: charts.png(run.indicators(), run.changes),
                          [charts, run.quarter, len(run.changes)])
    with solara.Column(classes=["cs-figure", "cs-charts"]):
        solara.Image(png)


@solara.component
def CurrentValues(run: LiveRun, tick: solara.Reactive[int], lang: str = "en"):
    """The nine indicators now (money at national scale, the scale stated), the baseline's at
    the same quarter, and the CSV download (model and national scale)."""
    tick.get()
    scale = solara.use_memo(lambda: view_scale(run.spec), [run])
    table = current_table(run.indicators(), run.baseline(), lang, scale)
    solara.Text(t("msg.viz.values_caption", lang, quarter=run.quarter,
                  date=scale.quarter(run.quarter)), classes=["cs-caption"])
    solara.HTML(tag="div", unsafe_innerHTML=table_html(table, lang), classes=["cs-values"])
    solara.Text(scale_caption(scale, lang), classes=["cs-caption", "cs-scale"])
    solara.FileDownload(
        data=lambda: national_csv(run.table(), scale).to_csv(index=False).encode("utf-8"),
        filename=f"{run.name}-seed{run.seed}-q{run.quarter}.csv",
        label=t("msg.viz.download", lang), mime_type="text/csv")
    solara.Text(t("msg.viz.download_note", lang), classes=["cs-caption"])
    if run.changes:
        solara.Text(t("msg.viz.changes", lang, items="; ".join(c.label(lang)
                                                             for c in run.changes)),
                    classes=["cs-caption"])


# ------------------------------------------------------------------------------- sidebar
@solara.component
def PolicyRow(run: LiveRun, name: str, tick: solara.Reactive[int],
              drafts: solara.Reactive[dict[str, dict[str, Any]]],
              message: solara.Reactive[str | None], lang: str = "en"):
    """One instrument: a switch that acts from the next quarter, and its parameters.

    Only this row changes the run's policies, so it re-renders on its own edits (``edits``),
    not on every quarter; ``tick`` tells the rest of the page.
    """
    expanded, set_expanded = solara.use_state(False)
    edits, set_edits = solara.use_state(0)
    cls = REGISTRY[name]
    live = run.policy_values(name)
    values = live if live is not None else {
        **cls.defaults(run.spec.scales()), **drafts.value.get(name, {})}

    def changed() -> None:
        set_edits(edits + 1)
        _bump(tick)

    def switch(on: bool) -> None:
        try:
            run.switch(name, on, drafts.value.get(name))
            message.set(None)
        except ParamError as err:
            message.set(f"{name}: {err}")
        changed()

    def set_value(key: str, value: Any) -> None:
        if live is not None:
            run.set_policy(name, key, value)  # a ParamError is shown by the input
            changed()
        else:
            drafts.set({**drafts.value, name: {**drafts.value.get(name, {}), key: value}})

    with solara.Row(style={"align-items": "center"}, gap="0px"):
        solara.Switch(label=policy_label(name, lang), value=run.is_on(name), on_value=switch,
                      color="primary")
        solara.Button(icon_name="mdi-tune", text=True, on_click=lambda: set_expanded(not expanded),
                      classes=[f"cs-tune-{name}"])
    if expanded:
        with solara.Column(style={"padding-left": "12px"}, gap="0px"):
            for key, param in cls.declared().items():
                if key != "enabled":
                    ParamInput(param, values[key], on_value=lambda v, k=key: set_value(k, v),
                               lang=lang)


@solara.component
def ParamGroup(title: str, declared: dict[str, Param], current: dict[str, Any],
               pending: solara.Reactive[dict[str, Any]], lang: str = "en"):
    """Model or risk parameters: edits wait for the next rebuild (Reset, scenario, seed)."""
    expanded, set_expanded = solara.use_state(False)
    waiting = {k: v for k, v in pending.value.items() if current.get(k) != v}
    with solara.Row(style={"align-items": "center"}):
        solara.Button(("▾ " if expanded else "▸ ") + title, text=True,
                      on_click=lambda: set_expanded(not expanded))
        if waiting:
            solara.Text(t("msg.viz.changed_reset", lang, count=len(waiting)),
                        classes=["cs-caption"])
    if expanded:
        solara.Button(t("msg.viz.scenario_values", lang), text=True,
                      on_click=lambda: pending.set({}))
        for key, param in declared.items():
            ParamInput(param, pending.value.get(key, current[key]),
                       on_value=lambda v, k=key: pending.set({**pending.value, k: v}), lang=lang)


@solara.component
def RunSettings(run: LiveRun, rebuild, lang: str = "en"):
    """Scenario and seed: a change starts a new run."""
    seed_error, set_seed_error = solara.use_state(None)

    def set_seed(text: str) -> None:
        try:
            seed = parse_seed(text)
        except ValueError as err:
            set_seed_error(f"{err}. The run keeps seed {run.seed}.")
            return
        set_seed_error(None)
        if seed != run.seed:
            rebuild(seed=seed)

    solara.Select(t("msg.common.scenario", lang), values=list(scenario_files()),
                  value=run.scenario_file.stem, on_value=lambda name: rebuild(scenario=name),
                  classes=["cs-scenario"])
    solara.Text(" ".join(run.spec.description.split())[:240], classes=["cs-caption"])
    solara.InputText(t("msg.viz.seed", lang), value=str(run.seed), on_value=set_seed,
                     error=bool(seed_error), message=seed_error, classes=["cs-seed"])


# ------------------------------------------------------------------------------- the page
@solara.component
def Page():
    """The browser view: a live run with its controls, network, charts and table."""
    first = solara.use_memo(lambda: LiveRun(scenario_files()["baseline"]), [])
    run = solara.use_reactive(first)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    message = solara.use_reactive(None)
    model_values = solara.use_reactive({})
    risk_values = solara.use_reactive({})
    drafts = solara.use_reactive({})
    lang = solara.use_reactive("en")  # the language switch, per session
    current = run.value
    here = lang.value

    def rebuild(scenario: str | None = None, seed: int | None = None) -> None:
        playing.set(False)
        try:
            new = LiveRun(scenario_files()[scenario or current.scenario_file.stem],
                          current.seed if seed is None else seed, model_values.value,
                          risk_values.value)
        except ScenarioError as err:
            message.set(t("msg.viz.not_started", here, error=err))
            return
        message.set(None)
        run.set(new)

    by_name = {name: key for key, name in LANGUAGE_NAMES.items()}
    solara.Title("clustersim: " + t("msg.viz.short_title", here))
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("clustersim: " + t("msg.viz.title", here))
    with solara.Sidebar():
        solara.Select(t("msg.viz.language", here), values=list(LANGUAGE_NAMES.values()),
                      value=LANGUAGE_NAMES[here], on_value=lambda name: lang.set(by_name[name]),
                      classes=["cs-language"])
        with solara.Card(t("msg.viz.run", here), margin=0):
            RunSettings(current, rebuild, here)
        with solara.Card(t("msg.viz.policies", here), subtitle=t("msg.viz.policies_note", here),
                         margin=0):
            for name in REGISTRY:
                PolicyRow(current, name, tick, drafts, message, here)
        with solara.Card(t("msg.viz.risks_and_model", here), margin=0):
            ParamGroup(t("msg.viz.risks", here), RISK_PARAMS, current.spec.risks, risk_values,
                       here)
            ParamGroup(t("msg.viz.model_params", here), MODEL_PARAMS, current.spec.model,
                       model_values, here)
    with solara.Column(style={"padding": "6px 14px"}, gap="8px"):
        Controls(current, tick, playing, message, on_reset=rebuild, lang=here)
        if message.value:
            solara.Error(message.value, classes=["cs-message"])
        with solara.Columns([7, 5]):
            NetworkView(current, tick, here)
            with solara.Column():
                CurrentValues(current, tick, here)
        Charts(current, tick, here)
