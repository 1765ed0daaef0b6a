"""The model's mechanisms as small pure functions, each with its equation.

Agents call these; tests check each one alone (tests/test_mechanisms.py). All
quantities are floats; shares and qualities lie in [0, 1]. Symbols follow
docs/ODD.md ("Submodels").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from random import Random

QUALITY_CEILING = 0.99  # no system is ever perfect; keeps error rates above zero


def clip01(x: float) -> float:
    """Clamp ``x`` to [0, 1]."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


# -- stochastic helpers ----------------------------------------------------------
def poisson(random: Random, lam: float) -> int:
    """A Poisson draw with mean ``lam`` (Knuth's method for small means, normal beyond 30)."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        return max(0, round(random.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    rand = random.random
    k, p = 0, rand()
    while p > limit:
        k += 1
        p *= rand()
    return k


def binomial(random: Random, n: int, p: float) -> int:
    """A binomial draw: ``n`` trials with success probability ``p``."""
    if p <= 0.0 or n <= 0:
        return 0
    if p >= 1.0:
        return n
    rand = random.random
    successes = 0
    for _ in range(n):
        if rand() < p:
            successes += 1
    return successes


def decay(value: float, half_life: float) -> float:
    """One month of exponential decay: ``value * 0.5 ** (1 / half_life)``."""
    return value * 0.5 ** (1.0 / half_life)


# -- Pattern 2: data before AI ----------------------------------------------------
def demo_quality(
    model_capability: float,
    technical_skill: float,
    base: float,
    w_capability: float,
    w_skill: float,
    saturation: float = 2.0,
) -> float:
    """Quality of a prototype on curated demo data (where data quality is perfect).

    ``Q_demo = min(0.99, base + w_m * (1 - (1 - m)^k) + w_s * s)``

    Capability has diminishing returns (``k`` > 1): models that are "capable enough"
    for a workflow gain little from the next increment. ``k = 1`` makes it linear.
    """
    capability = 1.0 - (1.0 - model_capability) ** saturation
    return min(QUALITY_CEILING, base + w_capability * capability + w_skill * technical_skill)


def capability_uplift(
    capability_then: float, capability_now: float, w_capability: float, saturation: float
) -> float:
    """Demo quality a better base model adds to a system built with an older one.

    ``w_m * ((1 - m_then)^k - (1 - m_now)^k)``: the change in the capability term of
    :func:`demo_quality`.
    """
    return w_capability * (
        (1.0 - capability_then) ** saturation - (1.0 - capability_now) ** saturation
    )


def data_penalty(
    data_dependence: float, effective_data_quality: float, retrieval: float, severity: float = 1.0
) -> float:
    """Share of quality lost to production data: ``P = sigma * d * (1 - q_eff) * (1 - r)``.

    ``d`` is how much the use case depends on data, ``q_eff`` the data quality the
    system sees (with any workaround), ``r`` how much retrieval tuning recovers and
    ``sigma`` the most a data gap can take from a fully data-dependent system.
    """
    return severity * data_dependence * (1.0 - clip01(effective_data_quality)) * (1.0 - retrieval)


def production_quality(
    demo: float, prompt_gain: float, finetune_gain: float, penalty: float
) -> float:
    """Quality on real production data: ``Q = min(0.99, Q_demo + g_p + g_f) * (1 - P)``."""
    return min(QUALITY_CEILING, demo + prompt_gain + finetune_gain) * (1.0 - penalty)


def data_quality_step(
    quality: float, investment: float, improvement_rate: float, drift: float
) -> float:
    """One month of data infrastructure: ``q' = q + I * k * (1 - q) - delta * q``.

    Investment ``I`` closes a share ``k`` of the gap to perfect data; upstream drift
    ``delta`` erodes a share of what there is.
    """
    return clip01(quality + investment * improvement_rate * (1.0 - quality) - drift * quality)


def data_fix(quality: float, gain: float) -> float:
    """One data fix, shared by every system: ``q' = q + g_fix * (1 - q)``."""
    return clip01(quality + gain * (1.0 - quality))


# -- Pattern 1: the operational layer ---------------------------------------------
def escalation_rate(quality: float, floor: float, sensitivity: float) -> float:
    """Share of outputs sent to a human: ``e = min(1, e_0 + k_e * (1 - Q))``."""
    return min(1.0, floor + sensitivity * (1.0 - quality))


def residual_error_rate(quality: float, catch_rate: float) -> float:
    """Errors that reach the business after review: ``err = (1 - Q) * (1 - c)``."""
    return (1.0 - quality) * (1.0 - catch_rate)


