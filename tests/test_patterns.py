"""The article's patterns, checked as consequences of the mechanisms.

Every test runs replications with a fixed seed and compares means with a margin
of three standard errors (or a stated share of an effect). Three standard errors
leave about one chance in 700 that a true difference of zero passes by luck, and
the effects below are far larger than that margin, so the tests are not tuned to
one seed: they hold for other seeds too (see the margins' comments).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import mean_se, simulate
from genaisim.labels import COMPOUNDING, PILOT_LOOP

pytestmark = pytest.mark.statistical


def per_replication(results, column: str, months: slice) -> np.ndarray:
    """Sum of ``column`` over a window of months, for each replication."""
    ts = results.timeseries
    window = ts[(ts["month"] >= months.start) & (ts["month"] < months.stop)]
    return window.groupby("replication")[column].sum().to_numpy()


def acceleration(results) -> np.ndarray:
    """Net value in the last two years minus net value in the two years before."""
    horizon = results.years * 12
    late = per_replication(results, "net_value", slice(horizon - 24, horizon))
    before = per_replication(results, "net_value", slice(horizon - 48, horizon - 24))
    return late - before


def assert_greater(high, low, sigmas: float = 3.0) -> None:
    """``mean(high) - mean(low)`` exceeds ``sigmas`` standard errors of the difference."""
    (m_high, se_high), (m_low, se_low) = mean_se(high), mean_se(low)
    margin = sigmas * float(np.hypot(se_high, se_low))
    assert m_high - m_low > margin, f"{m_high:.3f} - {m_low:.3f} <= {margin:.3f}"


# 30 replications: the standard error of the mean acceleration is then about a
# twentieth of its size for the compounder (sd ~8,000 k around ~17,000 k).
REPLICATIONS = 30


def test_compounders_value_accelerates_while_the_pilot_loops_does_not():
    compounder = simulate("compounder", REPLICATIONS)
    pilot_loop = simulate("pilot_loop", REPLICATIONS)
    up, se_up = mean_se(acceleration(compounder))
    flat, se_flat = mean_se(acceleration(pilot_loop))
    assert up - 3 * se_up > 0
    assert flat + 3 * se_flat <= 0
    # The labels, computed from trajectories alone, agree with the picture. With 30
    # replications a share's standard error is at most 0.09; the shares seen are 0.93-1.0
    # and 0.0, so the thresholds of 0.8 and 0.1 leave more than one standard error each.
    labels_c = compounder.summary()["label"].value_counts(normalize=True)
    labels_p = pilot_loop.summary()["label"].value_counts(normalize=True)
    assert labels_c.get(COMPOUNDING, 0) >= 0.8
    assert labels_p.get(COMPOUNDING, 0) <= 0.1
    assert labels_p.get(PILOT_LOOP, 0) >= 0.8


def test_the_pilot_loop_starts_more_pilots_yet_has_fewer_in_production():
    compounder = simulate("compounder", REPLICATIONS).summary()
    pilot_loop = simulate("pilot_loop", REPLICATIONS).summary()
    baseline = simulate("baseline", REPLICATIONS).summary()
    assert_greater(pilot_loop["pilots_started"], compounder["pilots_started"])
    assert_greater(compounder["production"], pilot_loop["production"])
    assert_greater(pilot_loop["pilots_open"], pilot_loop["production"])
    assert_greater(baseline["production"], pilot_loop["production"])


LOOP = {"feedback__tooling": 0.9, "feedback__process": 0.9, "feedback__culture": 0.9}


def quality_gain(results) -> float:
    """Mean rise in production quality since go-live, over systems live a year or more."""
    d = results.deployments
    live = d[d["months_in_production"] >= 12]
    return float((live["final_quality"] - live["quality_at_go_live"]).mean())


def test_removing_any_one_of_tooling_process_or_culture_leaves_gains_close_to_no_loop():
    reps = 40
    full = quality_gain(simulate("compounder", reps, **LOOP))
    none = quality_gain(
        simulate(
            "compounder", reps, feedback__tooling=0.0, feedback__process=0.0, feedback__culture=0.0
        )
    )
    assert full - none > 0.05  # the loop matters: ~0.11 of quality on a 0-1 scale
    for element in ("tooling", "process", "culture"):
        without = quality_gain(
            simulate("compounder", reps, **{**LOOP, f"feedback__{element}": 0.0})
        )
        # "Close to no loop": within a fifth of what the whole loop adds. Seen: within 3%.
        assert abs(without - none) <= 0.2 * (full - none), element


def test_prompt_workarounds_do_not_close_the_gap_that_data_quality_opens():
    reps = 40
    # Owners everywhere so that systems reach production; no data fixes, so the only
    # answer to poor data is the workaround (or nothing).
    common = {"data__data_fix_capacity": 0.0, "data__data_investment": 0.0}
    poor = simulate(
        "owners_only",
        reps,
        organisation__data_quality=0.35,
        data__workaround_tendency=0.0,
        **common,
    )
    patched = simulate(
        "owners_only",
        reps,
        organisation__data_quality=0.35,
        data__workaround_tendency=1.0,
        **common,
    )
    good = simulate(
        "owners_only", reps, organisation__data_quality=0.8, data__workaround_tendency=0.0, **common
    )

    def quality(results):
        return results.timeseries.groupby("replication")["production_quality"].mean()

    gap = quality(good).mean() - quality(poor).mean()
    closed = quality(patched).mean() - quality(poor).mean()
    assert gap > 0.1
    # Workarounds close less than half the gap (seen: about a fifth) ...
    assert closed < 0.5 * gap

    # ... and add fragility: more incidents per system-month in production.
    def incident_rate(results):
        ts = results.timeseries
        by_rep = ts.groupby("replication")
        return (by_rep["incidents_opened"].sum() / by_rep["production"].sum()).to_numpy()

    assert_greater(incident_rate(patched), incident_rate(poor))


def test_a_better_model_gains_less_than_fixing_the_data():
    # 200 replications: final-year value has an sd of ~1,000-1,800 k, so the standard
    # error of the difference is ~150 k against an effect of ~700-1,300 k (seeds 1-3,
    # 101); three standard errors of margin still leave it several clear of failing.
    reps = 200
    horizon = 60
    last_year = slice(horizon - 12, horizon)
    runs = {name: simulate(name, reps) for name in ("baseline", "data_first", "better_model_only")}
    value = {name: per_replication(r, "net_value", last_year) for name, r in runs.items()}
    base = value["baseline"].mean()
    assert_greater(value["data_first"] - base, value["better_model_only"] - base)
    assert_greater(value["data_first"], value["baseline"])

    def quality(results):
        # A replication that never took a system live has no production quality.
        return results.timeseries.groupby("replication")["production_quality"].mean().dropna()

    assert_greater(quality(runs["data_first"]), quality(runs["better_model_only"]))


def test_starting_earlier_and_spending_more_does_not_beat_discipline():
    early = simulate("early_big_spender", REPLICATIONS).summary()
    compounder = simulate("compounder", REPLICATIONS).summary()
    assert_greater(compounder["cumulative_net_value"], early["cumulative_net_value"])
    assert_greater(early["pilots_started"], compounder["pilots_started"])


def stable_production_effects(results) -> dict[str, float]:
    """Difference in the rate of reaching stable production (live 12 months or more),
    between the two halves of each candidate factor, over deployments started at least
    two years before the end."""
    d = results.deployments
    horizon = results.years * 12
    d = d[d["month_started"] <= horizon - 24].merge(
        results.organisations, on=["replication", "organisation"]
    )
    stable = d["months_in_production"] >= 12
    effects = {
        "business-unit owner": stable[d["owner_kind"] == "business_unit"].mean()
        - stable[d["owner_kind"] == "technology"].mean(),
        "KPIs defined": stable[d["kpis_defined"]].mean() - stable[~d["kpis_defined"]].mean(),
    }
    # The organisation's owner probability is the same factor seen from further away.
    others = [k for k in results.scenario.population.spread if k != "ownership.owner_probability"]
    for key in others:
        high = d[key] > d[key].median()
        effects[key] = stable[high].mean() - stable[~high].mean()
    return {name: abs(float(value)) for name, value in effects.items()}


def test_a_business_unit_owner_is_the_strongest_single_predictor_of_stable_production():
    # 100 varied organisations x 3 replications: several thousand deployments, so each
    # rate difference has a standard error of a few points; the owner's effect is tens.
    results = simulate("population_2024", 3, population__organisations=100)
    effects = stable_production_effects(results)
    owner = effects.pop("business-unit owner")
    runner_up = max(effects, key=effects.get)
    assert owner > 0.2
    assert owner > 2 * effects[runner_up], (runner_up, effects[runner_up], owner)
