"""Trajectory labels, computed from a simulated trajectory alone.

The rule reads only an organisation's monthly series (net value, costs, stage
counts); it never looks at the scenario's inputs. See docs/ODD.md, "Trajectory
labels". The run's last three windows of ``window`` months are compared: ``V1``,
``V2``, ``V3`` are the net value of each (``V3`` the last), ``C3`` the programme's
costs in the last. Growth is judged against ``C3``, so a label does not depend on
the organisation's size or currency.

In order, the first that applies:

1. **inactive** — the organisation never started a pilot.
2. **compounding** — value was positive in the last two windows and grew over two
   consecutive windows: ``V2 >= V1`` and ``V3 - V2 >= growth * C3``. Sustained growth
   from a positive base.
3. **turnaround** — a loss in the window before (``V2 <= 0``), a positive last window
   and growth of at least ``growth * C3``: the J-curve's upturn.
4. **pilot loop** — value is not growing, more pilots are open at the end than
   systems are live, at least ``min_pilots`` pilots were started, and the open-pilot
   count has not shrunk over the second half of the run.
5. **stalled** — net value over the last window is zero or negative.
6. **flat** — positive but not growing.

A run shorter than three windows uses windows of a third of the run instead
(:func:`effective_window`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INACTIVE = "inactive"
COMPOUNDING = "compounding"
TURNAROUND = "turnaround"
PILOT_LOOP = "pilot loop"
STALLED = "stalled"
FLAT = "flat"
LABELS = (COMPOUNDING, TURNAROUND, PILOT_LOOP, STALLED, FLAT, INACTIVE)


@dataclass(frozen=True)
class LabelRule:
    """Thresholds of the labelling rule (documented defaults; change them to test robustness)."""

    window: int = 12  # months per window: the last year against the years before
    growth: float = 0.05  # growth between windows, as a share of the last window's costs
    min_pilots: int = 3  # a pilot loop needs a portfolio, not one lingering pilot


def effective_window(rule: LabelRule, months: int) -> int:
    """The window the rule compares: ``rule.window``, or a third of the run if that is shorter."""
    return max(1, min(rule.window, months // 3))


def window_sums(series: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums of the last three windows of each row of ``series`` (runs x months): V1, V2, V3."""
    months = series.shape[1]
    w = window
    last = series[:, months - w :].sum(axis=1)
    before = series[:, max(0, months - 2 * w) : months - w].sum(axis=1)
    first = series[:, max(0, months - 3 * w) : max(0, months - 2 * w)].sum(axis=1)
    return first, before, last


def label_figures(
    value_first: np.ndarray,
    value_before: np.ndarray,
    value_late: np.ndarray,
    costs_late: np.ndarray,
    pilots_end: np.ndarray,
    production_end: np.ndarray,
    pilots_midway: np.ndarray,
    pilots_started_total: np.ndarray,
    rule: LabelRule = LabelRule(),
) -> np.ndarray:
    """Labels for many trajectories at once, from the few figures the rule reads.

    ``value_first``, ``value_before`` and ``value_late`` are ``V1``, ``V2`` and ``V3``, the
    summed net value of the last three windows; ``costs_late`` is ``C3``;
    ``pilots_midway`` the open pilots halfway through the run.
    """
    before = np.asarray(value_before, dtype=float)
    late = np.asarray(value_late, dtype=float)
    growing = late - before >= rule.growth * np.asarray(costs_late, dtype=float)
    started = np.asarray(pilots_started_total)
    pilots_end = np.asarray(pilots_end)
    inactive = started <= 0
    sustained = before >= np.asarray(value_first, dtype=float)
    compounding = (before > 0.0) & (late > 0.0) & growing & sustained
    turnaround = (before <= 0.0) & (late > 0.0) & growing
    pilot_loop = (
        ~growing
        & (pilots_end > np.asarray(production_end))
        & (started >= rule.min_pilots)
        & (pilots_end >= np.asarray(pilots_midway))
    )
    stalled = late <= 0.0
    return np.select(
        [inactive, compounding, turnaround, pilot_loop, stalled],
        [INACTIVE, COMPOUNDING, TURNAROUND, PILOT_LOOP, STALLED],
        default=FLAT,
    ).astype(object)


def label_trajectory(
    net_value: np.ndarray,
    costs: np.ndarray,
    pilots: np.ndarray,
    production: np.ndarray,
    pilots_started_total: float,
    rule: LabelRule = LabelRule(),
) -> str:
    """Label one organisation's trajectory from its monthly series (in month order)."""
    net = np.asarray(net_value, dtype=float)[None, :]
    w = effective_window(rule, net.shape[1])
    first, before, late = window_sums(net, w)
    _, _, costs_late = window_sums(np.asarray(costs, dtype=float)[None, :], w)
    return str(
        label_figures(
            first,
            before,
            late,
            costs_late,
            np.array([pilots[-1]]),
            np.array([production[-1]]),
            np.array([pilots[len(pilots) // 2]]),
            np.array([pilots_started_total]),
            rule,
        )[0]
    )
