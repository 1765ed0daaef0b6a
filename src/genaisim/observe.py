"""Observation, kept apart from behaviour: the month's tally and the recorder's columns.

Agents add what happens to their organisation's :class:`MonthlyTally` as they act;
they never compute outputs. The recorder reads each organisation once a month
through :data:`COLUMNS`, a list of named columns with their type and how each is
read. Adding an outcome to the monthly table means adding one :class:`Column`
here (and, if it needs a new count, one field of the tally).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genaisim.agents import Organisation

NAN = math.nan


@dataclass(slots=True)
class MonthlyTally:
    """What happened in one organisation this month; a fresh one every month."""

    started: int = 0
    promoted: int = 0
    abandoned: int = 0
    cut: int = 0
    rolled_back: int = 0
    gross: float = 0.0
    # costs by kind (k), so a finance team can see where the money goes
    cost_team: float = 0.0
    cost_pilots: float = 0.0
    cost_running: float = 0.0
    cost_one_off: float = 0.0
    cost_data: float = 0.0
    cost_feedback: float = 0.0
    tasks: float = 0.0
    quality_sum: float = 0.0
    quality_systems: int = 0
    measured_value: float = 0.0
    measured_systems: int = 0
    flags_raised: int = 0
    flags_acted: float = 0.0
    incidents_opened: int = 0
    incidents_resolved: int = 0
    resolve_months: int = 0
    engagement_sum: float = 0.0
    reviewers: int = 0
    data_fixes: int = 0
    minutes_before: float = 0.0
    minutes_after: float = 0.0
    errors_before: float = 0.0
    errors_after: float = 0.0
    escalations: float = 0.0
    cost_per_task_after: float = 0.0

    @property
    def costs(self) -> float:
        """Every cost of the month (k)."""
        return (
            self.cost_team
            + self.cost_pilots
            + self.cost_running
            + self.cost_one_off
            + self.cost_data
            + self.cost_feedback
        )


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the monthly table: its name, type and how it is read."""

    name: str
    kind: type
    read: Callable[[Organisation], float]
    help: str = ""


def _per_task(total: Callable[[MonthlyTally], float]) -> Callable[[Organisation], float]:
    def read(org: Organisation) -> float:
        t = org.tally
        return total(t) / t.tasks if t.tasks > 0.0 else NAN

    return read


def _ratio(num: Callable[[MonthlyTally], float], den: Callable[[MonthlyTally], float]):
    def read(org: Organisation) -> float:
        d = den(org.tally)
        return num(org.tally) / d if d else NAN

    return read


def _wage(org: Organisation) -> float:
    return org.params.operations.labour_cost / 60.0


