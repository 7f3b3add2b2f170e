"""The 考核 chart: one row per station with a bar, in HTML and CSS, and the same numbers as text."""

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
    """A bar chart in HTML: one row per station with its name, its number written out and a bar, and a list saying
    each row in a sentence (its text equivalent).

    Not an SVG: a 600-wide drawing scaled to a 360 px phone had 5 px labels that did not grow with the reader's text
    size. Here every word is page text. The bar's length is a width class in steps of 1 % (``chart-w0`` …
    ``chart-w100`` in site.css), not a ``style`` attribute: the site's Content-Security-Policy says
    ``style-src 'self'`` (deploy/nginx/site-headers.conf), which blocks inline styles. The bar is hidden from screen
    readers and needs no colour to read: the number beside it is always written. The rows already read well aloud
    ("东山派出所 83%（5/6 件）"); the list below stays for the whole sentence ("6 件中 5 件按时") and stays linked by
    ``aria-describedby``.
    """
    shown = bars(rows)
    if not shown:
        return Markup('<p class="meta">本期没有判定答复时限的事项，不作图。</p>')
    rows_html = Markup("").join(
        Markup(
            '<li><span class="chart-name">{}</span> <span class="chart-label">{}</span>'
            '<span class="chart-bar" aria-hidden="true"><span class="chart-fill chart-w{}"></span></span></li>'
        ).format(bar["name"], bar["label"], round(bar["percent"]))
        for bar in shown
    )
    items = Markup("").join(Markup("<li>{}</li>").format(bar["text"]) for bar in shown)
    return Markup(
        '<figure class="chart-figure" aria-labelledby="{0}-title" aria-describedby="{0}-text">'
        '<figcaption id="{0}-title">{1}（每行横条的长度为比例，数字写在横条旁）</figcaption><ul class="chart">{2}</ul></figure>'
        '<details class="chart-text" id="{0}-text" open><summary>图表的文字说明</summary><ul>{3}</ul></details>'
    ).format(chart_id, CHART_TITLE, rows_html, items)
