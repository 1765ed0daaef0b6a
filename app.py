"""genaisim scenario explorer.

Run with ``genaisim app``, ``make app`` or ``streamlit run app.py``. A thin shell over
the library: the sidebar is generated from ``Scenario.parameters()``, and every table
and chart here comes from ``genaisim``, ``genaisim.charts`` or ``genaisim.app_support``,
which a script can call too.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import genaisim
from genaisim import app_support as support
from genaisim import charts
from genaisim.calibration.posterior import Posterior, load_posterior
from genaisim.errors import GenaisimError, ScenarioError
from genaisim.results import Results
from genaisim.scenario import Scenario

#: Height of the value chart in the app (the slide export keeps its own size).
IN_APP_HEIGHT = 600

st.set_page_config(page_title="genaisim", layout="wide")


# -- cached simulation ---------------------------------------------------------------
@st.cache_data(show_spinner="Simulating…", max_entries=256)
def _run_json(scenario_json: str, seed: int) -> Results:
    return genaisim.simulate(Scenario.model_validate_json(scenario_json), seed=seed)


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None) -> Results:
    """Simulate a scenario; cached by the scenario's JSON and the seed."""
    if replications is not None:
        scenario = scenario.with_changes({"simulation.replications": replications})
    seed = scenario.simulation.seed if seed is None else seed
    return _run_json(scenario.model_dump_json(), int(seed))


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


def load_into_widgets(scenario: Scenario) -> None:
    """Make the scenario the base and show its values in every parameter widget."""
    st.session_state["base"] = scenario
    for key, value in support.widget_values(scenario).items():
        st.session_state[widget_key(key)] = value


presets = list(genaisim.available_scenarios())

# -- first run: the scenario comes from the URL, or is the baseline -------------------
if "base" not in st.session_state:
    state = support.decode_query(st.query_params.to_dict())
    st.session_state["preset"] = state.preset
    st.session_state["loaded_preset"] = state.preset
    st.session_state["url_problems"] = state.problems
    load_into_widgets(state.scenario)
    st.session_state["base"] = genaisim.load_scenario(state.preset)

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
    for pattern, specs in specs_by_pattern.items():
        with st.expander(support.group_label(pattern, specs), expanded=False):
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
    try:
        scenario = support.scenario_from_widgets(base, values)
    except ScenarioError as exc:  # a widget value the model refuses: say so, keep the base
        st.error(str(exc))
        scenario = base
    st.download_button(
        "Download this scenario (.toml)",
        scenario.to_toml(),
        file_name=f"{scenario.name.replace(' ', '_').replace('(', '').replace(')', '')}.toml",
        mime="application/toml",
    )

st.query_params.from_dict(support.encode_query(preset, scenario))

