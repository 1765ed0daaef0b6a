"""Executing a plan with any ``concurrent.futures`` executor, streaming results to disk.

    >>> from genaisim.experiments import load_experiment, plan, execute
    >>> summary = execute(plan(load_experiment("experiments/foundations.toml")), "results/f")

Runs are grouped in chunks so each task is worth sending to a worker; chunks are
submitted a few at a time, so memory does not grow with the number of runs; every
finished chunk is written to the results folder at once. A run that raises is
recorded as failed and the others go on. Running again into the same folder skips
the runs already done.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import itertools
import math
import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genaisim.errors import GenaisimError
from genaisim.experiments.design import Plan
from genaisim.experiments.store import ResultsFolder
from genaisim.files import FolderLock
from genaisim.model import DEPLOYMENT_COLUMNS, GenAISimModel
from genaisim.results import final_figures, replication_seed
from genaisim.scenario import Scenario

#: A chunk takes roughly this many runs at most; fewer when there are few runs per worker.
MAX_CHUNK = 100
#: ... and at most this many organisation-months, so a chunk of large populations or long
#: horizons holds as much as a chunk of a hundred small runs (a few megabytes).
MAX_CHUNK_ORGANISATION_MONTHS = 100 * 60 * 10


@dataclass(frozen=True)
class SweepSummary:
    """How a sweep went: runs planned, already done before, run now, failed, and time.

    ``repaired`` counts the damaged part files removed before the sweep (their runs ran
    again).
    """

    folder: Path
    planned: int
    skipped: int
    completed: int
    failed: int
    seconds: float
    repaired: int = 0

    @property
    def rate(self) -> float:
        """Runs per second in this session."""
        return (self.completed + self.failed) / self.seconds if self.seconds > 0 else 0.0


class SerialExecutor(Executor):
    """Runs each task in the calling process when it is submitted (for debugging and tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future


#: A Dask scheduler's address: protocol, host and port.
SCHEDULER_ADDRESS = re.compile(r"(tcp|tls|ucx|ws|wss)://[A-Za-z0-9.\-_\[\]:]+:\d{1,5}/?")


@contextlib.contextmanager
def make_executor(
    workers: int | None = None,
    serial: bool = False,
    scheduler: str | None = None,
    dask_local: bool = False,
) -> Iterator[tuple[Executor, int]]:
    """An executor and its number of workers, closed on exit.

    In order of precedence: a Dask cluster at ``scheduler`` (``tcp://host:port``), a
    Dask ``LocalCluster`` of ``workers`` processes (``dask_local``), the calling process
    (``serial``), or a local process pool of ``workers`` (default: every core).
    """
    workers = workers or os.cpu_count() or 1
    if scheduler is not None and not SCHEDULER_ADDRESS.fullmatch(scheduler):
        raise GenaisimError(
            f"scheduler {scheduler!r} is not a Dask scheduler's address, such as "
            "tcp://10.0.0.5:8786"
        )
    if scheduler or dask_local:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise GenaisimError(
                "Dask is not installed; install the extra with: pip install 'genaisim[dask]'"
            ) from None
        if scheduler:
            try:
                client = Client(scheduler, timeout="30s")
                size = max(1, len(client.scheduler_info().get("workers", {})))
            except (OSError, TimeoutError) as exc:
                raise OSError(f"cannot connect to the Dask scheduler: {exc}") from None
            except Exception as exc:  # whatever answered there, it is not a scheduler
                raise GenaisimError(
                    f"{scheduler}: what answers there is not a Dask scheduler "
                    f"({type(exc).__name__}); give the address of a running scheduler"
                ) from None
            with client:
                yield client.get_executor(), size
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            with cluster, Client(cluster) as client:
                yield client.get_executor(), workers
    elif serial:
        yield SerialExecutor(), 1
    else:
        import multiprocessing

        # spawn, not fork: the parent may run threads (progress bar, Dask), and forking
        # a threaded process is unsafe.
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            yield pool, workers
        except BaseException:
            # Interrupted or failed: stop the workers now rather than wait for their
            # chunks, which nobody will write.
            _stop_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)


