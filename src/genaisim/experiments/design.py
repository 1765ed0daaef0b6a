"""From an experiment to its plan: the design points and every run, as plain tables.

A plan is data. Executing it is a separate step (:mod:`genaisim.experiments.runner`),
so a plan can be inspected, counted and timed before anything runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from genaisim.budget import check_plan
from genaisim.errors import ScenarioError
from genaisim.experiments.spec import SAMPLED, Experiment, ExperimentError
from genaisim.results import replication_seed
from genaisim.scenario import Scenario


@dataclass(frozen=True)
class Plan:
    """Every design point and every run of an experiment.

    Attributes:
        experiment: what was planned.
        points: one row per design point: ``point``, any factor levels, and the value
            of every varied scenario key.
        changes: per point, the scenario changes that make it.
        runs: one row per (point, replication): ``point``, ``replication``, ``seed``
            and ``run_id``. Points with identical changes share run ids: a run is
            identified by what determines its result, and is done once.
        problem: for sampled designs, the SALib problem (names and bounds).

    """

    experiment: Experiment
    points: pd.DataFrame
    changes: list[dict[str, Any]]
    runs: pd.DataFrame
    problem: dict[str, Any] | None = field(default=None)

    @property
    def unique_runs(self) -> pd.DataFrame:
        """The runs to execute, one per run id, in plan order."""
        return self.runs.drop_duplicates("run_id")

    def __len__(self) -> int:
        return int(self.runs["run_id"].nunique())


def run_id(changes: dict[str, Any], replication: int, seed: int, experiment: str) -> str:
    """A stable id from a run's parameters, replication, seed and experiment fingerprint.

    The fingerprint (see :meth:`Experiment.fingerprint`) makes ids unique across
    experiments: runs of two sweeps never share an id unless they are the same run.
    """
    canonical = json.dumps(
        {"changes": changes, "replication": replication, "seed": seed, "experiment": experiment},
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _factorial(experiment: Experiment) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    design = experiment.design
    axes: list[list[tuple[dict[str, Any], dict[str, Any]]]] = []
    for name, levels in design.factors.items():
        axes.append([({name: level}, dict(changes)) for level, changes in levels.items()])
    for key, values in design.parameters.items():
        axes.append([({}, {key: value}) for value in values])
    labels, changes = [], []
    for combination in itertools.product(*axes):
        label: dict[str, Any] = {}
        change: dict[str, Any] = {}
        for level_label, level_changes in combination:
            label.update(level_label)
            change.update(level_changes)
        labels.append(label)
        changes.append(change)
    return labels, changes


def _one_at_a_time(experiment: Experiment) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The base scenario (point 0), then each parameter at each level, the rest at base."""
    labels: list[dict[str, Any]] = [{"point_name": "base"}]
    changes: list[dict[str, Any]] = [{}]
    for key, levels in experiment.design.parameters.items():
        for level in levels:
            labels.append({"point_name": f"{key} = {level}"})
            changes.append({key: level})
    return labels, changes


def _sampled(
    experiment: Experiment, base: Scenario
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    from SALib.sample import latin, morris, sobol

    design = experiment.design
    names = list(design.parameters)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(map(float, design.parameters[n])) for n in names],
    }
    if design.groups:
        # An ungrouped parameter is a group of its own.
        problem["groups"] = [design.groups.get(n, n) for n in names]
    seed = experiment.seed
    if design.kind == "lhs":
        matrix = latin.sample(problem, design.samples, seed=seed)
    elif design.kind == "morris":
        matrix = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    else:
        matrix = sobol.sample(
            problem, design.samples, calc_second_order=design.second_order, seed=seed
        )
    integer = {p.key for p in base.parameters() if p.kind is int}
    changes = []
    for row in np.asarray(matrix):
        changes.append(
            {
                name: round(value) if name in integer else float(value)
                for name, value in zip(names, row, strict=True)
            }
        )
    return [{} for _ in changes], changes, problem


def _one_spelling(value: Any, kind: type | None) -> Any:
    """Write ``1`` and ``1.0`` as the parameter's own type.

    Anything else is left for validation to judge (a fraction for a whole-number
    parameter, a string, a boolean).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if kind is float:
        return float(value)
    if kind is int and float(value).is_integer():
        return int(value)
    return value


def count_points(experiment: Experiment) -> int:
    """How many design points ``experiment`` has, counted without laying them out."""
    design = experiment.design
    if design.kind == "factorial":
        levels = [len(levels) for levels in design.factors.values()]
        values = [len(values) for values in design.parameters.values()]
        return math.prod(levels + values)
    if design.kind == "points":
        return len(design.points)
    if design.kind == "lhs":
        return design.samples
    groups = len({design.groups.get(name, name) for name in design.parameters})
    if design.kind == "morris":
        return (groups + 1) * design.samples
    if groups == 1:
        groups = len(design.parameters)  # SALib samples a single group as ungrouped
    return design.samples * ((2 * groups + 2) if design.second_order else (groups + 2))


def plan(experiment: Experiment, force: bool = False) -> Plan:
    """Lay out every design point and run of ``experiment`` (nothing is simulated).

    A plan of more runs, or more work, than :mod:`genaisim.budget` allows is refused
    with :class:`~genaisim.budget.TooLargeError` before it is laid out, unless
    ``force`` is true.
    """
    base = experiment.base_scenario()
    check_plan(
        experiment.source or f"experiment {experiment.name!r}",
        count_points(experiment),
        experiment.replications,
        base.population.organisations * base.simulation.years * 12,
        force,
    )
    problem = None
    kind = experiment.design.kind
    if kind == "factorial":
        labels, changes = _factorial(experiment)
    elif kind == "points":
        labels = [{"point_name": p.name} for p in experiment.design.points]
        changes = [dict(p.changes) for p in experiment.design.points]
    elif kind == "oat":
        labels, changes = _one_at_a_time(experiment)
    elif kind in SAMPLED:
        labels, changes, problem = _sampled(experiment, base)
    else:  # pragma: no cover - the spec's Literal type rules this out
        raise ExperimentError(f"unknown design kind {kind!r}")

    # One spelling per value (1 and 1.0 are the same share), so run ids do not depend on
    # how a number was written.
    kinds = {p.key: p.kind for p in base.parameters()}
    changes = [{k: _one_spelling(v, kinds.get(k)) for k, v in c.items()} for c in changes]
    where = experiment.source or f"experiment {experiment.name!r}"
    for index, change in enumerate(changes):
        try:
            base.with_changes(change)
        except ScenarioError as exc:
            raise ExperimentError(f"{where}: design point {index}: {exc}") from None

    keys = experiment.varied_keys()
    points = pd.DataFrame(
        [
            {"point": i, **label, **{k: change.get(k, base.get(k)) for k in keys}}
            for i, (label, change) in enumerate(zip(labels, changes, strict=True))
        ]
    )
    seeds = [replication_seed(experiment.seed, r) for r in range(experiment.replications)]
    fingerprint = experiment.fingerprint()
    rows = [
        {
            "point": i,
            "replication": r,
            "seed": seeds[r],
            "run_id": run_id(change, r, experiment.seed, fingerprint),
        }
        for i, change in enumerate(changes)
        for r in range(experiment.replications)
    ]
    return Plan(experiment, points, changes, pd.DataFrame(rows), problem)