# -- header ------------------------------------------------------------------------------
st.title("Why some GenAI deployments compound and others stay stuck in pilots")
st.write(
    "Choose or edit a scenario of an organisation in the sidebar and see how its GenAI "
    "programme unfolds, over many simulated replications. The model is described in "
    "docs/ODD.md; the link in your address bar reopens exactly this scenario."
)
results = run(scenario)
st.subheader(scenario.name)
st.caption(
    f"{scenario.description} — {results.replications} replications, "
    f"{scenario.population.organisations} organisation(s), {results.years} years, "
    f"seed {results.seed}."
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
            f"one replication of {scenario.population.organisations} organisation(s) each. "
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

compare_tab, inside_tab, sensitivity_tab, explain_tab, export_tab = st.tabs(
    ["Compare", "Inside an organisation", "Sensitivity", "Explain", "Export"]
)

# -- compare ---------------------------------------------------------------------------
with compare_tab:
    others = [p for p in presets if p != preset]
    default_others = [p for p in ("compounder", "pilot_loop") if p in others]
    chosen = st.multiselect(
        "Compare with up to 3 presets (run with the same replications and seed)",
        others,
        default=default_others,
        max_selections=3,
    )
    compared = [results] + [
        run(genaisim.load_scenario(name), scenario.simulation.replications, results.seed)
        for name in chosen
    ]
    trajectories = charts.value_trajectories(compared)
    # Streamlit fits a single (layered) chart, titles and legend included, into its height;
    # the slide export keeps the chart as it is, this view gives it room for its titles.
    st.altair_chart(trajectories.properties(height=IN_APP_HEIGHT), width="content", theme=None)
    st.altair_chart(charts.portfolio_stages(compared), width="content", theme=None)
    st.altair_chart(charts.kpis(compared), width="content", theme=None)

    st.markdown("**Final outcomes** — mean and 95% confidence interval over replications")
    summary_table = support.outcome_summary(compared)
    st.dataframe(summary_table, hide_index=True, width="stretch")

    st.markdown("**What if…** the current scenario changed one policy?")
    columns = st.columns(len(support.WHAT_IFS))
    for column, (label, changes) in zip(columns, support.WHAT_IFS.items(), strict=True):
        help_text = ", ".join(f"{k} = {v}" for k, v in changes.items())
        if column.button(label, help=help_text, key=f"what_if:{label}"):
            st.session_state["what_if"] = label
    what_if = st.session_state.get("what_if")
    if what_if:
        variant = scenario.with_changes(
            {**support.WHAT_IFS[what_if], "name": f"{scenario.name}: {what_if.lower()}"}
        )
        difference = support.what_if_difference(results, run(variant))
        changed = ", ".join(f"`{k}` = {v}" for k, v in support.WHAT_IFS[what_if].items())
        st.markdown(
            f"**{what_if}** ({changed}): difference from the current scenario, "
            "replication by replication (same seeds)."
        )
        st.dataframe(difference, hide_index=True, width="stretch")

# -- inside an organisation ------------------------------------------------------------
with inside_tab:
    st.write(
        "Every use case one organisation started in one replication: when it started, "
        "how long it lived, and where it ended. Hover for the owner and KPIs."
    )
    replication = st.number_input(
        "Replication", 0, max(results.replications - 1, 0), value=0, step=1
    )
    timeline = support.deployment_timeline(results, int(replication))
    if timeline.empty:
        st.info("No use case was started in this replication.")
    else:
        st.altair_chart(support.timeline_chart(timeline), width="stretch")

# -- sensitivity ---------------------------------------------------------------------
with sensitivity_tab:
    st.write(
        "One lever at a time, each key lever is set to the low and then the high end of "
        "its range (10 replications each, same seed) and the mean cumulative net value "
        "compared with the current scenario. Long bars are the levers that matter most here."
    )
    scenario_key = scenario.model_dump_json()
    if st.button("Compute the tornado", key="tornado"):
        bar = st.progress(0.0, text="Starting…")
        table = support.tornado(
            scenario,
            replications=10,
            progress=lambda fraction, text: bar.progress(fraction, text=text),
            run=lambda s, r, sd: run(s, r, sd),
        )
        bar.empty()
        st.session_state["tornado_result"] = (scenario_key, table)
    stored = st.session_state.get("tornado_result")
    if stored and stored[0] == scenario_key:
        st.altair_chart(support.tornado_chart(stored[1]), width="stretch")
        st.dataframe(stored[1], hide_index=True, width="stretch")
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
        "The value trajectories chart of the Compare tab, as a slide-ready image, and the "
        "outcome table as CSV."
    )
    columns = st.columns(4)
    stem = "value_trajectories"
    columns[0].download_button(
        "PNG", lambda: charts.to_png(trajectories, scale=2), f"{stem}.png", "image/png"
    )
    columns[1].download_button(
        "SVG", lambda: charts.to_svg(trajectories), f"{stem}.svg", "image/svg+xml"
    )
    columns[2].download_button(
        "PDF", lambda: charts.to_pdf(trajectories), f"{stem}.pdf", "application/pdf"
    )
    columns[3].download_button(
        "Summary CSV", summary_table.to_csv(index=False), "outcomes.csv", "text/csv"
    )
