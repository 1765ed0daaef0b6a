"""genaisim scenario explorer.

Run with ``genaisim app``, ``make app`` or ``streamlit run app.py``. A thin shell over
the library: the sidebar is generated from ``Scenario.parameters()``, and every table
and chart here comes from ``genaisim``, ``genaisim.charts`` or ``genaisim.app_support``,
which a script can call too.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import streamlit as st

import genaisim
from genaisim import app_roadmap as roadmap
from genaisim import app_support as support
from genaisim import charts
from genaisim.calibration.posterior import Posterior, load_posterior
from genaisim.charts.timing import cost_of_delay
from genaisim.errors import GenaisimError, ScenarioError
from genaisim.results import (
    Results,
    RunEstimate,
    estimate_run,
    scenario_mean,
    simulate_in_steps,
    start_pool,
)
from genaisim.roadmap import MAX_RAMP_MONTHS, portfolio_to_csv
from genaisim.scenario import Scenario
from genaisim.story import as_markdown, story
from genaisim.timing import compare_timing
from genaisim.verdict import (
    LABEL_MEANINGS,
    RANKED_OUTCOMES,
    lever_ranking,
    millions,
    readable,
    verdict,
    verdict_table,
)

#: Height of the value chart in the app (the slide export keeps its own size).
IN_APP_HEIGHT = 600

st.set_page_config(page_title="genaisim", layout="wide")
# A chart keeps its slide proportions but never overflows the page: on a narrow screen
# it is scaled down to the width available instead of scrolling sideways.
st.html(
    "<style>[data-testid='stVegaLiteChart'] :is(svg, canvas)"
    " { max-width: 100% !important; height: auto !important; }</style>"
)


# -- cached simulation ---------------------------------------------------------------
#: A run estimated to take longer than this waits for "Run anyway" (seconds).
CONFIRM_ABOVE_S = 20.0
#: A run estimated to take longer than this shows its progress and a cancel button.
PROGRESS_ABOVE_S = 1.5


@st.cache_data(show_spinner=False, max_entries=256)
def _estimate_json(scenario_json: str) -> RunEstimate:
    return estimate_run(Scenario.model_validate_json(scenario_json))


#: Processes the server keeps for the runs that gain from them (none on one core).
WORKERS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
#: A run estimated above this on one process is split over the workers (seconds): below
#: it, sending the work costs more than it saves.
POOL_ABOVE_S = 0.3
#: The tornado's runs go to the workers all at once when each is estimated under this
#: (seconds): they have no Cancel of their own.
SHORT_RUN_S = 1.0

log = logging.getLogger("genaisim.app")


@st.cache_resource(show_spinner=False)
def worker_pool() -> ProcessPoolExecutor | None:
    """Worker processes kept for the server's life, shared by every session.

    Started and warmed with the first page (:func:`genaisim.results.start_pool`), so
    the first long run does not wait for them. None on a one-core machine, in a worker
    process itself, or where processes cannot be started (the app then runs everything
    in the server's process, as before).
    """
    if WORKERS < 2 or multiprocessing.parent_process() is not None:
        return None
    try:
        return start_pool(WORKERS)
    except (OSError, RuntimeError):
        log.warning("no worker processes: runs stay in the server's process", exc_info=True)
        return None


def on_workers(compute, fallback):
    """``compute(pool)`` on the worker processes, or ``fallback()`` without them.

    A pool a worker of which died (killed, out of memory) is logged and dropped, and a
    new one started for the next run; this run falls back.
    """
    pool = worker_pool()
    if pool is None:
        return fallback()
    try:
        return compute(pool)
    except BrokenProcessPool:
        log.warning("a worker process stopped: starting new ones", exc_info=True)
        if worker_pool() is pool:  # not already replaced by another session
            worker_pool.clear()
        return fallback()


@st.cache_data(show_spinner="Simulating…", max_entries=256)
def _run_json(scenario_json: str) -> Results:
    # The same tables on the workers as here: each replication depends only on its seed.
    scenario = Scenario.model_validate_json(scenario_json)
    if _estimate_json(scenario_json).seconds <= POOL_ABOVE_S:
        return genaisim.simulate(scenario)
    return on_workers(
        lambda pool: genaisim.simulate(scenario, executor=pool, workers=WORKERS),
        lambda: genaisim.simulate(scenario),
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _run_json_in_steps(scenario_json: str, _estimate: RunEstimate) -> Results:
    # The estimate (not part of the cache's key) spreads the progress over the months.
    # Every update of the bar lets Streamlit stop the run: a click anywhere on the page
    # (Cancel, or any widget) ends it within a month of simulated time.
    scenario = Scenario.model_validate_json(scenario_json)
    bar = st.progress(0.0, text=f"Simulating {scenario.name}…")
    steps = simulate_in_steps(scenario)
    started = shown = time.perf_counter()
    while True:
        try:
            share = next(steps)
        except StopIteration as done:
            bar.empty()
            return done.value
        now = time.perf_counter()
        if now - shown >= 0.2:
            shown = now
            done = _estimate.time_share(share)
            # Early on, the estimate made before the run is the better guide; as the run
            # goes on, its own pace takes over.
            planned = _estimate.seconds * (1.0 - done)
            paced = _estimate.seconds_left(share, now - started)
            left = done * paced + (1.0 - done) * planned
            text = f"Simulating {scenario.name}: {done:.0%}, {duration(left)} left"
            bar.progress(done, text=text)


def organisations(n: int) -> str:
    """``1 organisation`` or ``2,000 organisations``."""
    return f"{n:,} organisation" + ("" if n == 1 else "s")


def duration(seconds: float) -> str:
    """``about 40 s`` or ``about 3 min``: an estimate, to its first figure."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} min"


def _allow(key: str, estimate: float) -> None:
    st.session_state["cancelled_runs"].discard(key)
    st.session_state["allowed_s"] = max(st.session_state["allowed_s"], 1.5 * estimate)


def _cancel(key: str) -> None:
    st.session_state["cancelled_runs"].add(key)
    st.session_state["allowed_s"] = CONFIRM_ABOVE_S


#: The runs that showed their "Run anyway" or "Cancel this run" button in this script run:
#: the same scenario asked for again (the tornado's current scenario, a lever already at
#: a range's end) does not draw a second button with the same key.
buttons_shown: set[str] = set()


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    ask: bool = True,
) -> Results | None:
    """Simulate a scenario; cached by the scenario (its replications and seed included).

    A run estimated to take longer than ``PROGRESS_ABOVE_S`` shows its progress with the
    time left and a Cancel button. With ``ask``, a run estimated above what the session
    has allowed (``CONFIRM_ABOVE_S`` until "Run anyway" raises it), or one cancelled,
    is not started: the page says how long it would take, offers "Run anyway", and this
    returns None. Without ``ask`` (runs the user has just asked for by a button), it runs.
    """
    changes: dict[str, int] = {}
    if replications is not None:
        changes["simulation.replications"] = replications
    if seed is not None:
        changes["simulation.seed"] = int(seed)
    if changes:
        scenario = scenario.with_changes(changes)
    key = scenario.model_dump_json()
    estimate = _estimate_json(key)
    if estimate.seconds <= PROGRESS_ABOVE_S:
        return _run_json(key)
    st.session_state.setdefault("allowed_s", CONFIRM_ABOVE_S)
    st.session_state.setdefault("cancelled_runs", set())
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    again = digest in buttons_shown
    buttons_shown.add(digest)
    cancelled = key in st.session_state["cancelled_runs"]
    if ask and (cancelled or estimate.seconds > st.session_state["allowed_s"]):
        if again:  # already asked on this page
            return None
        size = (
            f"{organisations(scenario.population.organisations)} × "
            f"{scenario.simulation.replications} replications × "
            f"{scenario.simulation.years * 12} months"
        )
        with st.container(border=True):
            st.warning(
                f"**{scenario.name}** was cancelled: {size}, {duration(estimate.seconds)} here."
                if cancelled
                else f"**{scenario.name}** is a large run: {size}, {duration(estimate.seconds)} on "
                "this server. Fewer organisations or replications (Run settings, in the "
                "sidebar) make it quicker; runs estimated at up to "
                f"{CONFIRM_ABOVE_S:.0f} s start at once.",
                icon=":material/hourglass_top:",
            )
            st.button(
                "Run anyway",
                key=f"run_anyway:{digest}",
                on_click=_allow,
                args=(key, estimate.seconds),
            )
        return None
    if again:  # run (or stopped) once already on this page: cached
        return _run_json_in_steps(key, estimate)
    slot = st.empty()
    slot.button(
        "Cancel this run", key=f"cancel:{digest}", on_click=_cancel, args=(key,), type="secondary"
    )
    results = _run_json_in_steps(key, estimate)
    slot.empty()
    return results


