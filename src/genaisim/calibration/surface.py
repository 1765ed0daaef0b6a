"""Which figures the model can match together: a response surface over the priors' box.

A prior-predictive sample (parameter sets drawn uniformly from the priors, one simulated
population each) says which figures *its* sets match together. Between the sets the
model is smooth enough to interpolate: :func:`joint_reach` fits one quadratic response
surface per statistic (ridge regression on the standardised parameters, with the
penalty chosen by cross-validation), then scores a dense uniform sample of the box
(``points``, default 200,000) against every band. The result bounds what a calibration
over the same box can reach, with the surfaces' fit (R²) reported beside it: where a
surface fits poorly, so does its bound.

It is a screening tool, not a proof. A surface smooths away the simulations' noise, so
it answers "is there a region where the *expected* figures all sit in their bands",
which is the question a calibration's medians face.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["JointReach", "joint_reach"]


@dataclass(frozen=True)
class JointReach:
    """What the response surfaces say about matching figures together.

    Attributes:
        best: the most figures (surveys) any point of the box matches together.
        points_at_best: how many of the scored points match that many.
        points: points scored.
        missed_at_best: per figure, the share of the best points that miss it.
        r2: per statistic, the surface's R² on the sample it was fitted to.
        best_point: the parameter values of one best point.

    """

    best: int
    points_at_best: int
    points: int
    missed_at_best: dict[str, float]
    r2: dict[str, float]
    best_point: dict[str, float]


def _surface(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    model = make_pipeline(
        StandardScaler(), PolynomialFeatures(2), RidgeCV(alphas=np.logspace(-3, 3, 13))
    )
    return model.fit(x, y)


def joint_reach(
    sample: pd.DataFrame,
    box: Mapping[str, tuple[float, float]],
    figures: Mapping[str, Sequence[tuple[str, float, float]]],
    points: int = 200_000,
    seed: int = 0,
) -> JointReach:
    """Fit a surface per statistic to ``sample`` and score ``points`` draws from ``box``.

    Args:
        sample: one row per simulated parameter set: a column per parameter in ``box``
            and per statistic the figures name.
        box: each parameter's (low, high): the priors' box.
        figures: each figure's statistics as (statistic, band low, band high); a point
            matches a figure when every one of its statistics lies in its band.
        points: uniform draws from the box to score.
        seed: seed of those draws.

    """
    keys = list(box)
    x = sample[keys].to_numpy(float)
    rng = np.random.default_rng(seed)
    low = np.array([box[k][0] for k in keys], float)
    high = np.array([box[k][1] for k in keys], float)
    grid = low + (high - low) * rng.random((points, len(keys)))
    statistics = dict.fromkeys(s for parts in figures.values() for s, _, _ in parts)
    predicted, r2 = {}, {}
    for name in statistics:
        y = sample[name].to_numpy(float)
        known = np.isfinite(y)
        surface = _surface(x[known], y[known])
        r2[name] = float(surface.score(x[known], y[known]))
        predicted[name] = surface.predict(grid)
    matched = pd.DataFrame(
        {
            figure: np.logical_and.reduce(
                [(predicted[s] >= lo) & (predicted[s] <= hi) for s, lo, hi in parts]
            )
            for figure, parts in figures.items()
        }
    )
    counts = matched.sum(axis=1).to_numpy()
    best = int(counts.max())
    at_best = counts == best
    first = int(np.argmax(at_best))
    return JointReach(
        best=best,
        points_at_best=int(at_best.sum()),
        points=points,
        missed_at_best={f: float((~matched[f][at_best]).mean()) for f in figures},
        r2=r2,
        best_point={k: float(v) for k, v in zip(keys, grid[first], strict=True)},
    )
