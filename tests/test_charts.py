"""The chart catalogue: what each chart says, that it exports offline, and the commands."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

import genaisim
from genaisim import charts
from genaisim.charts.deck import chart_title
from genaisim.cli import main
from genaisim.experiments import execute, experiment_from_dict, load_sweep, plan


@pytest.fixture(scope="module")
def runs():
    return [
        genaisim.simulate(name, replications=6, seed=3, years=3)
        for name in ("compounder", "pilot_loop")
    ]


@pytest.fixture(scope="module")
def factorial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("factorial")
    experiment = experiment_from_dict(
        {
            "name": "two_foundations",
            "years": 2,
            "replications": 3,
            "seed": 5,
            "design": {
                "kind": "factorial",
                "factors": {
                    "ownership": {"absent": {}, "present": {"ownership.owner_probability": 0.9}},
                    "data": {"absent": {}, "present": {"organisation.data_quality": 0.8}},
                },
            },
        }
    )
    execute(plan(experiment), folder)
    return load_sweep(folder)


def layer_data(chart) -> list[list[dict]]:
    """Every inline dataset of a chart's Vega-Lite spec."""
    return list(chart.to_dict()["datasets"].values())


def title_text(chart) -> str:
    return " ".join(chart_title(chart))


def numbers_in(text: str) -> list[float]:
    return [float(n.replace("\u2212", "-")) for n in re.findall(r"[+\u2212-]?\d+\.\d+", text)]


# -- value trajectories ---------------------------------------------------------------
def test_value_chart_draws_one_median_line_per_scenario(runs):
    spec = charts.value_trajectories(runs).to_dict()
    bands = max(spec["datasets"].values(), key=len)
    assert sorted({row["scenario"] for row in bands}) == ["compounder", "pilot_loop"]
    assert len(bands) == 2 * 36  # one row per scenario and month: aggregated before charting
    assert spec["config"]["range"]["category"][:2] == list(charts.OKABE_ITO[:2])


def test_the_90_band_holds_the_50_band_which_holds_the_median_every_month(runs):
    bands = charts.value_bands(runs)
    assert (bands["q05"] <= bands["q25"]).all()
    assert (bands["q25"] <= bands["median"]).all()
    assert (bands["median"] <= bands["q75"]).all()
    assert (bands["q75"] <= bands["q95"]).all()


def test_value_title_states_each_scenarios_final_median_in_millions(runs):
    title = title_text(charts.value_trajectories(runs))
    for result in runs:
        final = result.timeseries.query("month == month.max()")["cumulative_net_value"].median()
        assert f"{final / 1000:+.1f}".replace("-", "\u2212") in title
        assert result.scenario.name in title


def test_value_source_line_names_scenarios_replications_seed_and_version(runs):
    subtitle = " ".join(charts.value_trajectories(runs).to_dict()["title"]["subtitle"])
    for text in ("compounder", "pilot_loop", "6 replications", "seed 3", genaisim.__version__):
        assert text in subtitle


# -- the other scenario charts ---------------------------------------------------------
def test_stages_are_mean_counts_per_month_and_the_title_gives_the_final_production(runs):
    counts = charts.stage_counts(runs)
    compounder = runs[0].timeseries
    last = counts.query("scenario == 'compounder' and month == 35 and stage == 'In production'")
    assert last["systems"].item() == pytest.approx(
        compounder.query("month == 35")["production"].mean()
    )
    assert f"compounder {last['systems'].item():.1f}" in title_text(charts.portfolio_stages(runs))
    assert "facet" in charts.portfolio_stages(runs).to_dict()
    assert "facet" not in charts.portfolio_stages(runs[0]).to_dict()


def test_kpis_are_task_weighted_final_year_means_with_the_cost_change_in_the_title(runs):
    table = charts.kpi_table(runs)
    ts = runs[0].timeseries
    final = ts[(ts["month"] >= 24) & (ts["tasks_processed"] > 0)]
    expected = np.average(final["task_minutes_after"], weights=final["tasks_processed"])
    row = table.query(
        "scenario == 'compounder' and kpi == 'Task time (minutes)' and when == 'With GenAI'"
    )
    assert row["value"].item() == pytest.approx(expected)
    cost = table.query("scenario == 'compounder' and kpi.str.startswith('Cost')").set_index("when")
    title = title_text(charts.kpis(runs))
    assert (
        f"{cost.loc['Before GenAI', 'value']:.0f} \u2192 {cost.loc['With GenAI', 'value']:.0f}"
        in title
    )


