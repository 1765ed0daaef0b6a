"""An experiment is data: a base scenario, a design over parameters, replications, a seed.

Written as a TOML file in ``experiments/`` or built in Python::

    [experiment]
    name = "foundations"
    description = "2^4 factorial over the four foundations."
    scenario = "baseline"
    replications = 10
    seed = 2024

    [design]
    kind = "factorial"

    [design.factors.ownership]
    low = { "ownership.owner_probability" = 0.3 }
    high = { "ownership.owner_probability" = 0.9, "ownership.owner_resourced_probability" = 0.9 }

    [design.parameters]
    "feedback.culture" = [0.2, 0.8]

Design kinds: ``factorial`` (every combination of factor levels and parameter
values), ``points`` (an explicit list), ``oat`` (one factor at a time: the base
scenario, then each parameter at each of its levels with the others at base), and
three sampling designs through SALib, over parameter ranges ``[low, high]``: ``lhs``
(Latin hypercube), ``morris`` and ``sobol``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genaisim.errors import GenaisimError
from genaisim.files import read_text_file
from genaisim.model import TIMESERIES_COLUMNS
from genaisim.scenario import Scenario, load_scenario, parameter_keys

DesignKind = Literal["factorial", "points", "lhs", "morris", "sobol", "oat"]
SAMPLED: tuple[str, ...] = ("lhs", "morris", "sobol")


class ExperimentError(GenaisimError):
    """An experiment file or object is invalid; the message says where and why."""


class Point(BaseModel):
    """One named design point of a ``points`` design: a set of changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    changes: dict[str, Any] = Field(default_factory=dict)


