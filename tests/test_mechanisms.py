"""Each mechanism alone: its equation, then its effect inside a hand-built organisation."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from conftest import build_model, live_deployment, make_prototype, mean_se
from genaisim import mechanisms as mech
from genaisim.agents import OwnerKind, RetireReason, Stage
from genaisim.usecases import CATALOGUE

# -- equations ------------------------------------------------------------------


def test_poisson_draws_have_the_requested_mean():
    rng = random.Random(3)
    for lam in (0.3, 4.0, 45.0):
        draws = [mech.poisson(rng, lam) for _ in range(4000)]
        mean, se = mean_se(draws)
        # 4 standard errors: a correct sampler fails this about once in 16,000 seeds.
        assert abs(mean - lam) < 4 * se + 1e-9


def test_binomial_draws_have_the_requested_mean():
    rng = random.Random(4)
    draws = [mech.binomial(rng, 20, 0.3) for _ in range(4000)]
    mean, se = mean_se(draws)
    assert abs(mean - 6.0) < 4 * se
    assert mech.binomial(rng, 10, 0.0) == 0
    assert mech.binomial(rng, 10, 1.0) == 10


def test_curated_demo_data_hides_what_production_data_takes_away():
    demo = mech.demo_quality(0.7, 0.3, 0.38, 0.35, 0.2)
    assert demo == pytest.approx(0.38 + 0.35 * (1 - 0.3**2) + 0.2 * 0.3)
    poor = mech.production_quality(demo, 0, 0, mech.data_penalty(0.8, 0.4, 0.0))
    good = mech.production_quality(demo, 0, 0, mech.data_penalty(0.8, 0.9, 0.0))
    assert poor < good < demo


def test_model_capability_has_diminishing_returns():
    def gain(low, high):
        return mech.demo_quality(high, 0.3, 0.38, 0.35, 0.2) - mech.demo_quality(
            low, 0.3, 0.38, 0.35, 0.2
        )

    assert gain(0.7, 0.95) < gain(0.45, 0.7)
    linear = mech.demo_quality(0.95, 0.3, 0.38, 0.35, 0.2, saturation=1.0) - mech.demo_quality(
        0.7, 0.3, 0.38, 0.35, 0.2, saturation=1.0
    )
    assert gain(0.7, 0.95) < linear


def test_data_penalty_scales_with_dependence_and_is_reduced_by_retrieval():
    assert mech.data_penalty(0.0, 0.2, 0.0) == 0.0
    assert mech.data_penalty(0.8, 1.0, 0.0) == 0.0
    assert mech.data_penalty(0.8, 0.5, 0.0) == pytest.approx(0.4)
    assert mech.data_penalty(0.8, 0.5, 0.5) == pytest.approx(0.2)


def test_quality_is_capped_below_perfection():
    assert mech.production_quality(0.95, 0.05, 0.12, 0.0) == mech.QUALITY_CEILING


def test_data_investment_closes_the_gap_and_drift_erodes_it():
    assert mech.data_quality_step(0.5, 1.0, 0.1, 0.0) == pytest.approx(0.55)
    assert mech.data_quality_step(0.5, 0.0, 0.1, 0.02) == pytest.approx(0.49)
    assert mech.data_fix(0.5, 0.1) == pytest.approx(0.55)


def test_lower_quality_means_more_escalation_and_more_residual_errors():
    assert mech.escalation_rate(0.9, 0.05, 1.5) < mech.escalation_rate(0.6, 0.05, 1.5)
    assert mech.escalation_rate(0.0, 0.05, 1.5) == 1.0
    assert mech.residual_error_rate(0.8, 0.85) == pytest.approx(0.2 * 0.15)


def test_value_per_task_counts_minutes_saved_and_errors_avoided():
    # 10 minutes saved at 60/hour, 0.01 fewer errors at 100 each.
    assert mech.value_per_task(30, 20, 0.05, 0.04, 100, 60) == pytest.approx(10 + 1)
    # Slower and wronger than people: negative.
    assert mech.value_per_task(10, 12, 0.02, 0.05, 100, 60) < 0


def test_usage_follows_quality_between_trust_thresholds():
    assert mech.adoption_target(0.4, 0.5, 0.85) == 0.0
    assert mech.adoption_target(0.675, 0.5, 0.85) == pytest.approx(0.5)
    assert mech.adoption_target(0.95, 0.5, 0.85) == 1.0
    assert mech.approach(0.0, 1.0, 0.2) == pytest.approx(0.2)


def test_incidents_come_from_wrong_outputs_under_use_and_fragility():
    calm = mech.incident_probability(0.9, 0.5, 0.0, 0.25)
    fragile = mech.incident_probability(0.9, 0.5, 1.0, 0.25)
    worse = mech.incident_probability(0.6, 0.5, 0.0, 0.25)
    assert 0 < calm < fragile
    assert calm < worse
    assert mech.incident_probability(1.0, 1.0, 5.0, 0.25) == 0.0


def test_attention_is_shared_by_all_open_initiatives():
    assert mech.attention_share(3.0, 2.0) == 1.0
    assert mech.attention_share(3.0, 12.0) == pytest.approx(0.25)
    assert mech.attention_share(3.0, 0.0) == 1.0
    assert mech.build_progress(0.25, 0.5, 4.0) == pytest.approx(0.0625)


def test_each_prototype_raises_skill_with_diminishing_steps():
    first = mech.skill_after_prototype(0.3, 0.1)
    second = mech.skill_after_prototype(first, 0.1)
    assert 0.3 < first < second < 1.0
    assert second - first < first - 0.3


def test_confidence_follows_measured_value_or_fades_without_evidence():
    assert mech.confidence_target(0.0, False, 150, 0.35) == 0.35
    assert mech.confidence_target(0.0, True, 150, 0.35) == pytest.approx(0.5)
    assert mech.confidence_target(150.0, True, 150, 0.35) == pytest.approx(0.75)
    assert mech.confidence_target(-150.0, True, 150, 0.35) == pytest.approx(0.25)
    assert mech.funding_multiplier(0.5) == 1.0


def test_revisions_approach_their_cap_and_fall_with_it():
    assert mech.revision_step(0.0, 0.05, 0.3, 1.0) == pytest.approx(0.015)
    assert mech.revision_step(0.0, 0.05, 0.3, 0.0) == 0.0
    assert mech.revision_step(0.04, 0.05, 0.3, 100.0) == pytest.approx(0.05)
    assert mech.revision_step(0.3, 0.2, 0.3, 1.0) == 0.2  # retrieval capped by worse data


def test_engagement_needs_culture_and_belief_and_a_process_can_only_mandate_a_floor():
    assert mech.engagement_target(0.0, 1.0, 0.2) == 0.0
    assert mech.engagement_target(0.8, 0.0, 0.2) == pytest.approx(0.16)
    assert mech.engagement_target(0.8, 1.0, 0.2) == pytest.approx(0.8)
    assert mech.engagement_target(0.0, 1.0, 0.2, mandated=0.1) == pytest.approx(0.1)
    assert mech.engagement_target(0.8, 1.0, 0.2, mandated=0.1) == pytest.approx(0.8)
    # The infrastructure mindset moves willingness towards 1, even from none.
    assert mech.effective_culture(0.0, 1.0, 0.5) == pytest.approx(0.5)
    assert mech.effective_culture(0.6, 1.0, 0.5) == pytest.approx(0.8)
    assert mech.effective_culture(0.6, 0.0, 0.5) == pytest.approx(0.6)


def test_disengaged_reviewers_raise_less_precise_flags():
    assert mech.flag_precision(0.0, 0.3) == pytest.approx(0.3)
    assert mech.flag_precision(1.0, 0.3) == 1.0


def test_a_missing_element_is_partly_replaced_by_a_manual_fallback():
    assert mech.substitute(1.0, 0.1) == 1.0
    assert mech.substitute(0.0, 0.1) == pytest.approx(0.1)
    assert mech.substitute(0.5, 0.2) == pytest.approx(0.6)


def test_only_part_of_the_time_saved_becomes_cash():
    full = mech.value_per_task(30, 20, 0.05, 0.05, 100, 60, realisation=1.0)
    half = mech.value_per_task(30, 20, 0.05, 0.05, 100, 60, realisation=0.5)
    assert half == pytest.approx(full / 2) == pytest.approx(5.0)
    # Errors avoided are cash in full whatever the realisation.
    assert mech.value_per_task(20, 20, 0.05, 0.04, 100, 60, realisation=0.1) == pytest.approx(1.0)


def test_break_even_quality_is_where_net_value_turns_positive():
    assert mech.break_even_quality(lambda q: q - 0.6) == pytest.approx(0.6, abs=1e-3)
    assert mech.break_even_quality(lambda q: -1.0) == 1.0  # never pays
    assert mech.break_even_quality(lambda q: 1.0) == 0.0  # always pays


def test_the_team_follows_the_work_within_its_budget_and_with_a_lag():
    assert mech.staffing_step(0.0, 4.0, 3.0, 0.5, 4.0) == pytest.approx(0.75)  # towards 3
    assert mech.staffing_step(3.0, 1.0, 3.0, 0.5, 4.0) == pytest.approx(2.5)  # release
    assert mech.staffing_step(2.0, 0.0, 3.0, 0.5, 1.0) == pytest.approx(0.5)  # the core stays


def test_triage_serves_live_systems_and_old_pilots_first_without_creating_attention():
    loads = [0.25, 0.25, 1.0, 1.0, 1.0]
    equal = mech.triaged_attention(1.5, loads, 0.0)
    assert equal == pytest.approx([1.5 / 3.5] * 5)
    strict = mech.triaged_attention(1.5, loads, 1.0)
    assert strict == pytest.approx([1.0, 1.0, 1.0, 0.0, 0.0])
    for triage in (0.0, 0.5, 1.0):
        shares = mech.triaged_attention(1.5, loads, triage)
        assert sum(a * load for a, load in zip(shares, loads, strict=True)) == pytest.approx(1.5)


def test_vendors_releases_improve_the_model_and_every_system_built_on_it():
    m = mech.capability_step(0.7, 0.12)
    assert m == pytest.approx(0.7 + 0.01 * 0.3)
    assert mech.capability_uplift(0.7, 0.7, 0.35, 2.0) == 0.0
    assert mech.capability_uplift(0.7, 0.8, 0.35, 2.0) > 0.0


def test_culture_shift_raises_discipline():
    assert mech.discipline_probability(0.3, 0.0, 0.5) == pytest.approx(0.3)
    assert mech.discipline_probability(0.3, 1.0, 0.5) == pytest.approx(0.65)
    assert mech.mindset_target(2, 3, 1) == pytest.approx(0.5)
    assert mech.mindset_target(0, 0, 0) == 0.0


# -- mechanisms at work inside an organisation -----------------------------------------

#: Changes that keep a hand-made production system alive for a test of something else:
#: a resourced business owner who resolves incidents, no rollback, no budget review.
KEEP_SYSTEMS_LIVE = {
    "operations.rollback_after": 60,
    "ownership.owner_probability": 1.0,
    "ownership.owner_resourced_probability": 1.0,
    "measurement.review_interval": 60,
    "measurement.kpi_probability": 1.0,
    "sourcing.buy_share": 0.0,
}

#: No noise in acceptance tests, so a go-live decision is a pure comparison.
EXACT_TESTS = {"measurement.test_noise": 0.0, "measurement.unmeasured_test_noise": 0.0}


def test_a_pilot_processes_no_volume_and_only_costs_money():
    # No owner's time and no KPI work: the pilot's own running cost is all there is.
    model = build_model(
        {
            "ownership.owner_probability": 0.0,
            "measurement.kpi_probability": 0.0,
            "organisation.infrastructure_mindset": 0.0,
        }
    )
    org = model.organisations[0]
    pilot = org.start_pilot()
    model.step()
    assert pilot.stage is Stage.PILOT
    assert org.tally.tasks == 0.0
    assert org.tally.gross == 0.0
    assert pilot.net_value == pytest.approx(-org.params.portfolio.pilot_cost)


def test_a_production_system_embedded_in_a_workflow_processes_real_volume():
    model = build_model({"organisation.data_quality": 0.9, **KEEP_SYSTEMS_LIVE})
    org = model.organisations[0]
    system = live_deployment(org, demo_quality=0.9)
    for _ in range(6):
        model.step()
    assert system.stage is Stage.PRODUCTION
    assert system.adoption > 0.3
    assert org.tally.tasks > 0.1 * system.use_case.volume
    assert system.value_history[-1] > 0


def test_data_investment_lifts_every_deployment_of_the_organisation_at_once():
    model = build_model({"organisation.data_quality": 0.4, **KEEP_SYSTEMS_LIVE})
    org = model.organisations[0]
    systems = [live_deployment(org) for _ in range(3)]
    model.step()
    before = [s.quality for s in systems]
    org.data_quality = 0.8
    model.step()
    assert all(after > b for after, b in zip((s.quality for s in systems), before, strict=True))


def test_a_workaround_buys_a_little_briefly_and_adds_fragility():
    model = build_model(
        {
            "organisation.data_quality": 0.3,
            "data.workaround_tendency": 1.0,
            "data.data_fix_capacity": 0.0,
            **KEEP_SYSTEMS_LIVE,
        }
    )
    org = model.organisations[0]
    system = live_deployment(org)
    model.step()
    assert system.workarounds == 1
    assert system.fragility > 0
    boosted = system.workaround_patch
    for _ in range(2):
        model.step()
    assert system.workaround_patch < boosted  # it fades
    assert system.workaround_patch <= org.params.data.workaround_boost  # and never stacks


def test_without_workarounds_data_problems_become_data_fixes():
    model = build_model(
        {
            "organisation.data_quality": 0.3,
            "data.workaround_tendency": 0.0,
            "data.data_investment": 0.0,
            "data.data_drift": 0.0,
            **KEEP_SYSTEMS_LIVE,
        }
    )
    org = model.organisations[0]
    live_deployment(org)
    model.step()
    assert org.tally.data_fixes == 1
    assert org.data_quality > 0.3


def awaiting_decision(changes: dict, demo_quality: float = 0.8, seed: int = 1):
    """A model with one finished prototype awaiting its owner's decision."""
    model = build_model({**EXACT_TESTS, **changes}, seed=seed)
    org = model.organisations[0]
    return model, org, make_prototype(org.start_pilot(), demo_quality)