def posterior_version(scenario: Scenario) -> int:
    """When the scenario's posterior file last changed: a newer calibration is a new key."""
    return Path(scenario.posterior).stat().st_mtime_ns


@st.cache_data(show_spinner=False, max_entries=16)
def _posterior(path: str, version: int) -> Posterior:
    return load_posterior(path)


def posterior_of(scenario: Scenario) -> Posterior | None:
    """The scenario's calibrated posterior, or None; read only when the scenario has one."""
    if not scenario.posterior:
        return None
    try:
        return _posterior(scenario.posterior, posterior_version(scenario))
    except (GenaisimError, OSError) as exc:
        st.warning(f"The calibrated posterior of {scenario.name} could not be read: {exc}")
        return None


@st.cache_data(show_spinner=False, max_entries=32)
def _run_posterior_json(scenario_json: str, draws: int, version: int) -> Results:
    # The bar is made inside the cached function, so a cached result replays it (emptied).
    bar = st.progress(0.0, text=f"Drawing {draws} parameter sets from the posterior…")

    def step(runs):
        total = len(runs)
        for done in runs:
            bar.progress(done / total, text=f"Simulating parameter set {done + 1} of {total}…")
            yield done

    results = genaisim.simulate(
        Scenario.model_validate_json(scenario_json), posterior=draws, progress=step
    )
    bar.empty()
    return results


def run_posterior(scenario: Scenario, draws: int) -> Results:
    """Simulate ``draws`` parameter sets from the scenario's posterior, one replication each."""
    one = scenario.with_changes({"simulation.replications": 1})
    return _run_posterior_json(one.model_dump_json(), int(draws), posterior_version(scenario))


def widget_key(key: str) -> str:
    """The session-state key of the widget showing one parameter."""
    return f"param:{key}"


def group_key(pattern: str) -> str:
    """The session-state key of the sidebar group of one pattern's sliders (open or not)."""
    return f"group:{pattern}"


def load_into_widgets(scenario: Scenario) -> None:
    """Make the scenario the base and show its values in every widget, its roadmap too."""
    st.session_state["base"] = scenario
    for key, value in support.widget_values(scenario).items():
        st.session_state[widget_key(key)] = value
    set_roadmap_rows(roadmap.rows_from_interventions(scenario.interventions))
    st.session_state["roadmap_applied"] = scenario.interventions
    st.session_state["portfolio"] = scenario.current_portfolio
    st.session_state["portfolio_source"] = "from the scenario"
    st.session_state.pop("portfolio_error", None)


# -- the roadmap: a table of lever changes and the current portfolio ----------------------
# The table shown is the rows set last (by a scenario, the link or the form) with the
# data editor's edits; setting rows gives the editor a new key, so it starts from them.
def set_roadmap_rows(rows: list[dict]) -> None:
    """Show these rows in the lever-change table, discarding the editor's edits."""
    st.session_state["roadmap_rows"] = rows
    st.session_state["roadmap_version"] = st.session_state.get("roadmap_version", 0) + 1


def editor_key() -> str:
    """The session-state key of the lever-change table's editor."""
    return f"roadmap_editor:{st.session_state['roadmap_version']}"


def roadmap_rows() -> list[dict]:
    """The lever-change table as the user sees it."""
    edits = st.session_state.get(editor_key())
    return roadmap.apply_editor_state(st.session_state["roadmap_rows"], edits)


