"""Charts of a calibration: posterior marginals and pairs, and the targets beside the model."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from genaisim.calibration.posterior import Posterior
from genaisim.charts.theme import GREY, OKABE_ITO

INSIDE, OUTSIDE = "inside its band", "outside its band"


def posterior_marginals(
    posterior: Posterior, priors: Mapping[str, tuple[float, float]], bins: int = 20
) -> alt.FacetChart:
    """Each calibrated parameter's weighted posterior, over its prior's range.

    The prior is uniform over the whole x axis: a posterior that fills it has learnt
    little from the targets; a narrow one is pinned down by them.
    """
    rows = []
    weights = posterior.weights
    for key in posterior.keys:
        low, high = priors.get(key, (float(posterior.table[key].min()),) * 2)
        edges = np.linspace(low, high, bins + 1)
        mass, _ = np.histogram(posterior.table[key].to_numpy(float), bins=edges, weights=weights)
        for left, right, m in zip(edges[:-1], edges[1:], mass, strict=True):
            rows.append({"parameter": key, "left": left, "right": right, "mass": m})
    data = pd.DataFrame(rows)
    median = pd.DataFrame(
        [{"parameter": key, "median": posterior.median(key)} for key in posterior.keys]
    )
    bars = (
        alt.Chart(data)
        .mark_rect(color=OKABE_ITO[4], opacity=0.85)
        .encode(
            x=alt.X(
                "left:Q", title="Value (x axis: the prior's range)", scale=alt.Scale(zero=False)
            ),
            x2="right:Q",
            y=alt.Y("mass:Q", title="Posterior weight"),
            tooltip=[
                "parameter:N",
                alt.Tooltip("left:Q", format=".3g"),
                alt.Tooltip("right:Q", format=".3g"),
                alt.Tooltip("mass:Q", format=".1%"),
            ],
        )
    )
    rule = (
        alt.Chart(median)
        .mark_rule(color=OKABE_ITO[5], strokeWidth=2)
        .encode(x="median:Q", tooltip=["parameter:N", alt.Tooltip("median:Q", format=".3g")])
    )
    return (
        alt.layer(bars, rule, data=data)
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("parameter:N", title=None), columns=3, data=data)
        .resolve_scale(x="independent", y="independent")
        .properties(
            title=alt.Title(
                "Posterior of each calibrated parameter",
                subtitle="Bars: posterior weight; line: weighted median; x axis: the prior's range",
            )
        )
    )


def posterior_pairs(posterior: Posterior) -> alt.RepeatChart:
    """Every pair of calibrated parameters, one point per particle sized by its weight."""
    data = posterior.table.rename(columns=lambda c: c.replace(".", "_"))
    keys = [k.replace(".", "_") for k in posterior.keys]
    return (
        alt.Chart(data)
        .mark_circle(color=OKABE_ITO[4], opacity=0.5)
        .encode(
            x=alt.X(alt.repeat("column"), type="quantitative", scale=alt.Scale(zero=False)),
            y=alt.Y(alt.repeat("row"), type="quantitative", scale=alt.Scale(zero=False)),
            size=alt.Size("weight:Q", legend=None, scale=alt.Scale(range=[4, 60])),
        )
        .properties(width=110, height=110)
        .repeat(row=keys, column=keys)
        .properties(
            title=alt.Title(
                "Pairs of calibrated parameters",
                subtitle="One point per particle of the last generation, sized by its weight",
            )
        )
    )


def predictive_check(table: pd.DataFrame, before: pd.DataFrame | None = None) -> alt.LayerChart:
    """Each target's band beside the simulated median and 90% interval, on one scale.

    Values are placed relative to their band (0: its low end, 1: its high end), so
    shares and months sit on one axis; tooltips give the values themselves. ``before``
    (same columns) adds the uncalibrated population in grey.
    """

    def place(frame: pd.DataFrame, who: str) -> pd.DataFrame:
        width = frame["band_high"] - frame["band_low"]
        out = frame.assign(
            who=who,
            pos=(frame["median"] - frame["band_low"]) / width,
            pos_low=(frame["low"] - frame["band_low"]) / width,
            pos_high=(frame["high"] - frame["band_low"]) / width,
            obs=(frame["observed"] - frame["band_low"]) / width,
            verdict=frame["inside"].map({True: INSIDE, False: OUTSIDE}),
            target=frame["survey"] + " · " + frame["statistic"],
        )
        # Far-off values are drawn at the edge of the axis, not off it.
        for col in ("pos", "pos_low", "pos_high"):
            out[col] = out[col].clip(-2.5, 3.5)
        return out

    data = place(table, "calibrated")
    order = list(data["target"])
    y = alt.Y("target:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    band = (
        alt.Chart(pd.DataFrame({"a": [0.0], "b": [1.0]}))
        .mark_rect(color="#E8E8E8")
        .encode(x=alt.X("a:Q", title="Position relative to the target's band (0 to 1: inside)",
                        scale=alt.Scale(domain=[-2.5, 3.5])), x2="b:Q")
    )  # fmt: skip
    tooltip = [
        "target:N",
        alt.Tooltip("observed:Q", format=".3g"),
        alt.Tooltip("band_low:Q", format=".3g"),
        alt.Tooltip("band_high:Q", format=".3g"),
        alt.Tooltip("median:Q", format=".3g", title="simulated median"),
        alt.Tooltip("low:Q", format=".3g", title="simulated 5%"),
        alt.Tooltip("high:Q", format=".3g", title="simulated 95%"),
    ]
    layers = [band]
    if before is not None:
        prior = place(before, "before calibration")
        layers.append(
            alt.Chart(prior)
            .mark_point(shape="diamond", color=GREY, size=60)
            .encode(x="pos:Q", y=y, tooltip=tooltip)
        )
    layers += [
        alt.Chart(data).mark_rule(color=GREY, strokeWidth=2).encode(
            x="pos_low:Q", x2="pos_high:Q", y=y, tooltip=tooltip
        ),
        alt.Chart(data).mark_tick(color="#222222", thickness=2, size=14).encode(
            x="obs:Q", y=y, tooltip=tooltip
        ),
        alt.Chart(data).mark_point(filled=True, size=90).encode(
            x="pos:Q",
            y=y,
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=[INSIDE, OUTSIDE], range=[OKABE_ITO[2], OKABE_ITO[5]]),
                title=None,
            ),
            tooltip=tooltip,
        ),
    ]  # fmt: skip
    held = int(data["inside"].sum())
    subtitle = (
        "Grey band: the target's band; black tick: the published value; dot: simulated "
        "median; line: its 90% interval over posterior draws"
        + ("; grey diamond: before calibration" if before is not None else "")
    )
    return alt.layer(*layers).properties(
        width=560,
        height=28 * len(data),
        title=alt.Title(
            f"Calibrated model against the surveys: {held} of {len(data)} figures "
            "inside their band",
            subtitle=subtitle,
        ),
    )
