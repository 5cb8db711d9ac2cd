"""A brand's figures on one time axis, as inline SVG: no script, no font, no file fetched.

Four lanes share the axis: volume against its usual, the negative share, the mean
sentiment (both left blank where no post of the window could be scored, never drawn
across it), and the events: the brand's answers (its replies and statements, not its
everyday posts), the alerts and every incident transition (opened, each level paged,
acknowledged, resolved, recovered). Marks closer than a few pixels are drawn as one,
carrying their count and each time in its tooltip, so thirty alerts in an hour stay
readable. A zoomed chart also draws the whole run in miniature with the zoomed span
outlined, for context.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape
from typing import Final

from listener.replay.report.model import BrandView, IncidentView, Mark, Point, worst

WIDTH: Final = 960
LEFT: Final = 56
RIGHT: Final = 16
#: Marks nearer than this (pixels) are drawn as one.
MARK_GAP: Final = 12.0
COLOURS: Final = {
    "critical": "#c62828",
    "major": "#ef6c00",
    "warning": "#f9a825",
    "info": "#78909c",
}
#: Symbol of each incident transition in the events lane.
SYMBOLS: Final = {
    "opened": "◆", "risk_raised": "▲", "paged": "P", "acknowledged": "✓", "resolved": "■",
    "recovered": "○", "delivery_failed": "✕",
}  # fmt: skip
#: Tick spacings, in seconds, from which the axis picks the first giving ≤ 10 ticks.
TICKS: Final = (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400)


@dataclass(frozen=True, slots=True)
class Axis:
    """Event time from ``start`` to ``end`` across the plot's width, in ``zone``."""

    start: float
    end: float
    zone: tzinfo
    width: int = WIDTH

    def x(self, ts: float) -> float:
        span = max(self.end - self.start, 1.0)
        inner = self.width - LEFT - RIGHT
        return round(LEFT + (ts - self.start) / span * inner, 1)

    def label(self, ts: float, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return datetime.fromtimestamp(ts, self.zone).strftime(fmt)

    def ticks(self) -> list[tuple[float, str]]:
        step = next((s for s in TICKS if (self.end - self.start) / s <= 10), TICKS[-1])
        local = datetime.fromtimestamp(self.start, self.zone)
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
        while first.timestamp() < self.start:
            first += timedelta(seconds=min(step, 86400))
        out, t, day = [], first.timestamp(), ""
        while t <= self.end:
            text = self.label(t, "%H:%M")
            if self.label(t, "%d %b") != day:
                day = self.label(t, "%d %b")
                text = f"{day} {text}" if text != "00:00" else day
            out.append((t, text))
            t += step
        return out


def _line(
    points: Sequence[tuple[float, float | None]], y: Callable[[float], float], gap: float
) -> str:
    """An SVG path through ``points`` (x, value), lifted over missing values and gaps."""
    parts: list[str] = []
    last_x: float | None = None
    for x, value in points:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            last_x = None
            continue
        move = last_x is None or x - last_x > gap
        parts.append(f"{'M' if move else 'L'}{x:.1f},{y(value):.1f}")
        last_x = x
    return " ".join(parts)


def downsample(points: Sequence[Point], axis: Axis) -> list[Point]:
    """At most one point per pixel column: the largest volume, the mean of the rest."""
    columns: dict[int, list[Point]] = {}
    for p in points:
        if axis.start <= p.at <= axis.end:
            columns.setdefault(int(axis.x(p.at)), []).append(p)
    out = []
    for group in columns.values():
        shares = [p.negative_share for p in group if p.negative_share is not None]
        tones = [p.sentiment for p in group if p.sentiment is not None]
        out.append(
            Point(
                at=group[0].at, volume=max(p.volume for p in group),
                usual=sum(p.usual for p in group) / len(group),
                negative_share=sum(shares) / len(shares) if shares else None,
                sentiment=sum(tones) / len(tones) if tones else None,
            )
        )  # fmt: skip
    return out


def _panel(top: float, height: float, title: str, low: float, high: float) -> tuple[
    str, Callable[[float], float]
]:  # fmt: skip
    def y(value: float) -> float:
        share = (min(max(value, low), high) - low) / ((high - low) or 1.0)
        return top + height - share * height

    frame = (
        f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{height}" '
        f'class="panel"/><text x="{LEFT + 4}" y="{top + 12}" class="lane">{escape(title)}</text>'
        f'<text x="{LEFT - 4}" y="{top + 10}" class="tick" text-anchor="end">{high:g}</text>'
        f'<text x="{LEFT - 4}" y="{top + height}" class="tick" text-anchor="end">{low:g}</text>'
    )
    return frame, y


def _grid(axis: Axis, top: float, bottom: float) -> str:
    out = []
    for t, text in axis.ticks():
        x = axis.x(t)
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" class="grid"/>')
        out.append(
            f'<text x="{x}" y="{bottom + 12}" class="tick" text-anchor="middle">'
            f"{escape(text)}</text>"
        )
    return "".join(out)


def _spans(axis: Axis, incidents: Sequence[IncidentView], top: float, bottom: float) -> str:
    out = []
    for incident in incidents:
        start, end = incident.span
        if end < axis.start or start > axis.end:
            continue
        x0, x1 = axis.x(max(start, axis.start)), axis.x(min(end, axis.end))
        out.append(
            f'<rect x="{x0}" y="{top}" width="{max(x1 - x0, 1):.1f}" height="{bottom - top}" '
            f'class="span"><title>{escape(incident.id)}</title></rect>'
        )
    return "".join(out)


def clusters(marks: Sequence[Mark], axis: Axis) -> list[list[Mark]]:
    """Marks within the axis, in time order, grouped when nearer than MARK_GAP pixels to
    the first of their group."""
    groups: list[list[Mark]] = []
    for mark in sorted((m for m in marks if axis.start <= m.at <= axis.end), key=lambda m: m.at):
        if groups and axis.x(mark.at) - axis.x(groups[-1][0].at) < MARK_GAP:
            groups[-1].append(mark)
        else:
            groups.append([mark])
    return groups


def _mark_group(group: Sequence[Mark], axis: Axis, y: float, css: str) -> str:
    x = axis.x(group[0].at)
    tip = "\n".join(f"{axis.label(m.at)} {m.label}" for m in group)
    times = " ".join(f"{m.at:.0f}" for m in group)
    colour = COLOURS[worst(m.severity for m in group)]
    if css == "alert":
        shape = f'<path d="M{x - 5},{y - 6} L{x + 5},{y - 6} L{x},{y + 3} Z" fill="{colour}"/>'
    else:
        symbol = SYMBOLS.get(group[0].kind, "•")
        if group[0].kind == "paged" and group[0].level is not None:
            symbol = f"P{group[0].level}"
        shape = f'<text x="{x}" y="{y + 4}" class="sym" fill="{colour}">{escape(symbol)}</text>'
    count = (
        f'<text x="{x + 6}" y="{y - 4}" class="count">{len(group)}</text>' if len(group) > 1 else ""
    )
    kinds = " ".join(sorted({m.kind for m in group}))
    return (
        f'<g class="mark {css}" data-x="{x}" data-ts="{times}" data-count="{len(group)}" '
        f'data-kinds="{escape(kinds)}"><title>{escape(tip)}</title>{shape}{count}</g>'
    )


def _events(brand: BrandView, axis: Axis, marks: Sequence[Mark], top: float) -> str:
    out = [
        f'<text x="{LEFT - 4}" y="{top + 10}" class="tick" text-anchor="end">own</text>',
        f'<text x="{LEFT - 4}" y="{top + 30}" class="tick" text-anchor="end">alerts</text>',
        f'<text x="{LEFT - 4}" y="{top + 50}" class="tick" text-anchor="end">incident</text>',
    ]
    for at in brand.own_posts:
        if axis.start <= at <= axis.end:
            x = axis.x(at)
            out.append(
                f'<line x1="{x}" y1="{top + 2}" x2="{x}" y2="{top + 12}" class="own">'
                f"<title>{escape(axis.label(at))} the brand answered</title></line>"
            )
    alerts = [m for m in marks if m.kind == "alert"]
    others = [m for m in marks if m.kind != "alert"]
    out += [_mark_group(g, axis, top + 28, "alert") for g in clusters(alerts, axis)]
    out += [_mark_group(g, axis, top + 48, "transition") for g in clusters(others, axis)]
    return "".join(out)


def chart(
    brand: BrandView,
    axis: Axis,
    marks: Sequence[Mark],
    title: str,
    context: Axis | None = None,
) -> str:
    """The brand's chart over ``axis``; with ``context``, the whole run above it in small."""
    points = downsample(brand.points, axis)
    gap = max(axis.x(axis.start + 3 * 60) - axis.x(axis.start), 2.0)
    peak = max([p.volume for p in points] + [p.usual for p in points] + [1.0])
    top = 22.0 + (62 if context else 0)
    parts = [f'<text x="{LEFT}" y="14" class="title">{escape(title)}</text>']
    if context is not None:
        parts.append(_context(brand, context, axis))
    frame, y = _panel(top, 140, f"posts per {brand.window // 60} min and the usual", 0, peak)
    vol = _line([(axis.x(p.at), p.volume) for p in points], y, gap)
    usual = _line([(axis.x(p.at), p.usual) for p in points], y, gap)
    parts += [frame, f'<path d="{usual}" class="usual"/><path d="{vol}" class="volume"/>']
    tone_minutes = brand.tone_window // 60
    frame, y = _panel(top + 150, 60, f"negative share ({tone_minutes} min)", 0, 1)
    share = _line([(axis.x(p.at), p.negative_share) for p in points], y, gap)
    parts += [frame, f'<path d="{share}" class="negative"/>']
    frame, y = _panel(top + 220, 60, f"mean sentiment ({tone_minutes} min)", -1, 1)
    tone = _line([(axis.x(p.at), p.sentiment) for p in points], y, gap)
    zero = f'<line x1="{LEFT}" y1="{y(0)}" x2="{WIDTH - RIGHT}" y2="{y(0)}" class="grid"/>'
    parts += [frame, zero, f'<path d="{tone}" class="sentiment"/>']
    parts.append(_events(brand, axis, marks, top + 288))
    bottom = top + 348
    parts.insert(1, _spans(axis, brand.incidents, top, top + 280))
    parts.append(_grid(axis, top, bottom))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{bottom + 18}" width="{WIDTH}" height="{bottom + 18}" role="img" '
        f'aria-label="{escape(title)}" data-start="{axis.start:.0f}" data-end="{axis.end:.0f}">'
        + "".join(parts)
        + "</svg>"
    )


def _context(brand: BrandView, context: Axis, zoom: Axis) -> str:
    """The whole run in 36 pixels, the zoomed span outlined."""
    points = downsample(brand.points, context)
    peak = max([p.volume for p in points] + [1.0])
    path = _line([(context.x(p.at), p.volume) for p in points], lambda v: 60 - v / peak * 34, 1e9)
    x0, x1 = context.x(zoom.start), context.x(zoom.end)
    return (
        f'<g class="context"><text x="{LEFT - 4}" y="36" class="tick" text-anchor="end">'
        f'whole run</text><path d="{path}" class="volume thin"/><rect x="{x0}" y="24" '
        f'width="{max(x1 - x0, 2):.1f}" height="38" class="zoom"/>'
        f'<text x="{LEFT}" y="72" class="tick">{escape(context.label(context.start))}</text>'
        f'<text x="{WIDTH - RIGHT}" y="72" class="tick" text-anchor="end">'
        f"{escape(context.label(context.end))}</text></g>"
    )
