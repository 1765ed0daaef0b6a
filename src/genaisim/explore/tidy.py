"""One tidy table of a sweep: a row per run, its parameters beside its outcomes.

A sweep's folder keeps parameters (``plan/points.parquet``), runs (``plan/runs.parquet``)
and results (``runs/part-*.parquet``) apart, and its parameter columns carry dotted keys
(``ownership.owner_probability``). :func:`wide_table` joins them into one table whose
parameter columns have plain names (``owner_probability``), so a SQL user needs no
quoting and a dataframe user no join:

    >>> from genaisim.experiments import load_sweep
    >>> from genaisim.explore import wide_table
    >>> table = wide_table(load_sweep("results/discover_compounding"))   # doctest: +SKIP
    >>> table.attrs["parameters"]          # plain name -> scenario key  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from genaisim.experiments import ExperimentError, SweepResults
from genaisim.files import write_atomically
from genaisim.scenario import parameter_keys

#: Columns of the runs table that identify a run rather than describe its outcome.
IDENTITY = ("point", "replication", "organisation", "seed", "run_id")


def plain_names(keys: list[str], taken: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """A plain column name for each dotted key: its last part, or ``section_key`` if shared.

    A last part that two keys share, or that is already a column in ``taken`` (an
    outcome, say), gets its section as a prefix instead, so no two columns collide.
    """
    last = [key.rsplit(".", 1)[-1] for key in keys]
    names = {}
    for key, short in zip(keys, last, strict=True):
        clash = last.count(short) > 1 or short in taken
        names[key] = key.replace(".", "_") if clash else short
    return names


def parameter_columns(results: SweepResults) -> list[str]:
    """The points table's columns that are scenario parameters, in design order."""
    known = set(parameter_keys())
    return [c for c in results.points.columns if c in known]


def wide_table(results: SweepResults) -> pd.DataFrame:
    """One row per run and organisation: identity, design labels, parameters, label, outcomes.

    Columns, in order: ``point``, ``replication``, ``organisation``, ``seed``; any
    design labels (factor levels, a point's name); every parameter the design varies
    under its plain name (see :func:`plain_names`); ``label``; the final outcomes;
    ``run_id``. ``attrs["parameters"]`` maps each plain name to its scenario key.

    Raises:
        ExperimentError: the sweep has no results yet.

    """
    runs = results.runs
    if runs.empty:
        raise ExperimentError(f"{results.path}: no runs have results yet")
    keys = parameter_columns(results)
    design_labels = [c for c in results.points.columns if c not in keys and c != "point"]
    outcomes = [c for c in runs.columns if c not in (*IDENTITY, *keys, *design_labels, "label")]
    names = plain_names(keys, taken=set(runs.columns) - set(keys))
    table = runs[
        [
            "point",
            "replication",
            "organisation",
            "seed",
            *design_labels,
            *keys,
            "label",
            *outcomes,
            "run_id",
        ]
    ].rename(columns=names)
    table.attrs["parameters"] = {plain: key for key, plain in names.items()}
    return table.reset_index(drop=True)


def export_wide(results: SweepResults, path: str | Path) -> Path:
    """Write :func:`wide_table` to ``path`` as Parquet (or CSV for a ``.csv`` name).

    The Parquet file keeps the plain-name-to-key mapping in its metadata
    (``attrs``); both are written atomically: an interrupted export leaves no half file.
    """
    path = Path(path)
    table = wide_table(results)
    if path.suffix.lower() == ".csv":
        write_atomically(path, lambda tmp: table.to_csv(tmp, index=False))
    else:
        write_atomically(path, lambda tmp: table.to_parquet(tmp, index=False))
    return path


__all__ = ["export_wide", "parameter_columns", "plain_names", "wide_table"]
