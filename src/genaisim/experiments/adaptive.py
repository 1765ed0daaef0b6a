"""Adaptive replications: add replications per design point until an interval is narrow enough.

    >>> from genaisim.experiments import load_experiment, plan
    >>> from genaisim.experiments.adaptive import execute_until
    >>> execute_until(plan(load_experiment("experiments/foundations.toml")), "results/f",
    ...               precision=0.05)                                         # doctest: +SKIP

The sweep runs in rounds. Round 0 is the plan as written (``replications`` per point).
After each round, every point still short of the target gets its replications doubled
(up to ``max_replications``); a point is on target when the 95% confidence interval of
its mean ``outcome`` (Student's t over its replications, each averaged over its
organisations) has a half-width of at most ``precision`` times the absolute mean.

Every decision reads only the replications the previous round planned, and every run's
result depends only on its parameters, replication and seed; so the rounds, and the
results, are the same whichever executor runs them, and a sweep killed at any moment
and run again with the same settings skips what is done and ends where an uninterrupted
one would.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from genaisim.experiments.design import Plan, run_id
from genaisim.experiments.runner import execute
from genaisim.experiments.spec import ExperimentError
from genaisim.experiments.store import MANIFEST, ResultsFolder, load_sweep, write_json
from genaisim.results import replication_seed

#: The default cap on replications per design point.
MAX_REPLICATIONS = 100


@dataclass(frozen=True)
class AdaptiveSummary:
    """How an adaptive sweep went.

    Attributes:
        folder: the results folder.
        rounds: rounds run (1: the plan as written was enough).
        replications: replications per design point at the end, in point order.
        unmet: design points that reached ``max_replications`` still short of the target.
        completed: runs executed in this session (earlier sessions' runs are skipped).
        failed: runs that raised in this session.
        seconds: wall time of this session.

    """

    folder: Path
    rounds: int
    replications: list[int]
    unmet: list[int]
    completed: int
    failed: int
    seconds: float


def with_replications(plan: Plan, replications: list[int]) -> Plan:
    """``plan`` with ``replications[i]`` replications at design point ``i``."""
    experiment = plan.experiment
    fingerprint = experiment.fingerprint()
    rows = [
        {
            "point": point,
            "replication": r,
            "seed": replication_seed(experiment.seed, r),
            "run_id": run_id(changes, r, experiment.seed, fingerprint),
        }
        for point, changes in enumerate(plan.changes)
        for r in range(replications[point])
    ]
    return dataclasses.replace(plan, runs=pd.DataFrame(rows))


def half_widths(
    folder: str | Path, outcome: str, replications: list[int], confidence: float = 0.95
) -> pd.DataFrame:
    """Mean and interval half-width of ``outcome`` per point, over its planned replications.

    Only replications below ``replications[point]`` count, so a round's decision does
    not depend on runs a later round (perhaps cut short) added.
    """
    results = load_sweep(folder)
    runs = results.runs
    if runs.empty:
        raise ExperimentError(f"{folder}: no runs have results")
    if outcome not in runs.columns:
        raise ExperimentError(
            f"{folder}: no outcome {outcome!r}; choose from: "
            f"{', '.join(c for c in runs.columns if c not in ('run_id', 'seed'))}"
        )
    means = runs.groupby(["point", "replication"])[outcome].mean().reset_index()
    limit = means["point"].map(dict(enumerate(replications)))
    means = means[means["replication"] < limit]
    table = means.groupby("point")[outcome].agg(["mean", "std", "count"])
    table = table.reindex(range(len(replications)))
    n = table["count"].fillna(0).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + confidence / 2, np.where(n > 1, n - 1, np.nan))
        table["half_width"] = t * table["std"].to_numpy(float) / np.sqrt(n)
    return table


def execute_until(
    plan: Plan,
    folder: str | Path,
    executor: Executor | None = None,
    workers: int = 1,
    outcome: str = "cumulative_net_value",
    precision: float = 0.05,
    max_replications: int = MAX_REPLICATIONS,
    progress: bool | Callable[[int], Any] = False,
) -> AdaptiveSummary:
    """Run ``plan``, then add replications per point until each interval is narrow enough.

    Args:
        plan: the plan; its replications are the first round.
        folder: the results folder (resumed if it holds this experiment).
        executor: any ``concurrent.futures.Executor``; in-process when omitted.
        workers: how many workers the executor has.
        progress: as for :func:`genaisim.experiments.execute`, over all rounds.
        outcome: the outcome whose interval decides.
        precision: the target: half-width of the 95% interval at most this share of
            the absolute mean (0.05: within 5%).
        max_replications: no point gets more replications than this.

    """
    if not 0 < precision < 1:
        raise ExperimentError(f"precision = {precision}: give a share between 0 and 1")
    start = plan.experiment.replications
    if max_replications < start:
        raise ExperimentError(
            f"max_replications = {max_replications} is below the experiment's {start} replications"
        )
    replications = [start] * len(plan.points)
    started = time.perf_counter()
    completed = failed = rounds = 0
    while True:
        rounds += 1
        summary = execute(
            with_replications(plan, replications), folder, executor, workers, progress
        )
        completed += summary.completed
        failed += summary.failed
        table = half_widths(folder, outcome, replications)
        on_target = (table["half_width"] <= precision * table["mean"].abs()).to_numpy()
        short = [
            p
            for p in range(len(replications))
            if not on_target[p] and replications[p] < max_replications
        ]
        _record(folder, outcome, precision, max_replications, replications, rounds)
        if not short:
            break
        for p in short:
            replications[p] = min(max_replications, 2 * replications[p])
    unmet = [p for p in range(len(replications)) if not on_target[p]]
    return AdaptiveSummary(
        Path(folder),
        rounds,
        replications,
        unmet,
        completed,
        failed,
        time.perf_counter() - started,
    )


def _record(
    folder: str | Path,
    outcome: str,
    precision: float,
    max_replications: int,
    replications: list[int],
    rounds: int,
) -> None:
    """Note the adaptive settings and where they stand in the folder's manifest."""
    store = ResultsFolder(folder)
    manifest = store.manifest()
    manifest["adaptive"] = {
        "outcome": outcome,
        "precision": precision,
        "max_replications": max_replications,
        "rounds": rounds,
        "replications": replications,
    }
    write_json(store.path / MANIFEST, manifest)


__all__ = ["AdaptiveSummary", "execute_until", "half_widths", "with_replications"]
