"""The words of the relay's data: kinds, channels, statuses, roles. Plain enums, no database library.

``relay.models`` stores them; the clock table, the site's build (the promise in every
ask box) and the forms use them without loading SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import enum


class Kind(enum.StrEnum):
    QUESTION = "question"
    HELP = "help"
    HAZARD = "hazard"
    SUGGESTION = "suggestion"

    @property
    def label(self) -> str:
        return {"question": "咨询", "help": "求助", "hazard": "隐患举报", "suggestion": "建议"}[self.value]

    @property
    def site_module(self) -> str:
        """The site section that lists answers of this kind (``MODULE_OF_KIND`` in plugins/publicanswers)."""
        return {"question": "qa", "help": "help", "hazard": "hazard", "suggestion": "qa"}[self.value]


class Channel(enum.StrEnum):
    """How an item reached us: the web form, or entered by staff from another channel."""

    WEB = "web"
    PHONE = "phone"
    COUNTER = "counter"
    LETTER = "letter"
    HOTLINE = "hotline_12345"
    REFERRAL = "referral_110"

    @property
    def label(self) -> str:
        return {
            "web": "网上留言",
            "phone": "电话",
            "counter": "窗口来访",
            "letter": "来信",
            "hotline_12345": "12345 热线转办",
            "referral_110": "110 非紧急警情转办",
        }[self.value]


class Status(enum.StrEnum):
    NEW = "new"
    AWAITING_REPLY = "awaiting_reply"
    AWAITING_FINAL_REPLY = "awaiting_final_reply"
    ANSWERED = "answered"
    ANSWERED_PRIVATE = "answered_private"  # answered, and closed unpublished: the sender did not agree to publication
    PUBLISHED = "published"
    REJECTED = "rejected"
    SPAM = "spam"
    TRANSFERRED_OUT = "transferred_out"

    @property
    def label(self) -> str:
        return {
            "new": "已受理，待审核",
            "awaiting_reply": "待答复",
            "awaiting_final_reply": "已初步答复，待最终答复",
            "answered": "已答复",
            "answered_private": "已答复",
            "published": "已答复，批准公开",
            "rejected": "不予受理",
            "spam": "不予受理",
            "transferred_out": "已转交其他单位办理",
        }[self.value]

    @property
    def console_label(self) -> str:
        return {
            "new": "新收到",
            "awaiting_reply": "待答复",
            "awaiting_final_reply": "待最终答复",
            "answered": "已答复待公开",
            "answered_private": "已答复不公开",
            "published": "已批准公开",
            "rejected": "不予受理",
            "spam": "垃圾信息",
            "transferred_out": "已转外单位",
        }[self.value]


def public_status_label(status: Status, live_at: dt.datetime | None) -> str:
    """The tracking page's status: an approved answer is public only once a site build shows it."""
    if status is Status.PUBLISHED:
        return "已答复并公开" if live_at else "已答复，答复将于几分钟内在网站公开"
    return status.label


def console_status_label(status: Status, live_at: dt.datetime | None) -> str:
    if status is Status.PUBLISHED:
        return "已公开" if live_at else "已通过待上线"
    return status.console_label


class RatingStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    STATION = "station"
    OFFICER = "officer"

    @property
    def label(self) -> str:
        return {"admin": "管理员", "moderator": "审核员", "station": "派出所账号", "officer": "民警"}[self.value]

    @property
    def station_bound(self) -> bool:
        """Station accounts and officers see only their own stations' items."""
        return self in (Role.STATION, Role.OFFICER)


class ReplyKind(enum.StrEnum):
    FIRST = "first"
    FINAL = "final"
