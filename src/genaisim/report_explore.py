"""Text reports of the exploratory analyses (:mod:`genaisim.explore`) for the command line."""

from __future__ import annotations

import pandas as pd

from genaisim.explore.discovery import Discovery, describe_limit
from genaisim.report_sweep import Column, _cell, _wrap, outcome_label, text_table


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _limit(value: float, restricts: bool) -> str:
    return _cell(value, 3) if restricts else "-"


def format_discovery(found: Discovery) -> str:
    """PRIM's trajectory, the chosen box and its limits, CART's rules, and the sentence."""
    trajectory = found.trajectory
    lines = [
        f"Scenario discovery: where does {found.condition} hold?",
        _wrap(
            f"{found.cases:,} of {found.runs:,} cases meet it ({found.base_rate:.0%}); "
            f"searched over {', '.join(found.parameters)}. A case is one organisation in "
            "one run: the organisations of a run count as separate cases."
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
            Column("cases", [f"{v:,}" for v in trajectory["runs"]]),
        ],
    )
    limits = found.restrictions()
    lines += ["", "The chosen box"]
    if limits.empty:
        lines.append(_wrap("It restricts no parameter."))
    else:
        lines.append(
            _wrap(
                "restriction: the values of the cases inside the box, as the finding quotes "
                "them; PRIM low/high: where PRIM cut, between two sampled values (- where "
                "that side is not restricted); qp: the quasi-p-value of that side's cut, "
                "below 0.05 when the data support it."
            )
        )
        lows = [_limit(v, v > r) for v, r in zip(limits["low"], limits["range_low"], strict=True)]
        highs = [
            _limit(v, v < r) for v, r in zip(limits["high"], limits["range_high"], strict=True)
        ]
        lines += text_table(
            [Column("parameter", limits["parameter"].tolist(), right=False)],
            [
                Column("restriction", [describe_limit(r) for r in limits.itertuples()], False),
                Column("PRIM low", lows),
                Column("PRIM high", highs),
                Column("qp low", [f"{v:.2g}" if pd.notna(v) else "-" for v in limits["qp_low"]]),
                Column("qp high", [f"{v:.2g}" if pd.notna(v) else "-" for v in limits["qp_high"]]),
            ],
        )
    rules = found.rules.head(8)
    lines += ["", "CART: leaves where the condition is the majority"]
    if "unsplit" in found.rules.attrs:
        lines.append(
            _wrap(
                f"The tree could not split: every leaf must hold at least "
                f"{found.rules.attrs['unsplit']:,} of the {found.runs:,} cases (--mass-min), "
                "so it is its root alone."
            )
        )
    if rules.empty:
        lines.append(_wrap("None: no leaf of the tree has a majority of cases of interest."))
    else:
        lines += text_table(
            [Column("rule", rules["rule"].tolist(), right=False)],
            [
                Column("coverage", [_percent(v) for v in rules["coverage"]]),
                Column("density", [_percent(v) for v in rules["density"]]),
                Column("cases", [f"{v:,}" for v in rules["runs"]]),
            ],
        )
    lines += ["", "Finding", _wrap(found.sentence())]
    return "\n".join(lines)