def test_a_business_owner_tests_on_production_data_so_data_readiness_decides_go_live():
    def decision(data_quality: float, owner_probability: float) -> Stage:
        _, _, pilot = awaiting_decision(
            {
                "organisation.data_quality": data_quality,
                "ownership.owner_probability": owner_probability,
                "ownership.owner_resourced_probability": 1.0,
                "ownership.technology_test_realism": 0.0,
                "data.data_drift": 0.0,
                "ownership.edge_cases": 0.0,
            }
        )
        pilot.owner.act()
        return pilot.stage

    # Demo quality 0.8; on data of quality 0.1 a data-dependent system falls far below any
    # bar, on data of quality 0.95 it passes. A technology stand-in tests on demo data only.
    assert decision(0.95, 1.0) is Stage.PRODUCTION
    assert decision(0.1, 1.0) is Stage.PILOT
    assert decision(0.1, 0.0) is Stage.PRODUCTION


def test_an_owner_who_underrates_the_cost_of_errors_sets_a_lower_bar():
    _, org, pilot = awaiting_decision(
        {"ownership.owner_probability": 0.0, "ownership.technology_error_knowledge": 0.2}
    )
    contract = next(u for u in CATALOGUE if u.name == "contract_summarisation")
    stand_in = org.technology_owner.acceptance_bar(contract, pilot)
    business = org.business_owner(contract).acceptance_bar(contract, pilot)
    # Contract errors cost 1,500 each: knowing only a fifth of that lets more through.
    assert stand_in < business
    assert business >= org.params.operations.trust_threshold


