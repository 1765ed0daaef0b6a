"""The `genaisim` command line: what users see, and the exit status scripts rely on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import genaisim
from genaisim.cli import COMMANDS, main
from genaisim.labels import LABELS
from genaisim.report import (
    KEY_OUTCOMES,
    WIDTH,
    format_parameters,
    format_scenarios,
    format_summary,
    outcome_table,
)
from genaisim.scenario import parameter_keys

TINY = ["-r", "2", "--years", "2"]


def genaisim_command() -> list[str]:
    """The installed console script, or `python -m genaisim` where there is none."""
    script = Path(sys.executable).parent / "genaisim"
    if script.is_file():
        return [str(script)]
    found = shutil.which("genaisim")
    return [found] if found else [sys.executable, "-m", "genaisim"]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def parameter_line(text: str, key: str) -> str:
    """The row of `describe` output that shows `key` (not a help line that mentions it)."""
    return next(line for line in text.splitlines() if line[2:].split(" ")[0] == key)


@pytest.fixture(scope="module")
def tiny_results() -> genaisim.Results:
    return genaisim.simulate("baseline", replications=2, years=2, seed=1)


# -- user errors ---------------------------------------------------------------
def test_out_of_range_value_exits_2_with_one_line_naming_key_and_range_and_no_traceback():
    command = [*genaisim_command(), "run", "pilot_loop", "--set", "organisation.data_quality=2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("genaisim: error: ")
    assert "organisation.data_quality" in lines[0]
    assert "from 0 to 1" in lines[0]
    assert done.stdout == ""


def test_misspelt_key_exits_2_and_suggests_the_right_key(capsys):
    status, _, err = run_cli(capsys, "run", "baseline", "--set", "organisation.data_qualty=0.5")
    assert status == 2
    assert "'organisation.data_qualty'" in err
    assert "did you mean 'organisation.data_quality'" in err


def test_malformed_toml_file_exits_2_naming_the_file(capsys, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("name = 'broken'\n[organisation\ndata_quality = 0.5\n", encoding="utf-8")
    status, out, err = run_cli(capsys, "run", str(broken))
    assert status == 2
    assert err.startswith("genaisim: error: ")
    assert str(broken) in err
    assert "TOML" in err
    assert out == ""


def test_missing_scenario_file_exits_2_naming_the_file(capsys, tmp_path):
    missing = tmp_path / "nowhere.toml"
    status, _, err = run_cli(capsys, "run", str(missing))
    assert status == 2
    assert str(missing) in err
    assert "no such scenario file" in err


def test_unknown_scenario_name_exits_2_and_suggests_the_nearest(capsys):
    status, _, err = run_cli(capsys, "describe", "compounderr")
    assert status == 2
    assert "did you mean 'compounder'" in err


def test_set_without_equals_sign_exits_2_and_shows_the_expected_form(capsys):
    status, _, err = run_cli(capsys, "describe", "baseline", "--set", "feedback.culture")
    assert status == 2
    assert "expected KEY=VALUE" in err


def test_out_of_range_option_is_blamed_on_the_option_not_on_set(capsys):
    status, _, err = run_cli(capsys, "run", "baseline", "-r", "0")
    assert status == 2
    assert err.startswith("genaisim: error: -r/--replications: simulation.replications = 0")


def test_usage_errors_exit_2_with_one_line(capsys):
    # README: "A mistake gets one clear line ... and exit status 2".
    for argv in (
        [],
        ["run"],
        ["run", "baseline", "--format", "xlsx"],
        ["run", "baseline", "--workers", "0"],
        ["run", "baseline", "-r", "x"],
        ["frobnicate"],
        ["chart", "baseline", "--kind", "stages", "--out", "x.png", "--scale", "100"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert err.startswith("genaisim") and ": error: " in err and "--help" in err, err


def test_ctrl_c_exits_130_with_a_short_message(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("genaisim.cli.simulate", interrupted)
    status, _, err = run_cli(capsys, "run", "baseline", *TINY)
    assert status == 130
    assert err.strip() == "genaisim: interrupted"


# -- run -----------------------------------------------------------------------
def test_run_prints_every_label_and_the_key_outcomes(capsys):
    status, out, _ = run_cli(capsys, "run", "baseline", *TINY, "--seed", "3")
    assert status == 0
    for label in LABELS:
        assert label in out
    assert "cumulative" in out
    assert "baseline" in out
    assert "2 replications" in out
    assert "2 years" in out
    assert "seed 3" in out


def test_run_lists_the_changes_made_with_set(capsys):
    status, out, _ = run_cli(capsys, "run", "baseline", *TINY, "--set", "feedback.culture=0.9")
    assert status == 0
    assert "feedback.culture = 0.9" in out


def test_run_with_out_and_csv_writes_the_three_tables_and_the_manifest(capsys, tmp_path):
    folder = tmp_path / "results"
    status, out, _ = run_cli(
        capsys, "run", "baseline", *TINY, "--out", str(folder), "--format", "csv"
    )
    assert status == 0
    for name in ("timeseries.csv", "deployments.csv", "summary.csv", "manifest.json"):
        assert (folder / name).is_file(), name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "csv"
    assert manifest["replications"] == 2
    assert str(folder) in out


def test_run_refuses_an_out_path_that_is_a_file_before_running(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("genaisim.cli.simulate", lambda *a, **k: pytest.fail("ran anyway"))
    occupied = tmp_path / "taken"
    occupied.write_text("", encoding="utf-8")
    status, _, err = run_cli(capsys, "run", "baseline", *TINY, "--out", str(occupied))
    assert status == 2
    assert str(occupied) in err


# -- scenarios and describe ----------------------------------------------------
def test_scenarios_lists_baseline_and_compounder_with_descriptions(capsys):
    status, out, _ = run_cli(capsys, "scenarios")
    assert status == 0
    assert "baseline" in out
    assert "compounder" in out
    assert genaisim.load_scenario("compounder").description.split()[0] in out


def test_a_broken_scenario_file_is_listed_with_its_error_not_a_crash(tmp_path, monkeypatch):
    # ./scenarios is searched first, so a broken file there joins the project's scenarios.
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "broken.toml").write_text("[data\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    listing = format_scenarios()
    broken = next(line for line in listing.splitlines() if line.strip().startswith("broken"))
    assert "cannot load" in broken
    assert "compounder" in listing


def test_describe_lists_every_parameter_key(capsys):
    status, out, _ = run_cli(capsys, "describe", "baseline")
    assert status == 0
    for key in parameter_keys():
        assert parameter_line(out, key)


def test_describe_marks_a_value_changed_with_set_and_shows_its_default(capsys):
    status, out, _ = run_cli(capsys, "describe", "baseline", "--set", "feedback.culture=0.9")
    assert status == 0
    changed = parameter_line(out, "feedback.culture")
    assert changed.startswith("*")
    assert "0.9" in changed
    assert "default 0.4" in changed
    assert not parameter_line(out, "feedback.tooling").startswith("*")


def test_describe_shows_unit_and_range(capsys):
    _, out, _ = run_cli(capsys, "describe", "baseline")
    assert "share, 0 to 1" in parameter_line(out, "organisation.data_quality")


# -- help and version ----------------------------------------------------------
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_of_every_command_exits_0_and_shows_examples(capsys, command):
    status, out, _ = run_cli(capsys, command, "--help")
    assert status == 0
    assert f"usage: genaisim {command}" in out
    assert "examples:" in out


def test_top_level_help_lists_every_command(capsys):
    status, out, _ = run_cli(capsys, "--help")
    assert status == 0
    for command in COMMANDS:
        assert command in out


def test_version_is_the_package_version(capsys):
    status, out, _ = run_cli(capsys, "--version")
    assert status == 0
    assert out.strip() == f"genaisim {genaisim.__version__}"


def test_python_dash_m_genaisim_runs_the_same_command_line():
    command = [sys.executable, "-m", "genaisim", "--version"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"genaisim {genaisim.__version__}"


# -- reports fit a terminal ----------------------------------------------------
def test_summary_fits_a_100_column_terminal(tiny_results):
    text = format_summary(tiny_results)
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_summary_shows_every_label_even_when_no_trajectory_has_it(tiny_results):
    text = format_summary(tiny_results)
    shares = [line for line in text.splitlines() if line.strip().startswith(LABELS)]
    assert len(shares) == len(LABELS)
    # Two trajectories cannot carry four labels, so at least two are shown at 0%.
    assert sum("0%" in line.split() for line in shares) >= len(LABELS) - 2


def test_parameter_listing_fits_a_100_column_terminal():
    text = format_parameters(genaisim.load_scenario("population_2024"))
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_outcome_means_skip_rows_without_a_value_and_count_the_rows_with_one():
    summary = pd.DataFrame({outcome.column: [1.0, 2.0, 3.0] for outcome in KEY_OUTCOMES})
    summary["median_months_to_production"] = [4.0, float("nan"), 8.0]
    table = outcome_table(summary)
    assert table.loc["median_months_to_production", "mean"] == 6.0
    assert table.loc["median_months_to_production", "rows"] == 2
    assert table.loc["pilots_started", "rows"] == 3


# -- plan, sweep and analyse ---------------------------------------------------
FOUNDATIONS = Path(__file__).resolve().parents[1] / "experiments" / "foundations.toml"


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces (reports wrap)."""
    return " ".join(text.split())


