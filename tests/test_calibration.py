"""Calibration: survey statistics, calibration files, the ABC machinery and posteriors."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import genaisim
from genaisim.calibration import statistics as st
from genaisim.calibration.posterior import PosteriorError, load_posterior, weighted_quantile
from genaisim.calibration.spec import CalibrationError, load_calibration
from genaisim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "experiments" / "calibrate_enterprise_2024.toml"


# -- statistics, on runs built by hand ------------------------------------------------
def _record(
    months: int = 60,
    start: tuple[int, ...] = (0,),
    deployments: list[tuple[int, int, int, int, float, int]] | None = None,
    series: dict[str, np.ndarray] | None = None,
    ebit: float = 20_000.0,
) -> st.RunRecord:
    """A run of ``len(start)`` organisations; deployments as (org, started, promoted,
    retired, value_3y, paid_back) with -1 for months that did not happen."""
    n = len(start)
    base = {name: np.zeros((n, months)) for name in st.SERIES}
    base.update(series or {})
    d = np.array(deployments or [], dtype=float).reshape(-1, 6)
    return st.RunRecord(
        series=base,
        start=np.array(start),
        dep_org=d[:, 0].astype(int),
        dep_started=d[:, 1].astype(int),
        dep_promoted=d[:, 2].astype(int),
        dep_retired=d[:, 3].astype(int),
        dep_value_3y=d[:, 4],
        dep_paid_back=d[:, 5].astype(int),
        annual_ebit=np.full(n, ebit),
    )


def test_pilot_to_production_counts_early_pilots_live_within_three_years():
    run = _record(
        start=(2,),
        deployments=[
            (0, 2, 10, -1, 0, -1),  # live after 8 months
            (0, 5, 40, -1, 0, -1),  # live, but 38 months after the programme's start
            (0, 8, -1, 20, 0, -1),  # stopped
            (0, 30, 35, -1, 0, -1),  # started after the first two years: not counted
        ],
    )
    assert st.pilot_to_production(run) == pytest.approx(1 / 3)
    assert st.months_to_production(run) == pytest.approx((8 + 35) / 2)
    assert st.abandoned_after_poc(run) == pytest.approx(1 / 3)


def test_shares_of_organisations_are_read_at_their_own_programme_age():
    months = 60
    started = np.zeros((2, months))
    promoted = np.zeros((2, months))
    started[0, 5:] = 10  # organisation 0 starts at month 5 with 10 pilots ...
    promoted[0, 5 + 18 :] = 3  # ... and has 3 live at age 18: 30%, counts as low
    started[1, 0:] = 4
    promoted[1, 10:] = 2  # 50% at age 18: not low
    live = np.zeros((2, months))
    live[0, 5 + 12 :] = 3  # organisation 0 is at scale from age 12
    live[1, 0 + 24 :] = 3  # organisation 1 from age 24
    run = _record(
        start=(5, 0),
        series={"pilots_started_total": started, "promoted_total": promoted, "production": live},
    )
    assert st.low_conversion(run) == pytest.approx(0.5)
    assert st.at_scale(run, 12) == pytest.approx(0.5)
    assert st.at_scale(run, 11) == pytest.approx(0.0)
    assert st.at_scale(run, 24) == pytest.approx(1.0)


def test_value_tiers_use_the_last_twelve_months_before_the_age():
    months = 60
    gross = np.zeros((3, months))
    running = np.zeros((3, months))
    net = np.zeros((3, months))
    gross[:, 9:21] = 5.0
    running[0, 9:21] = 6.0  # organisation 0's live systems cost more than they earn
    running[1:, 9:21] = 1.0  # 1 and 2 earn their running costs ...
    net[1, 9:21] = -1  # ... but 1's programme as a whole lost money over ages 9..20
    net[2, 9:21] = 1  # ... and 2's earned more than it cost
    net[2, 18:30] = 200  # ... and by age 30 more than 5% of a 20 M EBIT a year
    run = _record(
        start=(0, 0, 0), series={"gross_value": gross, "cost_running": running, "net_value": net}
    )
    assert st.no_tangible_value(run) == pytest.approx(1 / 3)
    assert st.net_value_positive(run) == pytest.approx(1 / 3)
    assert st.high_performers(run) == pytest.approx(1 / 3)
    # Read at age 10, the last 12 months are only partly inside the run: not counted.
    assert math.isnan(st.no_tangible_value(_record(start=(55,), months=60)))


def test_material_value_is_operating_value_above_a_share_of_ebit():
    # EBIT 20 M a year: 0.5% is 100 k a year over the 12 months before age 21.
    months = 60
    gross = np.zeros((3, months))
    running = np.zeros((3, months))
    gross[:, 9:21] = 10.0
    running[0, 9:21] = 11.0  # loses money running its systems
    running[1, 9:21] = 5.0  # earns 60 k a year above running costs: tangible, not material
    running[2, 9:21] = 0.0  # earns 120 k a year: material
    run = _record(start=(0, 0, 0), series={"gross_value": gross, "cost_running": running})
    assert st.no_tangible_value(run) == pytest.approx(1 / 3)
    assert st.no_material_value(run) == pytest.approx(2 / 3)
    assert st.STATISTICS["no_value_above_quarter_pct"].compute(run) == pytest.approx(1 / 3)
    assert st.STATISTICS["no_value_above_1pct"].compute(run) == pytest.approx(1.0)
    # The threshold scales with the organisation's EBIT.
    small = _record(
        start=(0, 0, 0), series={"gross_value": gross, "cost_running": running}, ebit=2_000.0
    )
    assert st.no_material_value(small) == pytest.approx(1 / 3)


def test_initiative_returns_and_payback():
    run = _record(
        deployments=[
            (0, 0, 6, -1, 50.0, 20),  # positive over three years; paid back at 20 months
            (0, 1, 9, -1, -10.0, -1),  # never paid back
            (0, 2, 4, -1, 5.0, 12),  # paid back within a year (10 months)
            (0, 3, -1, 9, -30.0, -1),  # stopped
        ]
    )
    assert st.initiatives_with_roi(run) == pytest.approx(0.5)
    assert st.payback_within_year(run) == pytest.approx(0.25)
    assert st.median_payback(run) == pytest.approx((20 + 10) / 2)


def test_typical_payback_counts_organisations_not_paid_back_at_the_end_of_the_run():
    months = 30
    started = np.zeros((3, months))
    started[:, 2:] = 1  # every programme's first pilot starts at month 2
    cumulative = np.full((3, months), -100.0)
    cumulative[0, 12:] = 10.0  # paid back 10 months after its first pilot
    cumulative[1, 22:] = 5.0  # 20 months after
    # organisation 2 never pays back: counts as 29 months (one after the run's end)
    series = {"pilots_started_total": started, "cumulative_net_value": cumulative}
    run = _record(months=months, start=(2, 2, 2), series=series)
    assert st.typical_payback(run) == pytest.approx(20)
    cumulative[1] = -100.0  # now two of three never pay back: the median is beyond the run
    run = _record(months=months, start=(2, 2, 2), series=series)
    assert st.typical_payback(run) == pytest.approx(months - 2 + 1)
    # Only organisations that paid back count towards programme_payback.
    assert st.programme_payback(run) == pytest.approx(10)


def test_paid_back_by_48_counts_organisations_old_enough_to_tell():
    months = 60
    started = np.zeros((4, months))
    started[:3, 2:] = 1  # three programmes start at month 2, observed for 58 months
    started[3, 20:] = 1  # one starts at month 20: only 40 months old at the end
    cumulative = np.full((4, months), -100.0)
    cumulative[0, 30:] = 1.0  # paid back 28 months after its first pilot
    cumulative[1, 55:] = 1.0  # 53 months after: too late
    cumulative[3, 50:] = 1.0  # paid back, but not yet 48 months old: not counted
    series = {"pilots_started_total": started, "cumulative_net_value": cumulative}
    run = _record(months=months, start=(2, 2, 2, 20), series=series)
    assert st.paid_back_by_48(run) == pytest.approx(1 / 3)


def test_initiatives_with_roi_waits_three_years_for_open_and_stopped_alike():
    # (org, started, promoted, retired, value_3y, paid_back); the run is 50 months long.
    deployments = [
        (0, 5, 10, -1, 50.0, 30),  # old enough, positive
        (0, 10, -1, 20, -30.0, -1),  # stopped early, old enough: counts, negative
        (0, 20, -1, 25, -30.0, -1),  # stopped early, but started 30 months before the end
        (0, 22, 30, -1, float("nan"), -1),  # open and too young: unknown either way
    ]
    run = _record(months=50, start=(0,), deployments=deployments)
    assert st.initiatives_with_roi(run) == pytest.approx(1 / 2)


def test_a_statistic_with_nothing_to_count_is_nan_not_zero():
    run = _record(deployments=[])
    assert math.isnan(st.pilot_to_production(run))
    assert math.isnan(st.months_to_production(run))


def test_statistics_of_a_model_run_are_finite_where_defined():
    from genaisim.model import GenAISimModel

    scenario = genaisim.load_scenario("enterprise_2024_inputs").with_changes(
        {"population.organisations": 30}
    )
    values = st.compute(st.record(GenAISimModel(scenario, rng=5).run()))
    assert set(values) == set(st.STATISTICS)
    shares = [s.name for s in st.STATISTICS.values() if s.unit == "share"]
    for name in shares:
        assert 0.0 <= values[name] <= 1.0, name


# -- calibration files -------------------------------------------------------------------
def test_the_committed_calibration_file_is_valid():
    spec = load_calibration(CALIBRATION)
    assert len(spec.surveys) == 8
    for target in spec.targets:
        assert target.source and target.year and target.sample and target.caveat, target


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("organisations = 100", "organisations = 0"), "organisations"),
        (
            (
                ("population_size = 150", "population_size = 10"),
                ('transition = "normal"', 'transition = "local"'),
            ),
            "too small for transition",
        ),
        (('"portfolio.build_effort"', '"portfolio.build_efort"'), "did you mean"),
        (("[1.5, 8.0]", "[8.0, 1.5]"), "low must be below high"),
        (("[9, 36]", "[9, 360]"), "leaves the parameter's range"),
        (("observed = 0.48", "observed = 0.9"), "targets #1: observed 0.9 lies outside"),
        (('statistic = "low_conversion"', 'statistic = "low_convertion"'), "did you mean"),
        (('scenario = "enterprise_2024_inputs"', 'scenario = "nope"'), "scenario"),
    ],
)
def test_a_bad_calibration_file_gets_one_line_naming_the_problem(tmp_path, edit, message, capsys):
    text = CALIBRATION.read_text()
    for old, new in edit if isinstance(edit[0], tuple) else (edit,):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CalibrationError, match=message):
        load_calibration(path)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [b"\x00\x01binary", b"\xff\xfe not utf-8", b"a = [", b""])
def test_a_damaged_calibration_file_is_refused(tmp_path, content):
    path = tmp_path / "x.toml"
    path.write_bytes(content)
    with pytest.raises(CalibrationError):
        load_calibration(path)


def test_targets_can_come_from_a_file_of_their_own(tmp_path):
    text = CALIBRATION.read_text()
    head, _, targets = text.partition("[[targets]]")
    (tmp_path / "mine.toml").write_text("[[targets]]" + targets)
    (tmp_path / "cal.toml").write_text(head + 'targets = "mine.toml"\n')
    # A bare key after tables would belong to the last table: put it first.
    lines = (head.splitlines(), 'targets = "mine.toml"')
    (tmp_path / "cal.toml").write_text(lines[1] + "\n" + "\n".join(lines[0]) + "\n")
    spec = load_calibration(tmp_path / "cal.toml")
    assert len(spec.targets) == len(load_calibration(CALIBRATION).targets)


# -- the ABC machinery -------------------------------------------------------------------
def _tiny(tmp_path: Path, generations: int = 2) -> Path:
    """The committed calibration, shrunk: 8 organisations, 6 particles."""
    text = CALIBRATION.read_text()
    for old, new in (
        ("organisations = 100", "organisations = 8"),
        ("population_size = 150", "population_size = 6"),
        ("max_generations = 8", f"max_generations = {generations}"),
        ('write_scenario = "enterprise_2024"', 'write_scenario = ""'),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


def _posterior_bytes(folder: Path) -> bytes:
    return (folder / "posterior.csv").read_bytes()


@pytest.mark.slow
def test_a_tiny_calibration_gives_the_same_posterior_serial_on_a_pool_and_on_dask(tmp_path):
    spec = _tiny(tmp_path)
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "a"), "--serial"]) == 0
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "b"), "--workers", "2"]) == 0
    posterior = load_posterior(tmp_path / "a" / "posterior.csv")
    assert len(posterior.table) == 6
    assert set(posterior.keys) == set(load_calibration(spec).priors)
    assert _posterior_bytes(tmp_path / "a") == _posterior_bytes(tmp_path / "b")
    # The manifest says how many equally weighted particles each generation is worth.
    manifest = json.loads((tmp_path / "a" / "calibration.json").read_text())
    weights = posterior.table["weight"].to_numpy()
    assert len(manifest["effective_sizes"]) == manifest["generations"]
    assert manifest["effective_sizes"][-1] == pytest.approx(1 / (weights**2).sum(), rel=1e-3)
    pytest.importorskip("distributed")
    command = ["calibrate", str(spec), "--out", str(tmp_path / "c"), "--dask-local"]
    assert main([*command, "--workers", "2"]) == 0
    assert _posterior_bytes(tmp_path / "a") == _posterior_bytes(tmp_path / "c")


@pytest.mark.slow
def test_a_calibration_killed_outright_resumes_from_its_database(tmp_path):
    spec = _tiny(tmp_path, generations=3)
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "whole"), "--serial"]) == 0

    out = tmp_path / "killed"
    command = [sys.executable, "-m", "genaisim", "calibrate", str(spec), "--out", str(out)]
    process = subprocess.Popen([*command, "--serial"], stderr=subprocess.PIPE, text=True)
    # Kill it once its first generation is stored (pyabc's history says so on stderr
    # through our progress lines: "generation 2" starts after generation 1 is saved).
    deadline = time.monotonic() + 120
    for line in process.stderr:
        if "generation 2" in line or time.monotonic() > deadline:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "posterior.csv").exists()
    finished = subprocess.run([*command, "--serial"], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert "Resuming" in finished.stdout
    assert _posterior_bytes(out) == _posterior_bytes(tmp_path / "whole")


def test_a_folder_holding_something_else_is_refused(tmp_path, capsys):
    spec = _tiny(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["calibrate", str(spec), "--out", str(out), "--serial"]) == 2
    assert "holds no calibration" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


# -- posteriors ------------------------------------------------------------------------------
def test_weighted_quantile_matches_repeated_values():
    values = np.array([1.0, 2.0, 3.0])
    weights = np.array([1.0, 2.0, 1.0])
    expanded = np.array([1.0, 2.0, 2.0, 3.0])
    for q in (0.1, 0.5, 0.9):
        assert weighted_quantile(values, weights, q) == np.quantile(
            expanded, q, method="inverted_cdf"
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ownership.acceptance_margin\n0.1\n", "no 'weight' column"),
        ("ownership.acceptance_margn,weight\n0.1,1\n", "not a parameter key"),
        ("ownership.acceptance_margin,weight\n0.1,1\nx,1\n", "line 3"),
        ("ownership.acceptance_margin,weight\n0.9,1\n", "outside its range"),
        ("ownership.acceptance_margin,weight\n0.1,-1\n", "weights"),
        ("ownership.acceptance_margin,weight\n", "no particles"),
    ],
)
def test_a_bad_posterior_file_is_refused_with_its_line(tmp_path, text, message):
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(PosteriorError, match=message):
        load_posterior(path)


def test_drawing_from_a_posterior_is_reproducible_and_follows_the_weights(tmp_path):
    path = tmp_path / "p.csv"
    pd.DataFrame(
        {
            "ownership.acceptance_margin": [0.05, 0.2],
            "ownership.go_live_attempts": [2.4, 5.6],
            "weight": [0.9, 0.1],
        }
    ).to_csv(path, index=False)
    posterior = load_posterior(path)
    scenario = genaisim.load_scenario("baseline")
    first = posterior.draw(400, seed=3, scenario=scenario)
    assert first == posterior.draw(400, seed=3, scenario=scenario)
    assert {d["ownership.go_live_attempts"] for d in first} == {2, 6}  # integers rounded
    share = np.mean([d["ownership.acceptance_margin"] == 0.05 for d in first])
    # 400 draws of a 0.9 chance: standard error 0.015, so +-0.06 is four of them.
    assert abs(share - 0.9) < 0.06


def test_simulate_with_a_posterior_records_each_runs_draw(tmp_path):
    scenario = genaisim.load_scenario("enterprise_2024").with_changes(
        {"population.organisations": 3, "simulation.replications": 2, "simulation.years": 2}
    )
    results = genaisim.simulate(scenario, posterior=3)
    assert results.replications == 6
    assert list(results.draws["draw"]) == [0, 0, 1, 1, 2, 2]
    summary = results.summary()
    assert set(summary["draw"]) == {0, 1, 2}
    again = genaisim.simulate(scenario, posterior=3)
    pd.testing.assert_frame_equal(results.timeseries, again.timeseries)
    saved = results.save(tmp_path / "r")
    loaded = genaisim.Results.load(saved)
    pd.testing.assert_frame_equal(loaded.draws, results.draws)


def test_run_with_posterior_prints_parameter_uncertainty(capsys):
    status = main(
        [
            "run",
            "enterprise_2024",
            "--posterior",
            "3",
            "-r",
            "1",
            "--years",
            "2",
            "--set",
            "population.organisations=4",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "Parameter uncertainty (3 posterior draws)" in out


def test_run_with_posterior_on_an_uncalibrated_scenario_says_so(capsys):
    assert main(["run", "baseline", "--posterior", "3"]) == 2
    err = capsys.readouterr().err
    assert "no calibrated posterior" in err and len(err.strip().splitlines()) == 1


def test_an_uploaded_scenario_cannot_name_a_posterior_file():
    from genaisim.errors import ScenarioError
    from genaisim.scenario import scenario_from_toml

    with pytest.raises(ScenarioError, match="posterior"):
        scenario_from_toml('posterior = "/etc/passwd.csv"\n', "upload.toml")


def test_a_scenario_files_posterior_must_lie_beside_it(tmp_path):
    from genaisim.errors import ScenarioError

    (tmp_path / "s.toml").write_text('posterior = "../elsewhere.csv"\n')
    with pytest.raises(ScenarioError, match="inside this file's folder"):
        genaisim.load_scenario(tmp_path / "s.toml")
    (tmp_path / "t.toml").write_text('posterior = "missing.csv"\n')
    with pytest.raises(ScenarioError, match="no such file"):
        genaisim.load_scenario(tmp_path / "t.toml")


def test_findings_report_how_often_each_effect_holds_across_draws():
    import itertools

    from genaisim.calibration.robustness import FOUNDATIONS, findings

    rows = []
    for draw in range(10):
        for cell in itertools.product((0, 1), repeat=4):
            on = dict(zip(FOUNDATIONS, cell, strict=True))
            # Ownership always helps; data helps in 7 draws of 10 and hurts in the rest.
            value = 100 * on["ownership"] + (50 if draw < 7 else -50) * on["data"]
            rows.append({"draw": draw, **on, "value": value, "compounding": 0.0,
                         "stable_business": 0.6, "stable_technology": 0.4,
                         # among live systems: the gap reverses in draws 8 and 9
                         "stable_live_business": 0.7 if draw < 8 else 0.3,
                         "stable_live_technology": 0.5,
                         "live_business": 0.4, "live_technology": 0.6})  # fmt: skip
    table = findings(pd.DataFrame(rows)).set_index("finding")
    ownership = table.loc["ownership alone adds value over none (k)"]
    assert ownership["holds_in"] == 1.0 and ownership["robust"]
    assert ownership["median"] == pytest.approx(100)
    data = table.loc["data alone adds value over none (k)"]
    assert data["holds_in"] == pytest.approx(0.7) and not data["robust"]
    owners = table.loc["business owners reach stable production more often (share)"]
    assert owners["median"] == pytest.approx(0.2)
    live = table.loc["step 2: of those taken live, business owners' stay live more often (share)"]
    assert live["holds_in"] == pytest.approx(0.8) and not live["robust"]
    assert live["median"] == pytest.approx(0.2)
    taken = table.loc["step 1: business owners take more of their initiatives live (share)"]
    assert taken["median"] == pytest.approx(-0.2) and taken["holds_in"] == 0.0


def test_a_factorial_cell_reads_both_kinds_of_owner():
    from genaisim.calibration.robustness import _cell_run

    scenario = genaisim.load_scenario("enterprise_2024").with_changes(
        {"population.organisations": 20, "ownership.owner_probability": 0.5}
    )
    out = _cell_run(scenario.model_dump(mode="json"), 1, 3)
    assert 0.0 <= out["stable_business"] <= 1.0
    assert 0.0 <= out["stable_technology"] <= 1.0
    # The two steps multiply to the rate over all judged initiatives (stable implies live).
    for kind in ("business", "technology"):
        assert 0.0 < out[f"live_{kind}"] < 1.0  # some went live, some did not
        assert out[f"live_{kind}"] * out[f"stable_live_{kind}"] == pytest.approx(
            out[f"stable_{kind}"]
        )


def test_band_table_places_each_simulated_median_against_its_band():
    from genaisim.calibration.check import band_table, surveys_inside

    spec = load_calibration(CALIBRATION)
    values = {t.statistic: [t.band[0] - 1.0] * 3 for t in spec.targets}  # all below
    values[spec.targets[0].statistic] = [spec.targets[0].observed] * 3  # one inside
    table = band_table(spec, pd.DataFrame(values))
    assert table["inside"].tolist() == [True] + [False] * (len(spec.targets) - 1)
    assert table.loc[0, "share_inside"] == 1.0
    inside = surveys_inside(table)
    # The first survey has two statistics; only one is inside, so the survey is not.
    assert not inside.iloc[0]


def test_a_calibrated_scenario_run_without_draws_says_how_to_see_parameter_uncertainty(capsys):
    status = main(
        ["run", "enterprise_2024", "-r", "1", "--years", "2", "--set", "population.organisations=3"]
    )
    assert status == 0
    assert "--posterior N" in capsys.readouterr().out


# -- the calibrated population against the surveys ------------------------------------
CHECKS = ROOT / "docs" / "calibration" / "checks.json"
#: Runs of the calibrated population per survey test (one posterior draw each).
SURVEY_RUNS = 12
#: Standard errors a fresh median may stray from the reported one. Two-sided, 3.2
#: standard errors happen by chance 0.14% of the time per statistic, about 1.7% for
#: twelve statistics together, when the population has not changed.
Z_LIMIT = 3.2
#: Smallest standard deviation assumed over runs: a share over a few hundred
#: organisations moves in steps of about 0.005, a month count in half months.
MIN_SD = {"share": 0.01, "months": 0.5}


def _reported_checks() -> dict:
    return json.loads(CHECKS.read_text(encoding="utf-8"))


def _against_the_report(changes: dict[str, float] | None = None) -> pd.DataFrame:
    """SURVEY_RUNS fresh runs of enterprise_2024 beside what docs/calibration.md reports.

    Each run draws its parameter set from the committed posterior, as the report's runs
    do; ``changes`` set parameters in every draw (a broken mechanism). For each of the
    calibration's statistics, ``z`` is the fresh median's distance from the reported
    median in standard errors of their difference. The spread over runs is read from
    the report's 90% interval (about 3.3 standard deviations); a median of n runs has a
    standard error of about 1.25 sd / sqrt(n).
    """
    from genaisim.calibration.check import band_table, simulate_statistics
    from genaisim.calibration.posterior import Posterior, load_posterior

    spec = load_calibration(CALIBRATION)
    checks = _reported_checks()
    report = pd.DataFrame(checks["targets"])
    scenario = genaisim.load_scenario("enterprise_2024")
    posterior = load_posterior(scenario.posterior)
    table = posterior.table.copy()
    for key, value in (changes or {}).items():
        if key in table:
            table[key] = value
        else:
            scenario = scenario.with_changes({key: value})
    names = list(dict.fromkeys(t.statistic for t in spec.targets))
    fresh = band_table(
        spec,
        simulate_statistics(scenario, SURVEY_RUNS, 101, names, posterior=Posterior(table)),
    )
    units = [st.STATISTICS[name].unit for name in fresh["statistic"]]
    sd = np.maximum((report["high"] - report["low"]) / 3.29, [MIN_SD[u] for u in units])
    se = 1.25 * sd * np.sqrt(1 / SURVEY_RUNS + 1 / checks["draws"])
    return pd.DataFrame(
        {
            "statistic": fresh["statistic"],
            "reported": report["median"],
            "fresh": fresh["median"],
            "z": (fresh["median"] - report["median"]) / se,
        }
    )


def test_the_calibration_page_describes_the_committed_posterior():
    import hashlib

    spec = load_calibration(CALIBRATION)
    path = Path(genaisim.load_scenario("enterprise_2024").posterior)
    checks = _reported_checks()
    assert checks["posterior_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), (
        "docs/calibration.md describes another posterior: run make calibration-docs"
    )
    assert [t["statistic"] for t in checks["targets"]] == [t.statistic for t in spec.targets]
    # The committed posterior fits what the calibration file says is free, no more, no less.
    assert set(load_posterior(path).keys) == set(spec.priors), (
        "the calibration file's priors changed since the posterior was made: make calibrate"
    )


@pytest.mark.statistical
def test_the_calibrated_population_gives_the_figures_its_page_reports():
    table = _against_the_report()
    strays = table[table["z"].abs() > Z_LIMIT]
    assert strays.empty, (
        "the calibrated population no longer gives what docs/calibration.md reports; if a "
        "mechanism changed on purpose, recalibrate (make calibrate, then make "
        "calibration-docs):\n" + table.to_string()
    )


@pytest.mark.statistical
@pytest.mark.parametrize(
    "changes",
    [
        # Owners re-test a prototype every month until a noisy test passes (the
        # uncalibrated default): far more pilots go live.
        {"ownership.go_live_attempts": 100, "ownership.acceptance_margin": 0.0},
        # A smaller change: prototypes take about half as long to build as the posterior
        # median says (4.3 months).
        {"portfolio.build_effort": 2.2},
    ],
)
def test_a_changed_mechanism_is_caught_by_the_survey_check(changes):
    # The test above must be able to fail, for a gross change and a moderate one.
    table = _against_the_report(changes)
    assert (table["z"].abs() > Z_LIMIT).any(), table.to_string()
