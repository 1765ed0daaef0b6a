"""Benchmarks of the sweep runner (:mod:`genaisim.experiments`), checked against targets.

Every sweep is an experiment of the ``baseline`` scenario (one organisation, 5 years)
with a factorial design over ``ownership.owner_probability`` and many replications,
executed into a fresh temporary results folder. Each configuration runs in its own
fresh Python process, so neither memory nor warm caches carry over from one to the next.

1. Throughput (no target): runs per second of a 300-run sweep executed serially
   in-process (``SerialExecutor``), on a 2-worker process pool
   (``make_executor(workers=2)``) and on a 2-worker Dask ``LocalCluster``
   (``make_executor(workers=2, dask_local=True)``). The time covers planning, running
   and writing the results folder; starting the workers (spawning them and importing
   genaisim) is timed and reported separately. Several sweeps run back to back on the
   same workers, each into its own folder, and the median is reported.
2. Against ``mesa.batch_run``: the same model, parameter values and per-run seeds driven
   by ``mesa.batch_run`` (through :class:`BatchModel`, an adapter taking keyword
   parameters and carrying a ``DataCollector``) and by our runner, 500 runs each:
   ``number_processes=1`` against our serial runner, ``number_processes=2`` against our
   2-worker pool. Wall time from creating the executor (or pool) to closing it, so
   worker start-up counts on both sides, as ``batch_run`` cannot separate it; peak
   memory; and, for context, the same models run in a bare loop (the floor any runner
   pays). The final cumulative net value of every run is checked to be identical on
   all sides. Targets: ours at least 1.5x faster and at most a fifth of the memory.
3. Memory against sweep size: peak memory of our serial runner for 100 and for 2,000
   runs. Target: within 1.3x of each other.

Peak memory of a configuration is the sum, over its process and every descendant process
(pool workers, Dask workers, multiprocessing's resource tracker), of each process's own
peak resident set: for the measured process, its ``ru_maxrss`` at the end (exact); for
the others, ``VmHWM`` sampled from ``/proc`` every 20 ms, the last sample taken after
the process exec'd its own program (a fork that has not exec'd yet shares its parent's
pages and would count them twice). Pages shared between processes (the interpreter and
the libraries' code) count once per process, as ``top`` would show them.

Run ``.venv/bin/python benchmarks/bench_sweep.py`` (Linux only: it reads ``/proc``);
``--quick`` is a smoke run with small sweeps whose figures are indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import mesa

from genaisim.model import GenAISimModel
from genaisim.scenario import Scenario, load_scenario

#: Targets.
SPEED_MIN_RATIO = 1.5  # batch_run seconds / our seconds, at least
MEMORY_MAX_RATIO = 0.2  # our peak memory / batch_run's, at most
GROWTH_MAX_RATIO = 1.3  # peak memory at LARGE runs / at SMALL runs, at most

SCENARIO = "baseline"
YEARS = 5
SEED = 2024
WORKERS = 2
PARAMETER = "ownership.owner_probability"
THROUGHPUT_VALUES = (0.1, 0.5, 0.9)
COMPARISON_VALUES = (0.1, 0.3, 0.5, 0.7, 0.9)
#: replications per design point: full run, quick run
THROUGHPUT_REPLICATIONS = (100, 10)  # x 3 values = 300 runs (quick: 30)
COMPARISON_REPLICATIONS = (100, 10)  # x 5 values = 500 runs (quick: 50)
GROWTH_REPLICATIONS = ((20, 400), (10, 100))  # x 5 values = 100 and 2,000 runs (quick: 50, 500)
POLL_SECONDS = 0.02
REPO = Path(__file__).resolve().parent.parent


# -- the adapter mesa.batch_run needs -----------------------------------------------------
@lru_cache(maxsize=4)
def _base_scenario(name: str, years: int) -> Scenario:
    # Loaded once per process, as our runner parses its base scenario once per worker.
    return load_scenario(name).with_changes({"simulation.years": years})


def _cumulative_value(model: GenAISimModel) -> float:
    return model.organisations[0].cumulative_value


class BatchModel(GenAISimModel):
    """:class:`GenAISimModel` as ``mesa.batch_run`` drives it: keyword parameters, a collector.

    ``batch_run`` passes each of its ``rng`` values to the model as ``rng=`` (it would
    pass ``seed=`` if the signature had one). Given the replication seeds
    ``replication_seed(master seed, r)``, each run gets exactly the seed our runner
    gives replication ``r``. The ``DataCollector`` records organisation 0's cumulative
    net value once, after the last step (``batch_run(data_collection_period=-1)``
    reports the last collection).
    """

    def __init__(
        self,
        owner_probability: float = 0.3,
        years: int = YEARS,
        scenario: str = SCENARIO,
        rng: Any = None,
    ) -> None:
        params = _base_scenario(scenario, years).with_changes({PARAMETER: owner_probability})
        super().__init__(params, rng=rng)
        self.datacollector = mesa.DataCollector(
            model_reporters={"cumulative_value": _cumulative_value}
        )

    def step(self) -> None:
        """One month; collect once the horizon is reached."""
        super().step()
        if not self.running:
            self.datacollector.collect(self)


# -- one configuration, run in a fresh process ---------------------------------------------
@dataclass(frozen=True)
class Config:
    """One measured configuration.

    ``runner`` is ``ours``, ``batch_run`` or ``model`` (the models alone, in a loop);
    ``executor`` is ``serial``, ``pool`` or ``dask``. With ``warm``, the workers are
    started (and import genaisim) before the clock starts, that start-up is reported on
    its own, and ``sweeps`` sweeps run back to back on the same workers, each into its
    own fresh folder. Without it, the time runs from creating the executor to closing it.
    """

    runner: str
    executor: str
    workers: int
    values: tuple[float, ...]
    replications: int
    seed: int
    folder: str
    warm: bool = False
    dump: str | None = None
    sweeps: int = 1

    @property
    def runs(self) -> int:
        """Runs in the sweep."""
        return len(self.values) * self.replications


def current_rss_kib() -> int:
    """This process's resident set now, in KiB."""
    return read_status(os.getpid()).get("VmRSS", 0)