def add_lever_change() -> None:
    """The form's lever change, added at the bottom of the table."""
    rows = roadmap_rows()
    rows.append(
        {
            "month": st.session_state["add_month"],
            "ramp_months": st.session_state["add_ramp"],
            "lever": st.session_state["add_lever"],
            "value": st.session_state["add_value"],
            "label": st.session_state["add_label"],
        }
    )
    set_roadmap_rows(rows)
    st.session_state["add_label"] = ""


def show_lever_value() -> None:
    """Start the form's new value at the chosen lever's value now."""
    key = roadmap.lever_key(st.session_state["add_lever"])
    st.session_state["add_value"] = float(st.session_state["scenario"].get(key))


def upload_portfolio() -> None:
    """Read the uploaded current portfolio; a file that does not fit changes nothing."""
    upload = st.session_state.get("portfolio_upload")
    if upload is None:  # the file was removed from the uploader: the portfolio stays
        return
    try:
        rows = roadmap.read_portfolio(upload.getvalue(), upload.name)
        st.session_state["scenario"].with_portfolio(rows, source=upload.name)
    except ScenarioError as exc:
        st.session_state["portfolio_error"] = roadmap.portfolio_message(exc)
        return
    st.session_state["portfolio"] = rows
    st.session_state["portfolio_source"] = f"from {Path(upload.name).name}"
    st.session_state.pop("portfolio_error", None)
    # A current portfolio means the programme is running: it starts at month 0.
    st.session_state[widget_key("organisation.start_month")] = 0


def clear_portfolio() -> None:
    """Start from an empty portfolio again."""
    st.session_state["portfolio"] = ()
    st.session_state.pop("portfolio_error", None)


presets = list(genaisim.available_scenarios())

# -- first run: the scenario comes from the URL, or is the baseline -------------------
worker_pool()  # started by the server's first page, then kept
if "base" not in st.session_state:
    state = support.decode_query(st.query_params.to_dict())
    st.session_state["preset"] = state.preset
    st.session_state["loaded_preset"] = state.preset
    st.session_state["url_problems"] = state.problems
    load_into_widgets(state.scenario)
    if roadmap.PORTFOLIO_PARAM in st.query_params:
        st.session_state["portfolio_source"] = "from the link"
    view = support.decode_view(st.query_params.to_dict(), presets)
    st.session_state["url_problems"] += view.problems
    st.session_state["url_tab"] = view.tab
    if view.compare is not None:
        st.session_state["compare_with"] = view.compare
    if view.what_if is not None:
        st.session_state["what_if"] = view.what_if
    st.session_state["inside_replication"] = view.replication
    st.session_state["inside_organisation"] = view.organisation
    st.session_state["saved"] = {}

# A widget not drawn in a run loses its value (Streamlit's clean-up): the sliders of a
# closed group are not drawn, so every parameter's value is kept as the session's own;
# and so is whether each group is open (its label, part of its identity, changes with a
# calibrated preset).
KEPT = ("param:", "group:")
for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(KEPT)]:
    st.session_state[key] = st.session_state[key]

# -- sidebar ---------------------------------------------------------------------------
with st.sidebar:
    st.header("Scenario")
    preset = st.selectbox("Preset", presets, key="preset")
    if preset != st.session_state["loaded_preset"]:
        st.session_state["loaded_preset"] = preset
        st.session_state.pop("upload_error", None)
        st.session_state["url_problems"] = []
        load_into_widgets(genaisim.load_scenario(preset))

    upload = st.file_uploader("Upload a scenario (.toml)", type=["toml"], key="upload")
    if upload is not None and upload.file_id != st.session_state.get("upload_id"):
        st.session_state["upload_id"] = upload.file_id
        try:
            load_into_widgets(support.validate_upload(upload.getvalue(), upload.name))
            st.session_state.pop("upload_error", None)
        except ScenarioError as exc:
            st.session_state["upload_error"] = str(exc)
    if st.session_state.get("upload_error"):
        st.error(f"The uploaded scenario was not loaded:\n\n{st.session_state['upload_error']}")
    for problem in st.session_state.get("url_problems", []):
        st.warning(f"Ignored from the link: {problem}")

    base: Scenario = st.session_state["base"]
    posterior = posterior_of(base)
    replications_key = widget_key("simulation.replications")
    st.session_state[replications_key] = min(max(st.session_state[replications_key], 2), 200)
    st.slider("Replications", 2, 200, key=replications_key, help="Independent runs.")
    st.number_input("Seed", 0, 2**32 - 1, step=1, key=widget_key("simulation.seed"))

    values = {
        "simulation.replications": st.session_state[replications_key],
        "simulation.seed": int(st.session_state[widget_key("simulation.seed")]),
    }
    specs_by_pattern = support.slider_specs(base)
    if posterior is not None:
        specs_by_pattern = support.mark_calibrated(specs_by_pattern, posterior.keys)
    # Only an open group draws its sliders (a hundred sliders drawn on every rerun cost
    # the browser half a second); a closed group's values are the ones kept in the
    # session, which every run keeps alive (below the first run).
    for pattern, specs in specs_by_pattern.items():
        group = st.expander(
            support.group_label(pattern, specs), key=group_key(pattern), on_change="rerun"
        )
        if not group.open:
            values |= {spec.key: st.session_state[widget_key(spec.key)] for spec in specs}
            continue
        with group:
            for spec in specs:
                values[spec.key] = st.slider(
                    spec.label,
                    min_value=spec.low,
                    max_value=spec.high,
                    step=spec.step,
                    format=spec.format,
                    help=spec.help,
                    key=widget_key(spec.key),
                )
    plain_base = roadmap.without_roadmap(base)
    try:
        scenario = support.scenario_from_widgets(plain_base, values)
    except ScenarioError as exc:  # a widget value the model refuses: say so, keep the base
        st.error(str(exc))
        scenario = plain_base
    plan = roadmap.plan_roadmap(
        scenario,
        roadmap_rows(),
        st.session_state["portfolio"],
        st.session_state["roadmap_applied"],
        base=base,
    )
    scenario = plan.scenario
    st.session_state["roadmap_applied"] = scenario.interventions
    st.session_state["scenario"] = scenario
    if plan.problems or plan.portfolio_problem:
        st.warning("Part of the roadmap is not applied: see the Roadmap tab.")
    st.download_button(
        "Download this scenario (.toml)",
        scenario.to_toml(),
        file_name=f"{scenario.name.replace(' ', '_').replace('(', '').replace(')', '')}.toml",
        mime="application/toml",
    )
    with st.popover("Save this scenario", width="stretch"):
        st.caption(
            "Kept while this browser tab is open, to compare with the presets in the Compare "
            "tab; download it (above) to keep it for good."
        )
        # A form: the name and the Save (or Enter) arrive together.
        with st.form("save_form", border=False):
            save_name = st.text_input(
                "Name", value=f"My {scenario.name.removesuffix(' (edited)')}", key="save_name"
            )
            saving = st.form_submit_button("Save", key="save_scenario", type="primary")
        if saving and save_name.strip():
            st.session_state["saved"][save_name.strip()] = scenario.with_changes(
                {"name": save_name.strip()}
            ).model_dump_json()
            st.success(f"Saved as {save_name.strip()}{support.SAVED_SUFFIX}.")
    saved = st.session_state["saved"]
    if saved:
        st.caption("Saved in this tab: " + ", ".join(saved) + ".")

    others = [p for p in presets if p != preset] + [f"{n}{support.SAVED_SUFFIX}" for n in saved]
    default_others = [p for p in ("compounder", "pilot_loop") if p in others]
    compare_with = st.session_state.get("compare_with")
    if compare_with is not None:
        # A preset now shown as the current one, or a saved scenario no longer saved, drops out.
        compare_with = [name for name in compare_with if name in others]
        st.session_state["compare_with"] = compare_with
    linked = [n for n in compare_with or [] if not n.endswith(support.SAVED_SUFFIX)]
    query, link_notes = support.encode_link(preset, scenario)
    if len(linked) < len(compare_with or []):
        link_notes.append(
            "The link does not carry the saved scenarios you compare with: save each as a "
            "file (download it while it is the current scenario) to share it."
        )
    for note in link_notes:
        st.warning(note)
    query |= support.encode_view(
        st.session_state.get("tab", st.session_state.get("url_tab")),
        None if compare_with is None else linked,
        default_others,
        st.session_state.get("what_if"),
        st.session_state.get("inside_replication", 0),
        st.session_state.get("inside_organisation", 0),
    )

