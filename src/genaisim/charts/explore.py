"""Charts of exploratory analyses: scenario discovery, feature scores, sensitivity checks.

Each takes the table or object the analysis returns (:mod:`genaisim.explore`,
:mod:`genaisim.analysis`), so the numbers on a chart are the numbers the command line
prints, and returns an Altair chart styled for a slide.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from genaisim.charts.theme import GREY, HEIGHT, OKABE_ITO, WIDTH, styled
from genaisim.explore.discovery import Discovery


def _source(found: Discovery) -> str:
    """The source line of a discovery on a sweep: experiment, runs, seed, version."""
    manifest = found.source.get("manifest")
    if not manifest:
        return f"{found.runs:,} runs"
    return (
        f"Experiment: {manifest.get('name', '?')} \u00b7 {found.runs:,} runs "
        f"({manifest.get('replications', '?')} replications per design point) \u00b7 "
        f"seed {manifest.get('seed', '?')} \u00b7 genaisim {manifest.get('genaisim_version', '?')}"
    )


def peeling_trajectory(found: Discovery) -> alt.LayerChart:
    """PRIM's boxes as coverage against density, coloured by restricted dimensions."""
    table = found.trajectory.assign(
        chosen=lambda t: t.index == found.chosen,
        dimensions=lambda t: t["restricted"].astype(str),
    )
    box = found.box
    base = alt.Chart(table).encode(
        x=alt.X(
            "coverage:Q",
            title="Coverage (share of all cases of interest inside the box)",
            axis=alt.Axis(format=".0%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        y=alt.Y(
            "density:Q",
            title="Density (share of the box that are cases)",
            axis=alt.Axis(format=".0%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
    )
    line = base.mark_line(color=GREY, strokeWidth=1.5)
    points = base.mark_circle(size=160, opacity=1).encode(
        color=alt.Color(
            "dimensions:O",
            title="Restricted parameters",
            scale=alt.Scale(range=list(OKABE_ITO)),
        ),
        tooltip=["box", "coverage", "density", "mass", "restricted"],
    )
    chosen = (
        alt.Chart(table[table["chosen"]])
        .mark_point(size=700, shape="circle", color="#222222", strokeWidth=2.5, filled=False)
        .encode(x="coverage:Q", y="density:Q")
    )
    rule = (
        alt.Chart(pd.DataFrame({"density": [found.min_density]}))
        .mark_rule(strokeDash=[6, 4], color=GREY)
        .encode(y="density:Q")
    )
    chart = alt.layer(line, rule, points, chosen).properties(width=WIDTH - 280, height=HEIGHT - 200)
    title = (
        f"The chosen box holds {box['coverage']:.0%} of the cases at a density of "
        f"{box['density']:.0%}"
    )
    subtitle = [
        f"PRIM's peeling trajectory for: {found.condition}; circled: the chosen box "
        f"(highest coverage with density \u2265 {found.min_density:.0%}, dashed).",
        _source(found),
    ]
    return styled(chart, title, subtitle)


def box_limits(found: Discovery) -> alt.LayerChart:
    """The chosen box's limits on each restricted parameter, against its whole range."""
    limits = found.restrictions()
    if limits.empty:
        limits = found.limits
    span = (limits["range_high"] - limits["range_low"]).where(lambda s: s > 0, 1.0)
    table = limits.assign(
        name=limits["parameter"].str.replace("_", " "),
        low_share=(limits["low"] - limits["range_low"]) / span,
        high_share=(limits["high"] - limits["range_low"]) / span,
        text=[
            f"{row.inside_low:.3g} \u2013 {row.inside_high:.3g}  (qp {_qp(row)})"
            for row in limits.itertuples()
        ],
    )
    order = table["name"].tolist()
    y = alt.Y("name:N", title=None, sort=order)
    whole = (
        alt.Chart(table)
        .mark_bar(color="#E6E6E6", height=26)
        .encode(y=y, x=alt.datum(0), x2=alt.datum(1))
    )
    inside = (
        alt.Chart(table)
        .mark_bar(color=OKABE_ITO[0], height=26)
        .encode(
            y=y,
            x=alt.X(
                "low_share:Q",
                title="Position within the parameter's sampled range (0 = lowest, 1 = highest)",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%"),
            ),
            x2="high_share:Q",
        )
    )
    labels = (
        alt.Chart(table)
        .mark_text(align="left", dx=6, fontSize=14)
        .encode(y=y, x="high_share:Q", text="text:N")
    )
    chart = alt.layer(whole, inside, labels).properties(
        width=WIDTH - 320, height=max(120, 70 * len(table))
    )
    return styled(chart, found.sentence().split(";")[0], [_box_subtitle(found), _source(found)])


def _qp(row: Any) -> str:
    values = [v for v in (row.qp_low, row.qp_high) if pd.notna(v)]
    return f"{max(values):.1g}" if values else "\u2013"


def _box_subtitle(found: Discovery) -> str:
    box = found.box
    return (
        f"Blue: the chosen PRIM box for {found.condition} (coverage {box['coverage']:.0%}, "
        f"density {box['density']:.0%}); grey: the range sampled; qp: quasi-p-value."
    )


def feature_scores(table: pd.DataFrame, source: str = "") -> alt.LayerChart:
    """Extra-trees importance per parameter with its bootstrap interval, largest first."""
    data = table.assign(name=table["parameter"].str.replace("_", " "))
    order = data["name"].tolist()
    base = alt.Chart(data).encode(y=alt.Y("name:N", title=None, sort=order))
    bars = base.mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X("importance:Q", title="Extra-trees importance (share, 95% bootstrap interval)"),
        tooltip=["parameter", "importance", "permutation", "permutation_sd"],
    )
    errors = base.mark_rule(color="#222222", strokeWidth=1.5).encode(
        x="importance_low:Q", x2="importance_high:Q"
    )
    chart = alt.layer(bars, errors).properties(width=WIDTH - 300, height=max(160, 48 * len(data)))
    attrs = table.attrs
    outcome = str(attrs.get("outcome", "the outcome")).replace("_", " ")
    top = data.iloc[0]
    title = f"{top['name'].capitalize()} matters most for {outcome}"
    if len(data) > 1:
        title += f" ({top['importance']:.0%}; next: {data.iloc[1]['name']} "
        title += f"{data.iloc[1]['importance']:.0%})"
    what = "accuracy" if attrs.get("kind") == "classification" else "R\u00b2"
    subtitle = [
        f"Extremely randomised trees on {attrs.get('runs', 0):,} runs; out-of-bag {what} "
        f"{attrs.get('score', float('nan')):.2f}.",
    ]
    if source:
        subtitle.append(source)
    return styled(chart, title, subtitle)


__all__ = ["box_limits", "feature_scores", "peeling_trajectory"]
