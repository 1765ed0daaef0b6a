"""The Streamlit app starts meaningful, reacts to its widgets, and its helpers are sound."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from genaisim import app_support as support
from genaisim import cli, load_scenario
from genaisim.errors import ScenarioError

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OWNER = "param:ownership.owner_probability"


def start(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.run()


def subheaders(app: AppTest) -> list[str]:
    return [s.value for s in app.subheader]


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
