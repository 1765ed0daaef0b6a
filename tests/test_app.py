"""The Streamlit page starts with a meaningful first screen and reacts to its widgets."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_the_first_screen_shows_the_baseline_already_run():
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert app.sidebar.selectbox[0].value == "baseline"
    assert any("baseline" in s.value for s in app.subheader)
    assert len(app.dataframe) == 1


def test_choosing_another_scenario_reruns_it():
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.sidebar.selectbox[0].set_value("compounder").run()
    assert not app.exception
    assert any("compounder" in s.value for s in app.subheader)
