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

import re
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


#: Colours that stay with a named scenario on every chart, in the app, the deck and exports
#: alike (an edited copy, "baseline (edited)" or "baseline: name owners", keeps its
#: scenario's colour when the scenario itself is not on the same chart).
FIXED_COLOURS: dict[str, str] = {
    "baseline": OKABE_ITO[0],  # blue
    "compounder": OKABE_ITO[2],  # bluish green
    "pilot_loop": OKABE_ITO[5],  # vermillion
}


def scenario_colours(names: Sequence[str]) -> alt.Scale:
    """One Okabe–Ito colour per scenario: a named scenario's own, the others in order.

    The scenarios of :data:`FIXED_COLOURS` keep their colour whatever their position;
    the others take the free colours in the order given, the fixed ones last.
    """
    names = list(names)
    colours: list[str | None] = [None] * len(names)
    used: set[str] = set()
    for i, name in enumerate(names):
        colour = FIXED_COLOURS.get(re.split(r" \(|: ", name, maxsplit=1)[0])
        if colour is not None and colour not in used:
            colours[i] = colour
            used.add(colour)
    reserved = set(FIXED_COLOURS.values())
    free = [c for c in OKABE_ITO if c not in used and c not in reserved]
    free += [c for c in OKABE_ITO if c not in used and c in reserved]
    for i in range(len(names)):
        if colours[i] is None:
            colours[i] = free.pop(0) if free else OKABE_ITO[i % len(OKABE_ITO)]
    return alt.Scale(domain=names, range=colours)


#: Characters per title line: 24 px bold type fits about this many in 960 px.
TITLE_CHARACTERS = 60


def title_lines(title: str) -> list[str]:
    """A finding broken into lines that fit the slide's width (Vega does not wrap titles).

    A number keeps its unit on its line ("+15.0 M" is never split before the "M").
    """
    title = re.sub(r"(\d) (M|k)\b", "\\1\u00a0\\2", title)
    return textwrap.wrap(title, TITLE_CHARACTERS) or [title]


def styled(chart: alt.TopLevelMixin, title: str, subtitle: str | Sequence[str]):
    """``chart`` with its title (wrapped), source line and the theme's settings set explicitly.

    The title and subtitle are also the chart's ``description``, which Vega gives the
    drawing as its ARIA label: a screen reader reads what the chart says.
    """
    theme = theme_config()
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    chart = chart.properties(
        title=alt.Title(text=title_lines(title), subtitle=subtitle),
        description=" ".join([title.rstrip(".") + ".", *lines]),
        background=theme["background"],
        padding=theme["padding"],
    )
    return chart.configure(**theme["config"])
