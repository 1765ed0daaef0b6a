"""Scenarios: every parameter of the model in one typed, validated object.

A scenario is a TOML file in ``scenarios/`` (or anywhere on disk). Its sections
follow the article's patterns; every field carries a default, a unit, a range and
a help text, so the command line, the docs and the app can all be generated from
this module. A file may start from another with ``base = "baseline"`` and list
only what it changes.

    >>> from genaisim import load_scenario
    >>> s = load_scenario("baseline").with_changes({"organisation.data_quality": 0.8})
    >>> s.organisation.data_quality
    0.8
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genaisim.errors import ScenarioError
from genaisim.files import decode_text, read_text_file
from genaisim.roadmap import (
    MID_RUN_KEYS,
    CurrentUseCase,
    Intervention,
    check_current_portfolio,
    check_interventions,
)

SCENARIO_SUFFIX = ".toml"


#: Where a default comes from when no source is named: the modeller's judgement, to be
#: questioned (see docs/ODD.md, "Parameters", and docs/patterns.md for how far the
#: article's patterns depend on it).
JUDGEMENT = "judgement"


def param(
    default: float | int,
    low: float | int,
    high: float | int,
    unit: str,
    help: str,
    source: str = JUDGEMENT,
    group: str | None = None,
) -> Any:
    """A bounded model parameter with its unit, help text and the source of its default.

    ``group`` names the lever family the parameter belongs to when it is not its
    section (a named scenario says which groups it changes). Money parameters are
    recognised by their unit (see :func:`is_money_unit`).
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if group:
        extra["group"] = group
    return Field(default, ge=low, le=high, description=help, json_schema_extra=extra)


def is_money_unit(unit: str) -> bool:
    """Whether a unit is an amount of money (thousands ``k``, or currency per something)."""
    # "x catalogue" scales the catalogue's cost of an error, an amount of money too.
    return unit.startswith(("k/", "k ")) or unit in ("k", "per hour", "per task", "x catalogue")


class Section(BaseModel):
    """A group of parameters; each subclass is one section of a scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    pattern: ClassVar[str] = ""


class Simulation(Section):
    """How long and how often to run, and from which seed."""

    pattern: ClassVar[str] = "Run settings"
    years: int = param(5, 1, 20, "years", "Simulated horizon; the model steps once a month.", "")
    replications: int = param(
        20, 1, 10_000, "runs", "Independent replications, each with its own random stream.", ""
    )
    seed: int = param(
        2024,
        0,
        2**32 - 1,
        "integer",
        "Master seed; replication r uses a seed derived from it.",
        "",
    )


class Population(Section):
    """How many organisations one model holds and how they differ."""

    pattern: ClassVar[str] = "Run settings"
    organisations: int = param(
        1,
        1,
        5000,
        "organisations",
        "Organisations in one model: 1 for 'our organisation', hundreds for a population study.",
        "",
    )
    spread: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Standard deviation of each organisation's draw around the scenario value, "
            "by dotted key (e.g. 'organisation.data_quality' = 0.15); draws are clipped to the "
            "parameter's range. Empty: every organisation starts from the same values."
        ),
        json_schema_extra={"unit": "same unit as the parameter", "source": ""},
    )
    log_spread: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "For sizes and other multipliers: the standard deviation of the natural log of "
            "each organisation's draw, by dotted key (e.g. 'organisation.size' = 0.8): the "
            "value is the scenario value times exp(N(0, sd)), so the scenario value is the "
            "median; draws are clipped to the parameter's range."
        ),
        json_schema_extra={"unit": "log units", "source": ""},
    )


class Organisation(Section):
    """The organisation's starting state, its budgeted team and the models it can use."""

    pattern: ClassVar[str] = "The organisation"
    start_month: int = param(
        6,
        0,
        120,
        "month",
        "Month the GenAI programme starts its first pilot (month 0 is January 2024).",
        group="scale",
    )
    data_quality: float = param(
        0.45,
        0.0,
        1.0,
        "share",
        "Quality of production data at the start: clean, consistent, owned, reachable by "
        "API (0 chaos, 1 perfect). Curated demo data is always 1.",
        group="data",
    )
    technical_skill: float = param(
        0.3, 0.0, 1.0, "share", "Skill of the technology team at building GenAI prototypes."
    )
    model_capability: float = param(
        0.7,
        0.0,
        1.0,
        "share",
        "Capability of the base model the organisation uses at the start.",
        group="model",
    )
    model_improvement: float = param(
        0.1,
        0.0,
        1.0,
        "share/year",
        "Share of the gap to a perfect model that vendors' releases close each year; every "
        "system gets the better model, loop or no loop.",
        "judgement: roughly one major model generation a year, each closing part of the gap",
        group="model",
    )
    delivery_capacity: float = param(
        3.0,
        0.5,
        30.0,
        "initiatives",
        "Initiatives the budget funds a delivery team for, at nominal funding; the team "
        "grows and shrinks with the work up to this.",
        group="scale",
    )
    core_team: float = param(
        0.5,
        0.0,
        10.0,
        "initiatives",
        "Delivery capacity kept while the programme runs even with no work (platform, governance).",
        group="scale",
    )
    staffing_lag: float = param(
        4.0,
        1.0,
        24.0,
        "months",
        "Months to close most of the gap between the team and the work (hiring, release, "
        "contractors): the team closes 1/lag of the gap each month.",
        "judgement: three to six months to hire or release delivery staff",
        group="scale",
    )
    team_cost: float = param(
        40.0,
        0.0,
        1000.0,
        "k/month",
        "Monthly cost of one initiative's worth of delivery team (about three people).",
        "judgement: three loaded delivery staff at about 13 k/month each",
        group="scale",
    )
    size: float = param(
        1.0,
        0.1,
        20.0,
        "x catalogue volume",
        "Size of the business as a multiple of the catalogue's mid-sized enterprise: every "
        "workflow's task volume is multiplied by it (so is the yearly EBIT used to read "
        "results); the programme's team and running costs are not.",
        "judgement: 1 is the catalogue's mid-sized regulated enterprise; large enterprises "
        "span about an order of magnitude in volume; the median fitted for enterprise_2024 "
        "(docs/calibration.md)",
        group="scale",
    )
    annual_ebit: float = param(
        20_000.0,
        0.0,
        10_000_000.0,
        "k/year",
        "Yearly earnings (EBIT) of the business the programme serves; used only to read "
        "results as surveys do (value from AI as a share of EBIT), never by a decision.",
        "judgement: a business of about 200 M revenue at a 10% margin, whose GenAI "
        "budget (about 2-3 M a year) matches the delivery team modelled here",
        group="scale",
    )
    leadership_confidence: float = param(
        0.5,
        0.0,
        1.0,
        "share",
        "Leadership's confidence in GenAI at the start; the team budget is (0.5 + confidence) "
        "times the nominal one.",
    )
    infrastructure_mindset: float = param(
        0.1,
        0.0,
        1.0,
        "share",
        "How far people already think of GenAI as infrastructure rather than a project.",
        group="culture",
    )


