"""Feature scoring: which parameters matter for an outcome, in any sweep.

Method (Jaxa-Rozen & Kwakkel 2018, as the EMA Workbench implements it): an ensemble of
extremely randomised trees (scikit-learn's ``ExtraTreesRegressor``, or
``ExtraTreesClassifier`` for a 0/1 outcome such as a label or a condition) is fitted
to the outcome of every run from its parameters. Three numbers per parameter:

- ``importance``: the trees' mean decrease in impurity, normalised to sum to 1;
- ``importance_low``/``importance_high``: its 95% bootstrap interval, refitting the
  trees on ``bootstraps`` resamples of the runs (drawn with replacement);
- ``permutation``: how much the fitted ensemble's score (R² or accuracy) falls when the
  parameter's column is shuffled (scikit-learn's ``permutation_importance``), with its
  standard deviation over ``shuffles`` shuffles. Impurity importance can favour
  parameters with many distinct values; permutation importance does not, so read a
  parameter that ranks high on one and low on the other with care.

A parameter that does not affect the outcome scores near zero on both.

    >>> from genaisim.explore import feature_scores
    >>> feature_scores(load_sweep("results/discover_compounding"), "compounding")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from genaisim.experiments import ExperimentError, SweepResults
from genaisim.explore.condition import evaluate
from genaisim.explore.tidy import wide_table
from genaisim.labels import LABELS

#: Trees in the ensemble: enough for stable importances on a few thousand runs.
TREES = 100
#: Bootstrap refits for the interval of the impurity importance.
BOOTSTRAPS = 20
#: Shuffles per parameter for the permutation importance.
SHUFFLES = 5


def _target(table: pd.DataFrame, outcome: str) -> tuple[np.ndarray, bool]:
    """The outcome as numbers, and whether it is a 0/1 outcome (classification)."""
    if outcome in table.columns and outcome != "label":
        values = table[outcome]
        if not pd.api.types.is_numeric_dtype(values):
            raise ExperimentError(
                f"outcome {outcome!r} is not numeric; give a numeric column, a label or a "
                "condition such as 'label == \"compounding\"'"
            )
        y = values.to_numpy(float)
        binary = bool(set(np.unique(y[~np.isnan(y)])) <= {0.0, 1.0})
        return y, binary
    if outcome in LABELS or any(op in outcome for op in ("==", "<", ">", "!=")):
        return evaluate(table, outcome).astype(float), True
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    raise ExperimentError(
        f"no outcome {outcome!r}; give a column ({', '.join(numeric)}), a label "
        f"({', '.join(LABELS)}) or a condition such as 'cumulative_net_value > 0'"
    )


def feature_scores(
    data: SweepResults | pd.DataFrame,
    outcome: str,
    parameters: Sequence[str] | None = None,
    seed: int = 0,
    trees: int = TREES,
    bootstraps: int = BOOTSTRAPS,
    shuffles: int = SHUFFLES,
) -> pd.DataFrame:
    """Extra-trees and permutation importance of each parameter for ``outcome``.

    Args:
        data: a sweep's results, or a table with one row per run (parameters and
            outcomes as columns, such as :func:`~genaisim.explore.wide_table`).
        outcome: a numeric column, a label (``compounding``) or a condition.
        parameters: the columns to score (default: every parameter the sweep varies;
            for a table, those in ``attrs["parameters"]``).
        seed: seeds the trees, the bootstrap and the shuffles: same seed, same table.
        trees: trees in the ensemble.
        bootstraps: refits on resampled runs for the interval (0: no interval).
        shuffles: shuffles per parameter for the permutation importance.

    Returns:
        One row per parameter, highest ``importance`` first: ``parameter``,
        ``importance``, ``importance_low``, ``importance_high``, ``permutation``,
        ``permutation_sd``. ``attrs`` holds ``outcome``, ``runs``, ``kind``
        (``"classification"`` or ``"regression"``) and ``score`` (the ensemble's
        out-of-bag R² or accuracy: how much of the outcome the parameters explain).

    Raises:
        ExperimentError: an unknown outcome, no parameters, or an outcome that does
            not vary.

    """
    if isinstance(data, SweepResults):
        table = wide_table(data)
    else:
        table = data
    names = list(parameters or table.attrs.get("parameters", {}))
    if not names:
        raise ExperimentError("no parameters to score: the sweep's design varies none")
    missing = [p for p in names if p not in table.columns]
    if missing:
        raise ExperimentError(f"no parameter column {', '.join(map(repr, missing))}")
    y, binary = _target(table, outcome)
    keep = ~np.isnan(y)
    x = table.loc[keep, names].astype(float).to_numpy()
    y = y[keep]
    if len(y) < 10:
        raise ExperimentError(
            f"outcome {outcome!r} has a value for {len(y)} cases; need 10 or more"
        )
    if np.ptp(y) == 0:
        raise ExperimentError(
            f"outcome {outcome!r} is {y[0]:g} for every case; there is nothing to explain"
        )
    return _scores(x, y, names, outcome, binary, seed, trees, bootstraps, shuffles)


def stable_production_scores(
    results: SweepResults,
    seed: int = 0,
    trees: int = TREES,
    bootstraps: int = BOOTSTRAPS,
    shuffles: int = SHUFFLES,
) -> pd.DataFrame:
    """Feature scores of the predictors of stable production, one row per deployment.

    The deployments and candidate predictors (owner, resourcing, KPIs, data dependence
    and the design's parameters) are those of
    :func:`genaisim.analysis.stable_production_predictors`, whose logistic regression
    gives each a direction; here extra trees score them without assuming a form.
    Returns the table of :func:`feature_scores` with ``predictor`` for ``parameter``.
    """
    from genaisim.analysis import stable_production_data

    candidates, stable = stable_production_data(results)
    names = list(candidates)
    x = np.column_stack([candidates[name] for name in names])
    table = _scores(x, stable, names, "stable production", True, seed, trees, bootstraps, shuffles)
    return table.rename(columns={"parameter": "predictor"})


def _scores(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    outcome: str,
    binary: bool,
    seed: int,
    trees: int,
    bootstraps: int,
    shuffles: int,
) -> pd.DataFrame:
    from sklearn.inspection import permutation_importance

    rng = np.random.default_rng(seed)
    model = _forest(binary, trees, seed, len(names), len(y))
    model.fit(x, y)
    importance = model.feature_importances_
    resampled = np.empty((bootstraps, len(names)))
    for b in range(bootstraps):
        rows = rng.integers(0, len(y), len(y))
        refit = _forest(binary, trees, seed + 1 + b, len(names), len(y))
        resampled[b] = refit.fit(x[rows], y[rows]).feature_importances_
    permuted = permutation_importance(model, x, y, n_repeats=shuffles, random_state=seed, n_jobs=1)
    table = pd.DataFrame(
        {
            "parameter": names,
            "importance": importance,
            "importance_low": np.quantile(resampled, 0.025, axis=0) if bootstraps else np.nan,
            "importance_high": np.quantile(resampled, 0.975, axis=0) if bootstraps else np.nan,
            "permutation": permuted.importances_mean,
            "permutation_sd": permuted.importances_std,
        }
    )
    table = table.sort_values("importance", ascending=False, ignore_index=True)
    table.attrs.update(
        {
            "outcome": outcome,
            "runs": len(y),
            "kind": "classification" if binary else "regression",
            "score": float(model.oob_score_),
            "seed": seed,
        }
    )
    return table


def _forest(binary: bool, trees: int, seed: int, features: int, runs: int) -> Any:
    """An extra-trees ensemble with the EMA Workbench's defaults for scenario discovery.

    A third of the features per split and leaves of about sqrt(runs / 1000) runs
    (Jaxa-Rozen & Kwakkel 2018); bootstrap samples so that the out-of-bag score
    says how much the parameters explain.
    """
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    kind = ExtraTreesClassifier if binary else ExtraTreesRegressor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # too few out-of-bag rows on tiny inputs
        return kind(
            n_estimators=trees,
            max_features=max(1, round(features / 3)),
            min_samples_leaf=max(1, round(np.sqrt(runs) / np.sqrt(1000))),
            bootstrap=True,
            oob_score=True,
            random_state=seed,
            n_jobs=1,
        )


__all__ = ["feature_scores", "stable_production_scores"]
