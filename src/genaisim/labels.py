"""Trajectory labels, computed from a simulated trajectory alone.

The rule reads only an organisation's monthly series (value, stage counts); it
never looks at the scenario's inputs. See docs/ODD.md, "Trajectory labels".

In order, the first that applies:

1. **compounding** — net value in the last ``window`` months is positive and exceeds
   the net value of the ``window`` months before by at least ``growth`` (relative,
   measured against ``max(|previous|, value_floor)``): value is still accelerating.
2. **pilot loop** — at the end more pilots are open than systems are in production,
   at least ``min_pilots`` pilots were started, and the open-pilot count has not
   shrunk over the second half of the run: a growing portfolio, few in production.
3. **stalled** — net value over the last ``window`` months is zero or negative.
4. **flat** — positive but not growing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COMPOUNDING = "compounding"
PILOT_LOOP = "pilot loop"
STALLED = "stalled"
FLAT = "flat"
LABELS = (COMPOUNDING, PILOT_LOOP, STALLED, FLAT)


@dataclass(frozen=True)
class LabelRule:
    """Thresholds of the labelling rule (documented defaults; change them to test robustness)."""

    window: int = 12  # months compared: the last year against the year before
    growth: float = 0.10  # relative growth that counts as still compounding
    value_floor: float = 10.0  # k/month: growth is judged against at least this much value
    min_pilots: int = 3  # a pilot loop needs a portfolio, not one lingering pilot


def label_trajectory(
    net_value: np.ndarray,
    pilots: np.ndarray,
    production: np.ndarray,
    pilots_started_total: float,
    rule: LabelRule = LabelRule(),
) -> str:
    """Label one organisation's trajectory from its monthly series (in month order)."""
    w = rule.window
    late = float(np.sum(net_value[-w:]))
    previous = float(np.sum(net_value[-2 * w : -w])) if len(net_value) > w else 0.0
    scale = max(abs(previous), rule.value_floor * w)
    if late > 0.0 and late - previous >= rule.growth * scale:
        return COMPOUNDING
    half = len(pilots) // 2
    if (
        pilots[-1] > production[-1]
        and pilots_started_total >= rule.min_pilots
        and pilots[-1] >= pilots[half]
    ):
        return PILOT_LOOP
    if late <= 0.0:
        return STALLED
    return FLAT