def write_experiment(folder: Path, name: str = "tiny", culture: str = "[0.2, 0.8]") -> Path:
    """A tiny experiment file: 2 design points x 2 replications, one year."""
    path = folder / f"{name}.toml"
    path.write_text(
        f'[experiment]\nname = "{name}"\nreplications = 2\nyears = 1\n\n'
        f'[design]\nkind = "factorial"\n\n[design.parameters]\n"feedback.culture" = {culture}\n',
        encoding="utf-8",
    )
    return path


def test_plan_prints_the_run_count_and_a_time_estimate_and_writes_nothing(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_cli(capsys, "plan", str(FOUNDATIONS), "--workers", "4")
    out = flat(out)
    assert status == 0
    assert "16 design points x 20 replications = 320 runs" in out
    assert "Estimate" in out
    assert "4 workers" in out
    assert "An estimate" in out
    assert list(tmp_path.iterdir()) == []


def test_sweep_writes_a_folder_that_analyse_reads_back_with_every_label(capsys, tmp_path):
    experiment = write_experiment(tmp_path)
    out = tmp_path / "out"
    status, text, _ = run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))
    text = flat(text)
    assert status == 0
    assert "4 run now, 0 skipped as already done, 0 failed" in text
    assert str(out) in text
    status, text, _ = run_cli(capsys, "analyse", str(out))
    assert status == 0
    for label in LABELS:
        assert label in text
    assert "feedback.culture" in text
    assert "4 of 4 runs" in flat(text)
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_sweeping_again_into_the_same_folder_continues_and_says_so(capsys, tmp_path):
    experiment = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))[0] == 0
    status, text, _ = run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))
    text = flat(text)
    assert status == 0
    assert "Continuing" in text
    assert "4 of 4 runs are already done" in text
    assert "0 run now, 4 skipped" in text
    status, text, _ = run_cli(
        capsys, "sweep", str(experiment), "--serial", "--out", str(out), "--resume"
    )
    assert status == 0
    assert "Resuming" in text


