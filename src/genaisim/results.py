"""Running a scenario and the tidy tables it produces.

>>> import genaisim
>>> results = genaisim.simulate("compounder", replications=4, seed=1, years=3)
>>> results.summary()[["replication", "label"]].shape
(4, 2)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from genaisim.errors import FolderNotEmptyError, GenaisimError
from genaisim.files import (
    FolderLock,
    file_record,
    folder_is_empty,
    new_folder_beside,
    remove_leftovers,
    replace_folder,
    umask,
)
from genaisim.labels import LABELS, LabelRule, effective_window, label_figures, window_sums
from genaisim.model import DEPLOYMENT_COLUMNS, INTEGER_COLUMNS, TIMESERIES_COLUMNS, GenAISimModel
from genaisim.outputs import MANIFEST, TABLES
from genaisim.provenance import versions
from genaisim.scenario import Scenario, load_scenario


def replication_seed(seed: int, replication: int) -> int:
    """The seed of one replication, derived from the master seed.

    ``SeedSequence([seed, replication])`` gives independent, well-mixed streams, and a
    replication's numbers do not depend on how many others run or where.
    """
    return int(np.random.SeedSequence([seed, replication]).generate_state(1, np.uint32)[0])


@dataclass(frozen=True)
class ReplicationTables:
    """The tables of one replication."""

    timeseries: pd.DataFrame
    deployments: pd.DataFrame
    organisations: pd.DataFrame


def run_replication(scenario: Scenario, replication: int, seed: int) -> ReplicationTables:
    """Run one replication and return its tables.

    The result depends only on the scenario, the replication number and the seed.
    """
    model = GenAISimModel(scenario, rng=replication_seed(seed, replication)).run()
    timeseries = model.timeseries()
    deployments = _typed_deployments(
        pd.DataFrame(model.deployment_rows(), columns=list(DEPLOYMENT_COLUMNS))
    )
    organisations = pd.DataFrame(model.organisation_rows())
    for table in (timeseries, deployments, organisations):
        table.insert(0, "replication", replication)
    return ReplicationTables(timeseries, deployments, organisations)


@dataclass(frozen=True)
class _RawReplication:
    """What one replication recorded, before any table is built."""

    replication: int
    timeseries: np.ndarray
    deployments: dict[str, list[Any]]
    organisations: dict[str, list[Any]]


def _raw_replication(scenario: Scenario, replication: int, seed: int) -> _RawReplication:
    model = GenAISimModel(scenario, rng=replication_seed(seed, replication)).run()
    return _raw_from_model(model, replication)


def _raw_from_model(model: GenAISimModel, replication: int) -> _RawReplication:
    rows = model.month * len(model.organisations)
    return _RawReplication(
        replication,
        model._table[:rows],
        model.deployment_rows(),
        model.organisation_rows(),
    )


def _tables(parts: Sequence[_RawReplication]) -> ReplicationTables:
    """The three tables of many replications, each built and typed once.

    The same tables as concatenating :func:`run_replication`'s, built in one pass:
    typing columns and concatenating frames per replication costs more than the
    model itself for small runs.
    """
    timeseries = pd.DataFrame(
        np.concatenate([p.timeseries for p in parts]) if parts else np.empty((0, 0)),
        columns=list(TIMESERIES_COLUMNS),
    )
    timeseries = timeseries.astype({name: np.int64 for name in INTEGER_COLUMNS})
    reps = np.concatenate(
        [np.full(len(p.timeseries), p.replication, dtype=np.int64) for p in parts]
    )
    timeseries.insert(0, "replication", reps)
    tables = {"timeseries": timeseries}
    for name in ("deployments", "organisations"):
        columns = list(getattr(parts[0], name)) if parts else []
        merged: dict[str, list[Any]] = {"replication": []}
        merged.update({column: [] for column in columns})
        for part in parts:
            rows = getattr(part, name)
            count = len(next(iter(rows.values()))) if rows else 0
            merged["replication"].extend([part.replication] * count)
            for column in columns:
                merged[column].extend(rows[column])
        frame = pd.DataFrame(merged)
        frame["replication"] = frame["replication"].astype(np.int64)
        tables[name] = _typed_deployments(frame) if name == "deployments" else frame
    return ReplicationTables(**tables)


def _typed_deployments(table: pd.DataFrame) -> pd.DataFrame:
    for name in ("month_promoted", "month_retired", "months_to_production"):
        table[name] = table[name].astype("Int64")
    for name in ("retire_reason",):
        table[name] = table[name].astype("string")
    return table


@dataclass
class Results:
    """The tables of one simulated scenario, over replications.

    Attributes:
        timeseries: one row per replication x organisation x month.
        deployments: one row per deployment ever started.
        organisations: one row per replication x organisation: its levers as drawn.
        scenario: the scenario that was run.
        seed: the master seed.
        draws: with a posterior, one row per replication: the draw it used and the
            drawn parameter values; None otherwise.

    """

    timeseries: pd.DataFrame
    deployments: pd.DataFrame
    organisations: pd.DataFrame
    scenario: Scenario
    seed: int
    label_rule: LabelRule = field(default_factory=LabelRule)
    draws: pd.DataFrame | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    #: the default summary and the tables it was computed from (see :meth:`summary`)
    _summary: tuple[tuple, pd.DataFrame] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def replications(self) -> int:
        """Number of replications run."""
        return int(self.timeseries["replication"].nunique())

    @property
    def years(self) -> int:
        """Simulated horizon in years."""
        return self.scenario.simulation.years

    def summary(self, rule: LabelRule | None = None, months: int | None = None) -> pd.DataFrame:
        """One row per replication x organisation: final figures and the trajectory label.

        ``rule`` labels with other thresholds; ``months`` reads the runs as if they had
        stopped after that many months (to see how labels move with the horizon).

        The default summary (no ``rule``, no ``months``) is computed once and a copy
        returned on each call; it is computed again if a table or the rule is replaced.
        The tables are not expected to change in place.
        """
        if rule is None and months is None:
            inputs = (self.timeseries, self.deployments, self.draws, self.label_rule)
            if self._summary is not None and all(
                a is b for a, b in zip(self._summary[0], inputs, strict=True)
            ):
                return self._summary[1].copy()
            summary = self._summarise(None, None)
            self._summary = (inputs, summary)
            return summary.copy()
        return self._summarise(rule, months)

    def _summarise(self, rule: LabelRule | None, months: int | None) -> pd.DataFrame:
        timeseries = self.timeseries
        deployments = self.deployments
        if months is not None:
            timeseries = timeseries[timeseries["month"] < months]
            deployments = deployments[deployments["month_started"] < months]
        summary = summarise(timeseries, deployments, rule or self.label_rule)
        if self.draws is not None:
            draw = self.draws.set_index("replication")["draw"]
            summary.insert(1, "draw", summary["replication"].map(draw).astype(np.int64))
        return summary

    @property
    def interventions(self) -> pd.DataFrame:
        """One row per lever an intervention changes: month, ramp, label, key and value."""
        rows = [
            {
                "intervention": number,  # counted from 1, as in messages
                "month": iv.month,
                "ramp_months": iv.ramp_months,
                "label": iv.title(),
                "key": key,
                "value": float(value),
            }
            for number, iv in enumerate(self.scenario.interventions, start=1)
            for key, value in iv.set.items()
        ]
        columns = ["intervention", "month", "ramp_months", "label", "key", "value"]
        return pd.DataFrame(rows, columns=columns)

    def label_shares(self) -> pd.Series:
        """Share of replication x organisation trajectories with each label."""
        return self.summary()["label"].value_counts(normalize=True)

    # -- files -------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """What produced these results: scenario, seed, versions, time."""
        return {
            "scenario": self.scenario.to_dict(),
            "seed": self.seed,
            "replications": self.replications,
            "years": self.years,
            **versions(),
            "created": self.created,
            "tables": [
                *TABLES,
                *(["draws"] if self.draws is not None else []),
                *(["interventions"] if self.scenario.interventions else []),
            ],
        }

    def save(
        self,
        directory: str | Path,
        format: Literal["parquet", "csv"] = "parquet",
        overwrite: bool = False,
    ) -> Path:
        """Write the tables (Parquet, or CSV on request) and ``manifest.json`` to a folder.

        A folder that holds anything is refused unless ``overwrite`` is true. The
        tables are written to a new folder beside it, which then takes its place in one
        step: a save cut short leaves the old folder or the new one, never a mix. The
        manifest records each file's size, rows and checksum, which :meth:`load` checks.
        While saving, the folder is locked against other writers.
        """
        if format not in ("parquet", "csv"):
            raise GenaisimError(f"format {format!r} is not supported; use 'parquet' or 'csv'")
        out = Path(directory)
        if out.exists() and not out.is_dir():
            raise GenaisimError(f"{out}: exists and is not a folder")
        with FolderLock(out):
            remove_leftovers(out)
            if not overwrite and not folder_is_empty(out):
                raise FolderNotEmptyError(
                    f"{out} is not empty; choose another folder, or save with overwrite "
                    "to replace what it holds",
                    str(out),
                )
            tables = {
                "timeseries": self.timeseries,
                "deployments": self.deployments,
                "organisations": self.organisations,
                "summary": self.summary(),
            }
            if self.draws is not None:
                tables["draws"] = self.draws
            if self.scenario.interventions:
                tables["interventions"] = self.interventions
            new = new_folder_beside(out)
            try:
                files = {}
                for name, table in tables.items():
                    path = new / f"{name}.{format}"
                    if format == "parquet":
                        table.to_parquet(path, index=False)
                    else:
                        table.to_csv(path, index=False)
                    files[path.name] = {"rows": len(table), **file_record(path)}
                manifest = {**self.manifest(), "format": format, "files": files}
                (new / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
                for path in new.iterdir():
                    os.chmod(path, 0o666 & ~umask())
                replace_folder(new, out)
            finally:
                if new.exists():
                    shutil.rmtree(new, ignore_errors=True)
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save`, after checking them against the manifest.

        A folder whose files do not match the manifest (sizes, checksums, rows) was
        torn or changed after saving, and is refused.
        """
        root = Path(directory)
        try:
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problem = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
            raise GenaisimError(f"{root}: not a genaisim results folder ({problem})") from None
        damaged = f"{root}: incomplete or damaged results folder"
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise GenaisimError(f"{damaged} (its manifest lists no files to check)")
        for name, record in manifest["files"].items():
            path = root / name
            if Path(name).name != name or not path.is_file():
                raise GenaisimError(f"{damaged} ({name} is missing)")
            try:
                if file_record(path) != {k: record.get(k) for k in ("bytes", "sha256")}:
                    raise GenaisimError(f"{damaged} ({name} does not match the manifest)")
            except (OSError, AttributeError):
                raise GenaisimError(f"{damaged} ({name} cannot be checked)") from None
        fmt = manifest.get("format", "parquet")
        read = pd.read_parquet if fmt == "parquet" else pd.read_csv
        try:
            tables = {name: read(root / f"{name}.{fmt}") for name in TABLES[:3]}
            for name, table in tables.items():
                if len(table) != manifest["files"][f"{name}.{fmt}"]["rows"]:
                    raise GenaisimError(f"{damaged} ({name}.{fmt} has the wrong number of rows)")
            draws = None
            if f"draws.{fmt}" in manifest["files"]:
                draws = read(root / f"draws.{fmt}")
            return cls(
                **tables,
                draws=draws,
                scenario=Scenario.model_validate(manifest["scenario"]),
                seed=int(manifest["seed"]),
                created=manifest.get("created", ""),
            )
        except (OSError, KeyError, ValueError, TypeError) as exc:  # ValidationError: ValueError
            problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            raise GenaisimError(f"{damaged} ({problem})") from None


