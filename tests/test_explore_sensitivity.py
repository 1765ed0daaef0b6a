"""Sensitivity that reports its adequacy, and the one-factor-at-a-time design and tornado.

Sweeps here are tiny (one year, a few points) and seeded; they check the plumbing and
the shape of what users see, not the model's numbers.
"""

from __future__ import annotations

import pandas as pd
import pytest

from genaisim import app_support
from genaisim.charts import explore as explore_charts
from genaisim.cli import main
from genaisim.experiments import ExperimentError, execute, experiment_from_dict, load_sweep, plan
from genaisim.explore import sobol_convergence, sobol_second_order, tornado_table

OAT = {
    "name": "oat_tiny",
    "replications": 2,
    "years": 1,
    "seed": 5,
    "design": {
        "kind": "oat",
        "parameters": {
            "ownership.owner_probability": [0.1, 0.9],
            "portfolio.pilot_appetite": [2.0, 8.0, 12.0],
        },
    },
}

SOBOL = {
    "name": "sobol_s2_tiny",
    "replications": 1,
    "years": 1,
    "seed": 5,
    "design": {
        "kind": "sobol",
        "samples": 16,
        "second_order": True,
        "parameters": {
            "ownership.owner_probability": [0.1, 0.9],
            "portfolio.pilot_appetite": [1.0, 12.0],
            "feedback.culture": [0.1, 0.9],
        },
    },
}


def run(folder, data):
    execute(plan(experiment_from_dict(data)), folder)
    return load_sweep(folder)


@pytest.fixture(scope="module")
def oat(tmp_path_factory):
    return run(tmp_path_factory.mktemp("oat") / "oat", OAT)


@pytest.fixture(scope="module")
def sobol(tmp_path_factory):
    return run(tmp_path_factory.mktemp("sobol") / "sobol", SOBOL)


# -- one factor at a time ---------------------------------------------------------------
def test_an_oat_plan_is_the_base_then_each_parameter_at_each_level_alone():
    the_plan = plan(experiment_from_dict(OAT))
    assert the_plan.points["point_name"].tolist() == [
        "base",
        "ownership.owner_probability = 0.1",
        "ownership.owner_probability = 0.9",
        "portfolio.pilot_appetite = 2.0",
        "portfolio.pilot_appetite = 8.0",
        "portfolio.pilot_appetite = 12.0",
    ]
    assert the_plan.changes[0] == {}
    assert the_plan.changes[4] == {"portfolio.pilot_appetite": 8.0}
    assert len(the_plan) == 6 * 2


def test_an_oat_design_without_levels_is_refused_in_one_line():
    with pytest.raises(ExperimentError, match="'oat' design needs"):
        experiment_from_dict({**OAT, "design": {"kind": "oat"}})


def test_the_tornado_of_an_oat_sweep_compares_each_parameters_extremes(oat):
    table = tornado_table(oat, "pilots_started")
    assert set(table["lever"]) == {"ownership.owner_probability", "portfolio.pilot_appetite"}
    assert table["swing"].is_monotonic_decreasing
    appetite = table.set_index("lever").loc["portfolio.pilot_appetite"]
    assert (appetite["low"], appetite["high"]) == (2.0, 12.0)
    runs = oat.runs
    at_high = runs[runs["point_name"] == "portfolio.pilot_appetite = 12.0"]["pilots_started"]
    assert appetite["at_high"] == pytest.approx(at_high.mean())
    base = runs[runs["point_name"] == "base"]["pilots_started"].mean()
    assert appetite["base"] == pytest.approx(base)


def test_the_app_and_the_command_line_draw_the_same_tornado(oat):
    table = tornado_table(oat)
    app = app_support.tornado_chart(table).to_dict()
    shared = explore_charts.tornado_bars(table).to_dict()
    # The same bars from the same data; the app adds a title naming the top lever, and
    # the theme's settings.
    assert app["title"]["text"][0].startswith(table.iloc[0]["lever"])
    styling = ("title", "description", "background", "padding", "config")
    assert {k: v for k, v in app.items() if k not in styling} == {
        k: v for k, v in shared.items() if k not in styling
    }


def test_a_tornado_of_another_design_says_which_design_it_needs(sobol):
    with pytest.raises(ExperimentError, match='kind = "oat"'):
        tornado_table(sobol)


def test_analyse_tornado_and_chart_tornado_from_the_command_line(oat, tmp_path, capsys):
    assert main(["analyse", str(oat.path), "--tornado", "--outcome", "pilots_started"]) == 0
    assert "One factor at a time" in capsys.readouterr().out
    out = tmp_path / "tornado.svg"
    assert main(["chart", str(oat.path), "--kind", "tornado", "--out", str(out)]) == 0
    assert out.read_text().startswith("<svg") or "<svg" in out.read_text()[:200]


