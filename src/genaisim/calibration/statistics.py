"""Survey-like statistics of a simulated population, read the way surveys ask.

Every survey figure the model is calibrated to is a statement about organisations or
their initiatives at some point in their GenAI programme ("by the end of 2025", "over
three years"). Organisations start their programmes in different months, so each
statistic is read at a *programme age*: months since the organisation's first pilot.

A statistic is a pure function of one finished model run (:class:`RunRecord`), which
holds only what the statistics need: the monthly series of a few columns and one row
per deployment. Nothing here changes the model; adding a statistic means adding one
function to :data:`STATISTICS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from genaisim.results import payback

if TYPE_CHECKING:
    from genaisim.model import GenAISimModel

__all__ = ["STATISTICS", "RunRecord", "Statistic", "compute", "record"]

#: Monthly columns the statistics read.
SERIES = (
    "gross_value",
    "cost_running",
    "pilots_started_total",
    "promoted_total",
    "production",
    "net_value",
    "costs",
    "cumulative_net_value",
)


@dataclass(frozen=True)
class RunRecord:
    """What the statistics read from one run: monthly series and one row per deployment.

    Attributes:
        series: column -> array (organisations, months).
        start: each organisation's programme start (month of its first pilot; the
            horizon when it never started one).
        dep_org, dep_started, dep_promoted, dep_retired: per deployment; ``-1`` for a
            month that has not happened.
        dep_value_3y: each deployment's own net value (k) over its first three years,
            NaN if it is younger than that and still open.
        dep_paid_back: month each deployment's own cumulative net value came back to
            zero or above (``-1``: not yet).
        annual_ebit: each organisation's yearly EBIT (k; ``organisation.annual_ebit``
            times its size), for statistics that compare value from AI with the business.

    """

    series: dict[str, np.ndarray]
    start: np.ndarray
    dep_org: np.ndarray
    dep_started: np.ndarray
    dep_promoted: np.ndarray
    dep_retired: np.ndarray
    dep_value_3y: np.ndarray
    dep_paid_back: np.ndarray
    annual_ebit: np.ndarray

    @property
    def months(self) -> int:
        """Months simulated."""
        return self.series["net_value"].shape[1]

    def at_age(self, name: str, age: int) -> np.ndarray:
        """Column ``name`` at programme age ``age`` for each organisation (NaN past the end)."""
        values = self.series[name]
        month = self.start + age
        inside = month < self.months
        out = np.full(len(self.start), np.nan)
        rows = np.flatnonzero(inside)
        out[rows] = values[rows, month[rows]]
        return out

    def trailing(self, name: str, age: int, months: int = 12) -> np.ndarray:
        """Sum of ``name`` over the ``months`` before programme age ``age`` (NaN if not run)."""
        values = np.cumsum(self.series[name], axis=1)
        end = self.start + age - 1
        begin = end - months
        out = np.full(len(self.start), np.nan)
        rows = np.flatnonzero((end < self.months) & (begin >= -1))
        last = values[rows, end[rows]]
        first = np.where(begin[rows] >= 0, values[rows, np.maximum(begin[rows], 0)], 0.0)
        out[rows] = last - first
        return out


def record(model: GenAISimModel) -> RunRecord:
    """The statistics' view of a finished model run (no tables are built)."""
    series = {name: np.ascontiguousarray(a) for name, a in model.series().items() if name in SERIES}
    started = series["pilots_started_total"] > 0
    months = started.shape[1]
    start = np.where(started.any(axis=1), started.argmax(axis=1), months)
    org, begun, promoted, retired, value_3y, paid = [], [], [], [], [], []
    for o in model.organisations:
        for d in (*o.retired, *o.production, *o.pilots):
            org.append(o.index)
            begun.append(d.month_started)
            promoted.append(-1 if d.month_promoted is None else d.month_promoted)
            retired.append(-1 if d.month_retired is None else d.month_retired)
            value = d.net_value_3y
            if math.isnan(value) and d.month_retired is not None:
                value = d.full_net_value  # retired before its third year: its value is final
            value_3y.append(value)
            paid.append(-1 if d.month_paid_back is None else d.month_paid_back)
    ebit = np.array(
        [o.params.organisation.annual_ebit * o.size for o in model.organisations], float
    )
    return RunRecord(
        series=series,
        start=start,
        dep_org=np.array(org, dtype=np.int64),
        dep_started=np.array(begun, dtype=np.int64),
        dep_promoted=np.array(promoted, dtype=np.int64),
        dep_retired=np.array(retired, dtype=np.int64),
        dep_value_3y=np.array(value_3y, dtype=float),
        dep_paid_back=np.array(paid, dtype=np.int64),
        annual_ebit=ebit,
    )


@dataclass(frozen=True)
class Statistic:
    """One survey-like statistic: its name, what it means and how it is computed."""

    name: str
    unit: str
    help: str
    compute: Callable[[RunRecord], float]