def _ready(hold: float = 0.2) -> int:
    """Warm-up task for a worker: import what run_chunk needs, hold briefly, give the pid."""
    # Imported for its side effect: the worker pays Mesa's import here, not in the timing.
    import genaisim.experiments.runner  # noqa: F401

    time.sleep(hold)  # so that the other workers take the other warm-up tasks
    return os.getpid()


def _warm_up(executor: Any, workers: int, attempts: int = 10) -> int:
    """Start every worker of ``executor``; returns how many distinct workers answered."""
    client = getattr(executor, "_client", None)  # a Dask ClientExecutor
    if client is not None:
        return len(set(client.run(_ready, 0.0).values()))
    answered: set[int] = set()
    for _ in range(attempts):  # a fast worker may take several tasks: try again
        futures = [executor.submit(_ready) for _ in range(workers)]
        answered |= {f.result() for f in futures}
        if len(answered) >= workers:
            break
    return len(answered)


def run_ours(config: Config) -> dict[str, Any]:
    """Plan and execute the sweep with genaisim's runner; timings in seconds."""
    from genaisim.experiments import execute, experiment_from_dict, make_executor, plan

    experiment = experiment_from_dict(
        {
            "name": "bench_sweep",
            "scenario": SCENARIO,
            "replications": config.replications,
            "years": YEARS,
            "seed": config.seed,
            "design": {"kind": "factorial", "parameters": {PARAMETER: list(config.values)}},
        }
    )
    ready_rss = current_rss_kib()
    answered = 0
    seconds: list[float] = []
    start = time.perf_counter()
    with make_executor(
        workers=config.workers,
        serial=config.executor == "serial",
        dask_local=config.executor == "dask",
    ) as (executor, size):
        if config.warm and config.executor != "serial":
            answered = _warm_up(executor, size)
        ready = time.perf_counter()
        for sweep in range(config.sweeps if config.warm else 1):
            sweep_start = time.perf_counter()
            folder = Path(config.folder) / f"sweep-{sweep}"
            summary = execute(plan(experiment), folder, executor, workers=size)
            seconds.append(time.perf_counter() - sweep_start)
            if summary.completed != config.runs or summary.failed:
                raise RuntimeError(f"sweep incomplete: {summary}")
    end = time.perf_counter()
    return {
        "seconds": seconds if config.warm else [end - start],
        "startup": ready - start,
        "workers_answered": answered,
        "ready_rss_kib": ready_rss,
    }


