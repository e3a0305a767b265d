"""Small server-side SVG charts (no JavaScript, no CDN): horizontal bars and grouped vertical bars."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ["#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#dc2626", "#ca8a04", "#4b5563"]


def _fmt(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 10000:.1f}万"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def hbar(items: list[tuple[str, float]], *, title: str, width: int = 560, unit: str = "") -> Markup:
    """One bar per (label, value), labelled; an empty list renders a 'no data' box."""
    row, label_w, pad = 26, 120, 8
    height = max(1, len(items)) * row + 34
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="14" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    if not items:
        out.append('<text x="0" y="40" font-size="12" fill="#6b7280">暂无数据</text></svg>')
        return Markup("".join(out))
    top = max(v for _, v in items) or 1
    span = width - label_w - 70
    for i, (label, value) in enumerate(items):
        y = 26 + i * row
        w = max(1.0, span * value / top) if value else 0
        out.append(
            f'<text x="{label_w - pad}" y="{y + 15}" font-size="12" text-anchor="end">{escape(str(label))}</text>'
        )
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="3" fill="{PALETTE[0]}">'
            f"<title>{escape(str(label))}: {_fmt(value)}{unit}</title></rect>"
        )
        out.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="#374151">{_fmt(value)}{unit}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def grouped_bars(
    categories: list[str], series: dict[str, list[float]], *, title: str, width: int = 640, height: int = 240
) -> Markup:
    """Vertical bars: one group per category (e.g. week), one bar per series (e.g. rep), with a legend."""
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height + 40}" '
        f'width="{width}" height="{height + 40}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="14" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    values = [v for vs in series.values() for v in vs]
    if not categories or not series or not any(values):
        out.append('<text x="0" y="40" font-size="12" fill="#6b7280">暂无数据</text></svg>')
        return Markup("".join(out))
    top = max(values) or 1
    left, bottom, chart_top = 30, height - 20, 28
    plot_w = width - left - 10
    group_w = plot_w / len(categories)
    bar_w = max(2.0, (group_w - 8) / len(series))
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#9ca3af"/>')
    out.append(f'<text x="{left - 4}" y="{chart_top + 4}" font-size="10" text-anchor="end">{_fmt(top)}</text>')
    for gi, category in enumerate(categories):
        gx = left + gi * group_w + 4
        for si, (name, vs) in enumerate(series.items()):
            v = vs[gi] if gi < len(vs) else 0
            h = (bottom - chart_top) * v / top
            out.append(
                f'<rect x="{gx + si * bar_w:.1f}" y="{bottom - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(name)} {escape(category)}: {_fmt(v)}</title></rect>'
            )
        out.append(
            f'<text x="{gx + group_w / 2 - 4:.1f}" y="{bottom + 14}" font-size="10" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
    lx = left
    for si, name in enumerate(series):
        out.append(
            f'<rect x="{lx}" y="{height + 22}" width="10" height="10" fill="{PALETTE[si % len(PALETTE)]}"/>'
            f'<text x="{lx + 14}" y="{height + 31}" font-size="11">{escape(name)}</text>'
        )
        lx += 24 + 12 * len(name)
    out.append("</svg>")
    return Markup("".join(out))
