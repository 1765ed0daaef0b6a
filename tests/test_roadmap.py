"""Interventions, the current portfolio as the starting state, and the cost of waiting."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import genaisim
from genaisim.cli import main
from genaisim.errors import ScenarioError
from genaisim.model import GenAISimModel
from genaisim.roadmap import MID_RUN_KEYS, read_portfolio_csv
from genaisim.scenario import Scenario, _validate, load_scenario, scenario_from_toml
from genaisim.timing import compare_timing

TEMPLATE = Path(__file__).resolve().parents[1] / "scenarios" / "portfolio_template.csv"


def with_interventions(scenario: Scenario, *interventions: dict) -> Scenario:
    return _validate({**scenario.to_dict(), "interventions": list(interventions)}, "test")


def baseline(**changes) -> Scenario:
    return load_scenario("baseline").with_changes(
        {"simulation.replications": 6, "simulation.seed": 5, **changes}
    )


# -- the scenario side ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("intervention", "expected"),
    [
        ({"month": 80, "set": {"data.data_investment": 0.5}}, "past the horizon"),
        ({"month": 3, "set": {"organisation.data_quality": 0.9}}, "cannot change mid-run"),
        ({"month": 3, "set": {"data.data_investmnt": 0.5}}, "did you mean 'data.data_investment'"),
        ({"month": 3, "set": {"data.data_investment": 1.5}}, "out of range"),
        ({"month": 3, "set": {"portfolio.max_open_pilots": 2.5}}, "whole number"),
        ({"month": 3, "set": {}}, "'set' is empty"),
        ({"month": -1, "set": {"data.data_investment": 0.5}}, "interventions[1].month"),
        ({"month": 3, "sett": {"data.data_investment": 0.5}}, "unknown field 'sett'"),
        ({"month": 3, "set": {"data.data_investment": "high"}}, "must be a number"),
    ],
)
def test_a_bad_intervention_is_one_line_naming_what_is_wrong(intervention, expected):
    text = 'base = "baseline"\n' + _intervention_toml(intervention)
    with pytest.raises(ScenarioError) as error:
        scenario_from_toml(text, "plan.toml")
    message = str(error.value)
    assert expected in message
    assert message.startswith("plan.toml: ")
    assert len(message.splitlines()) == 1


def _intervention_toml(intervention: dict) -> str:
    import tomli_w

    return tomli_w.dumps({"interventions": [intervention]})


def test_only_marked_levers_change_mid_run_and_the_schema_says_which():
    marked = [p.key for p in Scenario().parameters() if p.mid_run]
    assert marked == [k for k in (p.key for p in Scenario().parameters()) if k in MID_RUN_KEYS]
    assert set(marked) == set(MID_RUN_KEYS)


def test_interventions_survive_the_toml_round_trip():
    scenario = load_scenario("roadmap_example").with_portfolio(read_portfolio_csv(TEMPLATE))
    again = scenario_from_toml(scenario.to_toml(), "again.toml")
    assert again.interventions == scenario.interventions
    assert again.current_portfolio == scenario.current_portfolio


# -- the model side ------------------------------------------------------------------
def test_runs_are_identical_until_the_first_intervention_month():
    """Common random numbers: nothing is drawn differently before the change applies."""
    plain = baseline()
    changed = with_interventions(
        plain, {"month": 20, "set": {"ownership.owner_probability": 0.9, "feedback.tooling": 0.9}}
    )
    a = genaisim.simulate(plain).timeseries
    b = genaisim.simulate(changed).timeseries
    before_a = a[a["month"] < 20].reset_index(drop=True)
    before_b = b[b["month"] < 20].reset_index(drop=True)
    pd.testing.assert_frame_equal(before_a, before_b)
    after = a["month"] >= 20
    assert not np.allclose(
        a.loc[after, "cumulative_net_value"], b.loc[b["month"] >= 20, "cumulative_net_value"]
    )


def test_an_intervention_at_month_0_is_the_scenario_with_those_values_from_the_start():
    values = {
        "ownership.owner_probability": 0.9,
        "portfolio.max_open_pilots": 4,
        "feedback.process": 0.8,
        "data.data_investment": 0.5,
    }
    plain = baseline(
        **{"population.organisations": 3, "population.spread": {"feedback.culture": 0.2}}
    )
    at_zero = genaisim.simulate(with_interventions(plain, {"month": 0, "set": values}))
    from_start = genaisim.simulate(plain.with_changes(values))
    pd.testing.assert_frame_equal(at_zero.timeseries, from_start.timeseries)
    pd.testing.assert_frame_equal(at_zero.deployments, from_start.deployments)


def test_a_ramp_moves_the_lever_linearly_and_reaches_the_target():
    scenario = with_interventions(
        baseline(**{"data.data_investment": 0.1}),
        {"month": 12, "ramp_months": 4, "set": {"data.data_investment": 0.5}},
    )
    model = GenAISimModel(scenario, rng=1)
    seen = []
    for _ in range(18):
        model.step()
        seen.append(model.organisations[0].params.data.data_investment)
    # Month m's value holds during month m (applied at its start).
    assert seen[11] == pytest.approx(0.1)
    assert seen[12:16] == pytest.approx([0.2, 0.3, 0.4, 0.5])
    assert seen[16:] == pytest.approx([0.5, 0.5])


def test_a_whole_number_lever_is_rounded_along_its_ramp():
    scenario = with_interventions(
        baseline(), {"month": 0, "ramp_months": 3, "set": {"portfolio.max_open_pilots": 10}}
    )
    model = GenAISimModel(scenario, rng=1)
    seen = []
    for _ in range(4):
        model.step()
        seen.append(model.organisations[0].params.portfolio.max_open_pilots)
    assert seen == [70, 40, 10, 10]
    assert all(isinstance(v, int) for v in seen)


def test_naming_owners_reaches_the_initiatives_already_running():
    """owner_probability 0 -> 1: every initiative of the technology team gets a business owner."""
    rows = read_portfolio_csv(
        b"use_case,stage,months_in_stage,owner_kind\n"
        b"policy_qa,production,6,technology\ninvoice_processing,pilot,2,none\n",
        "mine.csv",
    )
    scenario = with_interventions(
        baseline(**{"ownership.owner_probability": 0.0, "portfolio.pilot_appetite": 0.0}),
        {"month": 2, "set": {"ownership.owner_probability": 1.0}},
    ).with_portfolio(rows)
    model = GenAISimModel(scenario, rng=3)
    org = model.organisations[0]
    model.step()
    assert all(not d.owner.is_business for d in (*org.pilots, *org.production))
    model.step()
    model.step()
    running = [*org.pilots, *org.production]
    assert running
    assert all(d.owner.is_business for d in running)


def test_the_results_record_the_interventions_and_save_them(tmp_path):
    results = genaisim.simulate("roadmap_example", replications=2, years=2)
    table = results.interventions
    assert list(table["month"]) == [3, 3, 3, 12]
    assert set(table["key"]) == {
        "ownership.owner_probability",
        "measurement.kpi_probability",
        "portfolio.max_open_pilots",
        "data.data_investment",
    }
    results.save(tmp_path / "out")
    saved = pd.read_parquet(tmp_path / "out" / "interventions.parquet")
    pd.testing.assert_frame_equal(saved, table)


# -- the current portfolio -----------------------------------------------------------
def test_the_template_portfolio_is_the_starting_state():
    rows = read_portfolio_csv(TEMPLATE)
    scenario = baseline().with_portfolio(rows)
    assert scenario.organisation.start_month == 0
    model = GenAISimModel(scenario, rng=2)
    org = model.organisations[0]
    assert len(org.production) == sum(r.stage == "production" for r in rows)
    assert len(org.pilots) == sum(r.stage == "pilot" for r in rows)
    assert all(d.month_started < 0 for d in (*org.pilots, *org.production))
    live = next(d for d in org.production if d.use_case.name == "invoice_processing")
    assert live.month_promoted == -10
    # Its quality today was given: the model starts from it.
    assert live.quality_on_current_data() == pytest.approx(0.72)
    custom = next(d for d in org.pilots if d.use_case.name == "claims_triage")
    assert custom.use_case.volume == 12000 and custom.owner.is_business
    assert org.team > 0.0
    model.step()
    # The live systems make value from the first month.
    assert model.timeseries()["gross_value"].iloc[0] > 0.0


def test_a_portfolio_that_does_not_fit_the_scenario_is_refused():
    rows = read_portfolio_csv(b"use_case,stage,business_line\npolicy_qa,pilot,9\n", "p.csv")
    with pytest.raises(ScenarioError, match="business_line = 9 but the scenario has 3"):
        baseline().with_portfolio(rows, source="p.csv")
    twice = b"use_case,stage\npolicy_qa,production\npolicy_qa,production\n"
    with pytest.raises(ScenarioError, match="one live system per workflow"):
        baseline().with_portfolio(read_portfolio_csv(twice, "p.csv"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"use_case,stage\n", "no use cases below the header"),
        (
            b"use_case,stag\npolicy_qa,pilot\n",
            "line 1: unknown column 'stag'; did you mean 'stage'",
        ),
        (b"use_case,months_in_stage\npolicy_qa,2\n", "line 1: missing column 'stage'"),
        (b"use_case,stage\npolicy_qa,pilot\nclaims,pilot\n", "line 3: use case 'claims' is not in"),
        (b"use_case,stage,months_in_stage\npolicy_qa,pilot,-3\n", "line 2: months_in_stage = '-3'"),
        (b"use_case,stage\npolicy_qa,live\n", "line 2: stage = 'live'"),
        (b"use_case,stage,kpis_defined\npolicy_qa,pilot,maybe\n", "kpis_defined = 'maybe'"),
        (b"use_case,stage\npolicy_qa,pilot,extra\n", "line 2: 3 cells but the header has 2"),
        (b'use_case,stage\n"policy_qa,pilot\n', "line"),
        ("use_case,stage\npolicy_qa,pilôt\n".encode("latin-1"), "is not UTF-8 text"),
        (b"\x00\x01\x02binary", "is a binary file"),
    ],
)
def test_a_bad_portfolio_file_is_one_line_naming_file_and_line(content, expected):
    with pytest.raises(ScenarioError) as error:
        read_portfolio_csv(content, "mine.csv")
    message = str(error.value)
    assert message.startswith("mine.csv")
    assert expected in message
    assert len(message.splitlines()) == 1


def test_a_portfolio_path_must_be_a_csv_file(tmp_path):
    with pytest.raises(ScenarioError, match="a portfolio is a .csv file"):
        read_portfolio_csv(tmp_path / "p.xlsx")
    with pytest.raises(ScenarioError, match="no such portfolio file"):
        read_portfolio_csv(tmp_path / "missing.csv")


# -- the command line ----------------------------------------------------------------
def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_run_with_a_portfolio_says_where_it_starts(capsys):
    status, out, _ = run_cli(
        capsys, "run", "roadmap_example", "--portfolio", str(TEMPLATE), "-r", "2", "--years", "2"
    )
    assert status == 0
    assert "Portfolio 6 pilots and 2 live systems at the start" in out
    assert "Timeline  month 3: Name owners, define KPIs, cap pilots" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"use_case,stage\nnope,pilot\n", "line 2: use case 'nope'"),
        ("use_case,stage\npolicy_qa,pilôt\n".encode("latin-1"), "is not UTF-8"),
        (b"use_case,stage,business_line\npolicy_qa,pilot,7\n", "business_line = 7"),
    ],
)
def test_a_bad_portfolio_on_the_command_line_exits_2_and_writes_nothing(
    capsys, tmp_path, content, expected
):
    csv = tmp_path / "mine.csv"
    csv.write_bytes(content)
    out = tmp_path / "out"
    status, stdout, err = run_cli(
        capsys, "run", "baseline", "--portfolio", str(csv), "--out", str(out)
    )
    assert status == 2
    assert expected in err
    assert str(csv) in err
    assert len(err.strip().splitlines()) == 1
    assert stdout == ""
    assert not out.exists()


def test_a_bad_intervention_file_exits_2_without_a_traceback(tmp_path):
    from tests.test_cli import genaisim_command

    plan = tmp_path / "plan.toml"
    plan.write_text(
        'base = "baseline"\n[[interventions]]\nmonth = 90\nset = { "data.data_investment" = 0.5 }\n'
    )
    done = subprocess.run(
        [*genaisim_command(), "run", str(plan)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"genaisim: error: {plan}: interventions[1] (month 90): month 90 is past the horizon; "
        "the run has months 0 to 59 (simulation.years = 5)"
    ]


# -- the cost of waiting -------------------------------------------------------------
def test_compare_timing_runs_each_start_month_on_common_random_numbers():
    comparison = compare_timing("roadmap_example", "fix the data", [0, 12], replications=4, years=3)
    # The month-12 start is the scenario itself (its intervention is at month 12).
    itself = genaisim.simulate("roadmap_example", replications=4, years=3)
    final = itself.timeseries.groupby("replication")["cumulative_net_value"].last()
    at_12 = comparison.runs[comparison.runs["start"] == 12].set_index("replication")["value"]
    np.testing.assert_allclose(at_12.sort_index().to_numpy(), final.sort_index().to_numpy())
    table = comparison.table()
    assert list(table["start"]) == ["month 0", "month 12", "never"]
    assert table.loc[0, "delay_cost"] == 0.0
    assert "of waiting to fix the data" in comparison.sentence()


@pytest.mark.parametrize(
    ("name", "months", "expected"),
    [
        ("nothing like it", [0], "matches none"),
        ("name owners", [0, 99], "outside the run"),
    ],
)
def test_compare_timing_refuses_what_it_cannot_do(name, months, expected):
    with pytest.raises(ScenarioError, match=expected):
        compare_timing("roadmap_example", name, months, replications=2)


def test_compare_timing_needs_an_intervention():
    with pytest.raises(ScenarioError, match="has no interventions"):
        compare_timing("baseline", "anything", [0, 6], replications=2)


def test_compare_timing_on_the_command_line(capsys, tmp_path):
    chart = tmp_path / "delay.svg"
    table = tmp_path / "delay.csv"
    status, out, err = run_cli(
        capsys,
        "compare-timing",
        "roadmap_example",
        "--intervention",
        "owners",
        "--at",
        "0,6",
        "-r",
        "3",
        "--years",
        "2",
        "--chart",
        str(chart),
        "--csv",
        str(table),
    )
    assert status == 0, err
    assert "of waiting to name owners" in out
    assert chart.read_text().startswith("<svg")
    assert list(pd.read_csv(table)["start"]) == ["month 0", "month 6", "never"]


def test_compare_timing_errors_exit_2_before_any_run(capsys, tmp_path):
    status, out, err = run_cli(
        capsys, "compare-timing", "roadmap_example", "--intervention", "nope", "--at", "0,6"
    )
    assert status == 2 and "matches none" in err and out == ""
    status, _, err = run_cli(
        capsys, "compare-timing", "roadmap_example", "--intervention", "owners", "--at", "0,x"
    )
    assert status == 2 and "whole numbers separated by commas" in err
    chart = tmp_path / "delay.gif"
    status, _, err = run_cli(
        capsys,
        "compare-timing",
        "roadmap_example",
        "--intervention",
        "owners",
        "--chart",
        str(chart),
    )
    assert status == 2 and "give a .png, .svg or .pdf file" in err
    assert not chart.exists()


# -- the Python API and the command line's own way to write interventions ------------
def test_with_interventions_adds_to_the_scenarios_own():
    scenario = load_scenario("roadmap_example").with_interventions(
        [{"month": 30, "set": {"feedback.tooling": 0.8}, "label": "Tooling"}]
    )
    assert [iv.month for iv in scenario.interventions] == [3, 12, 30]
    with pytest.raises(ScenarioError, match="mine: interventions\\[3\\] \\(month 30\\)"):
        load_scenario("roadmap_example").with_interventions(
            [{"month": 30, "set": {"feedback.flag_rate": 10}}], source="mine"
        )


def test_change_at_on_the_command_line_is_an_intervention(capsys):
    status, out, err = run_cli(
        capsys,
        "run",
        "baseline",
        "--change-at",
        "9:ownership.owner_probability=0.9",
        "--change-at",
        "12+6:data.data_investment=0.6",
        "-r",
        "2",
        "--years",
        "2",
    )
    assert status == 0, err
    assert "Timeline  month 9: ownership.owner_probability = 0.9" in out
    assert "Timeline  month 12 over 6 months: data.data_investment = 0.6" in out
    status, _, err = run_cli(capsys, "run", "baseline", "--change-at", "9:feedback.flag_rate=3")
    assert status == 2 and "'feedback.flag_rate' cannot change mid-run" in err
    status, _, err = run_cli(
        capsys, "run", "baseline", "--change-at", "soon:data.data_investment=1"
    )
    assert status == 2 and "expected MONTH[+RAMP]:KEY=VALUE" in err
    # A month before the run starts with a dash: its own one-line message, not argparse's usage.
    status, _, err = run_cli(
        capsys, "run", "baseline", "--change-at", "-3:ownership.owner_probability=0.9"
    )
    assert status == 2
    assert err.strip().splitlines() == [
        "genaisim: error: --change-at: interventions[1].month = -3: input should be greater "
        "than or equal to 0"
    ]


def test_describe_marks_the_levers_that_can_change_mid_run(capsys):
    status, out, _ = run_cli(capsys, "describe", "roadmap_example")
    assert status == 0
    marked = {line.split()[0] for line in out.splitlines() if line.endswith(", mid-run")}
    assert marked == set(MID_RUN_KEYS)
    assert "month 12 over 6 months: data.data_investment = 0.6" in out


def test_a_sweep_of_a_scenario_with_interventions_gives_the_numbers_simulate_gives(tmp_path):
    from genaisim.experiments import execute, experiment_from_dict, plan
    from genaisim.experiments.store import load_sweep

    experiment = experiment_from_dict(
        {
            "name": "plan_sweep",
            "scenario": "roadmap_example",
            "replications": 2,
            "years": 2,
            "seed": 4,
            "design": {"kind": "factorial", "parameters": {"feedback.culture": [0.2, 0.8]}},
        }
    )
    execute(plan(experiment), tmp_path / "out")
    runs = load_sweep(tmp_path / "out").runs
    swept = runs[runs["feedback.culture"] == 0.2].sort_values("replication")
    scenario = load_scenario("roadmap_example").with_changes({"feedback.culture": 0.2})
    direct = genaisim.simulate(scenario, replications=2, years=2, seed=4).summary()
    np.testing.assert_array_equal(
        swept["cumulative_net_value"].to_numpy(), direct["cumulative_net_value"].to_numpy()
    )


def test_time_charts_mark_each_intervention_month_with_its_label():
    from genaisim.charts.scenarios import (
        feedback_loop,
        intervention_marks,
        portfolio_stages,
        value_trajectories,
    )

    plan_results = genaisim.simulate("roadmap_example", replications=2, years=2)
    plain = genaisim.simulate("baseline", replications=2, years=2)
    marks = intervention_marks([plan_results, plain])
    assert list(marks["month"]) == [3, 12]
    assert list(marks["label"]) == ["Name owners, define KPIs, cap pilots", "Fix the data"]
    for build in (value_trajectories, portfolio_stages, feedback_loop):
        spec = str(build([plan_results, plain]).to_dict())
        assert "Fix the data" in spec, build.__name__
        assert "Fix the data" not in str(build(plain).to_dict()), build.__name__


# -- rules found in review -------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "true"])
def test_a_lever_value_must_be_a_finite_number(capsys, value):
    status, out, err = run_cli(
        capsys, "run", "baseline", "--change-at", f"3:data.data_investment={value}"
    )
    assert status == 2 and out == ""
    assert "data.data_investment" in err and "must be a" in err


def test_a_pilot_still_waiting_after_its_build_starts_short_of_its_owners_bar():
    """Had it passed its go-live test it would be live: it starts with tests failed."""
    rows = read_portfolio_csv(
        b"use_case,stage,months_in_stage,owner_kind\n"
        b"code_assistant,pilot,30,business\npolicy_qa,pilot,1,none\n",
        "mine.csv",
    )
    model = GenAISimModel(baseline().with_portfolio(rows), rng=1)
    waiting, young = model.organisations[0].pilots
    assert waiting.built and waiting.failed_tests >= 1
    owner = waiting.owner
    expected_test = waiting.base_quality() - owner.test_realism * (
        waiting.base_quality() - waiting.quality_on_current_data()
    )
    assert expected_test < owner.acceptance_bar(waiting.use_case, waiting)
    assert not young.built and young.failed_tests == 0


@pytest.mark.parametrize(("retrofit", "handed_over"), [(1.0, True), (0.0, False)])
def test_how_far_naming_owners_reaches_the_running_initiatives_is_a_parameter(
    retrofit, handed_over
):
    rows = read_portfolio_csv(b"use_case,stage,months_in_stage\npolicy_qa,production,6\n", "m.csv")
    scenario = (
        baseline(
            **{
                "ownership.owner_probability": 0.0,
                "ownership.owner_retrofit": retrofit,
                "portfolio.pilot_appetite": 0.0,
            }
        )
        .with_interventions([{"month": 1, "set": {"ownership.owner_probability": 1.0}}])
        .with_portfolio(rows)
    )
    model = GenAISimModel(scenario, rng=3)
    model.step()
    model.step()
    (live,) = model.organisations[0].production
    assert live.owner.is_business is handed_over


def test_resourcing_owners_mid_run_reaches_the_owners_already_named():
    scenario = baseline(
        **{
            "organisation.start_month": 0,
            "ownership.owner_probability": 1.0,
            "ownership.owner_resourced_probability": 0.0,
            "portfolio.pilot_appetite": 12.0,
        }
    ).with_interventions([{"month": 12, "set": {"ownership.owner_resourced_probability": 1.0}}])
    model = GenAISimModel(scenario, rng=2)
    for _ in range(12):
        model.step()
    owners = list(model.organisations[0].business_owners.values())
    assert owners and not any(owner.resourced for owner in owners)
    model.step()
    assert all(owner.resourced and owner.resourcing == 1.0 for owner in owners)


def test_the_organisations_table_keeps_the_levers_as_drawn_at_the_start():
    results = genaisim.simulate("roadmap_example", replications=2, years=2)
    assert (results.organisations["ownership.owner_probability"] == 0.3).all()


def test_months_to_production_are_unknown_for_systems_live_before_the_run():
    rows = read_portfolio_csv(TEMPLATE)
    results = genaisim.simulate(baseline().with_portfolio(rows), replications=2, years=2)
    deployments = results.deployments
    before = deployments["month_started"] < 0
    live_before = before & (deployments["month_promoted"] < 0)
    assert live_before.any()
    assert deployments.loc[live_before, "months_to_production"].isna().all()


def test_a_portfolio_with_an_explicit_start_month_other_than_0_is_refused(capsys):
    status, _, err = run_cli(
        capsys,
        "run",
        "baseline",
        "--set",
        "organisation.start_month=3",
        "--portfolio",
        str(TEMPLATE),
    )
    assert status == 2 and "leave out --set organisation.start_month" in err


def test_a_population_drawing_its_start_month_can_take_a_portfolio():
    scenario = baseline(
        **{"population.organisations": 3, "population.spread": {"organisation.start_month": 6}}
    ).with_portfolio(read_portfolio_csv(TEMPLATE))
    assert "organisation.start_month" not in scenario.population.spread


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--at", ""], "--at '': give at least one start month"),
        (["--at", "a,b"], "--at 'a,b': give start months as whole numbers"),
        (["--at", "0,99"], "--at 0,99: month 99 is outside the run"),
        (["--csv", "no/such/folder/t.csv"], "--csv no/such/folder/t.csv: no such folder"),
        (["--change-at", "3:"], "--change-at '3:': expected MONTH[+RAMP]:KEY=VALUE"),
    ],
)
def test_compare_timing_option_errors_are_one_line(capsys, argv, expected):
    status, out, err = run_cli(
        capsys, "compare-timing", "roadmap_example", "--intervention", "owners", *argv
    )
    assert status == 2 and out == ""
    assert expected in err
    assert len(err.strip().splitlines()) == 1
