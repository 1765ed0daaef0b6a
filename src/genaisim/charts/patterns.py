"""How far each of the article's patterns holds as its assumptions change."""

from __future__ import annotations

import altair as alt
import pandas as pd

from genaisim.charts.theme import GREY, OKABE_ITO

HOLDS, FAILS = "holds", "does not hold"


def pattern_robustness(table: pd.DataFrame, title: str, contrast: str) -> alt.Chart:
    """The pattern's contrast at each level of each assumption, with its margin.

    ``table`` is :func:`genaisim.patterns.robustness` output for one pattern (one or
    several assumptions, stacked). A point is filled where the pattern holds.
    """
    data = table.assign(
        verdict=table["holds"].map({True: HOLDS, False: FAILS}),
        low=table["effect"] - table["margin"],
        high=table["effect"] + table["margin"],
    )
    held = int(table["holds"].sum())
    base = alt.Chart(data).encode(
        x=alt.X("level:Q", title="Level of the assumption", scale=alt.Scale(zero=False)),
    )
    band = base.mark_errorbar(color=GREY).encode(y=alt.Y("low:Q", title=contrast), y2="high:Q")
    line = base.mark_line(color=GREY, strokeDash=[4, 3]).encode(y="effect:Q")
    points = base.mark_point(size=90, filled=True).encode(
        y="effect:Q",
        color=alt.Color(
            "verdict:N",
            scale=alt.Scale(domain=[HOLDS, FAILS], range=[OKABE_ITO[2], OKABE_ITO[5]]),
            title=None,
        ),
        tooltip=["parameter", "level", "verdict", alt.Tooltip("effect:Q", format=",.3f"),
                 "detail"],
    )  # fmt: skip
    return (
        alt.layer(band, line, points)
        .properties(width=300, height=200)
        .facet(facet=alt.Facet("parameter:N", title=None), columns=3)
        .resolve_scale(x="independent")
        .properties(
            title=alt.Title(
                f"{title}: holds at {held} of {len(table)} levels tried",
                subtitle=f"Contrast: {contrast}; bars: ± the check's margin",
            )
        )
    )
