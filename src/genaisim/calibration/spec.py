"""A calibration, as a TOML file: the population, the free parameters' priors, the targets.

Example (``experiments/calibrate_enterprise_2024.toml`` is the full one)::

    name = "calibrate_enterprise_2024"
    scenario = "enterprise_2024_inputs"   # the population whose mechanisms are fitted
    write_scenario = "enterprise_2024"    # written with the posterior medians
    organisations = 100                   # organisations in one simulated survey
    seed = 2024

    [abc]
    population_size = 100
    max_generations = 8

    [priors]                              # uniform, [low, high]
    "ownership.acceptance_margin" = [0.0, 0.3]

    [[targets]]
    survey = "Gartner 2024"
    statistic = "pilot_to_production"     # see genaisim.calibration.statistics
    observed = 0.48
    band = [0.40, 0.58]
    source = "..."
    year = 2024
    sample = "..."
    caveat = "..."

Targets may instead live in a file of their own, ``targets = "my_targets.toml"`` (a
file of ``[[targets]]`` tables next to the calibration file): that is how an
organisation recalibrates to its own figures.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genaisim.calibration.statistics import STATISTICS
from genaisim.errors import GenaisimError
from genaisim.files import read_text_file
from genaisim.scenario import Scenario, _suggest, load_scenario

__all__ = ["AbcSettings", "CalibrationError", "CalibrationSpec", "Target", "load_calibration"]


class CalibrationError(GenaisimError, ValueError):
    """A calibration file or folder that cannot be used, with one readable message."""


class Target(BaseModel):
    """One published figure, the band the model must reach, and where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    survey: str = Field(description="The figure it belongs to; one survey may give several.")
    statistic: str = Field(description="Name of the simulated statistic it is compared with.")
    observed: float = Field(description="The published value.")
    band: tuple[float, float] = Field(description="Range a simulated value must fall in.")
    source: str = ""
    year: int | None = None
    sample: str = ""
    caveat: str = ""

    @field_validator("statistic")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in STATISTICS:
            raise ValueError(f"unknown statistic {name!r}{_suggest(name, list(STATISTICS))}")
        return name

    @model_validator(mode="after")
    def _band_holds_value(self) -> Target:
        low, high = self.band
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"band {list(self.band)} must be two finite numbers, low < high")
        if not low <= self.observed <= high:
            raise ValueError(f"observed {self.observed} lies outside its band {list(self.band)}")
        return self

    @property
    def centre(self) -> float:
        """The band's middle: what the distance measures from."""
        return (self.band[0] + self.band[1]) / 2.0

    @property
    def half_width(self) -> float:
        """Half the band: the distance's unit for this statistic."""
        return (self.band[1] - self.band[0]) / 2.0

    def inside(self, value: float) -> bool:
        """Whether a simulated value lies inside the band."""
        return math.isfinite(value) and self.band[0] <= value <= self.band[1]


