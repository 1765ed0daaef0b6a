"""How the headline findings move across the posterior.

A finding shown at one parameter set may hold only there. Here the foundations
factorial (the four foundations, each absent or present, as in
``experiments/foundations.toml``) and the ownership effect on stable production are
re-run at parameter sets drawn from a calibrated posterior, with common random numbers
(every cell of a draw uses the same seeds), and each finding is reported with the share
of draws in which it holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from genaisim.calibration.posterior import Posterior
from genaisim.scenario import Scenario

__all__ = ["FOUNDATIONS", "findings", "foundations_across_posterior"]

#: The four foundations at their "present" level (as in experiments/foundations.toml).
FOUNDATIONS: dict[str, dict[str, float]] = {
    "data": {
        "organisation.data_quality": 0.75,
        "data.data_investment": 0.4,
        "data.workaround_tendency": 0.2,
    },
    "ownership": {
        "ownership.owner_probability": 0.9,
        "ownership.owner_resourced_probability": 0.9,
    },
    "measurement": {"measurement.kpi_probability": 0.9},
    "feedback": {"feedback.tooling": 0.8, "feedback.process": 0.8, "feedback.culture": 0.8},
}

#: A deployment counts as in stable production when live this many months (as in analysis).
STABLE_MONTHS = 24
#: ... judged only for deployments started this many months before the horizon.
HISTORY_MONTHS = 36


def _cell_run(scenario_data: dict[str, Any], replications: int, seed: int) -> dict[str, float]:
    from genaisim.agents import OwnerKind
    from genaisim.results import simulate

    scenario = Scenario.model_validate(scenario_data)
    results = simulate(scenario, replications=replications, seed=seed)
    summary = results.summary()
    d = results.deployments
    horizon = scenario.simulation.years * 12
    judged = d[d["month_started"] <= horizon - HISTORY_MONTHS]
    stable = judged["months_in_production"] >= STABLE_MONTHS
    business = judged["owner_kind"] == OwnerKind.BUSINESS.value
    live = judged["month_promoted"].notna()

    def rate(mask: pd.Series) -> float:
        return float(stable[mask].mean()) if mask.any() else np.nan

    return {
        "value": float(summary["cumulative_net_value"].mean()),
        "compounding": float((summary["label"] == "compounding").mean()),
        "stable_business": rate(business),
        "stable_technology": rate(~business),
        "stable_live_business": rate(business & live),
        "stable_live_technology": rate(~business & live),
        "live_business": float(live[business].mean()) if business.any() else np.nan,
        "live_technology": float(live[~business].mean()) if (~business).any() else np.nan,
    }


def foundations_across_posterior(
    scenario: Scenario,
    posterior: Posterior,
    draws: int,
    seed: int,
    replications: int = 1,
    executor: Executor | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> pd.DataFrame:
    """One row per (draw, cell) of the 2^4 foundations factorial.

    Columns: ``draw``, one 0/1 column per foundation, ``value`` (mean five-year
    cumulative net value per organisation, k), ``compounding`` (share labelled so),
    and the stable-production rates of deployments with a business or technology owner,
    among all judged (``stable_business``, ``stable_technology``) and among those taken
    live (``stable_live_business``, ``stable_live_technology``), and the shares taken live
    (``live_business``, ``live_technology``).
    """
    parameter_sets = posterior.draw(draws, seed, scenario)
    names = list(FOUNDATIONS)
    jobs = []
    for d, values in enumerate(parameter_sets):
        drawn = scenario.with_changes(values)
        for cell in itertools.product((0, 1), repeat=len(names)):
            changes = {}
            for name, on in zip(names, cell, strict=True):
                if on:
                    changes.update(FOUNDATIONS[name])
            data = drawn.with_changes(changes).model_dump(mode="json")
            # Common random numbers: every cell of a draw uses the draw's seed.
            jobs.append(((d, *cell), (data, replications, seed + d)))
    if executor is None:
        outputs: Iterable[dict[str, float]] = (_cell_run(*job) for _, job in jobs)
    else:
        futures = [executor.submit(_cell_run, *job) for _, job in jobs]
        outputs = (f.result() for f in futures)
    if progress is not None:
        outputs = progress(outputs)
    rows = [
        dict(zip(["draw", *names], key, strict=True)) | out
        for (key, _), out in zip(jobs, outputs, strict=True)
    ]
    return pd.DataFrame(rows)


def findings(table: pd.DataFrame) -> pd.DataFrame:
    """Each headline finding, its effect per draw (median and 90% interval) and how often it holds.

    A finding *holds* in a draw when its effect is positive there; it is called robust
    when it holds in at least 90% of draws.
    """
    names = list(FOUNDATIONS)
    cells = table.set_index(["draw", *names])
    none = (0,) * len(names)
    every = (1,) * len(names)
    effects: dict[str, pd.Series] = {}

    def value(cell: tuple[int, ...], column: str = "value") -> pd.Series:
        return cells.xs(cell, level=names)[column]

    for i, name in enumerate(names):
        alone = tuple(int(j == i) for j in range(len(names)))
        effects[f"{name} alone adds value over none (k)"] = value(alone) - value(none)
    singles = pd.concat(
        [value(tuple(int(j == i) for j in range(len(names)))) for i in range(len(names))],
        axis=1,
    ).max(axis=1)
    effects["all four add more than the best single foundation (k)"] = value(every) - singles
    threes = pd.concat(
        [value(tuple(int(j != i) for j in range(len(names)))) for i in range(len(names))],
        axis=1,
    ).max(axis=1)
    effects["all four add more than the best three (k)"] = value(every) - threes
    gains = {
        name: value(tuple(int(j == i) for j in range(len(names)))) - value(none)
        for i, name in enumerate(names)
    }
    joint = value(every) - value(none)
    effects["the four together add more than the sum of each alone (k)"] = joint - sum(
        gains.values()
    )
    # Ownership, as the ownership-predictor experiment asks it: do deployments with a
    # business-unit owner reach stable production more often? Averaged over the cells.
    gap = (table["stable_business"] - table["stable_technology"]).groupby(table["draw"]).mean()
    effects["business owners reach stable production more often (share)"] = gap
    # The same rate in two steps: how many initiatives each kind of owner takes live, and
    # how many of those stay. The second conditions on going live, which the owner's bar
    # decides: a stricter bar raises it even if nothing after go-live differs.
    if "live_business" in table:
        taken = table["live_business"] - table["live_technology"]
        effects["step 1: business owners take more of their initiatives live (share)"] = (
            taken.groupby(table["draw"]).mean()
        )
    if "stable_live_business" in table:
        live_gap = table["stable_live_business"] - table["stable_live_technology"]
        effects["step 2: of those taken live, business owners' stay live more often (share)"] = (
            live_gap.groupby(table["draw"]).mean()
        )
    rows = []
    for finding, series in effects.items():
        s = series.dropna()
        rows.append(
            {
                "finding": finding,
                "median": float(s.median()),
                "low": float(s.quantile(0.05)),
                "high": float(s.quantile(0.95)),
                "holds_in": float((s > 0).mean()),
                "draws": int(s.size),
                "robust": bool((s > 0).mean() >= 0.9),
            }
        )
    return pd.DataFrame(rows)
