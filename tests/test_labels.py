"""The trajectory-label rule, on trajectories made by hand."""

from __future__ import annotations

import numpy as np

from genaisim.labels import (
    COMPOUNDING,
    FLAT,
    PILOT_LOOP,
    STALLED,
    LabelRule,
    label_trajectory,
)

MONTHS = 60


def label(net, pilots=None, production=None, started=10):
    pilots = np.zeros(MONTHS) if pilots is None else pilots
    production = np.zeros(MONTHS) if production is None else production
    return label_trajectory(np.asarray(net, float), pilots, production, started)


def test_growing_positive_value_is_compounding():
    assert label(np.linspace(-50, 200, MONTHS)) == COMPOUNDING


def test_positive_value_that_no_longer_grows_is_flat():
    assert label(np.full(MONTHS, 40.0)) == FLAT


def test_losing_money_is_stalled():
    assert label(np.full(MONTHS, -40.0)) == STALLED


def test_a_growing_pilot_portfolio_with_little_in_production_is_a_pilot_loop():
    pilots = np.linspace(0, 20, MONTHS).round()
    production = np.ones(MONTHS)
    assert label(np.full(MONTHS, -40.0), pilots, production, started=25) == PILOT_LOOP


def test_a_shrinking_portfolio_is_not_a_pilot_loop():
    pilots = np.linspace(20, 5, MONTHS).round()
    assert label(np.full(MONTHS, -40.0), pilots, np.ones(MONTHS), started=25) == STALLED


def test_compounding_value_wins_over_many_open_pilots():
    pilots = np.linspace(0, 20, MONTHS).round()
    assert label(np.linspace(0, 300, MONTHS), pilots, np.ones(MONTHS), started=25) == COMPOUNDING


def test_small_growth_near_zero_is_judged_against_the_value_floor():
    # From 1 to 1.5 k/month is +50%, but only 6 k a year: under 10% of the 10 k/month
    # floor (12 k a year). A stricter floor of 2 k/month lets the same growth count.
    net = np.concatenate([np.full(MONTHS - 12, 1.0), np.full(12, 1.5)])
    assert label(net) == FLAT
    lenient = LabelRule(value_floor=2.0)
    assert label_trajectory(net, np.zeros(MONTHS), np.zeros(MONTHS), 10, lenient) == COMPOUNDING


def test_single_and_batched_labelling_agree_on_short_and_long_runs():
    from genaisim.results import final_figures

    rng = np.random.default_rng(4)
    for months in (18, 60):
        net = rng.normal(20, 60, size=(40, months)).cumsum(axis=1) / 10
        pilots = rng.integers(0, 12, size=(40, months)).astype(float)
        production = rng.integers(0, 6, size=(40, months)).astype(float)
        started = np.full((40, months), 10.0)
        series = {
            "net_value": net,
            "pilots": pilots,
            "production": production,
            "pilots_started_total": started,
            **{
                name: np.zeros((40, months))
                for name in (
                    "cumulative_net_value",
                    "promoted_total",
                    "permanent_prototypes",
                    "retired",
                    "incidents_opened",
                    "flags_raised",
                    "flags_acted",
                    "production_quality",
                    "reviewer_engagement",
                    "data_quality",
                    "leadership_confidence",
                    "infrastructure_mindset",
                )
            },
        }
        batched = final_figures(series)["label"]
        single = [label_trajectory(net[i], pilots[i], production[i], 10) for i in range(40)]
        assert list(batched) == single
        assert len(set(single)) > 1  # the comparison covers more than one label


def test_a_run_shorter_than_two_windows_compares_its_halves():
    # 12 months: the first six lose 10 a month, the last six earn 30. With a 12-month
    # window there would be no year before; the halves show growth from loss to profit.
    net = np.concatenate([np.full(6, -10.0), np.full(6, 30.0)])
    assert label_trajectory(net, np.zeros(12), np.zeros(12), 10) == COMPOUNDING