class Portfolio(Section):
    """Pattern 6, the pilot loop: how use cases are chosen, started, attended and stopped."""

    pattern: ClassVar[str] = "The pilot loop"
    pilot_appetite: float = param(
        4.0,
        0.0,
        36.0,
        "use cases/year",
        "New use cases leadership wants started each year.",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    hype_shock_rate: float = param(
        1.0,
        0.0,
        12.0,
        "shocks/year",
        "External demos and competitor announcements that spike the appetite for pilots.",
    )
    hype_shock_size: float = param(
        0.6, 0.0, 5.0, "x appetite", "Extra appetite one shock adds (0.6: appetite x1.6)."
    )
    hype_half_life: float = param(
        4.0, 0.5, 60.0, "months", "Months for the extra appetite from a shock to halve."
    )
    max_open_pilots: int = param(
        100,
        1,
        100,
        "pilots",
        "Cap on pilots open at once; no new pilot starts above it (100: no cap).",
    )
    selection_skill: float = param(
        0.0,
        0.0,
        1.0,
        "share",
        "How far use cases are chosen by expected value and data readiness (1) rather than "
        "by whoever asks first (0: at random).",
    )
    triage: float = param(
        0.0,
        0.0,
        1.0,
        "share",
        "How far the team's attention goes first to live systems, then finished prototypes, "
        "then the oldest pilots in build (1: strict priority) rather than equally to "
        "everything open (0). It moves attention; it does not stop new starts "
        "(portfolio.max_open_pilots does).",
    )
    business_lines: int = param(
        3,
        1,
        20,
        "lines",
        "Business lines (or regions) each use case can be deployed in; each line is one "
        "workflow with the use case's volume, and a workflow runs at most one live system.",
    )
    pilot_cost: float = param(
        10.0,
        0.0,
        500.0,
        "k/month",
        "Running cost of one open pilot besides the team (compute, licences, subject-matter "
        "experts' time).",
    )
    integration_cost: float = param(
        40.0,
        0.0,
        5000.0,
        "k/system",
        "One-off cost of taking a system live: integration into the workflow, security "
        "review, training.",
    )
    build_effort: float = param(
        4.0,
        0.5,
        36.0,
        "initiative-months",
        "Full-attention months needed to build a prototype with skill 0.5.",
        "judgement; fitted for enterprise_2024 against Gartner (May 2024), about 8 months "
        "from prototype to production (docs/calibration.md)",
    )
    awaiting_load: float = param(
        0.3,
        0.0,
        1.0,
        "initiatives",
        "Team attention a finished prototype awaiting go-live still takes (demos, tweaks), "
        "relative to a pilot in build.",
    )
    production_load: float = param(
        0.25,
        0.0,
        1.0,
        "initiatives",
        "Team attention a live system takes (monitoring, changes), relative to a pilot in build.",
    )
    stage_gate_months: int = param(
        6,
        1,
        60,
        "months",
        "Months after a prototype is finished at which its owner stops it if its KPIs show "
        "it will not pass the go-live test; a pilot without KPIs has no such evidence.",
    )
    pilot_patience: int = param(
        24,
        1,
        120,
        "months",
        "Age at which leadership abandons a pilot that is still open at a budget review.",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    permanent_prototype_months: int = param(
        12,
        1,
        120,
        "months",
        "A pilot this old that has not reached production counts as a 'permanent prototype'.",
        "",
    )


class Sourcing(Section):
    """Build internally or buy a vendor product for a use case."""

    pattern: ClassVar[str] = "Sourcing"
    buy_share: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "Share of new use cases bought as a vendor product instead of built in house.",
    )
    vendor_build_factor: float = param(
        0.4,
        0.05,
        1.0,
        "x build effort",
        "Effort to configure a vendor product, relative to building the system.",
    )
    vendor_fit_gap: float = param(
        0.06,
        0.0,
        0.5,
        "quality",
        "Quality a generic product loses against one built for the workflow.",
    )
    vendor_licence: float = param(
        5.0,
        0.0,
        500.0,
        "k/month",
        "Licence of one vendor product in production, besides the per-task cost; it covers "
        "the vendor's maintenance and support in place of operations.support_cost.",
    )
    vendor_adaptability: float = param(
        0.4,
        0.0,
        1.0,
        "share",
        "Share of the feedback loop's improvements (prompts, retrieval, fine-tuning) a vendor "
        "product lets the organisation make.",
    )


class Data(Section):
    """Pattern 2, data before AI: investment, drift, and the prompt-workaround trap."""

    pattern: ClassVar[str] = "Data before AI"
    data_investment: float = param(
        0.1,
        0.0,
        1.0,
        "share",
        "Share of a full data-infrastructure programme that is funded "
        "(ownership, schemas, lineage, retrieval pipelines).",
    )
    data_programme_cost: float = param(
        100.0, 0.0, 5000.0, "k/month", "Monthly cost of the full data programme."
    )
    data_improvement_rate: float = param(
        0.05,
        0.0,
        0.5,
        "share/month",
        "Share of the gap to perfect data the full programme closes each month.",
    )
    data_drift: float = param(
        0.005,
        0.0,
        0.2,
        "share/month",
        "Share of data quality lost each month as upstream systems drift.",
    )
    data_gap_severity: float = param(
        0.6,
        0.0,
        1.0,
        "share",
        "How much of a system's quality the production data gap can take at worst "
        "(fully data-dependent use case, worthless data).",
    )
    data_gap_tolerance: float = param(
        0.1,
        0.0,
        1.0,
        "share",
        "Data penalty on a production system above which its team reacts "
        "(with a workaround or a data fix).",
    )
    workaround_tendency: float = param(
        0.6,
        0.0,
        1.0,
        "probability",
        "Chance a data problem is answered with a prompt workaround instead of a data fix.",
    )
    workaround_boost: float = param(
        0.15,
        0.0,
        0.5,
        "data quality",
        "Effective data quality a prompt workaround adds to one system, at first.",
    )
    workaround_half_life: float = param(
        3.0, 0.5, 60.0, "months", "Months for a workaround's benefit to halve."
    )
    workaround_fragility: float = param(
        0.5,
        0.0,
        5.0,
        "x incident rate",
        "Extra incident rate each workaround adds (0.5: +50%); it fades slowly.",
    )
    fragility_half_life: float = param(
        12.0, 0.5, 120.0, "months", "Months for a workaround's fragility to halve."
    )
    reaction_cooldown: int = param(
        3,
        1,
        24,
        "months",
        "Months a team waits after reacting to a data problem before reacting again.",
    )
    data_fix_capacity: float = param(
        1.0, 0.0, 20.0, "fixes/month", "Data fixes the data team can complete each month."
    )
    data_fix_gain: float = param(
        0.03,
        0.0,
        0.5,
        "share",
        "Share of the gap to perfect data one data fix closes, for every system at once.",
    )
    data_fix_cost: float = param(20.0, 0.0, 1000.0, "k/fix", "Cost of one data fix.")


class Ownership(Section):
    """Pattern 3, operational ownership: who decides, what they know, how much time they have.

    The two kinds of owner follow the same decision rules; they differ in what they
    know (how realistic their acceptance test is, what an error costs, what "wrong"
    means in the workflow) and in the time they have.
    """

    pattern: ClassVar[str] = "Ownership"
    owner_probability: float = param(
        0.3,
        0.0,
        1.0,
        "probability",
        "Chance a new use case gets a named business-unit owner; otherwise the "
        "technology team stands in.",
    )
    owner_resourced_probability: float = param(
        0.6,
        0.0,
        1.0,
        "probability",
        "Chance a business-unit owner is resourced to act (time, budget, authority).",
    )
    owner_retrofit: float = param(
        1.0,
        0.0,
        1.0,
        "share",
        "When an intervention raises owner_probability (or owner_resourced_probability), the "
        "share of the change that reaches initiatives (owners) already there: 1 treats them "
        "like new ones, 0 changes new ones only.",
    )
    owner_capacity: float = param(
        2.0, 0.5, 20.0, "deployments", "Deployments one business-unit owner can attend fully."
    )
    unresourced_attention: float = param(
        0.4, 0.0, 1.0, "share", "Attention an owner who is not resourced can give."
    )
    technology_owner_capacity: float = param(
        2.0,
        0.5,
        20.0,
        "deployments",
        "Deployments the technology team, as stand-in owner, can attend fully.",
    )
    owner_cost: float = param(
        2.0,
        0.0,
        100.0,
        "k/month",
        "Time a business-unit owner spends on each deployment they own, charged to it.",
    )
    acceptance_margin: float = param(
        0.03,
        0.0,
        0.3,
        "quality",
        "Quality above break-even an owner asks of a system before it goes live.",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    go_live_attempts: int = param(
        100,
        1,
        100,
        "tests",
        "Failed go-live tests after which an owner stops a prototype (100: never; the "
        "owner re-tests every month they have time for it).",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    technology_test_realism: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "How much of the production data gap a technology stand-in's acceptance test sees "
        "(a business owner tests on the workflow's own data: 1). Assumption of the article.",
    )
    technology_error_knowledge: float = param(
        0.4,
        0.0,
        1.0,
        "share",
        "Share of the real cost of an error a technology stand-in knows when setting the "
        "acceptance bar (a business owner knows all of it). Assumption of the article.",
    )
    technology_fix_accuracy: float = param(
        0.4,
        0.0,
        1.0,
        "share",
        "Share of changes made without a business owner that fix what the business means "
        "by 'wrong' (a business owner defines it: 1). Assumption of the article.",
    )
    technology_process_authority: float = param(
        0.6,
        0.0,
        1.0,
        "share",
        "Share of a workflow's work a technology stand-in can move onto the system: it "
        "cannot change the business's process, so use is voluntary (a business owner "
        "changes the process: 1). Assumption of the article.",
    )
    technology_diagnosis: float = param(
        0.5,
        0.0,
        1.0,
        "share",
        "Speed at which a technology stand-in diagnoses an incident in a workflow it does "
        "not run, relative to the business owner. Assumption of the article.",
    )
    edge_cases: float = param(
        10.0,
        0.0,
        200.0,
        "flags/month",
        "Real cases an owner's failed acceptance test feeds back to a pilot each month, in "
        "flags; scaled by how much of the production data the test sees.",
    )
    incident_resolution: float = param(
        0.7,
        0.0,
        1.0,
        "probability/month",
        "Chance an owner with full attention who knows the workflow resolves an open "
        "incident in a month.",
    )


class Measurement(Section):
    """Pattern 4, measurement first: KPIs and baselines, evidence at reviews, confidence."""

    pattern: ClassVar[str] = "Measurement"
    kpi_probability: float = param(
        0.25,
        0.0,
        1.0,
        "probability",
        "Chance KPIs and baselines are defined before a use case goes live.",
    )
    kpi_retrofit: float = param(
        1.0,
        0.0,
        1.0,
        "share",
        "When an intervention raises kpi_probability, the share of the change that reaches "
        "initiatives already running: 1 treats them like new ones, 0 changes new ones only.",
    )
    kpi_cost: float = param(
        15.0,
        0.0,
        1000.0,
        "k/use case",
        "One-off cost of defining KPIs and measuring the manual baseline before go-live.",
    )
    review_interval: int = param(
        12, 1, 60, "months", "Months between budget reviews of the GenAI portfolio."
    )
    review_grace: int = param(
        6, 0, 60, "months", "Months in production before a system is judged at a review."
    )
    test_noise: float = param(
        0.03,
        0.0,
        0.5,
        "quality",
        "Error of an acceptance test against KPIs and a measured baseline (standard deviation).",
    )
    unmeasured_test_noise: float = param(
        0.12,
        0.0,
        0.5,
        "quality",
        "Error of judging a system's quality without KPIs or a baseline (standard deviation).",
    )
    unmeasured_value_visibility: float = param(
        0.5,
        0.0,
        1.0,
        "share",
        "Share of an unmeasured system's real value leadership sees at a budget review "
        "(activity, anecdotes); with KPIs and a baseline it sees all of it.",
    )
    unmeasured_value_noise: float = param(
        1.0,
        0.0,
        10.0,
        "x running cost",
        "Error of leadership's view of an unmeasured system's monthly value at a budget "
        "review, relative to what it costs to run (standard deviation).",
    )
    unmeasured_improvement_efficiency: float = param(
        0.6,
        0.0,
        1.0,
        "share",
        "How much of a change lands as an improvement when nobody measures the system.",
    )
    confidence_rate: float = param(
        0.08,
        0.0,
        1.0,
        "share/month",
        "Share of the gap to what the evidence supports that confidence closes each month.",
    )
    confidence_value_ratio: float = param(
        0.5,
        0.01,
        100.0,
        "x programme cost",
        "Measured net value, as a multiple of the programme's monthly cost, that lifts "
        "confidence halfway from 0.5 towards 1.",
    )
    no_evidence_confidence: float = param(
        0.35,
        0.0,
        1.0,
        "share",
        "Confidence drifts to this when no system has measured value to show.",
    )


class Feedback(Section):
    """Pattern 5, the feedback loop: tooling, process and culture, and what flags buy."""

    pattern: ClassVar[str] = "Feedback loop"
    tooling: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "Tooling: share of reviewer flags captured, stored and routed to someone.",
    )
    process: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "Process: share of routed flags someone reviews and turns into an approved change.",
    )
    culture: float = param(
        0.4,
        0.0,
        1.0,
        "share",
        "Culture: reviewers' willingness to flag, before they see whether flags matter.",
    )
    manual_routing: float = param(
        0.1,
        0.0,
        1.0,
        "share",
        "Share of the flags tooling misses that still reach someone by hand (email, chat).",
    )
    manual_flag_cost: float = param(
        0.02,
        0.0,
        10.0,
        "k/flag",
        "Cost of routing one flag by hand (reviewer and owner time).",
    )
    ad_hoc_action: float = param(
        0.1,
        0.0,
        1.0,
        "share",
        "Share of the routed flags the process misses that an owner still acts on.",
    )
    mandated_flagging: float = param(
        0.1,
        0.0,
        1.0,
        "share",
        "Engagement a full review process demands of reviewers whatever they believe; "
        "mandated flags are less precise.",
    )
    flag_precision_floor: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "Share of flags that point at a real problem when raised by a disengaged reviewer "
        "(an engaged one: all).",
    )
    tooling_cost: float = param(
        6.0,
        0.0,
        1000.0,
        "k/month",
        "Monthly cost of complete flag tooling (capture, storage, routing); scaled by tooling.",
        "judgement: a flag button, a queue and a dashboard, bought or built, run for a few "
        "k a month",
    )
    process_cost: float = param(
        8.0,
        0.0,
        1000.0,
        "k/month",
        "Monthly cost of a complete flag-review process (triage, approvals); scaled by process.",
        "judgement: about half of one analyst's time (one full-time person is about 13 k a "
        "month loaded)",
    )
    revision_cost: float = param(
        3.0,
        0.0,
        500.0,
        "k/revision",
        "Cost of one full prompt or retrieval revision (engineering and testing).",
    )
    finetune_cost: float = param(
        40.0, 0.0, 5000.0, "k/round", "Cost of one fine-tuning round (data, compute, evaluation)."
    )
    reviewers_per_deployment: int = param(
        3, 1, 50, "people", "Reviewers of escalated outputs on each production system."
    )
    flag_rate: float = param(
        150.0,
        0.0,
        500.0,
        "flags/month",
        "Flags one fully engaged reviewer raises a month when every reviewed output is wrong.",
    )
    flags_per_revision: float = param(
        10.0, 1.0, 1000.0, "flags", "Acted-on flags that make one full prompt revision."
    )
    prompt_revision_gain: float = param(
        0.05, 0.0, 0.5, "quality", "Most quality prompt revisions can add: fast but small."
    )
    prompt_revision_rate: float = param(
        0.3,
        0.0,
        1.0,
        "share/revision",
        "Share of the remaining prompt gain one full revision captures.",
    )
    retrieval_tuning_gain: float = param(
        0.5,
        0.0,
        1.0,
        "share",
        "Most of the data penalty retrieval tuning can recover, at perfect data; "
        "it is bounded by data quality.",
    )
    retrieval_tuning_rate: float = param(
        0.08,
        0.0,
        1.0,
        "share/revision",
        "Share of the remaining retrieval gain one full revision captures.",
    )
    finetune_flags: float = param(
        200.0, 1.0, 100000.0, "flags", "Acted-on flags needed for one fine-tuning round."
    )
    finetune_gain: float = param(0.04, 0.0, 0.5, "quality", "Quality one fine-tuning round adds.")
    finetune_max: float = param(
        0.12, 0.0, 0.5, "quality", "Most quality fine-tuning can add in all."
    )
    belief_rate: float = param(
        0.2,
        0.0,
        1.0,
        "share/month",
        "How fast reviewers' belief that flags matter follows what they see happen to them.",
    )
    engagement_rate: float = param(
        0.15, 0.0, 1.0, "share/month", "How fast reviewer engagement follows its target."
    )
    initial_belief: float = param(
        0.5, 0.0, 1.0, "share", "Reviewers' belief that flags matter when they start."
    )
    void_engagement: float = param(
        0.2,
        0.0,
        1.0,
        "share",
        "Engagement a willing reviewer keeps even when flags go into a void.",
    )