def test_feedback_chart_has_the_four_series_and_the_share_of_flags_acted_on(runs):
    medians = charts.feedback_medians(runs)
    assert set(medians["series"]) == {
        "Flags raised",
        "Flags acted on",
        "Production quality",
        "Reviewer engagement",
    }
    ts = runs[0].timeseries
    share = ts["flags_acted"].sum() / ts["flags_raised"].sum()
    assert f"compounder {share:.0%}" in title_text(charts.feedback_loop(runs))


def test_no_chart_carries_more_rows_than_it_shows(runs):
    for kind in charts.SCENARIO_KINDS.values():
        rows = sum(len(data) for data in layer_data(kind.build(runs)))
        assert rows < 1000, kind.name


# -- sweep charts ----------------------------------------------------------------------
def test_heatmap_has_one_cell_per_combination_with_the_mean_as_text(factorial):
    table = charts.foundations_table(factorial)
    assert len(table) == 4
    chart = charts.foundations_heatmap(factorial)
    cells = max(layer_data(chart), key=len)
    assert {row["label"] for row in cells} == {
        f"{v / 1000:+.1f} M".replace("-", "\u2212") for v in table["mean"]
    }
    best = table.query("ownership == 'present' and data == 'present'")["mean"].item()
    assert f"{best / 1000:+.1f}".replace("-", "\u2212") in title_text(chart)


def test_sensitivity_on_a_factorial_names_the_design_it_needs(factorial):
    with pytest.raises(genaisim.GenaisimError, match="sobol"):
        charts.sensitivity(factorial)


# -- export ----------------------------------------------------------------------------
def test_exports_are_valid_png_svg_and_pdf_and_identical_when_repeated(runs, tmp_path):
    chart = charts.value_trajectories(runs)
    paths = {fmt: charts.export(chart, tmp_path / f"a.{fmt}") for fmt in charts.FORMATS}
    again = {fmt: charts.export(chart, tmp_path / f"b.{fmt}") for fmt in ("png", "svg")}
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1920, 1080)  # a 16:9 slide at scale 2, as README says
    assert ET.fromstring(paths["svg"].read_text()).tag.endswith("svg")
    assert paths["pdf"].read_bytes()[:4] == b"%PDF"
    for fmt, path in again.items():
        assert path.read_bytes() == paths[fmt].read_bytes(), fmt


def test_a_png_fits_the_slide_whatever_the_chart_size(runs, tmp_path):
    import io

    from PIL import Image

    wide = charts.value_trajectories(runs).properties(width=2400, height=200)
    small = charts.value_trajectories(runs).properties(width=300, height=200)
    for chart in (wide, small):
        image = Image.open(io.BytesIO(charts.to_png(chart)))
        assert image.size == (1920, 1080)
        # Padding is the chart's white background, not transparency.
        assert image.convert("RGBA").getpixel((0, 0)) == (255, 255, 255, 255)
    # Without the slide, the chart keeps its own size times the scale (pages, not slides).
    natural = Image.open(io.BytesIO(charts.to_png(small, scale=1, slide=False)))
    assert natural.size != (960, 540)
    path = charts.export(small, tmp_path / "page.png", scale=1, slide=False)
    assert Image.open(path).size == natural.size


def test_export_refuses_an_unknown_suffix(runs, tmp_path):
    with pytest.raises(genaisim.GenaisimError, match=r"\.png, \.svg, \.pdf"):
        charts.export(charts.kpis(runs), tmp_path / "chart.jpg")


def test_the_theme_is_registered_with_altair_but_not_enabled():
    import altair as alt

    assert "genaisim" in alt.theme.names()
    assert alt.theme.active != "genaisim"


# -- commands --------------------------------------------------------------------------
def test_deck_writes_every_chart_and_an_offline_index(tmp_path, capsys):
    out = tmp_path / "deck"
    status = main(
        ["deck", "compounder", "pilot_loop", "--out", str(out), "-r", "3", "--years", "2"]
    )
    assert status == 0
    for kind in charts.SCENARIO_KINDS:
        for fmt in charts.FORMATS:
            assert (out / f"{kind}.{fmt}").stat().st_size > 1000
        # Every slide is exactly 1920 x 1080 (README, deck --help), whatever its panels.
        png = (out / f"{kind}.png").read_bytes()
        size = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert size == (1920, 1080), kind
    page = (out / "index.html").read_text()
    assert page.count("<svg") == len(charts.SCENARIO_KINDS)
    assert page.count("<h2>") == len(charts.SCENARIO_KINDS)
    assert not re.search(r"<script|src\s*=\s*[\"']?https?:|href\s*=\s*[\"']?https?:", page)


def test_chart_command_writes_the_file_its_suffix_names(tmp_path):
    out = tmp_path / "stages.svg"
    assert (
        main(
            [
                "chart",
                "compounder",
                "--kind",
                "stages",
                "--out",
                str(out),
                "-r",
                "2",
                "--years",
                "2",
            ]
        )
        == 0
    )
    assert ET.fromstring(out.read_text()).tag.endswith("svg")