#: The monthly table, one row per organisation per month, in this order.
COLUMNS: tuple[Column, ...] = (
    Column("organisation", int, lambda o: o.index, "Organisation number within the model."),
    Column("month", int, lambda o: o.model.month, "Month (0 is January 2024)."),
    Column("pilots", int, lambda o: len(o.pilots), "Pilots open at the end of the month."),
    Column(
        "prototypes_awaiting_go_live",
        int,
        lambda o: sum(1 for d in o.pilots if d.built),
        "Finished prototypes not yet live.",
    ),
    Column(
        "permanent_prototypes",
        int,
        lambda o: sum(
            1
            for d in o.pilots
            if o.model.month - d.month_started >= o.params.portfolio.permanent_prototype_months
        ),
        "Pilots open longer than the permanent-prototype age.",
    ),
    Column("production", int, lambda o: len(o.production), "Systems live."),
    Column("retired", int, lambda o: len(o.retired), "Deployments retired so far."),
    Column("pilots_started", int, lambda o: o.tally.started, "Pilots started this month."),
    Column("promoted", int, lambda o: o.tally.promoted, "Pilots taken live this month."),
    Column("abandoned", int, lambda o: o.tally.abandoned, "Pilots stopped this month."),
    Column("cut", int, lambda o: o.tally.cut, "Live systems cut at a budget review."),
    Column("rolled_back", int, lambda o: o.tally.rolled_back, "Live systems rolled back."),
    Column("pilots_started_total", int, lambda o: o.pilots_started, "Pilots started so far."),
    Column("promoted_total", int, lambda o: o.promotions, "Pilots taken live so far."),
    Column("gross_value", float, lambda o: o.tally.gross, "Cash value the systems made (k)."),
    Column("costs", float, lambda o: o.tally.costs, "Every cost of the month (k)."),
    Column("net_value", float, lambda o: o.tally.gross - o.tally.costs, "Value less costs (k)."),
    Column("cumulative_net_value", float, lambda o: o.cumulative_value, "Net value so far (k)."),
    Column("cost_team", float, lambda o: o.tally.cost_team, "Delivery team (k)."),
    Column("cost_pilots", float, lambda o: o.tally.cost_pilots, "Open pilots' running costs (k)."),
    Column(
        "cost_running",
        float,
        lambda o: o.tally.cost_running,
        "Live systems: inference, support, SLA, licences, owners' time (k).",
    ),
    Column(
        "cost_one_off",
        float,
        lambda o: o.tally.cost_one_off,
        "Integration at go-live and KPI baselines (k).",
    ),
    Column("cost_data", float, lambda o: o.tally.cost_data, "Data programme and fixes (k)."),
    Column(
        "cost_feedback",
        float,
        lambda o: o.tally.cost_feedback,
        "Flag tooling and process, manual routing, revisions, fine-tuning (k).",
    ),
    Column("team_size", float, lambda o: o.team, "Delivery team, in initiatives' worth."),
    Column("tasks_processed", float, lambda o: o.tally.tasks, "Tasks the live systems did."),
    Column(
        "task_minutes_before",
        float,
        _per_task(lambda t: t.minutes_before),
        "Minutes per task by hand (KPI).",
    ),
    Column(
        "task_minutes_after",
        float,
        _per_task(lambda t: t.minutes_after),
        "Minutes per task with the system (KPI).",
    ),
    Column(
        "error_rate_manual",
        float,
        _per_task(lambda t: t.errors_before),
        "Error rate by hand (KPI).",
    ),
    Column(
        "error_rate_after",
        float,
        _per_task(lambda t: t.errors_after),
        "Error rate with the system (KPI).",
    ),
    Column(
        "escalation_rate",
        float,
        _per_task(lambda t: t.escalations),
        "Share of outputs a human reviews (KPI).",
    ),
    Column(
        "cost_per_transaction_before",
        float,
        lambda o: o.tally.minutes_before / o.tally.tasks * _wage(o) if o.tally.tasks else NAN,
        "Labour cost per task by hand (KPI).",
    ),
    Column(
        "cost_per_transaction_after",
        float,
        _per_task(lambda t: t.cost_per_task_after),
        "Cost per task with the system, running costs included (KPI).",
    ),
    Column(
        "production_quality",
        float,
        _ratio(lambda t: t.quality_sum, lambda t: t.quality_systems),
        "Mean quality of live systems on production data.",
    ),
    Column(
        "latest_demo_quality",
        float,
        lambda o: o.latest_demo_quality,
        "Demo-data quality of the latest prototype.",
    ),
    Column("flags_raised", int, lambda o: o.tally.flags_raised, "Reviewer flags raised."),
    Column("flags_acted", float, lambda o: o.tally.flags_acted, "Flags acted on by owners."),
    Column("incidents_opened", int, lambda o: o.tally.incidents_opened, "Incidents opened."),
    Column(
        "incidents_open",
        int,
        lambda o: sum(1 for d in o.production if d.incident_months >= 0),
        "Incidents open at the end of the month.",
    ),
    Column("incidents_resolved", int, lambda o: o.tally.incidents_resolved, "Incidents resolved."),
    Column(
        "mean_months_to_resolve",
        float,
        _ratio(lambda t: t.resolve_months, lambda t: t.incidents_resolved),
        "Mean age of the incidents resolved this month.",
    ),
    Column("data_fixes", int, lambda o: o.tally.data_fixes, "Data fixes completed."),
    Column(
        "reviewer_engagement",
        float,
        _ratio(lambda t: t.engagement_sum, lambda t: t.reviewers),
        "Mean engagement of reviewers.",
    ),
    Column("data_quality", float, lambda o: o.data_quality, "Production data quality."),
    Column("model_capability", float, lambda o: o.model_capability, "Base model capability."),
    Column("leadership_confidence", float, lambda o: o.confidence, "Leadership's confidence."),
    Column("infrastructure_mindset", float, lambda o: o.mindset, "Infrastructure mindset."),
    Column("technical_skill", float, lambda o: o.technical_skill, "Technology team's skill."),
    Column("hype", float, lambda o: o.hype, "Extra appetite from hype shocks."),
    Column("team_attention", float, lambda o: o.attention, "Attention per open initiative."),
)

TIMESERIES_TYPES: dict[str, type] = {c.name: c.kind for c in COLUMNS}
TIMESERIES_COLUMNS: tuple[str, ...] = tuple(TIMESERIES_TYPES)
INTEGER_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind is int)
_READERS = tuple(c.read for c in COLUMNS)


def monthly_row(org: Organisation) -> list[float]:
    """The organisation's row of the monthly table, in :data:`COLUMNS` order."""
    return [read(org) for read in _READERS]
