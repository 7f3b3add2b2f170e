"""The texts of e-mail notifications: (recipient, subject, body).

Subjects are built from receipt codes and station names only; submitted text
never reaches a header, and the mailer refuses line breaks in headers anyway.
"""

from __future__ import annotations

from typing import Any

from .settings import Settings
from .timefmt import local_time


def new_item_for_station(
    item: Any, station: Any, settings: Settings, transferred: bool = False
) -> tuple[str, str, str]:
    kind = item.kind.label
    verb = "转来" if transferred else "新收到"
    due = f"请于 {local_time(item.first_reply_due_at)} 前答复。" if item.first_reply_due_at else ""
    body = (
        f"{station.name}：\n\n{verb}群众{kind}一件，受理编号 {item.receipt_code}。{due}\n\n"
        f"请登录后台处理：{settings.public_url}/console/items/{item.id}\n\n"
        "（为保护个人信息，邮件中不含提交内容和联系方式。）\n"
    )
    return station.email, f"[{station.name}] {verb}{kind} {item.receipt_code}", body


def reply_notices(item: Any, reply_text: str, settings: Settings) -> tuple[Any, ...]:
    """The messages that tell the submitter about a reply: by e-mail when they left an address."""
    from .casework.change import Message

    if item.contact_email:
        return (Message(*reply_to_submitter(item, reply_text, settings)),)
    return ()


def reply_to_submitter(item: Any, reply_text: str, settings: Settings) -> tuple[str, str, str]:
    body = (
        f"您好：\n\n您提交的{item.kind.label}（受理编号 {item.receipt_code}）已有答复：\n\n{reply_text}\n\n"
        f"查看办理进度：{settings.public_url}/track/{item.receipt_code}\n\n"
        "紧急情况请拨打 110。本邮件由系统发出，请勿直接回复。\n"
    )
    return str(item.contact_email), f"您的{item.kind.label}已有答复（受理编号 {item.receipt_code}）", body


def overdue_digest(rows: list[Any], stations: Any, settings: Settings) -> tuple[str, str]:
    """(subject, body) of the daily digest of overdue items."""
    lines = [f"截至目前共有 {len(rows)} 件事项超过答复期限：", ""]
    for row in rows:
        station = stations.get(row.station)
        lines.append(
            f"- {row.receipt_code} {station.name if station else row.station} {row.kind.label} {row.status.label} {settings.public_url}/console/items/{row.id}"
        )
    return f"超时未答复事项 {len(rows)} 件", "\n".join(lines) + "\n"