def task_minutes_after(ai_minutes: float, escalation: float, review_minutes: float) -> float:
    """Minutes per task with the system: ``T_after = T_ai + e * T_review``."""
    return ai_minutes + escalation * review_minutes


def value_per_task(
    manual_minutes: float,
    minutes_after: float,
    manual_error_rate: float,
    error_rate_after: float,
    error_cost: float,
    labour_cost_per_hour: float,
    realisation: float = 1.0,
) -> float:
    """Cash value of one task done with the system rather than by hand (currency units).

    ``v = rho * w/60 * (T_manual - T_after) + C_err * (err_manual - err_after)``:
    only a share ``rho`` of the time saved becomes cash (work redeployed, hiring
    avoided); errors avoided count in full. Negative when the system is slower or
    wronger than the people it replaces.
    """
    return realisation * (labour_cost_per_hour / 60.0) * (
        manual_minutes - minutes_after
    ) + error_cost * (manual_error_rate - error_rate_after)


def break_even_quality(
    value_at: Callable[[float], float], ceiling: float = QUALITY_CEILING
) -> float:
    """The lowest quality at which a system's net value per task is not negative.

    ``value_at(Q)`` must rise with ``Q``. Found by bisection to 1e-4; returns 1.0 when
    even ``ceiling`` loses money (no quality makes the system worth running) and 0.0
    when any quality pays.
    """
    if value_at(ceiling) < 0.0:
        return 1.0
    if value_at(0.0) >= 0.0:
        return 0.0
    low, high = 0.0, ceiling
    while high - low > 1e-4:
        mid = 0.5 * (low + high)
        if value_at(mid) >= 0.0:
            high = mid
        else:
            low = mid
    return high


def adoption_target(quality: float, threshold: float, full_trust: float) -> float:
    """Usage that quality earns: ``a* = clip((Q - Q_min) / (Q_full - Q_min), 0, 1)``."""
    if full_trust <= threshold:
        return 1.0 if quality >= threshold else 0.0
    return clip01((quality - threshold) / (full_trust - threshold))


def approach(current: float, target: float, rate: float) -> float:
    """First-order adjustment used for adoption, confidence, belief and mindset.

    ``x' = x + rate * (target - x)``
    """
    return current + rate * (target - current)


def incident_probability(
    quality: float, adoption: float, fragility: float, base_rate: float
) -> float:
    """Chance a production system has an incident this month.

    ``lambda = r_inc * (1 - Q) * (0.2 + 0.8 a) * (1 + F)``, ``p = 1 - exp(-lambda)``:
    wrong outputs cause incidents, more so under heavy use and workaround fragility ``F``.
    """
    lam = base_rate * (1.0 - quality) * (0.2 + 0.8 * adoption) * (1.0 + fragility)
    return 1.0 - math.exp(-lam)


def resolution_chance(
    rate: float, diagnosis: float, owner_attention: float, team_attention: float
) -> float:
    """Chance an open incident is resolved this month.

    ``p = r_res * k_diag * sqrt(A_owner) * (0.5 + 0.5 * A_team)``: the owner diagnoses
    and decides (their knowledge of the workflow ``k_diag`` and, with diminishing
    returns, their attention), the technology team fixes (half of the chance does not
    depend on its attention: a fix is usually small once the problem is understood).
    """
    return rate * diagnosis * math.sqrt(owner_attention) * (0.5 + 0.5 * team_attention)


# -- Pattern 6: the pilot loop ------------------------------------------------------
def attention_share(capacity: float, load: float) -> float:
    """Attention each initiative gets: ``A = min(1, capacity / load)``."""
    if load <= 0.0:
        return 1.0
    return min(1.0, capacity / load)


def triaged_attention(team: float, loads: Sequence[float], triage: float) -> list[float]:
    """Attention each initiative gets, in priority order, from a team of size ``team``.

    Equal sharing gives every initiative ``A_eq = min(1, team / sum(loads))``. A
    work-in-progress limit serves initiatives in order (live systems first, then the
    oldest pilots), each getting ``min(1, remaining / load_i)`` until the team is used up.
    ``triage`` mixes the two: ``A_i = (1 - t) * A_eq + t * A_i^priority``. Both use the
    same team, so triage moves attention; it does not create it.
    """
    total = sum(loads)
    equal = attention_share(team, total)
    if triage <= 0.0:
        return [equal] * len(loads)
    shares = []
    remaining = team
    for load in loads:
        if load <= 0.0:
            priority = 1.0
        else:
            priority = min(1.0, max(0.0, remaining) / load)
            remaining -= priority * load
        shares.append((1.0 - triage) * equal + triage * priority)
    return shares


