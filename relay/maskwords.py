"""Word lists and shared patterns for ``relay.mask`` and ``relay.maskflags``: surnames, triggers, pinyin."""

from __future__ import annotations

import re
from functools import cache

FULLWIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九幺", "001234567891")
SEP = r"(?:[ \t]*[-–—.·_/][ \t]*|[ \t]+)"  # one separator between digits: dash, dot, slash or spaces
NUM = r"(?:[0-9]+|[一二三四五六七八九十〇零两]+)"  # a house or room number, in digits or Chinese numerals
# Numerals that write a number: two or more in a row (一三九…), or one before a digit. A lone numeral after a
# number begins the next word (7712345678 一直, 13912345678一直) and is no digit.
NUMERALS_AS_DIGITS = re.compile(rf"[〇零一二三四五六七八九幺]{{2,}}|[〇零一二三四五六七八九幺](?={SEP}?[0-9])")


def as_digits(norm: str) -> str:
    """``norm`` (full-width already folded) with the numerals that write a number read as digits, same length."""
    return NUMERALS_AS_DIGITS.sub(lambda m: m.group().translate(CHINESE_DIGITS), norm)


def _words(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


# Words after which a name is likely: self-introductions, form labels, roles, family.
TRIGGERS = _words(
    "我叫 我是 本人 姓名 名字 名叫 叫做 叫 签名 落款 署名 具名 联系人 报警人 报案人 举报人 投诉人 求助人 反映人 "
    "申请人 来访人 当事人 嫌疑人 受害人 被害人 监护人 收件人 车主 业主 户主 房东 租户 住户 居民 村民 家长 邻居 "
    "我儿子 我女儿 我爸爸 我妈妈 我爸 我妈 我父亲 我母亲 我丈夫 我妻子 我老公 我老婆 我爱人 我哥哥 我姐姐 "
    "我弟弟 我妹妹 我哥 我姐 我弟 我妹 我爷爷 我奶奶 我外公 我外婆 —— — "
    "隔壁的 隔壁 对门的 对门 楼上的 楼下的 同事 前夫 前妻 男朋友 女朋友 男友 女友 租客 房客 网友 亲戚 班主任"
)
# Titles that follow a full name (李华老师, 王芳阿姨): the given name before them is masked.
NAME_TITLES = _words("老师 同学 女士 先生 同志 警官 阿姨 师傅 大爷 大妈 老人 医生 律师 经理")
# A name at the start of a line counts only when one of these follows it (张丽娟反映：…).
LINE_START_VERBS = _words("反映 举报 投诉 报警 报案 求助 来电 来信 咨询 : ， ,")
NAME_TRIGGER_RE = re.compile(
    "(?:" + "|".join(sorted(TRIGGERS, key=len, reverse=True)) + r")(?:是|叫|为)?[ \t]*(?::[ \t]*)?"
)

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
NOT_GIVEN = frozenset("的了在是和与及住说也都就被把给从到于今昨你您他她它我们这那个吗呢吧啊电手身联等因所号群")
PLACE_SUFFIXES = frozenset(
    "区县市省州镇乡村庄屯路街巷道号楼栋院所局站队厂店场园馆处科部校门口港桥湾湖岛沟岭坡营堡旗委办矿社组寨"
)
NOT_NAMES = frozenset(
    _words(
        "高中 高三 高二 高一 高考 高速 高新 高层 于是 万一 方便 方面 方向 常住 常年 常常 安全 安排 文明 文化 文件 周末 "
        "周边 周围 周日 周一 周二 周三 周四 周五 周六 夏天 白天 白班 马上 马路 田里 程序 任何 许多 何时 关于 关系 "
        "江北 江南 江东 江西 华北 华南 黄河 金融 石油 包括 申请 符合 宁愿 左边 龙头 钱包 董事 孙子 真的 真是 第一"
    )
)
# What may follow a given name: function words, time words, verbs of asking and reporting.
BOUNDARY_WORDS = _words(
    "的 在 住 家 是 和 与 跟 说 也 都 已 被 给 从 到 于 把 及 因 向 对 今年 今天 昨天 明天 前天 去年 昨晚 "
    "电话 手机 身份证 联系 号码 现在 现住 一直 经常 曾经 打 骂 偷 欠 借 找 让 要 去 不 没 还 又 就 "
    "反映 反应 想 咨询 请问 请 报警 报案 举报 投诉 求助 需要 希望 申请 发现 遇到 看到 听到 特此 性别 女 男 "
    "今 岁 来 要求 家住 现居 天天 每天 总是 老是 常常 竟然 居然 将"
)

# Pinyin: the syllables of Mandarin, for names written in Latin letters.
PINYIN_SYLLABLE = (
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|in|un|ia|ie|iu|ua|uo|ui|ue|ve"
    r"|a|o|e|i|u|v))"
)


@cache
def pinyin_surnames() -> frozenset[str]:
    """The surnames above in pinyin (lower case), e.g. ``zhang``, ``ouyang``."""
    from pypinyin import lazy_pinyin

    return frozenset("".join(lazy_pinyin(surname)) for surname in SURNAMES | COMPOUND_SURNAMES)


@cache
def pinyin_name_re() -> re.Pattern[str]:
    """A pinyin surname, then a given name of one or two syllables: ``Zhang Lijuan``, ``WANG Xiao-ming``."""
    surnames = "|".join(sorted(pinyin_surnames(), key=len, reverse=True))
    return re.compile(
        rf"(?P<surname>{surnames})[ \t]+(?P<given>{PINYIN_SYLLABLE}(?:[ \t\-]?{PINYIN_SYLLABLE})?)(?![A-Za-z])",
        re.IGNORECASE,
    )
