"""Shared helpers: small models built by hand, and cached simulations for statistical tests."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import numpy as np
import pytest

import genaisim
from genaisim.agents import Deployment, Organisation
from genaisim.model import GenAISimModel

#: The test process's own ``__main__`` (pytest's).
MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_restored():
    """Each test starts and ends with the test process's own ``__main__``.

    Streamlit's AppTest runs the page as ``__main__`` and leaves it there (also from a
    fixture shared by a module's tests); a later test in the same process that spawns
    worker processes (a sweep, a Dask cluster) would have them run the page.
    """
    sys.modules["__main__"] = MAIN
    yield
    sys.modules["__main__"] = MAIN


def build_model(changes: dict[str, Any] | None = None, seed: int = 1) -> GenAISimModel:
    """A one-organisation model whose programme starts at once, with optional changes."""
    base = {
        "organisation.start_month": 0,
        "portfolio.pilot_appetite": 0.0,
        "portfolio.hype_shock_rate": 0.0,
    }
    scenario = genaisim.load_scenario("baseline").with_changes({**base, **(changes or {})})
    return GenAISimModel(scenario, rng=seed)


def live_deployment(org: Organisation, demo_quality: float = 0.8) -> Deployment:
    """Start a pilot in ``org`` and take it straight to production."""
    deployment = org.start_pilot()
    make_prototype(deployment, demo_quality)
    deployment.promote()
    return deployment


def make_prototype(deployment: Deployment, demo_quality: float = 0.8) -> Deployment:
    """Finish a pilot's build at once, with the given quality on demo data."""
    deployment.built = True
    deployment.month_built = deployment.model.month
    deployment.build_capability = deployment.organisation.model_capability
    deployment.demo_quality = demo_quality
    return deployment


@functools.cache
def _simulate(name: str, replications: int, seed: int, changes: tuple) -> genaisim.Results:
    scenario = genaisim.load_scenario(name).with_changes(dict(changes))
    return genaisim.simulate(scenario, replications=replications, seed=seed)


#: Seed of the statistical tests. Set GENAISIM_TEST_SEED to check that they hold for
#: other seeds too (they should: their margins are not tuned to this one).
TEST_SEED = int(os.environ.get("GENAISIM_TEST_SEED", "101"))


def simulate(name: str, replications: int, seed: int | None = None, **changes: Any):
    """Cached :func:`genaisim.simulate`; keyword changes use ``__`` for the dot."""
    seed = TEST_SEED if seed is None else seed
    dotted = tuple(sorted((k.replace("__", "."), v) for k, v in changes.items()))
    return _simulate(name, replications, seed, dotted)


def mean_se(values: Any) -> tuple[float, float]:
    """Mean and standard error of the mean."""
    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))


@pytest.fixture
def model_factory():
    return build_model
