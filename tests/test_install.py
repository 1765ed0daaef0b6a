"""The package as a user installs it: a wheel, outside the checkout, finds its scenarios."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_installed_outside_the_checkout_runs_the_named_scenarios(tmp_path):
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("genaisim-*.whl")
    site = tmp_path / "site"
    installed = subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"  # no scenarios/ folder here
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *argv],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    where = run("-c", "import genaisim; print(genaisim.__file__)")
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr
    baseline = run("-m", "genaisim", "run", "baseline", "-r", "2", "--years", "1")
    assert baseline.returncode == 0, baseline.stderr
    assert baseline.stdout.startswith("Scenario  baseline")
    # The explorer's page ships too, for `genaisim app`.
    page = run("-c", "from genaisim.cli import app_path; print(app_path())")
    assert page.returncode == 0, page.stderr
    assert page.stdout.strip().startswith(str(site))
    # The calibrated scenario's posterior ships beside it.
    drawn = run(
        "-m",
        "genaisim",
        "run",
        "enterprise_2024",
        "-r",
        "1",
        "--years",
        "1",
        "--posterior",
        "2",
        "--set",
        "population.organisations=5",
    )
    assert drawn.returncode == 0, drawn.stderr
