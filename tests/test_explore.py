"""Exploratory analysis: scenario discovery, feature scoring and the tidy export.

The methods are checked on planted problems (synthetic runs whose answer is known by
construction), the commands on one tiny real sweep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genaisim.cli import main
from genaisim.experiments import (
    ExperimentError,
    execute,
    experiment_from_dict,
    load_sweep,
    plan,
)
from genaisim.explore import discover, evaluate, feature_scores, plain_names, wide_table

#: The planted problems' parameters take these values: a grid of step 0.1.
GRID = np.round(np.linspace(0, 1, 11), 2)
STEP = 0.1
#: The planted box: compounding exactly when owner ≥ 0.6 and 0.3 ≤ data ≤ 0.8.
OWNER_LOW, DATA_LOW, DATA_HIGH = 0.6, 0.3, 0.8
PARAMETERS = ("owner_probability", "data_quality", "irrelevant")


def planted(runs: int = 1500, seed: int = 3) -> pd.DataFrame:
    """Runs on the grid; the label is compounding exactly inside the planted box."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({name: rng.choice(GRID, runs) for name in PARAMETERS})
    inside = (table["owner_probability"] >= OWNER_LOW) & table["data_quality"].between(
        DATA_LOW, DATA_HIGH
    )
    table["label"] = np.where(inside, "compounding", "pilot loop")
    # A value with a strong, a weaker and no dependence on the three parameters, plus noise.
    table["value"] = (
        3 * table["owner_probability"] + table["data_quality"] + rng.normal(0, 0.1, runs)
    )
    table.attrs["parameters"] = {name: name for name in PARAMETERS}
    return table


# -- scenario discovery ----------------------------------------------------------------
def test_prim_recovers_a_planted_box_within_one_grid_step():
    found = discover(planted(), 'label == "compounding"')
    limits = found.limits.set_index("parameter")
    # The box may cut anywhere between two grid values, so its limits are within one
    # step of the planted ones; the runs inside it sit exactly on the planted limits.
    assert abs(limits.loc["owner_probability", "low"] - OWNER_LOW) <= STEP
    assert abs(limits.loc["data_quality", "low"] - DATA_LOW) <= STEP
    assert abs(limits.loc["data_quality", "high"] - DATA_HIGH) <= STEP
    assert limits.loc["owner_probability", "inside_low"] == OWNER_LOW
    assert limits.loc["data_quality", "inside_low"] == DATA_LOW
    assert limits.loc["data_quality", "inside_high"] == DATA_HIGH
    assert limits.loc["owner_probability", "high"] == 1.0
    assert not limits.loc["irrelevant", "restricted"]
    # Noise-free: the chosen box holds every case and nothing else.
    assert found.box["coverage"] == 1.0 and found.box["density"] == 1.0
    assert limits.loc["owner_probability", "qp_low"] < 0.05


def test_the_finding_names_the_restrictions_coverage_and_density_in_words():
    found = discover(planted(), "compounding")  # a bare label means label == "compounding"
    sentence = found.sentence()
    assert sentence.startswith("100% of compounding organisations have ")
    assert "owner probability \u2265 0.6" in sentence
    assert "data quality between 0.3 and 0.8" in sentence
    assert "100% of organisations in that box are compounding" in sentence
    assert "irrelevant" not in sentence


def test_cart_finds_the_planted_box_as_a_pure_leaf():
    found = discover(planted(), "compounding")
    best = found.rules.iloc[0]
    assert best["density"] == 1.0 and best["coverage"] == 1.0
    assert "owner probability" in best["rule"] and "irrelevant" not in best["rule"]


def test_the_chosen_box_trades_coverage_for_the_required_density():
    found = discover(
        planted(runs=800, seed=4).assign(
            # Flip a tenth of the labels so that no box is pure.
            label=lambda t: np.where(
                np.random.default_rng(9).random(len(t)) < 0.1,
                np.where(t["label"] == "compounding", "pilot loop", "compounding"),
                t["label"],
            )
        ),
        "compounding",
        min_density=0.75,
    )
    trajectory = found.trajectory
    assert found.box["density"] >= 0.75
    dense = trajectory[trajectory["density"] >= 0.75]
    assert found.box["coverage"] == dense["coverage"].max()


def test_a_threshold_on_an_outcome_is_a_condition_too():
    table = planted()
    found = discover(table, "value > 3")
    restricted = set(found.restrictions()["parameter"])
    assert "owner_probability" in restricted and "irrelevant" not in restricted


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("nonsense > 1", "'nonsense' is not defined"),
        ("value >", "is not a valid expression"),
        ("value", "is not true or false for each run"),
        ('label == "compunding"', "no label 'compunding'"),
        ("value > 100", "holds for no run"),
    ],
)
def test_a_bad_condition_is_one_readable_error(condition, fragment):
    with pytest.raises(ExperimentError) as error:
        discover(planted(runs=200), condition)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


