"""Writing a chart to PNG, SVG or PDF, offline, with vl-convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

from genaisim.errors import GenaisimError

FORMATS = ("png", "svg", "pdf")
#: The Vega-Lite version Altair writes ("v6.4.1" -> "6.4"), so vl-convert reads the spec as written.
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    return chart if isinstance(chart, dict) else chart.to_dict()


def _version() -> str | None:
    return VEGA_LITE_VERSION if VEGA_LITE_VERSION in vl_convert.get_vegalite_versions() else None


def to_png(chart: alt.TopLevelMixin | dict[str, Any], scale: float = 2) -> bytes:
    """The chart as PNG bytes; ``scale=2`` turns a 960 x 540 chart into 1920 x 1080 pixels."""
    return vl_convert.vegalite_to_png(_spec(chart), vl_version=_version(), scale=scale)


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
) -> Path:
    """Write ``chart`` to ``path`` as PNG, SVG or PDF, chosen by ``format`` or the suffix.

    Rendering is local (vl-convert embeds the Vega engine); no network is used. The
    same chart gives byte-identical PNG and SVG files each time. ``scale`` applies to
    PNG only: vectors scale by themselves.
    """
    path = Path(path)
    kind = (format or path.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise GenaisimError(
            f"{path}: cannot tell the file format from {kind or 'a missing suffix'!r}; "
            f"use one of: {', '.join('.' + f for f in FORMATS)}"
        )
    if kind == "png":
        data: bytes = to_png(chart, scale=scale)
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