st.query_params.from_dict(query)

# -- header ------------------------------------------------------------------------------
st.title("Why some GenAI deployments compound and others stay stuck in pilots")
st.write(
    "Choose or edit a scenario of an organisation in the sidebar and see how its GenAI "
    "programme unfolds, over many simulated replications. The model is described in "
    "docs/ODD.md; the link in your address bar reopens this view: the scenario, the tab, "
    "the comparison, the what-if and the organisation shown inside."
)
for note in link_notes:  # also in the sidebar; here it is seen on a phone too
    st.warning(note, icon=":material/link_off:")
st.subheader(scenario.name)
results = run(scenario)
if results is None:
    st.stop()
st.caption(
    f"{scenario.description} — {results.replications} replications, "
    f"{organisations(scenario.population.organisations)}, {results.years} years, "
    f"seed {results.seed}. {roadmap.roadmap_caption(scenario)}"
)

# -- the verdict: how the runs end, what they are worth, when they pay back ---------------
current = verdict(results.summary(), results.years * 12, seed=results.seed)
value_column, paid_column, even_column = st.columns(3)
value_column.metric(
    f"Mean net value after {results.years} years, per organisation",
    millions(current.value),
    help=f"Mean over {current.trajectories} runs; 95% interval {millions(current.value_low)} "
    f"to {millions(current.value_high)}, the replication as the unit. The charts show medians.",
)
paid_column.metric(
    f"Paid back within {results.years} years",
    f"{current.paid_back:.0%}",
    help="Share of runs whose programme's cumulative net value came back to zero or above.",
)
first_pilot = scenario.organisation.start_month
even_column.metric(
    "Median break-even, months after the first pilot",
    current.break_even_text(),
    help="Median over every run, a run that never paid back counting as later than any "
    "that did; 95% interval from resampling whole replications. Counted from the first "
    f"pilot, which starts at month {first_pilot} of the charts' time axis: add "
    f"{first_pilot} to read it on the charts.",
)
st.markdown(f"**How the runs end:** {current.labels_text()}.")
shown = [name for name, share in current.labels.items() if share > 0]
st.caption(
    "Means over the runs (the charts below show medians). Each run's label is read from "
    "its simulated trajectory, never from its inputs: "
    + "; ".join(f"*{name}*: {LABEL_MEANINGS[name]}" for name in shown)
    + "."
)

# -- calibration: what is fitted, and what the fit leaves uncertain -----------------------
if posterior is not None:
    st.info(support.calibration_note(posterior, scenario, base), icon=":material/tune:")
    switch_column, draws_column = st.columns([3, 2], vertical_alignment="center")
    uncertainty_on = switch_column.checkbox(
        "Parameter uncertainty: draw N parameter sets from the posterior",
        key="uncertainty",
        help="Runs the scenario once per parameter set drawn from the calibrated posterior "
        "(one replication each): the spread over draws is what the calibration leaves open.",
    )
    draws = draws_column.slider("N (parameter sets)", 5, 50, 10, key="uncertainty_draws")
    if uncertainty_on:
        drawn = run_posterior(scenario, draws)
        drawn_summary = drawn.summary()
        st.markdown(
            f"**Parameter uncertainty** — {draws} parameter sets drawn from the posterior, "
            f"one replication of {organisations(scenario.population.organisations)} each. "
            "The draws replace the calibrated parameters' values (also any changed in the "
            "sidebar); everything else is as in the sidebar."
        )
        outcome_column, label_column = st.columns([3, 2])
        outcome_column.table(
            support.parameter_uncertainty_table(drawn_summary), hide_index=True, width="stretch"
        )
        outcome_column.caption(
            "Mean over all draws; the 90% interval of the per-draw means (what the "
            "calibration leaves uncertain); and the width of the 90% range inside one draw "
            "(organisations and chance). Money in millions."
        )
        label_column.table(
            support.label_share_intervals(drawn_summary), hide_index=True, width="stretch"
        )
        label_column.caption("Share of trajectories with each label, and its interval over draws.")

