"""What interventions and a current portfolio do to the organisations of a model.

The scenario side (what may be written, and its checks) is :mod:`genaisim.roadmap`;
this module is the model side. docs/ODD.md ("Interventions and the starting
portfolio") states the rules and why.

- An intervention changes an organisation's parameters at the start of its month,
  before anything else happens that month. With a ramp, each lever moves linearly
  from the organisation's own value when the ramp starts. The new value is the same
  for every organisation of a population (a policy), whatever each had drawn.
- Naming owners and defining KPIs reach the existing portfolio too: when
  ``ownership.owner_probability`` rises from ``p`` to ``p'``, each initiative run by
  the technology team gets a business owner with chance ``(p' - p) / (1 - p)``, so
  that the share owned matches the new policy; likewise KPIs (whose cost is paid).
  Lowering either changes new initiatives only: a named owner is not un-named.
- Random draws for these happen only from the intervention's month, from the
  organisation's own stream: up to that month a run with interventions is the same
  run as without them (common random numbers).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from genaisim import mechanisms as mech
from genaisim.agents import Deployment, Reviewer, Stage, _bars_for
from genaisim.roadmap import CurrentUseCase, Intervention

if TYPE_CHECKING:
    from genaisim.agents import Organisation
    from genaisim.scenario import Scenario


def changes_at(
    interventions: tuple[Intervention, ...], month: int, params: Scenario, starts: dict
) -> dict[str, Any]:
    """The lever values an organisation takes at the start of ``month``.

    ``starts`` keeps, per (intervention, key), the value the lever had when the
    intervention began (filled in here on its first month).
    """
    changes: dict[str, Any] = {}
    for number, intervention in enumerate(interventions):
        if not intervention.active(month):
            continue
        done = intervention.share_done(month)
        for key, target in intervention.set.items():
            start = starts.setdefault((number, key), changes.get(key, params.get(key)))
            value = start + (target - start) * done
            if isinstance(params.get(key), int):
                value = round(value)
            changes[key] = value
    return changes


def with_values(params: Scenario, changes: dict[str, Any], cache: dict) -> Scenario:
    """``params`` with the changes applied, shared between organisations with the same values.

    The values were checked when the scenario was validated (and a ramp stays between
    two valid values), so the sections are copied rather than validated again.
    """
    key = (id(params), tuple(sorted(changes.items())))
    hit = cache.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    by_section: dict[str, dict[str, Any]] = {}
    for dotted, value in changes.items():
        section, _, name = dotted.partition(".")
        by_section.setdefault(section, {})[name] = value
    update = {
        section: getattr(params, section).model_copy(update=values)
        for section, values in by_section.items()
    }
    new = params.model_copy(update=update)
    cache[key] = (params, new)
    return new


def adopt(org: Organisation, new: Scenario) -> None:
    """Make ``new`` the organisation's parameters; rises in discipline reach its portfolio."""
    old = org.params
    if new is old:
        return
    org.params = new
    org.bar_cache = _bars_for(new)
    f = new.feedback
    org.mandated_engagement = f.mandated_flagging * f.process
    org.flag_reach = mech.substitute(f.tooling, f.manual_routing)
    rand = org.stream.random
    running = [*org.pilots, *org.production]
    reach = new.ownership.owner_retrofit
    chance = reach * _rise(old.ownership.owner_probability, new.ownership.owner_probability)
    if chance > 0.0:
        for deployment in running:
            if not deployment.owner.is_business and rand() < chance:
                _hand_over(deployment, org.business_owner(deployment.use_case))
    o = new.ownership
    chance = reach * _rise(old.ownership.owner_resourced_probability, o.owner_resourced_probability)
    if chance > 0.0:
        for owner in org.business_owners.values():
            if not owner.resourced and rand() < chance:
                owner.resourced = True
                owner.resourcing = 1.0
    chance = new.measurement.kpi_retrofit * _rise(
        old.measurement.kpi_probability, new.measurement.kpi_probability
    )
    if chance > 0.0:
        cost = new.measurement.kpi_cost
        for deployment in running:
            if not deployment.kpis_defined and rand() < chance:
                deployment.kpis_defined = True
                org.tally.cost_one_off += cost
                deployment.net_value -= cost


def _rise(before: float, after: float) -> float:
    """Chance that an initiative without the discipline gets it when the policy rises."""
    if after <= before or before >= 1.0:
        return 0.0
    return (after - before) / (1.0 - before)


def _hand_over(deployment: Deployment, owner: Any) -> None:
    deployment.owner.owned.remove(deployment)
    deployment.owner = owner
    owner.owned.append(deployment)