class Design(BaseModel):
    """Which parameter values to run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DesignKind = "factorial"
    parameters: dict[str, list[Any]] = Field(
        default_factory=dict,
        description=(
            "factorial: the values of each parameter; oat: each parameter's levels around "
            "the base scenario; lhs/morris/sobol: [low, high]."
        ),
    )
    factors: dict[str, dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="factorial: named factors; each level is a set of changes.",
    )
    points: list[Point] = Field(default_factory=list, description="points: the design points.")
    groups: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "sobol/morris: parameter -> group name; grouped parameters move together and "
            "get one index (e.g. the feedback loop's tooling, process and culture)."
        ),
    )
    samples: int = Field(
        64, ge=1, le=1_000_000, description="lhs: points; morris: trajectories; sobol: base N."
    )
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels.")
    second_order: bool = Field(False, description="sobol: also estimate second-order indices.")

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.second_order and self.kind != "sobol":
            raise ValueError(
                f"second_order = true applies to sobol designs only, not {self.kind!r}; "
                'remove it or use kind = "sobol"'
            )
        if self.kind == "points":
            if not self.points:
                raise ValueError("a 'points' design needs at least one [[design.points]] table")
            return self
        if self.kind in SAMPLED:
            if self.factors:
                raise ValueError(f"a {self.kind!r} design takes parameter ranges, not factors")
            if not self.parameters:
                raise ValueError(f"a {self.kind!r} design needs [design.parameters] ranges")
            for key, bounds in self.parameters.items():
                if len(bounds) != 2 or not all(_is_number(b) for b in bounds):
                    raise ValueError(
                        f"{key} = {bounds!r}: a {self.kind} design takes [low, high], two "
                        "finite numbers"
                    )
                if bounds[0] >= bounds[1]:
                    raise ValueError(f"{key} = {bounds!r}: low must be below high")
            unknown = [k for k in self.groups if k not in self.parameters]
            if unknown:
                raise ValueError(f"groups name parameters not in [design.parameters]: {unknown}")
            if self.groups and self.kind == "lhs":
                raise ValueError("groups apply to sobol and morris designs only")
            if self.kind == "sobol" and self.samples & (self.samples - 1):
                raise ValueError(f"samples = {self.samples}: a sobol design needs a power of 2")
            return self
        if self.kind == "oat":
            if self.factors or self.groups:
                raise ValueError("an 'oat' design takes parameter levels, not factors or groups")
            if not self.parameters:
                raise ValueError("an 'oat' design needs [design.parameters] with levels")
            for key, values in self.parameters.items():
                if not values:
                    raise ValueError(f"{key}: give at least one level")
            return self
        if not self.parameters and not self.factors:
            raise ValueError("a factorial design needs [design.parameters] or [design.factors]")
        for key, values in self.parameters.items():
            if not values:
                raise ValueError(f"{key}: give at least one value")
        for name, levels in self.factors.items():
            if not levels:
                raise ValueError(f"factor {name!r}: give at least one level")
        return self


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: An experiment's name: it also names the default results folder, results/<name>.
EXPERIMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}")

#: Scenario keys an experiment sets itself; a design or fixed change to them would do nothing.
SET_BY_EXPERIMENT = {"simulation.seed": "seed", "simulation.replications": "replications"}


class Experiment(BaseModel):
    """A whole experiment: base scenario, fixed changes, design, replications, outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    scenario: str = Field("baseline", description="base scenario: a name or a .toml path")
    changes: dict[str, Any] = Field(
        default_factory=dict, description="changes applied to the base scenario at every point"
    )
    replications: int = Field(10, ge=1, le=100_000)
    years: int | None = Field(None, ge=1, le=20)
    seed: int = Field(2024, ge=0, le=2**32 - 1)
    timeseries: list[str] = Field(
        default_factory=list, description="monthly columns to record for every run (may be empty)"
    )
    deployments: bool = Field(False, description="record one row per deployment of every run")
    design: Design = Field(
        default_factory=lambda: Design(parameters={}, kind="points", points=[Point(name="base")])
    )
    #: where the experiment was read from (for messages and for resolving the scenario)
    source: str | None = Field(None, exclude=True)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not EXPERIMENT_NAME.fullmatch(name) or ".." in name:
            raise ValueError(
                f"name = {name!r} must be a plain name (letters, digits, spaces, '_', '-', "
                "'.'; at most 100), not a path: it names the default results folder"
            )
        return name

    @model_validator(mode="after")
    def _known_columns(self) -> Experiment:
        unknown = [c for c in self.timeseries if c not in TIMESERIES_COLUMNS]
        if unknown:
            raise ValueError(f"timeseries: unknown column(s) {unknown}")
        return self

    def base_scenario(self) -> Scenario:
        """The base scenario with the experiment's fixed changes and horizon applied."""
        where = self.source or f"experiment {self.name!r}"
        path = Path(self.scenario)
        if self.source and not path.is_absolute() and path.suffix == ".toml":
            beside = Path(self.source).parent / path
            path = beside if beside.exists() else path
        scenario = load_scenario(path if path.suffix == ".toml" else self.scenario)
        changes = dict(self.changes)
        if self.years is not None:
            changes["simulation.years"] = self.years
        changes["simulation.replications"] = self.replications
        changes["simulation.seed"] = self.seed
        return scenario.with_changes(changes, source=f"{where} [changes]")

    def varied_keys(self) -> list[str]:
        """The scenario keys the design varies."""
        keys = list(self.design.parameters)
        for levels in self.design.factors.values():
            for changes in levels.values():
                keys += [k for k in changes if k not in keys]
        for point in self.design.points:
            keys += [k for k in point.changes if k not in keys]
        return keys

    def fingerprint(self) -> str:
        """A hash of everything that determines the runs and their results.

        The number of replications is left out: more replications extend the same
        experiment (replication r is the same run whatever their number).
        """
        data = self.model_dump(mode="json", exclude={"source", "description", "replications"})
        base = self.base_scenario().to_dict()
        del base["simulation"]["replications"]
        data["base_scenario"] = base
        canonical = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file; every problem is one readable line."""
    path = Path(path)
    text = read_text_file(path, "experiment file", ExperimentError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ExperimentError(f"{path}: not valid TOML: nested too deeply") from None
    head = data.pop("experiment", {})
    if not isinstance(head, dict):
        raise ExperimentError(f"{path}: [experiment] must be a table, got {head!r}")
    flat = dict(head)
    flat.update(data)
    flat.setdefault("name", path.stem)
    return experiment_from_dict(flat, source=str(path))


def experiment_from_dict(data: dict[str, Any], source: str | None = None) -> Experiment:
    """Validate an experiment given as plain data (what a TOML file holds)."""
    where = source or "experiment"
    try:
        experiment = Experiment.model_validate({**data, "source": source})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"{where}: {loc + ': ' if loc else ''}{msg}")
        raise ExperimentError("\n".join(lines)) from None
    known = set(parameter_keys())
    for key in [*experiment.varied_keys(), *experiment.changes]:
        if key in SET_BY_EXPERIMENT:
            raise ExperimentError(
                f"{where}: {key} cannot be changed by an experiment (every run's seed comes "
                "from the experiment's seed and its replication); set the experiment's "
                f"{SET_BY_EXPERIMENT[key]} instead"
            )
        if key not in known:
            from genaisim.scenario import _suggest

            raise ExperimentError(
                f"{where}: unknown scenario key {key!r}{_suggest(key, sorted(known))}"
            )
    experiment.base_scenario()  # fail now, not after the first chunk, on a bad scenario
    return experiment


def scenario_for(base: Scenario, changes: dict[str, Any], where: str) -> Scenario:
    """The base scenario with one design point's changes applied and validated."""
    return base.with_changes(changes, source=where)


__all__ = [
    "Design",
    "Experiment",
    "ExperimentError",
    "Point",
    "experiment_from_dict",
    "load_experiment",
]
