"""Text reports of the exploratory analyses (:mod:`genaisim.explore`) for the command line."""

from __future__ import annotations

import pandas as pd

from genaisim.explore.discovery import Discovery, describe_limit
from genaisim.report_sweep import Column, _cell, _wrap, outcome_label, text_table


def _percent(value: float) -> str:
    return f"{value:.0%}"


def format_discovery(found: Discovery) -> str:
    """PRIM's trajectory, the chosen box and its limits, CART's rules, and the sentence."""
    trajectory = found.trajectory
    lines = [
        f"Scenario discovery: where does {found.condition} hold?",
        _wrap(
            f"{found.cases:,} of {found.runs:,} runs meet it ({found.base_rate:.0%}); "
            f"searched over {', '.join(found.parameters)}."
        ),
        "",
        "PRIM peeling trajectory (* the chosen box)",
    ]
    lines += text_table(
        [
            Column(
                "box",
                [
                    f"{b}{' *' if i == found.chosen else ''}"
                    for i, b in enumerate(trajectory["box"])
                ],
            )
        ],
        [
            Column("coverage", [_percent(v) for v in trajectory["coverage"]]),
            Column("density", [_percent(v) for v in trajectory["density"]]),
            Column("mass", [_percent(v) for v in trajectory["mass"]]),
            Column("restricted", [str(v) for v in trajectory["restricted"]]),
            Column("runs", [f"{v:,}" for v in trajectory["runs"]]),
        ],
    )
    limits = found.restrictions()
    lines += ["", "The chosen box (quasi-p-values: below 0.05, the restriction is supported)"]
    if limits.empty:
        lines.append(_wrap("It restricts no parameter."))
    else:
        lines += text_table(
            [Column("parameter", limits["parameter"].tolist(), right=False)],
            [
                Column("restriction", [describe_limit(r) for r in limits.itertuples()], False),
                Column("box low", [_cell(v, 3) for v in limits["low"]]),
                Column("box high", [_cell(v, 3) for v in limits["high"]]),
                Column("qp low", [f"{v:.2g}" if pd.notna(v) else "-" for v in limits["qp_low"]]),
                Column("qp high", [f"{v:.2g}" if pd.notna(v) else "-" for v in limits["qp_high"]]),
            ],
        )
    rules = found.rules.head(8)
    lines += ["", "CART: leaves where the condition is the majority"]
    if rules.empty:
        lines.append(_wrap("None: no leaf of the tree has a majority of cases of interest."))
    else:
        lines += text_table(
            [Column("rule", rules["rule"].tolist(), right=False)],
            [
                Column("coverage", [_percent(v) for v in rules["coverage"]]),
                Column("density", [_percent(v) for v in rules["density"]]),
                Column("runs", [f"{v:,}" for v in rules["runs"]]),
            ],
        )
    lines += ["", "Finding", _wrap(found.sentence())]
    return "\n".join(lines)


def format_scores(table: pd.DataFrame) -> str:
    """A :func:`genaisim.explore.feature_scores` table with a key to reading it."""
    attrs = table.attrs
    outcome = str(attrs.get("outcome", ""))
    what = "accuracy" if attrs.get("kind") == "classification" else "R\u00b2"
    lines = [
        f"Feature scores for {outcome_label(outcome)}",
        _wrap(
            f"Extremely randomised trees on {attrs.get('runs', 0):,} runs (out-of-bag {what} "
            f"{attrs.get('score', float('nan')):.2f}: how much of the outcome the parameters "
            "explain); importance with its 95% bootstrap interval; permutation: the fall in "
            f"{what} when the parameter is shuffled."
        ),
    ]
    lines += text_table(
        [Column("parameter", table["parameter"].tolist(), right=False)],
        [
            Column("importance", [_cell(v, 3) for v in table["importance"]]),
            Column("low", [_cell(v, 3) for v in table["importance_low"]]),
            Column("high", [_cell(v, 3) for v in table["importance_high"]]),
            Column("permutation", [_cell(v, 3) for v in table["permutation"]]),
            Column("± sd", [_cell(v, 3) for v in table["permutation_sd"]]),
        ],
    )
    return "\n".join(lines)


__all__ = ["format_discovery", "format_scores"]