#: Every chart the page shows (a Vega-Lite spec), by a plain title: the Export tab offers each.
exportable: dict[str, dict] = {}


def _results_key(results: Results) -> tuple:
    draws = None if results.draws is None else tuple(results.draws)
    return (results.scenario.model_dump_json(), results.seed, results.replications, draws)


#: The charts drawn from simulated results, by kind.
SCENARIO_CHARTS = {
    "value": charts.value_trajectories,
    "stages": charts.portfolio_stages,
    "kpis": charts.kpis,
}


@st.cache_data(hash_funcs={Results: _results_key}, max_entries=128, show_spinner=False)
def scenario_chart(kind: str, results: tuple[Results, ...]) -> dict:
    """A chart of these results as a Vega-Lite spec, built once per set of results.

    Building an Altair chart and turning it into its spec takes longer than simulating
    the default scenario: a rerun that changes nothing in the results reuses the spec.
    Not validated against the Vega-Lite schema here (a third of the time): the tests
    validate every chart these builders make.
    """
    return SCENARIO_CHARTS[kind](list(results)).to_dict(validate=False)


def show(title: str, chart, width: str = "content", height: int | None = None) -> None:
    """Show a chart (an Altair chart or its spec) and offer it for export under ``title``.

    ``height`` replaces the chart's own height on the page only; the export keeps it.
    """
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)  # tests validate
    exportable[title] = spec
    shown = spec if height is None else {**spec, "height": height}
    # A chart's description is its accessible name; one without gets its title.
    alt_text = None if spec.get("description") else title
    st.vega_lite_chart(spec=shown, width=width, theme=None, alt=alt_text)


compare_tab, roadmap_tab, inside_tab, sensitivity_tab, explain_tab, export_tab = st.tabs(
    list(support.TABS), key="tab", on_change="rerun", default=st.session_state.get("url_tab")
)

# -- compare ---------------------------------------------------------------------------
with compare_tab:
    chosen = st.multiselect(
        "Compare with up to 3 presets or scenarios you saved (run with the same "
        "replications and seed)",
        others,
        default=None if "compare_with" in st.session_state else default_others,
        max_selections=3,
        key="compare_with",
    )
    chosen_scenarios = {
        name: Scenario.model_validate_json(saved[name.removesuffix(support.SAVED_SUFFIX)])
        if name.endswith(support.SAVED_SUFFIX)
        else genaisim.load_scenario(name)
        for name in chosen
    }
    compared = [results] + [
        other
        for name, other_scenario in chosen_scenarios.items()
        if (other := run(other_scenario, scenario.simulation.replications, results.seed))
        is not None
    ]
    trajectories = scenario_chart("value", tuple(compared))
    # Streamlit fits a single (layered) chart, titles and legend included, into its height;
    # the slide export keeps the chart as it is, this view gives it room for its titles.
    show("Compare: value over time", trajectories, height=IN_APP_HEIGHT)
    show("Compare: the portfolio's stages", scenario_chart("stages", tuple(compared)))
    show("Compare: cost per transaction", scenario_chart("kpis", tuple(compared)))

    st.markdown("**The verdict, side by side** — same replications and seed for each")
    st.dataframe(
        verdict_table(
            {
                r.scenario.name: current
                if r is results  # the verdict at the top: not computed twice
                else verdict(r.summary(), r.years * 12, seed=r.seed)
                for r in compared
            }
        ),
        hide_index=True,
        width="stretch",
    )

    if chosen_scenarios:
        st.markdown("**What differs** — the parameters in which the scenarios differ")
        st.dataframe(
            support.parameter_differences(
                {
                    scenario.name: scenario,
                    # as run: with the current scenario's replications and seed
                    **{
                        name: other.with_changes(
                            {
                                "simulation.replications": scenario.simulation.replications,
                                "simulation.seed": results.seed,
                            }
                        )
                        for name, other in chosen_scenarios.items()
                    },
                },
                scenario.name,
            ).rename(columns={"parameter": "Parameter", "unit": "Unit"}),
            hide_index=True,
            width="stretch",
        )

    st.markdown("**Final outcomes** — mean and 95% confidence interval over replications")
    summary_table = support.outcome_summary(compared)
    st.dataframe(readable(summary_table, {"mean": "Mean"}), hide_index=True, width="stretch")

    st.markdown("**Which lever matters, and by how much?**")
    outcome_column, rank_column = st.columns([3, 2], vertical_alignment="bottom")
    ranked_outcome = outcome_column.selectbox(
        "Outcome",
        list(RANKED_OUTCOMES),
        format_func=lambda key: RANKED_OUTCOMES[key][0].capitalize(),
        key="ranked_outcome",
    )
    if rank_column.button(
        f"Rank the {len(support.WHAT_IFS)} levers",
        help="Runs the current scenario once per lever below, with the same replications "
        "and seeds, and ranks the levers by their paired effect.",
    ):
        st.session_state["ranked_for"] = scenario.model_dump_json()
    if st.session_state.get("ranked_for") not in (None, scenario.model_dump_json()):
        st.info("The scenario changed since the levers were ranked: rank them again.")
    if st.session_state.get("ranked_for") == scenario.model_dump_json():
        variants = {
            label: run(
                scenario.with_changes({**changes, "name": f"{scenario.name}: {label}"}), ask=False
            )
            for label, changes in support.WHAT_IFS.items()
        }
        ranking = lever_ranking(results, variants, ranked_outcome)
        sentences = support.ranking_sentences(ranking, scenario)
        st.markdown("\n".join(f"{i}. {s}" for i, s in enumerate(sentences, start=1)))
        st.caption(
            "Each lever's change is the what-if of the same name below. Paired: the same "
            "seeds with and without the lever; intervals with the replication as the unit. "
            "Effects are for this scenario, one lever at a time: a lever can add little "
            "while another foundation is missing (in the baseline, completing the feedback "
            "loop adds little until owners are named), so rank again after changing one to "
            "see how they combine. Levers whose intervals include no change are in no "
            "meaningful order among themselves."
        )

    st.markdown("**What if…** the current scenario changed one policy?")
    columns = st.columns(len(support.WHAT_IFS))
    for column, (label, changes) in zip(columns, support.WHAT_IFS.items(), strict=True):
        help_text = ", ".join(f"{k} = {v}" for k, v in changes.items())
        if column.button(label, help=help_text, key=f"what_if:{label}"):
            st.session_state["what_if"] = label
    what_if = st.session_state.get("what_if")
    variant_results = None
    if what_if:
        variant = scenario.with_changes(
            {**support.WHAT_IFS[what_if], "name": f"{scenario.name}: {what_if.lower()}"}
        )
        variant_results = run(variant)
    if variant_results is not None:
        difference = support.what_if_difference(results, variant_results)
        changed = ", ".join(f"`{k}` = {v}" for k, v in support.WHAT_IFS[what_if].items())
        st.markdown(
            f"**{what_if}** ({changed}): difference from the current scenario, "
            "replication by replication (same seeds)."
        )
        st.dataframe(
            readable(
                difference,
                {"current": "Current", "what if": "What if", "difference": "Difference"},
                "95% interval of the difference",
            ),
            hide_index=True,
            width="stretch",
        )