def run_batch(config: Config) -> dict[str, Any]:
    """The same sweep through ``mesa.batch_run``; optionally dump each run's result."""
    from mesa.batchrunner import batch_run

    from genaisim.results import replication_seed

    seeds = [replication_seed(config.seed, r) for r in range(config.replications)]
    ready_rss = current_rss_kib()
    start = time.perf_counter()
    rows = batch_run(
        BatchModel,
        parameters={"owner_probability": list(config.values), "years": YEARS},
        number_processes=config.workers if config.executor != "serial" else 1,
        data_collection_period=-1,
        max_steps=12 * YEARS,
        display_progress=False,
        rng=seeds,
    )
    seconds = [time.perf_counter() - start]
    if len(rows) != config.runs:
        raise RuntimeError(f"batch_run returned {len(rows)} rows for {config.runs} runs")
    if config.dump:
        values = [[r["owner_probability"], r["iteration"], r["cumulative_value"]] for r in rows]
        Path(config.dump).write_text(json.dumps(values), encoding="utf-8")
    return {"seconds": seconds, "ready_rss_kib": ready_rss}


def run_model_alone(config: Config) -> dict[str, Any]:
    """The floor: the same models constructed and run in a plain loop, nothing collected."""
    from genaisim.results import replication_seed

    base = _base_scenario(SCENARIO, YEARS)
    ready_rss = current_rss_kib()
    rows = []
    start = time.perf_counter()
    for replication in range(config.replications):
        seed = replication_seed(config.seed, replication)
        for value in config.values:
            model = GenAISimModel(base.with_changes({PARAMETER: value}), rng=seed).run()
            rows.append([value, replication, model.organisations[0].cumulative_value])
    seconds = [time.perf_counter() - start]
    if config.dump:
        Path(config.dump).write_text(json.dumps(rows), encoding="utf-8")
    return {"seconds": seconds, "ready_rss_kib": ready_rss}


def child(config: Config) -> None:
    """Run one configuration and print its figures as one JSON line."""
    run = {"ours": run_ours, "batch_run": run_batch, "model": run_model_alone}[config.runner]
    figures = run(config)
    figures["maxrss_self_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures["maxrss_children_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(figures), flush=True)


# -- measuring a configuration from outside -----------------------------------------------
def read_status(pid: int) -> dict[str, int]:
    """The kB fields of /proc/<pid>/status (VmRSS, VmHWM, ...); empty if it is gone."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if value.strip().endswith("kB"):
                    fields[key] = int(value.split()[0])
    except (OSError, ValueError):
        return {}
    return fields


def command_line(pid: int) -> bytes:
    """A process's command line (empty if it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it (children of every thread, recursively)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    queue.extend(int(c) for c in handle.read().split())
            except OSError:
                pass
    return found


@dataclass(frozen=True)
class Measurement:
    """What one configuration took, over one or more fresh processes."""

    config: Config
    seconds: list[float]  # every timed sweep
    figures: dict[str, Any]  # the first process's own report
    peak_mib: float  # sum over the process tree of each process's peak RSS (max over repeats)
    processes: int  # processes seen in the tree, the measured one included

    @property
    def median(self) -> float:
        """Median timed seconds."""
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        """Runs per second at the median time."""
        return self.config.runs / self.median

    def spread(self) -> str:
        """The range of the timed seconds, when there are several."""
        if len(self.seconds) < 2:
            return ""
        return f"{min(self.seconds):.2f}-{max(self.seconds):.2f}"