def _share(mask: np.ndarray, among: np.ndarray) -> float:
    n = int(among.sum())
    return float((mask & among).sum() / n) if n else math.nan


def _early_pilots(r: RunRecord, months: int = 24) -> np.ndarray:
    """Pilots started in the first ``months`` of their organisation's programme."""
    age = r.dep_started - r.start[r.dep_org]
    return (age >= 0) & (age < months)


def pilot_to_production(r: RunRecord) -> float:
    """Share of early pilots live within 36 months of the programme's start."""
    early = _early_pilots(r)
    limit = r.start[r.dep_org] + 36
    live = (r.dep_promoted >= 0) & (r.dep_promoted < limit)
    return _share(live, early & (limit <= r.months))


def months_to_production(r: RunRecord) -> float:
    """Mean months from pilot start to go-live among early pilots that went live."""
    early = _early_pilots(r) & (r.dep_promoted >= 0)
    if not early.any():
        return math.nan
    return float(np.mean(r.dep_promoted[early] - r.dep_started[early]))


def abandoned_after_poc(r: RunRecord) -> float:
    """Share of early pilots stopped before production within 30 months of the start."""
    early = _early_pilots(r)
    limit = r.start[r.dep_org] + 30
    stopped = (r.dep_retired >= 0) & (r.dep_retired < limit) & (r.dep_promoted < 0)
    return _share(stopped, early & (limit <= r.months))


def low_conversion(r: RunRecord, age: int = 18) -> float:
    """Share of organisations that had taken 30% or fewer of their pilots live by age 18.

    Pilots ever taken live (including any since retired) over pilots started.
    """
    started = r.at_age("pilots_started_total", age)
    promoted = r.at_age("promoted_total", age)
    seen = np.isfinite(started) & (started > 0)
    ratio = np.divide(promoted, started, out=np.zeros_like(promoted), where=seen)
    return _share(ratio <= 0.3, seen)


#: Material value for an organisation, in another reading of BCG's "tangible value":
#: operating value over a year of at least this share of its yearly EBIT (judgement: 0.5%,
#: about 0.5 M a year for the calibrated median enterprise). docs/calibration.md shows it,
#: and 0.25% and 1%, beside the fitted reading (any value above running costs).
MATERIAL_SHARE_OF_EBIT = 0.005


def _no_value_above(r: RunRecord, share: float, age: int = 21) -> float:
    operating = r.trailing("gross_value", age) - r.trailing("cost_running", age)
    seen = np.isfinite(operating)
    return _share(np.nan_to_num(operating) <= share * r.annual_ebit, seen)


def no_tangible_value(r: RunRecord, age: int = 21) -> float:
    """Share of organisations whose live systems did not earn their running costs (age 21).

    Over the last 12 months: the value the organisation's live systems made, less what
    running them cost (support or licences, SLAs, owners' time, inference). An
    organisation with nothing live has no tangible value. The investment (team, pilots,
    data, integration) is not counted here; :func:`net_value_positive` counts it.
    """
    return _no_value_above(r, 0.0, age)


def no_material_value(r: RunRecord, age: int = 21) -> float:
    """Share of organisations whose live systems earned no material value (age 21).

    Over the last 12 months: the value the organisation's live systems made, less what
    running them cost, was at most 0.5% of its yearly EBIT (``MATERIAL_SHARE_OF_EBIT``).
    An organisation with nothing live has no material value. The investment (team,
    pilots, data, integration) is not counted.
    """
    return _no_value_above(r, MATERIAL_SHARE_OF_EBIT, age)


def net_value_positive(r: RunRecord, age: int = 21) -> float:
    """Share of organisations whose programme earned more than it cost over the last 12 months.

    Every cost counted: team, pilots, running, integration, data, feedback (age 21).
    """
    net = r.trailing("net_value", age)
    seen = np.isfinite(net)
    return _share(np.nan_to_num(net) > 0.0, seen)


def high_performers(r: RunRecord, age: int = 30) -> float:
    """Share of organisations whose last 12 months' net value exceeds 5% of yearly EBIT."""
    net = r.trailing("net_value", age)
    seen = np.isfinite(net)
    return _share(np.nan_to_num(net) > 0.05 * r.annual_ebit, seen)


def initiatives_with_roi(r: RunRecord) -> float:
    """Share of early initiatives whose own net value over three years is positive.

    Among those started at least 36 months before the end of the run, so that an
    initiative stopped early (whose value is final) and one still open are counted alike.
    """
    known = _early_pilots(r) & (r.dep_started + 36 <= r.months) & np.isfinite(r.dep_value_3y)
    return _share(np.nan_to_num(r.dep_value_3y) > 0.0, known)


