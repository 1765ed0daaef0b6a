"""The article's patterns, checked as consequences of the mechanisms.

Each pattern's check lives in :mod:`genaisim.patterns` and compares means over
replications with a margin of three standard errors of the difference (the
replication is the unit): about one chance in 700 that a true difference of zero
passes by luck. The same checks generate docs/patterns.md, so the published
robustness regions are re-checked here too.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import TEST_SEED, mean_se, simulate
from genaisim import load_scenario
from genaisim import simulate as run_scenario
from genaisim.labels import COMPOUNDING, TURNAROUND
from genaisim.patterns import PATTERNS

pytestmark = pytest.mark.statistical

PATTERNS_JSON = Path(__file__).resolve().parents[1] / "docs" / "patterns.json"


@pytest.mark.parametrize("key", list(PATTERNS))
def test_each_of_the_articles_patterns_holds_at_the_default_assumptions(key):
    result = PATTERNS[key].check(seed=TEST_SEED)
    assert result.holds, result.detail


def documented_claims() -> list[tuple[str, str, float, bool, int]]:
    """For each assumption in docs/patterns.json, the strongest claims the page makes: the
    level furthest from the default at which the pattern holds, and the level nearest the
    default at which it does not (where there is one)."""
    published = json.loads(PATTERNS_JSON.read_text(encoding="utf-8"))
    seed = published["seeds"][0]
    cases = []
    for pattern in published["patterns"]:
        for assumption in pattern["assumptions"]:
            default = assumption["default"]
            rows = assumption["levels"]
            holding = [r["level"] for r in rows if r["holds"]]
            failing = [r["level"] for r in rows if not r["holds"]]
            if holding:
                level = max(holding, key=lambda x: (abs(x - default), x))
                cases.append((pattern["key"], assumption["parameter"], level, True, seed))
            if failing:
                level = min(failing, key=lambda x: (abs(x - default), x))
                cases.append((pattern["key"], assumption["parameter"], level, False, seed))
    return cases


@pytest.mark.parametrize(("key", "parameter", "level", "holds", "seed"), documented_claims())
def test_docs_patterns_region_claims_are_what_the_model_gives(key, parameter, level, holds, seed):
    # docs/patterns.md says a level holds when the pattern held with both its seeds, and
    # fails when it failed with at least one. A claimed hold is re-run with the first seed
    # (the whole page is reproducible, so drift shows there); a claimed failure with both.
    published = json.loads(PATTERNS_JSON.read_text(encoding="utf-8"))
    if holds:
        result = PATTERNS[key].check({parameter: level}, seed=seed)
        assert result.holds, result.detail
    else:
        results = [PATTERNS[key].check({parameter: level}, seed=s) for s in published["seeds"]]
        assert not all(r.holds for r in results), [r.detail for r in results]


def test_a_typical_enterprise_shows_a_j_curve_that_turns_up_within_five_years():
    results = simulate("baseline", 60)
    ts = results.timeseries.assign(year=results.timeseries["month"] // 12)
    yearly = ts.groupby(["replication", "year"])["net_value"].sum().unstack()
    # The dip: the second year loses money in (almost) every run ...
    assert (yearly[1] < 0).mean() > 0.9
    # ... and the upturn: the last year is better than the worst year in most runs, and
    # positive in a substantial share. 60 runs give a share a standard error of at most
    # 0.065; seen here 0.75-0.85, so 0.5 leaves three standard errors.
    assert (yearly[4] > yearly.min(axis=1)).mean() > 0.9
    assert (yearly[4] > 0).mean() > 0.5
    labels = results.summary()["label"]
    assert labels.isin([COMPOUNDING, TURNAROUND]).mean() > 0.5


#: Each foundation lever: the bottom of its range, the baseline's value, the top.
FOUNDATIONS = {
    "organisation.data_quality": (0.0, 0.45, 1.0),
    "data.data_investment": (0.0, 0.1, 1.0),
    "ownership.owner_probability": (0.0, 0.3, 1.0),
    "ownership.owner_resourced_probability": (0.0, 0.6, 1.0),
    "measurement.kpi_probability": (0.0, 0.25, 1.0),
    "feedback.tooling": (0.0, 0.3, 1.0),
    "feedback.process": (0.0, 0.3, 1.0),
    "feedback.culture": (0.0, 0.4, 1.0),
}


@pytest.mark.parametrize("lever", list(FOUNDATIONS))
def test_raising_a_foundation_never_lowers_five_year_value_beyond_noise(lever):
    # 150 replications a level: five-year value has an sd of ~2,000-4,500 k, so three
    # standard errors of a difference are ~1,000-1,500 k. A foundation that cost more than
    # it returned over its documented range would show a fall beyond that.
    levels = FOUNDATIONS[lever]
    base = load_scenario("baseline")
    value = {}
    for level in levels:
        results = run_scenario(base.with_changes({lever: level}), replications=150, seed=TEST_SEED)
        value[level] = results.summary()["cumulative_net_value"].to_numpy()
    for low, high in [*itertools.pairwise(levels), (levels[0], levels[-1])]:
        (m_low, se_low), (m_high, se_high) = mean_se(value[low]), mean_se(value[high])
        assert m_high - m_low > -3 * float(np.hypot(se_low, se_high)), (low, high)


def scale_money(factor: float) -> dict[str, float]:
    """Every money parameter of the baseline multiplied by ``factor``."""
    return {
        info.key: info.value * factor
        for info in load_scenario("baseline").parameters()
        if info.money
    }


def test_label_shares_do_not_change_when_every_amount_of_money_is_scaled_by_ten():
    base = load_scenario("baseline")
    assert len(scale_money(10)) >= 15  # the test covers the economy, not one figure
    for name in ("baseline", "compounder", "pilot_loop"):
        scenario = load_scenario(name)
        plain = run_scenario(scenario, replications=20, seed=TEST_SEED).summary()
        scaled = run_scenario(
            scenario.with_changes(scale_money(10)), replications=20, seed=TEST_SEED
        ).summary()
        assert plain["label"].tolist() == scaled["label"].tolist(), name
        assert np.allclose(scaled["cumulative_net_value"], 10 * plain["cumulative_net_value"])
    assert base.operations.labour_cost * 10 == scale_money(10)["operations.labour_cost"]


def test_no_organisation_labelled_compounding_lost_money_in_the_window_before():
    results = simulate("population_2024", 3)
    summary = results.summary().set_index(["replication", "organisation"])
    compounding = summary.index[summary["label"] == COMPOUNDING]
    assert len(compounding) > 20
    # The year before last, summed from the monthly table itself (not the summary's own
    # figure, which the labelling rule also reads).
    ts = results.timeseries
    horizon = results.years * 12
    before = ts[(ts["month"] >= horizon - 24) & (ts["month"] < horizon - 12)]
    previous = before.groupby(["replication", "organisation"])["net_value"].sum()
    assert (previous.loc[compounding] > 0).all()