def test_kpis_let_an_owner_stop_a_failing_pilot_at_the_stage_gate():
    def after_a_year(kpi_probability: float) -> Stage:
        model, _, pilot = awaiting_decision(
            {
                "organisation.data_quality": 0.05,
                "data.data_investment": 0.0,
                "data.data_fix_capacity": 0.0,
                "ownership.owner_probability": 1.0,
                "ownership.owner_resourced_probability": 1.0,
                "measurement.kpi_probability": kpi_probability,
                "organisation.infrastructure_mindset": 0.0,
            },
            demo_quality=0.6,
        )
        for _ in range(12):
            model.step()
        return pilot.stage

    assert after_a_year(1.0) is Stage.RETIRED  # the evidence says it will not pass
    assert after_a_year(0.0) is Stage.PILOT  # without KPIs nobody can show that: it lingers


def test_a_technology_stand_in_moves_only_part_of_the_workflow_onto_the_system():
    def adoption(owner_probability: float) -> float:
        model = build_model(
            {
                "organisation.data_quality": 0.95,
                **KEEP_SYSTEMS_LIVE,
                "ownership.owner_probability": owner_probability,
                "operations.incident_rate": 0.0,
            }
        )
        system = live_deployment(model.organisations[0], demo_quality=0.95)
        for _ in range(36):
            model.step()
        return system.adoption

    authority = build_model().params.ownership.technology_process_authority
    assert adoption(0.0) == pytest.approx(authority * adoption(1.0), rel=1e-6)


