"""The agents: Organisation, Deployment, Owner and Reviewer.

Each agent keeps its own state and calls the equations in :mod:`genaisim.mechanisms`.
The order in which they act each month is spelled out in
:meth:`Organisation.step`. All randomness comes from the organisation's own random
stream, derived from the model's ``rng``.
"""

from __future__ import annotations

import math
import random
from collections import deque
from enum import StrEnum
from typing import TYPE_CHECKING

import mesa
from mesa.agentset import AgentSet

from genaisim import mechanisms as mech
from genaisim.usecases import CATALOGUE, UseCase

if TYPE_CHECKING:
    from genaisim.model import GenAISimModel
    from genaisim.scenario import Scenario

#: Attention a finished prototype awaiting go-live still takes (demos, tweaks),
#: and a production system takes (monitoring, changes), relative to a pilot in build.
AWAITING_LOAD = 0.3
PRODUCTION_LOAD = 0.25
NO_INCIDENT = 10**6


class Stage(StrEnum):
    """Where a deployment is in its life."""

    PILOT = "pilot"
    PRODUCTION = "production"
    RETIRED = "retired"


class RetireReason(StrEnum):
    """Why a deployment left: a pilot abandoned, a system cut at review or rolled back."""

    ABANDONED = "abandoned"
    CUT = "cut"
    ROLLED_BACK = "rolled_back"


class OwnerKind(StrEnum):
    """A business-unit owner, or the technology team standing in."""

    BUSINESS = "business_unit"
    TECHNOLOGY = "technology"


class Owner(mesa.Agent):
    """Accountable for output quality, incident response and approving updates.

    A business-unit owner heads the unit whose workflow a deployment is embedded
    in; the technology team stands in for every deployment without one. An owner's
    attention is shared across what they own.
    """

    def __init__(
        self,
        model: GenAISimModel,
        organisation: Organisation,
        kind: OwnerKind,
        role: str,
        resourced: bool,
        capacity: float,
    ) -> None:
        super().__init__(model)
        self.organisation = organisation
        organisation.owners.add(self)
        self.kind = kind
        self.role = role
        self.resourced = resourced
        self.capacity = capacity
        self.owned: list[Deployment] = []
        o = organisation.params.ownership
        business = kind is OwnerKind.BUSINESS
        self.promotion_rate = o.business_promotion_rate if business else o.technology_promotion_rate
        self.resolution_rate = (
            o.business_incident_resolution if business else o.technology_incident_resolution
        )
        #: share of changes that fix what the business means by "wrong"
        self.fix_accuracy = 1.0 if business else o.technology_fix_accuracy
        self.resourcing = 1.0 if resourced else o.unresourced_attention
        #: the owner's time on each deployment they own, charged to it every month
        self.monthly_cost = o.owner_cost if business else 0.0

    @property
    def is_business(self) -> bool:
        """Whether this is a business-unit owner (not the technology stand-in)."""
        return self.kind is OwnerKind.BUSINESS

    def attention(self) -> float:
        """Attention per owned deployment: ``min(1, capacity / owned) * resourcing``."""
        return mech.attention_share(self.capacity, len(self.owned)) * self.resourcing

    def act(self) -> None:
        """Take finished prototypes live, respond to incidents, act on routed flags."""
        if not self.owned:
            return
        attention = self.attention()
        org = self.organisation
        rand = org.stream.random
        for deployment in list(self.owned):
            if deployment.stage is Stage.PILOT:
                if deployment.built and deployment.workflow in org.live_workflows:
                    # Another system already runs this workflow. A business owner drops
                    # the duplicate; with only the technology team, nobody decides to.
                    if self.is_business:
                        deployment.retire(RetireReason.ABANDONED)
                    continue
                if (
                    deployment.built
                    and deployment.demo_quality >= org.params.ownership.go_live_quality
                    and deployment.workflow not in org.live_workflows
                    and rand() < self.promotion_rate * attention
                ):
                    deployment.promote()
                continue
            if deployment.incident_months >= 0 and not self._respond_to_incident(
                deployment, attention
            ):
                continue
            self._act_on_flags(deployment, attention)

    def _respond_to_incident(self, deployment: Deployment, attention: float) -> bool:
        """Resolve an open incident, or roll the system back if it has lingered too long.

        Returns whether the deployment is still in production.
        """
        org = self.organisation
        # The owner decides and the technology team fixes: both attentions count.
        chance = self.resolution_rate * math.sqrt(attention) * (0.5 + 0.5 * org.attention)
        if org.stream.random() < chance:
            org.month_incidents_resolved += 1
            org.month_resolve_months += deployment.incident_months + 1
            deployment.incident_months = -1
            deployment.months_since_incident = 0
            return True
        if deployment.incident_months + 1 >= org.params.operations.rollback_after:
            deployment.retire(RetireReason.ROLLED_BACK)
            return False
        return True

    def _act_on_flags(self, deployment: Deployment, attention: float) -> None:
        """Turn routed flags into approved changes; without an owner they often miss."""
        org = self.organisation
        raised = deployment.month_flags_raised
        acted = deployment.flag_queue * org.params.feedback.process * attention
        measured = (
            1.0
            if deployment.kpis_defined
            else (org.params.measurement.unmeasured_improvement_efficiency)
        )
        effective = acted * self.fix_accuracy * measured * org.attention
        deployment.visible_improvement = effective / raised if raised > 0 else None
        deployment.flag_queue = 0.0
        deployment.month_flags_raised = 0
        deployment.flags_acted += acted
        org.month_flags_acted += acted
        if effective > 0.0:
            deployment.improve(effective)


