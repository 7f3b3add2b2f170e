"""The 考核 chart: one horizontal bar per station, and the same numbers as text."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

CHART_TITLE = "各派出所按时首次答复率"


def bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stations with items judged, with the share, the count and the text that says it."""
    shown = []
    for row in rows:
        first = row["figures"]["first_reply"]
        if not first["due"]:
            continue
        percent = 100 * first["on_time"] / first["due"]
        shown.append(
            {
                "name": row["station"].name,
                "percent": percent,
                "label": f"{percent:.0f}%（{first['on_time']}/{first['due']} 件）",
                "text": f"{row['station'].name}：按时首次答复率 {percent:.0f}%，{first['due']} 件中 {first['on_time']} 件按时",
            }
        )
    return shown


def chart(rows: list[dict[str, Any]], chart_id: str) -> Markup:
    """An SVG bar chart with a title, and a list saying each bar in words (its text equivalent).

    Every bar carries its number, so no colour is needed to read it.
    """
    shown = bars(rows)
    if not shown:
        return Markup('<p class="meta">本期没有判定答复时限的事项，不作图。</p>')
    height = 24 * len(shown) + 8
    parts = []
    for index, bar in enumerate(shown):
        y = 4 + index * 24
        width = round(3.2 * bar["percent"])
        inside = width > 200  # a long bar carries its label inside (white on the bar), so no label runs past the edge
        parts.append(Markup('<text x="150" y="{}" text-anchor="end">{}</text><rect x="156" y="{}" width="{}" height="16" fill="#0b2f6b"/><text x="{}" y="{}"{}>{}</text>').format(
            y + 13, bar["name"], y, width, 152 + width if inside else 160 + width, y + 13,
            Markup(' text-anchor="end" fill="#fff"') if inside else "", bar["label"]))  # fmt: skip
    svg = Markup(
        '<svg class="chart" role="img" aria-labelledby="{0}-title" aria-describedby="{0}-text" viewBox="0 0 600 {1}" '
        'width="600" height="{1}" font-size="13"><title id="{0}-title">{2}</title>{3}</svg>'
    ).format(chart_id, height, CHART_TITLE, Markup("").join(parts))
    items = Markup("").join(Markup("<li>{}</li>").format(bar["text"]) for bar in shown)
    return Markup(
        '<figure class="chart-figure">{}<figcaption>{}（每条横线的长度为比例，数字写在线旁）</figcaption></figure>'
        '<details class="chart-text" id="{}-text" open><summary>图表的文字说明</summary><ul>{}</ul></details>'
    ).format(svg, CHART_TITLE, chart_id, items)
