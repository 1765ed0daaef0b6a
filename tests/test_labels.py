"""The trajectory-label rule, on trajectories made by hand."""

from __future__ import annotations

import numpy as np

from genaisim.labels import (
    COMPOUNDING,
    FLAT,
    INACTIVE,
    PILOT_LOOP,
    STALLED,
    TURNAROUND,
    LabelRule,
    label_trajectory,
)

MONTHS = 60
COSTS = np.full(MONTHS, 100.0)  # a programme costing 100 k a month: 1,200 k a year


DEFAULT_RULE = LabelRule()


def label(net, pilots=None, production=None, started=10, costs=COSTS, rule=DEFAULT_RULE):
    pilots = np.zeros(MONTHS) if pilots is None else pilots
    production = np.zeros(MONTHS) if production is None else production
    return label_trajectory(np.asarray(net, float), costs, pilots, production, started, rule)


def test_positive_and_growing_value_over_two_windows_is_compounding():
    assert label(np.linspace(50, 200, MONTHS)) == COMPOUNDING


def test_a_loss_turning_into_a_growing_profit_is_a_turnaround_not_compounding():
    # The year before last loses money, the last year makes it: the J-curve's upturn.
    net = np.concatenate([np.full(36, -50.0), np.full(12, -5.0), np.full(12, 40.0)])
    assert label(net) == TURNAROUND


def test_positive_value_that_no_longer_grows_is_flat():
    assert label(np.full(MONTHS, 40.0)) == FLAT


def test_losing_money_is_stalled():
    assert label(np.full(MONTHS, -40.0)) == STALLED


def test_an_organisation_that_never_started_is_inactive():
    assert label(np.full(MONTHS, -3.0), started=0) == INACTIVE


def test_a_growing_pilot_portfolio_with_little_in_production_is_a_pilot_loop():
    pilots = np.linspace(0, 20, MONTHS).round()
    production = np.ones(MONTHS)
    assert label(np.full(MONTHS, -40.0), pilots, production, started=25) == PILOT_LOOP


def test_a_pilot_loop_needs_value_that_is_not_growing():
    pilots = np.linspace(0, 20, MONTHS).round()
    growing = np.concatenate([np.full(48, -40.0), np.full(12, 30.0)])
    assert label(growing, pilots, np.ones(MONTHS), started=25) == TURNAROUND


def test_a_shrinking_portfolio_is_not_a_pilot_loop():
    pilots = np.linspace(20, 5, MONTHS).round()
    assert label(np.full(MONTHS, -40.0), pilots, np.ones(MONTHS), started=25) == STALLED


def test_compounding_value_wins_over_many_open_pilots():
    pilots = np.linspace(0, 20, MONTHS).round()
    assert label(np.linspace(10, 300, MONTHS), pilots, np.ones(MONTHS), started=25) == COMPOUNDING


def test_growth_is_judged_against_the_programmes_own_costs():
    # +6 k over a year on a programme costing 1,200 k a year is 0.5%: under the 5% rule.
    net = np.concatenate([np.full(MONTHS - 12, 1.0), np.full(12, 1.5)])
    assert label(net) == FLAT
    # On a programme a hundred times cheaper the same growth is 50% of its costs.
    assert label(net, costs=COSTS / 100) == COMPOUNDING


def test_labels_do_not_depend_on_the_currency():
    rng = np.random.default_rng(9)
    for _ in range(50):
        net = rng.normal(5, 40, MONTHS).cumsum() / 5
        costs = rng.uniform(50, 150, MONTHS)
        pilots = rng.integers(0, 10, MONTHS).astype(float)
        production = rng.integers(0, 5, MONTHS).astype(float)
        assert label(net, pilots, production, 8, costs) == label(
            net * 10, pilots, production, 8, costs * 10
        )


def test_single_and_batched_labelling_agree_on_short_and_long_runs():
    from genaisim.results import COUNT_OUTCOMES, FINAL_STATE, final_figures

    rng = np.random.default_rng(4)
    for months in (18, 60):
        net = rng.normal(20, 60, size=(40, months)).cumsum(axis=1) / 10
        costs = rng.uniform(20, 80, size=(40, months))
        pilots = rng.integers(0, 12, size=(40, months)).astype(float)
        production = rng.integers(0, 6, size=(40, months)).astype(float)
        started = np.full((40, months), 10.0)
        read = {"net_value", "costs", "pilots", "production", "pilots_started_total"}
        others = {
            "cumulative_net_value",
            "promoted_total",
            "permanent_prototypes",
            "retired",
            "incidents_opened",
            "flags_raised",
            "flags_acted",
            *FINAL_STATE,
            *COUNT_OUTCOMES,
        } - read
        series = {
            "net_value": net,
            "costs": costs,
            "pilots": pilots,
            "production": production,
            "pilots_started_total": started,
            **{name: np.zeros((40, months)) for name in others},
        }
        batched = final_figures(series)["label"]
        single = [
            label_trajectory(net[i], costs[i], pilots[i], production[i], 10) for i in range(40)
        ]
        assert list(batched) == single
        assert len(set(single)) > 1  # the comparison covers more than one label


def test_a_run_shorter_than_three_windows_uses_thirds_of_the_run():
    # 12 months in thirds of four: a loss, a smaller loss, then profit: a turnaround.
    net = np.concatenate([np.full(4, -10.0), np.full(4, -5.0), np.full(4, 30.0)])
    assert label_trajectory(net, np.full(12, 10.0), np.zeros(12), np.zeros(12), 10) == TURNAROUND
