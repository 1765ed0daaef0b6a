"""The Streamlit app starts meaningful, reacts to its widgets, and its helpers are sound."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from genaisim import app_roadmap as roadmap
from genaisim import app_support as support
from genaisim import cli, load_scenario, simulate
from genaisim.calibration.posterior import Posterior, load_posterior
from genaisim.errors import ScenarioError
from genaisim.report import KEY_OUTCOMES
from genaisim.roadmap import portfolio_to_csv, read_portfolio_csv
from genaisim.scenario import scenario_from_toml

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OWNER = "param:ownership.owner_probability"
CALIBRATED = "enterprise_2024"
#: The calibrated population, small enough for a test to run in seconds.
SMALL_CALIBRATED = {"preset": CALIBRATED, "population.organisations": "20"}
TEMPLATE = Path(__file__).resolve().parents[1] / "scenarios" / "portfolio_template.csv"
OWNERS = "Ownership: owner probability"


#: Every sidebar group of sliders, by the pattern it is named after, in any preset.
GROUPS = {
    pattern
    for name in ("baseline", CALIBRATED)
    for pattern in support.slider_specs(load_scenario(name))
}


def start(query: dict[str, str] | None = None, open_groups: bool = True) -> AppTest:
    """The app after its first run; with every sidebar group open unless ``open_groups`` is False.

    A closed group does not draw its sliders (tests of that below): opening them all lets
    a test reach any slider, as a user would after opening its group.
    """
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    if open_groups:
        for pattern in GROUPS:
            app.session_state[f"group:{pattern}"] = True
    return app.run()


def subheaders(app: AppTest) -> list[str]:
    return [s.value for s in app.subheader]


def calibrated_labels(app: AppTest) -> set[str]:
    """The sidebar sliders marked calibrated, by parameter key."""
    return {
        s.key.removeprefix("param:")
        for s in app.sidebar.slider
        if s.label.endswith(support.CALIBRATED)
    }


def calibration_notes(app: AppTest) -> list[str]:
    return [i.value for i in app.info if "calibrated population" in i.value]


@pytest.fixture(scope="module")
def first_screen() -> AppTest:
    return start()


# -- the app ---------------------------------------------------------------------------
def test_the_first_screen_shows_the_baseline_already_run(first_screen):
    app = first_screen
    assert not app.exception
    assert app.sidebar.selectbox[0].value == "baseline"
    assert any("baseline" in s for s in subheaders(app))
    assert app.slider(key="param:simulation.replications").value == 20
    assert len(app.dataframe) >= 1  # the final outcomes table
    assert not app.error


def test_inside_an_organisation_tells_what_happened_to_the_chosen_one():
    from genaisim.story import as_markdown, story

    app = start({"preset": "population_2024", "population.organisations": "4"})
    assert not app.exception
    app.number_input(key="inside_organisation").set_value(2).run()
    assert not app.exception
    scenario = load_scenario("population_2024").with_changes({"population.organisations": 4})
    results = simulate(scenario, seed=scenario.simulation.seed)
    told = as_markdown(story(results, 0, 2))
    assert any(m.value == told for m in app.markdown)
    # The link carries the organisation shown, and reopens it.
    assert app.query_params["organisation"] == "2"
    again = start(dict(app.query_params))
    assert again.number_input(key="inside_organisation").value == 2
    assert any(m.value == told for m in again.markdown)


def test_a_link_to_an_organisation_the_run_does_not_have_shows_the_last_one():
    app = start({"preset": "baseline", "organisation": "7", "replication": "x"})
    assert not app.exception
    assert app.number_input(key="inside_organisation").value == 0
    assert any("replication='x'" in w.value for w in app.sidebar.warning)


def test_the_verdict_is_at_the_top_in_millions_with_break_even_and_labels(first_screen):
    from genaisim.verdict import verdict

    app = first_screen
    metrics = {m.label: m.value for m in app.metric}
    baseline = load_scenario("baseline")
    results = simulate(baseline, replications=20, seed=baseline.simulation.seed)
    expected = verdict(results.summary(), results.years * 12, seed=results.seed)
    mean = f"{expected.value / 1000:+.1f} M".replace("-", "\u2212")
    assert metrics["Mean net value after 5 years, per organisation"] == mean
    assert metrics["Paid back within 5 years"] == f"{expected.paid_back:.0%}"
    assert metrics["Median break-even, months after the first pilot"] == expected.break_even_text()
    ends = [m.value for m in app.markdown if m.value.startswith("**How the runs end:**")]
    assert ends == [f"**How the runs end:** {expected.labels_text()}."]
    # The comparison tab sets the same verdict beside each compared scenario.
    table = next(d.value for d in app.dataframe if "Break-even (median)" in d.value.columns)
    assert table.iloc[0]["Break-even (median)"] == expected.break_even_text()
    assert len(table) == 3  # baseline, compounder and pilot_loop by default


def test_the_sidebar_has_a_slider_for_every_bounded_parameter(first_screen):
    specs = support.slider_specs(load_scenario("baseline"))
    keys = {s.key for group in specs.values() for s in group}
    rendered = {s.key for s in first_screen.sidebar.slider}
    assert {f"param:{k}" for k in keys} <= rendered
    assert "The pilot loop" in specs and "Ownership" in specs


def test_a_closed_group_draws_no_sliders_and_keeps_its_values():
    app = start(open_groups=False)
    assert not app.exception
    assert [s.key for s in app.sidebar.slider] == ["param:simulation.replications"]
    app.session_state["group:Ownership"] = True
    app.run()
    owners = support.slider_specs(load_scenario("baseline"))["Ownership"]
    assert {s.key for s in app.sidebar.slider} == {
        "param:simulation.replications",
        *(f"param:{spec.key}" for spec in owners),
    }
    app.slider(key=OWNER).set_value(0.9).run()
    app.session_state["group:Ownership"] = False
    app.run()
    app.run()  # a second run: Streamlit drops a widget's value one run after it was drawn
    assert OWNER not in {s.key for s in app.sidebar.slider}
    assert app.session_state["scenario"].get("ownership.owner_probability") == 0.9
    assert app.query_params["ownership.owner_probability"] == "0.9"
    app.session_state["group:Ownership"] = True
    app.run()
    assert app.slider(key=OWNER).value == pytest.approx(0.9)


def test_a_link_sets_the_values_of_closed_groups():
    app = start({"preset": "baseline", "ownership.owner_probability": "0.9"}, open_groups=False)
    assert not app.exception
    assert not [s for s in app.sidebar.slider if s.key == OWNER]
    assert app.session_state["scenario"].get("ownership.owner_probability") == 0.9


def test_choosing_another_scenario_reruns_it():
    app = start()
    app.sidebar.selectbox[0].set_value("compounder").run()
    assert not app.exception
    assert any("compounder" in s for s in subheaders(app))
    assert app.query_params["preset"] == "compounder"


def test_changing_a_slider_changes_the_scenario_and_its_url():
    app = start()
    app.slider(key=OWNER).set_value(0.9).run()
    assert not app.exception
    assert any("baseline (edited)" in s for s in subheaders(app))
    assert "ownership.owner_probability" in app.query_params


def test_a_link_reopens_the_scenario_it_carries():
    app = start({"preset": "baseline", "ownership.owner_probability": "0.9"})
    assert not app.exception
    assert app.slider(key=OWNER).value == pytest.approx(0.9)
    assert any("(edited)" in s for s in subheaders(app))


def test_a_link_opens_its_comparison_and_what_if_and_keeps_its_tab():
    view = {"tab": "Roadmap", "compare": '["data_first"]', "what_if": "Name owners"}
    app = start({"preset": "baseline", **view})
    assert not app.exception and not app.warning
    assert app.multiselect(key="compare_with").value == ["data_first"]
    assert any(m.value.startswith("**Name owners**") for m in app.markdown)
    assert {key: app.query_params[key] for key in view} == view


def test_a_link_to_a_view_the_page_does_not_have_says_so_and_opens_the_rest():
    app = start({"preset": "baseline", "tab": "Nowhere", "compare": '["nope", "compounder"]'})
    assert not app.exception
    warnings = " ".join(w.value for w in app.sidebar.warning)
    assert "no tab 'Nowhere'" in warnings and "not presets here: nope" in warnings
    assert app.multiselect(key="compare_with").value == ["compounder"]


def test_a_saved_scenario_can_be_compared_with_a_preset():
    app = start()
    app.slider(key=OWNER).set_value(0.9).run()
    app.text_input(key="save_name").set_value("Named owners")
    app.button(key="save_scenario").click().run()
    assert not app.exception
    saved = f"Named owners{support.SAVED_SUFFIX}"
    assert saved in app.multiselect(key="compare_with").options
    app.multiselect(key="compare_with").set_value(["compounder", saved]).run()
    assert not app.exception
    differs = next(
        d.value for d in app.dataframe if "Parameter" in d.value.columns and saved in d.value
    )
    differs = differs.set_index("Parameter")
    # All three name owners at 0.9: not a difference. Compounder also defines KPIs.
    assert OWNERS not in differs.index
    kpis = differs.loc["Measurement: kpi probability"]
    assert (kpis["baseline (edited)"], kpis[saved], kpis["compounder"]) == ("0.25", "0.25", "0.9")
    verdicts = next(d.value for d in app.dataframe if "Scenario" in d.value.columns)
    assert len(verdicts) == 3
    # A saved scenario is not in the link, and the page says so.
    assert "compare" in app.query_params
    assert saved not in app.query_params["compare"]
    assert any("saved scenarios you compare with" in w.value for w in app.sidebar.warning)


def test_what_differs_leaves_out_the_run_settings_the_comparison_shares():
    app = start()
    app.slider(key="param:simulation.replications").set_value(5).run()
    app.multiselect(key="compare_with").set_value(["compounder"]).run()
    assert not app.exception
    differs = next(d.value for d in app.dataframe if "Parameter" in d.value.columns)
    assert len(differs) > 0  # compounder differs in its levers ...
    assert not differs["Parameter"].str.contains("replications|seed").any()  # ... not these


def test_ranking_the_levers_shows_each_with_its_effect_and_interval():
    app = start()
    button = next(b for b in app.button if b.label.startswith("Rank the"))
    button.click().run()
    assert not app.exception

    def ranked() -> list[str]:
        lists = [m.value for m in app.markdown if m.value.startswith("1. ")]
        assert len(lists) == 1
        return [line.split(". ", 1)[1] for line in lists[0].splitlines()]

    sentences = ranked()
    assert len(sentences) == len(support.WHAT_IFS)
    for lever in support.WHAT_IFS:
        (sentence,) = [s for s in sentences if s.startswith(f"{lever} ")]
        assert "95% interval" in sentence and " M" in sentence
    # Another outcome: the ranking follows it without another click.
    app.selectbox(key="ranked_outcome").set_value("production").run()
    assert all("systems in production" in s for s in ranked())
    # A changed scenario: the ranking is not shown for the old one, and the page says so.
    app.slider(key=OWNER).set_value(0.9).run()
    assert not [m for m in app.markdown if m.value.startswith("1. ")]
    assert any("rank them again" in i.value for i in app.info)


def test_a_what_if_button_shows_the_difference_table():
    app = start()
    tables_before = len(app.dataframe)
    app.button(key="what_if:Name owners").click().run()
    assert not app.exception
    assert len(app.dataframe) == tables_before + 1
    assert any("Name owners" in m.value for m in app.markdown)
    # People's units: money in M with one decimal, one interval column, no code names.
    table = next(
        d.value for d in app.dataframe if "95% interval of the difference" in d.value.columns
    )
    money = table.set_index("Outcome").loc["Cumulative net value (M)"]
    assert money["Difference"].endswith(" M") and money["Difference"][0] in "+\u2212"
    assert not {"ci_low", "ci_high"} & set(table.columns)
    outcomes = next(
        d.value
        for d in app.dataframe
        if list(d.value.columns)[:3] == ["Scenario", "Outcome", "Mean"]
    )
    assert outcomes["Mean"].str.contains(r"^[+\u2212]?\d+\.\d(?: M)?$").all()


def test_the_tornado_button_computes_and_shows_the_levers_by_swing():
    app = start()
    app.button(key="tornado").click().run()
    assert not app.exception
    table = app.dataframe[-1].value
    assert len(table) == len(support.TORNADO_LEVERS)
    assert table["Swing (M)"].is_monotonic_decreasing
    # Plain names, and the current scenario's mean is the verdict's (same runs).
    assert "Ownership: owner probability" in set(table["Lever"])
    verdict_mean = next(m.value for m in app.metric if m.label.startswith("Mean net value after"))
    base = f"{table['Current scenario (M)'].iloc[0]:+.1f} M".replace("-", "\u2212")
    assert base == verdict_mean
    # Once computed, the tornado can be exported like every other chart on the page.
    assert app.selectbox(key="export_chart").options == [
        "Compare: value over time",
        "Compare: the portfolio's stages",
        "Compare: cost per transaction",
        "Inside: the use cases' timeline",
        "Sensitivity: the tornado",
    ]


def test_an_upload_error_in_the_session_is_shown_and_the_scenario_kept():
    app = start()
    app.session_state["upload_error"] = "bad.toml: not valid TOML"
    app.run()
    assert not app.exception
    assert any("bad.toml" in e.value for e in app.error)
    assert any("baseline" in s for s in subheaders(app))


def test_uncalibrated_presets_show_no_calibration(first_screen):
    app = first_screen
    assert not calibration_notes(app)
    assert not calibrated_labels(app)
    assert not [c for c in app.checkbox if c.key == "uncertainty"]


def test_selecting_the_calibrated_population_shows_what_is_calibrated():
    app = start()
    app.sidebar.selectbox[0].set_value(CALIBRATED).run()
    assert not app.exception and not app.error
    posterior = load_posterior(load_scenario(CALIBRATED).posterior)
    (note,) = calibration_notes(app)
    assert "docs/calibration.md" in note and "judgement default" in note
    labels = {
        s.key: s.label for g in support.slider_specs(load_scenario(CALIBRATED)).values() for s in g
    }
    for key in posterior.keys:
        assert f"**{labels[key]}**" in note
    assert calibrated_labels(app) == set(posterior.keys)
    assert any("calibrated)" in e.label for e in app.sidebar.expander)
    assert app.checkbox(key="uncertainty").value is False

    app.sidebar.selectbox[0].set_value("compounder").run()  # back to a judgement preset
    assert not app.exception
    assert not calibration_notes(app) and not calibrated_labels(app)
    assert not any("calibrated" in e.label for e in app.sidebar.expander)
    assert not [c for c in app.checkbox if c.key == "uncertainty"]


def test_parameter_uncertainty_shows_outcomes_and_labels_over_draws():
    app = start(SMALL_CALIBRATED)
    assert calibration_notes(app)
    assert not app.table  # nothing drawn until asked
    app.slider(key="uncertainty_draws").set_value(5)
    app.checkbox(key="uncertainty").check().run()
    assert not app.exception and not app.error
    outcomes, labels = (t.value for t in app.table)
    assert len(outcomes) == len(KEY_OUTCOMES)
    assert "cumulative net value (M)" in set(outcomes["outcome"])
    assert list(labels.columns) == ["label", "share", "90% interval over draws"]
    assert any("5 parameter sets drawn" in m.value for m in app.markdown)
    app.run()  # a rerun replays the cached draws (and their emptied progress bar)
    assert not app.exception and len(app.table) == 2


# -- the helpers -------------------------------------------------------------------------
def test_the_url_round_trips_a_changed_scenario():
    scenario = support.scenario_from_widgets(
        load_scenario("pilot_loop"),
        {"ownership.owner_probability": 0.9, "portfolio.max_open_pilots": 3},
    )
    query = support.encode_query("pilot_loop", scenario)
    assert set(query) == {
        "preset",
        "ownership.owner_probability",
        "portfolio.max_open_pilots",
        "name",
    }
    state = support.decode_query(query)
    assert state.preset == "pilot_loop" and not state.problems
    assert state.scenario.ownership.owner_probability == 0.9
    assert state.scenario.portfolio.max_open_pilots == 3
    assert support.changed_values(state.scenario, scenario) == {}


def test_an_uploaded_scenarios_link_reopens_it_whole():
    # An upload starts from any preset and may change the name, the description and the
    # population's spread: the link must carry them all, not just the parameters.
    uploaded = load_scenario("population_2024").with_changes(
        {
            "name": "Acme",
            "description": "Our organisation, as we see it",
            "ownership.owner_probability": 0.7,
            "population.log_spread": {"organisation.size": 0.5},
        }
    )
    query, notes = support.encode_link("compounder", uploaded)
    assert not notes
    state = support.decode_query(query)
    assert not state.problems
    assert state.scenario.model_dump() == uploaded.model_dump()


def test_what_a_link_cannot_carry_is_said():
    # A calibrated posterior is a file on the server: a link from another preset
    # cannot point at it, and the note says so.
    calibrated = load_scenario("enterprise_2024")
    _, notes = support.encode_link("baseline", calibrated)
    (note,) = notes
    assert "`posterior`" in note and "download the scenario" in note
    assert support.encode_link("enterprise_2024", calibrated)[1] == []


def test_a_bad_link_is_reported_and_the_rest_kept():
    state = support.decode_query(
        {"preset": "baseline", "feedback.culture": "7", "ownership.owner_probablity": "0.5"}
    )
    assert state.scenario == load_scenario("baseline")
    assert len(state.problems) == 2
    assert "did you mean 'ownership.owner_probability'" in " ".join(state.problems)


def test_a_malformed_upload_is_refused_naming_the_file():
    with pytest.raises(ScenarioError, match="mine.toml: not valid TOML"):
        support.validate_upload(b"[data\ndata_investment = ", "mine.toml")


def test_an_out_of_range_upload_is_refused_naming_key_and_range():
    with pytest.raises(
        ScenarioError, match=r"mine.toml: data.data_investment = 3.0 is out of range"
    ):
        support.validate_upload(b'base = "baseline"\n[data]\ndata_investment = 3.0\n', "mine.toml")


def test_a_valid_upload_may_start_from_a_preset():
    scenario = support.validate_upload(b'base = "baseline"\n[feedback]\nculture = 0.9\n', "x.toml")
    assert scenario.feedback.culture == 0.9
    assert scenario.data == load_scenario("baseline").data


def test_slider_steps_are_round_and_integers_step_by_one():
    assert support.slider_step(0.0, 1.0, float) == 0.01
    assert support.slider_step(0.0, 0.2, float) == 0.002
    assert support.slider_step(1, 100, int) == 1


def test_tornado_ranks_levers_by_swing():
    calls = []
    table = support.tornado(
        load_scenario("baseline"),
        levers=("ownership.owner_probability", "feedback.culture"),
        replications=3,
        progress=lambda fraction, text: calls.append(fraction),
    )
    assert list(table.columns[:3]) == ["lever", "current", "low"]
    assert table["swing"].is_monotonic_decreasing
    assert calls[-1] == pytest.approx(1.0) and len(calls) == 5


def test_tornado_on_worker_processes_gives_the_same_table():
    from genaisim.results import scenario_mean, start_pool

    scenario = load_scenario("baseline")
    levers = ("ownership.owner_probability", "portfolio.pilot_appetite")
    serial = support.tornado(scenario, levers=levers, replications=3)
    asked = []

    def on_pool(scenarios, outcome):
        asked.extend(scenarios)
        return pool.map(scenario_mean, scenarios, [outcome] * len(scenarios))

    # start_pool: the app's tests leave Streamlit's page as this process's __main__.
    with start_pool(2) as pool:
        pooled = support.tornado(scenario, levers=levers, replications=3, means=on_pool)
    pd.testing.assert_frame_equal(pooled, serial)
    # The current scenario, then each lever's low and high end, at 3 replications each.
    assert len(asked) == 5 and asked[0] == scenario.with_changes({"simulation.replications": 3})
    assert asked[3].portfolio.pilot_appetite == 0.0 and asked[4].portfolio.pilot_appetite == 12


def test_cli_finds_the_app():
    # app.py in the checkout links to the page that ships with the package.
    assert cli.app_path() == Path(APP).resolve()
    assert "app" in cli.COMMANDS


def test_every_tab_shows_its_content(first_screen):
    app = first_screen
    labels = [tab.label for tab in app.tabs]
    assert labels == list(support.TABS)
    assert labels[:2] == ["Compare", "Roadmap"]
    tabs = dict(zip(labels, app.tabs, strict=True))
    explain = " ".join(m.value for m in tabs["Explain"].markdown)
    assert "docs/ODD.md" in explain and "feedback loop" in explain
    inside = tabs["Inside an organisation"].children.values()
    assert any("vega" in getattr(e, "type", "") for e in inside)  # the timeline chart
    exports = [b.label for b in tabs["Export"].get("download_button")]
    assert {"PNG", "SVG", "PDF"} <= set(exports) and any("CSV" in b for b in exports)


# -- calibration helpers ---------------------------------------------------------------
def toy_posterior() -> Posterior:
    """Two calibrated parameters, the second with most of the weight."""
    table = pd.DataFrame(
        {
            "ownership.acceptance_margin": [0.1, 0.2, 0.3],
            "portfolio.pilot_patience": [12.0, 18.0, 24.0],
            "weight": [0.2, 0.6, 0.2],
        }
    )
    return Posterior(table)


def test_mark_calibrated_appends_to_calibrated_sliders_only():
    specs = support.slider_specs(load_scenario("baseline"))
    marked = support.mark_calibrated(specs, ["portfolio.pilot_patience"])
    assert list(marked) == list(specs)
    flat = {s.key: s for group in marked.values() for s in group}
    before = {s.key: s for group in specs.values() for s in group}
    assert flat["portfolio.pilot_patience"].label == before["portfolio.pilot_patience"].label + (
        " (calibrated)"
    )
    others = [k for k in flat if k != "portfolio.pilot_patience"]
    assert all(flat[k] == before[k] for k in others)
    assert support.mark_calibrated(specs, []) == specs
    assert support.group_label("The pilot loop", marked["The pilot loop"]) == (
        "The pilot loop (1 calibrated)"
    )
    assert support.group_label("Ownership", marked["Ownership"]) == "Ownership"


def test_calibration_note_lists_each_parameter_with_median_and_interval():
    base = load_scenario("baseline")
    note = support.calibration_note(toy_posterior(), base, base)
    assert "**baseline is a calibrated population.**" in note
    assert "- **acceptance margin (quality)** (Ownership): median 0.2, 90% interval 0.1 to 0.3" in (
        note
    )
    assert "**pilot patience (months)** (The pilot loop): median 18" in note
    assert "judgement default" in note and "docs/calibration.md" in note
    assert "changed here" not in note
    edited = base.with_changes({"portfolio.pilot_patience": 30})
    assert "changed here to 30" in support.calibration_note(toy_posterior(), edited, base)


def draws_summary() -> pd.DataFrame:
    """A made-up summary of two posterior draws, two rows each."""
    rows = []
    for draw, (value, label) in enumerate([(1000.0, "compounding"), (3000.0, "stalled")]):
        for offset in (-500.0, 500.0):
            row = {o.column: 1.0 for o in KEY_OUTCOMES}
            row.update(draw=draw, label=label if offset < 0 else "stalled")
            row["cumulative_net_value"] = value + offset
            rows.append(row)
    return pd.DataFrame(rows)


def test_parameter_uncertainty_table_gives_money_in_millions():
    table = support.parameter_uncertainty_table(draws_summary())
    assert len(table) == len(KEY_OUTCOMES)
    assert list(table.columns) == [
        "outcome",
        "mean",
        "90% interval over draws",
        "90% width within a draw",
    ]
    money = table.set_index("outcome").loc["cumulative net value (M)"]
    assert money["mean"] == "2.0"  # draws' means 1.0 and 3.0 M
    assert money["90% interval over draws"] == "1.1 to 2.9"
    assert money["90% width within a draw"] == "0.9"  # 5% to 95% of -500, +500 around each
    assert table.set_index("outcome").loc["production quality", "mean"] == "1.00"


def test_label_share_intervals_are_over_draws_in_label_order():
    table = support.label_share_intervals(draws_summary())
    assert list(table["label"]) == ["compounding", "stalled"]
    shares = table.set_index("label")
    assert shares.loc["compounding", "share"] == "25%"  # 50% in draw 0, 0% in draw 1
    assert shares.loc["compounding", "90% interval over draws"] == "2% to 48%"
    assert shares.loc["stalled", "share"] == "75%"


# -- the roadmap -------------------------------------------------------------------------
def roadmap_tab(app: AppTest):
    return next(tab for tab in app.tabs if tab.label == "Roadmap")


def chart_texts(app: AppTest) -> str:
    """Everything the Roadmap tab's charts hold: their specs and their data, as text."""
    from streamlit import dataframe_util

    texts = []
    for element in roadmap_tab(app).children.values():
        if "vega" not in getattr(element, "type", ""):
            continue
        texts.append(element.proto.spec)
        for dataset in element.proto.datasets:
            table = dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data)
            texts.append(table.to_csv())
    return "\n".join(texts)


