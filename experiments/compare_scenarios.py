"""Compare the named scenarios side by side: the article's patterns in one table.

    .venv/bin/python experiments/compare_scenarios.py                # all shipped scenarios
    .venv/bin/python experiments/compare_scenarios.py -r 50 --out results/compare.csv
    .venv/bin/python experiments/compare_scenarios.py baseline owners_only data_first

For each scenario it runs the replications and reports the mean (with a 95%
confidence interval over replications) of cumulative net value, net value in the
final year, pilots started, systems in production at the end, and the share of
trajectories labelled compounding and pilot loop.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import genaisim
from genaisim.intervals import replication_interval
from genaisim.labels import COMPOUNDING, PILOT_LOOP

DEFAULT = (
    "baseline",
    "compounder",
    "pilot_loop",
    "data_first",
    "owners_only",
    "measure_first",
    "feedback_without_culture",
    "early_big_spender",
    "better_model_only",
)


def mean_ci(summary: pd.DataFrame, column: str) -> tuple[float, float]:
    """Mean and half-width of the 95% interval, the replication as the unit."""
    mean, low, high = replication_interval(summary, column)
    return mean, (high - low) / 2


def compare(names: list[str], replications: int, seed: int) -> pd.DataFrame:
    """One row per scenario with the headline outcomes."""
    rows = []
    for name in names:
        summary = genaisim.simulate(name, replications=replications, seed=seed).summary()
        row: dict[str, object] = {"scenario": name}
        for column in (
            "cumulative_net_value",
            "net_value_last_year",
            "pilots_started",
            "production",
        ):
            mean, half = mean_ci(summary, column)
            row[column] = mean
            row[f"{column}_ci95"] = half
        shares = summary["label"].value_counts(normalize=True)
        row["share_compounding"] = shares.get(COMPOUNDING, 0.0)
        row["share_pilot_loop"] = shares.get(PILOT_LOOP, 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", default=list(DEFAULT), help="scenario names")
    parser.add_argument("-r", "--replications", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, help="also write the table as CSV here")
    args = parser.parse_args()
    table = compare(args.scenarios, args.replications, args.seed)
    shown = table[
        [
            "scenario",
            "cumulative_net_value",
            "net_value_last_year",
            "pilots_started",
            "production",
            "share_compounding",
            "share_pilot_loop",
        ]
    ]
    print(shown.round(2).to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
        print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