#: Columns of the summary table that count things (whole numbers).
COUNT_OUTCOMES = (
    "pilots_started",
    "promoted",
    "pilots_open",
    "permanent_prototypes",
    "production",
    "retired",
    "incidents",
    "flags_raised",
)
#: Monthly columns whose final value the summary reports as it is.
FINAL_STATE = (
    "production_quality",
    "reviewer_engagement",
    "team_size",
    "model_capability",
    "data_quality",
    "leadership_confidence",
    "infrastructure_mindset",
)


def final_figures(series: Mapping[str, np.ndarray], rule: LabelRule | None = None) -> dict:
    """Final figures and the trajectory label of many runs at once.

    ``series`` maps each monthly column to an array of shape (runs, months). One
    implementation serves both the summary table and the experiment runner, so a
    figure means the same thing everywhere.
    """
    rule = rule or LabelRule()
    # Contiguous rows whatever the caller's layout: numpy sums a strided axis in another
    # order, and the same run would differ in the last bit between callers.
    series = {name: np.ascontiguousarray(values) for name, values in series.items()}
    net = series["net_value"]
    months = net.shape[1]
    w = effective_window(rule, months)
    first, previous, late = window_sums(net, w)
    _, _, costs_late = window_sums(series["costs"], w)

    def last(name: str) -> np.ndarray:
        return series[name][:, -1]

    figures = {
        "label": label_figures(
            first,
            previous,
            late,
            costs_late,
            last("pilots"),
            last("production"),
            series["pilots"][:, months // 2],
            last("pilots_started_total"),
            rule,
        ),
        "cumulative_net_value": last("cumulative_net_value"),
        "net_value_last_year": late,
        "net_value_year_before": previous,
        **payback(series["cumulative_net_value"], series["pilots_started_total"]),
        "pilots_started": last("pilots_started_total"),
        "promoted": last("promoted_total"),
        "pilots_open": last("pilots"),
        "permanent_prototypes": last("permanent_prototypes"),
        "production": last("production"),
        "retired": last("retired"),
        "incidents": series["incidents_opened"].sum(axis=1),
        "flags_raised": series["flags_raised"].sum(axis=1),
        "flags_acted": series["flags_acted"].sum(axis=1),
        **{name: last(name) for name in FINAL_STATE},
    }
    for name in COUNT_OUTCOMES:
        figures[name] = figures[name].astype(np.int64)
    return figures


def label_sensitivity(
    results: Results,
    growths: Sequence[float] = (0.0, 0.05, 0.1, 0.2),
    windows: Sequence[int] = (6, 12),
    horizons: Sequence[int] | None = None,
) -> pd.DataFrame:
    """How the label shares move with the rule's thresholds and with the horizon.

    One row per (growth, window, horizon in years) with the share of each label; the
    horizon reads the same runs as if they had stopped earlier. Defaults: the last
    three whole years.
    """
    years = results.years
    horizons = horizons or [y for y in (years - 2, years - 1, years) if y >= 1]
    rows = []
    for horizon in horizons:
        for window in windows:
            for growth in growths:
                rule = LabelRule(window=window, growth=growth)
                shares = results.summary(rule, months=horizon * 12)["label"].value_counts(
                    normalize=True
                )
                rows.append(
                    {"horizon_years": horizon, "window": window, "growth": growth}
                    | {label: float(shares.get(label, 0.0)) for label in LABELS}
                )
    return pd.DataFrame(rows)


def payback(cumulative: np.ndarray, started_total: np.ndarray) -> dict[str, np.ndarray]:
    """When each run's programme paid back: months from its first pilot (NaN if never).

    Payback is the first month, after the cumulative net value's lowest point, at
    which the cumulative net value is back to zero or above; it is counted from the
    month the first pilot started. A run that never lost money has no payback to wait
    for and gets 0.
    """
    months = cumulative.shape[1]
    trough = cumulative.argmin(axis=1)
    start = np.where((started_total > 0).any(axis=1), (started_total > 0).argmax(axis=1), months)
    month = np.arange(months)[None, :]
    recovered = (cumulative >= 0.0) & (month >= trough[:, None])
    ever_lost = cumulative.min(axis=1) < 0.0
    has = recovered.any(axis=1) & ever_lost & (start < months)
    to_payback = np.where(has, recovered.argmax(axis=1) - start, np.nan)
    to_payback = np.where(~ever_lost & (start < months), 0.0, to_payback)
    return {"months_to_payback": to_payback.astype(float)}


def summarise(
    timeseries: pd.DataFrame, deployments: pd.DataFrame, rule: LabelRule | None = None
) -> pd.DataFrame:
    """The summary table (see :meth:`Results.summary`) from the two raw tables."""
    keys = ["replication", "organisation"]
    ts = timeseries.sort_values([*keys, "month"])
    runs = ts[keys].drop_duplicates().reset_index(drop=True)
    months = len(ts) // len(runs)
    series = {
        name: ts[name].to_numpy(dtype=float).reshape(len(runs), months)
        for name in TIMESERIES_COLUMNS
        if name not in keys
    }
    summary = runs.assign(**final_figures(series, rule))
    to_production = deployments.groupby(keys)["months_to_production"].median().astype(float)
    summary = summary.merge(
        to_production.rename("median_months_to_production"),
        how="left",
        left_on=keys,
        right_index=True,
    )
    return summary


def simulate(
    scenario: Scenario | str | Path = "baseline",
    replications: int | None = None,
    seed: int | None = None,
    years: int | None = None,
    progress: bool | Callable[[Iterable[int]], Iterable[int]] = False,
    posterior: int | None = None,
    posterior_file: str | Path | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
) -> Results:
    """Run a scenario over replications and return its :class:`Results`.

    Args:
        scenario: a :class:`Scenario`, a scenario name or a TOML path.
        replications: overrides ``simulation.replications``.
        seed: overrides ``simulation.seed``; the same seed gives identical tables.
        years: overrides ``simulation.years``.
        progress: ``True`` shows a progress bar when the run takes over a second;
            or a callable wrapping the iterable of replication numbers.
        posterior: draw this many parameter sets from the scenario's calibrated
            posterior (``scenario.posterior``, or ``posterior_file``) and run each
            over the replications: replication ``d * R + r`` is replication ``r`` of
            draw ``d``, and :attr:`Results.draws` says which draw each one used.
        posterior_file: a posterior CSV to draw from instead of the scenario's own.
        workers: run the replications on this many processes (default 1: in this
            process). Every replication depends only on its seed, so the tables are
            identical whatever the number of workers. The processes are spawned (not
            forked) and do not run the calling script again.
        executor: run the replications on these processes (a
            :class:`concurrent.futures.ProcessPoolExecutor` kept between calls, as the
            app keeps one) rather than starting new ones; ``workers`` is then how many
            it has (default 2), which sets how the replications are split. Identical
            tables again.

    """
    scenario = load_scenario(scenario)
    changes: dict[str, Any] = {}
    if replications is not None:
        changes["simulation.replications"] = replications
    if seed is not None:
        changes["simulation.seed"] = seed
    if years is not None:
        changes["simulation.years"] = years
    if changes:
        scenario = scenario.with_changes(changes)
    sim = scenario.simulation
    plans = [(scenario, r) for r in range(sim.replications)]
    draws = None
    if posterior:
        plans, draws = _posterior_plans(scenario, posterior, posterior_file)
    if workers is not None and workers < 1:
        raise GenaisimError(f"workers = {workers}: give at least 1")
    if executor is not None and len(plans) > 1:
        raw = _in_parallel(plans, sim.seed, workers or 2, progress, scenario.name, executor)
        tables = _tables(raw)
    elif workers and workers > 1 and len(plans) > 1:
        tables = _tables(_in_parallel(plans, sim.seed, workers, progress, scenario.name))
    else:
        reps: Iterable[int] = range(len(plans))
        if progress is True:
            from tqdm.auto import tqdm

            # disable=None: no bar when stderr is not a terminal (logs, pipes, CI).
            reps = tqdm(reps, desc=scenario.name, unit="run", delay=1.0, leave=False, disable=None)
        elif callable(progress):
            reps = progress(reps)
        tables = _tables([_raw_replication(plans[i][0], plans[i][1], sim.seed) for i in reps])
    return _results(tables, scenario, draws)


def _results(
    tables: ReplicationTables, scenario: Scenario, draws: pd.DataFrame | None = None
) -> Results:
    """The :class:`Results` of a scenario's tables, at the scenario's seed."""
    return Results(
        timeseries=tables.timeseries,
        deployments=tables.deployments,
        organisations=tables.organisations,
        scenario=scenario,
        seed=scenario.simulation.seed,
        draws=draws,
    )


def simulate_in_steps(scenario: Scenario) -> Generator[float, None, Results]:
    """Simulate the scenario month by month, yielding the share done after each month.

    The same results as :func:`simulate` with the scenario's replications and seed
    (they are its :class:`Results`, returned when the generator ends), for a caller that
    shows progress or may stop between any two months: an app that must stay responsive
    while a large population runs.

    >>> steps = simulate_in_steps(load_scenario("baseline").with_changes(
    ...     {"simulation.replications": 2, "simulation.years": 1}))
    >>> shares = []
    >>> while True:
    ...     try:
    ...         shares.append(next(steps))
    ...     except StopIteration as done:
    ...         results = done.value
    ...         break
    >>> len(shares), shares[-1], results.replications
    (24, 1.0, 2)
    """
    sim = scenario.simulation
    months = sim.years * 12
    total = max(1, sim.replications * months)
    parts = []
    for replication in range(sim.replications):
        model = GenAISimModel(scenario, rng=replication_seed(sim.seed, replication))
        while model.running:
            model.step()
            yield (replication * months + model.month) / total
        parts.append(_raw_from_model(model, replication))
    return _results(_tables(parts), scenario)


@dataclass(frozen=True)
class RunEstimate:
    """How long a run will take here, and how its time is spread over the months.

    Attributes:
        seconds: the whole run, tables included.
        replications: the run's replications.
        month_shares: the share of one replication's time spent by the end of each month
            (later months cost more: more systems are live).

    """

    seconds: float
    replications: int
    month_shares: tuple[float, ...]

    def time_share(self, share_of_months: float) -> float:
        """The share of the run's time behind it once this share of its months is simulated."""
        months = len(self.month_shares)
        done = share_of_months * self.replications * months
        replication, month = divmod(done, months)
        within = self.month_shares[int(month) - 1] if month >= 1 else 0.0
        return min(1.0, (replication + within) / max(1, self.replications))

    def seconds_left(self, share_of_months: float, elapsed: float) -> float:
        """Time left, from the time taken so far and the share of the work behind it."""
        done = self.time_share(share_of_months)
        if done <= 0.0:
            return self.seconds
        return elapsed * (1.0 - done) / done


def estimate_run(scenario: Scenario, sample: int = 20) -> RunEstimate:
    """How long :func:`simulate` will take for the scenario on this machine, in this process.

    Times one replication of ``sample`` organisations (or the scenario's, if fewer) over
    the scenario's horizon, month by month, and scales it to the scenario's organisations
    (as their number to the power ``SCALING_EXPONENT``) and replications; building the
    tables adds about a tenth (``benchmarks/bench_model.py``). A run's cost per
    organisation varies with how many systems go live, so this is an estimate, not a
    promise: ``benchmarks/bench_estimates.py`` compares it with measured runs.
    """
    organisations = scenario.population.organisations
    probe = scenario.with_changes(
        {"population.organisations": min(sample, organisations), "simulation.replications": 1}
    )
    scale = (organisations / probe.population.organisations) ** SCALING_EXPONENT
    replications = scenario.simulation.replications
    probes: list[list[float]] = []
    for replication in range(PROBES):
        # A long run is probed again, on other replications' seeds (other organisations,
        # when they are drawn from a spread), and the median probe kept: a probe of a
        # fraction of a second is easily slowed by anything else the machine does.
        model = GenAISimModel(probe, rng=replication_seed(scenario.simulation.seed, replication))
        started = time.perf_counter()
        ends = []
        while model.running:
            model.step()
            ends.append(time.perf_counter() - started)
        probes.append(ends)
        if TABLES_FACTOR * ends[-1] * scale * replications < 1.0:
            break
    probes.sort(key=lambda ends: ends[-1])
    chosen = probes[len(probes) // 2]
    total = chosen[-1]
    return RunEstimate(
        TABLES_FACTOR * total * scale * replications,
        replications,
        tuple(end / total if total > 0 else 1.0 for end in chosen),
    )


#: Probes of a run estimated at a second or more (the median is kept).
PROBES = 3
#: Building the tables of a run, relative to the models alone (benchmarks/RESULTS.md).
TABLES_FACTOR = 1.1
#: Run time grows as organisations to this power (the scaling slope, benchmarks/RESULTS.md).
SCALING_EXPONENT = 1.07


_MAIN_LOCK = threading.RLock()


@contextmanager
def _main_hidden() -> Iterator[None]:
    """Processes spawned in this block do not run the caller's main module again.

    A spawned process first runs the main module, found by its name (``__spec__``) or,
    without one, by its file: a script not guarded by ``if __name__ == "__main__"`` would
    run again in every worker, and a Streamlit page (run as ``__main__``) would draw
    itself there. The work sent to the processes is the library's own functions, which
    do not need it.
    """
    with _MAIN_LOCK:  # one thread at a time: each restores what it found
        main = sys.modules["__main__"]
        path = main.__dict__.pop("__file__", None)
        spec, main.__spec__ = getattr(main, "__spec__", None), None
        try:
            yield
        finally:
            main.__spec__ = spec
            if path is not None:
                main.__file__ = path


def start_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes to keep for :func:`simulate`'s ``executor``, started and warmed now.

    Each process imports the model and runs a tiny scenario at once (about a second),
    so the first real run does not wait for it. The processes are spawned (not forked:
    the caller may run threads) and do not run the caller's main script again: a
    Streamlit page runs as ``__main__``, and a spawned process would otherwise run the
    page while it starts. Shut the pool down when done (``pool.shutdown()``), or use it
    in a ``with`` block.
    """
    import multiprocessing

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    tiny = load_scenario("baseline").with_changes(
        {"simulation.replications": 1, "simulation.years": 1}
    )
    with _main_hidden():  # processes start as work arrives: one per warm-up run
        for _ in range(workers):
            pool.submit(_warm_up, tiny)
    return pool


def _warm_up(scenario: Scenario) -> None:
    """A worker's first run: the model, its tables and their summary, each imported once."""
    scenario_mean(scenario)


def scenario_mean(scenario: Scenario, outcome: str = "cumulative_net_value") -> float:
    """The mean of a summary's ``outcome`` over every organisation of every replication.

    Small to send back from a worker process: the app's tornado runs its scenarios so.
    """
    return float(simulate(scenario).summary()[outcome].mean())


def _raw_chunk(chunk: list[tuple[Scenario, int, int]]) -> list[_RawReplication]:
    return [_raw_replication(scenario, replication, seed) for scenario, replication, seed in chunk]


def share_size(replications: int, workers: int) -> int:
    """How many replications go to a worker at a time: four shares per worker or so.

    Balanced load, little pickling.
    """
    return max(1, -(-replications // (workers * 4)))


def _in_parallel(
    plans: Sequence[tuple[Scenario, int]],
    seed: int,
    workers: int,
    progress: bool | Callable[[Iterable[int]], Iterable[int]],
    name: str,
    executor: Executor | None = None,
) -> list[_RawReplication]:
    """The replications' raw records, computed on ``workers`` processes, in order.

    On ``executor`` if given (left running), else on processes started for this call.
    """
    import multiprocessing

    size = share_size(len(plans), workers)
    chunks = [
        [(scenario, replication, seed) for scenario, replication in plans[i : i + size]]
        for i in range(0, len(plans), size)
    ]
    if executor is not None:
        return _gather(executor, chunks, progress, name, workers)
    # spawn, not fork: the caller may run threads (a progress bar, the app's server), and
    # forking a process with threads can deadlock the child.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=context) as pool:
        return _gather(pool, chunks, progress, name, workers)


def _gather(
    executor: Executor,
    chunks: list[list[tuple[Scenario, int, int]]],
    progress: bool | Callable[[Iterable[int]], Iterable[int]],
    name: str,
    workers: int,
) -> list[_RawReplication]:
    """The chunks' records, run on ``executor``, in order.

    At most ``workers`` chunks are handed out at a time, the next one as one is
    collected: a caller that stops (an exception, or a Streamlit page left) leaves the
    processes busy with one chunk each at most.
    """
    waiting = iter(chunks)
    running: deque[Future[list[_RawReplication]]] = deque()

    def hand_out() -> None:
        with _main_hidden():  # a pool starts its processes as work arrives
            while len(running) < workers and (chunk := next(waiting, None)) is not None:
                running.append(executor.submit(_raw_chunk, chunk))

    hand_out()
    try:
        steps: Iterable[int] = range(len(chunks))
        if progress is True:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc=name, unit="chunk", delay=1.0, leave=False, disable=None)
        elif callable(progress):
            steps = progress(steps)
        parts: list[_RawReplication] = []
        for _ in steps:
            parts.extend(running.popleft().result())
            hand_out()
        while running:  # a progress wrapper that stopped early
            parts.extend(running.popleft().result())
            hand_out()
        return parts
    finally:
        for future in running:
            future.cancel()


def _posterior_plans(
    scenario: Scenario, n: int, source: str | Path | None
) -> tuple[list[tuple[Scenario, int]], pd.DataFrame]:
    """Each run's scenario and replication number when drawing ``n`` parameter sets."""
    from genaisim.calibration.posterior import load_posterior

    source = source or scenario.posterior
    if not source:
        raise GenaisimError(
            f"scenario {scenario.name!r} has no calibrated posterior to draw from; "
            "use a calibrated scenario (e.g. enterprise_2024) or give a posterior file"
        )
    if not 1 <= n <= MAX_POSTERIOR_DRAWS:
        raise GenaisimError(f"posterior draws: {n} must be between 1 and {MAX_POSTERIOR_DRAWS}")
    drawn = load_posterior(source).draw(n, scenario.simulation.seed, scenario)
    per_draw = scenario.simulation.replications
    plans, rows = [], []
    for d, values in enumerate(drawn):
        changed = scenario.with_changes(values, source=str(source))
        for r in range(per_draw):
            plans.append((changed, d * per_draw + r))
            rows.append({"replication": d * per_draw + r, "draw": d, **values})
    return plans, pd.DataFrame(rows)


#: Most parameter sets one run draws from a posterior.
MAX_POSTERIOR_DRAWS = 1000
