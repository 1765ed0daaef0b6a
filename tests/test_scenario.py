"""Scenarios load, change and fail the way a user needs them to."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

import genaisim
from genaisim.scenario import (
    SECTIONS,
    Scenario,
    available_scenarios,
    parameter_keys,
    parse_assignment,
)

REQUIRED = {
    "baseline",
    "compounder",
    "pilot_loop",
    "data_first",
    "owners_only",
    "measure_first",
    "feedback_without_culture",
    "early_big_spender",
    "better_model_only",
}


def test_every_required_scenario_ships_and_validates():
    names = set(available_scenarios())
    assert REQUIRED <= names
    for name in names:
        scenario = genaisim.load_scenario(name)
        assert scenario.name == name
        assert scenario.description


def test_the_model_constructs_from_defaults_alone():
    model = genaisim.GenAISimModel(rng=0).run()
    assert model.month == Scenario().simulation.years * 12


def test_baseline_file_matches_the_documented_defaults():
    # The defaults in scenario.py *are* the baseline; the file only spells some out.
    loaded = genaisim.load_scenario("baseline").to_dict()
    defaults = Scenario().to_dict()
    loaded.pop("name"), loaded.pop("description"), defaults.pop("name"), defaults.pop("description")
    assert loaded == defaults


def test_a_scenario_extends_its_base_and_changes_only_what_it_lists():
    base = genaisim.load_scenario("baseline")
    owners = genaisim.load_scenario("owners_only")
    assert owners.ownership.owner_probability == 0.9
    assert owners.data == base.data
    assert owners.feedback == base.feedback


def test_with_changes_returns_a_new_validated_scenario():
    base = genaisim.load_scenario("baseline")
    changed = base.with_changes({"organisation.data_quality": 0.8, "feedback.culture": 0.9})
    assert changed.organisation.data_quality == 0.8
    assert changed.feedback.culture == 0.9
    assert base.organisation.data_quality == 0.45  # unchanged


def test_every_parameter_has_a_unit_a_range_and_help():
    infos = Scenario().parameters()
    assert [i.key for i in infos] == parameter_keys()
    for info in infos:
        assert info.help, info.key
        assert info.unit, info.key
        if info.key not in ("population.spread", "population.log_spread"):
            assert info.low is not None and info.high is not None, info.key
            assert info.low <= info.default <= info.high, info.key
        assert info.pattern, info.key
    assert set(SECTIONS) == {i.section for i in infos}


def test_a_scenario_round_trips_through_toml(tmp_path):
    scenario = genaisim.load_scenario("compounder").with_changes({"population.organisations": 3})
    path = tmp_path / "mine.toml"
    path.write_text(scenario.to_toml())
    assert genaisim.load_scenario(path) == scenario


def test_population_spread_draws_different_organisations():
    scenario = genaisim.load_scenario("population_2024").with_changes(
        {"population.organisations": 20}
    )
    model = genaisim.GenAISimModel(scenario, rng=3)
    qualities = {org.data_quality for org in model.organisations}
    assert len(qualities) == 20
    assert all(0.0 <= q <= 1.0 for q in qualities)


# -- bad input ------------------------------------------------------------------


def test_an_out_of_range_value_names_the_key_the_value_and_the_range():
    with pytest.raises(genaisim.ScenarioError) as err:
        genaisim.load_scenario("pilot_loop").with_changes({"organisation.data_quality": 2})
    message = str(err.value)
    assert "organisation.data_quality" in message
    assert "2" in message
    assert "0 to 1" in message
    assert "\n" not in message


def test_an_unknown_key_suggests_the_nearest_valid_one():
    with pytest.raises(genaisim.ScenarioError, match="did you mean 'organisation.data_quality'"):
        genaisim.load_scenario("baseline").with_changes({"organisation.data_qualty": 0.5})


def test_a_right_name_in_the_wrong_section_is_pointed_to_its_section():
    with pytest.raises(genaisim.ScenarioError, match="did you mean 'feedback.culture'"):
        genaisim.load_scenario("baseline").with_changes({"ownership.culture": 0.5})


def test_a_wrong_type_says_what_is_allowed():
    with pytest.raises(genaisim.ScenarioError, match=r"portfolio.max_open_pilots.*whole number"):
        genaisim.load_scenario("baseline").with_changes({"portfolio.max_open_pilots": "many"})


def test_an_unknown_key_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("[feedback]\ncultur = 0.5\n")
    with pytest.raises(genaisim.ScenarioError) as err:
        genaisim.load_scenario(path)
    assert str(path) in str(err.value)
    assert "feedback.culture" in str(err.value)


def test_an_unknown_section_suggests_the_nearest(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("[feedbak]\nculture = 0.5\n")
    with pytest.raises(genaisim.ScenarioError, match="unknown key 'feedbak'"):
        genaisim.load_scenario(path)


def test_malformed_toml_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[organisation]\ndata_quality = = 0.5\n")
    with pytest.raises(genaisim.ScenarioError, match=r"broken.toml: not valid TOML.*line 2"):
        genaisim.load_scenario(path)


def test_a_missing_file_and_an_unknown_name_are_reported(tmp_path):
    with pytest.raises(genaisim.ScenarioError, match="no such scenario file"):
        genaisim.load_scenario(tmp_path / "nowhere.toml")
    with pytest.raises(genaisim.ScenarioError, match="did you mean 'baseline'"):
        genaisim.load_scenario("baselin")


def test_a_base_cycle_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('base = "b"\n')
    (tmp_path / "b.toml").write_text('base = "a"\n')
    with pytest.raises(genaisim.ScenarioError, match="cycle"):
        genaisim.load_scenario(tmp_path / "a.toml")


def test_a_spread_on_an_unknown_parameter_is_refused():
    with pytest.raises(genaisim.ScenarioError, match="population.spread"):
        genaisim.load_scenario("baseline").with_changes(
            {"population.spread": {"organisation.data_qualty": 0.1}}
        )


def test_command_line_assignments_are_read_as_toml_values():
    assert parse_assignment("organisation.data_quality=0.8") == ("organisation.data_quality", 0.8)
    assert parse_assignment("portfolio.max_open_pilots = 5") == ("portfolio.max_open_pilots", 5)
    assert parse_assignment("name=mine") == ("name", "mine")
    with pytest.raises(genaisim.ScenarioError, match="KEY=VALUE"):
        parse_assignment("organisation.data_quality")


def test_shipped_scenario_files_are_plain_toml():
    for path in available_scenarios().values():
        with path.open("rb") as handle:
            assert isinstance(tomllib.load(handle), dict)


#: Words a scenario's description uses for each lever group it changes.
GROUP_WORDS = {
    "data": ("data",),
    "ownership": ("owner",),
    "measurement": ("KPI", "measure"),
    "feedback": ("feedback", "flag"),
    "model": ("model",),
    "scale": ("team", "earlier", "budget"),
    "portfolio": ("use case", "pilot"),
    "sourcing": ("vendor", "buy"),
    # Mechanism parameters change only in a calibrated scenario, which says so.
    "operations": ("calibrat",),
}


def test_each_named_scenario_changes_only_the_lever_groups_its_description_names():
    from genaisim.scenario import available_scenarios

    base = {info.key: info for info in genaisim.load_scenario("baseline").parameters()}
    for name in available_scenarios():
        scenario = genaisim.load_scenario(name)
        changed = {
            info.key
            for info in scenario.parameters()
            if info.value != base[info.key].value
            and info.section not in ("simulation", "population")
        }
        groups = {base[key].group for key in changed}
        assert groups == set(scenario.changes), (name, sorted(changed))
        for group in scenario.changes:
            words = GROUP_WORDS[group]
            assert any(w.lower() in scenario.description.lower() for w in words), (name, group)


def test_a_log_spread_draws_multipliers_around_the_scenario_value_as_median():
    from genaisim.model import GenAISimModel

    scenario = genaisim.load_scenario("baseline").with_changes(
        {"population.organisations": 400, "population.log_spread.organisation.size": 0.7}
    )
    sizes = np.array([o.size for o in GenAISimModel(scenario, rng=3).organisations])
    # log(size) ~ Normal(0, 0.7): with 400 draws the sample median of log(size) has a
    # standard error of about 1.25 * 0.7 / 20 = 0.044; 0.15 is more than three of them.
    assert abs(np.median(np.log(sizes))) < 0.15
    # and the log sd is 0.7 within 0.1 (its standard error is about 0.025)
    assert abs(np.std(np.log(sizes)) - 0.7) < 0.1
    assert sizes.min() >= 0.1 and sizes.max() <= 20.0


def test_a_key_in_both_spreads_is_refused():
    with pytest.raises(genaisim.ScenarioError, match="both spread and log_spread"):
        genaisim.load_scenario("baseline").with_changes(
            {
                "population.spread.organisation.size": 0.1,
                "population.log_spread.organisation.size": 0.5,
            }
        )
