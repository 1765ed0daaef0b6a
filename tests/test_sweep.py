"""Batch experiments: plans, validation, executors, resuming, failures, folders, manifest.

Every experiment here is tiny (a few design points x a few replications of one or two
years); the Dask cluster and the killed subprocess are the slowest parts.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import Executor, Future
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import genaisim
from genaisim.experiments import (
    ExperimentError,
    ResultsFolder,
    SerialExecutor,
    execute,
    experiment_from_dict,
    load_experiment,
    load_sweep,
    make_executor,
    plan,
    run_id,
)
from genaisim.experiments import runner as runner_module

SEED = 11


def tiny(**overrides: Any) -> dict[str, Any]:
    """A tiny factorial experiment as plain data: 2 points x 2 replications of 1 year."""
    data: dict[str, Any] = {
        "name": "tiny",
        "replications": 2,
        "years": 1,
        "seed": SEED,
        "design": {
            "kind": "factorial",
            "parameters": {"ownership.owner_probability": [0.2, 0.8]},
        },
    }
    data.update(overrides)
    return data


def run_ids_in_parts(folder: Path) -> list[str]:
    """Every run id written to the runs part files, duplicates included."""
    ids: list[str] = []
    for part in ResultsFolder(folder).parts("runs"):
        table = pq.read_table(part, columns=["run_id"]).to_pandas()
        ids += table["run_id"].drop_duplicates().tolist()
    return ids


# -- plans ---------------------------------------------------------------------------
def test_a_plan_counts_design_points_times_replications():
    experiment = experiment_from_dict(
        tiny(
            replications=3,
            design={
                "kind": "factorial",
                "factors": {"data": {"weak": {}, "strong": {"organisation.data_quality": 0.8}}},
                "parameters": {"ownership.owner_probability": [0.1, 0.5, 0.9]},
            },
        )
    )
    the_plan = plan(experiment)
    assert len(the_plan.points) == 2 * 3
    assert len(the_plan.runs) == 2 * 3 * 3
    assert len(the_plan) == 18
    assert sorted(the_plan.runs["replication"].unique()) == [0, 1, 2]
    assert (the_plan.runs.groupby("point").size() == 3).all()


def test_factorial_crosses_factors_and_parameter_lists():
    experiment = experiment_from_dict(
        tiny(
            design={
                "kind": "factorial",
                "factors": {
                    "data": {"weak": {}, "strong": {"organisation.data_quality": 0.8}},
                    "kpis": {"none": {}, "all": {"measurement.kpi_probability": 0.9}},
                },
                "parameters": {
                    "ownership.owner_probability": [0.1, 0.9],
                    "feedback.culture": [0.2, 0.8],
                },
            }
        )
    )
    the_plan = plan(experiment)
    points = the_plan.points
    combos = set(
        zip(
            points["data"],
            points["kpis"],
            points["ownership.owner_probability"],
            points["feedback.culture"],
            strict=True,
        )
    )
    expected = set(itertools.product(["weak", "strong"], ["none", "all"], [0.1, 0.9], [0.2, 0.8]))
    assert combos == expected
    assert len(points) == 16
    # a level's changes and the parameter values are merged into each point's changes;
    # an unset key shows the base scenario's value in the points table
    base = experiment.base_scenario()
    for row, changes in zip(points.to_dict("records"), the_plan.changes, strict=True):
        assert changes["ownership.owner_probability"] == row["ownership.owner_probability"]
        assert changes["feedback.culture"] == row["feedback.culture"]
        if row["data"] == "strong":
            assert changes["organisation.data_quality"] == 0.8
        else:
            assert "organisation.data_quality" not in changes
            assert row["organisation.data_quality"] == base.get("organisation.data_quality")
        assert ("measurement.kpi_probability" in changes) == (row["kpis"] == "all")


def test_points_with_identical_changes_share_run_ids_and_are_run_once(tmp_path):
    experiment = experiment_from_dict(
        tiny(
            design={
                "kind": "points",
                "points": [
                    {"name": "a", "changes": {"ownership.owner_probability": 0.5}},
                    {"name": "b", "changes": {"ownership.owner_probability": 0.9}},
                    {"name": "a again", "changes": {"ownership.owner_probability": 0.5}},
                ],
            }
        )
    )
    the_plan = plan(experiment)
    runs = the_plan.runs
    assert len(runs) == 3 * 2
    assert len(the_plan) == 2 * 2 == len(the_plan.unique_runs)
    assert (
        runs[runs["point"] == 0]["run_id"].tolist() == runs[runs["point"] == 2]["run_id"].tolist()
    )
    assert set(runs[runs["point"] == 0]["run_id"]).isdisjoint(runs[runs["point"] == 1]["run_id"])

    summary = execute(the_plan, tmp_path / "out")
    assert summary.completed == 4
    ids = run_ids_in_parts(tmp_path / "out")
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 4
    # ... and the shared run shows up under both points, with the same figures
    result = load_sweep(tmp_path / "out").runs
    assert sorted(result["point"].unique()) == [0, 1, 2]
    first = result[result["point"] == 0].drop(columns=["point", "point_name"])
    again = result[result["point"] == 2].drop(columns=["point", "point_name"])
    pd.testing.assert_frame_equal(
        first.reset_index(drop=True), again.reset_index(drop=True), check_exact=True
    )


def test_run_ids_are_stable_and_depend_on_parameters_replication_seed_and_experiment():
    first = plan(experiment_from_dict(tiny()))
    pd.testing.assert_frame_equal(first.runs, plan(experiment_from_dict(tiny())).runs)

    # more replications extend the experiment: the runs it had keep their ids
    more = plan(experiment_from_dict(tiny(replications=3)))
    ids = {
        (change["ownership.owner_probability"], rep): rid
        for (point, rep, rid) in first.runs[["point", "replication", "run_id"]].itertuples(
            index=False
        )
        for change in [first.changes[point]]
    }
    for point, rep, rid in more.runs[["point", "replication", "run_id"]].itertuples(index=False):
        key = (more.changes[point]["ownership.owner_probability"], rep)
        if key in ids:
            assert ids[key] == rid
    assert len(set(ids.values())) == len(ids) < more.runs["run_id"].nunique()

    fingerprint = experiment_from_dict(tiny()).fingerprint()
    changes = {"ownership.owner_probability": 0.2, "feedback.culture": 0.5}
    reordered = {"feedback.culture": 0.5, "ownership.owner_probability": 0.2}
    one = run_id(changes, 0, SEED, fingerprint)
    assert one == run_id(reordered, 0, SEED, fingerprint)
    assert one != run_id(changes, 1, SEED, fingerprint)
    assert one != run_id(changes, 0, SEED + 1, fingerprint)
    assert one != run_id({**changes, "feedback.culture": 0.6}, 0, SEED, fingerprint)
    # another master seed, horizon, base scenario or name: no id in common
    for other in (
        tiny(seed=SEED + 1),
        tiny(years=2),
        tiny(scenario="compounder"),
        tiny(name="other"),
    ):
        runs = plan(experiment_from_dict(other)).runs
        assert set(runs["run_id"]).isdisjoint(first.runs["run_id"])


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("lhs", {"samples": 7}, 7),
        ("morris", {"samples": 3, "levels": 4}, (2 + 1) * 3),
        ("sobol", {"samples": 4}, 4 * (2 + 2)),
        ("sobol", {"samples": 4, "second_order": True}, 4 * (2 * 2 + 2)),
    ],
    ids=["lhs", "morris", "sobol", "sobol-second-order"],
)
def test_sampled_designs_give_the_expected_number_of_points_with_integers_rounded(
    kind, extra, expected
):
    bounds = {"ownership.owner_probability": [0.1, 0.9], "portfolio.max_open_pilots": [1, 12]}
    experiment = experiment_from_dict(
        tiny(replications=2, design={"kind": kind, "parameters": bounds, **extra})
    )
    the_plan = plan(experiment)
    assert len(the_plan.points) == expected
    assert len(the_plan.runs) == expected * 2
    assert the_plan.problem["names"] == list(bounds)
    assert the_plan.problem["bounds"] == [[0.1, 0.9], [1.0, 12.0]]
    pilots = [c["portfolio.max_open_pilots"] for c in the_plan.changes]
    assert all(type(v) is int and 1 <= v <= 12 for v in pilots)
    assert len(set(pilots)) > 1
    probabilities = [c["ownership.owner_probability"] for c in the_plan.changes]
    assert all(type(v) is float and 0.1 <= v <= 0.9 for v in probabilities)
    assert pd.api.types.is_integer_dtype(the_plan.points["portfolio.max_open_pilots"])


# -- invalid experiments -------------------------------------------------------------
def _unknown_key() -> None:
    experiment_from_dict(
        tiny(design={"kind": "factorial", "parameters": {"ownership.owner_probabilty": [0.2]}})
    )


def _out_of_range() -> None:
    experiment = experiment_from_dict(
        tiny(
            design={
                "kind": "factorial",
                "parameters": {"ownership.owner_probability": [0.2, 0.5, 1.5]},
            }
        )
    )
    plan(experiment)


def _sobol_not_power_of_two() -> None:
    experiment_from_dict(
        tiny(
            design={
                "kind": "sobol",
                "samples": 6,
                "parameters": {"ownership.owner_probability": [0.1, 0.9]},
            }
        )
    )


def _unknown_column() -> None:
    experiment_from_dict(tiny(timeseries=["net_value", "nett_value"]))


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (_unknown_key, ["unknown scenario key 'ownership.owner_probabilty'", "did you mean"]),
        (_out_of_range, ["design point 2", "ownership.owner_probability = 1.5", "out of range"]),
        (_sobol_not_power_of_two, ["samples = 6", "power of 2"]),
        (_unknown_column, ["timeseries", "unknown column", "nett_value"]),
    ],
    ids=["unknown-key", "out-of-range", "sobol-samples", "unknown-column"],
)
def test_an_invalid_experiment_raises_one_readable_message(make, fragments):
    with pytest.raises(ExperimentError) as caught:
        make()
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    if make is _unknown_key:
        assert message.endswith("did you mean 'ownership.owner_probability'?")


def test_a_malformed_experiment_file_raises_one_readable_message(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[experiment]\nname = "broken\nreplications = 2\n', encoding="utf-8")
    with pytest.raises(ExperimentError, match="not valid TOML") as caught:
        load_experiment(path)
    assert str(path) in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_missing_experiment_file_raises_one_readable_message(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ExperimentError, match="no such experiment file") as caught:
        load_experiment(path)
    assert str(caught.value) == f"{path}: no such experiment file"


# -- executors give identical results ------------------------------------------------
EQUIVALENCE = tiny(
    name="equivalence",
    replications=2,
    years=2,
    changes={"population.organisations": 2},
    timeseries=["net_value", "production", "pilots"],
    design={
        "kind": "factorial",
        "parameters": {"ownership.owner_probability": [0.1, 0.5, 0.9]},
    },
)


@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial") / "out"
    the_plan = plan(experiment_from_dict(EQUIVALENCE))
    with make_executor(serial=True) as (executor, workers):
        summary = execute(the_plan, folder, executor, workers=workers)
    assert summary.completed == 6 and summary.failed == 0
    return the_plan, load_sweep(folder)


@pytest.mark.parametrize(
    "options",
    [{"workers": 2}, {"workers": 2, "dask_local": True}],
    ids=["process-pool", "dask-local-cluster"],
)
def test_serial_process_pool_and_dask_give_identical_results(serial_sweep, tmp_path, options):
    the_plan, expected = serial_sweep
    with make_executor(**options) as (executor, workers):
        summary = execute(the_plan, tmp_path / "out", executor, workers=workers)
    assert summary.completed == 6 and summary.failed == 0
    got = load_sweep(tmp_path / "out")
    assert len(got.runs) == 3 * 2 * 2
    pd.testing.assert_frame_equal(got.runs, expected.runs, check_exact=True)
    pd.testing.assert_frame_equal(got.timeseries(), expected.timeseries(), check_exact=True)
    assert len(got.timeseries()) == 3 * 2 * 2 * 24


def test_a_run_equals_simulate_of_its_scenario_with_the_same_seed(serial_sweep):
    the_plan, sweep = serial_sweep
    base = the_plan.experiment.base_scenario()
    recorded = sweep.timeseries()
    for point, changes in enumerate(the_plan.changes):
        results = genaisim.simulate(base.with_changes(changes))  # replications, seed, years
        expected = results.summary()
        got = sweep.runs[sweep.runs["point"] == point].reset_index(drop=True)
        assert got["seed"].tolist() == [
            genaisim.replication_seed(SEED, r) for r in got["replication"]
        ]
        pd.testing.assert_frame_equal(
            got[list(expected.columns)], expected, check_exact=True, check_dtype=False
        )
        # the recorded months are the simulated months
        ts = recorded[recorded["point"] == point].reset_index(drop=True)
        columns = ["replication", "organisation", "month", "net_value", "production", "pilots"]
        pd.testing.assert_frame_equal(
            ts[columns],
            results.timeseries[columns]
            .sort_values(["replication", "organisation", "month"])
            .reset_index(drop=True),
            check_exact=True,
            check_dtype=False,
        )


# -- killed and resumed --------------------------------------------------------------
KILL_SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys

    from genaisim.experiments import SerialExecutor, execute, experiment_from_dict, plan

    data, folder, kill_after = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    finished = 0

    def progress(n):
        global finished
        finished += n
        if finished >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    execute(plan(experiment_from_dict(data)), folder, SerialExecutor(), progress=progress, size=2)
    """
)

