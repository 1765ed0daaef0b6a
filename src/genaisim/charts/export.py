"""Writing a chart to PNG, SVG or PDF, offline, with vl-convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

from genaisim.charts.theme import HEIGHT, WIDTH
from genaisim.errors import GenaisimError

FORMATS = ("png", "svg", "pdf")
#: The Vega-Lite version Altair writes ("v6.4.1" -> "6.4"), so vl-convert reads the spec as written.
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    return chart if isinstance(chart, dict) else chart.to_dict()


def _version() -> str | None:
    return VEGA_LITE_VERSION if VEGA_LITE_VERSION in vl_convert.get_vegalite_versions() else None


def to_png(
    chart: alt.TopLevelMixin | dict[str, Any], scale: float = 2, slide: bool = True
) -> bytes:
    """The chart as PNG bytes: a 16:9 slide of exactly 960 x 540 times ``scale`` pixels.

    A chart's drawn size depends on its legends, titles and panels, so it is rendered at
    the largest scale (up to ``scale``) at which it fits the slide, then centred on it
    over the chart's background: at the default ``scale=2`` every PNG is 1920 x 1080.
    ``slide=False`` gives the chart at its own size times ``scale``.
    """
    spec = _spec(chart)
    if not slide:
        return vl_convert.vegalite_to_png(spec, vl_version=_version(), scale=scale)
    import io

    from PIL import Image

    width, height = round(WIDTH * scale), round(HEIGHT * scale)
    natural = Image.open(io.BytesIO(vl_convert.vegalite_to_png(spec, vl_version=_version())))
    fit = min(WIDTH / natural.width, HEIGHT / natural.height, 1.0) * scale
    drawn = Image.open(
        io.BytesIO(vl_convert.vegalite_to_png(spec, vl_version=_version(), scale=fit))
    )
    if drawn.size == (width, height):
        return _png_bytes(drawn)
    if drawn.width > width or drawn.height > height:  # rounding: at most a pixel over
        drawn = drawn.crop((0, 0, min(drawn.width, width), min(drawn.height, height)))
    background = spec.get("background") or spec.get("config", {}).get("background") or "white"
    canvas = Image.new("RGBA", (width, height), background)
    canvas.paste(drawn, ((width - drawn.width) // 2, (height - drawn.height) // 2))
    return _png_bytes(canvas)


def _png_bytes(image: Any) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def to_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as SVG markup (text drawn as text, no external references)."""
    return vl_convert.vegalite_to_svg(_spec(chart), vl_version=_version())


def to_pdf(chart: alt.TopLevelMixin | dict[str, Any], scale: float = 1) -> bytes:
    """The chart as a one-page vector PDF."""
    return vl_convert.vegalite_to_pdf(_spec(chart), vl_version=_version(), scale=scale)


def export(
    chart: alt.TopLevelMixin | dict[str, Any],
    path: str | Path,
    scale: float = 2,
    format: str | None = None,
    slide: bool = True,
) -> Path:
    """Write ``chart`` to ``path`` as PNG, SVG or PDF, chosen by ``format`` or the suffix.

    Rendering is local (vl-convert embeds the Vega engine); no network is used. The
    same chart gives byte-identical PNG and SVG files each time. A PNG is a 16:9 slide of
    960 x 540 times ``scale`` pixels (1920 x 1080 by default, see :func:`to_png`), or
    with ``slide=False`` the chart's own size times ``scale`` (for a page, not a slide);
    vectors scale by themselves.
    """
    path = Path(path)
    kind = (format or path.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise GenaisimError(
            f"{path}: cannot tell the file format from {kind or 'a missing suffix'!r}; "
            f"use one of: {', '.join('.' + f for f in FORMATS)}"
        )
    if kind == "png":
        data: bytes = to_png(chart, scale=scale, slide=slide)
    elif kind == "svg":
        data = to_svg(chart).encode("utf-8")
    else:
        data = to_pdf(chart)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise GenaisimError(f"{path}: cannot write the chart ({exc})") from None
    return path
