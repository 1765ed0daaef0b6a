"""Which figures the model can match together: a response surface over the priors' box.

A prior-predictive sample (parameter sets drawn uniformly from the priors, one simulated
population each) says which figures *its* sets match together. Between the sets the
model is smooth enough to interpolate: :func:`joint_reach` fits one quadratic response
surface per statistic (ridge regression on the standardised parameters, with the
penalty chosen by cross-validation; predictions clipped to each statistic's range),
then scores a dense uniform sample of the box against every band.

It is a screening tool, not a bound. Its answer is "is there a region where the
*expected* figures all sit in their bands", as far as a quadratic can tell, and it has
blind spots, which a reader of its result should keep in mind:

- a surface smooths the simulations' noise away; a point whose expected value is just
  inside a band is inside in only about half of simulated populations;
- a quadratic cannot follow a floor (a share stuck at 0) or a threshold, and
  extrapolates worst at the box's corners;
- integer parameters are treated as continuous;
- a best count over a random grid can miss a narrow region, or find a sliver that a
  refit would not.

So :func:`joint_reach` reports the surfaces' cross-validated fit (R² and residual
standard deviation, to set beside each band's half-width), and with ``refits`` the best
count again for surfaces refitted to bootstrap resamples of the sample, each scored on
its own grid; the page that uses it also simulates the best point.
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
        best: the most figures (surveys) any scored point matches together.
        points_at_best: how many of the scored points match that many.
        points: points scored.
        missed_at_best: per figure, the share of the best points that miss it.
        r2: per statistic, the surface's R² on the sample it was fitted to.
        cv_r2: per statistic, the 5-fold cross-validated R².
        residual_sd: per statistic, the standard deviation of the cross-validated
            residuals, in the statistic's unit (compare with the band's half-width).
        best_point: the parameter values of one best point.
        refit_best: the best count of each bootstrap refit (empty without ``refits``).

    """

    best: int
    points_at_best: int
    points: int
    missed_at_best: dict[str, float]
    r2: dict[str, float]
    cv_r2: dict[str, float]
    residual_sd: dict[str, float]
    best_point: dict[str, float]
    refit_best: tuple[int, ...] = ()


def _surface_model():
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    return make_pipeline(
        StandardScaler(), PolynomialFeatures(2), RidgeCV(alphas=np.logspace(-3, 3, 13))
    )


def _surface(x: np.ndarray, y: np.ndarray):
    return _surface_model().fit(x, y)


def _matched(
    predicted: Mapping[str, np.ndarray],
    figures: Mapping[str, Sequence[tuple[str, float, float]]],
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            figure: np.logical_and.reduce(
                [(predicted[s] >= lo) & (predicted[s] <= hi) for s, lo, hi in parts]
            )
            for figure, parts in figures.items()
        }
    )


def _score(
    x: np.ndarray,
    sample: pd.DataFrame,
    statistics: Sequence[str],
    grid: np.ndarray,
    limits: Mapping[str, tuple[float, float]],
) -> dict[str, np.ndarray]:
    predicted = {}
    for name in statistics:
        y = sample[name].to_numpy(float)
        known = np.isfinite(y)
        low, high = limits.get(name, (-np.inf, np.inf))
        predicted[name] = np.clip(_surface(x[known], y[known]).predict(grid), low, high)
    return predicted


def joint_reach(
    sample: pd.DataFrame,
    box: Mapping[str, tuple[float, float]],
    figures: Mapping[str, Sequence[tuple[str, float, float]]],
    points: int = 200_000,
    seed: int = 0,
    limits: Mapping[str, tuple[float, float]] | None = None,
    refits: int = 0,
) -> JointReach:
    """Fit a surface per statistic to ``sample`` and score ``points`` draws from ``box``.

    Args:
        sample: one row per simulated parameter set: a column per parameter in ``box``
            and per statistic the figures name.
        box: each parameter's (low, high): the priors' box.
        figures: each figure's statistics as (statistic, band low, band high); a point
            matches a figure when every one of its statistics lies in its band.
        points: uniform draws from the box to score.
        seed: seed of those draws (and of the refits' resamples).
        limits: per statistic, the range its predictions are clipped to (a share's
            [0, 1]); unlimited when not given.
        refits: bootstrap refits whose best counts are reported in ``refit_best``.

    """
    from sklearn.model_selection import KFold, cross_val_predict

    limits = limits or {}
    keys = list(box)
    x = sample[keys].to_numpy(float)
    rng = np.random.default_rng(seed)
    low = np.array([box[k][0] for k in keys], float)
    high = np.array([box[k][1] for k in keys], float)
    grid = low + (high - low) * rng.random((points, len(keys)))
    statistics = list(dict.fromkeys(s for parts in figures.values() for s, _, _ in parts))
    r2, cv_r2, residual_sd = {}, {}, {}
    folds = KFold(5, shuffle=True, random_state=seed)
    for name in statistics:
        y = sample[name].to_numpy(float)
        known = np.isfinite(y)
        r2[name] = float(_surface(x[known], y[known]).score(x[known], y[known]))
        cv = cross_val_predict(_surface_model(), x[known], y[known], cv=folds)
        residual = y[known] - cv
        cv_r2[name] = float(1.0 - residual.var() / y[known].var()) if y[known].var() else np.nan
        residual_sd[name] = float(residual.std(ddof=1))
    matched = _matched(_score(x, sample, statistics, grid, limits), figures)
    counts = matched.sum(axis=1).to_numpy()
    best = int(counts.max())
    at_best = counts == best
    first = int(np.argmax(at_best))
    refit_best = []
    for _ in range(refits):
        rows = rng.integers(len(sample), size=len(sample))
        again = sample.iloc[rows].reset_index(drop=True)
        other = low + (high - low) * rng.random((points, len(keys)))
        scored = _matched(
            _score(again[keys].to_numpy(float), again, statistics, other, limits), figures
        )
        refit_best.append(int(scored.sum(axis=1).max()))
    return JointReach(
        best=best,
        points_at_best=int(at_best.sum()),
        points=points,
        missed_at_best={f: float((~matched[f][at_best]).mean()) for f in figures},
        r2=r2,
        cv_r2=cv_r2,
        residual_sd=residual_sd,
        best_point={k: float(v) for k, v in zip(keys, grid[first], strict=True)},
        refit_best=tuple(refit_best),
    )
