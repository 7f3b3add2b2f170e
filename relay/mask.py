"""Mask personal data in public text, and flag what still looks like personal data.

The API (the console's approve form, the tracking page and the export use it):

``mask_text(text, known=PersonalData(), public=()) -> Masking``
    ``Masking.text`` is ``text`` with personal data starred; every character
    outside a masked item is left exactly as it was.  ``Masking.spans`` lists
    each masked item as a ``MaskedSpan`` (``id``, ``category``, ``start``/``end``
    in the original, ``original``, ``replacement``, and ``masked_start``/
    ``masked_end`` in the masked text, for highlighting).  ``Masking.flags``
    lists what still looks like personal data in the masked text (see
    ``find_flags``).  ``Masking.segments()`` cuts the masked text into
    ``(piece, category or None)`` pairs for a template to wrap in ``<mark>``.
``find_flags(text, public=()) -> tuple[Flag, ...]``
    (``relay.maskflags``) What looks like personal data in any text (run it
    again on the text the moderator submits): long digit runs (``digits``), ``@`` and spelled-out
    at-signs (``at_sign``), house, building and room numbers (``address``) and
    name-like tokens after trigger words (``name``).  A ``Flag`` has ``id``,
    ``kind``, ``start``/``end``, ``text`` and a Chinese ``message`` for the
    moderator.  The ``id`` depends only on the kind, the flagged text and how
    many identical flags come before it, so it survives edits elsewhere in the
    text: the form posts the ids the moderator confirmed, and approval waits
    until ``unconfirmed_flags(text, confirmed_ids)`` is empty.
``mask_personal_data(text, known_names=(), known=None, public=()) -> str``
    Just the masked text (the console's pre-filled public text).
``mask_known_data(text, known) -> str``
    Only the submitter's own data starred: the export runs it over every
    approved public text, so what the moderator left in never goes out.
``public``
    Values that stay wherever they appear: the station's own phone numbers
    and address, which replies often give (numbers match in any grouping).
``PersonalData.from_form(name, phone, email).including_names_in(question)``
    The submitter's own name, phone and e-mail from the form: masked wherever
    they appear (replies included), also written with spaces, dashes, Chinese
    numerals, the given name alone, or the name in pinyin.  ``including_names_in``
    adds the names the question gives after a trigger (我叫王建国), so a reply
    that greets 王建国 is masked too.

Categories: ``phone`` (mobiles with any separators or in Chinese numerals,
landlines with area code in any grouping, numbers after 电话/座机/tel),
``id_card`` (18 or 15 digits), ``bank_card`` (16-19 digits, maybe in groups of
4), ``plate``, ``email`` (also ``at``/``dot``/艾特/点/``#`` spellings), ``im``
(WeChat ids and QQ numbers after their names), ``address`` (building, unit and
room numbers; house numbers after 家住/住在/住址/门牌号; ``3-2-501``), ``name``
(surname kept, given name starred, after a trigger such as 我叫, 我是, 本人,
姓名：, 签名：, 落款：, 报警人：, 业主, 联系人 or family words; pinyin names after a
trigger) and ``known`` (the submitter's own data).  Masking is idempotent.

Name heuristic (prefers missing a name over starring a place or a common word):
after a trigger comes a surname from ~145 single and ~30 compound surnames, then
a 1- or 2-character given name that is not a function word, and then a boundary
(end, punctuation, space, digit, other masked data, or a word such as 的, 在, 家,
反映, 想, 咨询, 请问, 今年, 电话).  The shortest fitting candidate wins.  Titles
(先生, 女士, 阿姨, 某 ...), place suffixes (区, 村, 路 ...) and common words
(高中, 周末 ...) are rejected.  A name found after a trigger is masked wherever
else it appears in the text.  Known limits: names without a trigger (and not
the submitter's own) are missed, as are surnames outside the list; addresses
are masked only down to the numbers, street and compound names stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .maskflags import Flag, find_flags, public_regions, span_id, unconfirmed_flags
from .maskwords import (
    BOUNDARY_WORDS,
    CHINESE_DIGITS,
    COMPOUND_SURNAMES,
    FULLWIDTH_TO_ASCII,
    LINE_START_VERBS,
    NAME_TITLES,
    NAME_TRIGGER_RE,
    NOT_GIVEN,
    NOT_NAMES,
    NUM,
    PLACE_SUFFIXES,
    SEP,
    SURNAMES,
    TITLES,
    TRIGGERS,
    as_digits,
    pinyin_name_re,
)

__all__ = [
    "CHINESE_DIGITS",  # for the masking benchmark's check that no number survives
    "Flag",
    "MaskedSpan",
    "Masking",
    "PersonalData",
    "find_flags",
    "mask_known_data",
    "mask_personal_data",
    "mask_text",
    "unconfirmed_flags",
]

GROUP_SEP = r"[ \-–—.·]"
_CJK = "\u4e00-\u9fff"


@dataclass(frozen=True)
class PersonalData:
    """What the submitter typed in the form; masked wherever it appears."""

    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()

    @classmethod
    def from_form(cls, name: str | None = None, phone: str | None = None, email: str | None = None) -> PersonalData:
        return cls(tuple(filter(None, [name])), tuple(filter(None, [phone])), tuple(filter(None, [email])))

    def including_names_in(self, text: str) -> PersonalData:
        """These data plus the names ``text`` gives after a trigger (我叫王建国): to mask them in the replies too."""
        found = tuple(n for n in mask_text(text, self).names if n not in self.names)
        return PersonalData(self.names + found, self.phones, self.emails) if found else self


@dataclass(frozen=True)
class MaskedSpan:
    id: str
    category: str
    start: int
    end: int
    original: str
    replacement: str
    masked_start: int
    masked_end: int


@dataclass(frozen=True)
class Masking:
    text: str
    spans: tuple[MaskedSpan, ...]
    flags: tuple[Flag, ...]
    names: tuple[str, ...] = ()  # full names found after triggers (王建国), as written

    def segments(self) -> list[tuple[str, str | None]]:
        """The masked text as ``(piece, category)`` pairs; ``None`` for text that was not masked."""
        pieces: list[tuple[str, str | None]] = []
        last = 0
        for span in self.spans:
            if span.masked_start > last:
                pieces.append((self.text[last : span.masked_start], None))
            pieces.append((self.text[span.masked_start : span.masked_end], span.category))
            last = span.masked_end
        if last < len(self.text):
            pieces.append((self.text[last:], None))
        return pieces


# -- detectors: (category, pattern, which copy it reads, render) ---------------------------------------------

Render = Callable[[re.Match[str], str], str | None]


_NUMERALS = frozenset("〇零一二三四五六七八九十两幺")


def _star(text: str) -> str:
    """Star digits (any width, Chinese numerals too) and Latin letters; keep separators and other words."""
    return "".join(
        "*" if c.isdigit() or c in _NUMERALS or (c.translate(FULLWIDTH_TO_ASCII).isascii() and c.isalnum()) else c
        for c in text
    )


def _star_after(keep: int) -> Render:
    """Keep the first ``keep`` characters, star every later digit or letter in place."""

    def render(m: re.Match[str], text: str) -> str:
        start, end = m.span()
        return text[start : start + keep] + _star(text[start + keep : end])

    return render


def _digit_positions(m: re.Match[str], start: int | None = None) -> list[int]:
    begin = m.start() if start is None else start
    return [begin + i for i, c in enumerate(m.string[begin : m.end()]) if c.isdigit()]


def _keep_head_and_tail(m: re.Match[str], text: str) -> str:
    """``139 0008 0008`` -> ``139****0008``: a prefix (+86), three digits and the last four are kept."""
    body = m.start("body")
    digits = _digit_positions(m, body)
    if len(digits) < 8:
        return text[m.start() : body] + _star(text[body : m.end()])
    return text[m.start() : digits[2] + 1] + "****" + text[digits[-4] : m.end()]


def _landline(m: re.Match[str], text: str) -> str:
    ext = _star(text[m.start("ext") : m.end("ext")]) if m.group("ext") else ""
    local = sum(c.isdigit() for c in m.group("local"))
    return text[m.start("area") : m.end("area")] + "-" + "*" * local + ext


def _star_all(m: re.Match[str], text: str) -> str:
    return _star(text[m.start() : m.end()])


def _group_star(*groups: str) -> Render:
    """Star the digits and letters of the named groups that matched, keep the rest of the match."""

    def render(m: re.Match[str], text: str) -> str:
        out, last = [], m.start()
        for group in groups:
            start, end = m.span(group)
            if start >= 0:
                out += [text[last:start], _star(text[start:end])]
                last = end
        return "".join(out) + text[last : m.end()]

    return render


def _first_and_stars(group: str) -> Render:
    def render(m: re.Match[str], text: str) -> str:
        start, end = m.span(group)
        return text[m.start() : start + 1] + "***" + text[end : m.end()]

    return render


def _plate(m: re.Match[str], text: str) -> str | None:
    rest = m.group("rest")
    if sum(c.isdigit() for c in rest) < 3:  # 新iPad12 is no plate
        return None
    province, letter = text[m.start("province")], text[m.start("letter")]
    return f"{province}{letter}·" + "*" * len(rest)


def _email(m: re.Match[str], text: str) -> str:
    return text[m.start("first")] + "***" + text[m.start("at") : m.end()]


EMAIL_RE = re.compile(
    r"(?<![\w.%+\-])(?P<first>[A-Za-z0-9])[\w.%+\-]*(?P<at>@)"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})",
    re.ASCII,
)
_AT = r"(?:[ \t]*(?:@|\(at\)|\[at\]|\{at\}|<at>|（at）|【at】|艾特|#)[ \t]*|[ \t]+at[ \t]+)"
_DOT = r"(?:[ \t]*(?:\(dot\)|\[dot\]|\{dot\}|（dot）|【dot】|点|。|\.)[ \t]*|[ \t]+dot[ \t]+)"
_TLD = r"(?:com|cn|net|org|edu|gov|cc|io|me|info|top|xyz|hk)"
SPELLED_EMAIL_RE = re.compile(
    rf"(?<![\w.%+\-])(?P<first>[A-Za-z0-9])[\w.%+\-]*(?P<at>{_AT})"
    rf"(?P<domain>[A-Za-z0-9\-]+(?:{_DOT}[A-Za-z0-9\-]+)*{_DOT}{_TLD})(?![A-Za-z0-9])",
    re.ASCII | re.IGNORECASE,
)
_ID_GROUPS = (
    r"[0-9]{17}[0-9Xx]",
    rf"[0-9]{{6}}(?P<s1>{GROUP_SEP})[0-9]{{8}}(?P=s1)[0-9]{{3}}[0-9Xx]",
    rf"[0-9]{{4}}(?P<s2>{GROUP_SEP})[0-9]{{4}}(?P=s2)[0-9]{{4}}(?P=s2)[0-9]{{4}}(?P=s2)[0-9][0-9Xx]",
    r"[0-9]{15}",
)
ID_CARD_RE = re.compile(rf"(?<![0-9])(?=[1-9])(?:{'|'.join(_ID_GROUPS)})(?![0-9Xx])")
BANK_CARD_RE = re.compile(
    rf"(?<![0-9])(?:[0-9]{{16,19}}|[0-9]{{4}}(?P<s>{GROUP_SEP})[0-9]{{4}}(?P=s)[0-9]{{4}}(?P=s)[0-9]{{1,4}}"
    rf"(?:(?P=s)[0-9]{{1,4}})?)(?![0-9])"
)
MOBILE_RE = re.compile(rf"(?<![0-9])(?:(?:\+|00)?86{SEP}?)?(?P<body>1{SEP}?[3-9](?:{SEP}?[0-9]){{9}})(?![0-9])")
LANDLINE_RE = re.compile(
    rf"(?<![0-9])(?P<open>\()?(?P<area>0(?:10|2[0-9]|[3-9][0-9]{{2}}))(?(open)\)){SEP}?"
    rf"(?P<local>[2-9][0-9]{{2,3}}{SEP}?[0-9]{{4}})"
    r"(?P<ext> *(?:-|转|分机|[Ee][Xx][Tt]\.?|[Xx]) *[0-9]{1,6})?(?![0-9])"
)
PHONE_AFTER_WORD_RE = re.compile(
    r"(?:电话|手机|座机|固话|联系方式|[Tt][Ee][Ll]|[Pp]hone)(?:号码|号)?[ \t]*(?:[:是为][ \t]*)?"
    rf"(?P<body>[0-9](?:{SEP}?[0-9]){{6,11}})(?![0-9])"
)
TITLED_NAME_RE = re.compile(  # in a lookahead, so that matches may overlap (主任李华老师)
    rf"(?=(?P<surname>{'|'.join(sorted(COMPOUND_SURNAMES))}|[{_CJK}])(?P<given>[{_CJK}]{{1,2}}?)(?={'|'.join(NAME_TITLES)}))"
)
PLATE_RE = re.compile(
    r"(?P<province>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])[ ·•.\-・]?"
    r"(?P<letter>[A-Za-z])[ ·•.\-・]?(?P<rest>[A-Za-z0-9]{5,6}|[A-Za-z0-9]{4}[学挂警港澳领])(?![A-Za-z0-9])"
)
WECHAT_RE = re.compile(
    r"(?:微信|威信|薇信|[Vv]信|[Vv][Xx]|[Ww][Xx]|weixin|[Ww]e[Cc]hat)(?:号|ID|id|账号)?[ \t]*(?:[:是为][ \t]*)?"
    r"(?P<id>[A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])"
)
QQ_RE = re.compile(
    rf"(?:[Qq][ \t]?[Qq]|扣扣|企鹅)(?:号码|号)?[ \t]*(?:[:是为][ \t]*)?(?P<id>[1-9](?:{SEP}?[0-9]){{4,10}})(?![0-9])"
)
UNIT_RE = re.compile(
    r"(?<![0-9*])(?:(?P<num>[0-9]+|[一二三四五六七八九十两]+)[ \t]*(?:号楼|栋|幢|单元)"
    r"|(?P<num2>[0-9]+)[ \t]*(?:室|门|座)(?!口))"
)
ROOM_AFTER_UNIT_RE = re.compile(r"(?<=单元|号楼)[ \t]*(?P<room>[0-9]{3,4}|[一二三四五六七八九〇零]{3,4})(?![0-9])")
THREE_PART_RE = re.compile(r"(?<![0-9\-])[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}(?![0-9\-])")
HOME_RE = re.compile(r"家住|住在|住址|我家|我们家|他家|她家|他们家|家在|现住|租住|居住|住的是|家庭地址|门牌")
HOUSE_NUMBER_RE = re.compile(rf"(?<![0-9*月])(?P<num>{NUM})(?=号(?!线|码|窗口|文件))")
DOORPLATE_RE = re.compile(rf"门牌(?:号码|号)?[ \t]*(?:[:是为][ \t]*)?(?P<num>{NUM})")

KNOWN_EMAIL_RE = re.compile(r"[^@\s*]+@[^@\s*]+\.[^@\s*]+")

Detector = tuple[str, re.Pattern[str], str, Render]
DETECTORS: tuple[Detector, ...] = (
    ("email", EMAIL_RE, "norm", _email),
    ("email", SPELLED_EMAIL_RE, "norm", _email),
    ("id_card", ID_CARD_RE, "digits", _star_after(3)),
    ("bank_card", BANK_CARD_RE, "digits", _star_after(4)),
    ("phone", MOBILE_RE, "digits", _keep_head_and_tail),
    ("phone", LANDLINE_RE, "digits", _landline),
    ("phone", PHONE_AFTER_WORD_RE, "digits", _group_star("body")),
    ("im", WECHAT_RE, "norm", _first_and_stars("id")),
    ("im", QQ_RE, "digits", _first_and_stars("id")),
    ("plate", PLATE_RE, "norm", _plate),
    ("address", UNIT_RE, "norm", _group_star("num", "num2")),
    ("address", ROOM_AFTER_UNIT_RE, "norm", _group_star("room")),
    ("address", THREE_PART_RE, "norm", _star_all),
    ("address", DOORPLATE_RE, "norm", _group_star("num")),
)


# -- names ------------------------------------------------------------------------------------------------

Span = tuple[int, int, str, str]  # start, end, replacement, category


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _mask_name(name: str) -> str:
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "".join(c if c.isspace() else "*" for c in name[keep:])


def _is_boundary(norm: str, pos: int, starts: set[int]) -> bool:
    if pos >= len(norm) or pos in starts:
        return True
    if not _is_cjk(norm[pos]):
        return norm[pos] != "*"
    return norm.startswith(BOUNDARY_WORDS, pos)


def _given_length(norm: str, start: int, taken: list[bool], starts: set[int]) -> int:
    """Length (1 or 2) of the given name starting at ``start``, 0 if none fits; shortest first."""
    if norm.startswith(TITLES, start) or norm[start - 1 : start + 1] in NOT_NAMES:
        return 0
    for length in (1, 2):
        given = norm[start : start + length]
        if len(given) < length or any(taken[start : start + length]):
            return 0
        if not all(_is_cjk(c) and c not in NOT_GIVEN for c in given):
            return 0
        if given == "家" or given[-1] in PLACE_SUFFIXES or norm[start - 1 : start + length] in NOT_NAMES:
            continue
        if _is_boundary(norm, start + length, starts):
            return length
    return 0


def _trigger_name_spans(norm: str, taken: list[bool], starts: set[int]) -> Iterator[Span]:
    for m in NAME_TRIGGER_RE.finditer(norm):
        pos = m.end()
        for surname in (norm[pos : pos + 2], norm[pos : pos + 1]):
            if surname not in COMPOUND_SURNAMES and surname not in SURNAMES:
                continue
            length = _given_length(norm, pos + len(surname), taken, starts)
            if length:
                yield pos + len(surname), pos + len(surname) + length, "*" * length, "name"
                break
        latin = pinyin_name_re().match(norm, pos)
        if latin and not any(taken[latin.start() : latin.end()]):
            given = latin.span("given")
            yield given[0], given[1], _star(norm[given[0] : given[1]]), "name"


def _titled_name_spans(norm: str, taken: list[bool]) -> Iterator[Span]:
    """A surname, a one- or two-character given name, then a title: 李华老师, 王芳阿姨 (王老师 has no given name)."""
    for m in TITLED_NAME_RE.finditer(norm):
        surname, given = m.group("surname"), m.group("given")
        if surname in "向于万何常方关" or given[:1] == surname:  # 向王警官, 谢谢王警官: words, not names
            continue
        if surname not in SURNAMES and surname not in COMPOUND_SURNAMES:
            continue
        start = m.start("given")
        if norm[m.start() : start + 1] in NOT_NAMES or norm[m.start() : m.end("given")] in NOT_NAMES:
            continue
        if any(c in NOT_GIVEN for c in given) or given[-1] in PLACE_SUFFIXES or any(taken[m.start() : m.end("given")]):
            continue
        before = norm[: m.start()]
        if before and _is_cjk(before[-1]) and before[-1] not in "的是个位和与跟叫" and not before.endswith(TRIGGERS):
            continue  # 高中同学: the "surname" is inside a longer word
        yield start, m.end("given"), "*" * len(given), "name"


def _line_name_spans(norm: str, taken: list[bool]) -> Iterator[Span]:
    """A name alone on a line (a signature), or at the start of a line before 反映, 举报, 报警, a colon ..."""
    start = 0
    for line in norm.split("\n"):
        stripped = line.strip(" \t")
        offset = start + len(line) - len(line.lstrip(" \t"))
        start += len(line) + 1
        for surname in (stripped[:2], stripped[:1]):
            if surname not in COMPOUND_SURNAMES and surname not in SURNAMES:
                continue
            for length in (2, 1):
                given = stripped[len(surname) : len(surname) + length]
                rest = stripped[len(surname) + length :]
                if len(given) < length or not all(_is_cjk(c) and c not in NOT_GIVEN for c in given):
                    continue
                if stripped.startswith(TITLES, len(surname)) or stripped[:2] in NOT_NAMES:
                    continue
                if given[-1] in PLACE_SUFFIXES or any(taken[offset : offset + len(surname) + length]):
                    continue
                if rest.strip("。.！!") == "" or rest.startswith(LINE_START_VERBS):
                    begin = offset + len(surname)
                    yield begin, begin + length, "*" * length, "name"
                    break
            break


def _text_spans(text: str, needle: str, replacement: str, category: str, ignore_case: bool = False) -> Iterator[Span]:
    flags = re.IGNORECASE if ignore_case else 0
    boundary = r"(?<![A-Za-z0-9])" if needle[:1].isascii() else ""
    end_boundary = r"(?![A-Za-z0-9])" if needle[-1:].isascii() else ""
    for m in re.finditer(boundary + re.escape(needle) + end_boundary, text, flags):
        yield m.start(), m.end(), replacement, category


def _name_variants(name: str) -> Iterator[tuple[re.Pattern[str], Render]]:
    """A known name in Chinese (whole, given name alone) and in pinyin (any case, spaced or not, either order)."""
    from pypinyin import lazy_pinyin

    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    yield re.compile(re.escape(name)), lambda m, t: _mask_name(t[m.start() : m.end()])
    if len(name) - keep >= 2:
        # the given name alone (丽娟家门口), but not as part of a place (王东山 asking the 东山派出所)
        not_place = "(?![" + "".join(sorted(PLACE_SUFFIXES)) + "派])"
        yield re.compile(re.escape(name[keep:]) + not_place), lambda m, t: "*" * (m.end() - m.start())
    syllables = lazy_pinyin(name)
    if all(s.isascii() and s.isalpha() for s in syllables) and len(syllables) >= 2:
        surname = "".join(syllables[:keep])
        given = r"[ \t\-]?".join(syllables[keep:])
        for pattern in (rf"{surname}[ \t\-]?(?P<given>{given})", rf"(?P<given>{given})[ \t,]+{surname}"):
            yield re.compile(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", re.IGNORECASE), _group_star("given")


def _known_spans(text: str, norm: str, digits: str, known: PersonalData) -> Iterator[Span]:
    for name in {n.strip() for n in known.names}:
        if len(name) < 2 or "*" in name:
            continue
        for pattern, render in _name_variants(name):
            for m in pattern.finditer(norm):
                masked = render(m, text)
                if masked is not None:
                    yield m.start(), m.end(), masked, "known"
    for phone in known.phones:
        number = "".join(c for c in phone.translate(FULLWIDTH_TO_ASCII) if c.isdigit())
        if len(number) >= 7:
            pattern = re.compile(r"(?<![0-9])(?P<body>" + f"{SEP}?".join(number) + r")(?![0-9])")
            for m in pattern.finditer(digits):
                yield m.start(), m.end(), _keep_head_and_tail(m, text), "known"
    for email in known.emails:
        email = email.strip()
        if not KNOWN_EMAIL_RE.fullmatch(email):
            continue  # not an address (the form checks it; old rows may hold anything)
        local = email.split("@")[0]
        for needle in filter(None, [email, local if len(local) >= 4 else ""]):
            for start, end, _, category in _text_spans(norm, needle, "", "known", ignore_case=True):
                yield (
                    start,
                    end,
                    text[start] + "***" + (text[start + len(local) : end] if "@" in needle else ""),
                    category,
                )


def _home_spans(norm: str) -> Iterator[Span]:
    """House numbers (``88号``) in the clause after 家住, 住在, 住址, 门牌 ..."""
    for m in HOME_RE.finditer(norm):
        clause = re.match(r"[^，。！？；,.!?;\n]{0,24}", norm[m.end() :])
        window = clause.group() if clause else ""
        for number in HOUSE_NUMBER_RE.finditer(window):
            start = m.end() + number.start()
            yield start, start + len(number.group()), "*" * len(number.group()), "address"


# -- the whole pass -----------------------------------------------------------------------------------------


def mask_text(text: str, known: PersonalData | None = None, public: Iterable[str] = ()) -> Masking:
    """Mask ``text`` (see the module docstring).

    ``known`` is the submitter's own data from the form; ``public`` are values that stay as they are wherever
    they appear (the station's own phone numbers and address, which a reply often gives).
    """
    norm = text.translate(FULLWIDTH_TO_ASCII)
    copies = {"norm": norm, "digits": as_digits(norm)}
    public = tuple(public)
    accepted: list[Span] = [(start, end, text[start:end], "public") for start, end in public_regions(text, public)]

    def accept(spans: Iterable[Span]) -> None:
        for span in spans:
            if span[0] < span[1] and not any(start < span[1] and span[0] < end for start, end, _, _ in accepted):
                accepted.append(span)

    for category, pattern, copy, render in DETECTORS:
        for m in pattern.finditer(copies[copy]):
            masked = render(m, text)
            if masked is not None and masked != text[m.start() : m.end()]:
                accept([(m.start(), m.end(), masked, category)])
    if known is not None:
        accept(list(_known_spans(text, norm, copies["digits"], known)))
    accept(list(_home_spans(norm)))
    taken = [False] * len(text)
    for start, end, _, _ in accepted:
        taken[start:end] = [True] * (end - start)
    found = list(_trigger_name_spans(norm, taken, {start for start, _, _, _ in accepted}))
    found += _line_name_spans(norm, taken)
    found += _titled_name_spans(norm, taken)
    accept(found)
    # a name found after a trigger is masked wherever else it appears
    names = {
        norm[start - (2 if norm[start - 2 : start] in COMPOUND_SURNAMES else 1) : end] for start, end, _, c in found
    }
    names = {n for n in names if len(n) >= 2 and _is_cjk(n[0])}
    for name in sorted(names):
        accept([(s, e, _mask_name(text[s:e]), "name") for s, e, _, _ in _text_spans(norm, name, "", "name")])

    pieces: list[str] = []
    spans: list[MaskedSpan] = []
    seen: dict[tuple[str, str], int] = {}
    last = length = 0
    for start, end, masked, category in sorted(a for a in accepted if a[3] != "public"):
        pieces.append(text[last:start])
        length += start - last
        original = text[start:end]
        spans.append(
            MaskedSpan(
                span_id(category, original, seen), category, start, end, original, masked, length, length + len(masked)
            )
        )
        pieces.append(masked)
        length += len(masked)
        last = end
    result = "".join(pieces) + text[last:]
    return Masking(result, tuple(spans), find_flags(result, public), tuple(sorted(names)))


def mask_known_data(text: str, known: PersonalData) -> str:
    """Only the submitter's own data starred (what the export applies to every approved public text)."""
    norm = text.translate(FULLWIDTH_TO_ASCII)
    spans: list[Span] = []
    for span in sorted(_known_spans(text, norm, as_digits(norm), known), key=lambda s: (s[0], -s[1])):
        if not spans or span[0] >= spans[-1][1]:
            spans.append(span)
    pieces, last = [], 0
    for start, end, masked, _ in spans:
        pieces += [text[last:start], masked]
        last = end
    return "".join(pieces) + text[last:]


def mask_personal_data(
    text: str, known_names: Iterable[str] = (), known: PersonalData | None = None, public: Iterable[str] = ()
) -> str:
    """``text`` with personal data starred; ``known_names`` adds to ``known.names``. Idempotent."""
    known = known or PersonalData()
    names = tuple(known_names)
    if names:
        known = PersonalData(known.names + names, known.phones, known.emails)
    return mask_text(text, known, public).text