class Reviewer(mesa.Agent):
    """A person who reviews escalated outputs of one production system and may flag errors.

    Engagement rises when flags visibly lead to improvements and decays when they
    go into a void.
    """

    def __init__(self, model: GenAISimModel, deployment: Deployment) -> None:
        super().__init__(model)
        self.deployment = deployment
        org = deployment.organisation
        org.reviewers.add(self)
        f = org.params.feedback
        self.belief = f.initial_belief
        self.engagement = mech.engagement_target(org.culture_now, self.belief, f.void_engagement)
        self.last_flags = 0

    def review(self) -> None:
        """Update belief and engagement from what happened to past flags, then flag errors."""
        d = self.deployment
        org = d.organisation
        f = org.params.feedback
        if self.last_flags > 0 and d.visible_improvement is not None:
            seen = min(1.0, d.visible_improvement)
            self.belief = mech.approach(self.belief, seen, f.belief_rate)
        target = mech.engagement_target(org.culture_now, self.belief, f.void_engagement)
        self.engagement = mech.approach(self.engagement, target, f.engagement_rate)
        rand = org.stream
        flags = mech.poisson(rand, f.flag_rate * self.engagement * (1.0 - d.quality) * d.adoption)
        routed = mech.binomial(rand, flags, f.tooling)
        self.last_flags = flags
        d.month_flags_raised += flags
        d.flags_raised += flags
        d.flag_queue += routed
        org.month_flags_raised += flags
        org.month_engagement_sum += self.engagement
        org.month_reviewers += 1


