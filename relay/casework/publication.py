"""What the approve form offers: the question and each reply with personal data masked.

The console pre-fills the form with these; the demo seeding and the tests
approve with them unchanged, as a moderator who only checks would.
"""

from __future__ import annotations

from typing import Any

from ..mask import mask_personal_data


def suggested_public_texts(item: Any) -> tuple[str, dict[int, str]]:
    """(public question, {reply id: public reply}): what was approved before, else the masked originals."""
    known_names = [item.name] if item.name else []
    question = item.public_text or mask_personal_data(item.text, known_names)
    replies = {r.id: r.public_text or mask_personal_data(r.text, known_names) for r in item.replies}
    return question, replies


def approval_form(item: Any) -> dict[str, str]:
    """The approve form's fields as the console pre-fills them."""
    question, replies = suggested_public_texts(item)
    return {"public_text": question} | {f"public_reply_{reply_id}": text for reply_id, text in replies.items()}