# -- roadmap ---------------------------------------------------------------------------
with roadmap_tab:
    st.write(
        "Start from where the organisation is today and plan when to change which lever. "
        "The chart compares the plan with the same organisation changing nothing, on the "
        "same random numbers. The scenario you download, and the link, carry the plan."
    )

    st.markdown("**Where the organisation is today**")
    upload_column, files_column = st.columns([3, 2])
    upload_column.file_uploader(
        "Upload the current portfolio (.csv): one row per pilot or live system",
        type=["csv"],
        key="portfolio_upload",
        on_change=upload_portfolio,
    )
    template = roadmap.template_path()
    if template is not None:
        files_column.download_button(
            "Download the template (.csv)",
            template.read_bytes(),
            file_name=template.name,
            mime="text/csv",
            help="The columns a current portfolio takes, with an example organisation.",
        )
    current = st.session_state["portfolio"]
    if current:
        files_column.download_button(
            "Download this portfolio (.csv)",
            portfolio_to_csv(current),
            file_name="current_portfolio.csv",
            mime="text/csv",
        )
        files_column.button("Start from an empty portfolio", on_click=clear_portfolio)
    if st.session_state.get("portfolio_error"):
        st.error(
            "The portfolio was not loaded; the run is as it was:\n\n"
            + st.session_state["portfolio_error"]
        )
    if plan.portfolio_problem:
        st.error(f"The current portfolio is left out of the run: {plan.portfolio_problem}")
    if current:
        st.markdown(
            f"Starting from **{roadmap.portfolio_summary(current)}** "
            f"({st.session_state['portfolio_source']}), at month 0."
        )
        with st.expander("The current portfolio"):
            st.dataframe(roadmap.portfolio_table(current), hide_index=True, width="stretch")
    else:
        st.caption(
            "No current portfolio: the programme starts its first pilot at month "
            f"{scenario.organisation.start_month}."
        )
    for note in link_notes:
        st.warning(note)

    st.markdown("**Lever changes**")
    st.caption(
        "One lever a row: the month it changes (0 is the run's first), over how many months "
        "it moves (0: at once), and its new value. Rows with the same month, ramp and label "
        "are one change. Add a row at the bottom of the table or with the form below; "
        "select rows to delete them."
    )
    lever_names = list(roadmap.lever_names().values())
    st.data_editor(
        roadmap.editor_frame(st.session_state["roadmap_rows"]),
        key=editor_key(),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "month": st.column_config.NumberColumn(
                "Month", min_value=0, step=1, format="%d", help="0 is the run's first month."
            ),
            "ramp_months": st.column_config.NumberColumn(
                "Ramp (months)",
                min_value=0,
                max_value=MAX_RAMP_MONTHS,
                step=1,
                format="%d",
                default=0,
                help="0: the new value holds from the month on; n: it moves there over n months.",
            ),
            "lever": st.column_config.SelectboxColumn(
                "Lever", options=lever_names, width="large", help="The levers that can change."
            ),
            "value": st.column_config.NumberColumn("New value"),
            "label": st.column_config.TextColumn(
                "Label", max_chars=120, help="What the change is, as the charts show it."
            ),
        },
    )
    for problem in plan.problems:
        st.error(problem)
    if plan.problems:
        st.caption("Until the table is fixed, the run keeps the lever changes as they were.")
    if plan.incomplete:
        numbers = ", ".join(str(n) for n in plan.incomplete)
        st.info(
            f"Row {numbers} needs a month, a lever and a new value; it is not applied yet."
            if len(plan.incomplete) == 1
            else f"Rows {numbers} need a month, a lever and a new value; they are not applied yet."
        )

    with st.container(border=True):
        st.session_state.setdefault("add_lever", lever_names[0])
        st.session_state.setdefault("add_month", 12)
        st.session_state.setdefault("add_ramp", 0)
        st.session_state.setdefault("add_label", "")
        if "add_value" not in st.session_state:
            show_lever_value()
        lever_column, month_column, ramp_column, value_column = st.columns([4, 1, 1, 1])
        lever_column.selectbox("Lever", lever_names, key="add_lever", on_change=show_lever_value)
        month_column.number_input("Month", min_value=0, step=1, key="add_month")
        ramp_column.number_input(
            "Ramp (months)", min_value=0, max_value=MAX_RAMP_MONTHS, step=1, key="add_ramp"
        )
        value_column.number_input("New value", step=0.05, format="%.2f", key="add_value")
        chosen_key = roadmap.lever_key(st.session_state["add_lever"])
        lever_column.caption(f"Its value {roadmap.lever_help(scenario, chosen_key)}.")
        label_column, button_column = st.columns([6, 1], vertical_alignment="bottom")
        label_column.text_input(
            "Label (optional)", max_chars=120, key="add_label", placeholder="e.g. Name owners"
        )
        button_column.button(
            "Add", key="add_change", on_click=add_lever_change, type="primary", width="stretch"
        )

    unchanged = None
    if scenario.interventions:
        st.markdown("**The plan against changing nothing**")
        st.markdown("\n".join(f"- {line}" for line in roadmap.roadmap_lines(scenario)))
        unchanged = run(roadmap.with_roadmap(scenario, (), scenario.current_portfolio))
    if unchanged is not None:
        paths = [
            roadmap.renamed(results, "with the changes"),
            roadmap.renamed(unchanged, "no change"),
        ]
        show(
            "Roadmap: the plan against no change",
            scenario_chart("value", tuple(paths)),
            height=IN_APP_HEIGHT,
        )
        difference = roadmap.in_millions(support.what_if_difference(unchanged, results))
        st.markdown(f"**{roadmap.plan_headline(difference, scenario.simulation.years)}**")
        st.markdown(
            "**What the plan changes** — final outcomes with and without the lever changes, "
            "replication by replication on the same random numbers (means; 95% interval)"
        )
        difference = difference.rename(
            columns={
                "current": "no change",
                "what if": "with the changes",
                "ci_low": "95% interval from",
                "ci_high": "to",
            }
        )
        st.dataframe(
            difference,
            hide_index=True,
            width="stretch",
            column_config={
                column: st.column_config.NumberColumn(format="%.1f")
                for column in difference.columns[1:]
            },
        )
        show("Roadmap: the portfolio's stages", scenario_chart("stages", tuple(paths)))

        st.markdown("**The cost of waiting**")
        st.caption(
            "One lever change started at different months, and never, with everything else "
            "as planned. Every start month runs on the same random numbers, so the "
            "differences are the change's own. Value after the run's horizon is not "
            "counted: a change that starts late in the run can look like never making it."
        )
        titles = [
            f"{number}. {line}"
            for number, line in enumerate(roadmap.roadmap_lines(scenario), start=1)
        ]
        by_month = sorted(scenario.interventions, key=lambda iv: iv.month)
        horizon = scenario.simulation.years * 12
        choice_column, months_column, replications_column = st.columns([3, 3, 2])
        chosen = choice_column.selectbox("Lever change", titles, key="timing_intervention")
        intervention = by_month[titles.index(chosen)]
        start_months = months_column.multiselect(
            "Start months to compare",
            list(range(0, horizon, 3)),
            default=[m for m in (0, 3, 6, 12) if m < horizon],
            key="timing_months",
        )
        # The plan's own replications by default, so that the plan's start month gives
        # the plan's numbers above.
        planned = scenario.simulation.replications
        timing_replications = replications_column.slider(
            "Replications per start month",
            5,
            max(50, planned),
            min(max(planned, 5), max(50, planned)),
            key="timing_replications",
        )
        timing_key = (
            scenario.model_dump_json(),
            intervention.model_dump_json(),
            tuple(start_months),
            timing_replications,
        )
        if st.button("Compute the cost of waiting", key="timing", disabled=not start_months):
            bar = st.progress(0.0, text="Starting…")
            total = len(set(start_months)) + 1

            def timing_step(runs):
                """Advance the bar as each start month is run."""
                for done in runs:
                    bar.progress(done / total, text=f"Simulating start {done + 1} of {total}…")
                    yield done

            number = scenario.interventions.index(intervention) + 1
            comparison = compare_timing(
                scenario,
                number,
                start_months,
                replications=timing_replications,
                progress=timing_step,
            )
            bar.empty()
            st.session_state["timing_result"] = (timing_key, comparison)
        stored_timing = st.session_state.get("timing_result")
        if stored_timing and stored_timing[0] == timing_key:
            show("Roadmap: the cost of waiting", cost_of_delay(stored_timing[1]))
            st.dataframe(roadmap.timing_table(stored_timing[1]), hide_index=True, width="stretch")
        elif stored_timing:
            st.caption("The plan changed since the cost of waiting was computed; compute it again.")
    else:
        st.info("Add a lever change to see the plan against changing nothing.")
        spec = scenario_chart("value", (results,))
        st.vega_lite_chart(spec={**spec, "height": IN_APP_HEIGHT}, width="content", theme=None)