class Deployment(mesa.Agent):
    """One use case in one workflow: pilot -> production -> retired."""

    def __init__(
        self,
        model: GenAISimModel,
        organisation: Organisation,
        use_case: UseCase,
        business_line: int,
        owner: Owner,
        kpis_defined: bool,
    ) -> None:
        super().__init__(model)
        self.organisation = organisation
        organisation.deployments.add(self)
        self.use_case = use_case
        self.business_line = business_line
        #: the workflow this system would run: one use case in one business line
        self.workflow = (use_case.name, business_line)
        self.owner = owner
        self.kpis_defined = kpis_defined
        self.stage = Stage.PILOT
        self.retire_reason: RetireReason | None = None
        self.month_started = model.month
        self.month_promoted: int | None = None
        self.month_retired: int | None = None
        self.built = False
        self.build_progress = 0.0
        self.demo_quality = math.nan
        # feedback-driven improvements
        self.prompt_gain = 0.0
        self.finetune_gain = 0.0
        self.retrieval_tuning = 0.0
        self.flags_since_finetune = 0.0
        self.finetune_rounds = 0
        # prompt workarounds for data problems
        self.workaround_patch = 0.0
        self.fragility = 0.0
        self.workarounds = 0
        self.data_fix_requests = 0
        self.last_reaction = -(10**6)
        # operation
        self.quality = math.nan
        self.quality_at_go_live = math.nan
        self.escalation = math.nan
        self.adoption = 0.0
        self.months_in_production = 0  # months the system has run live
        self.incident_months = -1  # months the open incident has lasted; -1 when none
        self.months_since_incident = NO_INCIDENT
        self.incidents = 0
        #: net value of the months since the last budget review window (bounded memory)
        self.value_history: deque[float] = deque(
            maxlen=organisation.params.measurement.review_interval
        )
        self.net_value = 0.0
        # flags this month and in all
        self.flag_queue = 0.0
        self.month_flags_raised = 0
        self.flags_raised = 0
        self.flags_acted = 0.0
        self.visible_improvement: float | None = None
        self.reviewers: list[Reviewer] = []
        owner.owned.append(self)

    # -- monthly behaviour ------------------------------------------------------
    def operate(self) -> None:
        """Build (a pilot) or run (a production system) for one month."""
        if self.stage is Stage.PILOT:
            self._build()
        else:
            self._run()

    def _build(self) -> None:
        org = self.organisation
        cost = org.params.portfolio.pilot_cost + self.owner.monthly_cost
        org.month_costs += cost
        self.net_value -= cost
        if self.built:
            return
        self.build_progress += mech.build_progress(
            org.attention, org.technical_skill, org.params.portfolio.build_effort
        )
        if self.build_progress >= 1.0:
            self.built = True
            ops = org.params.operations
            self.demo_quality = mech.demo_quality(
                org.model_capability,
                org.technical_skill,
                ops.demo_quality_base,
                ops.capability_weight,
                ops.skill_weight,
                ops.capability_saturation,
            )
            org.prototype_built(self.demo_quality)

    def _run(self) -> None:
        org = self.organisation
        self.months_in_production += 1
        p = org.params
        ops, data = p.operations, p.data
        uc = self.use_case
        rand = org.stream.random

        self.workaround_patch = mech.decay(self.workaround_patch, data.workaround_half_life)
        self.fragility = mech.decay(self.fragility, data.fragility_half_life)
        penalty = mech.data_penalty(
            uc.data_dependence, org.data_quality + self.workaround_patch, self.retrieval_tuning
        )
        quality = mech.production_quality(
            self.demo_quality, self.prompt_gain, self.finetune_gain, penalty
        )
        self.quality = quality
        if math.isnan(self.quality_at_go_live):
            self.quality_at_go_live = quality

        # A team that sees its data hurt the system reacts: a quick prompt workaround,
        # or a request for the data to be fixed at source.
        month = self.model.month
        cooled_down = month - self.last_reaction >= data.reaction_cooldown
        if penalty > data.data_gap_tolerance and cooled_down:
            self.last_reaction = month
            if rand() < data.workaround_tendency:
                # A workaround patches the symptom up to a fixed boost; it does not stack.
                self.workaround_patch = max(self.workaround_patch, data.workaround_boost)
                self.fragility += data.workaround_fragility
                self.workarounds += 1
            else:
                self.data_fix_requests += 1
                org.fix_requests += 1

        self.adoption = mech.approach(
            self.adoption,
            mech.adoption_target(quality, ops.trust_threshold, ops.full_trust_quality),
            ops.adoption_rate,
        )

        if self.incident_months >= 0:
            self.incident_months += 1
        else:
            self.months_since_incident += 1
            chance = mech.incident_probability(
                quality, self.adoption, self.fragility, ops.incident_rate
            )
            if rand() < chance:
                self.incident_months = 0
                self.months_since_incident = 0
                self.incidents += 1
                self.adoption *= 1.0 - ops.incident_trust_loss
                org.month_incidents_opened += 1

        escalation = mech.escalation_rate(quality, ops.escalation_floor, ops.escalation_sensitivity)
        self.escalation = escalation
        error_after = mech.residual_error_rate(quality, ops.review_catch_rate)
        minutes_after = mech.task_minutes_after(uc.ai_minutes, escalation, uc.review_minutes)
        per_task = mech.value_per_task(
            uc.manual_minutes,
            minutes_after,
            uc.manual_error_rate,
            error_after,
            uc.error_cost,
            ops.labour_cost,
        )
        tasks = uc.volume * self.adoption
        gross = tasks * per_task / 1000.0  # currency units -> k
        if self.incident_months >= 0:
            gross *= 1.0 - ops.incident_severity
        cost = ops.support_cost + self.owner.monthly_cost + tasks * ops.inference_cost / 1000.0
        net = gross - cost
        self.net_value += net
        self.value_history.append(net)

        org.month_gross += gross
        org.month_costs += cost
        org.month_tasks += tasks
        org.month_quality_sum += quality
        org.month_quality_systems += 1
        if self.kpis_defined:
            org.month_measured_value += net
            org.month_measured_systems += 1
        if tasks > 0.0:
            wage = ops.labour_cost / 60.0
            org.kpi_minutes_before += tasks * uc.manual_minutes
            org.kpi_minutes_after += tasks * minutes_after
            org.kpi_errors_before += tasks * uc.manual_error_rate
            org.kpi_errors_after += tasks * error_after
            org.kpi_escalations += tasks * escalation
            # Per-task cost after: people's minutes and inference, plus this system's
            # share of running costs (support, owner's time), in currency units.
            org.kpi_cost_after += tasks * (minutes_after * wage + ops.inference_cost) + 1000.0 * (
                ops.support_cost + self.owner.monthly_cost
            )

    def improve(self, effective_flags: float) -> None:
        """Turn acted-on flags into prompt revisions, retrieval tuning and fine-tuning."""
        f = self.organisation.params.feedback
        revisions = effective_flags / f.flags_per_revision
        self.prompt_gain = mech.revision_step(
            self.prompt_gain, f.prompt_revision_gain, f.prompt_revision_rate, revisions
        )
        retrieval_cap = f.retrieval_tuning_gain * self.organisation.data_quality
        self.retrieval_tuning = mech.revision_step(
            self.retrieval_tuning, retrieval_cap, f.retrieval_tuning_rate, revisions
        )
        self.flags_since_finetune += effective_flags
        while self.flags_since_finetune >= f.finetune_flags and self.finetune_gain < f.finetune_max:
            self.flags_since_finetune -= f.finetune_flags
            self.finetune_gain = min(f.finetune_max, self.finetune_gain + f.finetune_gain)
            self.finetune_rounds += 1

    # -- stage changes ---------------------------------------------------------------
    def promote(self) -> None:
        """Go live: the system now processes real volume and gets reviewers."""
        org = self.organisation
        self.stage = Stage.PRODUCTION
        self.month_promoted = self.model.month
        org.pilots.remove(self)
        org.production.append(self)
        org.live_workflows.add(self.workflow)
        org.month_promoted += 1
        self.reviewers = [
            Reviewer(self.model, self) for _ in range(org.params.feedback.reviewers_per_deployment)
        ]

    def retire(self, reason: RetireReason) -> None:
        """Leave the portfolio: abandoned as a pilot, cut at review, or rolled back."""
        org = self.organisation
        if self.stage is Stage.PILOT:
            org.pilots.remove(self)
        else:
            org.production.remove(self)
            org.live_workflows.discard(self.workflow)
        self.stage = Stage.RETIRED
        self.retire_reason = reason
        self.month_retired = self.model.month
        org.retired.append(self)
        org.month_retired[reason] += 1
        self.owner.owned.remove(self)
        org.deployments.discard(self)
        for reviewer in self.reviewers:
            org.reviewers.discard(reviewer)
            reviewer.remove()
        self.reviewers = []
        self.remove()

    # -- derived ---------------------------------------------------------------------
    @property
    def has_sla(self) -> bool:
        """A production system owned in the business runs under an SLA."""
        return self.stage is Stage.PRODUCTION and self.owner.is_business