def add_with_form(app: AppTest, lever: str, month: int, value: float, label: str) -> AppTest:
    app.selectbox(key="add_lever").set_value(lever).run()
    app.number_input(key="add_month").set_value(month)
    app.number_input(key="add_value").set_value(value)
    app.text_input(key="add_label").set_value(label)
    return app.button(key="add_change").click().run()


def scenario_of(app: AppTest):
    """The scenario the app runs (and downloads): what the sidebar's TOML holds."""
    return scenario_from_toml(app.session_state["scenario"].to_toml(), "download.toml")


def test_adding_a_lever_change_changes_the_scenario_and_marks_the_chart():
    app = start()
    assert "Name owners" not in chart_texts(app)
    add_with_form(app, OWNERS, 6, 0.9, "Name owners")
    assert not app.exception and not app.error
    assert any("baseline (edited)" in s for s in subheaders(app))
    (change,) = scenario_of(app).interventions  # the downloaded scenario carries it
    assert change.month == 6 and change.set == {"ownership.owner_probability": 0.9}
    assert change.label == "Name owners"
    assert "Name owners" in chart_texts(app)  # the rule's label on the value chart
    assert "no change" in chart_texts(app)  # against the path without the change
    assert list(app.data_editor[0].value["lever"]) == [OWNERS]
    assert "interventions" in app.query_params
    # What the plan adds, in one sentence with its interval, money in M as on the chart.
    headline = [
        m.value for m in app.markdown if "the plan adds" in m.value or "the plan loses" in m.value
    ]
    assert len(headline) == 1 and "M of cumulative net value" in headline[0]
    assert "95% interval" in headline[0]


