"""Shared by the experiment scripts: run (or resume) a sweep, write and show a table."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

from genaisim.experiments import execute, load_experiment, load_sweep, make_executor, plan
from genaisim.experiments.store import SweepResults

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"


def arguments(description: str) -> argparse.Namespace:
    """The scripts' common options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=RESULTS, help="parent folder of results")
    return parser.parse_args()


def sweep(name: str, args: argparse.Namespace) -> SweepResults:
    """Run ``experiments/<name>.toml`` into ``<out>/<name>`` (resuming if begun) and read it."""
    experiment = load_experiment(HERE / f"{name}.toml")
    folder = args.out / name
    with make_executor(workers=args.workers) as (executor, workers):
        execute(plan(experiment), folder, executor, workers=workers, progress=True)
    return load_sweep(folder)


def markdown(table: pd.DataFrame) -> str:
    """A table as GitHub markdown (numbers as pandas prints them)."""
    cells = table.astype(object).where(table.notna(), "")
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def write(table: pd.DataFrame, name: str, args: argparse.Namespace, finding: str) -> None:
    """Write the table (CSV, and markdown with the finding) beside the results; print both."""
    folder = args.out / name
    table.to_csv(folder / f"{name}.csv", index=False)
    (folder / f"{name}.md").write_text(
        f"{markdown(table)}\n\n**Finding.** {finding[0].upper()}{finding[1:]}\n", encoding="utf-8"
    )
    print(table.to_string(index=False))
    print(f"\n(tables written to {folder / name}.csv and .md)")
    print(f"\nFinding: {finding}")
