"""A calibrated posterior: weighted parameter sets that simulations can draw from.

The file is CSV, one row per particle of the calibration's last generation: one column
per parameter key (``ownership.acceptance_margin``, ...) and a ``weight`` column. A
scenario names its posterior with ``posterior = "file.csv"`` (relative to the scenario
file); ``simulate(..., posterior=N)`` and ``genaisim run SCENARIO --posterior N`` draw N
parameter sets from it, so results carry parameter uncertainty beside the stochastic one.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genaisim.errors import GenaisimError
from genaisim.files import read_text_file
from genaisim.scenario import Scenario

__all__ = ["Posterior", "PosteriorError", "load_posterior", "weighted_quantile"]


class PosteriorError(GenaisimError, ValueError):
    """A posterior file that cannot be used, with one readable message."""


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (the inverse of the weighted CDF)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = np.cumsum(w) / np.sum(w)
    return float(v[min(int(np.searchsorted(cdf, q, side="left")), len(v) - 1)])


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter sets; ``table`` has one column per parameter key and ``weight``."""

    table: pd.DataFrame
    source: str = ""

    @property
    def keys(self) -> list[str]:
        """The calibrated parameters' keys."""
        return [c for c in self.table.columns if c != "weight"]

    @property
    def weights(self) -> np.ndarray:
        """Normalised weights, one per particle."""
        w = self.table["weight"].to_numpy(float)
        return w / w.sum()

    def median(self, key: str) -> float:
        """Weighted median of one parameter."""
        return weighted_quantile(self.table[key].to_numpy(float), self.weights, 0.5)

    def interval(self, key: str, level: float = 0.9) -> tuple[float, float]:
        """Central weighted interval of one parameter."""
        tail = (1.0 - level) / 2.0
        values = self.table[key].to_numpy(float)
        return (
            weighted_quantile(values, self.weights, tail),
            weighted_quantile(values, self.weights, 1.0 - tail),
        )

    def medians(self, scenario: Scenario | None = None) -> dict[str, float | int]:
        """Weighted medians, rounded for integer parameters of ``scenario``."""
        return self._typed({key: self.median(key) for key in self.keys}, scenario)

    def draw(self, n: int, seed: int, scenario: Scenario | None = None) -> list[dict]:
        """``n`` parameter sets drawn with replacement in proportion to their weights."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9057]))
        rows = rng.choice(len(self.table), size=n, replace=True, p=self.weights)
        return [
            self._typed({key: float(self.table[key].iloc[i]) for key in self.keys}, scenario)
            for i in rows
        ]

    def _typed(self, values: dict[str, float], scenario: Scenario | None) -> dict:
        if scenario is None:
            return values
        kinds = {p.key: p.kind for p in scenario.parameters()}
        return {k: round(v) if kinds.get(k) is int else v for k, v in values.items()}


def load_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior CSV: known parameter keys, values in range, weights > 0."""
    path = Path(path)
    text = read_text_file(path, "posterior file", PosteriorError)
    try:
        table = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise PosteriorError(f"{path}: not a CSV table ({str(exc).splitlines()[0]})") from None
    if "weight" not in table.columns:
        raise PosteriorError(f"{path}: has no 'weight' column")
    if table.empty:
        raise PosteriorError(f"{path}: has no particles (rows)")
    info = {p.key: p for p in Scenario().parameters()}
    for column in table.columns:
        if column != "weight" and column not in info:
            raise PosteriorError(f"{path}: column {column!r} is not a parameter key")
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
            raise PosteriorError(f"{path}: line {row}: {column} is not a number")
        table[column] = values
        if column == "weight":
            if (values < 0).any() or not values.sum() > 0 or not math.isfinite(values.sum()):
                raise PosteriorError(f"{path}: weights must be 0 or more, and not all 0")
            continue
        p = info[column]
        outside = (values < p.low) | (values > p.high)
        if outside.any():
            row = int(np.flatnonzero(outside.to_numpy())[0]) + 2
            raise PosteriorError(
                f"{path}: line {row}: {column} = {values.iloc[row - 2]:g} is outside its "
                f"range [{p.low:g}, {p.high:g}]"
            )
    return Posterior(table, str(path))
