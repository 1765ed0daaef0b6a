"""Wall-clock benchmarks of the genaisim model, checked against acceptance targets.

Measures, on the ``baseline`` scenario over its 5-year horizon:

1. one single-organisation run (construct + run), median over many seeds; and, for
   context, the same through :func:`genaisim.run_replication`, which also builds the
   pandas tables;
2. one 100-organisation run, median of a few seeds;
3. agent-steps per second in that run;
4. how run time scales with the number of organisations (log-log slope);
5. ``simulate`` with 20 replications, its tables built once, against building them
   replication by replication (how ``simulate`` worked before), in the same process;

and prints PASS/FAIL against the targets. Run with ``make bench`` or
``.venv/bin/python benchmarks/bench_model.py``; ``--quick`` is a fast smoke run whose
figures are indicative only.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import genaisim
from genaisim import GenAISimModel, Scenario

#: Acceptance targets.
SINGLE_ORG_MAX_MS = 40.0
HUNDRED_ORGS_MAX_S = 4.0
SLOPE_RANGE = (0.85, 1.15)
TABLES_MIN_SPEEDUP = 2.0
TABLE_REPLICATIONS = 20

HUNDRED = 100
WARM_UP_SEED = 0
DEFAULT_SIZES = (10, 30, 100, 300)
QUICK_SIZES = (10, 30, 100)
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """How much to measure."""

    scenario: str
    seed: int
    single_runs: int
    repeats: int
    sizes: tuple[int, ...]
    quick: bool


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark genaisim: single-organisation run time, a 100-organisation run, "
            "agent-steps per second and the scaling slope, against acceptance targets."
        )
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fast smoke run: few repetitions, sizes up to 100 (figures indicative only)",
    )
    parser.add_argument(
        "--scenario", default="baseline", help="scenario name or TOML path (default: baseline)"
    )
    parser.add_argument("--seed", type=int, default=1, help="first seed (default: 1)")
    parser.add_argument(
        "--runs", type=int, help="single-organisation runs to time (default: 50; quick: 5)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="runs per multi-organisation size, median taken (default: 3; quick: 1)",
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="organisation counts for the scaling fit (default: 10 30 100 300; quick: 10 30 100)",
    )
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else (5 if args.quick else 50)
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    sizes = tuple(args.sizes) if args.sizes else (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.seed < 0:
        parser.error("--seed must be zero or more")
    if runs < 1 or repeats < 1:
        parser.error("--runs and --repeats must be at least 1")
    if len(set(sizes)) < 2 or min(sizes) < 1:
        parser.error("--sizes needs at least two different positive counts")
    return Settings(args.scenario, args.seed, runs, repeats, tuple(sorted(set(sizes))), args.quick)


# -- machine ------------------------------------------------------------------------
def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or what the platform module knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def source_revision() -> str:
    """The git commit, marked ``+local changes`` when src/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + local changes in src/" if dirty else commit


def print_header(settings: Settings) -> None:
    """Date, machine and versions."""
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    print(
        "genaisim benchmark"
        + (" (QUICK smoke run: figures indicative only)" if settings.quick else "")
    )
    print(f"  date       {datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"  platform   {platform.platform()}")
    print(f"  CPU        {cpu_model()}")
    print(f"  cores      {cores} (usable by this process: {usable})")
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"  load avg   {load} (1, 5, 15 min; other work on the machine skews timings)")
    print(f"  Python     {platform.python_version()} ({platform.python_implementation()})")
    print(f"  Mesa       {metadata.version('mesa')}")
    print(f"  genaisim   {genaisim.__version__} at {source_revision()}")
    print(
        f"  settings   scenario={settings.scenario} seed={settings.seed} "
        f"single-org runs={settings.single_runs} repeats={settings.repeats} "
        f"sizes={list(settings.sizes)}"
    )
    print()


# -- timing -------------------------------------------------------------------------
def timed(action: Callable[[], object]) -> float:
    """Seconds taken by ``action()``, after a garbage collection outside the timing."""
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def with_organisations(scenario: Scenario, count: int) -> Scenario:
    """The scenario with ``count`` organisations."""
    if scenario.population.organisations == count:
        return scenario
    return scenario.with_changes({"population.organisations": count})


def run_model(scenario: Scenario, seed: int) -> GenAISimModel:
    """Construct and run one model."""
    return GenAISimModel(scenario, rng=seed).run()


