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
from genaisim.explore.discovery import Discovery, describe_limit
from genaisim.explore.sensitivity import TOLERANCE
from genaisim.explore.tidy import plain_names


def _source(found: Discovery) -> str:
    """The source line of a discovery on a sweep: experiment, runs, seed, version."""
    manifest = found.source.get("manifest")
    cases = f"{found.runs:,} cases (organisation \u00d7 run)"
    if not manifest:
        return cases
    return (
        f"Experiment: {manifest.get('name', '?')} \u00b7 {cases}, "
        f"{_replications(manifest)} per design point \u00b7 "
        f"seed {manifest.get('seed', '?')} \u00b7 genaisim {manifest.get('genaisim_version', '?')}"
    )


def _replications(manifest: dict[str, Any]) -> str:
    """Replications per design point, as a range when an adaptive sweep varied them."""
    adaptive = manifest.get("adaptive")
    counts = adaptive.get("replications") if isinstance(adaptive, dict) else None
    low, high = (min(counts), max(counts)) if counts else (manifest.get("replications"),) * 2
    if low is None:
        return "? replications"
    if low != high:
        return f"{low}\u2013{high} replications"
    return f"{low} replication{'' if low == 1 else 's'}"


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
    if box["density"] >= found.min_density - 1e-12:
        how = f"the highest coverage with density \u2265 {found.min_density:.0%}, dashed"
    else:
        how = f"no box reached a density of {found.min_density:.0%} (dashed): the densest"
    subtitle = [
        f"PRIM's peeling trajectory for: {found.condition}; circled: the chosen box ({how}).",
        _source(found),
    ]
    return styled(chart, title, subtitle)


def box_limits(found: Discovery) -> alt.LayerChart:
    """The chosen box's limits on each restricted parameter, against its whole range."""
    limits = found.restrictions()
    if limits.empty:
        limits = found.limits
    span = (limits["range_high"] - limits["range_low"]).where(lambda s: s > 0, 1.0)
    # The bar and its label describe the same thing, as the finding quotes it: the values
    # of the cases inside the box (PRIM's own cuts lie between sampled values).
    table = limits.assign(
        name=limits["parameter"].str.replace("_", " "),
        low_share=(limits["inside_low"] - limits["range_low"]) / span,
        high_share=(limits["inside_high"] - limits["range_low"]) / span,
        text=[f"{describe_limit(row)}  (qp {_qp(row)})" for row in limits.itertuples()],
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
    """The quasi-p-value of the side(s) the box restricts (the larger, for two)."""
    values = [v for v in (row.qp_low, row.qp_high) if pd.notna(v)]
    return f"{max(values):.1g}" if values else "\u2013"


def _box_subtitle(found: Discovery) -> str:
    box = found.box
    return (
        f"Blue: the values of the cases inside the chosen PRIM box for {found.condition} "
        f"(coverage {box['coverage']:.0%}, density {box['density']:.0%}); grey: the range "
        "sampled; qp: quasi-p-value of the restricted side(s)."
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
        f"Extremely randomised trees on {attrs.get('runs', 0):,} cases (organisation \u00d7 "
        f"run); out-of-bag {what} "
        f"{attrs.get('score', float('nan')):.2f}.",
    ]
    if source:
        subtitle.append(source)
    return styled(chart, title, subtitle)


def tornado_bars(table: pd.DataFrame, outcome_label: str = "cumulative net value (k)") -> alt.Chart:
    """Tornado bars: the change from the base mean with each lever at its low and high end.

    ``table`` is a tornado table: from a sweep of kind ``oat``
    (:func:`genaisim.explore.tornado_table`) or from the app's own runs; unstyled, so the
    app can give it the page's width.
    """
    long = pd.concat(
        [
            table.assign(end="low end", value=table["at_low"] - table["base"]),
            table.assign(end="high end", value=table["at_high"] - table["base"]),
        ]
    )
    order = list(table["lever"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=f"change in mean {outcome_label} from the current scenario"),
            y=alt.Y("lever:N", sort=order, title=None),
            color=alt.Color(
                "end:N",
                title=None,
                scale=alt.Scale(domain=["low end", "high end"], range=[OKABE_ITO[5], OKABE_ITO[0]]),
            ),
            tooltip=["lever", "end", "low", "high", alt.Tooltip("value:Q", format=",.1f")],
        )
        .properties(height=30 * len(order) + 40)
    )


def tornado(table: pd.DataFrame, source: str = "") -> alt.Chart:
    """The tornado for a slide: the widest swing in the title."""
    outcome = str(table.attrs.get("outcome", "cumulative_net_value"))
    label = outcome.replace("_", " ")
    top = table.iloc[0]
    title = (
        f"{top['lever']} swings mean {label} by {top['swing']:,.0f} from "
        f"{top['low']:g} to {top['high']:g}"
    )
    chart = tornado_bars(table, label).properties(
        width=WIDTH - 380, height=max(160, 44 * len(table))
    )
    subtitle = ["One factor at a time around the base scenario; bars: change from its mean."]
    if source:
        subtitle.append(source)
    return styled(chart, title, subtitle)


