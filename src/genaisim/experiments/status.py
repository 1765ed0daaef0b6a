"""Before and during a sweep: how long it would take, and how far a results folder has got.

    >>> from genaisim.experiments import load_experiment, plan
    >>> from genaisim.experiments.status import estimate_time, folder_status
    >>> the_plan = plan(load_experiment("experiments/foundations.toml"))
    >>> estimate_time(the_plan, workers=2).seconds          # doctest: +SKIP
    >>> folder_status("results/foundations", the_plan).done  # doctest: +SKIP

Nothing here writes anything.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genaisim.experiments.design import Plan
from genaisim.experiments.runner import run_chunk
from genaisim.experiments.store import MANIFEST, ResultsFolder

#: Runs timed for an estimate: enough to smooth one unusually slow or fast run, few
#: enough that ``genaisim plan`` answers in seconds.
TIMED_RUNS = 5


@dataclass(frozen=True)
class TimeEstimate:
    """An extrapolated wall time for a plan, from a few runs timed in this process.

    Attributes:
        runs: unique runs the plan holds.
        timed: how many of them were timed.
        seconds_per_run: mean wall time of a timed run.
        workers: the workers the estimate assumes.

    """

    runs: int
    timed: int
    seconds_per_run: float
    workers: int
    #: wall time a new worker process took to start and import the model, measured here
    startup_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        """Estimated wall time: starting the workers, then every run's time shared among them.

        It assumes each worker runs as fast as this process did alone, so it is low on
        machines whose cores slow down when all are busy.
        """
        share = self.seconds_per_run * self.runs / max(1, min(self.workers, self.runs))
        return self.startup_seconds + share


def estimate_time(plan: Plan, workers: int, samples: int = TIMED_RUNS) -> TimeEstimate:
    """Time ``samples`` runs of ``plan`` here and extrapolate to all of them on ``workers``.

    The timed runs are spread evenly over the plan rather than taken from its start:
    design points differ in cost (an organisation with many live systems does more
    work each month), and the first runs of a factorial all share one point.
    Recording monthly columns and deployments is included, as the sweep would do it.
    """
    experiment = plan.experiment
    runs = plan.unique_runs
    picks = np.unique(np.linspace(0, len(runs) - 1, min(samples, len(runs))).round().astype(int))
    chosen = runs.iloc[picks]
    payload = [
        (rid, int(rep), experiment.seed, plan.changes[int(point)])
        for rid, rep, point in zip(
            chosen["run_id"], chosen["replication"], chosen["point"], strict=True
        )
    ]
    base = experiment.base_scenario().model_dump_json()
    # A worker is a new process that imports the model before its first run: start one
    # now, beside the timed runs, and see how long it takes.
    worker = subprocess.Popen(
        [sys.executable, "-c", "import genaisim.experiments.runner"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    launched = time.perf_counter()
    started = time.perf_counter()
    run_chunk(base, payload, tuple(experiment.timeseries), experiment.deployments)
    elapsed = time.perf_counter() - started
    worker.wait()
    startup = time.perf_counter() - launched if worker.returncode == 0 else 0.0
    return TimeEstimate(len(runs), len(payload), elapsed / max(1, len(payload)), workers, startup)


@dataclass(frozen=True)
class FolderStatus:
    """What a results folder holds with respect to one plan.

    Attributes:
        path: the folder.
        exists: whether the folder exists (empty or not).
        is_results: whether it holds a sweep's manifest.
        same_experiment: whether that sweep is this plan's experiment.
        done: runs of this plan with results on disk (0 unless ``same_experiment``).
        planned: unique runs of the plan.

    """

    path: Path
    exists: bool
    is_results: bool
    same_experiment: bool
    done: int
    planned: int


def folder_status(folder: str | Path, plan: Plan) -> FolderStatus:
    """How far ``folder`` has got with ``plan`` (nothing is written)."""
    path = Path(folder)
    store = ResultsFolder(path)
    is_results = (path / MANIFEST).is_file()
    same = False
    done = 0
    if is_results:
        same = store.manifest().get("fingerprint") == plan.experiment.fingerprint()
        if same:
            done = len(store.done_ids(skip_damaged=True) & set(plan.runs["run_id"]))
    return FolderStatus(path, path.exists(), is_results, same, done, len(plan))


__all__ = ["FolderStatus", "TimeEstimate", "estimate_time", "folder_status"]