#: How often a worker checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker as soon as ``parent`` ends, however it ends.

    A parent killed outright cannot stop its workers, and a worker waiting for work
    would wait forever. On Linux the kernel sends the worker SIGKILL when its parent
    dies; everywhere, a thread checks every :data:`PARENT_CHECK_SECONDS` that the
    parent is still there.
    """
    name = ctypes.util.find_library("c")
    if name is not None:
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(name, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL))
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


# -- the work done by a worker -------------------------------------------------------
@lru_cache(maxsize=8)
def _base_scenario(canonical: str) -> Scenario:
    return Scenario.model_validate_json(canonical)


def run_chunk(
    base: str,
    runs: list[tuple[str, int, int, dict[str, Any]]],
    timeseries: tuple[str, ...] = (),
    deployments: bool = False,
) -> dict[str, pd.DataFrame]:
    """Run a chunk of runs; returns their tables. Executed in a worker.

    Args:
        base: the base scenario as JSON (cheap to send, parsed once per worker).
        runs: (run id, replication, master seed, changes) for each run.
        timeseries: monthly columns to keep.
        deployments: whether to keep deployment rows.

    """
    scenario = _base_scenario(base)
    # Columns are gathered as arrays and made into one table per chunk: a DataFrame per
    # run would cost more than a fifth of the run itself.
    finals: dict[str, list[np.ndarray]] = {}
    monthly: dict[str, list[np.ndarray]] = {}
    deployment_rows: dict[str, list[Any]] = {}
    failures: list[dict[str, str]] = []
    for rid, replication, seed, changes in runs:
        try:
            model = GenAISimModel(
                scenario.with_changes(changes), rng=replication_seed(seed, replication)
            ).run()
            series = model.series()
            n = len(model.organisations)
            _extend(
                finals,
                {
                    "run_id": np.full(n, rid, dtype=object),
                    "organisation": np.arange(n),
                    **final_figures(series),
                    "median_months_to_production": model.median_months_to_production(),
                },
            )
            if timeseries:
                months = series["month"].shape[1]
                _extend(
                    monthly,
                    {
                        "run_id": np.full(n * months, rid, dtype=object),
                        "organisation": np.repeat(np.arange(n), months),
                        "month": np.tile(np.arange(months), n),
                        **{c: series[c].ravel() for c in timeseries},
                    },
                )
            if deployments:
                rows = model.deployment_rows()
                count = len(rows["deployment"])
                _extend(deployment_rows, {"run_id": [rid] * count, **rows})
        except Exception as exc:  # recorded, and the rest of the chunk goes on
            failures.append(
                {"run_id": rid, "error": f"{type(exc).__name__}: {exc}", "where": _where(exc)}
            )

    tables = {
        "runs": _table(finals),
        "timeseries": _table(monthly),
        "deployments": _table(deployment_rows),
        "failures": pd.DataFrame(failures) if failures else None,
    }
    if tables["deployments"] is not None:
        tables["deployments"] = tables["deployments"][["run_id", *DEPLOYMENT_COLUMNS]]
        for name in ("month_promoted", "month_retired", "months_to_production"):
            tables["deployments"][name] = tables["deployments"][name].astype("Int64")
    return tables


def _extend(columns: dict[str, list[Any]], values: dict[str, Any]) -> None:
    for name, value in values.items():
        columns.setdefault(name, []).append(value)


def _table(columns: dict[str, list[Any]]) -> pd.DataFrame | None:
    if not columns:
        return None
    return pd.DataFrame(
        {
            name: np.concatenate(parts)
            if isinstance(parts[0], np.ndarray)
            else list(itertools.chain.from_iterable(parts))
            for name, parts in columns.items()
        }
    )


def _where(exc: BaseException) -> str:
    """File, line and function where ``exc`` was raised."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}"


