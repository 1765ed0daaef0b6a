"""The results folder of a sweep: results streamed to disk as they finish.

Layout::

    RESULTS/
      manifest.json          experiment, its fingerprint, versions, seeds, times, counts
      experiment.toml        the experiment file as it was run (when there was one)
      plan/points.parquet    one row per design point
      plan/runs.parquet      one row per (point, replication) with its run id
      plan/problem.json      the SALib problem (sampled designs only)
      runs/part-*.parquet    final figures, one row per run and organisation
      timeseries/part-*.parquet   monthly columns, if the experiment asks for them
      deployments/part-*.parquet  deployment rows, if the experiment asks for them
      failures/part-*.parquet     runs that raised, with their error

Every file is written under a temporary name and renamed when complete, so a sweep
killed at any moment leaves only whole files: every finished chunk is readable,
and a resumed sweep sees exactly which runs are done.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from genaisim.experiments.design import Plan
from genaisim.experiments.spec import ExperimentError, experiment_from_dict
from genaisim.files import TEMPORARY_PREFIX, is_locked, write_atomically
from genaisim.provenance import versions

MANIFEST = "manifest.json"
PARTS = ("runs", "timeseries", "deployments", "failures")

#: The status of a sweep whose process ended without recording how (killed, power cut).
DIED = "died"


class DamagedFileError(ExperimentError):
    """A file of a results folder cannot be read (truncated, corrupt, empty)."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: damaged ({problem})")


