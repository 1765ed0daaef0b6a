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
one would. A resumed sweep starts from the replications the folder's plan already holds,
so the plan on disk never shrinks and no finished run drops out of view. The settings are
recorded in the folder's manifest (``adaptive``), so that a resumed sweep can reuse them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from genaisim.experiments.design import Plan, run_id
from genaisim.experiments.runner import execute
from genaisim.experiments.spec import ExperimentError
from genaisim.experiments.store import (
    MANIFEST,
    DamagedFileError,
    ResultsFolder,
    load_sweep,
    read_parquet,
    write_json,
)
from genaisim.intervals import t_half_width
from genaisim.results import COUNT_OUTCOMES, FINAL_STATE, replication_seed

#: The default cap on replications per design point.
MAX_REPLICATIONS = 100
#: The default outcome whose interval decides.
OUTCOME = "cumulative_net_value"
#: The numeric final outcomes of a run (every column of the results but the label):
#: the outcomes an interval can be computed for. Known before any run, so that a
#: mistaken outcome is refused up front; a test checks it against a real sweep's columns.
NUMERIC_OUTCOMES: tuple[str, ...] = (
    "cumulative_net_value",
    "net_value_last_year",
    "net_value_year_before",
    "months_to_payback",
    "median_months_to_production",
    *COUNT_OUTCOMES,
    "flags_acted",
    *FINAL_STATE,
)


def check_outcome(outcome: str) -> None:
    """Refuse an outcome that has no mean to put an interval around (such as ``label``)."""
    if outcome not in NUMERIC_OUTCOMES:
        what = "is not numeric" if outcome == "label" else "is not an outcome"
        raise ExperimentError(
            f"outcome {outcome!r} {what}; an interval needs a numeric outcome, one of: "
            f"{', '.join(NUMERIC_OUTCOMES)}"
        )


def recorded_settings(folder: str | Path) -> dict[str, Any] | None:
    """The adaptive settings recorded in ``folder`` (None if it holds no adaptive sweep).

    A dict with ``outcome``, ``precision`` and ``max_replications``, plus the state the
    sweep reached (``rounds``, ``replications``).
    """
    path = Path(folder)
    if not (path / MANIFEST).is_file():
        return None
    try:
        adaptive = ResultsFolder(path).manifest().get("adaptive")
    except ExperimentError:
        return None
    return adaptive if isinstance(adaptive, dict) else None


def planned_replications(folder: str | Path, plan: Plan) -> list[int]:
    """Replications per design point of ``plan`` already in ``folder``'s plan (0 if none).

    Only a folder holding ``plan``'s experiment counts; any other gives zeros.
    """
    path = Path(folder)
    counts = [0] * len(plan.points)
    runs_file = path / "plan" / "runs.parquet"
    if not (path / MANIFEST).is_file() or not runs_file.is_file():
        return counts
    try:
        if ResultsFolder(path).manifest().get("fingerprint") != plan.experiment.fingerprint():
            return counts
        runs = read_parquet(runs_file, columns=["point", "replication"])
    except (DamagedFileError, ExperimentError):
        return counts
    for point, top in runs.groupby("point")["replication"].max().items():
        if 0 <= int(point) < len(counts):
            counts[int(point)] = int(top) + 1
    return counts


def first_round(plan: Plan, folder: str | Path) -> Plan:
    """The plan the next adaptive session starts with: the folder's plan, never less."""
    start = plan.experiment.replications
    on_disk = planned_replications(folder, plan)
    return with_replications(plan, [max(start, n) for n in on_disk])


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
    table["half_width"] = t_half_width(table["std"].to_numpy(float), n, confidence)
    return table


def execute_until(
    plan: Plan,
    folder: str | Path,
    executor: Executor | None = None,
    workers: int = 1,
    outcome: str = OUTCOME,
    precision: float = 0.05,
    max_replications: int = MAX_REPLICATIONS,
    progress: bool | Callable[[int], Any] = False,
    repair: bool = False,
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
        repair: first remove damaged part files, so that their runs run again.

    A folder that already holds this experiment is resumed from the replications its
    plan holds (never fewer), so no run already on disk drops out of the plan.

    """
    check_outcome(outcome)
    if not 0 < precision < 1:
        raise ExperimentError(f"precision = {precision}: give a share between 0 and 1")
    start = plan.experiment.replications
    if max_replications < start:
        raise ExperimentError(
            f"max_replications = {max_replications} is below the experiment's {start} "
            f"replication{'' if start == 1 else 's'}"
        )
    replications = [max(start, n) for n in planned_replications(folder, plan)]
    started = time.perf_counter()
    completed = failed = rounds = 0
    while True:
        rounds += 1
        summary = execute(
            with_replications(plan, replications),
            folder,
            executor,
            workers,
            progress,
            repair=repair and rounds == 1,
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
    if not (store.path / MANIFEST).is_file():
        return
    manifest = store.manifest()
    manifest["adaptive"] = {
        "outcome": outcome,
        "precision": precision,
        "max_replications": max_replications,
        "rounds": rounds,
        "replications": replications,
    }
    write_json(store.path / MANIFEST, manifest)


__all__ = [
    "NUMERIC_OUTCOMES",
    "AdaptiveSummary",
    "check_outcome",
    "execute_until",
    "first_round",
    "half_widths",
    "planned_replications",
    "recorded_settings",
    "with_replications",
]