def counted_run(scenario: Scenario, seed: int) -> tuple[float, int, int]:
    """Time one run while counting agent-steps.

    Returns (seconds, agent-steps, steps). Before each step, ``len(model.agents)`` --
    every live agent of every type (organisations, owners, deployments, reviewers) --
    is added to the count; an agent created during a step counts from the next one.
    The wrapper adds one ``len()`` per step, negligible next to the step itself.
    """
    counts = {"agent_steps": 0, "steps": 0}

    def run() -> None:
        model = GenAISimModel(scenario, rng=seed)
        inner = model.step  # Mesa's own wrapper around GenAISimModel.step

        def counting_step() -> None:
            counts["agent_steps"] += len(model.agents)
            counts["steps"] += 1
            inner()

        # Wraps this one model's step to count agents; Mesa's run() calls model.step.
        model.step = counting_step  # type: ignore[method-assign]
        model.run()

    seconds = timed(run)
    return seconds, counts["agent_steps"], counts["steps"]


def loglog_slope(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(time) on log(n)."""
    fit = statistics.linear_regression([math.log(n) for n in sizes], [math.log(t) for t in seconds])
    return fit.slope


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


# -- the benchmarks -----------------------------------------------------------------
def bench_single(scenario: Scenario, settings: Settings) -> bool:
    """1. One single-organisation run, and the same through run_replication."""
    single = with_organisations(scenario, 1)
    seeds = range(settings.seed, settings.seed + settings.single_runs)
    run_model(single, WARM_UP_SEED)  # warm-up
    model_ms = [1000.0 * timed(lambda s=s: run_model(single, s)) for s in seeds]
    genaisim.run_replication(single, 0, WARM_UP_SEED)  # warm-up
    table_ms = [
        1000.0 * timed(lambda r=r: genaisim.run_replication(single, r, settings.seed))
        for r in range(settings.single_runs)
    ]
    median = statistics.median(model_ms)
    ok = median < SINGLE_ORG_MAX_MS
    years = single.simulation.years
    print(f"1. Single organisation, {years}-year run (construct + run), {len(model_ms)} seeds")
    print(
        f"   median {median:8.2f} ms   (min {min(model_ms):.2f}, max {max(model_ms):.2f})"
        f"   target < {SINGLE_ORG_MAX_MS:g} ms   {verdict(ok)}"
    )
    print(
        f"   context: run_replication (also builds the pandas tables): median "
        f"{statistics.median(table_ms):.2f} ms   (min {min(table_ms):.2f}, "
        f"max {max(table_ms):.2f}); no target"
    )
    print()
    return ok


def bench_tables(scenario: Scenario, settings: Settings) -> bool:
    """5. ``simulate`` with 20 replications against the same run table by table.

    The baseline, run in this process, is how ``simulate`` built its tables before:
    each replication's tables typed on their own (:func:`genaisim.run_replication`),
    then concatenated. Both give identical tables (tests/test_results.py); the models
    alone are timed for context.
    """
    import pandas as pd

    reps = TABLE_REPLICATIONS
    single = with_organisations(scenario, 1).with_changes(
        {"simulation.replications": reps, "simulation.seed": settings.seed}
    )

    def per_replication() -> None:
        parts = [genaisim.run_replication(single, r, settings.seed) for r in range(reps)]
        for name in ("timeseries", "deployments", "organisations"):
            pd.concat([getattr(p, name) for p in parts], ignore_index=True)

    def models_alone() -> None:
        for r in range(reps):
            run_model(single, genaisim.replication_seed(settings.seed, r))

    def once() -> None:
        genaisim.simulate(single)

    def with_summary() -> None:
        genaisim.simulate(single).summary()

    timings: dict[str, list[float]] = {"before": [], "now": [], "models": [], "summary": []}
    for _ in range(settings.repeats + 2):  # interleaved, so that load affects all alike
        timings["before"].append(timed(per_replication))
        timings["now"].append(timed(once))
        timings["models"].append(timed(models_alone))
        timings["summary"].append(timed(with_summary))
    before, now, models, summary = (
        1000.0 * statistics.median(timings[k]) for k in ("before", "now", "models", "summary")
    )
    ratio = before / now
    ok = ratio >= TABLES_MIN_SPEEDUP
    print(f"5. simulate(baseline, replications={reps}): tables built once per call")
    print(f"   before (tables per replication, concatenated)  {before:8.1f} ms")
    print(f"   now (tables once)                              {now:8.1f} ms")
    print(f"   the {reps} models alone                          {models:8.1f} ms")
    print(f"   now, with summary()                            {summary:8.1f} ms")
    print(
        f"   speed-up {ratio:.2f}x   target >= {TABLES_MIN_SPEEDUP:g}x   {verdict(ok)}"
        f"   (tables and bookkeeping now {now / models:.2f}x the models alone)"
    )
    print()
    return ok


def bench_hundred(scenario: Scenario, settings: Settings) -> bool:
    """2. and 3. One 100-organisation run: seconds, and agent-steps per second."""
    hundred = with_organisations(scenario, HUNDRED)
    seeds = range(settings.seed, settings.seed + settings.repeats)
    runs = [counted_run(hundred, s) for s in seeds]
    seconds = [r[0] for r in runs]
    median = statistics.median(seconds)
    ok = median < HUNDRED_ORGS_MAX_S
    agent_steps = sum(r[1] for r in runs)
    steps = runs[0][2]
    rate = agent_steps / sum(seconds)
    per_run = ", ".join(f"{t:.3f}" for t in seconds)
    print(f"2. {HUNDRED} organisations, {hundred.simulation.years}-year run, median of {len(runs)}")
    print(
        f"   median {median:8.3f} s    (runs: {per_run})"
        f"   target < {HUNDRED_ORGS_MAX_S:g} s   {verdict(ok)}"
    )
    print()
    print(f"3. Agent-steps per second in the {HUNDRED}-organisation run")
    print(f"   {rate:,.0f} agent-steps/s   no target")
    print(
        f"   counted as: before each of the {steps} steps, len(model.agents) (every live "
        "agent of\n   every type: organisations, owners, deployments, reviewers) is added "
        "to the count;\n   the total over the runs is divided by their total wall time "
        f"({agent_steps:,} agent-steps in {sum(seconds):.3f} s,\n   "
        f"mean {agent_steps / len(runs) / steps:,.0f} live agents per step)."
    )
    print()
    return ok


def bench_scaling(scenario: Scenario, settings: Settings) -> bool:
    """4. Log-log slope of run time against the number of organisations."""
    medians = []
    print(
        "4. Scaling: run time against number of organisations "
        f"(median of {settings.repeats} per size)"
    )
    print(f"   {'orgs':>6} {'median s':>10} {'ms per org':>11}   runs (s)")
    for n in settings.sizes:
        sized = with_organisations(scenario, n)
        seeds = range(settings.seed, settings.seed + settings.repeats)
        seconds = [timed(lambda s=s, sc=sized: run_model(sc, s)) for s in seeds]
        median = statistics.median(seconds)
        medians.append(median)
        runs = ", ".join(f"{t:.3f}" for t in seconds)
        print(f"   {n:>6} {median:>10.3f} {1000.0 * median / n:>11.2f}   {runs}")
    slope = loglog_slope(settings.sizes, medians)
    low, high = SLOPE_RANGE
    ok = low <= slope <= high
    print(
        f"   log-log slope {slope:.3f} (least squares of log time on log n)"
        f"   target {low:g}..{high:g}   {verdict(ok)}"
    )
    print()
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark and print the verdicts."""
    settings = parse_args(argv)
    scenario = genaisim.load_scenario(settings.scenario)
    print_header(settings)
    # Warm-up: imports, caches and the first allocation of every agent class.
    run_model(with_organisations(scenario, 10), WARM_UP_SEED)
    results = {
        f"single organisation < {SINGLE_ORG_MAX_MS:g} ms": bench_single(scenario, settings),
        f"{HUNDRED} organisations < {HUNDRED_ORGS_MAX_S:g} s": bench_hundred(scenario, settings),
        f"scaling slope {SLOPE_RANGE[0]:g}..{SLOPE_RANGE[1]:g}": bench_scaling(scenario, settings),
        f"simulate x{TABLE_REPLICATIONS} >= {TABLES_MIN_SPEEDUP:g}x faster than table by table": (
            bench_tables(scenario, settings)
        ),
    }
    print("Summary")
    for name, ok in results.items():
        print(f"   {verdict(ok)}  {name}")
    if settings.quick:
        print("   (quick smoke run: rerun without --quick for the figures of record)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