def test_the_plans_table_and_headline_are_in_millions():
    from genaisim.app_roadmap import in_millions, plan_headline

    table = pd.DataFrame(
        {
            "outcome": ["Cumulative net value (k)", "Systems in production"],
            "current": [1000.0, 3.0],
            "what if": [3500.0, 5.0],
            "difference": [2500.0, 2.0],
            "ci_low": [-500.0, 1.0],
            "ci_high": [5500.0, 3.0],
        }
    )
    millions = in_millions(table)
    assert list(millions["outcome"]) == ["Cumulative net value (M)", "Systems in production"]
    assert list(millions["difference"]) == [2.5, 2.0]
    assert plan_headline(millions, 3) == (
        "Over 3 years the plan adds 2.5 M of cumulative net value against changing nothing "
        "(95% interval \u22120.5 to +5.5 M; means over replications, paired on the same "
        "random numbers)."
    )


def test_a_row_added_in_the_table_is_applied():
    app = start()
    key = app.data_editor[0].key
    app.session_state[key] = {
        "edited_rows": {},
        "added_rows": [{"month": 12, "ramp_months": 6, "lever": OWNERS, "value": 0.8}],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception and not app.error
    (change,) = app.session_state["scenario"].interventions
    assert (change.month, change.ramp_months) == (12, 6)
    assert change.label == "owner probability to 0.8"  # a change without label says what it does


def test_a_bad_lever_change_shows_an_error_and_keeps_the_scenario():
    app = start()
    add_with_form(app, OWNERS, 6, 0.9, "Name owners")
    before = app.session_state["scenario"]
    add_with_form(app, OWNERS, 90, 0.5, "Too late")  # past the five-year run
    assert not app.exception
    (error,) = roadmap_tab(app).error
    assert error.value.startswith("Row 2 (Ownership: owner probability to 0.5 from month 90)")
    assert "past the horizon" in error.value and "ownership." not in error.value
    assert app.session_state["scenario"] == before
    assert any("not applied" in w.value for w in app.sidebar.warning)
    assert "Too late" not in chart_texts(app)


def test_a_link_reopens_the_roadmap_it_carries():
    app = start()
    add_with_form(app, OWNERS, 6, 0.9, "Name owners")
    link = dict(app.query_params)
    reopened = start(link)
    assert not reopened.exception and not reopened.error
    assert reopened.session_state["scenario"].interventions == (
        app.session_state["scenario"].interventions
    )
    assert list(reopened.data_editor[0].value["label"]) == ["Name owners"]
    assert dict(reopened.query_params) == link


def test_uploading_a_portfolio_starts_the_run_from_it_and_the_link_carries_it():
    app = start()
    app.file_uploader(key="portfolio_upload").set_value(
        ("portfolio_template.csv", TEMPLATE.read_bytes(), "text/csv")
    ).run()
    assert not app.exception and not app.error
    assert any("6 pilots and 2 live systems" in m.value for m in roadmap_tab(app).markdown)
    assert app.slider(key="param:organisation.start_month").value == 0
    scenario = scenario_of(app)
    assert scenario.current_portfolio == read_portfolio_csv(TEMPLATE)
    reopened = start(dict(app.query_params))
    assert not reopened.exception and not reopened.error
    assert reopened.session_state["scenario"].current_portfolio == scenario.current_portfolio


def test_a_preset_or_a_scenario_file_with_a_roadmap_fills_the_table():
    app = start()
    app.sidebar.selectbox[0].set_value("roadmap_example").run()
    assert not app.exception and not app.error
    assert subheaders(app) == ["roadmap_example"]  # its own roadmap: not edited
    assert list(app.data_editor[0].value["month"]) == [3, 3, 3, 12]
    assert "Fix the data" in chart_texts(app)

    app = start()
    scenario_file = Path(APP).parent / "scenarios" / "roadmap_example.toml"
    app.sidebar.file_uploader[0].set_value(
        ("my_plan.toml", scenario_file.read_bytes(), "application/toml")
    ).run()
    assert not app.exception and not app.error
    assert len(app.data_editor[0].value) == 4
    assert (
        app.session_state["scenario"].interventions
        == load_scenario("roadmap_example").interventions
    )


def test_the_cost_of_waiting_compares_start_months_of_one_change():
    app = start({"preset": "roadmap_example", "population.organisations": "1"})
    app.multiselect(key="timing_months").set_value([0, 12])
    app.slider(key="timing_replications").set_value(5)
    app.button(key="timing").click().run()
    assert not app.exception and not app.error
    table = roadmap_tab(app).dataframe[-1].value
    assert list(table["starts"]) == ["month 0", "month 12", "never"]
    assert "waiting to name owners" in chart_texts(app).lower()  # the chart's finding


def test_a_portfolio_too_long_for_the_link_is_said_to_be_left_out_of_it():
    rows = read_portfolio_csv(TEMPLATE) * 8  # 64 use cases, as pilots (one live per workflow)
    long = tuple(row.model_copy(update={"stage": "pilot"}) for row in rows)
    app = start()
    app.file_uploader(key="portfolio_upload").set_value(
        ("estate.csv", portfolio_to_csv(long).encode(), "text/csv")
    ).run()
    assert not app.exception and not app.error
    assert app.session_state["scenario"].current_portfolio == long  # the run has it
    assert "current_portfolio" not in app.query_params  # the link has not, and says so
    (note,) = app.sidebar.warning
    assert "64 use cases" in note.value
    assert any(w.value == note.value for w in roadmap_tab(app).warning)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is a binary file"),
        ("use_case,stage\ncafé,pilot\n".encode("latin-1"), "is not UTF-8"),
        (b"use_case,stage\ninvoice_processing,piloting\n", "line 2"),
    ],
)
def test_a_bad_portfolio_file_is_refused_in_one_line_and_nothing_changes(content, says):
    app = start()
    before = app.session_state["scenario"]
    app.file_uploader(key="portfolio_upload").set_value(("mine.csv", content, "text/csv")).run()
    assert not app.exception
    (error,) = roadmap_tab(app).error
    assert "mine.csv" in error.value and says in error.value
    assert "Traceback" not in error.value
    assert app.session_state["scenario"] == before