def measure_once(config: Config) -> tuple[dict[str, Any], float, int]:
    """Run ``config`` in a fresh interpreter, sampling its process tree's memory.

    Returns the child's figures, the tree's peak memory in MiB and how many processes
    the tree had.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(asdict(config))]
    peaks: dict[int, int] = {}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, cwd=REPO)
        own = command_line(process.pid)
        while process.poll() is None:
            for pid in descendants(process.pid):
                peak = read_status(pid).get("VmHWM", 0)
                if pid == process.pid:
                    peaks[pid] = max(peaks.get(pid, 0), peak)
                # Spawning a worker forks the measured process, then execs a fresh
                # interpreter, whose peak starts again from zero. Until the exec, the fork
                # shares (so appears to hold) all of its parent's memory: a reading is kept
                # only if the command line read after it is no longer the parent's, and
                # the latest kept reading of each process stands for its peak.
                elif command_line(pid) not in (own, b""):
                    peaks[pid] = peak
            time.sleep(POLL_SECONDS)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(
            f"{config.runner}/{config.executor} failed ({process.returncode}):\n{stderr[-3000:]}"
        )
    figures = json.loads(stdout.strip().splitlines()[-1])
    peaks[process.pid] = max(peaks.get(process.pid, 0), figures["maxrss_self_kib"])
    return figures, sum(peaks.values()) / 1024, len(peaks)


def measure(config: Config, repeats: int = 1) -> Measurement:
    """Measure ``config`` in ``repeats`` fresh processes (the first keeps the given folders)."""
    seconds: list[float] = []
    peak, processes, first = 0.0, 0, None
    for repeat in range(repeats):
        run = config
        if repeat:  # later repeats write elsewhere, so the first one's results stay to check
            run = replace(
                config,
                folder=f"{config.folder}-{repeat}" if config.folder else "",
                dump=f"{config.dump}-{repeat}" if config.dump else None,
            )
        figures, tree_peak, tree_size = measure_once(run)
        first = first or figures
        seconds += figures["seconds"]
        peak = max(peak, tree_peak)
        processes = max(processes, tree_size)
    assert first is not None
    return Measurement(config, seconds, first, peak, processes)


# -- checks and printing ----------------------------------------------------------------------
def ours_by_run(folder: str) -> dict[tuple[float, int], float]:
    """Organisation 0's final cumulative net value per (owner probability, replication)."""
    from genaisim.experiments import load_sweep

    runs = load_sweep(Path(folder) / "sweep-0").runs
    runs = runs[runs["organisation"] == 0]  # the sweeps have one organisation
    return {
        (float(p), int(r)): float(v)
        for p, r, v in zip(
            runs[PARAMETER], runs["replication"], runs["cumulative_net_value"], strict=True
        )
    }


def by_run(dump: str) -> dict[tuple[float, int], float]:
    """The same from a dump of (owner probability, replication, value) rows."""
    rows = json.loads(Path(dump).read_text(encoding="utf-8"))
    return {(float(p), int(i)): float(v) for p, i, v in rows}