# -- the driver ----------------------------------------------------------------------
def chunk_size(runs: int, workers: int, organisation_months: int = 1) -> int:
    """Runs per task: at least four tasks per worker, at most :data:`MAX_CHUNK` runs each.

    ``organisation_months`` is one run's organisations times its months: a chunk holds
    at most :data:`MAX_CHUNK_ORGANISATION_MONTHS` of them, so its memory does not grow
    with the population or the horizon.
    """
    largest = max(1, min(MAX_CHUNK, MAX_CHUNK_ORGANISATION_MONTHS // max(1, organisation_months)))
    return max(1, min(largest, math.ceil(runs / (workers * 4))))


def execute(
    plan: Plan,
    folder: str | Path,
    executor: Executor | None = None,
    workers: int = 1,
    progress: bool | Callable[[int], Any] = False,
    size: int | None = None,
    repair: bool = False,
) -> SweepSummary:
    """Run every run of ``plan`` not yet in ``folder`` and write the results there.

    The folder is locked while the sweep runs: a second sweep into it is refused
    with :class:`~genaisim.files.FolderBusyError`.

    Args:
        plan: the plan (see :func:`genaisim.experiments.plan`).
        folder: the results folder; created, or resumed if it holds this experiment.
        executor: any ``concurrent.futures.Executor``; in-process when omitted.
        workers: how many workers the executor has (sets chunk size and in-flight tasks).
        progress: ``True`` for a progress bar (runs done, rate, time left), or a callable
            given the number of runs finished with each chunk.
        size: runs per chunk (default: :func:`chunk_size`).
        repair: first remove damaged part files, so that their runs run again.

    """
    store = ResultsFolder(folder)
    with FolderLock(store.path):
        return _execute(plan, store, executor, workers, progress, size, repair)


def _execute(
    plan: Plan,
    store: ResultsFolder,
    executor: Executor | None,
    workers: int,
    progress: bool | Callable[[int], Any],
    size: int | None,
    repair: bool,
) -> SweepSummary:
    repaired = store.repair() if repair and (store.path / "runs").is_dir() else []
    store.prepare(plan)
    done = store.done_ids()
    todo = plan.unique_runs
    todo = todo[~todo["run_id"].isin(done)]
    experiment = plan.experiment
    base = experiment.base_scenario().model_dump_json()
    payload = [
        (rid, int(rep), experiment.seed, plan.changes[int(point)])
        for rid, rep, point in zip(todo["run_id"], todo["replication"], todo["point"], strict=True)
    ]
    base_scenario = experiment.base_scenario()
    organisation_months = (
        base_scenario.population.organisations * base_scenario.simulation.years * 12
    )
    size = size or chunk_size(len(payload), workers, organisation_months)
    chunks = [payload[i : i + size] for i in range(0, len(payload), size)]
    executor = executor or SerialExecutor()

    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(payload), unit="run", desc=experiment.name, smoothing=0.1)
    report = bar.update if bar is not None else (progress if callable(progress) else None)

    completed = failed = 0
    started = time.perf_counter()
    status = "interrupted"
    in_flight: dict[Future, str] = {}
    pending = iter(chunks)
    try:
        # Keep a bounded number of chunks in flight, so memory stays flat however many
        # runs the plan holds.
        for chunk in itertools.islice(pending, 2 * max(1, workers)):
            in_flight[_submit(executor, chunk, base, experiment)] = _key(chunk)
        while in_flight:
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                key = in_flight.pop(future)
                tables = future.result()
                store.write_chunk(key, tables)
                ok = 0 if tables["runs"] is None else tables["runs"]["run_id"].nunique()
                bad = 0 if tables["failures"] is None else len(tables["failures"])
                completed += ok
                failed += bad
                if report is not None:
                    report(ok + bad)
                nxt = next(pending, None)
                if nxt is not None:
                    in_flight[_submit(executor, nxt, base, experiment)] = _key(nxt)
        status = "complete" if failed == 0 else "complete with failures"
    except BrokenProcessPool:
        # Seen when a finished chunk's result is read, or when the next chunk is handed to
        # a pool whose worker has just died: either way, one line and what to do.
        raise GenaisimError(
            "a worker process stopped unexpectedly (killed, or out of memory); "
            f"the runs finished so far are in {store.path}: resume the sweep to run the rest"
        ) from None
    finally:
        for future in in_flight:
            future.cancel()
        if bar is not None:
            bar.close()
        store.finish(status, len(done) + completed, failed)
    return SweepSummary(
        store.path,
        len(plan),
        len(done),
        completed,
        failed,
        time.perf_counter() - started,
        len(repaired),
    )


def _key(chunk: list[tuple[str, int, int, dict[str, Any]]]) -> str:
    # Named by the hash of its run ids: two chunks with different runs never share a
    # part file, so a resumed sweep cannot overwrite results an earlier session wrote.
    ids = "\n".join(run[0] for run in chunk)
    return hashlib.sha256(ids.encode()).hexdigest()[:20]


def _submit(executor: Executor, chunk: list, base: str, experiment: Any) -> Future:
    return executor.submit(
        run_chunk, base, chunk, tuple(experiment.timeseries), experiment.deployments
    )
