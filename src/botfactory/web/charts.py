"""Charts as inline SVG drawn on the server: no JavaScript, no chart library, and they print.

Colours are SVG presentation attributes (not inline CSS) so the dashboard's strict Content-Security-Policy
holds; every mark carries a ``<title>`` so hovering shows the number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from markupsafe import Markup, escape

from botfactory.api.overview import DayResults
from botfactory.events.records import EventRecord

STATUS_COLOURS = {
    "SUCCESS": "#2f9e44",
    "ERROR": "#e03131",
    "TIMEOUT": "#f08c00",
    "SKIPPED": "#868e96",
    "MISSED": "#7048e8",
}
LANE_COLOURS = ("#1971c2", "#2f9e44", "#e8590c", "#7048e8", "#0c8599", "#c2255c")


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return value


def results_chart(days: Sequence[DayResults], width: int = 720, height: int = 220) -> Markup:
    """Stacked bars: one per day, one segment per history status."""
    left, right, top, bottom = 44, 8, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((d.total for d in days), default=0))
    slot = plot_w / max(len(days), 1)
    bar = max(4.0, slot * 0.7)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Results per day, last {len(days)} days" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e9ecef"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#868e96">{value:g}</text>'
        )
    for i, day in enumerate(days):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        label = day.day.strftime("%a %d %b")
        for status, colour in STATUS_COLOURS.items():
            count = day.counts.get(status, 0)
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {count} {status}</title></rect>"
            )
        if day.total == 0:
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - 1:.1f}" width="{bar:.1f}" height="1" fill="#ced4da">'
                f"<title>{escape(label)}: nothing ran</title></rect>"
            )
        if len(days) <= 14 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
                f'fill="#495057">{escape(day.day.strftime("%d %b"))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline(events: Sequence[EventRecord], start: datetime, hours: int, tz: tzinfo, width: int = 720) -> Markup:
    """Upcoming events on a line from now to ``hours`` ahead; overdue ones sit at the left edge in red."""
    types = sorted({e.event_type for e in events})[: len(LANE_COLOURS)]
    lanes = {t: i for i, t in enumerate(types)}
    lane_h, top, left, right = 18, 8, 12, 12
    height = top + lane_h * max(len(types), 1) + 34
    axis_y = height - 26
    plot_w = width - left - right
    end = start + timedelta(hours=hours)
    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Events due in the next {hours} hours" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}" stroke="#adb5bd"/>',
    ]
    parts.append(f'<text x="{left}" y="{axis_y + 18}" text-anchor="start" font-size="11" fill="#495057">now</text>')
    # Ticks on whole local hours (every ``step`` hours), so the labels read 03:00, 06:00, ...
    step = max(1, hours // 8)
    local = start.astimezone(tz)
    tick = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while tick.hour % step:
        tick += timedelta(hours=1)
    while tick < end:
        x = left + plot_w * ((tick - start) / (end - start))
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 5}" stroke="#adb5bd"/>')
        if x > left + 40 and x < width - right - 20:
            parts.append(
                f'<text x="{x:.1f}" y="{axis_y + 18}" text-anchor="middle" font-size="11" fill="#495057">'
                f"{tick.strftime('%H:%M')}</text>"
            )
        tick = (tick + timedelta(hours=step)).astimezone(tz)
    for event in events:
        if event.next_run_at is None or event.next_run_at > end:
            continue
        overdue = event.next_run_at < start
        fraction = 0.0 if overdue else (event.next_run_at - start) / (end - start)
        x = left + plot_w * fraction
        lane = lanes.get(event.event_type, len(LANE_COLOURS) - 1)
        y = top + lane_h * lane + lane_h / 2
        colour = "#e03131" if overdue else LANE_COLOURS[lane % len(LANE_COLOURS)]
        when = event.next_run_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
        title = f"#{event.id} {event.event_type} — {'overdue since' if overdue else 'due'} {when}"
        parts.append(
            f'<a href="/events/{event.id}"><circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" '
            f'fill-opacity="0.8"><title>{escape(title)}</title></circle></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def swatch(colour: str) -> Markup:
    """A small colour square for legends (an SVG, since the CSP allows no inline styles)."""
    return Markup(
        '<svg class="swatch" width="10" height="10" aria-hidden="true"><rect width="10" height="10" rx="2" '
        'fill="{}"/></svg>'
    ).format(colour)


def lane_legend(events: Sequence[EventRecord]) -> list[tuple[str, Markup]]:
    types = sorted({e.event_type for e in events})[: len(LANE_COLOURS)]
    return [(t, swatch(LANE_COLOURS[i])) for i, t in enumerate(types)]