def test_a_folder_of_another_experiment_is_refused_with_exit_2(capsys, tmp_path):
    out = tmp_path / "out"
    first = write_experiment(tmp_path, "first")
    second = write_experiment(tmp_path, "second", culture="[0.3, 0.9]")
    assert run_cli(capsys, "sweep", str(first), "--serial", "--out", str(out))[0] == 0
    status, _, err = run_cli(capsys, "sweep", str(second), "--serial", "--out", str(out))
    assert status == 2
    assert err.startswith("genaisim: error: ")
    assert "different experiment" in flat(err)
    assert str(out) in err


def test_resume_of_a_folder_that_holds_no_sweep_exits_2(capsys, tmp_path):
    experiment = write_experiment(tmp_path)
    missing = tmp_path / "nowhere"
    status, _, err = run_cli(capsys, "sweep", str(experiment), "--out", str(missing), "--resume")
    assert status == 2
    assert "no sweep to resume" in err
    assert not missing.exists()


def test_ctrl_c_during_a_sweep_says_what_is_on_disk_and_how_to_resume(
    capsys, tmp_path, monkeypatch
):
    from genaisim.experiments import execute as real_execute

    def interrupted_after_one_run(the_plan, folder, executor, workers, progress, **options):
        def stop(done):
            raise KeyboardInterrupt

        return real_execute(the_plan, folder, executor, workers, progress=stop, size=1)

    monkeypatch.setattr("genaisim.cli.execute", interrupted_after_one_run)
    experiment = write_experiment(tmp_path)
    out = tmp_path / "out"
    status, _, err = run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))
    err = flat(err)
    assert status == 130
    assert "1 of 4 runs are safely on disk" in err
    assert f"genaisim sweep {experiment} --out {out} --resume" in err


def test_analyse_writes_the_table_it_shows_to_csv(capsys, tmp_path):
    experiment = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))[0] == 0
    table = tmp_path / "table.csv"
    status, text, _ = run_cli(
        capsys, "analyse", str(out), "--outcome", "production", "--csv", str(table)
    )
    assert status == 0
    written = pd.read_csv(table)
    assert set(written["outcome"]) == {"production", *LABELS}
    assert {"mean", "sd", "n", "ci_low", "ci_high", "feedback.culture"} <= set(written.columns)
    assert str(table) in text


def test_analyse_asking_for_sobol_indices_of_a_factorial_exits_2_with_one_message(capsys, tmp_path):
    experiment = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))[0] == 0
    status, text, err = run_cli(capsys, "analyse", str(out), "--sobol")
    assert status == 2
    assert text == ""
    assert "'sobol' design" in err


def test_the_command_lines_help_imports_neither_the_model_nor_pandas():
    """`genaisim --help` answers at once: the heavy modules load only when a command runs."""
    code = (
        "import sys, genaisim.cli\n"
        "genaisim.cli.build_parser()\n"
        "print(sorted(m for m in ('mesa', 'pandas', 'pydantic', 'scipy', 'genaisim.model') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
