"""The agents: Organisation, Deployment, Owner and Reviewer.

Each agent keeps its own state, calls the equations in :mod:`genaisim.mechanisms`
and adds what happens to its organisation's monthly tally (:mod:`genaisim.observe`).
The order in which they act each month is spelled out in :meth:`Organisation.step`.
All randomness comes from the organisation's own random stream, derived from the
model's ``rng``.

Business-unit owners and the technology team standing in follow the same decision
rules. They differ in what they know (how realistic their acceptance test is, what
an error costs, what "wrong" means in the workflow, how to diagnose an incident)
and in the time they have: each difference is a named parameter of
``[ownership]`` with its source in docs/ODD.md.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict, deque
from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

from genaisim import mechanisms as mech
from genaisim.observe import MonthlyTally
from genaisim.usecases import CATALOGUE, UseCase

if TYPE_CHECKING:
    from genaisim.model import GenAISimModel
    from genaisim.scenario import Scenario

NO_INCIDENT = 10**6
#: Months over which a deployment's own return is judged (``Deployment.net_value_3y``).
THREE_YEARS = 36

#: Acceptance bars depend on the parameters alone (not on the state), so organisations
#: with the same parameters share them: replications of one scenario compute each bar once.
#: A few recent parameter sets are kept, each with the parameters themselves so that an
#: id is never mistaken for another object's.
_SHARED_BARS: OrderedDict[int, tuple[Scenario, dict[tuple[str, OwnerKind, bool], float]]] = (
    OrderedDict()
)
_SHARED_BARS_KEPT = 16


def _bars_for(params: Scenario) -> dict[tuple[str, OwnerKind, bool], float]:
    entry = _SHARED_BARS.get(id(params))
    if entry is not None and entry[0] is params:
        _SHARED_BARS.move_to_end(id(params))
        return entry[1]
    bars: dict[tuple[str, OwnerKind, bool], float] = {}
    _SHARED_BARS[id(params)] = (params, bars)
    while len(_SHARED_BARS) > _SHARED_BARS_KEPT:
        _SHARED_BARS.popitem(last=False)
    return bars


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
        organisation.owners.append(self)
        self.kind = kind
        self.role = role
        self.resourced = resourced
        self.capacity = capacity
        self.owned: list[Deployment] = []
        o = organisation.params.ownership
        business = kind is OwnerKind.BUSINESS
        # What the owner knows; a business owner runs the workflow and knows all of it.
        #: how much of the production data gap the owner's acceptance test sees
        self.test_realism = 1.0 if business else o.technology_test_realism
        #: share of the real cost of an error the owner knows when setting the bar
        self.error_knowledge = 1.0 if business else o.technology_error_knowledge
        #: share of changes that fix what the business means by "wrong"
        self.fix_accuracy = 1.0 if business else o.technology_fix_accuracy
        #: share of the workflow's work the owner can move onto the system (process change)
        self.process_authority = 1.0 if business else o.technology_process_authority
        #: speed of diagnosing an incident in the workflow
        self.diagnosis = 1.0 if business else o.technology_diagnosis
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
        """Decide on finished prototypes, respond to incidents, act on routed flags."""
        if not self.owned:
            return
        attention = self.attention()
        rand = self.organisation.stream.random
        for deployment in list(self.owned):
            if deployment.stage is Stage.PILOT:
                # A decision takes the owner's time: with little of it, decisions wait.
                if deployment.built and rand() < attention:
                    self._decide_on_prototype(deployment)
                continue
            if deployment.incident_months >= 0 and not self._respond_to_incident(
                deployment, attention
            ):
                continue
            self._act_on_flags(deployment, attention)

    # -- go-live and stage gate ---------------------------------------------------------
    def acceptance_bar(self, use_case: UseCase, deployment: Deployment) -> float:
        """The quality this owner asks of a system before it goes live.

        ``Q_bar = max(Q_break_even(k * C_err), Q_trust) + margin``: the owner wants the
        system to pay its way with an error's cost as far as they know it (share ``k``
        of the real cost), and to be good enough for people to use.
        """
        org = self.organisation
        key = (use_case.name, self.kind, deployment.bought)
        bar = org.bar_cache.get(key)
        if bar is None:
            break_even = org.break_even_quality(use_case, self.error_knowledge, deployment)
            bar = max(break_even, org.params.operations.trust_threshold)
            bar += org.params.ownership.acceptance_margin
            org.bar_cache[key] = bar
        return bar

    def acceptance_test(self, deployment: Deployment) -> float:
        """The quality the owner's test shows: ``Q_test = Q_demo - rho * (Q_demo - Q_prod) + e``.

        ``rho`` is how much of the production data the test uses (a business owner
        tests on the workflow's own data); ``e`` the test's error, small with KPIs and
        a measured baseline, larger without.
        """
        org = self.organisation
        m = org.params.measurement
        demo = deployment.base_quality()
        production = deployment.quality_on_current_data()
        noise = m.test_noise if deployment.kpis_defined else m.unmeasured_test_noise
        return demo - self.test_realism * (demo - production) + org.stream.gauss(0.0, noise)

    def _decide_on_prototype(self, deployment: Deployment) -> None:
        org = self.organisation
        if deployment.workflow in org.live_workflows:
            # Another system already runs this workflow: the duplicate stops.
            deployment.retire(RetireReason.ABANDONED)
            return
        if self.acceptance_test(deployment) >= self.acceptance_bar(deployment.use_case, deployment):
            deployment.promote()
            return
        deployment.failed_tests += 1
        if deployment.failed_tests >= org.params.ownership.go_live_attempts:
            # The owner has seen enough failed tests: the prototype stops.
            deployment.retire(RetireReason.ABANDONED)
            return
        # The failed test's real cases go back to the team (as many as the test saw), as
        # changes like those from reviewers' flags; a data gap the test shows may be taken
        # to the data team.
        realism = self.test_realism
        self._make_changes(deployment, org.params.ownership.edge_cases * realism)
        gap = realism * mech.data_penalty(
            deployment.use_case.data_dependence,
            org.data_quality,
            deployment.retrieval_tuning,
            org.params.data.data_gap_severity,
        )
        deployment.react_to_data_gap(gap, workaround=False)
        months_finished = org.model.month - deployment.month_built
        if deployment.kpis_defined and months_finished >= org.params.portfolio.stage_gate_months:
            # Stage gate: the KPIs show no path to the bar, so the pilot stops. Without
            # KPIs there is no such evidence and the pilot lingers.
            deployment.retire(RetireReason.ABANDONED)

    # -- running systems ---------------------------------------------------------------
    def _respond_to_incident(self, deployment: Deployment, attention: float) -> bool:
        """Resolve an open incident, or roll the system back if it has lingered too long.

        Returns whether the deployment is still in production.
        """
        org = self.organisation
        # The owner diagnoses and decides; the technology team fixes: both attentions count.
        chance = mech.resolution_chance(
            org.params.ownership.incident_resolution,
            self.diagnosis,
            attention,
            deployment.attention,
        )
        if org.stream.random() < chance:
            org.tally.incidents_resolved += 1
            org.tally.resolve_months += deployment.incident_months + 1
            deployment.incident_months = -1
            deployment.months_since_incident = 0
            return True
        if deployment.incident_months + 1 >= org.params.operations.rollback_after:
            deployment.retire(RetireReason.ROLLED_BACK)
            return False
        return True

    def _act_on_flags(self, deployment: Deployment, attention: float) -> None:
        """Turn routed flags into approved changes.

        ``acted = queue * (x_p + (1 - x_p) * s_adhoc) * A_owner``: the process acts on its
        share; an owner acts ad hoc on a share of the rest, with the time they have.
        """
        org = self.organisation
        f = org.params.feedback
        # Reviewers judge by what became of the real problems they flagged.
        raised = deployment.month_real_flags
        acted = deployment.flag_queue * mech.substitute(f.process, f.ad_hoc_action) * attention
        effective = self._make_changes(deployment, acted)
        deployment.visible_improvement = effective / raised if raised > 0 else None
        deployment.flag_queue = 0.0
        deployment.month_flags_raised = 0
        deployment.month_real_flags = 0.0
        deployment.flags_acted += acted
        org.tally.flags_acted += acted

    def _make_changes(self, deployment: Deployment, cases: float) -> float:
        """Make changes for ``cases`` real problems; returns how many of them land.

        ``effective = cases * fix_accuracy * measured * A_team * adaptability``: a change
        misses when the owner cannot say what "wrong" means, when nobody measures the
        system, when the team has no time, or when a vendor's product cannot be changed.
        Every change costs engineering time, whether it lands or not.
        """
        if cases <= 0.0:
            return 0.0
        org = self.organisation
        p = org.params
        f = p.feedback
        measured = (
            1.0 if deployment.kpis_defined else p.measurement.unmeasured_improvement_efficiency
        )
        adaptability = p.sourcing.vendor_adaptability if deployment.bought else 1.0
        effective = cases * self.fix_accuracy * measured * deployment.attention * adaptability
        cost = cases / f.flags_per_revision * f.revision_cost
        org.tally.cost_feedback += cost
        deployment.net_value -= cost
        if effective > 0.0:
            deployment.improve(effective)
        return effective


class Reviewer(mesa.Agent):
    """A person who reviews escalated outputs of one production system and may flag errors.

    Engagement rises when flags visibly lead to improvements and decays when they
    go into a void.
    """

    def __init__(self, model: GenAISimModel, deployment: Deployment) -> None:
        super().__init__(model)
        self.deployment = deployment
        org = deployment.organisation
        org.reviewers.append(self)
        f = org.params.feedback
        self.belief = f.initial_belief
        self.engagement = mech.engagement_target(
            org.culture_now, self.belief, f.void_engagement, f.mandated_flagging * f.process
        )
        self.last_flags = 0

    def review(self) -> None:
        """Update belief and engagement from what happened to past flags, then flag errors.

        Flags ~ Poisson(r_flag * E * (1 - Q) * a); a share ``x + (1 - x) * s_manual`` of
        them is routed (tooling, else by hand at a cost); a share ``pi(E)`` of the routed
        flags points at a real problem.
        """
        d = self.deployment
        org = d.organisation
        f = org.params.feedback
        belief = self.belief
        if self.last_flags > 0 and d.visible_improvement is not None:
            belief = mech.approach(belief, min(1.0, d.visible_improvement), f.belief_rate)
            self.belief = belief
        target = mech.engagement_target(
            org.culture_now, belief, f.void_engagement, org.mandated_engagement
        )
        engagement = mech.approach(self.engagement, target, f.engagement_rate)
        self.engagement = engagement
        tally = org.tally
        tally.engagement_sum += engagement
        tally.reviewers += 1
        rate = f.flag_rate * engagement * (1.0 - d.quality) * d.adoption
        flags = mech.poisson(org.stream, rate) if rate > 0.0 else 0
        self.last_flags = flags
        if not flags:
            return
        tooling = f.tooling
        reach = org.flag_reach
        routed = mech.binomial(org.stream, flags, reach)
        # Of the routed flags, the share tooling missed went by hand.
        by_hand = routed * (1.0 - tooling) * f.manual_routing / reach if routed else 0.0
        if by_hand > 0.0:
            cost = by_hand * f.manual_flag_cost
            tally.cost_feedback += cost
            d.net_value -= cost
        precision = mech.flag_precision(engagement, f.flag_precision_floor)
        d.flag_queue += routed * precision
        d.month_real_flags += flags * precision
        d.month_flags_raised += flags
        d.flags_raised += flags
        tally.flags_raised += flags


class Deployment(mesa.Agent):
    """One use case in one workflow, built or bought: pilot -> production -> retired."""

    def __init__(
        self,
        model: GenAISimModel,
        organisation: Organisation,
        use_case: UseCase,
        business_line: int,
        owner: Owner,
        kpis_defined: bool,
        bought: bool = False,
    ) -> None:
        super().__init__(model)
        self.organisation = organisation
        self.use_case = use_case
        self.business_line = business_line
        #: the workflow this system would run: one use case in one business line
        self.workflow = (use_case.name, business_line)
        self.owner = owner
        self.kpis_defined = kpis_defined
        #: a vendor product configured for the workflow rather than a system built in house
        self.bought = bought
        self.stage = Stage.PILOT
        self.retire_reason: RetireReason | None = None
        self.month_started = model.month
        self.month_built: int = -1
        self.month_promoted: int | None = None
        self.month_retired: int | None = None
        self.built = False
        self.build_progress = 0.0
        self.build_capability = math.nan
        self.demo_quality = math.nan
        #: the team's attention this month (set by the organisation's plan)
        self.attention = 1.0
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
        #: net value and running cost of the months since the last budget review
        window = organisation.params.measurement.review_interval
        self.value_history: deque[float] = deque(maxlen=window)
        self.cost_history: deque[float] = deque(maxlen=window)
        self.net_value = 0.0
        #: the team's time this initiative used (k); not in ``net_value``, which counts
        #: what the initiative itself adds and costs, as budget reviews see it
        self.team_time_cost = 0.0
        # Net value over the first three years from the pilot's start, team time included
        # (NaN until then, or until it retires earlier): what "delivered its expected ROI"
        # is judged on.
        self.net_value_3y = math.nan
        self.failed_tests = 0  # go-live tests failed so far
        #: month the full account (team time included) came back to zero or above
        self.month_paid_back: int | None = None
        # flags this month and in all
        self.flag_queue = 0.0
        self.month_flags_raised = 0
        self.month_real_flags = 0.0
        self.flags_raised = 0
        self.flags_acted = 0.0
        self.visible_improvement: float | None = None
        self.reviewers: list[Reviewer] = []
        #: whether it was running before the run began (a current portfolio's use case)
        self.from_portfolio = False
        owner.owned.append(self)

    # -- quality -------------------------------------------------------------------------
    def base_quality(self) -> float:
        """Quality on curated data with today's base model: ``Q_demo + uplift(m_build -> m_now)``.

        Vendors' model releases reach every system, loop or no loop.
        """
        org = self.organisation
        ops = org.params.operations
        uplift = mech.capability_uplift(
            self.build_capability,
            org.model_capability,
            ops.capability_weight,
            ops.capability_saturation,
        )
        return min(mech.QUALITY_CEILING, self.demo_quality + uplift)

    def quality_on_current_data(self) -> float:
        """What the system would do on today's production data, before any workaround."""
        org = self.organisation
        penalty = mech.data_penalty(
            self.use_case.data_dependence,
            org.data_quality,
            self.retrieval_tuning,
            org.params.data.data_gap_severity,
        )
        return mech.production_quality(
            self.base_quality(), self.prompt_gain, self.finetune_gain, penalty
        )

    # -- monthly behaviour ------------------------------------------------------
    def operate(self) -> None:
        """Build (a pilot) or run (a production system) for one month."""
        if self.stage is Stage.PILOT:
            self._build()
        else:
            self._run()

    def _build(self) -> None:
        org = self.organisation
        p = org.params
        cost = p.portfolio.pilot_cost + self.owner.monthly_cost
        org.tally.cost_pilots += cost
        self.net_value -= cost
        if self.built:
            return
        effort = p.portfolio.build_effort
        if self.bought:
            effort *= p.sourcing.vendor_build_factor
        self.build_progress += mech.build_progress(self.attention, org.technical_skill, effort)
        if self.build_progress >= 1.0:
            self.built = True
            self.month_built = self.model.month
            self.build_capability = org.model_capability
            ops = p.operations
            self.demo_quality = mech.demo_quality(
                org.model_capability,
                org.technical_skill,
                ops.demo_quality_base,
                ops.capability_weight,
                ops.skill_weight,
                ops.capability_saturation,
            )
            if self.bought:
                self.demo_quality -= p.sourcing.vendor_fit_gap
            org.prototype_built(self.demo_quality)

    def _run(self) -> None:
        org = self.organisation
        self.months_in_production += 1
        p = org.params
        ops, data = p.operations, p.data
        uc = self.use_case
        rand = org.stream.random
        tally = org.tally

        self.workaround_patch = mech.decay(self.workaround_patch, data.workaround_half_life)
        self.fragility = mech.decay(self.fragility, data.fragility_half_life)
        penalty = mech.data_penalty(
            uc.data_dependence,
            org.data_quality + self.workaround_patch,
            self.retrieval_tuning,
            data.data_gap_severity,
        )
        quality = mech.production_quality(
            self.base_quality(), self.prompt_gain, self.finetune_gain, penalty
        )
        self.quality = quality
        if math.isnan(self.quality_at_go_live):
            self.quality_at_go_live = quality

        self.react_to_data_gap(penalty)

        # Usage follows quality, within the share of the workflow the owner has moved
        # onto the system.
        self.adoption = mech.approach(
            self.adoption,
            mech.adoption_target(quality, ops.trust_threshold, ops.full_trust_quality)
            * self.owner.process_authority,
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
                tally.incidents_opened += 1

        escalation = mech.escalation_rate(quality, ops.escalation_floor, ops.escalation_sensitivity)
        self.escalation = escalation
        error_after = mech.residual_error_rate(quality, ops.review_catch_rate)
        minutes_after = mech.task_minutes_after(uc.ai_minutes, escalation, uc.review_minutes)
        per_task = mech.value_per_task(
            uc.manual_minutes,
            minutes_after,
            uc.manual_error_rate,
            error_after,
            uc.error_cost * ops.error_cost_scale,
            ops.labour_cost,
            ops.value_realisation,
        )
        tasks = uc.volume * self.organisation.size * self.adoption
        gross = tasks * per_task / 1000.0  # currency units -> k
        if self.incident_months >= 0:
            gross *= 1.0 - ops.incident_severity
        fixed = self.fixed_running_cost()
        cost = fixed + tasks * ops.inference_cost / 1000.0
        net = gross - cost
        was_negative = self.full_net_value < 0.0
        self.net_value += net
        if was_negative and self.full_net_value >= 0.0 and self.month_paid_back is None:
            self.month_paid_back = self.model.month
        self.value_history.append(net)
        self.cost_history.append(cost)

        tally.gross += gross
        tally.cost_running += cost
        tally.tasks += tasks
        tally.quality_sum += quality
        tally.quality_systems += 1
        if self.kpis_defined:
            tally.measured_value += net
            tally.measured_systems += 1
        if tasks > 0.0:
            wage = ops.labour_cost / 60.0
            tally.minutes_before += tasks * uc.manual_minutes
            tally.minutes_after += tasks * minutes_after
            tally.errors_before += tasks * uc.manual_error_rate
            tally.errors_after += tasks * error_after
            tally.escalations += tasks * escalation
            # Per-task cost after: people's minutes and inference, plus this system's
            # fixed running costs, in currency units.
            tally.cost_per_task_after += (
                tasks * (minutes_after * wage + ops.inference_cost) + 1000.0 * fixed
            )

    def react_to_data_gap(self, penalty: float, workaround: bool = True) -> None:
        """A team that sees its data hurt the system reacts, at most once per cool-down.

        Above the tolerance it answers with a quick prompt workaround (chance
        ``workaround_tendency``) or a request for the data to be fixed at source. A pilot
        (``workaround=False``) has no production prompt to patch: the workaround-prone
        team just carries on, the others ask for the fix.
        """
        org = self.organisation
        data = org.params.data
        month = self.model.month
        if (
            penalty <= data.data_gap_tolerance
            or month - self.last_reaction < data.reaction_cooldown
        ):
            return
        self.last_reaction = month
        if org.stream.random() < data.workaround_tendency:
            if not workaround:
                return
            # A workaround patches the symptom up to a fixed boost; it does not stack.
            self.workaround_patch = max(self.workaround_patch, data.workaround_boost)
            self.fragility += data.workaround_fragility
            self.workarounds += 1
        else:
            self.data_fix_requests += 1
            org.fix_requests += 1

    @property
    def full_net_value(self) -> float:
        """Net value with the team time this initiative used (k)."""
        return self.net_value - self.team_time_cost

    def fixed_running_cost(self) -> float:
        """Monthly running cost besides inference (k): support, SLA, owner's time.

        A bought product's licence pays for its vendor's maintenance and support in place
        of the in-house support a built system needs.
        """
        p = self.organisation.params
        support = p.sourcing.vendor_licence if self.bought else p.operations.support_cost
        cost = support + self.owner.monthly_cost
        if self.owner.is_business:
            cost += p.operations.sla_cost
        return cost

    def improve(self, effective_flags: float) -> None:
        """Turn acted-on flags into prompt revisions, retrieval tuning and fine-tuning."""
        org = self.organisation
        f = org.params.feedback
        revisions = effective_flags / f.flags_per_revision
        self.prompt_gain = mech.revision_step(
            self.prompt_gain, f.prompt_revision_gain, f.prompt_revision_rate, revisions
        )
        retrieval_cap = f.retrieval_tuning_gain * org.data_quality
        self.retrieval_tuning = mech.revision_step(
            self.retrieval_tuning, retrieval_cap, f.retrieval_tuning_rate, revisions
        )
        self.flags_since_finetune += effective_flags
        while self.flags_since_finetune >= f.finetune_flags and self.finetune_gain < f.finetune_max:
            self.flags_since_finetune -= f.finetune_flags
            self.finetune_gain = min(f.finetune_max, self.finetune_gain + f.finetune_gain)
            self.finetune_rounds += 1
            org.tally.cost_feedback += f.finetune_cost
            self.net_value -= f.finetune_cost

    # -- stage changes ---------------------------------------------------------------
    def promote(self) -> None:
        """Go live: integration is paid, the system processes real volume and gets reviewers."""
        org = self.organisation
        cost = org.params.portfolio.integration_cost
        org.tally.cost_one_off += cost
        self.net_value -= cost
        self.stage = Stage.PRODUCTION
        self.month_promoted = self.model.month
        org.pilots.remove(self)
        org.production.append(self)
        org.live_workflows.add(self.workflow)
        org.tally.promoted += 1
        org.promotions += 1
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
        tally = org.tally
        if reason is RetireReason.ABANDONED:
            tally.abandoned += 1
        elif reason is RetireReason.CUT:
            tally.cut += 1
        else:
            tally.rolled_back += 1
        self.owner.owned.remove(self)
        for reviewer in self.reviewers:
            org.reviewers.remove(reviewer)
            reviewer.remove()
        self.reviewers = []
        self.remove()


class Organisation(mesa.Agent):
    """One organisation: its data, policies, team, leadership and culture.

    It chooses and starts use cases (the pilot loop), staffs and triages its
    delivery team, reviews the portfolio's budget, invests in and loses data
    quality, and learns: skill, confidence, culture.
    """

    def __init__(
        self, model: GenAISimModel, index: int, params: Scenario, stream: random.Random
    ) -> None:
        super().__init__(model)
        self.index = index
        self.params = params
        #: the parameters as drawn at the start (interventions may change ``params``)
        self.initial_params = params
        #: this organisation's own random stream (Mesa's ``self.random`` is the model's)
        self.stream = stream
        self.reviewers: list[Reviewer] = []
        self.owners: list[Owner] = []
        o = params.organisation
        self.data_quality = o.data_quality
        self.technical_skill = o.technical_skill
        self.model_capability = o.model_capability
        self.confidence = o.leadership_confidence
        self.mindset = o.infrastructure_mindset
        #: task volume relative to the catalogue's mid-sized enterprise
        self.size = o.size
        self.hype = 0.0
        self.culture_now = self.effective_culture()
        f = params.feedback
        #: engagement a review process demands, and the share of flags that reach someone
        #: (both fixed by policy; computed once)
        self.mandated_engagement = f.mandated_flagging * f.process
        self.flag_reach = mech.substitute(f.tooling, f.manual_routing)
        #: mean attention per open initiative (what each gets under equal sharing)
        self.attention = 1.0
        #: the delivery team, in initiatives' worth; it grows once the programme starts
        self.team = 0.0
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
        #: acceptance bars by (use case, owner kind, bought): they depend on those only
        self.bar_cache = _bars_for(params)
        self.technology_owner = Owner(
            model,
            self,
            OwnerKind.TECHNOLOGY,
            "technology team",
            True,
            params.ownership.technology_owner_capacity,
        )
        self.business_owners: dict[str, Owner] = {}
        self.tally = MonthlyTally()

    @property
    def started(self) -> bool:
        """Whether the GenAI programme has started."""
        return self.model.month >= self.params.organisation.start_month

    def step(self) -> None:
        """One month of this organisation, in a fixed order of phases.

        Within a phase, agents act in a defined order (pilots, then live systems, each
        oldest first; reviewers and owners in the order they joined). Agents of one phase
        touch shared state in three places: a prototype finished in ``operate`` raises
        the team's skill for the pilots after it that month; data-fix requests queue in
        that order (a count, so the order changes nothing); and an owner's go-live
        decision can make a later pilot on the same workflow a duplicate.
        """
        self.plan()
        self.culture_now = self.effective_culture()
        for deployment in (*self.pilots, *self.production):
            deployment.operate()
        for reviewer in self.reviewers:
            reviewer.review()
        for owner in self.owners:
            owner.act()
        self.learn()
        three_years_ago = self.model.month - THREE_YEARS + 1
        for deployment in (*self.pilots, *self.production):
            if deployment.month_started == three_years_ago:
                deployment.net_value_3y = deployment.full_net_value

    # -- step 1: plan -----------------------------------------------------------------
    def plan(self) -> None:
        """Budget review, hype, new pilots, the team's size and where its attention goes."""
        self.tally = tally = MonthlyTally()
        p = self.params
        if not self.started:
            return
        # The data programme is part of the GenAI programme and starts with it.
        tally.cost_data += p.data.data_investment * p.data.data_programme_cost
        rand = self.stream
        months_running = self.model.month - p.organisation.start_month
        if months_running > 0 and months_running % p.measurement.review_interval == 0:
            self.budget_review()

        self.hype = mech.decay(self.hype, p.portfolio.hype_half_life)
        if rand.random() < p.portfolio.hype_shock_rate / 12.0:
            self.hype += p.portfolio.hype_shock_size

        funding = mech.funding_multiplier(self.confidence)
        # The feedback loop's tooling and process are running costs of their own.
        f = p.feedback
        tally.cost_feedback += f.tooling * f.tooling_cost + f.process * f.process_cost

        wanted = mech.poisson(rand, p.portfolio.pilot_appetite * (1.0 + self.hype) * funding / 12.0)
        for _ in range(wanted):
            if len(self.pilots) >= p.portfolio.max_open_pilots or self.start_pilot() is None:
                break
        self.staff_and_triage(funding)

    def staff_and_triage(self, funding: float) -> None:
        """Size the delivery team to the work within the budget, then share its attention.

        Priority order for triage: live systems, finished prototypes, then pilots in
        build, each oldest first.
        """
        p = self.params
        pf = p.portfolio
        building = [d for d in self.pilots if not d.built]
        awaiting = [d for d in self.pilots if d.built]
        queue = [*self.production, *awaiting, *building]
        loads = (
            [pf.production_load] * len(self.production)
            + [pf.awaiting_load] * len(awaiting)
            + [1.0] * len(building)
        )
        o = p.organisation
        load = sum(loads)
        self.team = mech.staffing_step(
            self.team, load, o.delivery_capacity * funding, o.core_team, o.staffing_lag
        )
        self.tally.cost_team += self.team * o.team_cost
        self.attention = mech.attention_share(self.team, load)
        for deployment, share, initiative_load in zip(
            queue, mech.triaged_attention(self.team, loads, pf.triage), loads, strict=True
        ):
            deployment.attention = share
            # Each initiative carries the team time it uses in its full account (what a
            # use case's return is judged on); the team's idle time stays the programme's.
            deployment.team_time_cost += share * initiative_load * o.team_cost

    def expected_value(self, use_case: UseCase) -> float:
        """What the organisation expects a use case to be worth a month (k), today.

        The quality a new system would have on today's production data, at the usage it
        would earn, through the value-per-task equation: high-volume use cases that
        depend little on data, or that today's data can serve, come first.
        """
        p = self.params
        ops = p.operations
        demo = mech.demo_quality(
            self.model_capability,
            self.technical_skill,
            ops.demo_quality_base,
            ops.capability_weight,
            ops.skill_weight,
            ops.capability_saturation,
        )
        penalty = mech.data_penalty(
            use_case.data_dependence, self.data_quality, 0.0, p.data.data_gap_severity
        )
        quality = mech.production_quality(demo, 0.0, 0.0, penalty)
        adoption = mech.adoption_target(quality, ops.trust_threshold, ops.full_trust_quality)
        return (
            use_case.volume * self.size * adoption * self._net_per_task(use_case, quality, 1.0)
        ) / 1000.0

    def _net_per_task(self, use_case: UseCase, quality: float, error_knowledge: float) -> float:
        ops = self.params.operations
        escalation = mech.escalation_rate(quality, ops.escalation_floor, ops.escalation_sensitivity)
        return (
            mech.value_per_task(
                use_case.manual_minutes,
                mech.task_minutes_after(use_case.ai_minutes, escalation, use_case.review_minutes),
                use_case.manual_error_rate,
                mech.residual_error_rate(quality, ops.review_catch_rate),
                use_case.error_cost * ops.error_cost_scale * error_knowledge,
                ops.labour_cost,
                ops.value_realisation,
            )
            - ops.inference_cost
        )

    def break_even_quality(
        self, use_case: UseCase, error_knowledge: float, deployment: Deployment
    ) -> float:
        """Lowest quality at which the system pays its way at the usage it earns, to its owner.

        ``N * a(Q) * v_net(Q) / 1000 - C_fixed = 0``: tasks at the usage quality ``Q``
        earns, times the net value per task (realised time saved, errors avoided at the
        cost the owner knows, less inference), covers the fixed running costs.
        """
        ops = self.params.operations
        fixed = deployment.fixed_running_cost()

        def monthly_value(quality: float) -> float:
            adoption = mech.adoption_target(quality, ops.trust_threshold, ops.full_trust_quality)
            per_task = self._net_per_task(use_case, quality, error_knowledge)
            return use_case.volume * self.size * adoption * per_task / 1000.0 - fixed

        return mech.break_even_quality(monthly_value)

    def start_pilot(self) -> Deployment | None:
        """Choose a workflow and start a pilot on it, with an owner, perhaps KPIs, built or bought.

        Choice: ``argmax_i  k * V_i / max|V| + (1 - k) * U_i`` over workflows without a live
        system, where ``V_i`` is the use case's expected value today, ``U_i`` uniform noise
        and ``k`` the selection skill (0: at random). Returns None when every workflow
        already runs on GenAI.
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
        # Nobody starts a second pilot on a workflow already being piloted while another
        # workflow is free.
        piloted = {d.workflow for d in self.pilots}
        free = [(u, line) for u, line in free if (u.name, line) not in piloted] or free
        skill = p.portfolio.selection_skill
        if skill > 0.0:
            values = {u.name: self.expected_value(u) for u, _ in free}
            top = max(abs(v) for v in values.values()) or 1.0
            scores = [skill * values[u.name] / top + (1.0 - skill) * rand.random() for u, _ in free]
            use_case, line = free[max(range(len(free)), key=scores.__getitem__)]
        else:
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
        bought = rand.random() < p.sourcing.buy_share
        deployment = Deployment(self.model, self, use_case, line, owner, kpis_defined, bought)
        if kpis_defined:
            # Measuring the manual baseline before go-live is work, paid up front.
            self.tally.cost_one_off += p.measurement.kpi_cost
            deployment.net_value -= p.measurement.kpi_cost
        self.pilots.append(deployment)
        self.tally.started += 1
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
        """Keep what is seen to pay, cut what is seen not to; abandon pilots past patience.

        A system with KPIs is judged on its measured net value since the last review. One
        without is judged on what leadership can see: its running cost, which is on the
        invoice, against a share ``w`` of the value it makes, with an error of
        ``unmeasured_value_noise`` times its running cost: ``V_seen = w * G - C + e``.
        Paying systems are sometimes cut and poor ones kept.
        """
        p = self.params
        m = p.measurement
        gauss = self.stream.gauss
        for deployment in list(self.production):
            if deployment.months_in_production < m.review_grace:
                continue
            months = len(deployment.value_history)
            if months == 0:
                continue
            value = sum(deployment.value_history) / months
            if not deployment.kpis_defined:
                running = sum(deployment.cost_history) / months
                gross = value + running
                value = m.unmeasured_value_visibility * gross - running
                value += gauss(0.0, m.unmeasured_value_noise * running)
            if value <= 0.0:
                deployment.retire(RetireReason.CUT)
        now = self.model.month
        for deployment in list(self.pilots):
            if now - deployment.month_started >= p.portfolio.pilot_patience:
                deployment.retire(RetireReason.ABANDONED)

    def prototype_built(self, demo_quality: float) -> None:
        """Every prototype teaches the team: skill rises."""
        self.latest_demo_quality = demo_quality
        self.technical_skill = mech.skill_after_prototype(
            self.technical_skill, self.params.operations.skill_gain
        )

    def effective_culture(self) -> float:
        """Reviewers' willingness to flag, moved towards 1 by the infrastructure mindset."""
        p = self.params
        return mech.effective_culture(
            p.feedback.culture, self.mindset, p.culture.mindset_engagement_effect
        )

    # -- step 5: learn ------------------------------------------------------------------
    def learn(self) -> None:
        """Data and models change, confidence follows evidence, culture follows reliability."""
        p = self.params
        d = p.data
        tally = self.tally
        self.data_quality = mech.data_quality_step(
            self.data_quality, d.data_investment, d.data_improvement_rate, d.data_drift
        )
        self.fix_budget = min(self.fix_budget + d.data_fix_capacity, max(1.0, d.data_fix_capacity))
        while self.fix_requests > 0 and self.fix_budget >= 1.0:
            self.fix_requests -= 1
            self.fix_budget -= 1.0
            self.data_quality = mech.data_fix(self.data_quality, d.data_fix_gain)
            tally.cost_data += d.data_fix_cost
            tally.data_fixes += 1
        self.model_capability = mech.capability_step(
            self.model_capability, p.organisation.model_improvement
        )
        self.cumulative_value += tally.gross - tally.costs
        if not self.started:
            return

        m = p.measurement
        target = mech.confidence_target(
            tally.measured_value,
            tally.measured_systems > 0,
            m.confidence_value_ratio * tally.costs,
            m.no_evidence_confidence,
        )
        self.confidence = mech.approach(self.confidence, target, m.confidence_rate)

        reliable_after = p.culture.reliable_months
        reliable = sum(
            1
            for dep in self.production
            if dep.months_since_incident >= reliable_after
            and dep.months_in_production >= reliable_after
        )
        self.mindset = mech.approach(
            self.mindset,
            mech.mindset_target(reliable, len(self.production), len(self.pilots)),
            p.culture.mindset_rate,
        )