# -- the current portfolio -----------------------------------------------------------
def seed_portfolio(org: Organisation, rows: tuple[CurrentUseCase, ...]) -> None:
    """Give the organisation the use cases it runs today, as if the model had run them.

    Months before the run are negative (a pilot started six months ago started in
    month -6). Money spent before the run is sunk: nothing is charged for it.
    A live system's quality, when not given, is what the model's own equations give
    with today's team, models and data; its adoption, when not given, is where the
    model's adoption would be after its months live. A pilot older than a build has
    its prototype finished. The delivery team starts at the size the work asks for,
    within its budget.
    """
    if not rows:
        return
    model = org.model
    p = org.params
    ops = p.operations
    for row in rows:
        use_case = row.to_use_case()
        owner = (
            org.business_owner(use_case) if row.owner_kind == "business" else org.technology_owner
        )
        bought = row.sourcing == "bought"
        d = Deployment(model, org, use_case, row.business_line - 1, owner, row.kpis_defined, bought)
        effort = p.portfolio.build_effort * (p.sourcing.vendor_build_factor if bought else 1.0)
        build_months = max(
            1, math.ceil(effort / mech.build_progress(1.0, org.technical_skill, 1.0))
        )
        penalty = mech.data_penalty(
            use_case.data_dependence, org.data_quality, 0.0, p.data.data_gap_severity
        )
        if row.stage == "production":
            d.month_promoted = -row.months_in_stage
            d.month_started = d.month_promoted - build_months
            _finish_build(org, d, d.month_started + build_months - 1, row.quality, penalty)
            d.stage = Stage.PRODUCTION
            d.months_in_production = row.months_in_stage
            org.production.append(d)
            org.live_workflows.add(d.workflow)
            d.reviewers = [Reviewer(model, d) for _ in range(p.feedback.reviewers_per_deployment)]
            if row.adoption is not None:
                d.adoption = row.adoption
            else:
                quality = d.quality_on_current_data()
                target = mech.adoption_target(quality, ops.trust_threshold, ops.full_trust_quality)
                reached = 1.0 - (1.0 - ops.adoption_rate) ** row.months_in_stage
                d.adoption = target * owner.process_authority * reached
        else:
            d.month_started = -row.months_in_stage
            if row.months_in_stage >= build_months or row.quality is not None:
                built = min(-1, d.month_started + build_months - 1)
                _finish_build(org, d, built, row.quality, 0.0)
                if row.quality is None and -built > 1:
                    _short_of_the_bar(org, d, waiting=-built - 1)
            else:
                d.build_progress = row.months_in_stage / build_months
            org.pilots.append(d)
        d.from_portfolio = True
    # The portfolio's initiatives count as started (and its live systems as promoted): the
    # organisation is not inactive, and its payback is counted from the run's start.
    org.pilots_started += len(rows)
    org.promotions += sum(row.stage == "production" for row in rows)
    # The team the work asks for, within the budget (a programme already running has one).
    loads = [p.portfolio.production_load] * len(org.production) + [
        p.portfolio.awaiting_load if d.built else 1.0 for d in org.pilots
    ]
    budget = p.organisation.delivery_capacity * mech.funding_multiplier(org.confidence)
    org.team = max(p.organisation.core_team, min(sum(loads), budget))


def _short_of_the_bar(org: Organisation, d: Deployment, waiting: int) -> None:
    """A prototype finished ``waiting`` months ago and still a pilot has failed its tests.

    Had it passed, it would be live: its owner has tested it about once a month they had
    time for it, and each test fell short. So it starts with those failed tests and with
    a quality whose expected test result is one test-noise standard deviation below its
    owner's bar (never above what the model's own demo equation gives): short of the bar
    by about as much as a test can tell. From there, tests, fixes and data decide.
    """
    p = org.params
    owner = d.owner
    d.failed_tests = min(
        p.ownership.go_live_attempts - 1, max(1, round(waiting * owner.resourcing))
    )
    bar = owner.acceptance_bar(d.use_case, d)
    noise = p.measurement.test_noise if d.kpis_defined else p.measurement.unmeasured_test_noise
    penalty = mech.data_penalty(
        d.use_case.data_dependence, org.data_quality, 0.0, p.data.data_gap_severity
    )
    # The test shows Q_demo - rho * (Q_demo - Q_prod) = Q_demo * (1 - rho * P).
    highest = (bar - noise) / max(1e-9, 1.0 - owner.test_realism * penalty)
    d.demo_quality = max(0.0, min(d.demo_quality, highest))


def _finish_build(
    org: Organisation, d: Deployment, month: int, quality: float | None, penalty: float
) -> None:
    """Mark the prototype built in ``month``: its demo quality from the row or the model."""
    p = org.params
    ops = p.operations
    d.built = True
    d.build_progress = 1.0
    d.month_built = month
    d.build_capability = org.model_capability
    if quality is not None:
        # A live system's quality is measured on production data: the demo behind it
        # was better by the data penalty (``Q = Q_demo * (1 - P)``). A quality above what
        # the best demo reaches on today's data is read as retrieval tuning already done
        # (``Q = Q_max * (1 - P * (1 - r))``).
        ceiling = mech.QUALITY_CEILING
        d.demo_quality = min(ceiling, quality / max(1e-9, 1.0 - penalty))
        if penalty > 0.0 and quality > ceiling * (1.0 - penalty):
            d.retrieval_tuning = min(1.0, 1.0 - (1.0 - quality / ceiling) / penalty)
        return
    d.demo_quality = mech.demo_quality(
        org.model_capability,
        org.technical_skill,
        ops.demo_quality_base,
        ops.capability_weight,
        ops.skill_weight,
        ops.capability_saturation,
    )
    if d.bought:
        d.demo_quality -= p.sourcing.vendor_fit_gap
