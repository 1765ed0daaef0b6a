"""How a scenario's simulated statistics sit in the targets' bands (posterior predictive check).

:func:`simulate_statistics` runs a population many times, each run with its own seed
and, when a posterior is given, its own parameter set drawn from it; :func:`band_table`
sets the result beside the targets: the published value, its band, and the simulated
median with a 90% interval over runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from genaisim.calibration.posterior import Posterior
from genaisim.calibration.spec import CalibrationSpec
from genaisim.calibration.statistics import compute, record
from genaisim.results import replication_seed
from genaisim.scenario import Scenario

__all__ = ["band_table", "simulate_statistics", "surveys_inside"]


def _one_run(scenario_data: dict[str, Any], seed: int, names: list[str]) -> dict[str, float]:
    from genaisim.model import GenAISimModel

    scenario = Scenario.model_validate(scenario_data)
    return compute(record(GenAISimModel(scenario, rng=seed).run()), names)


def simulate_statistics(
    scenario: Scenario,
    runs: int,
    seed: int,
    names: list[str],
    posterior: Posterior | None = None,
    executor: Executor | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> pd.DataFrame:
    """One row per run: ``run``, ``draw`` (-1 without a posterior), then each statistic.

    Run ``i`` uses replication seed ``i`` of ``seed``, and with a posterior the ``i``-th
    parameter set drawn from it, so the same arguments give the same table.
    """
    draws = posterior.draw(runs, seed, scenario) if posterior is not None else [{}] * runs
    jobs = [
        (scenario.with_changes(values).model_dump(mode="json"), replication_seed(seed, i), names)
        for i, values in enumerate(draws)
    ]
    if executor is None:
        outputs: Iterable[dict[str, float]] = (_one_run(*job) for job in jobs)
    else:
        futures = [executor.submit(_one_run, *job) for job in jobs]
        outputs = (f.result() for f in futures)
    if progress is not None:
        outputs = progress(outputs)
    rows = [
        {"run": i, "draw": i if posterior is not None else -1, **values, **out}
        for i, (values, out) in enumerate(zip(draws, outputs, strict=True))
    ]
    return pd.DataFrame(rows)


def band_table(spec: CalibrationSpec, statistics: pd.DataFrame) -> pd.DataFrame:
    """Each target beside its simulated median and 90% interval over runs.

    ``inside`` says whether the simulated median lies in the band; ``share_inside`` is
    the share of runs whose value does.
    """
    rows = []
    for t in spec.targets:
        values = statistics[t.statistic].to_numpy(float)
        finite = values[np.isfinite(values)]
        median = float(np.median(finite)) if finite.size else float("nan")
        low, high = (
            (float(np.quantile(finite, 0.05)), float(np.quantile(finite, 0.95)))
            if finite.size
            else (float("nan"),) * 2
        )
        rows.append(
            {
                "survey": t.survey,
                "statistic": t.statistic,
                "observed": t.observed,
                "band_low": t.band[0],
                "band_high": t.band[1],
                "median": median,
                "low": low,
                "high": high,
                "inside": t.inside(median),
                "share_inside": float(np.mean([t.inside(v) for v in values])),
                "runs": int(finite.size),
            }
        )
    return pd.DataFrame(rows)


def surveys_inside(table: pd.DataFrame) -> pd.Series:
    """Per survey (figure), whether every one of its statistics is inside its band."""
    return table.groupby("survey", sort=False)["inside"].all()
