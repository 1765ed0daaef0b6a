"""Sensitivity analyses that say how far to trust them, and the one-at-a-time tornado.

- :func:`sobol_second_order`: Sobol's second-order indices (pairwise interactions) of a
  sobol design run with ``second_order = true``, as a long table for a heat map.
- :func:`sobol_convergence`: the first-order and total indices recomputed on the first
  N/4, N/2 and N base samples. Indices that still move between N/2 and N, or whose
  95% intervals are wider than a tolerance, need a larger N.
- :func:`tornado_table`: one-factor-at-a-time swings from a sweep of kind ``oat``,
  in the same shape as the app's tornado, so both draw the same chart.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from genaisim.analysis import _design, _factor_names, _point_outcome, replication_means
from genaisim.experiments import ExperimentError, SweepResults

#: Fractions of the base sample N at which :func:`sobol_convergence` recomputes.
FRACTIONS = (0.25, 0.5, 1.0)
#: Half-width of a 95% interval above which an index counts as not yet converged.
TOLERANCE = 0.05


def _analyze(results: SweepResults, values: np.ndarray, second_order: bool) -> dict:
    from SALib.analyze import sobol

    return sobol.analyze(
        copy.deepcopy(results.problem),  # SALib adds keys to the dict it is given
        values,
        calc_second_order=second_order,
        conf_level=0.95,
        seed=int(results.manifest["seed"]),
    )


def sobol_second_order(
    results: SweepResults, outcome: str = "cumulative_net_value"
) -> pd.DataFrame:
    """Second-order Sobol indices: the variance two parameters cause together, beyond alone.

    Method: SALib's Saltelli estimators, as :func:`genaisim.analysis.sobol_indices`,
    with ``calc_second_order``. Needs a sobol design with ``second_order = true``.

    Returns:
        One row per pair: ``parameter``, ``other``, ``S2``, ``S2_conf`` (half-width of
        the 95% bootstrap interval).

    """
    values = _point_outcome(results, outcome, "sobol")
    if not bool(_design(results).get("second_order", False)):
        raise ExperimentError(
            f"{results.path}: second-order indices need a sobol design with "
            "`second_order = true` in [design]; run the sweep again with it into a new folder"
        )
    indices = _analyze(results, values, True)
    names = _factor_names(results.problem)
    rows = []
    for i, first in enumerate(names):
        for j in range(i + 1, len(names)):
            rows.append(
                {
                    "parameter": first,
                    "other": names[j],
                    "S2": float(indices["S2"][i, j]),
                    "S2_conf": float(indices["S2_conf"][i, j]),
                }
            )
    return pd.DataFrame(rows)


def sobol_convergence(
    results: SweepResults,
    outcome: str = "cumulative_net_value",
    fractions: Sequence[float] = FRACTIONS,
    tolerance: float = TOLERANCE,
) -> pd.DataFrame:
    """Sobol S1 and ST on growing subsets of the base sample, to see if they have settled.

    Method: Saltelli's design lays out its points in blocks, one block per base sample
    (``D + 2`` points, or ``2D + 2`` with second-order indices); the first ``n`` blocks
    are a complete design of base sample ``n``, and with Sobol sequences the first
    N/4 and N/2 are as evenly spread as the whole. So the indices are recomputed with
    SALib on the first ``fraction x N`` blocks for each fraction. If they still move
    from N/2 to N by more than their intervals, N is too small.

    Args:
        results: a sweep of a sobol design, complete.
        outcome: the column to analyse.
        fractions: shares of N to recompute at (each must give at least 2 base samples).
        tolerance: the largest acceptable half-width of a 95% interval at full N.

    Returns:
        One row per N x parameter: ``N``, ``parameter``, ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf``. ``attrs["too_wide"]`` lists the parameters whose interval at full
        N is wider than ``tolerance`` (for S1 or ST); ``attrs["tolerance"]`` the tolerance.

    """
    values = _point_outcome(results, outcome, "sobol")
    second_order = bool(_design(results).get("second_order", False))
    names = _factor_names(results.problem)
    step = (2 if second_order else 1) * len(names) + 2
    total = len(values) // step
    rows = []
    for fraction in sorted(set(fractions)):
        n = round(total * fraction)
        if n < 2:
            continue
        indices = _analyze(results, values[: n * step], second_order)
        for i, name in enumerate(names):
            rows.append(
                {
                    "N": n,
                    "parameter": name,
                    **{k: float(indices[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")},
                }
            )
    if not rows:
        raise ExperimentError(
            f"{results.path}: base sample N = {total} is too small to split; use N of 8 or more"
        )
    table = pd.DataFrame(rows)
    last = table[table["N"] == table["N"].max()]
    wide = last[(last["S1_conf"] > tolerance) | (last["ST_conf"] > tolerance)]
    table.attrs.update(
        {"too_wide": wide["parameter"].tolist(), "tolerance": tolerance, "outcome": outcome}
    )
    return table


def tornado_table(results: SweepResults, outcome: str = "cumulative_net_value") -> pd.DataFrame:
    """One-factor-at-a-time swings of ``outcome`` from a sweep of kind ``oat``.

    For each parameter, the mean outcome (over replications, each averaged over its
    organisations) with the parameter at its lowest and highest level, the others at
    the base scenario's values, and the mean at the base point itself.

    Returns:
        One row per parameter, largest swing first: ``lever``, ``current`` (the base
        value), ``low``, ``high`` (its extreme levels), ``at_low``, ``at_high``,
        ``base`` and ``swing`` (``|at_high - at_low|``): the table
        :func:`genaisim.charts.explore.tornado` draws, as the app's tornado does.

    """
    design = _design(results)
    if design.get("kind") != "oat":
        raise ExperimentError(
            f'{results.path}: a tornado needs a one-factor-at-a-time design (kind = "oat"); '
            f"this experiment's design is {design.get('kind')!r}"
        )
    means = replication_means(results, [outcome]).groupby("point")[outcome].mean()
    points = results.points.set_index("point")
    if 0 not in means.index:
        raise ExperimentError(f"{results.path}: the base point has no results yet")
    base = float(means.loc[0])
    base_values = points.loc[0]
    rows = []
    for key, levels in design["parameters"].items():
        low, high = min(levels), max(levels)
        at = {}
        for level in (low, high):
            name = f"{key} = {level}"
            point = points.index[points["point_name"] == name]
            if len(point) == 0 or point[0] not in means.index:
                raise ExperimentError(f"{results.path}: no results yet for the point {name}")
            at[level] = float(means.loc[point[0]])
        rows.append(
            {
                "lever": key,
                "current": base_values[key],
                "low": low,
                "high": high,
                "at_low": at[low],
                "at_high": at[high],
                "base": base,
                "swing": abs(at[high] - at[low]),
            }
        )
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
    table.attrs["outcome"] = outcome
    return table


__all__ = ["sobol_convergence", "sobol_second_order", "tornado_table"]