def morris(table: pd.DataFrame, outcome: str, source: str = "") -> alt.LayerChart:
    """Morris screening: mean absolute effect (μ*) against its spread (σ), one point each."""
    data = table.assign(name=table["parameter"].astype(str))
    base = alt.Chart(data).encode(
        x=alt.X("mu_star:Q", title="\u03bc* (mean absolute elementary effect)"),
        y=alt.Y("sigma:Q", title="\u03c3 (spread: non-linearity or interactions)"),
    )
    points = base.mark_circle(size=180, color=OKABE_ITO[0], opacity=1).encode(
        tooltip=["parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    )
    errors = (
        base.mark_rule(color=GREY)
        .encode(x=alt.X("low:Q"), x2="high:Q")
        .transform_calculate(
            low="datum.mu_star - datum.mu_star_conf", high="datum.mu_star + datum.mu_star_conf"
        )
    )
    labels = base.mark_text(align="left", dx=10, dy=-8, fontSize=14).encode(text="name:N")
    chart = alt.layer(errors, points, labels).properties(width=WIDTH - 200, height=HEIGHT - 200)
    top = data.sort_values("mu_star", ascending=False).iloc[0]
    title = f"{top['name'].capitalize()} has the largest effect on {outcome.replace('_', ' ')}"
    subtitle = [
        "Morris screening (SALib); far right: influential; high: acts non-linearly or "
        "through interactions; grey: 95% interval of \u03bc*.",
    ]
    if source:
        subtitle.append(source)
    return styled(chart, title, subtitle)


def interactions(table: pd.DataFrame, outcome: str, source: str = "") -> alt.LayerChart:
    """Second-order Sobol indices as a heat map over pairs of parameters.

    The colour scale diverges from 0: an index is an estimate, and one within its
    interval of 0 (negative ones included) shows no interaction. Each cell gives the
    index with the half-width of its 95% interval.
    """
    plain = plain_names(list(dict.fromkeys([*table["parameter"], *table["other"]])))
    data = table.assign(
        parameter=table["parameter"].map(lambda n: plain[n].replace("_", " ")),
        other=table["other"].map(lambda n: plain[n].replace("_", " ")),
        text=[
            f"{v:.2f} \u00b1 {c:.2f}" for v, c in zip(table["S2"], table["S2_conf"], strict=True)
        ],
    )
    largest = float(data["S2"].abs().max()) or 1.0
    base = alt.Chart(data).encode(
        x=alt.X("other:N", title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("parameter:N", title=None),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "S2:Q",
            title="S2",
            scale=alt.Scale(scheme="blueorange", domain=[-largest, largest], domainMid=0),
        ),
        tooltip=["parameter", "other", "S2", "S2_conf"],
    )
    text = base.mark_text(fontSize=16).encode(text="text:N")
    chart = alt.layer(cells, text).properties(width=WIDTH - 400, height=HEIGHT - 220)
    top = data.sort_values("S2", ascending=False).iloc[0]
    title = (
        f"The strongest interaction, {top['parameter']} \u00d7 {top['other']}, explains "
        f"{top['S2']:.0%} of the variance in {outcome.replace('_', ' ')}"
    )
    subtitle = [
        "Second-order Sobol indices (SALib): variance two parameters cause together; "
        "each cell: S2 \u00b1 half-width of its 95% interval; colours diverge from 0 "
        "(an index within its \u00b1 of 0 shows no interaction).",
    ]
    if source:
        subtitle.append(source)
    return styled(chart, title, subtitle)


def convergence(table: pd.DataFrame, source: str = "") -> alt.FacetChart:
    """Sobol S1 and ST at N/4, N/2 and N: flat lines with narrow bars have converged."""
    long = pd.concat(
        [
            table.assign(
                index=name,
                value=table[key],
                low=table[key] - table[f"{key}_conf"],
                high=table[key] + table[f"{key}_conf"],
            )
            for key, name in (("S1", "first order (S1)"), ("ST", "total (ST)"))
        ]
    )
    base = alt.Chart().encode(
        x=alt.X("N:O", title="Base sample N", axis=alt.Axis(labelAngle=0)),
        color=alt.Color("parameter:N", title=None, scale=alt.Scale(range=list(OKABE_ITO))),
    )
    lines = base.mark_line(point=True).encode(y=alt.Y("value:Q", title="Sobol index"))
    bars = base.mark_rule(strokeWidth=2).encode(y="low:Q", y2="high:Q")
    chart = (
        alt.layer(bars, lines, data=long)
        .properties(width=(WIDTH - 260) // 2, height=HEIGHT - 240)
        .facet(column=alt.Column("index:N", title=None))
    )
    wide = table.attrs.get("too_wide", [])
    tolerance = table.attrs.get("tolerance", TOLERANCE)
    if wide:
        title = (
            f"Not converged: the 95% interval of {', '.join(wide)} is wider than "
            f"\u00b1{tolerance:g} at the full N"
        )
    else:
        title = f"Every 95% interval is within \u00b1{tolerance:g} at the full N"
    subtitle = ["Sobol indices recomputed on the first N/4, N/2 and N base samples."]
    if source:
        subtitle.append(source)
    return styled(chart, title, subtitle)


__all__ = [
    "box_limits",
    "convergence",
    "feature_scores",
    "interactions",
    "morris",
    "peeling_trajectory",
    "tornado",
    "tornado_bars",
]