RESUMABLE = tiny(
    name="resumable",
    replications=10,
    years=2,
    design={
        "kind": "factorial",
        "parameters": {"ownership.owner_probability": [0.1, 0.4, 0.7, 0.9]},
    },
)


def test_a_sweep_killed_half_way_resumes_to_identical_results_without_running_twice(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    killed = tmp_path / "killed"
    kill_after = 14
    process = subprocess.run(
        [sys.executable, str(script), json.dumps(RESUMABLE), str(killed), str(kill_after)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr

    # only whole part files, for the finished runs only
    the_plan = plan(experiment_from_dict(RESUMABLE))
    assert len(the_plan) == 40
    folder = ResultsFolder(killed)
    assert folder.manifest()["status"] == "running"
    parts = list(folder.parts("runs"))
    assert len(parts) == kill_after // 2
    for part in parts:
        pq.read_table(part)
    assert len(folder.done_ids()) == kill_after < len(the_plan)
    assert folder.done_ids() <= set(the_plan.runs["run_id"])
    # a temporary file left by a write cut short does not break reading
    (killed / "runs" / ".tmp-cut-short").write_bytes(b"PAR1 half a file")
    partial = load_sweep(killed)
    assert partial.runs["run_id"].nunique() == kill_after

    summary = execute(the_plan, killed)
    assert summary.skipped == kill_after
    assert summary.completed == len(the_plan) - kill_after
    assert not list(killed.rglob(".tmp-*"))
    ids = run_ids_in_parts(killed)
    assert len(ids) == len(set(ids)) == len(the_plan)

    execute(the_plan, tmp_path / "fresh")
    resumed, fresh = load_sweep(killed), load_sweep(tmp_path / "fresh")
    pd.testing.assert_frame_equal(resumed.runs, fresh.runs, check_exact=True)
    assert resumed.manifest["status"] == "complete"
    assert resumed.manifest["runs_done"] == len(the_plan)
    assert len(resumed.manifest["sessions"]) == 2


# -- failures --------------------------------------------------------------------------
def test_a_run_that_raises_is_recorded_as_failed_and_the_rest_go_on(tmp_path, monkeypatch):
    experiment = experiment_from_dict(tiny(replications=3))
    the_plan = plan(experiment)
    real = runner_module.GenAISimModel
    doomed_seed = genaisim.replication_seed(SEED, 1)

    def flaky(scenario, *, rng=None):
        if scenario.get("ownership.owner_probability") == 0.8 and rng == doomed_seed:
            raise RuntimeError("the model fell over")
        return real(scenario, rng=rng)

    monkeypatch.setattr(runner_module, "GenAISimModel", flaky)
    summary = execute(the_plan, tmp_path / "out", SerialExecutor(), size=2)
    assert (summary.completed, summary.failed) == (5, 1)

    results = load_sweep(tmp_path / "out")
    assert len(results.failures) == 1
    failure = results.failures.iloc[0]
    assert (failure["point"], failure["replication"]) == (1, 1)
    assert failure["error"] == "RuntimeError: the model fell over"
    assert failure["run_id"] not in set(results.runs["run_id"])
    assert results.runs["run_id"].nunique() == 5
    assert results.manifest["status"] == "complete with failures"
    assert results.manifest["runs_failed"] == 1

    monkeypatch.undo()
    summary = execute(the_plan, tmp_path / "out", SerialExecutor(), size=2)
    assert (summary.skipped, summary.completed, summary.failed) == (5, 1, 0)
    results = load_sweep(tmp_path / "out")
    assert results.failures.empty
    assert results.runs["run_id"].nunique() == 6
    assert results.manifest["status"] == "complete"


# -- results folders -----------------------------------------------------------------
def test_a_folder_written_by_a_different_experiment_is_refused(tmp_path):
    execute(plan(experiment_from_dict(tiny(name="first"))), tmp_path / "out")
    second = plan(experiment_from_dict(tiny(name="second", seed=SEED + 1)))
    with pytest.raises(ExperimentError) as caught:
        execute(second, tmp_path / "out")
    message = str(caught.value)
    assert "different experiment" in message
    assert "first" in message and "second" in message
    # ... and the first experiment's results are untouched
    assert load_sweep(tmp_path / "out").manifest["name"] == "first"


def test_a_non_empty_folder_that_is_not_a_results_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExperimentError, match="not empty and is not a sweep's results folder"):
        execute(plan(experiment_from_dict(tiny())), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]


# -- memory --------------------------------------------------------------------------
class CountingExecutor(Executor):
    """Runs tasks at once and counts futures whose result has not been taken yet."""

    def __init__(self) -> None:
        self.inner = SerialExecutor()
        self.submitted = 0
        self.outstanding = 0
        self.peak = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        inner = self.inner.submit(fn, *args, **kwargs)
        counted = _CountedFuture(self)
        if inner.exception() is None:
            counted.set_result(inner.result())
        else:
            counted.set_exception(inner.exception())
        self.submitted += 1
        self.outstanding += 1
        self.peak = max(self.peak, self.outstanding)
        return counted


class _CountedFuture(Future):
    def __init__(self, owner: CountingExecutor) -> None:
        super().__init__()
        self.owner = owner
        self.consumed = False

    def result(self, timeout=None):
        if not self.consumed:
            self.consumed = True
            self.owner.outstanding -= 1
        return super().result(timeout)


def test_the_number_of_chunks_in_flight_is_bounded(tmp_path):
    the_plan = plan(experiment_from_dict(tiny(replications=10)))
    executor = CountingExecutor()
    workers = 2
    summary = execute(the_plan, tmp_path / "out", executor, workers=workers, size=1)
    assert summary.completed == 20
    assert executor.submitted == 20  # one chunk per run
    assert executor.outstanding == 0
    assert executor.peak <= 2 * workers


# -- manifest ------------------------------------------------------------------------
def test_the_manifest_records_experiment_fingerprint_versions_seeds_times_and_counts(tmp_path):
    experiment = experiment_from_dict(tiny(replications=3))
    the_plan = plan(experiment)
    execute(the_plan, tmp_path / "out")
    results = load_sweep(tmp_path / "out")
    manifest = results.manifest
    assert manifest["name"] == "tiny"
    assert manifest["experiment"] == experiment.model_dump(mode="json")
    assert manifest["fingerprint"] == experiment.fingerprint()
    assert results.experiment().fingerprint() == experiment.fingerprint()
    assert manifest["genaisim_version"] == metadata.version("genaisim")
    assert manifest["mesa_version"] == metadata.version("mesa")
    assert manifest["seed"] == SEED
    assert manifest["replication_seeds"] == sorted(
        genaisim.replication_seed(SEED, r) for r in range(3)
    )
    started = datetime.fromisoformat(manifest["started"])
    ended = datetime.fromisoformat(manifest["ended"])
    assert started <= ended
    assert (manifest["runs_done"], manifest["runs_failed"]) == (6, 0)
    assert manifest["runs_planned"] == 6
    assert manifest["status"] == "complete"


def test_an_interrupted_sweep_is_marked_interrupted_and_resuming_completes_it(tmp_path):
    the_plan = plan(experiment_from_dict(tiny(replications=4)))
    finished = 0

    def interrupt(n: int) -> None:
        nonlocal finished
        finished += n
        if finished >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(the_plan, tmp_path / "out", progress=interrupt, size=1)
    manifest = ResultsFolder(tmp_path / "out").manifest()
    assert manifest["status"] == "interrupted"
    assert manifest["runs_done"] == 3
    assert manifest["sessions"][-1]["status"] == "interrupted"

    summary = execute(the_plan, tmp_path / "out")
    assert (summary.skipped, summary.completed) == (3, 5)
    manifest = load_sweep(tmp_path / "out").manifest
    assert manifest["status"] == "complete"
    assert manifest["runs_done"] == 8
    assert [s["status"] for s in manifest["sessions"]] == ["interrupted", "complete"]


def test_a_folder_from_another_version_of_the_model_is_refused(tmp_path, monkeypatch):
    from genaisim.experiments import store

    experiment = experiment_from_dict(
        {
            "name": "tiny",
            "replications": 1,
            "years": 1,
            "design": {"kind": "factorial", "parameters": {"feedback.culture": [0.2]}},
        }
    )
    folder = tmp_path / "out"
    execute(plan(experiment), folder)
    monkeypatch.setattr(store, "model_fingerprint", lambda: "another model")
    with pytest.raises(ExperimentError, match="different version of the model"):
        execute(plan(experiment), folder)


def test_a_fraction_for_a_whole_number_parameter_or_a_string_is_refused_clearly():
    for value in (2.7, "many"):
        experiment = experiment_from_dict(
            {
                "name": "bad",
                "replications": 1,
                "years": 1,
                "design": {
                    "kind": "factorial",
                    "parameters": {"portfolio.max_open_pilots": [value]},
                },
            }
        )
        with pytest.raises(ExperimentError, match="design point 0.*portfolio.max_open_pilots"):
            plan(experiment)
    experiment = experiment_from_dict(
        {
            "name": "ok",
            "replications": 1,
            "years": 1,
            "design": {"kind": "factorial", "parameters": {"portfolio.max_open_pilots": [3.0]}},
        }
    )
    assert plan(experiment).changes == [{"portfolio.max_open_pilots": 3}]


def test_a_scenarios_results_folder_is_not_taken_for_a_sweep(tmp_path):
    import genaisim

    genaisim.simulate("baseline", replications=1, years=1).save(tmp_path / "run")
    with pytest.raises(ExperimentError, match="genaisim run --out"):
        load_sweep(tmp_path / "run")


def test_the_estimate_counts_starting_a_worker_and_the_runs_shared_among_workers():
    from genaisim.experiments import TimeEstimate, estimate_time

    estimate = estimate_time(plan(experiment_from_dict(tiny())), workers=2, samples=2)
    assert estimate.startup_seconds > 0.0  # a worker was started and timed
    share = estimate.seconds_per_run * estimate.runs / 2
    assert estimate.seconds == pytest.approx(estimate.startup_seconds + share)
    assert TimeEstimate(100, 5, 0.01, 4, 1.5).seconds == pytest.approx(1.5 + 0.25)