def agreement(reference: dict, other: dict) -> tuple[int, int, float]:
    """(runs equal, runs compared, largest absolute difference) of two result maps."""
    keys = set(reference) | set(other)
    equal = sum(1 for k in keys if k in reference and k in other and reference[k] == other[k])
    gap = max(
        (abs(reference[k] - other[k]) for k in keys if k in reference and k in other),
        default=float("inf"),
    )
    return equal, len(keys), gap


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
    """The git commit, marked when src/ has local changes."""
    try:
        git = ["git", "-C", str(REPO)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + local changes in src/" if dirty else commit


def version(package: str) -> str:
    """An installed package's version, or 'not installed'."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def print_header(quick: bool) -> None:
    """Date, machine and versions."""
    print(
        "genaisim sweep-runner benchmark" + (" (QUICK: figures indicative only)" if quick else "")
    )
    print(f"  date       {datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"  platform   {platform.platform()}")
    print(f"  CPU        {cpu_model()}")
    print(f"  cores      {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  load avg   {load} (1, 5, 15 min; other work on the machine skews the figures)")
    print(f"  Python     {platform.python_version()} ({platform.python_implementation()})")
    print(f"  Mesa       {version('mesa')}   distributed {version('distributed')}")
    print(f"  genaisim   {version('genaisim')} at {source_revision()}")
    print(
        f"  sweeps     scenario {SCENARIO}, 1 organisation, {YEARS} years, master seed "
        f"{SEED}, factorial over {PARAMETER}"
    )
    print()


def busy_cpu_seconds() -> tuple[float, float]:
    """(CPU seconds the whole machine has been busy, CPU seconds of this process and its
    waited-for descendants), both since boot or start."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    machine = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # up to steal
    t = os.times()
    return machine, t.user + t.system + t.children_user + t.children_system


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def mib(kib: float) -> str:
    """KiB as MiB text."""
    return f"{kib / 1024:.0f} MiB"


# -- the benchmarks ---------------------------------------------------------------------------
def bench_throughput(root: Path, replications: int, sweeps: int, seed: int) -> None:
    """1. Runs per second: serial, 2-worker process pool, 2-worker Dask LocalCluster."""
    values = THROUGHPUT_VALUES
    runs = len(values) * replications
    print(
        f"1. Throughput: {len(values)} values x {replications} replications = {runs} runs per "
        f"sweep, {sweeps} sweeps back to back per executor,\n   each timed from planning to "
        "its last part file written; median (range). No target."
    )
    print(
        f"   {'executor':<36} {'seconds':>17} {'runs/s':>7} {'start-up s':>11} "
        f"{'peak memory':>12}  processes"
    )
    for label, executor in (
        ("serial in-process (SerialExecutor)", "serial"),
        (f"process pool, {WORKERS} workers", "pool"),
        (f"Dask LocalCluster, {WORKERS} workers", "dask"),
    ):
        config = Config(
            "ours",
            executor,
            WORKERS,
            values,
            replications,
            seed,
            str(root / f"1-{executor}"),
            warm=True,
            sweeps=sweeps,
        )
        m = measure(config)
        startup = "-" if executor == "serial" else f"{m.figures['startup']:.2f}"
        timed = f"{m.median:.2f}" + (f" ({m.spread()})" if m.spread() else "")
        print(
            f"   {label:<36} {timed:>17} {m.rate:>7.1f} {startup:>11} "
            f"{m.peak_mib:>8.0f} MiB  {m.processes}"
        )
        if executor != "serial" and m.figures["workers_answered"] != WORKERS:
            print(f"   (only {m.figures['workers_answered']} workers answered the warm-up)")
    print(
        "   start-up (not in the timing): creating the pool or cluster, spawning the workers and\n"
        "   importing genaisim in each (Dask: client.run on every worker; pool: a warm-up task "
        "per\n   worker, held 0.2 s, repeated until every worker has answered). Peak memory as "
        "in 2."
    )
    print()


def _row(name: str, m: Measurement, serial: bool) -> str:
    timed = f"{m.median:.2f}" + (f" ({m.spread()})" if m.spread() else "")
    ready = m.figures["ready_rss_kib"]
    tail = f" {m.peak_mib - ready / 1024:>4.0f} MiB" if serial else f"  ({m.processes} processes)"
    return (
        f"   {name:<31} {timed:>17} {m.rate:>7.1f} {m.peak_mib:>8.0f} MiB {mib(ready):>14}" + tail
    )


def bench_batch_run(
    root: Path, replications: int, repeats: int, seed: int
) -> list[tuple[str, bool]]:
    """2. Our runner against mesa.batch_run, serial and with two processes."""
    values = COMPARISON_VALUES
    runs = len(values) * replications
    print(
        f"2. Against mesa.batch_run: {len(values)} values x {replications} replications = "
        f"{runs} runs, the same seeds; each configuration run\n   {repeats} time(s), each in a "
        "fresh process; seconds: median (range), from creating the executor or pool\n   to "
        "closing it (worker start-up included on both sides); peak memory: the largest of the "
        "repeats"
    )
    verdicts: list[tuple[str, bool]] = []
    maps: dict[str, dict] = {}
    for executor, label in (("serial", "1 process"), ("pool", f"{WORKERS} processes")):
        serial = executor == "serial"
        folder = str(root / f"2-{executor}")
        ours = measure(
            Config("ours", executor, WORKERS, values, replications, seed, folder), repeats
        )
        dump = str(root / f"2-batch-{executor}.json")
        batch = measure(
            Config("batch_run", executor, WORKERS, values, replications, seed, "", dump=dump),
            repeats,
        )
        rows = [("ours", ours), ("mesa.batch_run", batch)]
        maps[f"ours {label}"] = ours_by_run(folder)
        maps[f"batch_run {label}"] = by_run(dump)
        floor = None
        if serial:
            floor_dump = str(root / "2-model-alone.json")
            floor = measure(
                Config("model", executor, 1, values, replications, seed, "", dump=floor_dump),
                repeats,
            )
            rows.append(("model alone (floor, no target)", floor))
            maps["model alone"] = by_run(floor_dump)
        speed = batch.median / ours.median
        memory = ours.peak_mib / batch.peak_mib
        speed_ok = speed >= SPEED_MIN_RATIO
        memory_ok = memory <= MEMORY_MAX_RATIO
        print(f"   {label}:")
        print(
            f"   {'':<31} {'seconds':>17} {'runs/s':>7} {'peak memory':>12} {'after imports':>14}"
            + (f" {'growth':>8}" if serial else "")
        )
        for name, m in rows:
            print(_row(name, m, serial))
        print(
            f"   speed:  ours faster by {speed:.2f}x   target >= {SPEED_MIN_RATIO:g}x   "
            f"{verdict(speed_ok)}"
            + ("" if speed_ok else f" (short by a factor {SPEED_MIN_RATIO / speed:.2f})")
        )
        if floor is not None:
            print(
                "           (ceiling for any runner of this model: batch_run / model alone = "
                f"{batch.median / floor.median:.2f}x)"
            )
        print(
            f"   memory: ours / batch_run = {memory:.2f}   target <= {MEMORY_MAX_RATIO:g}   "
            f"{verdict(memory_ok)}"
            + ("" if memory_ok else f" (over by a factor {memory / MEMORY_MAX_RATIO:.1f})")
        )
        if floor is not None:
            print(
                "           (floor for any process running this model: "
                f"{mib(floor.figures['ready_rss_kib'])} after importing it, "
                f"{floor.figures['ready_rss_kib'] / 1024 / batch.peak_mib:.2f} of batch_run's peak)"
            )
        verdicts.append((f"{label}: ours >= {SPEED_MIN_RATIO:g}x faster than batch_run", speed_ok))
        verdicts.append(
            (f"{label}: ours <= {MEMORY_MAX_RATIO:g} of batch_run's peak memory", memory_ok)
        )
    reference_name = next(iter(maps))
    reference = maps[reference_name]
    print(
        f"   same results? organisation 0's final cumulative net value, against {reference_name}:"
    )
    all_equal = True
    for name, other in list(maps.items())[1:]:
        equal, compared, gap = agreement(reference, other)
        all_equal &= equal == compared == runs
        print(f"     {name:<26} identical in {equal} of {compared} runs (largest gap {gap:g})")
    verdicts.append((f"all {len(maps)} sweeps give identical results, run by run", all_equal))
    print(
        "   peak memory: sum over the process tree of each process's peak RSS; after imports: "
        "RSS of the\n   measured process just before the sweep starts; growth: peak minus that."
    )
    print()
    return verdicts


def bench_growth(root: Path, sizes: tuple[int, int], seed: int) -> list[tuple[str, bool]]:
    """3. Peak memory of our serial runner for a small and a large sweep."""
    values = COMPARISON_VALUES
    measured = [
        measure(Config("ours", "serial", 1, values, reps, seed, str(root / f"3-{reps}")))
        for reps in sizes
    ]
    small, large = measured
    ratio = large.peak_mib / small.peak_mib
    ok = ratio <= GROWTH_MAX_RATIO
    print(
        f"3. Memory against sweep size: our serial runner, {small.config.runs} vs "
        f"{large.config.runs} runs, each in a fresh process"
    )
    for m in measured:
        print(
            f"   {m.config.runs:>6} runs   peak {m.peak_mib:>5.0f} MiB   after imports "
            f"{mib(m.figures['ready_rss_kib'])}   ({m.median:.1f} s, {m.rate:.0f} runs/s)"
        )
    print(
        f"   ratio {ratio:.2f}   target <= {GROWTH_MAX_RATIO:g}   {verdict(ok)}"
        + ("" if ok else f" (over by a factor {ratio / GROWTH_MAX_RATIO:.2f})")
    )
    print()
    return [
        (
            f"peak memory at {large.config.runs} runs <= {GROWTH_MAX_RATIO:g}x "
            f"that at {small.config.runs}",
            ok,
        )
    ]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark genaisim's sweep runner: throughput serially, on a process pool and "
            "on Dask; speed and memory against mesa.batch_run; memory against sweep size. "
            "Every configuration runs in a fresh Python process. Linux only (reads /proc)."
        )
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 30-run and 50-run sweeps, 50 vs 500 runs for the memory growth, "
        "one repeat (figures indicative only)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"master seed (default {SEED})")
    parser.add_argument(
        "--sweeps",
        type=int,
        help="throughput: sweeps back to back per executor, median taken (default 5; quick 2)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="batch_run comparison: fresh processes per configuration, median taken "
        "(default 3; quick 1)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the results folders and print where they are"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sweeps = args.sweeps if args.sweeps is not None else (2 if args.quick else 5)
    args.repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    if args.seed < 0:
        parser.error("--seed must be zero or more")
    if args.sweeps < 1 or args.repeats < 1:
        parser.error("--sweeps and --repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three benchmarks and print the verdicts."""
    args = parse_args(argv)
    if args.child:
        data = json.loads(args.child)
        child(Config(**{**data, "values": tuple(data["values"])}))
        return 0
    if not Path("/proc/self/status").exists():
        print("bench_sweep.py reads /proc to measure memory: run it on Linux.", file=sys.stderr)
        return 2
    quick = 1 if args.quick else 0
    print_header(args.quick)
    root = Path(tempfile.mkdtemp(prefix="bench_sweep-"))
    machine_start, ours_start = busy_cpu_seconds()
    wall_start = time.perf_counter()
    try:
        bench_throughput(root, THROUGHPUT_REPLICATIONS[quick], args.sweeps, args.seed)
        verdicts = bench_batch_run(root, COMPARISON_REPLICATIONS[quick], args.repeats, args.seed)
        verdicts += bench_growth(root, GROWTH_REPLICATIONS[quick], args.seed)
    finally:
        if args.keep:
            print(f"results folders kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    machine_end, ours_end = busy_cpu_seconds()
    wall = time.perf_counter() - wall_start
    other = max(0.0, (machine_end - machine_start) - (ours_end - ours_start))
    skewed = " -- the figures may be skewed" if other > 0.05 * wall else ""
    print(
        f"Other work on the machine during the {wall:.0f} s run: {other:.1f} CPU-seconds "
        f"({100 * other / wall:.0f}% of one core){skewed}"
    )
    print()
    print("Summary")
    for name, ok in verdicts:
        print(f"   {verdict(ok)}  {name}")
    if args.quick:
        print("   (quick smoke run: rerun without --quick for the figures of record)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
