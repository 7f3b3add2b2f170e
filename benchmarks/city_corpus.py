"""The synthetic city the build benchmark builds: 112 stations, N Chinese posts and 12 guides.

A fixed seed means every run writes the same files; the same seed at a larger N writes the same stations and
the same first posts.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED = 20261125
STATION_COUNT = 112


def words(text: str) -> list[str]:
    return text.split()


def sentences(text: str) -> list[str]:
    return re.findall(r"\S+?。", text)


PINYIN = words(
    "dong xi nan bei qing hu jiang gang tao liu song mei xing an xin yong shan men qiao lin yuan wan ping he"
)
FIRST = [*zip("东西南北青湖江港桃柳松梅兴安新永", PINYIN[:16], strict=True)]
SECOND = [*zip("山门桥林园湾坪河", PINYIN[16:], strict=True)]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = words("建国 志强 海涛 立新 卫东 振华 晓明 国庆 红梅 丽华 文博 俊杰 永刚 春生 德明 秀英")
RANKS = words("一级警督 二级警督 三级警督 一级警司")
STREETS = words("建设路 人民路 解放路 和平街 中山路 滨江大道 站前街 文化路 新华路 胜利街 青年路 工农路")
TOPICS = {
    "worklog": "劝导烧烤店扰民 夜巡防盗电瓶 整治黑车拉客 寄递物流检查 校园周边护学 调解邻里纠纷 走访独居老人 排查出租屋 清理僵尸车 护送走失老人 防诈宣传进小区 整治占道经营",
    "warning": "警惕冒充客服退款诈骗 防范刷单返利诈骗 谨防冒充公检法诈骗 节假日入室盗窃高发 冬季取暖谨防一氧化碳中毒 电动车入户充电火灾隐患 谨防高额回报投资骗局 防范虚假网络贷款 强降雨期间出行安全 警惕ETC认证短信 防范游戏装备交易诈骗 警惕虚假征兵诈骗",
    "disclosure": "民警调整公示 群众回访情况通报 行政处罚情况公开 接处警情况通报 户籍业务办理统计 执法监督电话公布",
    "prevention": "老旧小区防盗 冬季用电安全 识别假币 防范电信诈骗 独居老人安全 电动车防盗",
    "community": "警务室开放日 社区议事会 治安巡逻队成立 平安小区创建 楼道安全检查 邻里守望活动",
    "lost-found": "黑色双肩包 银行卡一张 儿童自行车 手机一部 钥匙一串 身份证一张",
    "traffic": "冬季行车安全 电动车戴头盔 学校周边限速 酒驾危害 雨天行车 老年人过马路",
    "campus": "开学安全第一课 校园防欺凌 防溺水教育 上下学护学岗 校园消防演练 放学路上安全",
    "volunteer": "招募平安志愿者 志愿者巡逻日 志愿者表彰 反诈宣传志愿行 节日护卫志愿服务 义务调解员招募",
}
WORK = sentences("""
    本周所里共接处警{n}起，其中群众求助{m}起，辖区治安总体平稳。 民警联合城管上门劝导，店主承诺晚上十点后不再在室外营业。
    针对近期电动车电瓶被盗多发，调整了夜间巡逻路线，增加凌晨时段巡逻。 检查辖区快递网点{m}家，督促落实收寄验视和实名收寄制度。
    走访辖区{m}家企业和在建工地，了解工资发放情况，排查劳资纠纷隐患。 社区民警入户走访独居老人{n}户，帮助更换了{m}处老化的电线插座。
    上下学时段在校门口设立护学岗，疏导接送车辆，保障学生出入安全。 成功调解邻里纠纷{m}起，双方当场签订调解协议，矛盾得到化解。
    清理小区内长期停放的僵尸车{m}辆，腾出车位方便居民停车。 民警接报一名老人走失，经过两个小时的查找，将老人平安送回家中。
    在菜市场和广场开展防诈骗宣传，发放宣传资料{n}份，现场解答群众咨询。 对辖区出租屋开展集中排查，登记流动人口{n}人，整改消防隐患{m}处。
    联合交警在路口开展交通秩序整治，纠正电动车不戴头盔等违法行为{n}起。 回访本月报警求助的群众{n}人，听取意见建议，群众普遍表示满意。
    夜间巡逻中发现一处门面卷帘门未锁，民警联系店主到场后关好门窗。 户籍窗口本周办理身份证{n}张、户口迁移{m}件，群众排队时间明显缩短。
