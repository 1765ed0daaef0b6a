"""ABC-SMC calibration on pyabc, reproducible on any executor and resumable from its database.

pyabc does the inference: priors, perturbation kernels, the epsilon schedule, weights,
and its SQLite history, which keeps every generation (so a killed calibration resumes
from the last finished one). What this module adds:

- the model pyabc calls (:class:`PopulationModel`): parameters in, the survey-like
  statistics of one simulated population out;
- the distance (:class:`BandDistance`): each statistic's distance from the middle of
  its published band, in units of half the band, so a value inside every band has a
  distance of at most 1;
- a sampler (:mod:`genaisim.calibration.sampler`) that makes the same seed give the
  same posterior on one core, two, or a Dask cluster.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genaisim.calibration.spec import CalibrationError, CalibrationSpec
from genaisim.calibration.statistics import compute, record
from genaisim.scenario import Scenario

__all__ = [
    "BandDistance",
    "CalibrationRun",
    "PopulationModel",
    "calibrate",
    "safe_name",
]

#: Distance given to a statistic the run could not compute (e.g. no pilot ever went
#: live, so there is no time to production): far outside every band.
MISSING = 10.0


def safe_name(key: str) -> str:
    """A parameter key as pyabc stores it (no dots in its database's column names)."""
    return key.replace(".", "__")


def key_of(name: str) -> str:
    """The parameter key of a pyabc parameter name."""
    return name.replace("__", ".")


@dataclass(frozen=True)
class PopulationModel:
    """What pyabc calls: a parameter set in, one simulated population's statistics out.

    The run's seed comes from numpy's global generator, which the sampler seeds for
    each candidate, so a candidate's statistics depend on its seed and parameters only.
    """

    scenario: dict[str, Any]
    integer_keys: tuple[str, ...]
    statistics: tuple[str, ...]

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        """Simulate one population with these parameters; its statistics by name."""
        from genaisim.model import GenAISimModel

        scenario = self.scenario_for(parameters)
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        model = GenAISimModel(scenario, rng=seed).run()
        return compute(record(model), list(self.statistics))

    def scenario_for(self, parameters: dict[str, float]) -> Scenario:
        """The population scenario with one particle's parameter values."""
        changes = {}
        for name, value in parameters.items():
            key = key_of(name)
            changes[key] = round(float(value)) if key in self.integer_keys else float(value)
        return Scenario.model_validate(self.scenario).with_changes(changes)


@dataclass(frozen=True)
class BandDistance:
    """Root mean square of each statistic's distance from its band's middle, in half-bands."""

    centres: dict[str, float]
    half_widths: dict[str, float]

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        """The distance of simulated statistics ``x`` from the bands (``x0`` is unused)."""
        total = 0.0
        for name, centre in self.centres.items():
            value = float(x[name])
            d = abs(value - centre) / self.half_widths[name] if math.isfinite(value) else MISSING
            total += d * d
        return math.sqrt(total / len(self.centres))


# -- running a calibration -------------------------------------------------------------
HISTORY = "history.db"
POSTERIOR = "posterior.csv"
MANIFEST = "calibration.json"


@dataclass
class CalibrationRun:
    """What a finished (or stopped) calibration left in its folder."""

    folder: Path
    generations: int
    simulations: int
    seconds: float
    epsilon: float
    posterior: Path
    #: Kish's effective sample size of the last generation's weights, ``1 / sum(w²)``
    #: (weights summing to 1): how many equally weighted particles the posterior is worth.
    effective_size: float = float("nan")
    #: particles in the last generation
    particles: int = 0

    @property
    def degenerate(self) -> bool:
        """Whether a few particles carry the posterior (effective size under 10%)."""
        return self.effective_size < 0.1 * self.particles


def _pyabc_parts(spec: CalibrationSpec) -> tuple[Any, Any, Any, dict[str, float]]:
    import pyabc

    base = spec.base_scenario()
    info = {p.key: p for p in base.parameters()}
    integer_keys = tuple(k for k in spec.priors if info[k].kind is int)
    model = PopulationModel(
        base.model_dump(mode="json"), integer_keys, tuple(t.statistic for t in spec.targets)
    )
    prior = pyabc.Distribution(
        **{
            safe_name(key): pyabc.RV("uniform", low, high - low)
            for key, (low, high) in spec.priors.items()
        }
    )
    distance = BandDistance(
        {t.statistic: t.centre for t in spec.targets},
        {t.statistic: t.half_width for t in spec.targets},
    )
    observed = {t.statistic: t.centre for t in spec.targets}
    return model, prior, distance, observed


@contextlib.contextmanager
def _quiet_pyabc() -> Iterator[None]:
    """Silence pyabc's INFO log of every generation; the command line prints progress."""
    loggers = [logging.getLogger(name) for name in ("ABC", "pyabc", "Sampler", "Epsilon")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def calibrate(
    spec: CalibrationSpec,
    folder: Path,
    executor: Executor,
    workers: int,
    *,
    resume: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
) -> CalibrationRun:
    """Run (or resume) the calibration ``spec`` into ``folder``; returns what it left there.

    ``folder/history.db`` is pyabc's history (every generation); ``posterior.csv`` the
    last generation's weighted particles; ``calibration.json`` the manifest.
    """
    import pyabc

    from genaisim.calibration.sampler import ReproducibleSampler, candidate_seed

    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / HISTORY
    db = f"sqlite:///{db_path}"
    model, prior, distance, observed = _pyabc_parts(spec)
    sampler = ReproducibleSampler(
        executor, workers, spec.seed, batch=spec.abc.batch, progress=progress
    )
    started = time.perf_counter()
    # pyabc draws from numpy's global generator in the parent too (e.g. for the first
    # epsilon); seed it so a run is a function of the seed alone.
    np.random.seed(spec.seed)
    random.seed(spec.seed)
    with _quiet_pyabc():
        abc = pyabc.ABCSMC(
            model,
            prior,
            distance,
            population_size=spec.abc.population_size,
            sampler=sampler,
            transitions=(
                pyabc.LocalTransition()
                if spec.abc.transition == "local"
                else pyabc.MultivariateNormalTransition()
            ),
        )
        if db_path.exists() and not resume:
            raise CalibrationError(
                f"{folder}: holds a calibration already; resume it or choose another folder"
            )
        done = _finished_generations(db) if db_path.exists() else 0
        if done > 0:
            abc.load(db, 1)
            np.random.seed(candidate_seed(spec.seed, done, 10**9))
        else:
            # Stopped before its first generation was stored: nothing to keep.
            for leftover in folder.glob(f"{HISTORY}*"):
                leftover.unlink()
            abc.new(db, observed, meta_info={"calibration": spec.name, "seed": spec.seed})
        remaining = spec.abc.max_generations - done
        if remaining > 0:
            abc.run(
                minimum_epsilon=spec.abc.min_epsilon,
                max_nr_populations=remaining,
                max_total_nr_simulations=spec.abc.max_simulations,
                min_acceptance_rate=spec.abc.min_acceptance_rate,
            )
        history = abc.history
    seconds = time.perf_counter() - started
    posterior = write_posterior(history, folder / POSTERIOR)
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    sizes = effective_sizes(history)
    run = CalibrationRun(
        folder=folder,
        generations=int(history.max_t + 1),
        simulations=int(history.total_nr_simulations),
        seconds=seconds,
        epsilon=float(populations["epsilon"].iloc[-1]),
        posterior=posterior,
        effective_size=sizes[-1],
        particles=spec.abc.population_size,
    )
    _write_manifest(spec, run, populations, sizes)
    return run


def _finished_generations(db: str) -> int:
    """Generations stored in a pyabc history (0 when it holds none, or is unreadable)."""
    import pyabc

    try:
        history = pyabc.History(db, _id=1)
        return int(history.max_t + 1) if history.n_populations > 0 else 0
    except Exception:  # an empty or torn database: start again
        return 0


def effective_sizes(history: Any) -> list[float]:
    """Kish's effective sample size of each stored generation, first to last."""
    sizes = []
    for t in range(history.max_t + 1):
        _, weights = history.get_distribution(m=0, t=t)
        w = np.asarray(weights, float) / np.sum(weights)
        sizes.append(float(1.0 / np.sum(w**2)))
    return sizes


def write_posterior(history: Any, path: Path) -> Path:
    """The last generation's particles as CSV: one column per parameter key, plus weight."""
    from genaisim.files import write_atomically

    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.rename(columns={c: key_of(c) for c in frame.columns})
    frame = frame[sorted(frame.columns)]
    frame["weight"] = np.asarray(weights) / np.sum(weights)
    frame = frame.reset_index(drop=True)
    write_atomically(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.10g"))
    return path


def _write_manifest(
    spec: CalibrationSpec, run: CalibrationRun, populations: Any, sizes: list[float]
) -> None:
    from genaisim.files import write_atomically
    from genaisim.provenance import versions

    manifest = {
        "calibration": spec.model_dump(mode="json"),
        "generations": run.generations,
        "simulations": run.simulations,
        "seconds_last_session": round(run.seconds, 1),
        "epsilon": run.epsilon,
        "epsilons": [float(e) for e in populations["epsilon"]],
        "effective_sizes": [round(x, 3) for x in sizes],
        "posterior": run.posterior.name,
        "versions": versions(),
    }
    text = json.dumps(manifest, indent=2, sort_keys=True)
    write_atomically(run.folder / MANIFEST, lambda tmp: Path(tmp).write_text(text))


# -- publishing the result -------------------------------------------------------------
def publish(spec: CalibrationSpec, run: CalibrationRun, calibration_file: str = "") -> Path:
    """Write ``spec.write_scenario``: the fitted population at the posterior medians.

    The scenario goes beside the population's own file, with the posterior copied next
    to it as ``<name>.posterior.csv``, so runs of it can draw from the posterior.
    """
    from genaisim.calibration.posterior import load_posterior
    from genaisim.files import write_atomically
    from genaisim.scenario import available_scenarios

    if not spec.write_scenario:
        raise CalibrationError(f"{spec.name}: names no write_scenario to publish to")
    base = load_scenario_path(spec.scenario)
    folder = base.parent
    posterior = load_posterior(run.posterior)
    base_scenario = spec.base_scenario()
    medians = posterior.medians(base_scenario)
    target = folder / f"{spec.write_scenario}.toml"
    csv = folder / f"{spec.write_scenario}.posterior.csv"
    write_atomically(csv, lambda tmp: Path(tmp).write_bytes(run.posterior.read_bytes()))
    inputs = available_scenarios().get(spec.scenario)
    changes = list(base_scenario.changes)
    info = {p.key: p for p in base_scenario.parameters()}
    for key in medians:
        group = info[key].group
        if group not in changes:
            changes.append(group)
    lines = [
        f"# Written by `genaisim calibrate {calibration_file or spec.name}`: the population of",
        f"# {spec.scenario} with its mechanisms at the posterior medians of the calibration",
        f"# (seed {spec.seed}, {run.generations} generations, {run.simulations} simulations,",
        f"# final distance {run.epsilon:.3g}). See docs/calibration.md. Do not edit by hand:",
        "# calibrate again instead.",
        f'base = "{spec.scenario if inputs is not None else base.name}"',
        f'name = "{spec.write_scenario}"',
        f"description = {_toml_string(_description(spec))}",
        "changes = [" + ", ".join(f'"{c}"' for c in changes) + "]",
        f'posterior = "{csv.name}"',
    ]
    sections: dict[str, list[str]] = {}
    for key, value in sorted(medians.items()):
        section, _, name = key.partition(".")
        low, high = posterior.interval(key)
        text = f"{value}" if isinstance(value, int) else f"{value:.4g}"
        sections.setdefault(section, []).append(
            f"{name} = {text}  # 90% posterior interval {low:.3g} to {high:.3g}"
        )
    for section, entries in sections.items():
        lines += ["", f"[{section}]", *entries]
    text = "\n".join(lines) + "\n"
    write_atomically(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return target


def _description(spec: CalibrationSpec) -> str:
    return spec.write_description or (
        f"{spec.scenario} with its mechanisms calibrated to published figures "
        "(a posterior, not a point)."
    )


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def load_scenario_path(name_or_path: str) -> Path:
    """The file a calibration's ``scenario`` names."""
    from genaisim.scenario import available_scenarios

    path = Path(name_or_path)
    if path.suffix == ".toml" or len(path.parts) > 1:
        return path.resolve()
    found = available_scenarios().get(name_or_path)
    if found is None:
        raise CalibrationError(f"scenario {name_or_path!r} is not a named scenario")
    return found.resolve()