# -- roadmap helpers ----------------------------------------------------------------------
def test_table_rows_round_trip_a_roadmap_of_several_levers():
    example = load_scenario("roadmap_example")
    rows = roadmap.rows_from_interventions(example.interventions)
    assert len(rows) == 4  # three levers in the first change, one in the second
    plan = roadmap.plan_roadmap(roadmap.without_roadmap(example), rows, base=example)
    assert not plan.problems
    assert plan.scenario == example  # not renamed: the roadmap is the example's


def test_the_editor_state_edits_deletes_and_adds_rows():
    rows = [{"month": 3, "lever": OWNERS, "value": 0.9}, {"month": 9, "lever": OWNERS}]
    state = {
        "edited_rows": {"0": {"value": 0.7}},
        "deleted_rows": [1],
        "added_rows": [{"month": 12}],
    }
    table = roadmap.apply_editor_state(rows, state)
    assert [row["month"] for row in table] == [3, 12]
    assert table[0]["value"] == 0.7 and table[1]["lever"] is None


def test_an_incomplete_row_waits_and_a_repeated_lever_is_a_problem():
    base = load_scenario("baseline")
    incomplete = roadmap.plan_roadmap(base, [{"month": 3, "lever": OWNERS}])
    assert incomplete.incomplete == (1,) and not incomplete.problems
    twice = [{"month": 3, "lever": OWNERS, "value": v} for v in (0.5, 0.9)]
    plan = roadmap.plan_roadmap(base, twice)
    assert plan.problems == (
        "Rows 1 and 2 both change Ownership: owner probability in the same change; keep one",
    )
    assert plan.scenario.interventions == ()


