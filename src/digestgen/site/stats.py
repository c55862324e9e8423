"""The stats page's charts, drawn as inline SVG at build time (no script, dark-mode aware).

The charts are drawn 360 units wide, about the width they get on a phone, so that their
13-unit text reads at about 13 px there; the theme lets them grow a little on wider
screens. Text carries ``chart-*`` classes of its own, apart from the theme's classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from digestgen.model import DigestHead

WIDTH = 360
# A bar chart's row: its label on one line, its bar and count on the next.
ROW_HEIGHT = 34
LABEL_LIMIT = 44
VALUE_ROOM = 44


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> str:
    """An ``<svg>`` that screen readers announce by its title and description."""
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def items_over_time(heads: Sequence[DigestHead], chart_id: str = "chart-items") -> str:
    """Links per digest, one bar per digest, oldest on the left, on a date axis."""
    digests = sorted(heads, key=lambda d: d.date)
    title = "Links per digest over time"
    if not digests:
        return _svg(chart_id, title, "No digests yet.", 40, [])
    height, top, bottom, left, right = 200, 14, 24, 30, 6
    counts = [d.link_count for d in digests]
    peak = max(max(counts), 1)
    first, last = digests[0].date.timestamp(), digests[-1].date.timestamp()
    span = max(last - first, 1.0)
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    bar_w = max(min(plot_w / len(digests) * 0.8, 20.0), 1.0)
    body = [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" '
        f'y2="{top + plot_h}"/>',
        _text("chart-tick", left - 5, top + 5, str(peak), "end"),
        _text("chart-tick", left - 5, top + plot_h, "0", "end"),
    ]
    for digest, count in zip(digests, counts, strict=True):
        frac = 0.5 if len(digests) == 1 else (digest.date.timestamp() - first) / span
        x = left + frac * (plot_w - bar_w)
        h = plot_h * count / peak
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}"><title>{escape(digest.title)}: {count}</title></rect>'
        )
    body.append(_text("chart-tick", left, height - 6, _month(digests[0].date), "start"))
    body.append(_text("chart-tick", WIDTH - right, height - 6, _month(digests[-1].date), "end"))
    total = sum(counts)
    desc = (
        f"{len(digests)} digests from {digests[0].date:%Y-%m-%d} to {digests[-1].date:%Y-%m-%d}, "
        f"{total} links in all, between {min(counts)} and {peak} per digest "
        f"(average {total / len(digests):.1f})."
    )
    return _svg(chart_id, title, desc, height, body)


def _month(moment: datetime) -> str:
    return f"{moment:%Y-%m}"


def _text(cls: str, x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text class="{cls}" x="{x:g}" y="{y:g}" text-anchor="{anchor}">{escape(text)}</text>'


def bar_chart(
    rows: Sequence[tuple[str, int]],
    title: str,
    chart_id: str,
) -> str:
    """Horizontal bars, one per ``(label, count)`` row, in the given order: each label
    on its own line above its bar, so that a long domain keeps its whole name on a phone.

    No links inside: the chart is one image to assistive technology; the page
    lists the same rows as links beside it.
    """
    if not rows:
        return _svg(chart_id, title, "Nothing to show yet.", 40, [])
    height = ROW_HEIGHT * len(rows) + 4
    peak = max(count for _, count in rows) or 1
    plot_w = WIDTH - VALUE_ROOM
    body = []
    for n, (label, count) in enumerate(rows):
        y = n * ROW_HEIGHT
        w = max(plot_w * count / peak, 1.0)
        body.append(_text("chart-label", 0, y + 13, _shorten(label)))
        body.append(f'<rect class="bar" x="0" y="{y + 18}" width="{w:.1f}" height="12" rx="2"/>')
        body.append(_text("chart-value", round(w + 5, 1), y + 29, str(count)))
    desc = "; ".join(f"{label}: {count}" for label, count in rows) + "."
    return _svg(chart_id, title, desc, height, body)


def _shorten(label: str, limit: int = LABEL_LIMIT) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