class DamagedPartError(DamagedFileError):
    """A part file of a sweep cannot be read; resuming with repair runs its runs again."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(path, problem)
        self.args = (
            f"{path}: damaged part file ({problem}); resuming the sweep with repair runs "
            "its runs again",
        )


def read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet file of a results folder, or :class:`DamagedFileError` naming it."""
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except FileNotFoundError:
        raise DamagedFileError(path, "missing") from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        error = DamagedPartError if path.name.startswith("part-") else DamagedFileError
        raise error(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


#: The modules whose code decides a run's numbers.
MODEL_MODULES = (
    "agents",
    "mechanisms",
    "model",
    "observe",
    "roadmap",
    "timeline",
    "usecases",
    "labels",
    "results",
    "scenario",
)


def model_fingerprint() -> str:
    """A hash of the model's source code: results of different code must not be mixed."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in MODEL_MODULES:
        digest.update((package / f"{name}.py").read_bytes())
    return digest.hexdigest()


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically."""
    write_atomically(
        path, lambda tmp: Path(tmp).write_text(json.dumps(data, indent=2), encoding="utf-8")
    )


class ResultsFolder:
    """Reads and writes one sweep's results folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # -- writing ---------------------------------------------------------------
    def prepare(self, plan: Plan) -> dict[str, Any]:
        """Create the folder for ``plan``, or check that an existing one belongs to it.

        A folder written by a different experiment (or a different version of the
        same file) is refused: mixing them would silently corrupt both.
        """
        experiment = plan.experiment
        fingerprint = experiment.fingerprint()
        manifest_path = self.path / MANIFEST
        if self.path.exists() and not self.path.is_dir():
            raise ExperimentError(f"{self.path}: exists and is not a folder")
        if manifest_path.exists():
            manifest = self.manifest()
            if manifest.get("fingerprint") != fingerprint:
                raise ExperimentError(
                    f"{self.path} holds results of a different experiment "
                    f"({manifest.get('experiment_file') or manifest.get('name')!s}, "
                    f"fingerprint {str(manifest.get('fingerprint'))[:12]}); this one is "
                    f"{experiment.source or experiment.name} ({fingerprint[:12]}). "
                    "Choose another folder, or delete that one to start again."
                )
            if manifest.get("model_fingerprint") not in (None, model_fingerprint()):
                raise ExperimentError(
                    f"{self.path} holds results of this experiment from a different version "
                    "of the model code; resuming would mix the two. Choose another folder, "
                    "or delete that one to start again."
                )
        elif self.path.is_dir() and any(
            not entry.name.startswith(TEMPORARY_PREFIX) for entry in self.path.iterdir()
        ):
            raise ExperimentError(
                f"{self.path} is not empty and is not a sweep's results folder; "
                "choose another folder"
            )
        self._remove_temporary_files()
        manifest = self.manifest() if manifest_path.exists() else {}
        if manifest.get("status") == "running" and manifest.get("sessions"):
            # The caller holds the folder's lock, so the session that said "running"
            # is over: its process ended without recording how.
            manifest["sessions"][-1]["status"] = DIED
        manifest.update(
            {
                "name": experiment.name,
                "description": experiment.description,
                "experiment_file": experiment.source,
                "experiment": experiment.model_dump(mode="json"),
                "fingerprint": fingerprint,
                "model_fingerprint": model_fingerprint(),
                "seed": experiment.seed,
                "replications": experiment.replications,
                "replication_seeds": sorted(set(plan.runs["seed"].tolist())),
                "design_points": len(plan.points),
                "runs_planned": len(plan),
                **versions(),
                "status": "running",
            }
        )
        manifest.setdefault("started", now())
        manifest.setdefault("sessions", []).append(
            {"started": now(), "pid": os.getpid(), "host": socket.gethostname()}
        )
        write_json(manifest_path, manifest)
        if experiment.source and Path(experiment.source).is_file():
            shutil.copyfile(experiment.source, self.path / "experiment.toml")
        plan_dir = self.path / "plan"
        # The plan is written whole each session: a resumed sweep with more replications
        # extends it.
        for name, table in (("points", plan.points), ("runs", plan.runs)):
            write_atomically(
                plan_dir / f"{name}.parquet", lambda tmp, t=table: t.to_parquet(tmp, index=False)
            )
        if plan.problem is not None:
            write_json(plan_dir / "problem.json", plan.problem)
        return manifest

    def write_chunk(self, key: str, tables: dict[str, pd.DataFrame]) -> None:
        """Write one finished chunk's tables as part files."""
        for name in PARTS:
            table = tables.get(name)
            if table is not None and len(table):
                write_atomically(
                    self.path / name / f"part-{key}.parquet",
                    lambda tmp, t=table: t.to_parquet(tmp, index=False),
                )

    def finish(self, status: str, done: int, failed: int) -> None:
        """Record how the sweep ended in the manifest."""
        manifest = self.manifest()
        manifest.update(
            {"status": status, "ended": now(), "runs_done": done, "runs_failed": failed}
        )
        manifest["sessions"][-1].update({"ended": now(), "status": status})
        write_json(self.path / MANIFEST, manifest)

    def _remove_temporary_files(self) -> None:
        for tmp in self.path.rglob(f"{TEMPORARY_PREFIX}*"):
            tmp.unlink(missing_ok=True)

    # -- reading ----------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The folder's manifest."""
        if self.path.exists() and not self.path.is_dir():
            raise ExperimentError(f"{self.path}: is a file, not a sweep's results folder")
        try:
            manifest = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ExperimentError(f"{self.path}: not a sweep's results folder") from None
        except (ValueError, OSError) as exc:  # not JSON, not UTF-8, not readable
            raise ExperimentError(f"{self.path / MANIFEST}: unreadable ({exc})") from None
        if not isinstance(manifest, dict):
            raise ExperimentError(f"{self.path / MANIFEST}: unreadable (not a JSON object)")
        return manifest

    def damaged_parts(self) -> list[Path]:
        """Part files that cannot be read whole (each is read: this takes a while)."""
        damaged = []
        for name in PARTS:
            for part in self.parts(name):
                try:
                    read_parquet(part)
                except DamagedFileError:
                    damaged.append(part)
        return damaged

    def repair(self) -> list[Path]:
        """Remove damaged part files, with every part of the same chunk; returns them.

        A chunk's runs, monthly and deployment parts go together, so the chunk's runs
        count as not done and run again, and nothing of them is left twice.
        """
        removed = []
        for key in sorted({part.name for part in self.damaged_parts()}):
            for name in PARTS:
                part = self.path / name / key
                if part.exists():
                    part.unlink()
                    removed.append(part)
        return removed

    def parts(self, name: str) -> Iterator[Path]:
        """The complete part files of one table, in a stable order."""
        folder = self.path / name
        if folder.is_dir():
            yield from sorted(folder.glob("part-*.parquet"))

    def done_ids(self, skip_damaged: bool = False) -> set[str]:
        """Run ids with results on disk.

        A part that cannot be read raises :class:`DamagedPartError`, or with
        ``skip_damaged`` counts as holding no runs.
        """
        done: set[str] = set()
        for part in self.parts("runs"):
            try:
                done.update(read_parquet(part, columns=["run_id"])["run_id"].tolist())
            except DamagedPartError:
                if not skip_damaged:
                    raise
        return done

    def read(self, name: str) -> pd.DataFrame:
        """All part files of one table, concatenated (empty if there are none).

        A run's rows depend on its id alone, so rows that appear twice (a part copied
        over another, a part left behind by a repaired run) are the same rows: they are
        kept once, and no run is counted twice.
        """
        frames = [read_parquet(part) for part in self.parts(name)]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        if name not in ROW_KEYS:
            return table
        keys = [c for c in ("run_id", "organisation", *ROW_KEYS[name]) if c in table]
        return table.drop_duplicates(keys, ignore_index=True)


#: What makes a row of each table unique besides its run and organisation.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "runs": (),
    "timeseries": ("month",),
    "deployments": ("deployment",),
}


