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
    """One column of the monthly table: its name, type and how it is read.

    ``read`` is a Python expression over ``o`` (the organisation), ``t`` (its month's
    tally) and ``month``. The expressions are compiled into one function that builds a
    whole row (:func:`monthly_row`): one call per organisation-month, not one per column.
    """

    name: str
    kind: type
    read: str
    help: str = ""


def _per_task(total: str) -> str:
    return f"(({total}) / t.tasks if t.tasks > 0.0 else NAN)"


def _ratio(numerator: str, denominator: str) -> str:
    return f"(({numerator}) / ({denominator}) if ({denominator}) else NAN)"


#: The monthly table, one row per organisation per month, in this order.
COLUMNS: tuple[Column, ...] = (
    Column("organisation", int, "o.index", "Organisation number within the model."),
    Column("month", int, "month", "Month (0 is January 2024)."),
    Column("pilots", int, "len(o.pilots)", "Pilots open at the end of the month."),
    Column(
        "prototypes_awaiting_go_live",
        int,
        "sum(1 for d in o.pilots if d.built)",
        "Finished prototypes not yet live.",
    ),
    Column(
        "permanent_prototypes",
        int,
        "sum(1 for d in o.pilots if month - d.month_started >= prototype_age)",
        "Pilots open longer than the permanent-prototype age.",
    ),
    Column("production", int, "len(o.production)", "Systems live."),
    Column("retired", int, "len(o.retired)", "Deployments retired so far."),
    Column("pilots_started", int, "t.started", "Pilots started this month."),
    Column("promoted", int, "t.promoted", "Pilots taken live this month."),
    Column("abandoned", int, "t.abandoned", "Pilots stopped this month."),
    Column("cut", int, "t.cut", "Live systems cut at a budget review."),
    Column("rolled_back", int, "t.rolled_back", "Live systems rolled back."),
    Column("pilots_started_total", int, "o.pilots_started", "Pilots started so far."),
    Column("promoted_total", int, "o.promotions", "Pilots taken live so far."),
    Column("gross_value", float, "t.gross", "Cash value the systems made (k)."),
    Column("costs", float, "costs", "Every cost of the month (k)."),
    Column("net_value", float, "t.gross - costs", "Value less costs (k)."),
    Column("cumulative_net_value", float, "o.cumulative_value", "Net value so far (k)."),
    Column("cost_team", float, "t.cost_team", "Delivery team (k)."),
    Column("cost_pilots", float, "t.cost_pilots", "Open pilots' running costs (k)."),
    Column(
        "cost_running",
        float,
        "t.cost_running",
        "Live systems: inference, support, SLA, licences, owners' time (k).",
    ),
    Column(
        "cost_one_off", float, "t.cost_one_off", "Integration at go-live and KPI baselines (k)."
    ),
    Column("cost_data", float, "t.cost_data", "Data programme and fixes (k)."),
    Column(
        "cost_feedback",
        float,
        "t.cost_feedback",
        "Flag tooling and process, manual routing, revisions, fine-tuning (k).",
    ),
    Column("team_size", float, "o.team", "Delivery team, in initiatives' worth."),
    Column("tasks_processed", float, "t.tasks", "Tasks the live systems did."),
    Column(
        "task_minutes_before",
        float,
        _per_task("t.minutes_before"),
        "Minutes per task by hand (KPI).",
    ),
    Column(
        "task_minutes_after",
        float,
        _per_task("t.minutes_after"),
        "Minutes per task with the system (KPI).",
    ),
    Column("error_rate_manual", float, _per_task("t.errors_before"), "Error rate by hand (KPI)."),
    Column(
        "error_rate_after",
        float,
        _per_task("t.errors_after"),
        "Error rate with the system (KPI).",
    ),
    Column(
        "escalation_rate",
        float,
        _per_task("t.escalations"),
        "Share of outputs a human reviews (KPI).",
    ),
    Column(
        "cost_per_transaction_before",
        float,
        "(t.minutes_before / t.tasks * (o.params.operations.labour_cost / 60.0) "
        "if t.tasks > 0.0 else NAN)",
        "Labour cost per task by hand (KPI).",
    ),
    Column(
        "cost_per_transaction_after",
        float,
        _per_task("t.cost_per_task_after"),
        "Cost per task with the system, running costs included (KPI).",
    ),
    Column(
        "production_quality",
        float,
        _ratio("t.quality_sum", "t.quality_systems"),
        "Mean quality of live systems on production data.",
    ),
    Column(
        "latest_demo_quality",
        float,
        "o.latest_demo_quality",
        "Demo-data quality of the latest prototype.",
    ),
    Column("flags_raised", int, "t.flags_raised", "Reviewer flags raised."),
    Column("flags_acted", float, "t.flags_acted", "Flags acted on by owners."),
    Column("incidents_opened", int, "t.incidents_opened", "Incidents opened."),
    Column(
        "incidents_open",
        int,
        "sum(1 for d in o.production if d.incident_months >= 0)",
        "Incidents open at the end of the month.",
    ),
    Column("incidents_resolved", int, "t.incidents_resolved", "Incidents resolved."),
    Column(
        "mean_months_to_resolve",
        float,
        _ratio("t.resolve_months", "t.incidents_resolved"),
        "Mean age of the incidents resolved this month.",
    ),
    Column("data_fixes", int, "t.data_fixes", "Data fixes completed."),
    Column(
        "reviewer_engagement",
        float,
        _ratio("t.engagement_sum", "t.reviewers"),
        "Mean engagement of reviewers.",
    ),
    Column("data_quality", float, "o.data_quality", "Production data quality."),
    Column("model_capability", float, "o.model_capability", "Base model capability."),
    Column("leadership_confidence", float, "o.confidence", "Leadership's confidence."),
    Column("infrastructure_mindset", float, "o.mindset", "Infrastructure mindset."),
    Column("technical_skill", float, "o.technical_skill", "Technology team's skill."),
    Column("hype", float, "o.hype", "Extra appetite from hype shocks."),
    Column("team_attention", float, "o.attention", "Attention per open initiative."),
)

TIMESERIES_TYPES: dict[str, type] = {c.name: c.kind for c in COLUMNS}
TIMESERIES_COLUMNS: tuple[str, ...] = tuple(TIMESERIES_TYPES)
INTEGER_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind is int)


def _compile_row() -> Callable[[Organisation], list[float]]:
    """One function that evaluates every column's expression for one organisation."""
    body = ",\n        ".join(column.read for column in COLUMNS)
    source = (
        "def monthly_row(o):\n"
        "    t = o.tally\n"
        "    month = o.model.month\n"
        "    costs = t.costs\n"
        "    prototype_age = o.params.portfolio.permanent_prototype_months\n"
        f"    return [\n        {body},\n    ]\n"
    )
    namespace: dict[str, object] = {"NAN": NAN}
    exec(compile(source, f"<{__name__}: the monthly row>", "exec"), namespace)
    return namespace["monthly_row"]  # type: ignore[return-value]


#: The organisation's row of the monthly table, in :data:`COLUMNS` order.
monthly_row = _compile_row()
