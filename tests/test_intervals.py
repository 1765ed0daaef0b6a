"""One interval rule: the replication is the unit, in the app, the analysis and the pages."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import genaisim
from genaisim import analysis, app_support
from genaisim.intervals import mean_interval, replication_interval


@pytest.fixture(scope="module")
def population() -> genaisim.Results:
    scenario = genaisim.load_scenario("population_2024").with_changes(
        {"population.organisations": 30}
    )
    return genaisim.simulate(scenario, replications=5, seed=12)


def test_the_app_and_the_analysis_give_the_same_interval_for_a_population(population):
    app = app_support.outcome_summary([population]).set_index("outcome")
    table = analysis.summary_by(population, outcomes=["cumulative_net_value", "production"])
    table = table.set_index("outcome")
    for outcome, label in (
        ("cumulative_net_value", "Cumulative net value (k)"),
        ("production", "Systems in production"),
    ):
        assert app.loc[label, "mean"] == pytest.approx(table.loc[outcome, "mean"])
        assert app.loc[label, "ci_low"] == pytest.approx(table.loc[outcome, "ci_low"])
        assert app.loc[label, "ci_high"] == pytest.approx(table.loc[outcome, "ci_high"])


def test_organisations_of_one_replication_are_not_counted_as_independent(population):
    """150 rows but 5 replications: the honest interval is the wider one here."""
    rows = population.summary()["cumulative_net_value"].to_numpy()
    _, naive_low, naive_high = mean_interval(rows)  # rows treated as independent
    _, low, high = replication_interval(population.summary(), "cumulative_net_value")
    assert high - low > naive_high - naive_low


def test_the_interval_is_students_t_over_replication_means():
    values = np.array([3.0, 5.0, 4.0, 8.0])
    mean, low, high = mean_interval(values)
    half = stats.t.ppf(0.975, 3) * values.std(ddof=1) / 2
    assert (mean, low, high) == pytest.approx((5.0, 5.0 - half, 5.0 + half))
    assert np.isnan(mean_interval([2.0])[1])
    assert mean_interval([2.0, np.nan, 4.0])[0] == 3.0  # a missing value is left out
