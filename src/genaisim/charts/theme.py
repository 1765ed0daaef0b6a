"""The presentation theme: large type, a quiet grid, 16:9 slides, colour-blind-safe colours.

Every chart builder applies :func:`styled` itself, so a chart looks the same whatever
theme happens to be enabled globally. The same settings are registered with Altair as
the ``"genaisim"`` theme (not enabled) for anyone building their own charts:

    >>> import altair as alt
    >>> from genaisim import charts
    >>> with alt.theme.enable("genaisim"):                      # doctest: +SKIP
    ...     my_chart.save("mine.html")
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import altair as alt

#: Slide size in pixels (16:9); exported at ``scale=2`` it fills 1920 x 1080.
WIDTH = 960
HEIGHT = 540

#: Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable with the
#: common forms of colour blindness. Black is left out: it is the colour of text.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow (last: too light for thin lines on white)
)
#: A neutral for "before" bars, reference lines and other context.
GREY = "#8C8C8C"
TEXT = "#222222"
FONT = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

#: Font sizes in pixels at scale 1 (doubled in a 1920 x 1080 export).
TITLE_SIZE = 24
SUBTITLE_SIZE = 14
LABEL_SIZE = 15
AXIS_TITLE_SIZE = 16


def theme_config() -> dict[str, Any]:
    """The theme as a Vega-Lite top-level dict (``config``, ``width``, ``height``...)."""
    axis = {
        "labelFontSize": LABEL_SIZE,
        "titleFontSize": AXIS_TITLE_SIZE,
        "titleFontWeight": "normal",
        "labelColor": TEXT,
        "titleColor": TEXT,
        "gridColor": "#E6E6E6",
        "domainColor": "#BBBBBB",
        "tickColor": "#BBBBBB",
        "titlePadding": 10,
        "labelLimit": 320,
    }
    header = {
        "labelFontSize": AXIS_TITLE_SIZE,
        "titleFontSize": AXIS_TITLE_SIZE,
        "labelColor": TEXT,
    }
    return {
        "background": "white",
        # An object, not a number: Streamlit's chart component reads padding.bottom etc.
        "padding": {"left": 16, "right": 16, "top": 16, "bottom": 16},
        "config": {
            "font": FONT,
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
            "axis": axis,
            "axisX": {"grid": False},
            "axisY": {"grid": True},
            "header": header,
            "legend": {
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": LABEL_SIZE,
                "symbolSize": 200,
                "labelLimit": 320,
                "orient": "top",
                "titleOrient": "left",
            },
            "title": {
                "fontSize": TITLE_SIZE,
                "subtitleFontSize": SUBTITLE_SIZE,
                "subtitleColor": "#555555",
                "color": TEXT,
                "anchor": "start",
                "offset": 14,
                "subtitlePadding": 6,
                "limit": WIDTH,
            },
            "text": {"fontSize": LABEL_SIZE, "color": TEXT},
            "range": {"category": list(OKABE_ITO)},
        },
    }


@alt.theme.register("genaisim", enable=False)
def genaisim_theme() -> alt.theme.ThemeConfig:
    """The genaisim presentation theme, registered with Altair (not enabled)."""
    # theme_config() is a plain dict shared with the builders; Altair's TypedDict is stricter
    # than the Vega-Lite config it accepts at run time.
    return alt.theme.ThemeConfig(**theme_config())  # type: ignore[typeddict-item]


def scenario_colours(names: Sequence[str]) -> alt.Scale:
    """One Okabe–Ito colour per scenario, in the order given (the same order on every chart)."""
    names = list(names)
    return alt.Scale(domain=names, range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(names))])


#: Characters per title line: 24 px bold type fits about this many in 960 px.
TITLE_CHARACTERS = 60


def title_lines(title: str) -> list[str]:
    """A finding broken into lines that fit the slide's width (Vega does not wrap titles)."""
    return textwrap.wrap(title, TITLE_CHARACTERS) or [title]


def styled(chart: alt.TopLevelMixin, title: str, subtitle: str | Sequence[str]):
    """``chart`` with its title (wrapped), source line and the theme's settings set explicitly."""
    theme = theme_config()
    chart = chart.properties(
        title=alt.Title(text=title_lines(title), subtitle=subtitle),
        background=theme["background"],
        padding=theme["padding"],
    )
    return chart.configure(**theme["config"])
