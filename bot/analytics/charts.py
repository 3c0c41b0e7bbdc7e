"""PNG charts of a campaign: a funnel and a timeline, sized and lettered for a phone screen.

Rendering is synchronous and CPU-bound: callers run it off the event loop
(`await asyncio.to_thread(render_funnel, ...)`, see `bot.analytics.views`). Figures are built
with the object API (no pyplot state) on the Agg canvas, and one lock serialises rendering
because matplotlib's font cache and rcParams are process-wide. Every word on a chart comes in
through `ChartLabels`, translated by the caller from templates/messages/report/labels.j2.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: charts are only ever written to bytes

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.analytics.model import TimelineBucket

# The CJK font the project's set-up installs (Debian's fonts-noto-cjk), then common alternatives.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
WIDTH_PX, HEIGHT_PX, DPI = 1200, 900, 100
FUNNEL_COLOURS = ("#5B6C8F", "#3E8E7E", "#E39B3A", "#C8553D")
SERIES_COLOURS = ("#5B6C8F", "#E39B3A", "#C8553D")
INK, MUTED, GRID, TRACK = "#222222", "#666666", "#E6E6E6", "#F1F1F1"

_render_lock = threading.Lock()
_font_family: list[str] | None = None


@dataclass(frozen=True)
class ChartLabels:
    """Every word drawn on the charts, already translated into the reader's language."""

    funnel_title: str
    timeline_title: str
    audience: str
    delivered: str
    clicks: str  # unique clicks, in the funnel
    all_clicks: str  # every click, in the timeline
    orders: str
    sends: str
    of_previous: str  # a format string with {percent}, e.g. "{percent} of previous"
    time_axis: str  # e.g. "Time (Asia/Shanghai)"
    no_data: str


def _cjk_family() -> list[str]:
    """Register the first CJK font found by path and return the font family list to draw with."""
    global _font_family
    if _font_family is not None:
        return _font_family
    family = ["DejaVu Sans"]
    for candidate in CJK_FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            name = font_manager.FontProperties(fname=str(path)).get_name()
            # The CJK face draws Latin too; DejaVu stays as a fallback for symbols it lacks.
            family = [name, "DejaVu Sans"]
            break
    _font_family = family
    return family


def cjk_font_available() -> bool:
    """True when a CJK font was found, so Chinese labels render as characters, not boxes."""
    return len(_cjk_family()) > 1


def _figure() -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%" if value < 0.1 else f"{value * 100:.0f}%"


def render_funnel(
    labels: ChartLabels, subtitle: str, audience: int, delivered: int, clicks: int, orders: int
) -> bytes:
    """A horizontal funnel audience → delivered → clicks → orders as PNG bytes (1200×900)."""
    stages = [
        (labels.audience, audience),
        (labels.delivered, delivered),
        (labels.clicks, clicks),
        (labels.orders, orders),
    ]
    with _render_lock, matplotlib.rc_context({"font.family": _cjk_family(), "font.size": 22}):
        figure = _figure()
        figure.suptitle(labels.funnel_title, fontsize=38, fontweight="bold", color=INK, y=0.965)
        figure.text(0.5, 0.875, subtitle, ha="center", fontsize=22, color=MUTED)
        axes = figure.add_axes((0.04, 0.04, 0.92, 0.78))
        axes.set_axis_off()
        widest = max(max(value for _, value in stages), 1)
        rows = len(stages)
        for index, (name, value) in enumerate(stages):
            top = rows - index  # each stage owns a band: its name above, its bar below
            heading = name
            if index > 0 and stages[index - 1][1]:
                share = labels.of_previous.format(percent=_percent(value / stages[index - 1][1]))
                heading += f"  ·  {share}"
            axes.text(
                0.0,
                top - 0.22,
                heading,
                ha="left",
                va="center",
                fontsize=28,
                fontweight="bold",
                color=INK,
            )
            width = max(value / widest, 0.004) if value else 0.0
            # A pale track shows the full scale, so short or empty stages still read as a bar.
            axes.barh(top - 0.62, 0.72, left=0.0, height=0.46, color=TRACK)
            axes.barh(top - 0.62, width * 0.72, left=0.0, height=0.46, color=FUNNEL_COLOURS[index])
            # Numbers line up in one column right of the track: easy to compare at a glance.
            axes.text(
                0.745,
                top - 0.62,
                f"{value:,}",
                ha="left",
                va="center",
                fontsize=32,
                fontweight="bold",
                color=INK,
            )
        axes.set_xlim(0, 1)
        axes.set_ylim(0, rows)
        return _png(figure)


def _time_format(interval_seconds: int, first: datetime, last: datetime) -> str:
    if interval_seconds >= 86400:
        return "%m-%d"
    if first.date() != last.date():
        return "%m-%d %H:%M"
    return "%H:%M"


def render_timeline(
    labels: ChartLabels,
    subtitle: str,
    buckets: Sequence[TimelineBucket],
    interval_seconds: int,
    timezone: tzinfo,
) -> bytes:
    """Sends, clicks and orders per interval as three stacked bar panels (PNG, 1200×900)."""
    series = [
        (labels.sends, [b.sends for b in buckets]),
        (labels.all_clicks, [b.clicks for b in buckets]),
        (labels.orders, [b.orders for b in buckets]),
    ]
    with _render_lock, matplotlib.rc_context({"font.family": _cjk_family(), "font.size": 20}):
        figure = _figure()
        figure.suptitle(labels.timeline_title, fontsize=38, fontweight="bold", color=INK, y=0.965)
        figure.text(0.5, 0.875, subtitle, ha="center", fontsize=22, color=MUTED)
        if not buckets:
            figure.text(0.5, 0.45, labels.no_data, ha="center", fontsize=30, color=MUTED)
            return _png(figure)
        local = [b.start.astimezone(timezone) for b in buckets]
        fmt = _time_format(interval_seconds, local[0], local[-1])
        tick_labels = [moment.strftime(fmt) for moment in local]
        positions = list(range(len(buckets)))
        panels = figure.subplots(3, 1, sharex=True, gridspec_kw={"hspace": 0.45})
        figure.subplots_adjust(left=0.11, right=0.97, top=0.80, bottom=0.14)
        for axes, (name, values), colour in zip(panels, series, SERIES_COLOURS, strict=False):
            axes.bar(positions, values, color=colour, width=0.8)
            axes.set_title(f"{name} · {sum(values):,}", loc="left", fontsize=26, color=INK, pad=8)
            axes.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
            axes.set_ylim(0, max(max(values), 1) * 1.15)
            axes.grid(axis="y", color=GRID)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            axes.tick_params(labelsize=18, colors=MUTED)
            if len(buckets) <= 12:
                for x, value in zip(positions, values, strict=False):
                    if value:
                        axes.text(
                            x, value, f"{value:,}", ha="center", va="bottom", fontsize=18, color=INK
                        )
        step = max(1, len(buckets) // 8)  # at most ~8 time labels: readable on a phone
        panels[-1].set_xticks(positions[::step], tick_labels[::step])
        panels[-1].set_xlim(-0.6, len(buckets) - 0.4)
        panels[-1].set_xlabel(labels.time_axis, fontsize=20, color=MUTED)
        return _png(figure)
