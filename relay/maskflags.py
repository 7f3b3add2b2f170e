"""Flags: what still looks like personal data in a text the moderator is about to approve.

``find_flags(text)`` returns ``Flag``s of four kinds: ``digits`` (a run of six
or more digits, any separators or Chinese numerals, dates excepted),
``at_sign`` (``@`` not after a masked local part, and spelled-out at-signs),
``address`` (a number before 号/号楼/栋/幢/单元/室, not 月…号 or …号线; 门牌) and
``name`` (a surname and one or two more characters after a trigger word, not a
title such as 先生, or a pinyin name after a trigger).  A flag's ``id`` is
``<kind>-<hash of kind and text>-<n>`` where n counts identical flags before it,
so it stays the same when the text changes elsewhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .maskwords import (
    COMPOUND_SURNAMES,
    FULLWIDTH_TO_ASCII,
    NAME_TRIGGER_RE,
    NOT_NAMES,
    NUM,
    SEP,
    SURNAMES,
    TITLES,
    as_digits,
    pinyin_name_re,
)

_CJK = "\u4e00-\u9fff"


@dataclass(frozen=True)
class Flag:
    id: str
    kind: str
    start: int
    end: int
    text: str
    message: str


def span_id(category: str, original: str, seen: dict[tuple[str, str], int]) -> str:
    """``<category>-<hash>-<n>``: the same for the same text, whatever comes before it."""
    count = seen[(category, original)] = seen.get((category, original), 0) + 1
    digest = hashlib.sha256(f"{category}\n{original}".encode()).hexdigest()[:10]
    return f"{category}-{digest}-{count}"


FLAG_MESSAGES = {
    "digits": "一串数字，可能是电话、证件号或卡号",
    "at_sign": "可能是电子邮箱",
    "address": "可能是门牌号或房间号",
    "name": "可能是姓名",
}
DIGIT_RUN_RE = re.compile(rf"(?<![0-9])[0-9](?:{SEP}?[0-9]){{5,}}(?![0-9])")
DATE_RE = re.compile(r"(?:19|20)[0-9]{2}(?:[-./年][ \t]*)?[0-9]{1,2}(?:[-./月][ \t]*)?[0-9]{1,2}日?")
AT_RE = re.compile(  # not after a masked local part (z***@…, z*** [at] …)
    r"(?<!\*)(?<!\*[ \t])(?:@|\(at\)|\[at\]|（at）|【at】|艾特)|[A-Za-z0-9][ \t]+at[ \t]+[A-Za-z0-9]", re.IGNORECASE
)
ADDRESS_FLAG_RE = re.compile(
    rf"(?<![月0-9第])(?:{NUM})[ \t]*(?:号楼|号(?!线|窗口|文件)|室|栋|幢|单元)"
    rf"|门牌(?:号码|号)?[ \t]*(?:[:是为][ \t]*)?(?={NUM})"
)
NAME_FLAG_RE = re.compile(rf"(?P<token>[{_CJK}]{{2,4}}|[A-Za-z]+[ \t]+[A-Za-z]+)")


def public_regions(text: str, public: Iterable[str]) -> list[tuple[int, int]]:
    """Where the public values (a station's phone or address) occur in ``text``; numbers in any grouping."""
    digits_copy = as_digits(text.translate(FULLWIDTH_TO_ASCII))
    regions = []
    for value in public:
        value = value.strip().translate(FULLWIDTH_TO_ASCII)
        number = "".join(c for c in value if c.isdigit())
        if len(number) >= 5 and all(c.isdigit() or c in " -()+" for c in value):
            pattern = r"(?<![0-9])" + r"[ \t()\-–—.·_/]*".join(number) + r"(?![0-9])"
        elif value:
            pattern = re.escape(value)
        else:
            continue
        regions += [m.span() for m in re.finditer(pattern, digits_copy)]
    return regions


def _name_like(word: str) -> bool:
    """A surname and one or two more characters (not a title or a common word), or a pinyin name."""
    if word[:1].isascii():
        return pinyin_name_re().fullmatch(word) is not None
    if word[0] in "向于万何常方关":  # 本人向派出所反映: a word, not a surname
        return False
    keep = 2 if word[:2] in COMPOUND_SURNAMES else 1
    return (
        word[:keep] in SURNAMES | COMPOUND_SURNAMES and not word[keep:].startswith(TITLES) and word[:2] not in NOT_NAMES
    )


def _name_flags(norm: str) -> Iterator[tuple[int, int, str]]:
    for m in NAME_TRIGGER_RE.finditer(norm):
        token = NAME_FLAG_RE.match(norm, m.end())
        if token is None or "*" in token.group() or norm[token.end() : token.end() + 1] == "*":
            continue  # nothing there, or already masked
        word = token.group()
        if _name_like(word):
            yield m.end(), m.end() + (len(word) if word[:1].isascii() else min(len(word), 3)), "name"


def _candidates(text: str, public: Iterable[str]) -> Iterator[tuple[int, int, str]]:
    norm = text.translate(FULLWIDTH_TO_ASCII)
    digits = as_digits(norm)
    yield from ((start, end, "public") for start, end in public_regions(text, public))
    yield from (
        (m.start(), m.end(), "digits") for m in DIGIT_RUN_RE.finditer(digits) if not DATE_RE.fullmatch(m.group())
    )
    yield from ((m.start(), m.end(), "at_sign") for m in AT_RE.finditer(norm))
    yield from ((m.start(), m.end(), "address") for m in ADDRESS_FLAG_RE.finditer(digits))
    yield from _name_flags(norm)


def find_flags(text: str, public: Iterable[str] = ()) -> tuple[Flag, ...]:
    """What still looks like personal data in ``text`` (see the module docstring); ``public`` values are skipped."""
    flags: list[Flag] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind in sorted(_candidates(text, public), key=lambda f: (f[2] != "public", f[0])):
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        if kind != "public":
            flags.append(Flag("", kind, start, end, text[start:end], FLAG_MESSAGES[kind]))
    flags.sort(key=lambda f: f.start)
    seen: dict[tuple[str, str], int] = {}
    return tuple(dataclasses.replace(f, id=span_id(f.kind, f.text, seen)) for f in flags)


def unconfirmed_flags(text: str, confirmed: Iterable[str], public: Iterable[str] = ()) -> tuple[Flag, ...]:
    """The flags of ``text`` whose ids are not in ``confirmed``: approval waits until this is empty."""
    done = set(confirmed)
    return tuple(flag for flag in find_flags(text, public) if flag.id not in done)
