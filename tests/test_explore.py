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
        ("value", "is not true or false for each case"),
        ('label == "compunding"', "no label 'compunding'"),
        ("value > 100", "holds for no case"),
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
    with pytest.raises(ExperimentError, match="is 1 for every case"):
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
    assert "Wrote 48 cases" in capsys.readouterr().out
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


# -- small sweeps, extreme settings and what the finding says ----------------------------
def test_discover_on_a_dozen_cases_gives_a_finding_not_a_traceback():
    found = discover(planted(runs=12, seed=1), "value > 2")
    assert found.runs == 12
    assert found.sentence()


def test_a_tiny_mass_min_still_gives_cart_leaves_of_at_least_one_case():
    found = discover(planted(runs=400), "compounding", mass_min=0.001)
    assert not found.rules.empty
    assert (found.rules["runs"] >= 1).all()


def test_a_mass_min_too_large_to_split_leaves_cart_at_its_root():
    found = discover(planted(runs=400), "value > 1", mass_min=0.9)
    assert found.rules.attrs["unsplit"] == 360
    assert len(found.rules) <= 1
    from genaisim.report_explore import format_discovery

    assert "The tree could not split" in format_discovery(found)


@pytest.mark.parametrize(("runs", "mass_min"), [(12, 0.05), (400, 0.001), (400, 0.9)])
def test_cart_rules_have_leaves_of_at_least_one_case_however_few_cases(runs, mass_min):
    from genaisim.explore.discovery import _cart_rules, _workbench

    table = planted(runs=runs, seed=2)
    x = table[list(PARAMETERS)].astype(float)
    y = (table["value"] > 2).to_numpy()
    rules = _cart_rules(_workbench()[1], x, y, mass_min)
    assert list(rules.columns) == ["rule", "coverage", "density", "mass", "runs"]


def _limits_row(**values):
    row = {
        "parameter": "owner_probability",
        "low": 0.55,
        "high": 1.0,
        "inside_low": 0.6,
        "inside_high": 1.0,
        "range_low": 0.0,
        "range_high": 1.0,
        "restricted": True,
        "qp_low": 0.001,
        "qp_high": np.nan,
    }
    return {**row, **values}


def test_only_the_restricted_side_decides_whether_a_restriction_is_significant():
    from genaisim.explore.discovery import is_weak

    def weak(**values):
        return is_weak(pd.DataFrame([_limits_row(**values)]).iloc[0])

    assert not weak(qp_high=0.9)  # one-sided: the upper side's value does not count
    assert weak(qp_low=0.3)
    assert weak(high=0.8, qp_high=0.3)  # two-sided: either side can be weak
    assert not weak(high=0.8, qp_high=0.01)


def test_a_significant_one_sided_restriction_is_not_called_not_significant():
    found = discover(planted(), "compounding")
    limits = found.limits.set_index("parameter")
    # owner probability is restricted from below only: no quasi-p on its upper side.
    assert np.isnan(limits.loc["owner_probability", "qp_high"])
    found.limits.loc[found.limits["parameter"] == "owner_probability", "qp_high"] = 0.9
    assert "not significant" not in found.sentence()


def test_the_table_labels_prims_cuts_apart_from_the_values_the_finding_quotes():
    from genaisim.report_explore import format_discovery

    found = discover(planted(), "compounding")
    text = format_discovery(found)
    assert "PRIM low" in text and "PRIM high" in text and "box low" not in text
    assert "the values of the cases inside the box, as the finding quotes" in text
    row = found.restrictions().set_index("parameter").loc["owner_probability"]
    assert f"owner probability \u2265 {row['inside_low']:.3g}" in found.sentence()


def test_the_box_chart_bar_spans_the_values_its_label_quotes():
    from genaisim.charts.explore import box_limits

    found = discover(planted(), "compounding")
    spec = box_limits(found).to_dict()
    rows = next(iter(spec["datasets"].values()))
    owner = next(r for r in rows if r["parameter"] == "owner_probability")
    assert owner["low_share"] == pytest.approx(owner["inside_low"])  # range 0..1
    assert owner["text"].startswith("owner probability \u2265 0.6")


def test_the_peeling_subtitle_says_how_the_box_was_chosen():
    from genaisim.charts.explore import peeling_trajectory

    noisy = planted(runs=300, seed=5)
    # Three in ten cases lose their label: no box can be 95% compounding.
    lost = np.random.default_rng(1).random(len(noisy)) < 0.3
    noisy["label"] = np.where(lost, "pilot loop", noisy["label"])
    found = discover(noisy, "compounding", min_density=0.95)
    assert found.box["density"] < 0.95
    subtitle = " ".join(peeling_trajectory(found).to_dict()["title"]["subtitle"])
    assert "no box reached a density of 95%" in subtitle
    assert "highest coverage with density" not in subtitle
    found = discover(planted(), "compounding")
    subtitle = " ".join(peeling_trajectory(found).to_dict()["title"]["subtitle"])
    assert "highest coverage with density \u2265 80%" in subtitle


def test_discover_counts_cases_and_says_what_a_case_is(tiny_sweep, capsys):
    median = load_sweep(tiny_sweep).runs["cumulative_net_value"].median()
    assert main(["discover", str(tiny_sweep), "--where", f"cumulative_net_value > {median}"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "of 48 cases meet it" in printed
    assert "the organisations of a run count as separate cases" in printed


@pytest.mark.parametrize("mass_min", ["0.001", "0.9"])
def test_discover_with_an_extreme_mass_min_prints_a_finding(tiny_sweep, capsys, mass_min):
    median = load_sweep(tiny_sweep).runs["cumulative_net_value"].median()
    where = f"cumulative_net_value > {median}"
    assert main(["discover", str(tiny_sweep), "--where", where, "--mass-min", mass_min]) == 0
    assert "Finding" in capsys.readouterr().out