def format_scores(table: pd.DataFrame) -> str:
    """A :func:`genaisim.explore.feature_scores` table with a key to reading it."""
    attrs = table.attrs
    table = table.rename(columns={"predictor": "parameter"})
    outcome = str(attrs.get("outcome", ""))
    what = "accuracy" if attrs.get("kind") == "classification" else "R\u00b2"
    lines = [
        f"Feature scores for {outcome_label(outcome)}",
        _wrap(
            f"Extremely randomised trees on {attrs.get('runs', 0):,} cases (an organisation "
            "in a run; the organisations of one run count as separate cases; out-of-bag "
            f"{what} {attrs.get('score', float('nan')):.2f}: how much of the outcome the "
            "parameters explain); importance with its 95% bootstrap interval; permutation: "
            f"the fall in {what} when the parameter is shuffled."
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


def format_second_order(table: pd.DataFrame, outcome: str) -> str:
    """A :func:`genaisim.explore.sobol_second_order` table, strongest interaction first."""
    table = table.sort_values("S2", ascending=False)
    lines = [
        f"Second-order Sobol indices of {outcome_label(outcome)}",
        _wrap("S2: the share of variance two parameters cause together, beyond each alone."),
    ]
    lines += text_table(
        [
            Column("parameter", table["parameter"].tolist(), right=False),
            Column("with", table["other"].tolist(), right=False),
        ],
        [
            Column("S2", [_cell(v, 3) for v in table["S2"]]),
            Column("± S2", [_cell(v, 3) for v in table["S2_conf"]]),
        ],
    )
    return "\n".join(lines)


def format_convergence(table: pd.DataFrame) -> str:
    """A :func:`genaisim.explore.sobol_convergence` table, with a verdict on the full N."""
    outcome = str(table.attrs.get("outcome", ""))
    tolerance = float(table.attrs.get("tolerance", 0.05))
    sizes = sorted(table["N"].unique())
    lines = [
        f"Have the Sobol indices of {outcome_label(outcome)} converged?",
        _wrap(
            f"S1 and ST recomputed on the first {', '.join(f'N = {n}' for n in sizes)} base "
            "samples; ± is the half-width of the 95% bootstrap interval."
        ),
    ]
    wide = table.pivot(index="parameter", columns="N")
    order = list(dict.fromkeys(table["parameter"]))
    wide = wide.reindex(order)
    values = []
    for key in ("S1", "ST"):
        for n in sizes:
            values.append(Column(f"{key} N={n}", [_cell(v, 3) for v in wide[(key, n)]]))
        values.append(
            Column(
                f"± {key} N={sizes[-1]}", [_cell(v, 3) for v in wide[(f"{key}_conf", sizes[-1])]]
            )
        )
    lines += text_table([Column("parameter", order, right=False)], values)
    too_wide = table.attrs.get("too_wide", [])
    lines.append("")
    if too_wide:
        lines.append(
            _wrap(
                f"Warning: at N = {sizes[-1]} the 95% interval of {', '.join(too_wide)} is wider "
                f"than ±{tolerance:g}; the indices have not converged. Run the sweep with a "
                "larger base sample (a larger samples = N in the design), or more replications "
                "per point."
            )
        )
    else:
        lines.append(
            _wrap(
                f"Every 95% interval at N = {sizes[-1]} is within ±{tolerance:g}; if the "
                "indices also agree between the last two N, N is large enough."
            )
        )
    return "\n".join(lines)


def format_tornado(table: pd.DataFrame) -> str:
    """A :func:`genaisim.explore.tornado_table`, largest swing first."""
    outcome = str(table.attrs.get("outcome", ""))
    decimals = 0 if table["base"].abs().max() >= 100 else 2
    lines = [
        f"One factor at a time: {outcome_label(outcome)}",
        _wrap(
            f"Each parameter at its lowest and highest level, the others at the base scenario "
            f"(mean {table['base'].iloc[0]:,.{decimals}f})."
        ),
    ]
    lines += text_table(
        [Column("parameter", table["lever"].tolist(), right=False)],
        [
            Column("base value", [_cell(v) for v in table["current"]]),
            Column("low", [_cell(float(v)) for v in table["low"]]),
            Column("at low", [_cell(v, decimals) for v in table["at_low"]]),
            Column("high", [_cell(float(v)) for v in table["high"]]),
            Column("at high", [_cell(v, decimals) for v in table["at_high"]]),
            Column("swing", [_cell(v, decimals) for v in table["swing"]]),
        ],
    )
    return "\n".join(lines)


__all__ = [
    "format_convergence",
    "format_discovery",
    "format_scores",
    "format_second_order",
    "format_tornado",
]
