"""The texts of notifications: e-mails (recipient, subject, body) and SMS.

Subjects are built from receipt codes and station names only; submitted text
never reaches a header, and the mailer refuses line breaks in headers anyway.
An SMS carries the receipt code, the kind and the tracking link only (from the
``RELAY_SMS_*_TEMPLATE`` settings), never submitted or reply text; it goes to
submitters who left a mobile number and no e-mail address.
"""

from __future__ import annotations

from typing import Any

from .contact import is_mobile
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


def intake_notices(item: Any, station: Any, settings: Settings) -> tuple[Any, ...]:
    """The messages a new item causes: the station's e-mail, and the receipt SMS to a phone-only submitter.

    After a resubmission that added contact details to an item (``item.resubmission``), only the receipt
    SMS: the station knows the item already.
    """
    from .casework.change import Message

    if getattr(item, "resubmission", False):
        return _sms(item, settings.sms_receipt_template, settings)
    mail = (Message(*new_item_for_station(item, station, settings)),) if station.email else ()
    return mail + _sms(item, settings.sms_receipt_template, settings)


def receipt_notices(item: Any, settings: Settings) -> tuple[Any, ...]:
    """The receipt for an item staff entered for a citizen: by e-mail when they gave an address, else by SMS."""
    from .casework.change import Message

    if item.contact_email:
        due = f"我们将于 {local_time(item.first_reply_due_at)} 前答复。" if item.first_reply_due_at else ""
        body = (
            f"您好：\n\n您的{item.kind.label}已受理，受理编号 {item.receipt_code}。{due}\n\n"
            f"查看办理进度：{_track_link(item, settings)}\n\n"
            "紧急情况请拨打 110。本邮件由系统发出，请勿直接回复。\n"
        )
        subject = f"您的{item.kind.label}已受理（受理编号 {item.receipt_code}）"
        return (Message(str(item.contact_email), subject, body),)
    return _sms(item, settings.sms_receipt_template, settings)


def reply_notices(item: Any, reply_text: str, settings: Settings) -> tuple[Any, ...]:
    """The messages that tell the submitter about a reply: by e-mail when they left an address, else by SMS."""
    from .casework.change import Message

    if item.contact_email:
        return (Message(*reply_to_submitter(item, reply_text, settings)),)
    return _sms(item, settings.sms_reply_template, settings)


def callback_notices(item: Any, settings: Settings) -> tuple[Any, ...]:
    """The messages that tell the submitter a callback (回访) was opened: e-mail, else SMS."""
    from .casework.change import Message

    if item.contact_email:
        body = (
            f"您好：\n\n您提交的{item.kind.label}（受理编号 {item.receipt_code}）已收到您的评价，"
            "民警将与您联系回访，了解您对办理情况的意见。\n\n"
            f"查看办理进度：{_track_link(item, settings)}\n\n"
            "紧急情况请拨打 110。本邮件由系统发出，请勿直接回复。\n"
        )
        subject = f"您的{item.kind.label}将有民警回访（受理编号 {item.receipt_code}）"
        return (Message(str(item.contact_email), subject, body),)
    return _sms(item, settings.sms_callback_template, settings)


def _track_link(item: Any, settings: Settings) -> str:
    return f"{settings.public_url}/track/{item.receipt_code}"


def _sms(item: Any, template: str, settings: Settings) -> tuple[Any, ...]:
    """One SMS from ``template`` to a submitter who left a mobile number and no address (when SMS is on)."""
    from .casework.change import Message

    phone = getattr(item, "contact_phone", None)
    if not settings.sends_sms or getattr(item, "contact_email", None) or not is_mobile(phone):
        return ()
    body = template.format(code=item.receipt_code, link=_track_link(item, settings), kind=item.kind.label)
    return (Message(str(phone), "", body, channel="sms"),)


def reply_to_submitter(item: Any, reply_text: str, settings: Settings) -> tuple[str, str, str]:
    body = (
        f"您好：\n\n您提交的{item.kind.label}（受理编号 {item.receipt_code}）已有答复：\n\n{reply_text}\n\n"
        f"查看办理进度：{_track_link(item, settings)}\n\n"
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


LEVELS = {1: "一般督办", 2: "重点督办", 3: "挂牌督办"}


def escalation_notice(
    item: Any, station: Any, level: int, reason: str, due: Any, settings: Settings
) -> tuple[str, str]:
    """(subject, body) of a 督办 notice to the chief's mailbox and the district office.

    The moderator's reason is theirs, not the citizen's text, so it may go in the body.
    """
    label = LEVELS.get(level, "督办")
    body = (
        f"{station.name}：\n\n群众{item.kind.label}（受理编号 {item.receipt_code}）已列为{label}。\n"
        f"督办意见：{reason}\n请于 {local_time(due)} 前办结并答复。\n\n"
        f"办理：{settings.public_url}/console/items/{item.id}\n\n"
        "（为保护个人信息，邮件中不含提交内容和联系方式。）\n"
    )
    return f"[{label}] {station.name} {item.receipt_code}", body


def transfer_out_notice(item: Any, unit: Any, masked_text: str, settings: Settings) -> tuple[str, str]:
    """(subject, body) for an external unit: the masked text and the tracking link, nothing else."""
    body = (
        f"{unit.name}：\n\n云澜市公安局群众诉求平台转来群众{item.kind.label}一件（受理编号 {item.receipt_code}），"
        f"属贵单位职责范围，请依职责办理。\n\n内容（已隐去个人信息）：\n{masked_text}\n\n"
        f"办理进度查询：{settings.public_url}/track/{item.receipt_code}\n"
    )
    return f"转办：群众{item.kind.label} {item.receipt_code}", body


def reminder_notice(
    item: Any, station: Any, deadline_label: str, due: Any, missed: bool, settings: Settings
) -> tuple[str, str]:
    """(subject, body) of a reminder before a deadline, or when it was missed."""
    state = "已超过" if missed else "即将到达"
    body = (
        f"{station.name if station else item.station}：\n\n群众{item.kind.label}（受理编号 {item.receipt_code}）"
        f"{state}{deadline_label}（{local_time(due)}）。\n\n办理：{settings.public_url}/console/items/{item.id}\n"
    )
    return f"[{'超期' if missed else '提醒'}] {deadline_label} {item.receipt_code}", body


def assigned_notice(item: Any, officer: Any, settings: Settings) -> tuple[str, str]:
    """(subject, body) telling an officer an item is now theirs."""
    due = f"答复期限：{local_time(item.first_reply_due_at)}。" if item.first_reply_due_at else ""
    body = (
        f"{officer.display_name}：\n\n群众{item.kind.label}（受理编号 {item.receipt_code}）已指定由您负责办理。{due}\n\n"
        f"办理：{settings.public_url}/console/items/{item.id}\n\n（为保护个人信息，邮件中不含提交内容和联系方式。）\n"
    )
    return f"[指定办理] {item.receipt_code}", body