def test_incidents_linger_without_an_owner_who_knows_the_workflow():
    def resolved_within_a_month(owner_probability: float) -> float:
        outcomes = []
        for seed in range(60):
            model = build_model(
                {**KEEP_SYSTEMS_LIVE, "ownership.owner_probability": owner_probability},
                seed=seed,
            )
            system = live_deployment(model.organisations[0])
            system.incident_months = 0
            model.step()
            outcomes.append(system.incident_months < 0 and system.stage is Stage.PRODUCTION)
        return sum(outcomes) / len(outcomes)

    owned, unowned = resolved_within_a_month(1.0), resolved_within_a_month(0.0)
    # Expected ~0.6 vs ~0.3 (the stand-in diagnoses at half speed and its attention is
    # shared): 60 draws each give a standard error near 0.06, so 0.15 is over two of them.
    assert owned - unowned > 0.15


def test_an_incident_left_open_too_long_rolls_the_system_back():
    model = build_model({"ownership.owner_probability": 0.0, "ownership.incident_resolution": 0.0})
    system = live_deployment(model.organisations[0])
    system.incident_months = 0
    for _ in range(model.params.operations.rollback_after):
        model.step()
    assert system.stage is Stage.RETIRED
    assert system.retire_reason is RetireReason.ROLLED_BACK


