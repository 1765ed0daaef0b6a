"""Results: tidy tables, identical for the same seed, saved without loss."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import genaisim
from genaisim.labels import LABELS
from genaisim.model import DEPLOYMENT_COLUMNS, TIMESERIES_COLUMNS
from genaisim.results import estimate_run, simulate_in_steps

SMALL = {"replications": 3, "seed": 5, "years": 3}


@pytest.fixture(scope="module")
def results() -> genaisim.Results:
    return genaisim.simulate("baseline", **SMALL)


def test_timeseries_has_one_row_per_replication_organisation_and_month():
    scenario = genaisim.load_scenario("baseline").with_changes({"population.organisations": 4})
    res = genaisim.simulate(scenario, **SMALL)
    assert len(res.timeseries) == 3 * 4 * 36
    assert not res.timeseries.duplicated(["replication", "organisation", "month"]).any()
    assert list(res.timeseries.columns) == ["replication", *TIMESERIES_COLUMNS]
    assert len(res.summary()) == 3 * 4
    assert len(res.organisations) == 3 * 4


def test_deployments_table_accounts_for_every_pilot_started(results):
    deployments = results.deployments
    assert list(deployments.columns) == ["replication", *DEPLOYMENT_COLUMNS]
    started = results.timeseries.groupby("replication")["pilots_started"].sum()
    assert deployments.groupby("replication").size().equals(started)
    promoted = deployments.dropna(subset=["month_promoted"])
    assert (
        promoted["months_to_production"] == promoted["month_promoted"] - promoted["month_started"]
    ).all()


def test_stage_counts_add_up_every_month(results):
    ts = results.timeseries
    started = ts.groupby("replication")["pilots_started"].cumsum()
    assert (ts["pilots"] + ts["production"] + ts["retired"] == started).all()
    assert (ts["pilots_started_total"] == started).all()


def test_cumulative_value_is_the_running_sum_of_monthly_value(results):
    ts = results.timeseries
    running = ts.groupby("replication")["net_value"].cumsum()
    np.testing.assert_allclose(ts["cumulative_net_value"], running, rtol=1e-9, atol=1e-6)


def test_kpis_are_reported_only_when_tasks_were_processed(results):
    ts = results.timeseries
    idle = ts["tasks_processed"] == 0
    assert ts.loc[idle, "escalation_rate"].isna().all()
    busy = ts[~idle]
    assert (busy["task_minutes_after"] < busy["task_minutes_before"]).mean() > 0.5
    assert busy["escalation_rate"].between(0, 1).all()


def test_summary_labels_come_from_the_documented_set(results):
    summary = results.summary()
    assert set(summary["label"]) <= set(LABELS)
    assert summary["cumulative_net_value"].notna().all()


def test_the_summary_is_computed_once_and_follows_a_replaced_table():
    res = genaisim.simulate("baseline", **SMALL)
    first = res.summary()
    first.loc[:, "cumulative_net_value"] = 0.0  # a caller's change stays its own
    again = res.summary()
    pd.testing.assert_frame_equal(
        again, genaisim.results.summarise(res.timeseries, res.deployments, res.label_rule)
    )
    assert not (again["cumulative_net_value"] == 0.0).all()
    # A replaced table gives a new summary: here, the runs cut at 24 months.
    res.timeseries = res.timeseries[res.timeseries["month"] < 24]
    res.deployments = res.deployments[res.deployments["month_started"] < 24]
    pd.testing.assert_frame_equal(
        res.summary(), genaisim.simulate("baseline", **SMALL).summary(months=24)
    )


def test_the_same_seed_gives_identical_tables_bit_for_bit():
    first = genaisim.simulate("compounder", **SMALL)
    second = genaisim.simulate("compounder", **SMALL)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(first.deployments, second.deployments, check_exact=True)
    pd.testing.assert_frame_equal(first.summary(), second.summary(), check_exact=True)


def test_a_different_seed_gives_different_numbers():
    first = genaisim.simulate("compounder", **SMALL)
    other = genaisim.simulate("compounder", **{**SMALL, "seed": 6})
    assert not first.timeseries["net_value"].equals(other.timeseries["net_value"])


def test_a_replication_does_not_depend_on_how_many_others_run():
    few = genaisim.simulate("baseline", replications=2, seed=9, years=2)
    many = genaisim.simulate("baseline", replications=5, seed=9, years=2)
    pd.testing.assert_frame_equal(
        few.timeseries, many.timeseries[many.timeseries["replication"] < 2], check_exact=True
    )


def test_the_same_seed_gives_the_same_numbers_in_a_fresh_process(results):
    code = (
        "import genaisim, hashlib;"
        "r = genaisim.simulate('baseline', replications=3, seed=5, years=3);"
        "print(hashlib.sha256(r.timeseries.to_csv().encode()).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import hashlib

    here = hashlib.sha256(results.timeseries.to_csv().encode()).hexdigest()
    assert out.stdout.strip() == here


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_saved_results_load_back_unchanged_with_a_manifest(tmp_path, results, fmt):
    results.save(tmp_path, format=fmt)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert manifest["replications"] == 3
    assert manifest["scenario"]["name"] == "baseline"
    assert manifest["mesa_version"].startswith("3.")
    assert manifest["genaisim_version"] == genaisim.__version__
    for table in ("timeseries", "deployments", "organisations", "summary"):
        assert (tmp_path / f"{table}.{fmt}").is_file()
    loaded = genaisim.Results.load(tmp_path)
    pd.testing.assert_frame_equal(
        loaded.timeseries, results.timeseries, check_dtype=fmt == "parquet"
    )
    assert loaded.scenario == results.scenario
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_an_unknown_format_is_refused(tmp_path, results):
    with pytest.raises(genaisim.GenaisimError, match="parquet"):
        results.save(tmp_path, format="xlsx")


def test_loading_a_folder_that_is_not_results_says_so(tmp_path):
    with pytest.raises(genaisim.GenaisimError, match="not a genaisim results folder"):
        genaisim.Results.load(tmp_path)


def test_an_organisations_path_does_not_depend_on_how_many_share_the_model():
    def run(count: int) -> pd.DataFrame:
        scenario = genaisim.load_scenario("population_2024").with_changes(
            {"population.organisations": count}
        )
        return genaisim.simulate(scenario, replications=1, seed=3, years=2).timeseries

    small, large = run(3), run(8)
    pd.testing.assert_frame_equal(
        small, large[large["organisation"] < 3].reset_index(drop=True), check_exact=True
    )


def test_an_incomplete_results_folder_is_reported_not_crashed_on(tmp_path, results):
    results.save(tmp_path)
    (tmp_path / "timeseries.parquet").unlink()
    with pytest.raises(genaisim.GenaisimError, match="incomplete or damaged"):
        genaisim.Results.load(tmp_path)


def test_payback_is_counted_from_the_first_pilot_to_recovering_the_trough():
    import numpy as np

    from genaisim.results import payback

    months = 12
    started = np.zeros((3, months))
    started[:, 2:] = 1  # the first pilot starts in month 2
    cumulative = np.array(
        [
            [0, 0, -5, -10, -12, -8, -3, 1, 4, 8, 12, 15],  # back above zero in month 7
            [0, 0, -5, -10, -12, -14, -15, -16, -17, -18, -19, -20],  # never
            [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],  # never lost money
        ],
        dtype=float,
    )
    result = payback(cumulative, started)["months_to_payback"]
    assert result[0] == 7 - 2
    assert np.isnan(result[1])
    assert result[2] == 0


@pytest.mark.parametrize(
    "changes",
    [{}, {"population.organisations": 12, "population.spread": {"feedback.culture": 0.2}}],
)
def test_simulate_builds_the_same_tables_as_its_replications_one_by_one(changes):
    """The tables are built once per call; they equal the replications' own, concatenated."""
    from genaisim.results import run_replication

    scenario = genaisim.load_scenario("baseline").with_changes(
        {"simulation.replications": 3, "simulation.seed": 8, **changes}
    )
    parts = [run_replication(scenario, r, 8) for r in range(3)]
    results = genaisim.simulate(scenario)
    for name in ("timeseries", "deployments", "organisations"):
        expected = pd.concat([getattr(p, name) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(getattr(results, name), expected, check_exact=True)


def test_simulate_on_two_processes_gives_identical_tables():
    scenario = genaisim.load_scenario("roadmap_example")
    serial = genaisim.simulate(scenario, replications=6, seed=5, years=2)
    parallel = genaisim.simulate(scenario, replications=6, seed=5, years=2, workers=2)
    for name in ("timeseries", "deployments", "organisations"):
        pd.testing.assert_frame_equal(
            getattr(parallel, name), getattr(serial, name), check_exact=True
        )
    with pytest.raises(genaisim.GenaisimError, match="workers = 0"):
        genaisim.simulate(scenario, replications=2, workers=0)


def test_simulate_on_a_kept_pool_gives_identical_tables_and_leaves_it_running():
    from genaisim.results import start_pool

    scenario = genaisim.load_scenario("roadmap_example")
    serial = genaisim.simulate(scenario, replications=6, seed=5, years=2)
    with start_pool(2) as pool:
        for _ in range(2):  # the pool serves a second call as it served the first
            pooled = genaisim.simulate(scenario, replications=6, seed=5, years=2, executor=pool)
            for name in ("timeseries", "deployments", "organisations"):
                pd.testing.assert_frame_equal(
                    getattr(pooled, name), getattr(serial, name), check_exact=True
                )


def test_worker_processes_do_not_run_the_callers_main_script(tmp_path, monkeypatch):
    import types

    from genaisim.results import start_pool

    # As under Streamlit, whose page runs as __main__: here a page that would kill a
    # worker that ran it (the pool would then be broken).
    page = tmp_path / "page.py"
    page.write_text("raise SystemExit('the page ran in a worker')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", main)
    serial = genaisim.simulate("baseline", replications=4, seed=5, years=1)
    with start_pool(2) as pool:
        pooled = genaisim.simulate(
            "baseline", replications=4, seed=5, years=1, executor=pool, workers=2
        )
    pd.testing.assert_frame_equal(pooled.timeseries, serial.timeseries, check_exact=True)
    assert main.__file__ == str(page) and main.__spec__ is None  # left as it was


def test_simulating_in_steps_gives_simulates_tables_and_reports_every_month():
    scenario = genaisim.load_scenario("compounder").with_changes(
        {"population.organisations": 3, "simulation.replications": 3, "simulation.years": 2}
    )
    steps = simulate_in_steps(scenario)
    shares = []
    while True:
        try:
            shares.append(next(steps))
        except StopIteration as done:
            stepped = done.value
            break
    assert len(shares) == 3 * 24
    assert shares == sorted(shares) and shares[-1] == 1.0
    whole = genaisim.simulate(scenario)
    for name in ("timeseries", "deployments", "organisations"):
        pd.testing.assert_frame_equal(getattr(stepped, name), getattr(whole, name))


def test_a_run_estimate_spreads_its_time_over_the_months_and_replications():
    scenario = genaisim.load_scenario("baseline").with_changes(
        {"population.organisations": 2, "simulation.replications": 4, "simulation.years": 1}
    )
    estimate = estimate_run(scenario)
    assert estimate.seconds > 0 and estimate.replications == 4
    assert len(estimate.month_shares) == 12 and estimate.month_shares[-1] == 1.0
    assert list(estimate.month_shares) == sorted(estimate.month_shares)
    shares = [estimate.time_share(k / 48) for k in range(49)]
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
    # Half the replications done is half the time, whatever the months' weights.
    assert estimate.time_share(0.5) == pytest.approx(0.5)
    assert estimate.seconds_left(0.0, 0.0) == estimate.seconds
    assert estimate.seconds_left(0.5, 3.0) == pytest.approx(3.0)