def staffing_step(team: float, wanted: float, budget: float, floor: float, lag: float) -> float:
    """The delivery team after one month: ``T' = T + (clip(W, floor, B) - T) / lag``.

    The team follows the work ``W`` (load of open initiatives), kept between the core
    team ``floor`` and what the budget ``B`` funds, closing ``1/lag`` of the gap a month
    (hiring and release take time).
    """
    target = min(budget, max(floor, wanted))
    return team + (target - team) / lag


def build_progress(attention: float, technical_skill: float, effort: float) -> float:
    """Share of a prototype built in one month: ``A * (0.5 + s) / E``."""
    return attention * (0.5 + technical_skill) / effort


def skill_after_prototype(skill: float, gain: float) -> float:
    """Skill after one more prototype: ``s' = s + g_s * (1 - s)``: each prototype is better."""
    return skill + gain * (1.0 - skill)


# -- Pattern 4: measurement first ------------------------------------------------------
_HALFWAY = math.atanh(0.5)


def confidence_target(
    measured_value: float, has_evidence: bool, value_scale: float, no_evidence: float
) -> float:
    """What leadership's confidence tends to, given the evidence it can see.

    With measured systems: ``c* = 0.5 + 0.5 tanh(atanh(0.5) * V / V_scale)`` (V, the
    measured net value per month; V = V_scale lifts c* halfway from 0.5 to 1). The
    model sets ``V_scale`` as a multiple of the programme's own monthly cost, so the
    judgement does not depend on the organisation's size or currency.
    Without any: ``c* = c_none`` (enthusiasm fades without evidence).
    """
    if not has_evidence:
        return no_evidence
    if value_scale <= 0.0:
        return 0.5 if measured_value == 0.0 else 0.5 + 0.5 * math.copysign(1.0, measured_value)
    return 0.5 + 0.5 * math.tanh(_HALFWAY * measured_value / value_scale)


def funding_multiplier(confidence: float) -> float:
    """Budget relative to nominal: ``f = 0.5 + c``."""
    return 0.5 + confidence


# -- Pattern 5: the feedback loop ---------------------------------------------------
def revision_step(level: float, cap: float, rate: float, revisions: float) -> float:
    """Improvement from ``revisions`` full revisions: ``g' = g + (cap - g)(1 - (1 - rate)^n)``.

    Used for prompt revision (fast, small cap) and retrieval tuning (slow, cap bounded
    by data quality). A level above a fallen cap drops to the cap.
    """
    if level >= cap:
        return cap
    if revisions <= 0.0:
        return level
    return level + (cap - level) * (1.0 - (1.0 - rate) ** revisions)


def effective_culture(culture: float, mindset: float, mindset_effect: float) -> float:
    """Reviewers' willingness to flag: ``C_eff = C + (1 - C) * k_u * u``.

    The infrastructure mindset ``u`` moves willingness towards 1: where systems are
    treated as infrastructure, flagging a fault is what people do.
    """
    return culture + (1.0 - culture) * mindset_effect * mindset


def engagement_target(
    culture: float, belief: float, void_engagement: float, mandated: float = 0.0
) -> float:
    """Engagement a reviewer tends to: ``E* = max(C_eff * (e_void + (1 - e_void) * b), m)``.

    ``b`` is the reviewer's belief that flags lead to improvements; ``m`` the
    engagement a review process demands whatever the reviewer believes (process
    substitutes for culture, up to a point).
    """
    return max(culture * (void_engagement + (1.0 - void_engagement) * belief), mandated)


def flag_precision(engagement: float, floor: float) -> float:
    """Share of flags that point at a real problem: ``pi = pi_0 + (1 - pi_0) * E``."""
    return floor + (1.0 - floor) * engagement


def substitute(element: float, fallback: float) -> float:
    """Share that gets through with an element of the loop at level ``x``: ``x + (1 - x) * s``.

    What the element misses, a manual fallback (routing flags by hand, an owner acting
    without a process) still catches a share ``s`` of, at a cost.
    """
    return element + (1.0 - element) * fallback


# -- Pattern 7: the culture shift --------------------------------------------------------
def discipline_probability(policy: float, mindset: float, effect: float) -> float:
    """Owner and KPI probabilities under a culture shift: ``p' = p + (1 - p) * k_d * u``."""
    return policy + (1.0 - policy) * effect * mindset


def capability_step(capability: float, yearly_gain: float) -> float:
    """One month of vendors' releases: ``m' = m + (g / 12) * (1 - m)``."""
    return capability + yearly_gain / 12.0 * (1.0 - capability)


def mindset_target(reliable_systems: int, production: int, open_pilots: int) -> float:
    """Share of the GenAI estate that is reliable infrastructure: ``R / (P + N_pilots)``."""
    total = production + open_pilots
    return reliable_systems / total if total else 0.0