class Culture(Section):
    """Pattern 7, the culture shift: from 'project' to 'infrastructure'."""

    pattern: ClassVar[str] = "Culture shift"
    mindset_rate: float = param(
        0.05,
        0.0,
        1.0,
        "share/month",
        "How fast the infrastructure mindset follows the share of reliable systems.",
    )
    mindset_discipline_effect: float = param(
        0.5,
        0.0,
        1.0,
        "share",
        "How far a full infrastructure mindset moves owner and KPI probabilities towards 1.",
    )
    mindset_engagement_effect: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "How far a full infrastructure mindset moves reviewers' willingness to flag towards 1.",
    )
    reliable_months: int = param(
        6,
        1,
        60,
        "months",
        "Months live without an incident that make a system count as reliable.",
    )


class Operations(Section):
    """Pattern 1, the operational layer: volume, adoption, escalation, incidents, costs."""

    pattern: ClassVar[str] = "Operational layer"
    labour_cost: float = param(
        60.0,
        0.0,
        1000.0,
        "per hour",
        "Loaded cost of one hour of the people doing the task today.",
        "judgement: loaded back-office hour in a developed-economy enterprise",
    )
    value_realisation: float = param(
        0.6,
        0.0,
        1.0,
        "share",
        "Share of the people's time a system saves that becomes cash (work redeployed, "
        "hiring avoided, capacity released); errors avoided count in full.",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    error_cost_scale: float = param(
        1.0,
        0.0,
        100.0,
        "x catalogue",
        "Multiplier on the catalogue's cost of an error (a heavily regulated business: more).",
    )
    demo_quality_base: float = param(
        0.38,
        0.0,
        1.0,
        "quality",
        "Demo-data quality of a prototype with no capability or skill.",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    capability_weight: float = param(
        0.35, 0.0, 1.0, "quality", "Demo-data quality a fully capable base model adds."
    )
    capability_saturation: float = param(
        2.0,
        1.0,
        10.0,
        "exponent",
        "Diminishing returns to model capability: 1 linear; 2 means the last tenth of "
        "capability adds a hundredth of the weight. Assumption of the article ('models "
        "were capable enough').",
    )
    skill_weight: float = param(
        0.2, 0.0, 1.0, "quality", "Demo-data quality a fully skilled team adds."
    )
    skill_gain: float = param(
        0.08,
        0.0,
        1.0,
        "share",
        "Share of the remaining gap to full skill closed by every prototype built.",
    )
    adoption_rate: float = param(
        0.3,
        0.0,
        1.0,
        "share/month",
        "How fast usage follows the level quality earns.",
        "judgement; fitted for enterprise_2024 (docs/calibration.md)",
    )
    trust_threshold: float = param(
        0.45, 0.0, 1.0, "quality", "Production quality below which people stop using the system."
    )
    full_trust_quality: float = param(
        0.8, 0.0, 1.0, "quality", "Production quality at which everyone uses the system."
    )
    escalation_floor: float = param(
        0.05, 0.0, 1.0, "share", "Share of outputs always sent to human review."
    )
    escalation_sensitivity: float = param(
        1.5,
        0.0,
        10.0,
        "x error rate",
        "Extra review share per unit of AI error rate (uncertain outputs are escalated).",
    )
    review_catch_rate: float = param(
        0.85, 0.0, 1.0, "share", "Share of AI errors human review catches."
    )
    incident_rate: float = param(
        0.25,
        0.0,
        10.0,
        "incidents/month",
        "Incident rate of a fully used system whose every output is wrong.",
    )
    incident_severity: float = param(
        0.5, 0.0, 1.0, "share", "Share of a system's value lost while an incident is open."
    )
    incident_trust_loss: float = param(
        0.2, 0.0, 1.0, "share", "Share of usage lost when an incident opens."
    )
    rollback_after: int = param(
        3, 1, 60, "months", "Months an incident may stay open before the system is rolled back."
    )
    support_cost: float = param(
        6.0,
        0.0,
        1000.0,
        "k/month",
        "Platform and support of one production system: hosting, on-call, vendor and "
        "security upkeep (the delivery team's engineering time is production_load).",
    )
    sla_cost: float = param(
        2.0,
        0.0,
        1000.0,
        "k/month",
        "Extra support a system under an SLA needs (a business owner's system runs under one).",
    )
    inference_cost: float = param(
        0.02, 0.0, 100.0, "per task", "Model and infrastructure cost per task processed."
    )


#: The sections of a scenario file, in the order they are documented and shown.
SECTIONS: dict[str, type[Section]] = {
    "simulation": Simulation,
    "population": Population,
    "organisation": Organisation,
    "portfolio": Portfolio,
    "sourcing": Sourcing,
    "data": Data,
    "ownership": Ownership,
    "measurement": Measurement,
    "feedback": Feedback,
    "culture": Culture,
    "operations": Operations,
}


@dataclass(frozen=True)
class ParameterInfo:
    """What the docs, the command line and the app need to know about one parameter."""

    key: str
    section: str
    pattern: str
    value: Any
    default: Any
    unit: str
    low: float | None
    high: float | None
    help: str
    kind: type
    #: where the default comes from ("judgement" when it is the modeller's)
    source: str = JUDGEMENT
    #: the lever family (a section name, or e.g. "data" for the starting data quality)
    group: str = ""
    #: whether an intervention may change it mid-run (see :mod:`genaisim.roadmap`)
    mid_run: bool = False

    @property
    def money(self) -> bool:
        """Whether the parameter is an amount of money (scaled with the currency)."""
        return is_money_unit(self.unit)


def _bounds(field: Any) -> tuple[float | None, float | None]:
    low = high = None
    for item in field.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


class Scenario(BaseModel):
    """One organisation's (or population's) situation and policies, validated.

    Make one with :func:`load_scenario`, change it with :meth:`with_changes`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("custom", description="Short name of the scenario.")
    description: str = Field("", description="One line saying what the scenario represents.")
    changes: tuple[str, ...] = Field(
        (),
        description=(
            "The lever groups this scenario changes relative to the baseline (e.g. 'data', "
            "'ownership'), so that a comparison with the baseline is a comparison of those "
            "levers only."
        ),
    )
    posterior: str = Field(
        "",
        description=(
            "A calibrated posterior (CSV of weighted parameter sets, written by `genaisim "
            "calibrate`) that runs with --posterior draw from; a path relative to the "
            "scenario file. Empty: none."
        ),
    )
    simulation: Simulation = Field(default_factory=Simulation)
    population: Population = Field(default_factory=Population)
    organisation: Organisation = Field(default_factory=Organisation)
    portfolio: Portfolio = Field(default_factory=Portfolio)
    sourcing: Sourcing = Field(default_factory=Sourcing)
    data: Data = Field(default_factory=Data)
    ownership: Ownership = Field(default_factory=Ownership)
    measurement: Measurement = Field(default_factory=Measurement)
    feedback: Feedback = Field(default_factory=Feedback)
    culture: Culture = Field(default_factory=Culture)
    operations: Operations = Field(default_factory=Operations)
    interventions: tuple[Intervention, ...] = Field(
        (),
        description=(
            "Timed changes to levers that can change mid-run (a policy timeline); see "
            "genaisim.roadmap. Empty: every lever holds for the whole run."
        ),
    )
    current_portfolio: tuple[CurrentUseCase, ...] = Field(
        (),
        description=(
            "The use cases the organisation runs today, from which the run starts (usually "
            "read from a CSV file with --portfolio). Empty: the portfolio starts empty."
        ),
    )

    @model_validator(mode="after")
    def _roadmap_fits(self) -> Scenario:
        info = {p.key: p for p in self.parameters()}
        check_interventions(
            self.interventions,
            self.simulation.years * 12,
            lambda key: _describe_field(*key.split(".", 1)),
            list(info),
            {key: p.kind for key, p in info.items()},
            {key: (p.low, p.high) for key, p in info.items()},
        )
        check_current_portfolio(
            self.current_portfolio,
            self.portfolio.business_lines,
            self.organisation.start_month,
        )
        return self

    def with_interventions(
        self,
        interventions: Sequence[Intervention | Mapping[str, Any]],
        source: str = "interventions",
    ) -> Scenario:
        """The scenario with these interventions added after its own.

        Each is an :class:`~genaisim.roadmap.Intervention` or a mapping with ``month``,
        ``set`` and optionally ``ramp_months`` and ``label``:

            >>> s = Scenario().with_interventions([{"month": 9, "set": {"feedback.tooling": 0.8}}])
            >>> s.interventions[0].month
            9

        Raises :class:`ScenarioError` (naming ``source``) for a bad one.
        """
        data = self.to_dict()
        data["interventions"] = [
            *data["interventions"],
            *(
                iv.model_dump() if isinstance(iv, Intervention) else dict(iv)
                for iv in interventions
            ),
        ]
        return _validate(data, source)

    def with_portfolio(
        self, rows: Sequence[CurrentUseCase | Mapping[str, Any]], source: str = "portfolio"
    ) -> Scenario:
        """The scenario started from a current portfolio (so the programme has started).

        ``organisation.start_month`` becomes 0 (and is no longer drawn per organisation):
        the programme is running. Raises
        :class:`ScenarioError` (naming ``source``) when a row does not fit the scenario.
        """
        data = self.to_dict()
        data["current_portfolio"] = [
            r.model_dump() if isinstance(r, CurrentUseCase) else dict(r) for r in rows
        ]
        if rows:
            # The programme is running, in every organisation of a population.
            data["organisation"]["start_month"] = 0
            for field in ("spread", "log_spread"):
                data["population"][field].pop("organisation.start_month", None)
        return _validate(data, source)

    @field_validator("population")
    @classmethod
    def _spread_keys_are_parameters(cls, population: Population) -> Population:
        for field, spread in (("spread", population.spread), ("log_spread", population.log_spread)):
            for key, sd in spread.items():
                if key not in _spreadable_keys():
                    hint = _suggest(key, _spreadable_keys())
                    raise ValueError(
                        f"population.{field} has unknown key {key!r}{hint}; "
                        "it takes numeric parameters of the organisation's sections"
                    )
                if not math.isfinite(sd) or sd < 0:
                    raise ValueError(f"population.{field}.{key} = {sd} must be a number, 0 or more")
        both = sorted(set(population.spread) & set(population.log_spread))
        if both:
            raise ValueError(f"population: {both[0]!r} is in both spread and log_spread; keep one")
        return population

    # -- changing ----------------------------------------------------------
    def with_changes(self, changes: Mapping[str, Any], source: str | None = None) -> Scenario:
        """A new scenario with dotted-key changes applied, e.g. ``{"feedback.culture": 0.8}``.

        Raises :class:`ScenarioError` naming the key, the value and what is allowed.
        """
        data = self.to_dict()
        for key, value in changes.items():
            _set_dotted(data, key, value, source)
        return _validate(data, source or "changes")

    # -- reading -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain nested data (what a TOML file holds)."""
        return self.model_dump(mode="python")

    def to_toml(self) -> str:
        """The complete scenario as TOML text, every parameter written out.

        A posterior is a file on this machine, not part of the text: it is left out.
        """
        data = self.to_dict()
        data.pop("posterior", None)
        # TOML has no "nothing": a figure left out of a portfolio row is simply not written.
        data["current_portfolio"] = [
            {k: v for k, v in row.items() if v is not None} for row in data["current_portfolio"]
        ]
        return tomli_w.dumps(data)

    def get(self, key: str) -> Any:
        """The value at a dotted key such as ``"ownership.owner_probability"``."""
        section, _, name = key.partition(".")
        if section not in SECTIONS or not name:
            raise ScenarioError(f"unknown key {key!r}{_suggest(key, parameter_keys())}")
        try:
            return getattr(getattr(self, section), name)
        except AttributeError:
            raise ScenarioError(f"unknown key {key!r}{_suggest(key, parameter_keys())}") from None

    def parameters(self) -> list[ParameterInfo]:
        """Every parameter with its current value, default, unit, range and help text."""
        infos = []
        for section_name, section_cls in SECTIONS.items():
            section = getattr(self, section_name)
            for name, field in section_cls.model_fields.items():
                low, high = _bounds(field)
                extra = field.json_schema_extra or {}
                default = field.get_default(call_default_factory=True)
                infos.append(
                    ParameterInfo(
                        key=f"{section_name}.{name}",
                        section=section_name,
                        pattern=section_cls.pattern,
                        value=getattr(section, name),
                        default=default,
                        unit=str(extra.get("unit", "")),
                        low=low,
                        high=high,
                        help=field.description or "",
                        kind=type(default),
                        source=str(extra.get("source", JUDGEMENT)),
                        group=str(extra.get("group", section_name)),
                        mid_run=f"{section_name}.{name}" in MID_RUN_KEYS,
                    )
                )
        return infos


def parameter_keys() -> list[str]:
    """Every dotted parameter key a scenario accepts."""
    return [f"{section}.{name}" for section, cls in SECTIONS.items() for name in cls.model_fields]


def _spreadable_keys() -> list[str]:
    skip = {"simulation", "population"}
    return [
        f"{section}.{name}"
        for section, cls in SECTIONS.items()
        if section not in skip
        for name, field in cls.model_fields.items()
        if field.annotation in (int, float)
    ]


def _suggest(key: str, choices: list[str]) -> str:
    # A right name in the wrong section is the commonest slip: match on the last part first.
    tail = key.rpartition(".")[2]
    close = [c for c in choices if "." in key and c.rpartition(".")[2] == tail][:1]
    if not close:
        close = difflib.get_close_matches(key, choices, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _set_dotted(data: dict[str, Any], key: str, value: Any, source: str | None) -> None:
    where = f"{source}: " if source else ""
    if key in ("name", "description", "changes"):
        data[key] = value
        return
    for field in ("spread", "log_spread"):
        if key.startswith(f"population.{field}."):
            data["population"].setdefault(field, {})
            data["population"][field][key.removeprefix(f"population.{field}.")] = value
            return
    if key not in parameter_keys() and key not in ("population.spread", "population.log_spread"):
        raise ScenarioError(f"{where}unknown key {key!r}{_suggest(key, parameter_keys())}")
    section, _, name = key.partition(".")
    data[section][name] = value


def _describe_field(section: str, name: str) -> str:
    cls = SECTIONS.get(section)
    field = cls.model_fields.get(name) if cls else None
    if field is None:
        return ""
    low, high = _bounds(field)
    unit = (field.json_schema_extra or {}).get("unit", "")
    kind = "a whole number" if field.annotation is int else "a number"
    if low is not None and high is not None:
        return f"allowed: {kind} from {low:g} to {high:g} ({unit})"
    return f"allowed: {kind}"


def _validate(data: Mapping[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_explain(exc, data, source)) from None


def _explain(exc: ValidationError, data: Mapping[str, Any], source: str) -> str:
    """One readable line per problem: file, key, value given and what is allowed."""
    lines = []
    errors = exc.errors()
    # A misspelt field is also a missing one: say only the misspelling.
    misspelt = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}
    errors = [
        e for e in errors if not (e["type"] == "missing" and tuple(e["loc"][:-1]) in misspelt)
    ]
    for err in errors:
        loc = [str(p) for p in err["loc"]]
        if len(loc) >= 2 and loc[0] in ("interventions", "current_portfolio") and loc[1].isdigit():
            # Rows of a list, counted from 1 as a reader counts them.
            loc = [f"{loc[0]}[{int(loc[1]) + 1}]", *loc[2:]]
        key = ".".join(loc)
        value = err.get("input")
        kind = err["type"]
        if loc and loc[0].startswith(("interventions[", "current_portfolio[")):
            line = f"{source}: {_explain_row(loc, err)}"
            if line not in lines:  # a value that fits no type of a union: said once
                lines.append(line)
            continue
        if kind == "extra_forbidden":
            lines.append(f"{source}: unknown key {key!r}{_suggest(key, parameter_keys())}")
            continue
        if len(loc) == 1 and loc[0] in SECTIONS and kind in ("model_type", "dict_type"):
            lines.append(f"{source}: [{key}] must be a table of parameters, got {value!r}")
            continue
        allowed = _describe_field(loc[0], loc[1]) if len(loc) == 2 else ""
        if kind in ("greater_than_equal", "less_than_equal"):
            problem = "is out of range"
        elif kind.startswith(("int_", "float_", "bool_")):
            problem = "has the wrong type"
        else:
            problem = err["msg"].lower()
        detail = f"; {allowed}" if allowed else ""
        if kind == "value_error":
            lines.append(f"{source}: {err['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"{source}: {key} = {value!r} {problem}{detail}")
    return "\n".join(lines)


def _explain_row(loc: list[str], err: Mapping[str, Any]) -> str:
    """One line for a problem in a row of ``interventions`` or ``current_portfolio``."""
    row = Intervention if loc[0].startswith("interventions") else CurrentUseCase
    loc = [part for part in loc if part not in ("int", "float")]
    fields = ", ".join(row.model_fields)
    key = ".".join(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        name = loc[-1]
        close = difflib.get_close_matches(name, list(row.model_fields), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{loc[0]}: unknown field {name!r}{hint} (fields: {fields})"
    if kind == "missing":
        return f"{key} is missing"
    if kind == "value_error":
        return f"{loc[0]}: {err['msg'].removeprefix('Value error, ')}"
    if loc[1:2] == ["set"]:
        key = f"{loc[0]}: {'.'.join(loc[2:])}"
    if kind.startswith("int_"):
        return f"{key} = {err.get('input')!r} must be a whole number"
    if kind.startswith("float_"):
        return f"{key} = {err.get('input')!r} must be a number"
    return f"{key} = {err.get('input')!r}: {err['msg'].lower()}"


# -- files ---------------------------------------------------------------------
def scenario_dirs() -> list[Path]:
    """Where named scenarios are looked up: ./scenarios, then those shipped with genaisim."""
    here = Path.cwd() / "scenarios"
    shipped = Path(str(resources.files("genaisim") / "scenarios"))
    dirs = [here]
    if not here.is_dir() or not shipped.is_dir() or here.resolve() != shipped.resolve():
        dirs.append(shipped)
    return [d for d in dirs if d.is_dir()]


def available_scenarios() -> dict[str, Path]:
    """Named scenarios that :func:`load_scenario` finds, by name."""
    found: dict[str, Path] = {}
    for directory in reversed(scenario_dirs()):
        for path in sorted(directory.glob(f"*{SCENARIO_SUFFIX}")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def _resolve(path_or_name: str | Path) -> Path:
    path = Path(path_or_name)
    if path.suffix == SCENARIO_SUFFIX or path.exists() or len(path.parts) > 1:
        if not path.is_file():
            raise ScenarioError(f"{path}: no such scenario file")
        return path
    known = available_scenarios()
    if str(path_or_name) in known:
        return known[str(path_or_name)]
    hint = _suggest(str(path_or_name), list(known))
    names = ", ".join(known) or "none found"
    raise ScenarioError(
        f"unknown scenario {str(path_or_name)!r}{hint} (named scenarios: {names}; "
        "or give the path of a .toml file)"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse_toml(read_text_file(path, "scenario file", ScenarioError), str(path))


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: not valid TOML: nested too deeply") from None


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


#: What ``base`` may name: a scenario's name, which is also a file name without a suffix.
SCENARIO_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _base_path(base: Any, source: str, folder: Path | None) -> Path:
    """The file ``base`` names: a named scenario, or a .toml file inside ``folder``.

    ``folder`` is the folder of the file being read, or None for text that came from
    elsewhere (an upload), which may start from named scenarios only. A path is never
    looked at before it is known to be allowed, so a message says nothing about files
    outside the folder.
    """
    named = available_scenarios()
    names = ", ".join(named) or "none found"
    if isinstance(base, str) and SCENARIO_NAME.fullmatch(base):
        beside = folder / f"{base}{SCENARIO_SUFFIX}" if folder is not None else None
        if beside is not None and beside.is_file() and _inside(beside, folder):
            return beside
        if base in named:
            return named[base]
        raise ScenarioError(
            f"{source}: base = {base!r} is not a named scenario{_suggest(base, list(named))} "
            f"(named scenarios: {names})"
        )
    allowed = f"the name of a scenario ({names})"
    if folder is not None:
        allowed += " or the path of a .toml file inside this file's folder"
    if not isinstance(base, str) or folder is None:
        raise ScenarioError(f"{source}: base = {base!r} must be {allowed}")
    path = Path(base)
    if path.is_absolute() or path.suffix != SCENARIO_SUFFIX or not _inside(folder / path, folder):
        raise ScenarioError(f"{source}: base = {base!r} must be {allowed}")
    if not (folder / path).is_file():
        raise ScenarioError(f"{source}: base = {base!r}: no such file in {folder}")
    return folder / path


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed, lies inside ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())


def _with_base(
    data: dict[str, Any], source: str, folder: Path | None, seen: tuple[Path, ...]
) -> dict[str, Any]:
    if "base" not in data:
        return data
    base_path = _base_path(data.pop("base"), source, folder)
    base = _load_data(base_path, seen)
    # What a scenario is and what it changes are its own, not its base's.
    base.pop("description", None)
    base.pop("changes", None)
    return _merge(base, data)


def _load_data(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.resolve() in seen:
        chain = " -> ".join(p.name for p in (*seen, path.resolve()))
        raise ScenarioError(f"{path}: 'base' scenarios form a cycle ({chain})")
    data = _read_toml(path)
    if "posterior" in data:
        data["posterior"] = _posterior_path(data["posterior"], str(path), path.parent)
    return _with_base(data, str(path), path.parent, (*seen, path.resolve()))


def _posterior_path(value: Any, source: str, folder: Path) -> str:
    """A scenario file's ``posterior``: a CSV file inside the file's folder, made absolute."""
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{source}: posterior = {value!r} must be the path of a .csv file")
    path = folder / value
    if Path(value).is_absolute() or not _inside(path, folder) or path.suffix != ".csv":
        raise ScenarioError(
            f"{source}: posterior = {value!r} must be a .csv file inside this file's folder"
        )
    if not path.is_file():
        raise ScenarioError(f"{source}: posterior = {value!r}: no such file in {folder}")
    return str(path.resolve())


def load_scenario(path_or_name: str | Path | Scenario) -> Scenario:
    """Load and validate a scenario by name (``"baseline"``) or from a TOML file path.

    A file may start from another with ``base``: a named scenario, or a .toml file
    inside the file's own folder. Raises :class:`ScenarioError` with one readable
    message for a missing, binary or non-UTF-8 file, malformed TOML, an unknown key
    (with the nearest valid key), a wrong type or an out-of-range value.
    """
    if isinstance(path_or_name, Scenario):
        return path_or_name
    path = _resolve(path_or_name)
    data = _load_data(path)
    data.setdefault("name", path.stem)
    return _validate(data, str(path))


def scenario_from_toml(data: bytes | str, source: str) -> Scenario:
    """Validate a scenario given as TOML text (e.g. uploaded), named ``source`` in messages.

    Its ``base`` may name a named scenario only: text from elsewhere has no folder of
    its own, and must not reach files on this machine.
    """
    text = (
        decode_text(data, source, "scenario file", ScenarioError)
        if isinstance(data, bytes)
        else data
    )
    parsed = _parse_toml(text, source)
    if parsed.get("posterior"):
        # Text from elsewhere must not name files on this machine.
        raise ScenarioError(
            f"{source}: posterior is read from scenario files only, not from uploaded text"
        )
    parsed = _with_base(parsed, source, None, ())
    parsed.setdefault("name", Path(source).stem or "uploaded")
    return _validate(parsed, source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a command-line change ``key=value``; the value is read as a TOML value."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise ScenarioError(
            f"--set {text!r}: expected KEY=VALUE, e.g. organisation.data_quality=0.8"
        )
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word: let validation say whether a string is acceptable
    return key, value