# -- Sobol: interactions and convergence ------------------------------------------------
def test_second_order_indices_have_one_row_per_pair(sobol):
    table = sobol_second_order(sobol, "pilots_started")
    assert len(table) == 3  # 3 parameters: 3 pairs
    assert list(table.columns) == ["parameter", "other", "S2", "S2_conf"]
    assert table[["S2", "S2_conf"]].notna().all().all()


def test_convergence_shows_the_indices_at_a_quarter_half_and_all_of_n(sobol):
    table = sobol_convergence(sobol, "pilots_started", tolerance=0.05)
    assert sorted(table["N"].unique()) == [4, 8, 16]
    assert len(table) == 3 * 3
    full = table[table["N"] == 16].drop(columns="N").reset_index(drop=True)
    from genaisim.analysis import sobol_indices

    # At full N the table is exactly the ordinary Sobol analysis.
    pd.testing.assert_frame_equal(full, sobol_indices(sobol, "pilots_started"))
    # Sixteen base samples are far too few: the intervals are wide and the warning says so.
    assert table.attrs["too_wide"]


def test_analyse_convergence_warns_when_the_intervals_are_too_wide(sobol, capsys):
    assert main(["analyse", str(sobol.path), "--convergence", "--outcome", "pilots_started"]) == 0
    out = capsys.readouterr().out
    assert "N=4" in out and "N=8" in out and "N=16" in out
    assert "Warning:" in out and "have not converged" in out


def test_analyse_sobol_shows_second_order_indices_when_the_design_has_them(sobol, capsys):
    assert main(["analyse", str(sobol.path), "--sobol", "--outcome", "pilots_started"]) == 0
    assert "Second-order Sobol indices" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["interactions", "convergence", "scores"])
def test_sensitivity_charts_of_a_sobol_sweep_render(sobol, tmp_path, kind):
    out = tmp_path / f"{kind}.svg"
    assert (
        main(
            [
                "chart",
                str(sobol.path),
                "--kind",
                kind,
                "--outcome",
                "pilots_started",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.stat().st_size > 1000


def test_a_chart_of_the_peeling_trajectory_needs_a_condition(sobol, tmp_path, capsys):
    out = tmp_path / "peeling.png"
    assert main(["chart", str(sobol.path), "--kind", "peeling", "--out", str(out)]) == 2
    assert "needs --where" in capsys.readouterr().err


def test_the_morris_chart_places_each_parameter_by_mu_star_and_sigma(tmp_path):
    morris = run(
        tmp_path / "morris",
        {
            "name": "morris_tiny",
            "replications": 1,
            "years": 1,
            "seed": 5,
            "design": {
                "kind": "morris",
                "samples": 4,
                "parameters": {
                    "ownership.owner_probability": [0.1, 0.9],
                    "portfolio.pilot_appetite": [1.0, 12.0],
                },
            },
        },
    )
    from genaisim.analysis import morris_indices

    table = morris_indices(morris, "pilots_started")
    spec = explore_charts.morris(table, "pilots_started").to_dict()
    assert spec["layer"][1]["encoding"]["x"]["field"] == "mu_star"
    assert spec["layer"][1]["encoding"]["y"]["field"] == "sigma"
    top = table.sort_values("mu_star").iloc[-1]["parameter"]
    assert top.capitalize() in " ".join(spec["title"]["text"])


def test_second_order_outside_a_sobol_design_is_refused():
    data = {
        "name": "lhs_second_order",
        "design": {
            "kind": "lhs",
            "samples": 8,
            "second_order": True,
            "parameters": {"ownership.owner_probability": [0.0, 1.0]},
        },
    }
    with pytest.raises(ExperimentError) as error:
        experiment_from_dict(data)
    assert "second_order = true applies to sobol designs only" in str(error.value)
    assert "\n" not in str(error.value)


def test_the_interactions_map_diverges_from_zero_shows_the_interval_and_plain_names(sobol):
    table = sobol_second_order(sobol, "pilots_started")
    spec = explore_charts.interactions(table, "pilots_started").to_dict()
    cells = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
    scale = cells["encoding"]["color"]["scale"]
    assert scale["domainMid"] == 0
    assert scale["domain"][0] == -scale["domain"][1]
    rows = next(iter(spec["datasets"].values()))
    assert all("\u00b1" in row["text"] for row in rows)
    assert not [row for row in rows if "." in row["parameter"] or "." in row["other"]]
    assert "95% interval" in " ".join(spec["title"]["subtitle"])


def test_the_convergence_warning_reads_as_a_sentence(sobol, capsys):
    assert main(["analyse", str(sobol.path), "--convergence", "--outcome", "pilots_started"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "with a larger samples" not in out
    assert "with a larger base sample" in out
