"""The story of one organisation's run is counted from the run's own tables."""

from __future__ import annotations

import re

import pytest

import genaisim
from genaisim import app_support as support
from genaisim.story import story


@pytest.fixture(scope="module")
def population() -> genaisim.Results:
    scenario = genaisim.load_scenario("population_2024").with_changes(
        {"population.organisations": 6, "simulation.replications": 2}
    )
    return genaisim.simulate(scenario, seed=7, years=4)


def numbers(sentence: str) -> list[int]:
    return [int(n) for n in re.findall(r"\b\d+\b", sentence)]


@pytest.mark.parametrize(("replication", "organisation"), [(0, 0), (1, 3), (0, 5)])
def test_the_story_counts_what_the_tables_hold(population, replication, organisation):
    told = story(population, replication, organisation)
    summary = population.summary()
    row = summary[
        (summary["replication"] == replication) & (summary["organisation"] == organisation)
    ].iloc[0]
    assert told[0].startswith(f"This run is labelled *{row['label']}*")
    d = population.deployments
    mine = d[(d["replication"] == replication) & (d["organisation"] == organisation)]
    started, live, stopped, open_ = numbers(told[1])[:4]
    assert started == len(mine)
    assert live == int(mine["month_promoted"].notna().sum())
    assert stopped == int((mine["retire_reason"] == "abandoned").sum())
    assert open_ == int((mine["stage"] == "pilot").sum())
    taken = next(s for s in told if s.startswith("Of the ") and "taken live" in s)
    assert numbers(taken)[1:] == [
        int((mine["retire_reason"] == "cut").sum()),
        int((mine["retire_reason"] == "rolled_back").sum()),
        int((mine["stage"] == "production").sum()),
    ]


def test_an_organisation_that_never_started_says_so():
    late = genaisim.load_scenario("baseline").with_changes(
        {"organisation.start_month": 30, "simulation.replications": 1}
    )
    results = genaisim.simulate(late, years=2)
    assert "No use case was started" in " ".join(story(results))


def test_asking_for_a_run_that_is_not_there_names_it(population):
    with pytest.raises(ValueError, match="no replication 5, organisation 0"):
        story(population, 5, 0)


def test_the_timeline_has_a_pilot_phase_per_use_case_and_a_live_phase_per_system(population):
    timeline = support.deployment_timeline(population, 1, 3)
    d = population.deployments
    mine = d[(d["replication"] == 1) & (d["organisation"] == 3)]
    assert (timeline["phase"] == "pilot").sum() == len(mine)
    assert (timeline["phase"] == "live").sum() == mine["month_promoted"].notna().sum()
    assert (timeline["end"] > timeline["start"]).all()
    # Plain words in the tooltip, never a raw field or a missing value.
    shown = timeline[list(support.TIMELINE_TOOLTIP)]
    assert not shown.isna().any().any()
    assert not shown.astype(str).apply(lambda c: c.str.contains("_")).any().any()
    support.timeline_chart(timeline).to_dict()  # a valid Vega-Lite spec