# -- inside an organisation ------------------------------------------------------------
with inside_tab:
    st.write(
        "One organisation in one replication: what happened to its programme, told from "
        "the run's own events, and every use case it started as a timeline."
    )
    pick_replication, pick_organisation = st.columns(2)
    last_replication = max(results.replications - 1, 0)
    last_organisation = max(scenario.population.organisations - 1, 0)
    # A number from a link, or from a larger scenario before, is brought within this run.
    for key, last in (
        ("inside_replication", last_replication),
        ("inside_organisation", last_organisation),
    ):
        st.session_state[key] = min(int(st.session_state.get(key, 0)), last)
    replication = pick_replication.number_input(
        "Replication (0 is the first)", 0, last_replication, step=1, key="inside_replication"
    )
    organisation = pick_organisation.number_input(
        "Organisation (0 is the first)",
        0,
        last_organisation,
        step=1,
        disabled=scenario.population.organisations == 1,
        key="inside_organisation",
    )
    st.markdown("**What happened**")
    st.markdown(as_markdown(story(results, int(replication), int(organisation))))
    timeline = support.deployment_timeline(results, int(replication), int(organisation))
    if timeline.empty:
        st.info("No use case was started in this replication.")
    else:
        show("Inside: the use cases' timeline", support.timeline_chart(timeline))