# -- feature scoring -------------------------------------------------------------------
@pytest.mark.parametrize("outcome", ["value", "compounding"])
def test_feature_scores_rank_a_planted_irrelevant_parameter_last(outcome):
    table = feature_scores(planted(), outcome, seed=1, trees=50, bootstraps=5, shuffles=3)
    assert table["parameter"].iloc[-1] == "irrelevant"
    irrelevant = table.set_index("parameter").loc["irrelevant"]
    relevant = table[table["parameter"] != "irrelevant"]
    # The irrelevant parameter's whole bootstrap interval lies below the weakest relevant
    # parameter's estimate: a ranking that noise could not produce.
    assert irrelevant["importance_high"] < relevant["importance"].min()
    assert irrelevant["permutation"] < relevant["permutation"].min()
    assert table.attrs["kind"] == ("classification" if outcome == "compounding" else "regression")


def test_feature_scores_are_reproducible_with_a_seed():
    first = feature_scores(planted(runs=300), "value", seed=4, trees=20, bootstraps=3)
    again = feature_scores(planted(runs=300), "value", seed=4, trees=20, bootstraps=3)
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_feature_scores_refuse_an_outcome_that_does_not_vary():
    with pytest.raises(ExperimentError, match="is 1 for every run"):
        feature_scores(planted(runs=100).assign(value=1.0), "value")


def test_the_condition_evaluates_per_run():
    table = planted(runs=50)
    expected = (table["label"] == "compounding").to_numpy()
    assert (evaluate(table, "compounding") == expected).all()


# -- the tidy table and the commands on a real sweep -----------------------------------
def test_plain_names_use_the_last_part_unless_two_keys_or_a_column_share_it():
    names = plain_names(
        ["ownership.owner_probability", "organisation.data_quality", "a.tooling", "b.tooling"],
        taken={"data_quality"},
    )
    assert names == {
        "ownership.owner_probability": "owner_probability",
        "organisation.data_quality": "organisation_data_quality",
        "a.tooling": "a_tooling",
        "b.tooling": "b_tooling",
    }


TINY_LHS = {
    "name": "tiny_lhs",
    "replications": 2,
    "years": 1,
    "seed": 5,
    "design": {
        "kind": "lhs",
        "samples": 24,
        "parameters": {
            "ownership.owner_probability": [0.0, 1.0],
            "portfolio.pilot_appetite": [1.0, 12.0],
        },
    },
}


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lhs") / "tiny_lhs"
    execute(plan(experiment_from_dict(TINY_LHS)), folder)
    return folder


def test_the_wide_table_has_one_row_per_run_with_plain_parameter_names(tiny_sweep):
    results = load_sweep(tiny_sweep)
    table = wide_table(results)
    assert len(table) == 24 * 2
    assert not [c for c in table.columns if "." in c]
    assert table.attrs["parameters"] == {
        "owner_probability": "ownership.owner_probability",
        "pilot_appetite": "portfolio.pilot_appetite",
    }
    joined = results.runs.set_index("run_id")
    by_run = table.set_index("run_id")
    assert (
        by_run["owner_probability"] == joined.loc[by_run.index, "ownership.owner_probability"]
    ).all()
    assert (
        by_run["cumulative_net_value"] == joined.loc[by_run.index, "cumulative_net_value"]
    ).all()


def test_export_wide_writes_a_parquet_file_readable_without_joins(tiny_sweep, tmp_path, capsys):
    out = tmp_path / "runs.parquet"
    assert main(["export", str(tiny_sweep), "--wide", str(out)]) == 0
    assert "Wrote 48 runs" in capsys.readouterr().out
    table = pd.read_parquet(out)
    assert {"owner_probability", "pilot_appetite", "seed", "label", "production"} <= set(
        table.columns
    )
    assert len(table) == 48


def test_discover_on_a_real_sweep_writes_tables_charts_and_a_sentence(tiny_sweep, tmp_path, capsys):
    median = load_sweep(tiny_sweep).runs["cumulative_net_value"].median()
    out = tmp_path / "found"
    status = main(
        [
            "discover",
            str(tiny_sweep),
            "--where",
            f"cumulative_net_value > {median}",
            "--out",
            str(out),
            "--format",
            "svg",
        ]
    )
    printed = capsys.readouterr().out
    assert status == 0
    assert "PRIM peeling trajectory" in printed and "Finding" in printed
    for name in (
        "peeling_trajectory.csv",
        "box_limits.csv",
        "cart_rules.csv",
        "finding.txt",
        "peeling_trajectory.svg",
        "box_limits.svg",
    ):
        assert (out / name).stat().st_size > 0, name
    assert "of organisations with cumulative_net_value >" in (out / "finding.txt").read_text()


def test_discover_with_an_unknown_column_exits_2_with_one_line(tiny_sweep, capsys):
    status = main(["discover", str(tiny_sweep), "--where", "profit > 0"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("genaisim: error: condition 'profit > 0'")
    assert len(err.strip().splitlines()) == 1


def test_analyse_scores_prints_the_importance_of_each_parameter(tiny_sweep, capsys):
    assert main(["analyse", str(tiny_sweep), "--scores", "--outcome", "pilots_started"]) == 0
    printed = capsys.readouterr().out
    assert "Feature scores for" in printed
    assert "owner_probability" in printed and "pilot_appetite" in printed
