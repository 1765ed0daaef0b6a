"""One interval rule for every table, chart and page: the replication is the unit.

Organisations of one replication share its run (its seed, and in a population its
draws), so they are not independent observations of the scenario; replications are.
An outcome is first averaged over each replication's organisations (those with a
value: an organisation that never paid back has no payback month), then the mean of
those replication means gets Student's t interval::

    m ± t(1 - α/2; n - 1) · s / √n

with ``n`` replication means, their mean ``m`` and sample standard deviation ``s``.
Student's t rather than the normal quantile because scenarios often run few
replications (with 5, the normal interval would be 30% too narrow). With fewer than
two values the interval is undefined (NaN).

    >>> [round(x, 2) for x in mean_interval([1.0, 2.0, 3.0])]
    [2.0, -0.48, 4.48]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: Confidence of the intervals shown unless a caller asks for another.
CONFIDENCE = 0.95


def t_half_width(sd: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE) -> np.ndarray:
    """Half-width of the Student's t interval of a mean; NaN where fewer than two values."""
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(n > 1, n - 1, np.nan)
        return stats.t.ppf(0.5 + confidence / 2, df) * sd / np.sqrt(n)


def mean_interval(
    values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean and t interval of independent values (missing values left out)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(x.mean())
    if len(x) < 2:
        return (mean, np.nan, np.nan)
    half = float(t_half_width(x.std(ddof=1), len(x), confidence))
    return (mean, mean - half, mean + half)


def replication_means(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per replication, the mean of ``column`` over its organisations (with a value)."""
    return rows.groupby("replication", sort=True)[column].mean()


def replication_interval(
    rows: pd.DataFrame, column: str, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean and interval of ``column`` with the replication as the unit (see the module)."""
    return mean_interval(replication_means(rows, column).to_numpy(), confidence)
