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

A run shorter than two windows compares its second half with its first instead
(:func:`effective_window`), so that "the window before" is always a whole window.
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


def effective_window(rule: LabelRule, months: int) -> int:
    """The window the rule compares: ``rule.window``, or half the run if that is shorter."""
    return max(1, min(rule.window, months // 2))


def label_figures(
    late_value: np.ndarray,
    previous_value: np.ndarray,
    pilots_end: np.ndarray,
    production_end: np.ndarray,
    pilots_midway: np.ndarray,
    pilots_started_total: np.ndarray,
    rule: LabelRule = LabelRule(),
    window: int | None = None,
) -> np.ndarray:
    """Labels for many trajectories at once, from the few figures the rule reads.

    ``late_value`` and ``previous_value`` are the summed net value of the last
    ``rule.window`` months and of the window before; ``pilots_midway`` the open
    pilots halfway through the run.
    """
    late = np.asarray(late_value, dtype=float)
    previous = np.asarray(previous_value, dtype=float)
    scale = np.maximum(np.abs(previous), rule.value_floor * (window or rule.window))
    compounding = (late > 0.0) & (late - previous >= rule.growth * scale)
    pilots_end = np.asarray(pilots_end)
    pilot_loop = (
        (pilots_end > np.asarray(production_end))
        & (np.asarray(pilots_started_total) >= rule.min_pilots)
        & (pilots_end >= np.asarray(pilots_midway))
    )
    stalled = late <= 0.0
    return np.select(
        [compounding, pilot_loop, stalled], [COMPOUNDING, PILOT_LOOP, STALLED], default=FLAT
    ).astype(object)


def label_trajectory(
    net_value: np.ndarray,
    pilots: np.ndarray,
    production: np.ndarray,
    pilots_started_total: float,
    rule: LabelRule = LabelRule(),
) -> str:
    """Label one organisation's trajectory from its monthly series (in month order)."""
    net = np.asarray(net_value, dtype=float)
    w = effective_window(rule, len(net))
    late = net[-w:].sum()
    previous = net[-2 * w : -w].sum()
    return str(
        label_figures(
            np.array([late]),
            np.array([previous]),
            np.array([pilots[-1]]),
            np.array([production[-1]]),
            np.array([pilots[len(pilots) // 2]]),
            np.array([pilots_started_total]),
            rule,
            w,
        )[0]
    )
