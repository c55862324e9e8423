"""The stats page's charts, drawn as inline SVG at build time (no script, dark-mode aware)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from digestgen.model import DigestHead

WIDTH = 480
BAR_HEIGHT = 26
LABEL_WIDTH = 160


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> str:
    """An ``<svg>`` that screen readers announce by its title and description."""
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def items_over_time(heads: Sequence[DigestHead], chart_id: str = "chart-items") -> str:
    """Items per digest, one bar per digest, oldest on the left, on a date axis."""
    digests = sorted(heads, key=lambda d: d.date)
    title = "Links per digest over time"
    if not digests:
        return _svg(chart_id, title, "No digests yet.", 40, [])
    height, top, bottom, left, right = 220, 12, 28, 40, 8
    counts = [d.item_count for d in digests]
    peak = max(max(counts), 1)
    first, last = digests[0].date.timestamp(), digests[-1].date.timestamp()
    span = max(last - first, 1.0)
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    bar_w = max(min(plot_w / len(digests) * 0.8, 24.0), 1.0)
    body = [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" '
        f'y2="{top + plot_h}"/>',
        f'<text class="tick" x="{left - 6}" y="{top + 10}" text-anchor="end">{peak}</text>',
        f'<text class="tick" x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for digest, count in zip(digests, counts, strict=True):
        frac = 0.5 if len(digests) == 1 else (digest.date.timestamp() - first) / span
        x = left + frac * (plot_w - bar_w)
        h = plot_h * count / peak
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}"><title>{escape(digest.title)}: {count}</title></rect>'
        )
    body.append(_year_label(digests[0].date, left, height - 8, "start"))
    body.append(_year_label(digests[-1].date, WIDTH - right, height - 8, "end"))
    total = sum(counts)
    desc = (
        f"{len(digests)} digests from {digests[0].date:%Y-%m-%d} to {digests[-1].date:%Y-%m-%d}, "
        f"{total} links in all, between {min(counts)} and {peak} per digest "
        f"(average {total / len(digests):.1f})."
    )
    return _svg(chart_id, title, desc, height, body)


def _year_label(moment: datetime, x: float, y: float, anchor: str) -> str:
    return f'<text class="tick" x="{x}" y="{y}" text-anchor="{anchor}">{moment:%Y-%m}</text>'


def bar_chart(
    rows: Sequence[tuple[str, int]],
    title: str,
    chart_id: str,
) -> str:
    """Horizontal bars, one per ``(label, count)`` row, in the given order.

    No links inside: the chart is one image to assistive technology; the page
    lists the same rows as links beside it.
    """
    if not rows:
        return _svg(chart_id, title, "Nothing to show yet.", 40, [])
    height = BAR_HEIGHT * len(rows) + 8
    peak = max(count for _, count in rows) or 1
    plot_w = WIDTH - LABEL_WIDTH - 48
    body = []
    for n, (label, count) in enumerate(rows):
        y = 4 + n * BAR_HEIGHT
        w = max(plot_w * count / peak, 1.0)
        body.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(_shorten(label))}</text>"
        )
        body.append(
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" '
            f'height="{BAR_HEIGHT - 6}"/>'
            f'<text class="value" x="{LABEL_WIDTH + w + 6:.1f}" y="{y + 18}">{count}</text>'
        )
    desc = "; ".join(f"{label}: {count}" for label, count in rows) + "."
    return _svg(chart_id, title, desc, height, body)


def _shorten(label: str, limit: int = 20) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