# -- sensitivity ---------------------------------------------------------------------
with sensitivity_tab:
    tornado_replications = scenario.simulation.replications
    st.write(
        "One lever at a time, each key lever is set to the low and then the high end of "
        f"its range ({tornado_replications} replications each, with the same seed as the "
        "verdict at the top, so the current scenario's mean here is the verdict's) and the "
        "mean net value at the end compared with the current scenario. Long bars are the "
        "levers that matter most here. A range's end is not the one-click lever of the "
        "Compare tab: the two can differ in size and even in sign."
    )
    scenario_key = scenario.model_dump_json()
    if st.button("Compute the tornado", key="tornado"):
        bar = st.progress(0.0, text="Starting…")

        def one_by_one() -> pd.DataFrame:
            """Each run in turn, cached, a long one with its own progress and Cancel."""
            return support.tornado(
                scenario,
                replications=tornado_replications,
                progress=lambda fraction, text: bar.progress(fraction, text=text),
                run=lambda s, r, sd: run(s, r, sd, ask=False),
            )

        def all_at_once(pool: ProcessPoolExecutor) -> pd.DataFrame:
            """Every run submitted to the workers at once: for short runs only."""

            def means(scenarios: Sequence[Scenario], outcome: str) -> Iterator[float]:
                futures = [pool.submit(scenario_mean, s, outcome) for s in scenarios]
                try:
                    for done, future in enumerate(futures, start=1):
                        value = future.result()
                        bar.progress(done / len(futures), text=f"{done} of {len(futures)} runs")
                        yield value
                finally:  # the page left before the end: the runs not started are dropped
                    for future in futures:
                        future.cancel()

            return support.tornado(scenario, replications=tornado_replications, means=means)

        # A lever's end can take a few times the current scenario's time (pilot appetite at
        # its top): all at once only when even that stays short.
        if 3 * _estimate_json(scenario_key).seconds <= SHORT_RUN_S:
            table = on_workers(all_at_once, one_by_one)
        else:
            table = one_by_one()
        bar.empty()
        st.session_state["tornado_result"] = (scenario_key, table)
    stored = st.session_state.get("tornado_result")
    if stored and stored[0] == scenario_key:
        names = roadmap.lever_names()
        money = ("at_low", "at_high", "base", "swing")
        shown = stored[1].assign(
            lever=[names.get(key, key) for key in stored[1]["lever"]],
            **{column: stored[1][column] / 1000 for column in money},
        )
        show(
            "Sensitivity: the tornado",
            support.tornado_chart(shown, "net value at the end (M)"),
            "stretch",
            # Streamlit fits titles, legend and bars into this height: room for each lever
            height=220 + 44 * len(shown),
        )
        st.dataframe(
            shown.round({column: 1 for column in money}).rename(
                columns={
                    "lever": "Lever",
                    "current": "Current value",
                    "low": "Low end",
                    "high": "High end",
                    "at_low": "At the low end (M)",
                    "at_high": "At the high end (M)",
                    "base": "Current scenario (M)",
                    "swing": "Swing (M)",
                }
            ),
            hide_index=True,
            width="stretch",
        )
    elif stored:
        st.caption("The scenario changed since the tornado was computed; compute it again.")

# -- explain ---------------------------------------------------------------------------
with explain_tab:
    st.markdown(
        """
**What it is.** An agent-based model (Mesa) of one organisation's GenAI programme, month
by month. Use cases start as pilots, may go live in one or more business lines, earn value
when people use them, raise incidents, and are improved, cut or rolled back.

**The mechanisms, one per pattern.**
- *The pilot loop*: leadership's appetite (spiked by hype) starts new pilots; the delivery
  team grows with the work only up to its budget and with a hiring lag, so too many pilots
  dilute its attention and linger as permanent prototypes. Choosing use cases by value
  and triaging attention are levers.
- *Data before AI*: demo data is perfect, production data is not. An owner's go-live test
  on real data shows the gap; data investment and fixes raise quality for every system;
  prompt workarounds help one system briefly and make it fragile.
- *Ownership*: both a business owner and the technology team standing in decide by the
  same rules; they differ in what they know (real data, the cost of an error, what
  "wrong" means, the workflow's incidents), in what they may change (the business
  process) and in the time they have. Each difference is a named assumption.
- *Measurement*: KPIs make go-live tests and stage gates precise and let a system prove
  its value at budget reviews; without them leadership sees only part of the value and
  cuts some systems that pay. Confidence, hence funding, follows measured evidence only.
- *The feedback loop*: reviewers flag errors; tooling routes flags, a process turns them
  into changes, culture keeps reviewers flagging. A missing element is partly replaced by
  hand (routing by email, an owner acting ad hoc, mandated flagging) at a cost, so whether
  the loop breaks is a result, not an assumption. Every change costs engineering time.
- *The operational layer and the culture shift*: only live systems embedded in a workflow
  process real work, and only part of the time saved becomes cash; reliable systems make
  people treat GenAI as infrastructure, which raises reviewers' engagement and the
  discipline of the next use case. Vendors' model releases improve every system.

**The loops.** Measured value raises confidence and funding, which pays for more team
(reinforcing). Acted-on flags improve quality, which raises usage and value and keeps
reviewers engaged (reinforcing) — or, when flags go nowhere, engagement decays and quality
stalls. Too many pilots starve the systems already live (balancing).

**Assumptions and limits.** Defaults are judgement; a calibrated population (a box at the
top says when one is shown) fits some mechanisms to published figures, see
docs/calibration.md. Values are in thousands of a currency per month. docs/patterns.md
shows over which range of each assumption the article's patterns hold. Read differences
between scenarios, not absolute numbers. The model has no competitors and no labour market.

The full description, with every equation and parameter, is in **docs/ODD.md**
(the ODD protocol); `genaisim describe baseline` lists every parameter.
"""
    )

# -- export --------------------------------------------------------------------------
with export_tab:
    st.write(
        "Any chart on the page as a slide-ready image (PNG: a 16:9 slide, 1920 × 1080; SVG "
        "and PDF: the chart at its own size), and the outcome table as CSV. Charts that "
        "need a button (the tornado, the cost of waiting) are here once computed."
    )
    chart_title = st.selectbox("Chart", list(exportable), key="export_chart")
    chosen_chart = exportable[chart_title]
    stem = chart_title.lower().replace(":", "").replace("'", "").replace(" ", "_")
    columns = st.columns(4)
    columns[0].download_button(
        "PNG", lambda: charts.to_png(chosen_chart, scale=2), f"{stem}.png", "image/png"
    )
    columns[1].download_button(
        "SVG", lambda: charts.to_svg(chosen_chart), f"{stem}.svg", "image/svg+xml"
    )
    columns[2].download_button(
        "PDF", lambda: charts.to_pdf(chosen_chart), f"{stem}.pdf", "application/pdf"
    )
    columns[3].download_button(
        "Summary CSV", summary_table.to_csv(index=False), "outcomes.csv", "text/csv"
    )
