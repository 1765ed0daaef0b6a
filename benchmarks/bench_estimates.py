"""How honest the time estimates are: `genaisim plan`'s and the app's, against measured time.

    .venv/bin/python benchmarks/bench_estimates.py [--quick]

For each experiment, makes the plan, asks for its estimate (as `genaisim plan` does:
a few runs timed here, and a worker started beside them), then runs the sweep with
the same number of workers into a temporary folder and times it. Target: within
±30% of the measured time. `--quick` leaves out the Sobol experiment (about 3 minutes
on 2 cores).

Then the explorer's estimate (:func:`genaisim.results.estimate_run`, which decides
whether a run waits for "Run anyway" and spreads its progress bar) for scenarios of
different sizes, each against :func:`genaisim.simulate` of the same scenario in this
process. Target: the same ±30%.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import genaisim
from genaisim.experiments import estimate_time, execute, load_experiment, make_executor, plan
from genaisim.results import estimate_run

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ("foundations", "sobol_foundations")
TOLERANCE = 0.30
#: Scenarios of the explorer's estimate: (preset, organisations, replications).
APP_RUNS = (
    ("baseline", 1, 20),
    ("baseline", 200, 2),
    ("compounder", 50, 5),
    ("pilot_loop", 100, 3),
    ("population_2024", 200, 5),
)


def measure(name: str, workers: int) -> tuple[float, float]:
    """(predicted, measured) wall seconds of one experiment's sweep."""
    the_plan = plan(load_experiment(ROOT / "experiments" / f"{name}.toml"))
    predicted = estimate_time(the_plan, workers).seconds
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with make_executor(workers) as (executor, size):
            execute(the_plan, Path(folder) / "out", executor, size)
        measured = time.perf_counter() - start
    return predicted, measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the foundations experiment")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    print(
        f"Plan estimates, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{workers} workers, Python {platform.python_version()}\n"
    )
    print(f"  {'experiment':<20} {'predicted':>10} {'measured':>10} {'ratio':>7}")
    ok = True
    for name in EXPERIMENTS[:1] if args.quick else EXPERIMENTS:
        predicted, measured = measure(name, workers)
        ratio = predicted / measured
        passed = abs(ratio - 1.0) <= TOLERANCE
        ok &= passed
        verdict = "PASS" if passed else "FAIL"
        print(
            f"  {name:<20} {predicted:9.1f}s {measured:9.1f}s {ratio:7.2f}   "
            f"target 0.70..1.30   {verdict}"
        )
    print(f"\n  {'app run (organisations x replications)':<44} {'predicted':>10} {'measured':>10}")
    for name, organisations, replications in APP_RUNS:
        scenario = genaisim.load_scenario(name).with_changes(
            {"population.organisations": organisations, "simulation.replications": replications}
        )
        predicted = estimate_run(scenario).seconds
        start = time.perf_counter()
        genaisim.simulate(scenario)
        measured = time.perf_counter() - start
        ratio = predicted / measured
        passed = abs(ratio - 1.0) <= TOLERANCE
        ok &= passed
        label = f"{name} ({organisations} x {replications})"
        print(
            f"  {label:<44} {predicted:9.2f}s {measured:9.2f}s {ratio:7.2f}   "
            f"target 0.70..1.30   {'PASS' if passed else 'FAIL'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
