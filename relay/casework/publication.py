"""What the approve form offers and checks: each public text with personal data masked, and what still looks personal.

The console pre-fills the form with ``suggested_public_texts``. ``review``
gives, for each text, the masked spans to highlight and the flags (long digit
runs, @, 号/室, a name-like word after a trigger) the moderator must confirm
one by one; ``Planner.approve`` refuses while any flag of the submitted texts
is unconfirmed. The demo seeding and the tests approve with the same texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..mask import Flag, Masking, PersonalData, find_flags, mask_text, unconfirmed_flags

FLAG_FIELD = "flag_"  # a checkbox per flag: flag_<flag id> = yes


def known_data(item: Any) -> PersonalData:
    """The submitter's own name, phone and e-mail, and names the question gives (我叫王建国)."""
    return PersonalData.from_form(item.name, item.contact_phone, item.contact_email).including_names_in(item.text)


def maskings(item: Any, public: Iterable[str] = ()) -> dict[str, Masking]:
    """The question and each reply masked once: ``{form field: Masking}``."""
    known, keep = known_data(item), tuple(public)
    originals = {"public_text": item.text} | {f"public_reply_{r.id}": r.text for r in item.replies}
    return {field: mask_text(text, known, keep) for field, text in originals.items()}


def suggested_public_texts(item: Any, public: Iterable[str] = ()) -> tuple[str, dict[int, str]]:
    """(public question, {reply id: public reply}): what was approved before, else the masked originals."""
    return suggestions(item, maskings(item, public))


def suggestions(item: Any, masked: dict[str, Masking]) -> tuple[str, dict[int, str]]:
    question = item.public_text or masked["public_text"].text
    replies = {r.id: r.public_text or masked[f"public_reply_{r.id}"].text for r in item.replies}
    return question, replies


def approval_form(item: Any, public: Iterable[str] = ()) -> dict[str, str]:
    """The approve form's fields as the console pre-fills them, every flag confirmed (a moderator who checked all)."""
    question, replies = suggested_public_texts(item, public)
    texts = {"public_text": question} | {f"public_reply_{reply_id}": text for reply_id, text in replies.items()}
    confirmed = {f"{FLAG_FIELD}{flag.id}": "yes" for text in texts.values() for flag in find_flags(text, public)}
    return texts | confirmed


@dataclass(frozen=True)
class PublicText:
    """One text of the approve form: its field, what the form shows, the masked spans and the flags."""

    field: str
    text: str
    segments: list[tuple[str, str | None]]  # the masked original, to highlight what was hidden
    flags: tuple[Flag, ...]


def review(item: Any, values: Mapping[str, str], public: Iterable[str] = ()) -> list[PublicText]:
    """The approve form's texts: the submitted values (after a refusal) or the suggestions, with spans and flags."""
    keep = tuple(public)
    masked = maskings(item, keep)
    question, replies = suggestions(item, masked)
    suggested = {"public_text": question} | {f"public_reply_{reply_id}": text for reply_id, text in replies.items()}
    shown = []
    for field, masking in masked.items():
        text = values.get(field) or suggested[field]
        shown.append(PublicText(field, text, masking.segments(), find_flags(text, keep)))
    return shown


def confirmed_flags(form: Mapping[str, str]) -> set[str]:
    return {key[len(FLAG_FIELD) :] for key, value in form.items() if key.startswith(FLAG_FIELD) and value == "yes"}


def unconfirmed(texts: Iterable[str], form: Mapping[str, str], public: Iterable[str] = ()) -> list[Flag]:
    """The flags of the submitted texts the moderator has not confirmed: approval waits until there are none."""
    done, keep = confirmed_flags(form), tuple(public)
    return [flag for text in texts for flag in unconfirmed_flags(text, done, keep)]