def test_a_technology_owners_changes_miss_what_the_business_means_by_wrong():
    model = build_model({"ownership.owner_probability": 0.0})
    org = model.organisations[0]
    owner = org.technology_owner
    assert owner.kind is OwnerKind.TECHNOLOGY
    assert owner.fix_accuracy == org.params.ownership.technology_fix_accuracy < 1.0
    assert org.business_owner(CATALOGUE[0]).fix_accuracy == 1.0


def reviewed(kpis: bool, net: float, cost: float, changes: dict | None = None):
    """A live system with a year of history, judged at a budget review."""
    model = build_model({"measurement.kpi_probability": 1.0 if kpis else 0.0, **(changes or {})})
    org = model.organisations[0]
    system = live_deployment(org)
    system.months_in_production = 24
    system.value_history.extend([net] * 12)
    system.cost_history.extend([cost] * 12)
    org.budget_review()
    return system


def test_measured_systems_that_do_not_pay_are_cut_and_those_that_pay_are_kept():
    assert reviewed(True, -5.0, 10.0).retire_reason is RetireReason.CUT
    assert reviewed(True, 5.0, 10.0).stage is Stage.PRODUCTION


def test_without_kpis_leadership_sees_only_part_of_the_value_and_cuts_systems_that_pay():
    exact = {
        "measurement.unmeasured_value_noise": 0.0,
        "measurement.unmeasured_value_visibility": 0.5,
        "organisation.infrastructure_mindset": 0.0,
    }
    # Gross 15 a month for a cost of 10: it pays 5, but leadership sees 7.5 - 10 < 0.
    assert reviewed(False, 5.0, 10.0, exact).retire_reason is RetireReason.CUT
    # Gross 30 for a cost of 10: even half of it is seen to pay.
    assert reviewed(False, 20.0, 10.0, exact).stage is Stage.PRODUCTION


