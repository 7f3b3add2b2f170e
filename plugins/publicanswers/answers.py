"""Published items as Pelican articles, built from escaped text only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup, escape
from pelican.contents import Article
from pelican.urlwrappers import Category

MODULE_OF_KIND = {"question": "qa", "suggestion": "qa", "help": "help", "hazard": "hazard"}
KIND_LABEL = {"question": "咨询", "suggestion": "建议", "help": "求助", "hazard": "隐患举报"}
TITLE_CHARS = 36
BEIJING = dt.timezone(dt.timedelta(hours=8))


def plain_html(text: str) -> Markup:
    """Submitted text as HTML: escaped, line breaks kept, nothing else."""
    return Markup("<br>\n").join(escape(line) for line in text.splitlines() or [""])


def when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(BEIJING) if text else None


def describe_hours(hours: float | None) -> str:
    if hours is None:
        return ""
    if hours < 1:
        return f"{max(round(hours * 60), 1)} 分钟"
    return f"{one_decimal(hours)} 小时" if hours < 48 else f"{one_decimal(hours / 24)} 天"


def one_decimal(value: float) -> str:
    """5 rather than 5.0: a reader sees a whole number as one."""
    return f"{value:.1f}".removesuffix(".0")


def answer_article(item: dict[str, Any], settings: dict[str, Any], context: dict[str, Any]) -> Article:
    module = MODULE_OF_KIND[item["kind"]]
    question = " ".join(item["question"].split())
    title = question if len(question) <= TITLE_CHARS else question[: TITLE_CHARS - 1] + "…"
    received = when(item["received_at"])
    published = when(item["published_at"]) or when(item["first_reply_at"]) or received
    assert received is not None and published is not None
    parts = [
        Markup('<section class="qa-question"><h2>{}</h2><p>{}</p><p class="meta">{} · 受理于 {}</p></section>').format(
            KIND_LABEL[item["kind"]],
            plain_html(item["question"]),
            KIND_LABEL[item["kind"]],
            received.strftime("%Y年%m月%d日 %H:%M"),
        )
    ]
    for reply in item["replies"]:
        label = "最终答复" if reply["kind"] == "final" else ("初步答复" if item["kind"] == "help" else "答复")
        replied = when(reply["at"])
        assert replied is not None
        parts.append(
            Markup('<section class="qa-reply"><h2>{}</h2><p>{}</p><p class="meta">{}</p></section>').format(
                label, plain_html(reply["text"]), replied.strftime("%Y年%m月%d日 %H:%M")
            )
        )
    if item["reply_hours"] is not None:
        parts.append(Markup('<p class="meta">受理后 {} 作出首次答复。</p>').format(describe_hours(item["reply_hours"])))
    metadata = {
        "title": str(escape(title)),
        "date": published.replace(tzinfo=None),
        "slug": f"{module}-{item['id']}",
        "station": item["station"],
        "module": module,
        "summary": str(escape(title)),
        "category": Category(settings["DEFAULT_CATEGORY"], settings),
    }
    article = Article(
        str(Markup("\n").join(parts)),
        metadata=metadata,
        settings=settings,
        source_path=f"relay-export/{item['id']}",
        context=context,
    )
    article.answer = item
    article.reply_hours_text = describe_hours(item["reply_hours"])
    return article
