"""What counts as a phone number or an e-mail address, and the one form each is stored in.

The ask form's contact field, the console's entry form and the SMS outbox
all read numbers through here. People type on phones whose Chinese keyboards
give full-width digits and dashes (``１３８－００１３－８０００``), group the
digits with spaces, dashes or brackets, and put ``+86`` or ``0086`` before a
mobile number; all of that is taken. A mobile number is stored as its 11
digits (``13800138000``), a landline as area code, a hyphen and the local
number (``0417-2831101``), an e-mail address with its domain in small letters.
"""

from __future__ import annotations

import re
import unicodedata

MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Beijing (010) and the 02x cities have 3-digit area codes, every other city 4; local numbers have 7 or 8 digits.
LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([0-9]{7,8})")
EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
EMAIL_MAX = 254  # what the store keeps
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fb().·]")
_COUNTRY_PREFIXES = ("+86", "0086", "86")


class BadNumber(ValueError):
    """Not a mainland mobile number: no SMS can reach it, however often we try."""


def _digits(raw: str) -> str:
    """``raw`` with full-width forms folded (NFKC) and the separators people put between digits dropped."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))


def _national(digits: str) -> str:
    """A number without its ``+86``/``0086`` prefix; a landline written after one gets its leading 0 back."""
    for prefix in _COUNTRY_PREFIXES:
        rest = digits.removeprefix(prefix)
        if rest == digits:
            continue
        if MOBILE.fullmatch(rest):
            return rest
        if prefix != "86" and LANDLINE.fullmatch("0" + rest):
            return "0" + rest
    return digits


def mobile_number(raw: str) -> str:
    """The 11 digits of a mainland mobile number, however it was written; raises ``BadNumber``."""
    digits = _national(_digits(raw))
    if not MOBILE.fullmatch(digits):
        raise BadNumber("not a mainland mobile number")
    return digits


def is_mobile(raw: str | None) -> bool:
    try:
        mobile_number(raw or "")
    except BadNumber:
        return False
    return True


def phone_number(raw: str) -> str | None:
    """A mobile number as 11 digits or a landline as ``0417-2831101``; None when ``raw`` is neither."""
    digits = _national(_digits(raw))
    if MOBILE.fullmatch(digits):
        return digits
    landline = LANDLINE.fullmatch(digits)
    return f"{landline.group(1)}-{landline.group(2)}" if landline else None


def email_address(raw: str) -> str | None:
    """An e-mail address with full-width forms folded and its domain in small letters; None when it is none."""
    address = "".join(unicodedata.normalize("NFKC", raw).replace("。", ".").split())
    if not EMAIL.fullmatch(address) or len(address) > EMAIL_MAX:
        return None
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normalise_contact(raw: str) -> str | None:
    """The contact field as it is stored: "" when empty, the number or address, or None when it is neither."""
    if not raw.strip():
        return ""
    return email_address(raw) if "@" in unicodedata.normalize("NFKC", raw) else phone_number(raw)


def split_contact(contact: str) -> tuple[str | None, str | None]:
    """(phone, e-mail) from a normalised contact field."""
    if not contact:
        return None, None
    return (None, contact) if "@" in contact else (contact, None)