def test_pilots_older_than_leadership_patience_are_abandoned_at_review():
    model = build_model()
    org = model.organisations[0]
    old, young = org.start_pilot(), org.start_pilot()
    old.month_started = -org.params.portfolio.pilot_patience
    org.budget_review()
    assert old.retire_reason is RetireReason.ABANDONED
    assert young.stage is Stage.PILOT


NO_FALLBACKS = {
    "feedback.manual_routing": 0.0,
    "feedback.ad_hoc_action": 0.0,
    "feedback.mandated_flagging": 0.0,
    "culture.mindset_engagement_effect": 0.0,
}


def test_reviewers_disengage_when_flags_go_into_a_void():
    def engagement(process: float) -> float:
        model = build_model(
            {
                "feedback.tooling": 1.0,
                "feedback.process": process,
                "feedback.culture": 1.0,
                "organisation.data_quality": 0.7,
                **NO_FALLBACKS,
                **KEEP_SYSTEMS_LIVE,
            }
        )
        system = live_deployment(model.organisations[0])
        for _ in range(24):
            model.step()
        return sum(r.engagement for r in system.reviewers) / len(system.reviewers)

    heard, ignored = engagement(1.0), engagement(0.0)
    void = build_model().params.feedback.void_engagement
    assert heard > 0.6
    assert ignored < void + 0.1  # belief decays towards zero; engagement towards the void level
    assert heard > ignored


def loop_gain(tooling: float, process: float, culture: float, fallbacks: dict) -> float:
    model = build_model(
        {
            "feedback.tooling": tooling,
            "feedback.process": process,
            "feedback.culture": culture,
            "organisation.data_quality": 0.6,
            **fallbacks,
            **KEEP_SYSTEMS_LIVE,
        }
    )
    system = live_deployment(model.organisations[0])
    for _ in range(24):
        model.step()
    return system.prompt_gain + system.retrieval_tuning + system.finetune_gain


def test_acted_on_flags_improve_quality_and_without_fallbacks_each_element_is_needed():
    assert loop_gain(1.0, 1.0, 1.0, NO_FALLBACKS) > 0.1
    assert loop_gain(0.0, 1.0, 1.0, NO_FALLBACKS) == 0.0
    assert loop_gain(1.0, 0.0, 1.0, NO_FALLBACKS) == 0.0
    assert loop_gain(1.0, 1.0, 0.0, NO_FALLBACKS) == 0.0


def test_manual_fallbacks_keep_part_of_the_loop_at_a_cost():
    fallbacks = {
        "feedback.manual_routing": 0.3,
        "feedback.ad_hoc_action": 0.3,
        "feedback.mandated_flagging": 0.3,
    }
    full = loop_gain(1.0, 1.0, 1.0, fallbacks)
    for partial in (
        loop_gain(0.0, 1.0, 1.0, fallbacks),
        loop_gain(1.0, 0.0, 1.0, fallbacks),
        loop_gain(1.0, 1.0, 0.0, fallbacks),
    ):
        assert 0.0 < partial < full


