"""Adaptive replications (`sweep --until-ci`): the same rounds and results on any executor.

The experiment is tiny (3 points, 1 year) with a precision that some points meet after
the first round and others only after more: enough to exercise every branch.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from genaisim.cli import main
from genaisim.experiments import experiment_from_dict, load_sweep, make_executor, plan
from genaisim.experiments.adaptive import execute_until, half_widths

ADAPTIVE = {
    "name": "adaptive",
    "replications": 2,
    "years": 1,
    "seed": 3,
    "design": {
        "kind": "factorial",
        "parameters": {"ownership.owner_probability": [0.1, 0.5, 0.9]},
    },
}
OUTCOME = "pilots_started"
PRECISION = 0.1
CAP = 16


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adaptive") / "serial"
    summary = execute_until(
        plan(experiment_from_dict(ADAPTIVE)),
        folder,
        outcome=OUTCOME,
        precision=PRECISION,
        max_replications=CAP,
    )
    return summary, load_sweep(folder)


def test_replications_grow_until_each_interval_is_narrow_enough_or_the_cap(serial):
    summary, results = serial
    assert summary.rounds > 1  # the first round was not enough somewhere
    assert max(summary.replications) > ADAPTIVE["replications"]
    table = half_widths(results.path, OUTCOME, summary.replications)
    for point, n in enumerate(summary.replications):
        row = table.loc[point]
        on_target = row["half_width"] <= PRECISION * abs(row["mean"])
        assert on_target or n == CAP
        assert (point in summary.unmet) == (not on_target)
    counts = results.runs.groupby("point")["replication"].nunique().tolist()
    assert counts == summary.replications
    assert results.manifest["adaptive"]["replications"] == summary.replications


@pytest.mark.parametrize(
    "options",
    [{"workers": 2}, {"workers": 2, "dask_local": True}],
    ids=["process-pool", "dask-local-cluster"],
)
def test_workers_and_dask_give_the_same_rounds_and_results(serial, tmp_path, options):
    expected_summary, expected = serial
    with make_executor(**options) as (executor, workers):
        summary = execute_until(
            plan(experiment_from_dict(ADAPTIVE)),
            tmp_path / "out",
            executor,
            workers,
            outcome=OUTCOME,
            precision=PRECISION,
            max_replications=CAP,
        )
    assert summary.replications == expected_summary.replications
    assert summary.rounds == expected_summary.rounds
    pd.testing.assert_frame_equal(
        load_sweep(tmp_path / "out").runs, expected.runs, check_exact=True
    )


KILL_SCRIPT = (
    textwrap.dedent(
        """
    import json, os, signal, sys

    from genaisim.experiments import experiment_from_dict, plan
    from genaisim.experiments.adaptive import execute_until

    data, folder, kill_after = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    finished = 0

    def progress(n):
        global finished
        finished += n
        if finished >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    execute_until(plan(experiment_from_dict(data)), folder, outcome=OUTCOME,
                  precision=PRECISION, max_replications=CAP, progress=progress)
    """
    )
    .replace("OUTCOME", repr(OUTCOME))
    .replace("PRECISION", repr(PRECISION))
    .replace("CAP", repr(CAP))
)


def test_killed_in_a_later_round_and_resumed_it_ends_as_an_uninterrupted_sweep(serial, tmp_path):
    expected_summary, expected = serial
    script = tmp_path / "sweep.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    folder = tmp_path / "killed"
    # The first round has 3 x 2 = 6 runs; dying after 8 is in the middle of the second.
    process = subprocess.run(
        [sys.executable, str(script), json.dumps(ADAPTIVE), str(folder), "8"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    partial = load_sweep(folder)
    assert 6 < partial.runs["run_id"].nunique() < len(expected.runs)

    summary = execute_until(
        plan(experiment_from_dict(ADAPTIVE)),
        folder,
        outcome=OUTCOME,
        precision=PRECISION,
        max_replications=CAP,
    )
    assert summary.replications == expected_summary.replications
    pd.testing.assert_frame_equal(load_sweep(folder).runs, expected.runs, check_exact=True)


def test_sweep_until_ci_from_the_command_line(tmp_path, capsys):
    experiment = tmp_path / "adaptive.toml"
    experiment.write_text(
        textwrap.dedent(
            """
            [experiment]
            name = "adaptive"
            replications = 2
            years = 1
            seed = 3
            [design]
            kind = "factorial"
            [design.parameters]
            "ownership.owner_probability" = [0.1, 0.5, 0.9]
            """
        ),
        encoding="utf-8",
    )
    status = main(
        [
            "sweep",
            str(experiment),
            "--serial",
            "--out",
            str(tmp_path / "out"),
            "--until-ci",
            "0.1",
            "--outcome",
            OUTCOME,
            "--max-replications",
            "16",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "Adaptive" in out and "round" in out


def test_until_ci_out_of_range_is_a_usage_error(tmp_path, capsys):
    status = main(["sweep", "x.toml", "--until-ci", "5"])
    assert status == 2
    assert "give a share between 0 and 1" in capsys.readouterr().err


ADAPTIVE_TOML = textwrap.dedent(
    """
    [experiment]
    name = "adaptive"
    replications = 2
    years = 1
    seed = 3
    [design]
    kind = "factorial"
    [design.parameters]
    "ownership.owner_probability" = [0.1, 0.5, 0.9]
    """
)
UNTIL_CI = ["--until-ci", "0.1", "--outcome", OUTCOME, "--max-replications", "8"]


@pytest.fixture
def adaptive_file(tmp_path):
    path = tmp_path / "adaptive.toml"
    path.write_text(ADAPTIVE_TOML, encoding="utf-8")
    return path


def test_resuming_an_adaptive_sweep_without_until_ci_loses_no_run_from_view(
    adaptive_file, tmp_path, capsys
):
    out = tmp_path / "out"
    sweep = ["sweep", str(adaptive_file), "--serial", "--out", str(out)]
    assert main([*sweep, *UNTIL_CI]) == 0
    before = load_sweep(out).runs
    assert before.groupby("point")["replication"].nunique().max() > 2  # it did grow
    capsys.readouterr()

    assert main([*sweep, "--resume"]) == 0
    # The report wraps long lines (a long folder name moves the breaks): read it as words.
    printed = " ".join(capsys.readouterr().out.split())
    assert "holds an adaptive sweep" in printed and "--until-ci 0.1" in printed
    assert "0 to run" in printed
    pd.testing.assert_frame_equal(load_sweep(out).runs, before)

    assert main(["analyse", str(out)]) == 0
    header = " ".join(capsys.readouterr().out.split())
    runs = before["run_id"].nunique()
    assert f"{runs} of {runs} runs" in header
    counts = before.groupby("point")["replication"].nunique()
    if counts.min() == counts.max():
        assert f"x {counts.max()} replications" in header
    else:
        assert f"{counts.min()}\u2013{counts.max()} replications per point" in header
    assert "adaptive" in header


def test_a_resumed_adaptive_sweep_starts_from_the_replications_its_folder_holds(serial, tmp_path):
    from genaisim.experiments.adaptive import first_round, planned_replications

    summary, results = serial
    the_plan = plan(experiment_from_dict(ADAPTIVE))
    assert planned_replications(results.path, the_plan) == summary.replications
    assert len(first_round(the_plan, results.path)) == sum(summary.replications)
    assert planned_replications(tmp_path / "nothing", the_plan) == [0, 0, 0]


def test_ctrl_c_during_an_adaptive_sweep_says_how_to_resume_with_its_options(
    adaptive_file, tmp_path, capsys, monkeypatch
):
    from genaisim.experiments import adaptive

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(adaptive, "execute_until", interrupted)
    out = tmp_path / "out"
    status = main(["sweep", str(adaptive_file), "--serial", "--out", str(out), *UNTIL_CI])
    err = capsys.readouterr().err
    assert status == 130
    hint = next(line for line in err.splitlines() if line.startswith("Resume with:"))
    assert "--resume --until-ci 0.1 --outcome pilots_started --max-replications 8" in hint


def test_a_non_numeric_outcome_is_refused_before_any_run(adaptive_file, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(
        ["sweep", str(adaptive_file), "--serial", "--out", str(out), "--until-ci", "0.1",
         "--outcome", "label"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "'label' is not numeric" in err and "cumulative_net_value" in err
    assert not out.exists()


def test_max_replications_without_until_ci_is_refused(adaptive_file, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(
        ["sweep", str(adaptive_file), "--serial", "--out", str(out), "--max-replications", "8"]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "--max-replications applies to an adaptive sweep; add --until-ci" in err
    assert not out.exists()


def test_the_numeric_outcomes_are_the_numeric_columns_of_a_sweep(serial):
    from genaisim.experiments.adaptive import NUMERIC_OUTCOMES

    _, results = serial
    plan_columns = {"point", "replication", "seed", "organisation"}
    numeric = {
        column
        for column in results.runs.select_dtypes("number").columns
        if column not in plan_columns and column not in results.points.columns
    }
    assert set(NUMERIC_OUTCOMES) == numeric


def test_the_sweep_summary_counts_only_this_plans_runs_as_skipped():
    from pathlib import Path

    from genaisim.experiments import SweepSummary
    from genaisim.report_sweep import format_sweep_summary

    text = format_sweep_summary(SweepSummary(Path("r"), 6, 48, 0, 0, 0.1), "adaptive")
    assert "6 runs planned; 0 run now, 6 skipped" in text
    assert "42 more runs in the folder are outside this plan" in " ".join(text.split())


def test_one_replication_is_singular():
    from genaisim.report_sweep import format_replications

    table = pd.DataFrame(
        {"replications": [1, 2], "cv": [0.1, 0.1], "change": [np.nan, 0.0],
         "relative_change": [np.nan, 0.0]}
    )  # fmt: skip
    text = " ".join(format_replications(table, OUTCOME, 1, 0.01).split())
    assert "1 replication is enough" in text and "1 replications" not in text