def _months_to_payback(r: RunRecord) -> np.ndarray:
    """Each organisation's months from its first pilot to its programme's payback (NaN: not)."""
    return payback(r.series["cumulative_net_value"], r.series["pilots_started_total"])[
        "months_to_payback"
    ]


def programme_payback(r: RunRecord) -> float:
    """Median months from an organisation's first pilot to its programme's payback.

    Among organisations whose cumulative net value came back to zero within the horizon.
    """
    months = _months_to_payback(r)
    months = months[np.isfinite(months)]
    return float(np.median(months)) if months.size else math.nan


def typical_payback(r: RunRecord) -> float:
    """Median months from an organisation's first pilot to its programme's payback.

    Over all organisations that started: one not paid back by the end of the run counts
    as paying back the month after it, so when more than half had not paid back the
    median is the run's remaining length (a censored value, not a payback time).
    """
    months = _months_to_payback(r)
    began = r.start < r.months
    if not began.any():
        return math.nan
    never = (r.months - r.start + 1).astype(float)
    months = np.where(np.isfinite(months), months, never)[began]
    return float(np.median(months))


def paid_back_by_48(r: RunRecord, age: int = 48) -> float:
    """Share of organisations whose programme had paid back 48 months after its first pilot.

    Among organisations whose programme is at least 48 months old by the end of the run:
    the median organisation pays back within four years exactly when this share is at
    least one half. Every cost counted.
    """
    months = _months_to_payback(r)
    seen = r.start + age <= r.months
    return _share(np.nan_to_num(months, nan=np.inf) <= age, seen)


def payback_within_year(r: RunRecord) -> float:
    """Share of early initiatives whose own net value was back to zero within 12 months."""
    seen = _early_pilots(r) & (r.dep_started + 12 <= r.months)
    paid = (r.dep_paid_back >= 0) & (r.dep_paid_back - r.dep_started <= 12)
    return _share(paid, seen)


def median_payback(r: RunRecord) -> float:
    """Median months from start to payback among early initiatives that paid back."""
    paid = _early_pilots(r) & (r.dep_paid_back >= 0)
    if not paid.any():
        return math.nan
    return float(np.median(r.dep_paid_back[paid] - r.dep_started[paid]))


def at_scale(r: RunRecord, age: int) -> float:
    """Share of organisations with three or more systems live at programme age ``age``."""
    live = r.at_age("production", age)
    seen = np.isfinite(live)
    return _share(np.nan_to_num(live) >= 3, seen)


#: Every statistic a target can name, in the order reports list them.
STATISTICS: dict[str, Statistic] = {
    s.name: s
    for s in (
        Statistic("pilot_to_production", "share", pilot_to_production.__doc__, pilot_to_production),
        Statistic(
            "months_to_production", "months", months_to_production.__doc__, months_to_production
        ),
        Statistic("abandoned_after_poc", "share", abandoned_after_poc.__doc__, abandoned_after_poc),
        Statistic("low_conversion", "share", low_conversion.__doc__, low_conversion),
        Statistic("no_tangible_value", "share", no_tangible_value.__doc__, no_tangible_value),
        Statistic("no_material_value", "share", no_material_value.__doc__, no_material_value),
        Statistic(
            "no_value_above_quarter_pct",
            "share",
            "As no_material_value, with material read as 0.25% of yearly EBIT.",
            lambda r: _no_value_above(r, 0.0025),
        ),
        Statistic(
            "no_value_above_1pct",
            "share",
            "As no_material_value, with material read as 1% of yearly EBIT.",
            lambda r: _no_value_above(r, 0.01),
        ),
        Statistic("net_value_positive", "share", net_value_positive.__doc__, net_value_positive),
        Statistic("high_performers", "share", high_performers.__doc__, high_performers),
        Statistic(
            "initiatives_with_roi", "share", initiatives_with_roi.__doc__, initiatives_with_roi
        ),
        Statistic("payback_within_year", "share", payback_within_year.__doc__, payback_within_year),
        Statistic("median_payback", "months", median_payback.__doc__, median_payback),
        Statistic("programme_payback", "months", programme_payback.__doc__, programme_payback),
        Statistic("typical_payback", "months", typical_payback.__doc__, typical_payback),
        Statistic("paid_back_by_48", "share", paid_back_by_48.__doc__, paid_back_by_48),
        Statistic(
            "at_scale_year_1",
            "share",
            "Share of organisations with three or more systems live at programme age 12.",
            lambda r: at_scale(r, 12),
        ),
        Statistic(
            "at_scale_year_2",
            "share",
            "Share of organisations with three or more systems live at programme age 24.",
            lambda r: at_scale(r, 24),
        ),
    )
}


def compute(run: RunRecord, names: list[str] | None = None) -> dict[str, float]:
    """The named statistics (all by default) of one run."""
    return {name: STATISTICS[name].compute(run) for name in names or STATISTICS}