def test_every_change_costs_engineering_time():
    model = build_model(
        {"feedback.tooling": 1.0, "feedback.process": 1.0, "feedback.culture": 1.0,
         "organisation.data_quality": 0.6, **KEEP_SYSTEMS_LIVE}
    )  # fmt: skip
    org = model.organisations[0]
    live_deployment(org)
    f = org.params.feedback
    fixed = f.tooling_cost + f.process_cost
    extra = 0.0
    for _ in range(6):
        model.step()
        extra += org.tally.cost_feedback - fixed
    assert extra > 0.0


def test_every_new_prototype_is_better_than_the_last():
    # Built in house (a bought product's fit gap is another matter).
    model = build_model(
        {
            "portfolio.pilot_appetite": 6.0,
            "ownership.owner_probability": 0.0,
            "sourcing.buy_share": 0.0,
        }
    )
    demos = []
    for _ in range(36):
        model.step()
        demos.append(model.organisations[0].latest_demo_quality)
    built = [d for d in demos if not math.isnan(d)]
    assert built[-1] > built[0]
    assert all(b >= a for a, b in itertools.pairwise(built))


def test_more_open_pilots_dilute_the_teams_attention_and_the_team_grows_only_to_its_budget():
    def after_six_months(pilots: int) -> tuple[float, float]:
        model = build_model()
        org = model.organisations[0]
        for _ in range(pilots):
            org.start_pilot()
        for _ in range(6):
            model.step()
        return org.attention, org.team

    few_attention, few_team = after_six_months(2)
    many_attention, many_team = after_six_months(12)
    assert many_attention < few_attention
    assert few_team < many_team
    budget = build_model().params.organisation.delivery_capacity * 1.5  # funding at most 1.5
    assert many_team <= budget


def test_the_team_is_released_when_there_is_no_work():
    model = build_model()
    org = model.organisations[0]
    org.team = 3.0
    for _ in range(24):
        model.step()
    core = org.params.organisation.core_team
    assert org.team == pytest.approx(core, abs=0.05)
    assert org.tally.cost_team == pytest.approx(org.team * org.params.organisation.team_cost)


def test_hype_shocks_start_more_pilots():
    def started(shock_rate: float) -> float:
        counts = []
        for seed in range(30):
            model = build_model(
                {"portfolio.pilot_appetite": 4.0, "portfolio.hype_shock_rate": shock_rate},
                seed=seed,
            )
            for _ in range(24):
                model.step()
            counts.append(model.organisations[0].pilots_started)
        return mean_se(counts)

    calm, _ = started(0.0)
    hyped, se = started(6.0)
    # Six shocks a year keep appetite ~1.8x higher on average; 3 standard errors of margin.
    assert hyped > calm + 3 * se


def test_measured_value_raises_leadership_confidence_and_funding():
    model = build_model(
        {
            "measurement.kpi_probability": 1.0,
            "organisation.data_quality": 0.9,
            **KEEP_SYSTEMS_LIVE,
        }
    )
    org = model.organisations[0]
    for _ in range(3):
        live_deployment(org, demo_quality=0.9)
    start = org.confidence
    for _ in range(24):
        model.step()
    assert org.confidence > start
    assert mech.funding_multiplier(org.confidence) > 1.0


def test_reliable_systems_turn_genai_into_infrastructure_in_peoples_heads():
    model = build_model(
        {
            "organisation.data_quality": 0.9,
            "organisation.infrastructure_mindset": 0.0,
            **KEEP_SYSTEMS_LIVE,
        }
    )
    org = model.organisations[0]
    for _ in range(2):
        live_deployment(org, demo_quality=0.9)
    for _ in range(24):
        model.step()
    assert org.mindset > 0.2