def test_a_portfolio_that_does_not_fit_is_left_out_with_a_reason():
    one_line = load_scenario("baseline").with_changes(
        {"organisation.start_month": 0, "portfolio.business_lines": 1}
    )
    plan = roadmap.plan_roadmap(one_line, [], read_portfolio_csv(TEMPLATE))
    assert plan.scenario.current_portfolio == ()
    assert plan.portfolio_problem.startswith("use case 6 (policy_qa): business_line = 2")
    assert "(business lines)" in plan.portfolio_problem


def test_a_portfolio_too_long_for_a_link_is_said_to_be_left_out():
    base = load_scenario("baseline").with_changes({"organisation.start_month": 0})
    rows = read_portfolio_csv(TEMPLATE) * 8  # 64 use cases
    rows = tuple(row.model_copy(update={"stage": "pilot"}) for row in rows)
    scenario = roadmap.with_roadmap(base, (), rows)
    query, notes = support.encode_link("baseline", scenario)
    assert roadmap.PORTFOLIO_PARAM not in query
    (note,) = notes
    assert "64 use cases" in note and "Download the scenario (.toml)" in note


@pytest.mark.parametrize("text", ["[1, 2]", "{}", '[{"month": 3', '[{"month": 3}]'])
def test_an_unreadable_roadmap_in_a_link_is_left_out(text):
    state = support.decode_query({"preset": "baseline", "interventions": text})
    assert state.scenario == load_scenario("baseline")
    (problem,) = state.problems
    assert "lever changes" in problem


def test_a_bad_roadmap_in_a_link_is_reported_and_the_rest_kept():
    state = support.decode_query(
        {
            "preset": "baseline",
            "feedback.culture": "0.8",
            "interventions": '[{"month":99,"set":{"feedback.culture":0.5}}]',
        }
    )
    assert state.scenario.feedback.culture == 0.8 and state.scenario.interventions == ()
    (problem,) = state.problems
    assert "month 99 is past the horizon" in problem and "feedback." not in problem