class AbcSettings(BaseModel):
    """How ABC-SMC runs: population, stopping rules and the number of runs per particle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    population_size: int = Field(100, ge=2, le=100_000, description="Particles per generation.")
    max_generations: int = Field(8, ge=1, le=100, description="Generations at most.")
    max_simulations: int = Field(
        4000, ge=1, description="Stop when this many simulations have run in all."
    )
    min_epsilon: float = Field(
        0.0, ge=0.0, description="Stop when the acceptance threshold falls to this distance."
    )
    min_acceptance_rate: float = Field(
        0.02, ge=0.0, le=1.0, description="Stop when fewer than this share of runs is accepted."
    )
    transition: Literal["local", "normal"] = Field(
        "local",
        description=(
            "How particles are perturbed: 'local' (pyabc's LocalTransition, a normal "
            "kernel with each particle's covariance from its nearest neighbours: keeps the "
            "weights even when the posterior is narrow in some directions) or 'normal' "
            "(one multivariate normal kernel for all particles)."
        ),
    )
    batch: int = Field(
        0,
        ge=0,
        description="Candidates evaluated per round (0: population size plus half of it).",
    )


class CalibrationSpec(BaseModel):
    """A whole calibration: population, priors, targets, settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    scenario: str = Field(description="Scenario name or path: the population to fit.")
    write_scenario: str = Field(
        "", description="Name of the scenario file written with the posterior (none if empty)."
    )
    write_description: str = Field(
        "", description="Description of the written scenario (default: says what was fitted)."
    )
    organisations: int = Field(100, ge=1, le=5000, description="Organisations per simulation.")
    years: int = Field(5, ge=1, le=20, description="Years simulated per particle.")
    seed: int = Field(2024, ge=0, le=2**32 - 1)
    abc: AbcSettings = Field(default_factory=AbcSettings)
    priors: dict[str, tuple[float, float]]
    targets: list[Target]

    @field_validator("priors")
    @classmethod
    def _priors_are_parameters(cls, priors: dict[str, tuple[float, float]]) -> dict:
        if not priors:
            raise ValueError("priors is empty: name at least one parameter to fit")
        info = {p.key: p for p in Scenario().parameters()}
        for key, (low, high) in priors.items():
            if key not in info:
                raise ValueError(f"unknown parameter {key!r}{_suggest(key, list(info))}")
            p = info[key]
            if not low < high:
                raise ValueError(f"{key} = [{low}, {high}]: low must be below high")
            if low < p.low or high > p.high:
                raise ValueError(
                    f"{key} = [{low}, {high}] leaves the parameter's range [{p.low}, {p.high}]"
                )
        return priors

    @field_validator("targets")
    @classmethod
    def _some_targets(cls, targets: list[Target]) -> list[Target]:
        if not targets:
            raise ValueError("targets is empty: give at least one published figure")
        seen = set()
        for t in targets:
            if t.statistic in seen:
                raise ValueError(f"statistic {t.statistic!r} is given twice")
            seen.add(t.statistic)
        return targets

    @model_validator(mode="after")
    def _enough_particles_for_local_kernels(self) -> CalibrationSpec:
        # LocalTransition estimates each particle's covariance from its nearest quarter of
        # the population, which needs more neighbours than there are parameters.
        needed = 4 * (len(self.priors) + 2)
        if self.abc.transition == "local" and self.abc.population_size < needed:
            raise ValueError(
                f"abc.population_size = {self.abc.population_size} is too small for "
                f"transition = 'local' with {len(self.priors)} parameters; give at least "
                f"{needed} particles, or transition = 'normal'"
            )
        return self

    def base_scenario(self) -> Scenario:
        """The population fitted: the scenario, at this calibration's size and horizon."""
        return load_scenario(self.scenario).with_changes(
            {"population.organisations": self.organisations, "simulation.years": self.years}
        )

    @property
    def surveys(self) -> list[str]:
        """The distinct published figures, in the order given."""
        return list(dict.fromkeys(t.survey for t in self.targets))


def load_calibration(path: str | Path) -> CalibrationSpec:
    """Read and validate a calibration file; one readable line on any error."""
    path = Path(path)
    text = read_text_file(path, "calibration file", CalibrationError)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path}: not valid TOML ({exc})") from None
    data.setdefault("name", path.stem)
    targets = data.get("targets")
    if isinstance(targets, str):
        target_path = (path.parent / targets).resolve()
        target_text = read_text_file(target_path, "targets file", CalibrationError)
        try:
            data["targets"] = tomllib.loads(target_text).get("targets", [])
        except tomllib.TOMLDecodeError as exc:
            raise CalibrationError(f"{target_path}: not valid TOML ({exc})") from None
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = list(error["loc"])
        if len(loc) >= 2 and loc[0] == "targets" and isinstance(loc[1], int):
            loc[:2] = [f"targets #{loc[1] + 1}"]  # the n-th [[targets]] table, counted from 1
        where = ".".join(str(part) for part in loc)
        message = error["msg"].removeprefix("Value error, ")
        raise CalibrationError(f"{path}: {where}: {message}") from None
    try:
        spec.base_scenario()
    except GenaisimError as exc:
        raise CalibrationError(f"{path}: scenario: {exc}") from None
    return spec