def test_the_foundations_are_not_free():
    model = build_model(
        {
            "ownership.owner_probability": 1.0,
            "measurement.kpi_probability": 1.0,
            "feedback.tooling": 1.0,
            "feedback.process": 1.0,
            "data.data_investment": 0.0,
        }
    )
    org = model.organisations[0]
    pilot = org.start_pilot()
    p = model.params
    assert pilot.net_value == -p.measurement.kpi_cost  # KPIs and a baseline, up front
    model.step()
    owner_time = p.ownership.owner_cost
    assert pilot.net_value == pytest.approx(
        -p.measurement.kpi_cost - p.portfolio.pilot_cost - owner_time
    )
    t = org.tally
    assert t.cost_feedback == pytest.approx(p.feedback.tooling_cost + p.feedback.process_cost)
    assert t.cost_pilots == pytest.approx(p.portfolio.pilot_cost + owner_time)
    assert t.costs == pytest.approx(t.cost_team + t.cost_feedback + t.cost_pilots)


def test_going_live_costs_integration_and_a_live_system_costs_support():
    model = build_model(
        {
            **KEEP_SYSTEMS_LIVE,
            "measurement.kpi_probability": 0.0,
            "organisation.infrastructure_mindset": 0.0,
        }
    )
    org = model.organisations[0]
    system = live_deployment(org)
    assert system.net_value == -org.params.portfolio.integration_cost
    p = org.params
    expected = p.operations.support_cost + p.ownership.owner_cost + p.operations.sla_cost
    assert system.fixed_running_cost() == pytest.approx(expected)


def test_new_pilots_only_start_on_workflows_without_a_live_system():
    model = build_model({"portfolio.business_lines": 1, **KEEP_SYSTEMS_LIVE})
    org = model.organisations[0]
    live = {live_deployment(org).workflow for _ in range(7)}
    last = org.start_pilot()
    assert last is not None
    assert last.workflow not in live
    live_deployment(org)  # the eighth and last workflow
    assert org.start_pilot() is None  # every workflow already runs on GenAI


def test_a_duplicate_prototype_never_goes_live_and_its_owner_drops_it():
    for owner_probability in (0.0, 1.0):
        model, org, twin = awaiting_decision(
            {**KEEP_SYSTEMS_LIVE, "ownership.owner_probability": owner_probability}, 0.95
        )
        org.live_workflows.add(twin.workflow)  # as if another system had taken it live
        for _ in range(12):
            model.step()
        assert twin.retire_reason is RetireReason.ABANDONED


def test_selection_skill_picks_the_use_case_worth_most_today():
    def first_choice(skill: float, seed: int) -> str:
        model = build_model({"portfolio.selection_skill": skill}, seed=seed)
        return model.organisations[0].start_pilot().use_case.name

    org = build_model().organisations[0]
    best = max(CATALOGUE, key=org.expected_value).name
    assert {first_choice(1.0, seed) for seed in range(10)} == {best}
    assert len({first_choice(0.0, seed) for seed in range(30)}) > 3  # at random: many


def test_a_bought_product_is_ready_sooner_fits_less_well_and_its_licence_replaces_support():
    def pilot(buy: float):
        model = build_model(
            {
                "sourcing.buy_share": buy,
                "ownership.owner_probability": 0.0,
                "organisation.infrastructure_mindset": 0.0,
            }
        )
        org = model.organisations[0]
        deployment = org.start_pilot()
        months = 0
        while not deployment.built:
            model.step()
            months += 1
        return deployment, months

    bought, bought_months = pilot(1.0)
    built, built_months = pilot(0.0)
    assert bought.bought and not built.bought
    assert bought_months < built_months
    fit_gap = bought.organisation.params.sourcing.vendor_fit_gap
    licence = bought.organisation.params.sourcing.vendor_licence
    support = bought.organisation.params.operations.support_cost
    assert bought.fixed_running_cost() == pytest.approx(
        built.fixed_running_cost() - support + licence
    )
    assert fit_gap > 0
