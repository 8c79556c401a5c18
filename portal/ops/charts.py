"""Small inline SVG charts, drawn on the server (no script, no CDN)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from markupsafe import Markup

from portal.ops.queries import LOCAL_TZ

COLOURS = ("#1f6feb", "#2da44e", "#cf222e", "#9a6700")


def line_chart(
    minutes: list[datetime],
    series: list[tuple[str, list[int]]],
    width: int = 640,
    height: int = 140,
    label: str = "",
) -> Markup:
    """A line chart of per-minute counts with a max label and hour ticks."""
    pad_l, pad_b, pad_t = 34, 18, 8
    w, h = width - pad_l - 4, height - pad_b - pad_t
    n = max(len(minutes), 2)
    top = max([max(v) if v else 0 for _, v in series] + [1])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{pad_l}" y="{pad_t}" width="{w}" height="{h}" fill="#f6f8fa" stroke="#d0d7de"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 9}" text-anchor="end" font-size="10">{top}</text>',
        f'<text x="{pad_l - 4}" y="{pad_t + h}" text-anchor="end" font-size="10">0</text>',
    ]
    for i, utc_minute in enumerate(minutes):
        m = utc_minute.astimezone(LOCAL_TZ)
        if m.minute == 0:
            x = pad_l + w * i / (n - 1)
            parts.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{pad_t + h}" stroke="#e5e7eb"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" font-size="10">'
                f"{m.strftime('%H:%M')}</text>"
            )
    legend_x = pad_l + 6
    for idx, (name, values) in enumerate(series):
        colour = COLOURS[idx % len(COLOURS)]
        points = " ".join(
            f"{pad_l + w * i / (n - 1):.1f},{pad_t + h - h * v / top:.1f}" for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        legend = f"■ {name} ({sum(values)})"
        parts.append(
            f'<text x="{legend_x}" y="{pad_t + 11}" font-size="11" fill="{colour}">{escape(legend)}</text>'
        )
        legend_x += int(len(legend) * 6.4) + 16
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def timeline(rows: list[dict[str, Any]], width: int = 900, lane_h: int = 26) -> Markup:
    """Swimlanes of a trace: one lane per bus stage, module or axis; a mark per hop, a bar per duration."""
    if not rows:
        return Markup("")
    lanes: list[str] = []
    for r in rows:
        if r["lane"] not in lanes:
            lanes.append(r["lane"])
    pad_l, pad_t = 170, 18
    w = width - pad_l - 10
    span = max(max(r["offset_ms"] + (r["duration_ms"] or 0) for r in rows), 1.0)
    height = pad_t + lane_h * len(lanes) + 10
    parts = [
        f'<svg class="timeline" role="img" aria-label="timeline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{pad_l}" y="12" font-size="10">0 ms</text>',
        f'<text x="{width - 10}" y="12" font-size="10" text-anchor="end">{span:.1f} ms</text>',
    ]
    for i, lane in enumerate(lanes):
        y = pad_t + i * lane_h
        parts.append(
            f'<rect x="0" y="{y}" width="{width}" height="{lane_h}" fill="{"#f6f8fa" if i % 2 else "#fff"}"/>'
        )
        parts.append(f'<text x="4" y="{y + 17}" font-size="11">{escape(lane[:28])}</text>')
    colour = {
        "published": "#1f6feb",
        "routed": "#8250df",
        "handled": "#2da44e",
        "retried": "#9a6700",
        "dead_lettered": "#cf222e",
        "replayed": "#bf3989",
        "discarded": "#57606a",
    }
    for r in rows:
        y = pad_t + lanes.index(r["lane"]) * lane_h
        x = pad_l + w * r["offset_ms"] / span
        c = colour.get(r["hop"], "#57606a")
        tip = escape(f"{r['hop']} · {r['actor']} · {r['type']} · +{r['offset_ms']} ms")
        if r["duration_ms"]:
            bw = max(w * r["duration_ms"] / span, 2)
            parts.append(
                f'<rect x="{max(x - bw, pad_l):.1f}" y="{y + 8}" width="{bw:.1f}" height="10" '
                f'fill="{c}" opacity="0.35"><title>{tip}</title></rect>'
            )
        parts.append(f'<circle cx="{x:.1f}" cy="{y + 13}" r="5" fill="{c}"><title>{tip}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
