"""The Streamlit app starts meaningful, reacts to its widgets, and its helpers are sound."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from genaisim import app_support as support
from genaisim import cli, load_scenario
from genaisim.calibration.posterior import Posterior, load_posterior
from genaisim.errors import ScenarioError
from genaisim.report import KEY_OUTCOMES

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OWNER = "param:ownership.owner_probability"
CALIBRATED = "enterprise_2024"
#: The calibrated population, small enough for a test to run in seconds.
SMALL_CALIBRATED = {"preset": CALIBRATED, "population.organisations": "20"}


def start(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        app.query_params[key] = value
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


def test_the_sidebar_has_a_slider_for_every_bounded_parameter(first_screen):
    specs = support.slider_specs(load_scenario("baseline"))
    keys = {s.key for group in specs.values() for s in group}
    rendered = {s.key for s in first_screen.sidebar.slider}
    assert {f"param:{k}" for k in keys} <= rendered
    assert "The pilot loop" in specs and "Ownership" in specs


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


def test_a_what_if_button_shows_the_difference_table():
    app = start()
    tables_before = len(app.dataframe)
    app.button(key="what_if:Name owners").click().run()
    assert not app.exception
    assert len(app.dataframe) == tables_before + 1
    assert any("Name owners" in m.value for m in app.markdown)


def test_the_tornado_button_computes_and_shows_the_levers_by_swing():
    app = start()
    app.button(key="tornado").click().run()
    assert not app.exception
    table = app.dataframe[-1].value
    assert len(table) == len(support.TORNADO_LEVERS)
    assert table["swing"].is_monotonic_decreasing


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
    scenario = load_scenario("pilot_loop").with_changes(
        {"ownership.owner_probability": 0.9, "portfolio.max_open_pilots": 3}
    )
    query = support.encode_query("pilot_loop", scenario)
    assert set(query) == {"preset", "ownership.owner_probability", "portfolio.max_open_pilots"}
    state = support.decode_query(query)
    assert state.preset == "pilot_loop" and not state.problems
    assert state.scenario.ownership.owner_probability == 0.9
    assert state.scenario.portfolio.max_open_pilots == 3
    assert support.changed_values(state.scenario, scenario) == {}


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


def test_cli_finds_the_app():
    assert cli.app_path() == Path(APP)
    assert "app" in cli.COMMANDS


def test_every_tab_shows_its_content(first_screen):
    app = first_screen
    labels = [tab.label for tab in app.tabs]
    assert labels == ["Compare", "Inside an organisation", "Sensitivity", "Explain", "Export"]
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
