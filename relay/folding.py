"""A resubmission: the same text, kind and station again from the same client within the folding window.

People send a form twice: a double tap, a reload, or on purpose, to add the
photo or the phone number they forgot. ``plan_resubmission`` decides, from
what the first item holds and what came now, whether the resubmission folds
into the first receipt and what it adds there, or gets a receipt of its own.

- What the first item lacks (a photo, the location, a name, a phone, an
  e-mail address) is added to it, and the citizen is told it was added to the
  same receipt. A phone beside an e-mail address, or the other way round,
  is an addition too.
- The same photo (the same bytes once re-encoded) or the same contact again
  adds nothing: a plain fold, "编号不变".
- The consent to publish follows the latest form: a tick given now is kept,
  and a tick taken away withdraws it (publishing against a wish is the worse
  mistake).
- What the first item already holds differently (another photo, another phone
  or address, another location or name) is neither written over the first nor
  dropped: an item keeps one photo and one contact, and a changed one may be a
  correction or a second scene the station should see. The resubmission gets
  its own receipt, linked to the first as a possible duplicate (the console
  shows them together), and the receipt page says why it has a new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store.intake import NewItem

# What a resubmission may bring, in the order the citizen is told of it.
DETAILS = {
    "photo": "照片",
    "location": "地点",
    "name": "称呼",
    "contact_phone": "联系电话",
    "contact_email": "电子邮箱",
}
CONSENT = "consent"


@dataclass(frozen=True)
class Earlier:
    """What the first item holds of what a resubmission may bring."""

    has_photo: bool
    location: str | None
    name: str | None
    contact_phone: str | None
    contact_email: str | None
    consent: bool


@dataclass(frozen=True)
class Fold:
    """The first receipt again; ``updates`` (a column, or ``photo`` for the new photo) go onto the first item."""

    updates: dict[str, Any]

    @property
    def updated(self) -> tuple[str, ...]:
        return tuple(self.updates)


@dataclass(frozen=True)
class KeepApart:
    """A receipt of its own, linked to the first item; ``differing`` names the details the two disagree on."""

    differing: tuple[str, ...]


def plan_resubmission(earlier: Earlier, new: NewItem, same_photo: bool) -> Fold | KeepApart:
    """Fold ``new`` into ``earlier`` with what it adds, or keep it apart when it brings a different detail.

    ``same_photo``: both have a photo and the stored one has the same bytes as ``new``'s.
    """
    updates: dict[str, Any] = {}
    differing: list[str] = []
    if new.photo is not None:
        if not earlier.has_photo:
            updates["photo"] = True
        elif not same_photo:
            differing.append("photo")
    for field in ("location", "name", "contact_phone", "contact_email"):
        given, held = getattr(new, field), getattr(earlier, field)
        if not given or _squeezed(given) == _squeezed(held):
            continue
        if held:
            differing.append(field)
        else:
            updates[field] = given
    if differing:
        return KeepApart(tuple(differing))
    if new.consent != earlier.consent:
        updates[CONSENT] = new.consent
    return Fold(updates)


def detail_words(fields: list[str] | tuple[str, ...]) -> str:
    """``照片、联系电话`` for the fields named (unknown names left out)."""
    return "、".join(DETAILS[field] for field in DETAILS if field in fields)


def history_note(updated: tuple[str, ...]) -> str:
    """The item's history line for a fold that changed it (the details named, never their values)."""
    parts = []
    if any(field in DETAILS for field in updated):
        parts.append(f"补充了{detail_words(updated)}")
    if CONSENT in updated:
        parts.append("是否同意公开以这次的选择为准")
    return "再次提交相同内容，" + "；".join(parts)


def _squeezed(value: str | None) -> str:
    """Spacing does not make a location or a name another one (as it does not make another text)."""
    return "".join((value or "").split())
