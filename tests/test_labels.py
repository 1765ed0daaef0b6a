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