@dataclass
class SweepResults:
    """A sweep's results, read back from its folder, in plan order.

    Attributes:
        runs: one row per design point x replication x organisation, with the point's
            parameter values and the run's final figures and label.
        points: one row per design point.
        failures: runs that raised (and have not succeeded since), with the error.
        manifest: how the results were produced.
        problem: the SALib problem of a sampled design, else None.

    """

    path: Path
    runs: pd.DataFrame
    points: pd.DataFrame
    failures: pd.DataFrame
    manifest: dict[str, Any]
    problem: dict[str, Any] | None = None
    _folder: ResultsFolder | None = field(default=None, repr=False)

    def timeseries(self) -> pd.DataFrame:
        """Recorded monthly columns, joined to points and replications (may be large)."""
        return self._joined("timeseries", ["month"])

    def deployments(self) -> pd.DataFrame:
        """Recorded deployment rows, joined to points and replications (may be large)."""
        return self._joined("deployments", ["deployment"])

    def _joined(self, name: str, order: list[str]) -> pd.DataFrame:
        folder = self._folder or ResultsFolder(self.path)
        table = folder.read(name)
        if table.empty:
            return table
        plan_runs = read_parquet(self.path / "plan" / "runs.parquet")
        joined = plan_runs.merge(table, on="run_id").merge(self.points, on="point")
        return joined.sort_values(
            ["point", "replication", "organisation", *order], ignore_index=True
        )

    def experiment(self):
        """The experiment that produced these results."""
        return experiment_from_dict(self.manifest["experiment"], source=None)


def load_sweep(path: str | Path) -> SweepResults:
    """Read a sweep's results folder (complete, or as far as it got)."""
    folder = ResultsFolder(path)
    manifest = folder.manifest()
    plan_dir = folder.path / "plan"
    if "experiment" not in manifest or not (plan_dir / "points.parquet").is_file():
        hint = (
            " (it holds a scenario's results, from `genaisim run --out`)"
            if "scenario" in manifest
            else ""
        )
        raise ExperimentError(f"{folder.path}: not a sweep's results folder{hint}")
    if manifest.get("status") == "running" and not is_locked(folder.path):
        manifest["status"] = DIED  # read only: the next sweep into the folder records it
    points = read_parquet(plan_dir / "points.parquet")
    plan_runs = read_parquet(plan_dir / "runs.parquet")
    if plan_runs.empty or "run_id" not in plan_runs or "point" not in points:
        raise DamagedFileError(plan_dir / "runs.parquet", "it holds no runs")
    results = folder.read("runs")
    if results.empty:
        runs = plan_runs.iloc[0:0]
    else:
        runs = plan_runs.merge(results, on="run_id").merge(points, on="point")
        runs = runs.sort_values(["point", "replication", "organisation"], ignore_index=True)
    failures = folder.read("failures")
    if not failures.empty:
        done = set(results["run_id"]) if not results.empty else set()
        failures = failures[~failures["run_id"].isin(done)].drop_duplicates("run_id", keep="last")
        failures = plan_runs.merge(failures, on="run_id").sort_values(
            ["point", "replication"], ignore_index=True
        )
    problem_path = plan_dir / "problem.json"
    try:
        problem = json.loads(problem_path.read_text()) if problem_path.exists() else None
    except (ValueError, OSError) as exc:
        raise DamagedFileError(problem_path, str(exc)) from None
    return SweepResults(folder.path, runs, points, failures, manifest, problem, folder)