""")
ADVICE = sentences("""
    近期辖区接到多起类似报警，已有群众被骗，损失最高达{n}万元。 骗子往往以客服、民警或熟人的身份联系您，要求转账或提供验证码。
    凡是要求把钱转到所谓安全账户的，都是诈骗，请立即挂断电话。 不要点击陌生短信中的链接，不要下载来历不明的应用程序。
    家中有老人的，请子女多提醒、多关心，帮助老人识别常见骗局。 遇到可疑情况，请拨打110或者到就近派出所咨询，也可以拨打反诈专线96110。
    外出时请关好门窗，贵重物品不要放在车内显眼位置。 使用电暖器和燃气时注意通风，发现异常及时撤离并报警。
    电动车请在规定地点集中充电，切勿将电池带入楼道和家中。 本提示有效期内，民警将加大巡逻力度，欢迎群众提供线索。
    网上交易请通过正规平台，不要私下转账，不要轻信低价诱惑。 个人身份证、银行卡不要出租出借，以免被不法分子利用。
    陌生人以中奖、退税、补贴为由索要个人信息的，请一律拒绝。 发现上当受骗，请保存好聊天记录和转账凭证，第一时间报警。
""")
GUIDES = [
    ("id-card", "id-card-first", "居民身份证首次申领", "20元"),
    ("id-card", "id-card-renew", "居民身份证换领", "20元"),
    ("id-card", "id-card-lost", "居民身份证挂失补领", "40元"),
    ("hukou", "hukou-birth", "出生登记", "不收费"),
    ("hukou", "hukou-move-in", "户口迁入", "不收费"),
    ("residence", "residence-permit", "居住证申领", "不收费"),
    ("exit-entry", "passport-first", "普通护照首次申请", "120元"),
    ("exit-entry", "hk-macao-pass", "往来港澳通行证", "60元"),
    ("vehicle", "driving-license-renew", "机动车驾驶证期满换证", "10元"),
    ("certificate", "no-crime-cert", "无犯罪记录证明", "不收费"),
    ("certificate", "kinship-cert", "亲属关系证明", "不收费"),
    ("public-order", "hotel-permit", "旅馆业特种行业许可证", "不收费"),
]


@dataclass
class Station:
    slug: str
    name: str
    modules: list[str]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (70, 90, 130)).save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def fill(rng: random.Random, sentence: str) -> str:
    return sentence.format(n=rng.randint(12, 98), m=rng.randint(2, 9))


def make_body(rng: random.Random, pool: list[str], headings: tuple[str, str]) -> str:
    """A 200-600 character Markdown body: intro paragraph, bullet list, closing section."""
    target, chosen = rng.randint(180, 480), rng.sample(pool, len(pool))
    picked = [fill(rng, chosen.pop())]
    while sum(map(len, picked)) < target and chosen:
        picked.append(fill(rng, chosen.pop()))
    bullets = "\n".join(f"- {item}" for item in picked[1:-1])
    return f"{picked[0]}\n\n## {headings[0]}\n\n{bullets}\n\n## {headings[1]}\n\n{picked[-1]}\n"


def make_stations(rng: random.Random, content: Path, city: dict[str, Any]) -> list[Station]:
    names = [(a + b, pa + pb) for a, pa in FIRST for b, pb in SECOND]
    rng.shuffle(names)
    districts, optional, photo = city["districts"], list(city["optional_modules"]), small_jpeg()
    stations = []
    for index, (name, slug) in enumerate(names[:STATION_COUNT]):
        modules = rng.sample(optional, rng.randint(1, 3)) if rng.random() < 1 / 3 else []
        district, street = districts[index % len(districts)], rng.choice(STREETS)
        since = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 2400))
        chosen = f"Modules: {', '.join(modules)}\n" if modules else ""
        write(
            content / "stations" / f"{slug}.md",
            f"Slug: {slug}\nName: {name}派出所\nDistrict: {district}\nAddress: {district}{street}{rng.randint(1, 300)}号\n"
            f"Hours: 周一至周五 8:30-17:30，节假日值班窗口 9:00-16:00\nPhone: 0417-{2100000 + index}\n"
            f"Report_Phone: 0417-{2200000 + index}\nEmail: {slug}@pcs.yunlan.example\n"
            f"Jurisdiction: {name}街道及{street}沿线{rng.randint(3, 12)}个社区\n{chosen}"
            f"Chief: {rng.choice(SURNAMES)}{rng.choice(GIVEN)}\nChief_Rank: {rng.choice(RANKS)}\n"
            f"Chief_Badge: {rng.randint(0, 999999):06d}\nChief_Born: {rng.randint(1965, 1990)}\n"
            f"Chief_Photo: images/chiefs/{slug}.jpg\nChief_Since: {since:%Y-%m-%d}\n"
            # The chief before, so that posts older than the current chief have one to be signed by.
            f"Past_Chief: {SURNAMES[index % len(SURNAMES)]}{GIVEN[index * 7 % len(GIVEN)]} | {RANKS[0]} | "
            f"{index * 7919 % 1000000:06d} |  | 2012-01-02 | {since - dt.timedelta(days=1):%Y-%m-%d}\n\n"
            f"{name}派出所负责{name}街道的治安管理、户籍管理和群众求助。{fill(rng, rng.choice(WORK))}\n",
        )
        (content / "images" / "chiefs").mkdir(parents=True, exist_ok=True)
        (content / "images" / "chiefs" / f"{slug}.jpg").write_bytes(photo)
        stations.append(Station(slug, name, modules))
    return stations


def pick_module(rng: random.Random, station: Station) -> str:
    roll = rng.random()
    if roll < 0.25:
        return "warning"
    if roll < 0.35:
        return "disclosure"
    if roll < 0.55 and station.modules:
        return rng.choice(station.modules)
    return "worklog"


def make_post(rng: random.Random, content: Path, station: Station, index: int, city: dict[str, Any]) -> str:
    module = pick_module(rng, station)
    date = dt.datetime(2023, 12, 1, 8) + dt.timedelta(days=rng.randint(0, 1088), minutes=rng.randint(0, 600))
    topic = rng.choice(words(TOPICS[module]))
    slug = f"{station.slug}-{module}-{date:%Y%m%d}-{index:05d}"
    extra, pool, headings = "", WORK, ("重点工作", "下一步")
    summary = f"{station.name}派出所{topic}。"
    if module == "worklog":
        second = rng.choice(words(TOPICS["worklog"]))
        title = f"工作记实（{date.month}月{date.day}日）：{topic}、{second}"
        summary, headings = f"本周接处警{rng.randint(30, 99)}起；{topic}、{second}。", ("重点工作", "下周安排")
    elif module == "warning":
        title, pool, headings = f"预警：{topic}", ADVICE, ("常见情形", "防范提示")
        summary = f"{station.name}派出所提示：{topic}，请广大群众提高警惕。"
        effective = date + dt.timedelta(hours=1)
        expires = effective + dt.timedelta(days=rng.randint(7, 120))
        extra = (
            f"Level: {rng.choices(list(city['warning_levels']), weights=(5, 3, 2, 1))[0]}\n"
            f"Area: {station.name}街道全域\nEffective: {effective:%Y-%m-%d %H:%M}\nExpires: {expires:%Y-%m-%d %H:%M}\n"
        )
        extra += "Official: yes\n" if rng.random() < 0.2 else ""
    elif module == "disclosure":
        title, headings = f"{topic}（{date.year}年{date.month}月）", ("公开内容", "监督渠道")
    else:
        title = f"{city['optional_modules'][module]}：{topic}"
        pool = ADVICE if module == "prevention" else WORK
    write(
        content / "posts" / station.slug / module / f"{date:%Y-%m-%d}-{slug}.md",
        f"Title: {title}\nDate: {date:%Y-%m-%d %H:%M}\nSlug: {slug}\nStation: {station.slug}\nModule: {module}\n"
        f"Summary: {summary}\n{extra}\n{make_body(rng, pool, headings)}",
    )
    return module


def make_guides(content: Path) -> None:
    for category, slug, title, fee in GUIDES:
        (content / "forms").mkdir(parents=True, exist_ok=True)
        (content / "forms" / f"{slug}-form.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
        write(
            content / "guides" / category / f"{slug}.md",
            f"Title: {title}\nSlug: {slug}\nCategory: {category}\nSummary: {title}的办理条件、材料和流程。\n"
            f"For: 本市户籍居民及持居住证人员\nTime_Limit: 20个工作日\nFee: {fee}\nWhere: 各派出所户籍窗口\n"
            f"Hours: 周一至周五 8:30-17:00，法定节假日除外\nPhone: 0417-2000003\nComplaints_Phone: 0417-12389\n"
            f"Form: {title}申请表 | forms/{slug}-form.pdf\nReviewed: 2026-10-01\n\n"
            "## 办理条件\n本市户籍或持有有效居住证。\n\n## 申请材料\n| 材料 | 原件/复印件 | 份数 |\n| --- | --- | --- |\n"
            "| 居民户口簿 | 原件 | 1 |\n\n## 办理流程\n1. 取号\n2. 提交材料、采集照片\n3. 领取回执\n\n"
            "## 注意事项\n请提前在网上预约。\n",
        )


def generate_corpus(content: Path, posts: int, city: dict[str, Any]) -> None:
    rng = random.Random(SEED)
    shutil.rmtree(content, ignore_errors=True)
    stations = make_stations(rng, content, city)
    print(f"  {len(stations)} stations, {sum(1 for s in stations if s.modules)} with optional modules")
    counts: dict[str, int] = {}
    step = max(posts // 5, 1)
    for index in range(posts):
        module = make_post(rng, content, rng.choice(stations), index, city)
        counts[module] = counts.get(module, 0) + 1
        if (index + 1) % step == 0 or index + 1 == posts:
            print(f"  posts: {index + 1}/{posts}", flush=True)
    print("  by module: " + ", ".join(f"{m} {n}" for m, n in sorted(counts.items(), key=lambda item: -item[1])))
    make_guides(content)
    print(f"  {len(GUIDES)} guides with one PDF form each")


def read_metadata(path: Path) -> tuple[dict[str, str], str]:
    """A Pelican Markdown file's ``Key: value`` header (keys lower-cased) and its body."""
    header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    metadata = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        metadata[key.strip().lower()] = value.strip()
    return metadata, body


@dataclass(frozen=True)
class EditTarget:
    """The one post every rebuild scenario edits, and where it lands in the output."""

    source: Path
    station: str
    module: str
    slug: str

    @property
    def url_path(self) -> str:
        return f"stations/{self.station}/{self.module}/{self.slug}/"

    def marker(self, scenario: str) -> str:
        return f"（基准测试追加 {scenario}）"  # closed, so no scenario's marker is a prefix of another's

    def append_sentence(self, scenario: str, source: Path | None = None) -> str:
        """Appends one sentence naming the scenario to the post (or to its copy at ``source``); returns the marker."""
        with (source or self.source).open("a", encoding="utf-8") as handle:
            handle.write(f"\n本周补充：民警再次回访了相关群众{self.marker(scenario)}。\n")
        return self.marker(scenario)


def edit_target(content: Path) -> EditTarget:
    """The post in the middle of the sorted list of posts."""
    posts = sorted((content / "posts").rglob("*.md"))
    source = posts[len(posts) // 2]
    metadata, _ = read_metadata(source)
    return EditTarget(source, metadata["station"], metadata["module"], metadata["slug"])
