"""Mask personal data in a public question before a moderator publishes it.

In: the question text as submitted (Chinese, full- or half-width punctuation and
digits) and the names the submitter typed in the form's name field.
Out: the same text with personal data replaced by ``*``; every character outside a
masked item (whitespace, punctuation, line breaks) is left exactly as it was.  The console
pre-fills this as the edited public text and the moderator corrects it.

- mobiles ``138 0013 8000`` / ``+86-13800138000`` -> ``138****8000`` (a ``+86``/``86``/``0`` prefix is kept);
- landlines ``(0417)2831101`` / ``0417-2831101`` / ``04172831101`` -> ``0417-*******`` (extension digits starred);
- ID cards (18 = 17 digits + digit/X, or 15 digits) -> first 3 kept, every other digit starred in place;
- bank cards (16-19 digits, maybe in groups of 4) -> first 4 kept, every other digit starred in place;
- plates ``辽C12345`` / ``粤B·D12345`` -> ``辽C·*****`` (separator normalised to ``·``);
- e-mail ``zhangwei@example.com`` -> ``z***@example.com``;
- ``known_names`` (length >= 2): every occurrence -> surname kept, the rest starred;
- names after a trigger (我叫, 我是, 本人, 姓名：, 联系人, 报案人, 我儿子, 邻居 ...): surname kept,
  given name starred per character (``我叫张伟`` -> ``我叫张*``, ``姓名：欧阳娜娜`` -> ``姓名：欧阳**``).

Digit runs are only taken whole (no digit directly before or after), so a valid
number inside a longer run is left alone.  Detection runs on a copy with full-width
forms folded to ASCII (same length), so ``１３８…`` is found and kept full-width.

Name heuristic (prefers missing a name over starring a place or a common word):
after a trigger (optionally followed by 是/叫/为 and a colon) comes a surname from
~145 common single and ~30 compound surnames, then a 1- or 2-character given name
of CJK characters that are not function words (的, 在, 是, 今, 你 ...).  The candidate
counts only if the character after it is a boundary: end of text, anything that is
not a CJK character (punctuation, space, digit, Latin letter, but not ``*``), the
start of other masked data, or a boundary word (的, 在, 住, 家, 今年, 电话, 手机,
身份证, 联系, 打 ...).  The shortest candidate that fits wins (``张伟家住`` -> ``张*家住``).
Rejected: a title after the surname (先生, 女士, 阿姨, 大爷, 师傅, 某 ...: ``王先生``,
``张某`` stay), a given name ending in a place suffix (区, 村, 路, 镇, 所 ...: 江北区,
王家村, 高新区), a lone 家, and common words starting with a surname (高中, 周末, 马上 ...).
Known limits: names without a trigger or known_names are missed, as are names whose
surname is not in the list; a rare name ending in a boundary character keeps it
visible (李大家 -> 李*家); landlines without an area code, numbers grouped in unusual
ways (1380 013 8000), foreign numbers and passport numbers are not recognised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

Span = tuple[int, int, str]
Render = Callable[[re.Match[str], str], str | None]

FULLWIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SEP = r"[ \-–]"

EMAIL_RE = re.compile(
    r"(?<![\w.%+\-])(?P<first>[A-Za-z0-9])[\w.%+\-]*@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})",
    re.ASCII,  # \w is [A-Za-z0-9_] here, so 邮箱zhang_wei@… starts at z
)
ID_CARD_RE = re.compile(rf"(?<!\d)[1-9]\d{{2}}(?:\d{{3}}{_SEP}?\d{{8}}{_SEP}?\d{{3}}[\dXx]|\d{{12}})(?![\dXx])")
BANK_CARD_RE = re.compile(rf"(?<!\d)\d{{4}}(?:{_SEP}?\d{{4}}){{3}}(?:{_SEP}?\d{{1,3}})?(?!\d)")
MOBILE_RE = re.compile(
    rf"(?<!\d)(?P<prefix>(?:\+|00)?86{_SEP}?|0)?(?P<head>1[3-9]\d){_SEP}?\d{{4}}{_SEP}?(?P<tail>\d{{4}})(?!\d)"
)
LANDLINE_RE = re.compile(
    rf"(?<!\d)(?P<open>\()?(?P<area>0(?:10|2\d|[3-9]\d{{2}}))(?(open)\)){_SEP}?(?P<local>[2-9]\d{{6,7}})"
    r"(?P<ext> *(?:-|转|分机|[Ee][Xx][Tt]\.?|[Xx]) *\d{1,6})?(?!\d)"
)
PLATE_RE = re.compile(
    r"(?P<head>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z])"
    r"[·•.\- ・]?(?P<rest>[A-Za-z0-9]{5,6})(?![A-Za-z0-9])"
)


def _words(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


_TRIGGERS = _words(
    "我叫 我是 本人 姓名 名字 名叫 叫做 叫 联系人 报案人 当事人 嫌疑人 受害人 车主 邻居 我儿子 我女儿 我爸爸 我妈妈 "
    "我爸 我妈 我父亲 我母亲 我丈夫 我妻子 我老公 我老婆 我爱人 我哥哥 我姐姐 我弟弟 我妹妹 我哥 我姐 我弟 我妹"
)
NAME_TRIGGER_RE = re.compile("(?:" + "|".join(sorted(_TRIGGERS, key=len, reverse=True)) + r")(?:是|叫|为)?:?[ \t]*")

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈"
    "钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔"
    "赖文施洪辛柴牛樊葛邢安齐伍庞颜倪庄聂章鲁岳翟殷詹申耿关兰焦俞左柳甘祝包宁尚符舒阮"
)
COMPOUND_SURNAMES = frozenset(
    _words(
        "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 轩辕 端木 独孤 南宫 西门 百里 呼延 "
        "澹台 公冶 太史 申屠 钟离 闻人 赫连 万俟 第五"
    )
)
TITLES = _words(
    "先生 女士 小姐 太太 夫人 阿姨 大爷 大妈 大娘 大姐 大哥 大叔 大伯 大婶 师傅 老师 同学 同志 警官 医生 律师 "
    "经理 老板 主任 书记 所长 队长 局长 某 总 哥 姐 叔 婶 伯 姨 老 氏 工"
)
NOT_GIVEN = frozenset("的了在是和与及住说也都就被把给从到于今昨你您他她它我们这那个吗呢吧啊电手身联等因所号")
PLACE_SUFFIXES = frozenset(
    "区县市省州镇乡村庄屯路街巷道号楼栋院所局站队厂店场园馆处科部校门口港桥湾湖岛沟岭坡营堡旗委办矿社组寨"
)
NOT_NAMES = frozenset(
    _words(
        "高中 高三 高二 高一 高考 高速 高新 高层 于是 万一 方便 方面 方向 常住 常年 常常 安全 安排 文明 文化 文件 周末 "
        "周边 周围 周日 周一 周二 周三 周四 周五 周六 夏天 白天 白班 马上 马路 田里 程序 任何 许多 何时 关于 关系 "
        "江北 江南 江东 江西 华北 华南 黄河 金融 石油 包括 申请 符合 宁愿 左边 龙头 钱包 董事 孙子"
    )
)
BOUNDARY_WORDS = _words(
    "的 在 住 家 是 和 与 跟 说 也 都 已 被 给 从 到 于 把 及 今年 今天 昨天 明天 前天 去年 电话 手机 身份证 联系 "
    "号码 现在 现住 一直 经常 曾经 打 骂 偷 欠 借 找 让 要 去 不 没 还 又 就"
)


def _orig(m: re.Match[str], text: str, group: str) -> str:
    start, end = m.span(group)
    return text[start:end] if start >= 0 else ""


def _star_after(keep: int) -> Render:
    """Keep ``keep`` characters, star every later digit or letter in place, keep separators."""

    def render(m: re.Match[str], text: str) -> str:
        start, end = m.span()
        tail = zip(m.group()[keep:], text[start + keep : end], strict=True)
        return text[start : start + keep] + "".join("*" if n.isalnum() else o for n, o in tail)

    return render


def _mobile(m: re.Match[str], text: str) -> str:
    return _orig(m, text, "prefix") + _orig(m, text, "head") + "****" + _orig(m, text, "tail")


def _landline(m: re.Match[str], text: str) -> str:
    ext = "".join("*" if c.isdigit() else c for c in _orig(m, text, "ext"))
    return _orig(m, text, "area") + "-" + "*" * len(m.group("local")) + ext


def _plate(m: re.Match[str], text: str) -> str | None:
    rest = m.group("rest")
    if sum(c.isdigit() for c in rest) < 3:  # 新iPad12 is no plate
        return None
    return _orig(m, text, "head") + "·" + "*" * len(rest)


def _email(m: re.Match[str], text: str) -> str:
    return _orig(m, text, "first") + "***@" + _orig(m, text, "domain")


DETECTORS: tuple[tuple[re.Pattern[str], Render], ...] = (
    (EMAIL_RE, _email),
    (ID_CARD_RE, _star_after(3)),
    (BANK_CARD_RE, _star_after(4)),
    (MOBILE_RE, _mobile),
    (LANDLINE_RE, _landline),
    (PLATE_RE, _plate),
)


def _mask_name(name: str) -> str:
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "".join(c if c.isspace() else "*" for c in name[keep:])


def _known_name_spans(text: str, known_names: Iterable[str]) -> Iterator[Span]:
    names = {n.strip() for n in known_names}
    for name in sorted((n for n in names if len(n) >= 2 and "*" not in n), key=len, reverse=True):
        start = text.find(name)
        while start >= 0:
            yield start, start + len(name), _mask_name(name)
            start = text.find(name, start + len(name))


def _is_boundary(norm: str, pos: int, starts: set[int]) -> bool:
    if pos >= len(norm) or pos in starts:
        return True
    char = norm[pos]
    if not "\u4e00" <= char <= "\u9fff":
        return char != "*"
    return norm.startswith(BOUNDARY_WORDS, pos)


def _given_length(norm: str, start: int, taken: list[bool], starts: set[int]) -> int:
    """Length (1 or 2) of the given name starting at ``start``, 0 if none fits; shortest first."""
    if norm.startswith(TITLES, start) or norm[start - 1 : start + 1] in NOT_NAMES:
        return 0
    for length in (1, 2):
        given = norm[start : start + length]
        if len(given) < length or any(taken[start : start + length]):
            return 0
        if not all("\u4e00" <= c <= "\u9fff" and c not in NOT_GIVEN for c in given):
            return 0
        if given == "家" or given[-1] in PLACE_SUFFIXES:
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
                yield pos + len(surname), pos + len(surname) + length, "*" * length
                break


def mask_personal_data(text: str, known_names: Iterable[str] = ()) -> str:
    """Return ``text`` with personal data starred (see the module docstring); idempotent."""
    norm = text.translate(FULLWIDTH_TO_ASCII)
    accepted: list[Span] = []

    def accept(spans: Iterable[Span]) -> None:
        for span in spans:
            if not any(start < span[1] and span[0] < end for start, end, _ in accepted):
                accepted.append(span)

    for pattern, render in DETECTORS:
        for m in pattern.finditer(norm):
            masked = render(m, text)
            if masked is not None:
                accept([(m.start(), m.end(), masked)])
    accept(_known_name_spans(text, known_names))
    taken = [False] * len(text)
    for start, end, _ in accepted:
        taken[start:end] = [True] * (end - start)
    accept(list(_trigger_name_spans(norm, taken, {start for start, _, _ in accepted})))

    pieces: list[str] = []
    last = 0
    for start, end, masked in sorted(accepted):
        pieces += [text[last:start], masked]
        last = end
    return "".join(pieces) + text[last:]