def test_chart_command_on_a_bad_kind_exits_2_and_lists_the_kinds(tmp_path, capsys):
    status = main(["chart", "compounder", "--kind", "pie", "--out", str(tmp_path / "x.png")])
    assert status == 2
    err = capsys.readouterr().err
    assert "--kind" in err and "'pie'" in err and "trajectories" in err


def test_a_sweep_chart_of_a_scenario_says_it_needs_a_sweep_folder(tmp_path, capsys):
    status = main(
        ["chart", "compounder", "--kind", "foundations", "--out", str(tmp_path / "x.png")]
    )
    assert status == 2
    assert "sweep's results folder" in capsys.readouterr().err


def test_chart_command_draws_a_heatmap_of_a_sweep_folder(factorial, tmp_path):
    out = tmp_path / "foundations.pdf"
    assert main(["chart", str(factorial.path), "--kind", "foundations", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"%PDF"
    assert json.loads((factorial.path / "manifest.json").read_text())["status"] == "complete"


def test_deck_adds_the_charts_each_sweep_supports(tmp_path, factorial):
    out = tmp_path / "deck"
    status = main(
        [
            "deck",
            "compounder",
            "--out",
            str(out),
            "-r",
            "2",
            "--years",
            "2",
            "--sweep",
            str(factorial.path),
        ]
    )
    assert status == 0
    # A factorial over two factors without recorded deployments: the heat map only.
    assert (out / "foundations_two_foundations.png").is_file()
    assert not list(out.glob("predictors_*"))
    assert not list(out.glob("sensitivity_*"))
    page = (out / "index.html").read_text()
    assert page.count("<svg") == len(charts.SCENARIO_KINDS) + 1


def test_a_named_scenario_keeps_its_colour_wherever_it_stands():
    from genaisim.charts.theme import FIXED_COLOURS, OKABE_ITO, scenario_colours

    def colours(names):
        scale = scenario_colours(names).to_dict()
        return dict(zip(scale["domain"], scale["range"], strict=True))

    first = colours(["baseline", "compounder", "pilot_loop"])
    second = colours(["pilot_loop", "my_org", "compounder"])
    assert first["compounder"] == second["compounder"] == FIXED_COLOURS["compounder"]
    assert first["pilot_loop"] == second["pilot_loop"] == FIXED_COLOURS["pilot_loop"]
    # Another scenario takes a colour no named scenario owns.
    assert second["my_org"] not in FIXED_COLOURS.values()
    # An edited copy keeps its scenario's colour, unless the scenario is on the chart too.
    assert (
        colours(["compounder (edited)", "pilot_loop"])["compounder (edited)"]
        == (FIXED_COLOURS["compounder"])
    )
    both = colours(["baseline", "baseline (edited)"])
    assert both["baseline"] != both["baseline (edited)"]
    # Many scenarios: every one gets a colour, distinct as long as there are enough.
    many = colours([f"s{i}" for i in range(len(OKABE_ITO))])
    assert len(set(many.values())) == len(OKABE_ITO)


def test_a_title_never_splits_a_number_from_its_unit():
    from genaisim.charts.theme import title_lines

    title = "After 5 years, median cumulative net value: compounder +15.0 M, baseline -1.0 M"
    lines = title_lines(title)
    assert len(lines) == 2
    assert all(not line.startswith("M") for line in lines)
    assert "+15.0\u00a0M" in " ".join(lines)


def test_end_labels_close_together_are_pushed_apart_in_order():
    from genaisim.charts.scenarios import separated

    values = pd.Series([9.8, 10.0, 0.0, 9.9], index=["c", "a", "d", "b"])
    placed = separated(values, gap=1.0)
    # The top label (drawn above its line) and the next (below its own) keep their place;
    # the third is pushed a gap below the second; the far one is left alone.
    assert placed.to_dict() == {"c": pytest.approx(8.9), "a": 10.0, "d": 0.0, "b": 9.9}
    below = placed.drop("a").sort_values(ascending=False)
    assert (-below.diff().dropna() >= 1.0 - 1e-9).all()


def test_every_chart_of_the_explorer_describes_itself_for_screen_readers():
    from genaisim import app_support as support

    results = genaisim.simulate("baseline", replications=3, years=3)
    shown = [
        charts.value_trajectories(results),
        charts.portfolio_stages(results),
        charts.kpis(results),
        support.timeline_chart(support.deployment_timeline(results, 0)),
    ]
    for chart in shown:
        description = chart.to_dict().get("description", "")
        assert len(description) > 20, description
    assert (
        charts.value_trajectories(results)
        .to_dict()["description"]
        .startswith("After 3 years, median cumulative net value: baseline")
    )