class Organisation(mesa.Agent):
    """One organisation: its data, policies, capacity, leadership and culture.

    It starts new use cases (the pilot loop), reviews the portfolio's budget,
    invests in and loses data quality, and learns: skill, confidence, culture.
    """

    def __init__(
        self, model: GenAISimModel, index: int, params: Scenario, stream: random.Random
    ) -> None:
        super().__init__(model)
        self.index = index
        self.params = params
        #: this organisation's own random stream (Mesa's ``self.random`` is the model's)
        self.stream = stream
        self.deployments: AgentSet[Deployment] = AgentSet([], random=stream)
        self.reviewers: AgentSet[Reviewer] = AgentSet([], random=stream)
        self.owners: AgentSet[Owner] = AgentSet([], random=stream)
        o = params.organisation
        self.data_quality = o.data_quality
        self.technical_skill = o.technical_skill
        self.model_capability = o.model_capability
        self.confidence = o.leadership_confidence
        self.mindset = o.infrastructure_mindset
        self.hype = 0.0
        self.culture_now = self.effective_culture()
        self.attention = 1.0
        self.capacity = o.delivery_capacity
        self.fix_requests = 0
        self.fix_budget = 0.0
        self.latest_demo_quality = math.nan
        self.cumulative_value = 0.0
        self.pilots_started = 0
        self.promotions = 0
        self.pilots: list[Deployment] = []
        self.production: list[Deployment] = []
        #: workflows (use case, business line) that have a system in production
        self.live_workflows: set[tuple[str, int]] = set()
        self.retired: list[Deployment] = []
        self.technology_owner = Owner(
            model,
            self,
            OwnerKind.TECHNOLOGY,
            "technology team",
            True,
            params.ownership.technology_owner_capacity,
        )
        self.business_owners: dict[str, Owner] = {}
        self._reset_month()

    # -- the month's tallies, read by the recorder ---------------------------------
    def _reset_month(self) -> None:
        self.month_started = 0
        self.month_promoted = 0
        self.month_retired = dict.fromkeys(RetireReason, 0)
        self.month_gross = 0.0
        self.month_costs = 0.0
        self.month_tasks = 0.0
        self.month_quality_sum = 0.0
        self.month_quality_systems = 0
        self.month_measured_value = 0.0
        self.month_measured_systems = 0
        self.month_flags_raised = 0
        self.month_flags_acted = 0.0
        self.month_incidents_opened = 0
        self.month_incidents_resolved = 0
        self.month_resolve_months = 0
        self.month_engagement_sum = 0.0
        self.month_reviewers = 0
        self.month_data_fixes = 0
        self.kpi_minutes_before = 0.0
        self.kpi_minutes_after = 0.0
        self.kpi_errors_before = 0.0
        self.kpi_errors_after = 0.0
        self.kpi_escalations = 0.0
        self.kpi_cost_after = 0.0

    @property
    def started(self) -> bool:
        """Whether the GenAI programme has started."""
        return self.model.month >= self.params.organisation.start_month

    def step(self) -> None:
        """One month of this organisation, in a fixed order of phases.

        Within a phase, agents act in a random order drawn from the organisation's stream.
        """
        self.plan()
        self.culture_now = self.effective_culture()
        self.deployments.shuffle_do("operate")
        self.reviewers.shuffle_do("review")
        self.owners.shuffle_do("act")
        self.learn()

    # -- step 1: plan -----------------------------------------------------------------
    def plan(self) -> None:
        """Budget review, hype, funding, new pilots, and the team's attention this month."""
        self._reset_month()
        p = self.params
        self.month_costs += p.data.data_investment * p.data.data_programme_cost
        if not self.started:
            return
        rand = self.stream
        months_running = self.model.month - p.organisation.start_month
        if months_running > 0 and months_running % p.measurement.review_interval == 0:
            self.budget_review()

        self.hype = mech.decay(self.hype, p.portfolio.hype_half_life)
        if rand.random() < p.portfolio.hype_shock_rate / 12.0:
            self.hype += p.portfolio.hype_shock_size

        funding = mech.funding_multiplier(self.confidence)
        self.capacity = p.organisation.delivery_capacity * funding
        self.month_costs += self.capacity * p.organisation.team_cost
        # The feedback loop's tooling and process are running costs of their own.
        self.month_costs += (
            p.feedback.tooling * p.feedback.tooling_cost
            + p.feedback.process * p.feedback.process_cost
        )

        wanted = mech.poisson(rand, p.portfolio.pilot_appetite * (1.0 + self.hype) * funding / 12.0)
        for _ in range(wanted):
            if len(self.pilots) >= p.portfolio.max_open_pilots or self.start_pilot() is None:
                break

        awaiting = sum(1 for d in self.pilots if d.built)
        load = (
            (len(self.pilots) - awaiting)
            + AWAITING_LOAD * awaiting
            + PRODUCTION_LOAD * len(self.production)
        )
        self.attention = mech.attention_share(self.capacity, load)

    def start_pilot(self) -> Deployment | None:
        """Pick a workflow and start a pilot on it, with an owner and (perhaps) KPIs.

        Any workflow without a live system may be picked, even one another pilot is
        already exploring. Returns None when every workflow already runs on GenAI.
        """
        p = self.params
        rand = self.stream
        free = [
            (use_case, line)
            for use_case in CATALOGUE
            for line in range(p.portfolio.business_lines)
            if (use_case.name, line) not in self.live_workflows
        ]
        if not free:
            return None
        use_case, line = free[rand.randrange(len(free))]
        effect = p.culture.mindset_discipline_effect
        owner_chance = mech.discipline_probability(
            p.ownership.owner_probability, self.mindset, effect
        )
        kpi_chance = mech.discipline_probability(
            p.measurement.kpi_probability, self.mindset, effect
        )
        owner = (
            self.business_owner(use_case) if rand.random() < owner_chance else self.technology_owner
        )
        kpis_defined = rand.random() < kpi_chance
        deployment = Deployment(self.model, self, use_case, line, owner, kpis_defined)
        if kpis_defined:
            # Measuring the manual baseline before go-live is work, paid up front.
            self.month_costs += p.measurement.kpi_cost
            deployment.net_value -= p.measurement.kpi_cost
        self.pilots.append(deployment)
        self.month_started += 1
        self.pilots_started += 1
        return deployment

    def business_owner(self, use_case: UseCase) -> Owner:
        """The head of the use case's business unit, who accepts accountability."""
        owner = self.business_owners.get(use_case.business_unit)
        if owner is None:
            o = self.params.ownership
            owner = Owner(
                self.model,
                self,
                OwnerKind.BUSINESS,
                use_case.owner_role,
                self.stream.random() < o.owner_resourced_probability,
                o.owner_capacity,
            )
            self.business_owners[use_case.business_unit] = owner
        return owner

    def budget_review(self) -> None:
        """Review the budget: cut measured losers and, at random, unmeasured systems.

        Pilots older than the organisation's patience may be abandoned.
        """
        p = self.params
        m = p.measurement
        rand = self.stream.random
        for deployment in list(self.production):
            if deployment.months_in_production < m.review_grace:
                continue
            if deployment.kpis_defined:
                # KPIs make the value visible: keep what pays, cut what does not.
                if sum(deployment.value_history) <= 0.0:
                    deployment.retire(RetireReason.CUT)
            elif rand() < m.unmeasured_cut_probability:
                # Nobody can show it works, whatever it is actually worth.
                deployment.retire(RetireReason.CUT)
        now = self.model.month
        for deployment in list(self.pilots):
            if (
                now - deployment.month_started >= p.portfolio.pilot_patience
                and rand() < p.portfolio.stale_pilot_abandon_probability
            ):
                deployment.retire(RetireReason.ABANDONED)

    def prototype_built(self, demo_quality: float) -> None:
        """Every prototype teaches the team: skill rises."""
        self.latest_demo_quality = demo_quality
        self.technical_skill = mech.skill_after_prototype(
            self.technical_skill, self.params.operations.skill_gain
        )

    def effective_culture(self) -> float:
        """Reviewers' willingness to flag, amplified by the infrastructure mindset."""
        p = self.params
        return mech.effective_culture(
            p.feedback.culture, self.mindset, p.culture.mindset_engagement_effect
        )

    # -- observation -------------------------------------------------------------------
    def monthly_figures(self, month: int) -> tuple[float, ...]:
        """The organisation's row of the timeseries for ``month`` (order of TIMESERIES_COLUMNS)."""
        p = self.params
        production = self.production
        tasks = self.month_tasks
        resolved = self.month_incidents_resolved
        nan = math.nan
        if tasks > 0.0:
            wage = p.operations.labour_cost / 60.0
            before = self.kpi_minutes_before / tasks
            kpis = (
                before,
                self.kpi_minutes_after / tasks,
                self.kpi_errors_before / tasks,
                self.kpi_errors_after / tasks,
                self.kpi_escalations / tasks,
                before * wage,
                self.kpi_cost_after / tasks,
            )
        else:
            kpis = (nan,) * 7
        prototype_age = p.portfolio.permanent_prototype_months
        retired = self.month_retired
        return (
            self.index,
            month,
            len(self.pilots),
            sum(1 for d in self.pilots if d.built),
            sum(1 for d in self.pilots if month - d.month_started >= prototype_age),
            len(production),
            len(self.retired),
            self.month_started,
            self.month_promoted,
            retired[RetireReason.ABANDONED],
            retired[RetireReason.CUT],
            retired[RetireReason.ROLLED_BACK],
            self.pilots_started,
            self.promotions,
            self.month_gross,
            self.month_costs,
            self.month_gross - self.month_costs,
            self.cumulative_value,
            tasks,
            *kpis,
            self.month_quality_sum / self.month_quality_systems
            if self.month_quality_systems
            else nan,
            self.latest_demo_quality,
            self.month_flags_raised,
            self.month_flags_acted,
            self.month_incidents_opened,
            sum(1 for d in production if d.incident_months >= 0),
            resolved,
            self.month_resolve_months / resolved if resolved else nan,
            self.month_data_fixes,
            self.month_engagement_sum / self.month_reviewers if self.month_reviewers else nan,
            self.data_quality,
            self.confidence,
            self.mindset,
            self.technical_skill,
            self.hype,
            self.attention,
        )

    # -- step 5: learn ------------------------------------------------------------------
    def learn(self) -> None:
        """Data drifts and is fixed, confidence follows evidence, culture follows reliability."""
        p = self.params
        d = p.data
        self.data_quality = mech.data_quality_step(
            self.data_quality, d.data_investment, d.data_improvement_rate, d.data_drift
        )
        self.fix_budget = min(self.fix_budget + d.data_fix_capacity, max(1.0, d.data_fix_capacity))
        while self.fix_requests > 0 and self.fix_budget >= 1.0:
            self.fix_requests -= 1
            self.fix_budget -= 1.0
            self.data_quality = mech.data_fix(self.data_quality, d.data_fix_gain)
            self.month_costs += d.data_fix_cost
            self.month_data_fixes += 1
        self.cumulative_value += self.month_gross - self.month_costs
        if not self.started:
            return

        m = p.measurement
        target = mech.confidence_target(
            self.month_measured_value,
            self.month_measured_systems > 0,
            m.confidence_value_scale,
            m.no_evidence_confidence,
        )
        self.confidence = mech.approach(self.confidence, target, m.confidence_rate)

        reliable_after = p.culture.reliable_months
        reliable = sum(
            1
            for dep in self.production
            if dep.owner.is_business
            and dep.months_since_incident >= reliable_after
            and dep.months_in_production >= reliable_after
        )
        self.mindset = mech.approach(
            self.mindset,
            mech.mindset_target(reliable, len(self.production), len(self.pilots)),
            p.culture.mindset_rate,
        )
        self.promotions += self.month_promoted
