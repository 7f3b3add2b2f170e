"""A form sent after the item changed: carry it out anyway, or hand it back with what was typed.

Every form of the item page carries the item's version and the last change the
page showed (``seen``: the id of the item's latest audit entry). When the
version no longer matches, someone acted while the person was typing.

What a moderator expects: a reply says what the station tells the person at
this stage of the item. A 督办, an assignment, a claim, an acceptance, a
hazard's acknowledgement, a deadline or an extension change who works the item,
how urgently and by when, not what the reply should say; throwing a long reply
away for them would only cost the person their work. So a reply typed before
one of those is carried out on the item as it is now (still guarded by the
version, still planned from scratch: the planner refuses it if the item no
longer takes a reply). Anything else, and every other action, is handed back:
another reply came first (a second answer would say something else, or a
first reply would turn into the final one), the item was closed, published,
reopened, transferred or pushed back. The item page then shows what changed,
with the form of the item as it is now holding what was typed.

A station's form sent after a moderator transferred the item to another
station cannot show the item again: the station may no longer see it. It gets
what was typed back to copy, with only what it knew already (the receipt code)
and what it may know of the move (when, and to which station by its public
name). A station that never had the item, or not since the form was shown,
hears nothing: the item does not exist for it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

# Changes after which a reply typed before is still the reply its author meant (``resubmission``: the person
# sent the same report again with a photo or a phone number, ``relay.folding``).
BESIDE_A_REPLY = frozenset(
    {
        "accept",
        "acknowledge",
        "assign",
        "claim",
        "escalate",
        "deadline",
        "request_extension",
        "grant_extension",
        "refuse_extension",
        "resubmission",
    }
)
# The form's fields that hold typed text: what a refused form keeps for its author to send again or copy.
TYPED_FIELDS = {
    "reply": "答复",
    "note": "说明",
    "reason": "理由",
    "public_text": "公开的问题",
    "final_due_note": "另定日期的理由",
    "receiver": "对方接收人",
}


def still_fits(action: str, changes: Iterable[str] | None) -> bool:
    """Whether ``action``, sent from a page older than the item, may be planned on the item as it is now.

    ``changes``: the actions taken on the item since the page was shown, oldest first; None when the form does
    not say which page it came from (then nothing is carried out)."""
    return action == "reply" and changes is not None and all(name in BESIDE_A_REPLY for name in changes)


def typed_text(form: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, label, text) for each field of ``form`` that holds typed text, in the form's order."""
    kept = []
    for name, value in form.items():
        label = TYPED_FIELDS.get(name) or ("公开的答复" if name.startswith("public_reply_") else "")
        if label and value.strip():
            kept.append((name, label, value))
    return kept


class LoggedChange(Protocol):
    """An audit entry of an item (``relay.store.AuditEntry``)."""

    @property
    def action(self) -> str: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def target(self) -> str | None: ...
    @property
    def before(self) -> str | None: ...
    @property
    def after(self) -> str | None: ...


@dataclass(frozen=True)
class TransferredAway:
    """An item moved from a station to another: what that station's people may be told of it."""

    receipt_code: str
    at: dt.datetime
    to_station: str


def transferred_away(changes: Iterable[LoggedChange], stations: Collection[str]) -> TransferredAway | None:
    """The first transfer, among ``changes`` (an item's changes since a form was shown, oldest first), that took
    the item from one of ``stations`` to a station outside them; None when there was none."""
    for change in changes:
        if change.action != "transfer":
            continue
        before, after = json.loads(change.before or "{}"), json.loads(change.after or "{}")
        if before.get("station") in stations and after.get("station") not in stations:
            return TransferredAway(change.target or "", change.at, str(after.get("station")))
    return None
