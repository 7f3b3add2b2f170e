"""Demo data for ``make demo``: console accounts, and items of every channel in every state.

``python -m relay.demo`` migrates the store named by the ``RELAY_*`` settings
and seeds it once (it does nothing if the demo admin exists). Every action
goes through the same planner as the console (``relay.casework``), so the
demo shows exactly what moderators and stations can do: staff-entered items
from the phone, the counter, a letter, 12345 and 110; hazards acknowledged;
officers assigned; extensions asked, granted and pending; 督办 met and
overdue; callbacks after a low rating; a transfer out; spam and rejections.
Fictional people and text only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .auth import hash_password
from .casework import Actor, Planner, approval_form, carry_out
from .contact import split_contact
from .models import Channel, Kind, RatingStatus, Role
from .settings import load_settings
from .stations import load_stations
from .store import NewItem, Store

ADMIN = ("demo-admin", "demo-admin-2026")
STATION = ("demo-dongshan", "demo-station-2026")
MODERATOR = ("demo-moderator", "demo-moderator-2026")
OFFICERS = [("demo-li", "李明辉", "demo-officer-2026"), ("demo-zhou", "周晓燕", "demo-officer-2026")]

ACTORS = {
    "moderator": Actor(MODERATOR[0], Role.MODERATOR),
    "station": Actor(STATION[0], Role.STATION, ("dongshan",)),
    "li": Actor(OFFICERS[0][0], Role.OFFICER, ("dongshan",)),
    "zhou": Actor(OFFICERS[1][0], Role.OFFICER, ("dongshan",)),
}


@dataclass(frozen=True)
class DemoItem:
    """One demo item: who sent what, how, and the console steps (actor, action, hours after receipt, form)."""

    station: str
    kind: Kind
    hours_ago: float
    text: str
    name: str | None = None
    contact: str | None = None
    consent: bool = True
    channel: Channel = Channel.WEB
    location: str | None = None
    steps: list[tuple[str, str, float, dict[str, str]]] = field(default_factory=list)
    rating: int | None = None  # the submitter's one-time rating of the handling
    complaint: bool = False


def answered(reply: str, by: str = "moderator", at: float = 5) -> list[tuple[str, str, float, dict[str, str]]]:
    return [("moderator", "accept", 2, {}), (by, "reply", at, {"reply": reply})]


ITEMS = [
    DemoItem(
        "dongshan",
        Kind.QUESTION,
        30,
        "请问在外地工作，身份证快到期了，可以在工作地换领吗？需要带什么材料？",
        "刘先生",
        "13800000001",
    ),
    DemoItem(
        "dongshan",
        Kind.HELP,
        28,
        "我家老人出门散步一直没回来，手机也打不通，已经四个小时了，请帮忙找一下。",
        contact="13800000002",
        consent=False,
        steps=[("moderator", "accept", 0.2, {}), ("station", "assign", 0.3, {"officer": "demo-li"})],
    ),
    DemoItem(
        "nanguan",
        Kind.QUESTION,
        26,
        "孩子刚出生一个月，办理出生登记需要父母双方都到场吗？",
        "陈女士",
        "chen@example.com",
        steps=[("moderator", "accept", 1, {})],
    ),
    DemoItem(
        "hubin", Kind.HAZARD, 5, "湖滨公园东门的路灯坏了一排，晚上很黑，老人散步容易摔倒。", location="湖滨公园东门"
    ),
    DemoItem(
        "dongshan",
        Kind.HAZARD,
        1,
        "石桥街菜场门口的井盖缺了一块，已经有电动车差点摔倒。",
        location="石桥街菜场门口",
        steps=[("li", "claim", 0.2, {}), ("li", "acknowledge", 0.3, {"note": "已派社区民警前往核查并设置警示"})],
    ),
    DemoItem("dongshan", Kind.QUESTION, 3, "请问春节期间哪里可以买烟花爆竹？有没有规定燃放的地点？"),
    DemoItem("taoyuan", Kind.SUGGESTION, 20, "建议放学时段在桃源小学门口增派警力，车太多，孩子过马路很危险。"),
    DemoItem(
        "dongshan",
        Kind.QUESTION,
        72,
        "办理无犯罪记录证明需要本人去吗？可以委托家人吗？",
        "张女士",
        "13800000003",
        steps=answered("可以委托。受托人需携带委托书、双方身份证原件到户籍窗口办理，一般当场出具。", "station"),
    ),
    DemoItem(
        "dongshan",
        Kind.HELP,
        96,
        "我的电动车在东山小区楼下被偷了，车牌辽C·12345，请帮忙调监控。",
        "王建国",
        "13800000004",
        steps=[
            ("moderator", "accept", 1, {}),
            ("station", "assign", 1.5, {"officer": "demo-zhou"}),
            (
                "zhou",
                "reply",
                3,
                {"reply": "已登记报案，民警今天下午联系您调取监控，请保持电话畅通。", "case_type": "public_order_case"},
            ),
            ("zhou", "request_extension", 50, {"days": "5", "reason": "小区监控需物业调取，物业负责人出差"}),
            ("moderator", "grant_extension", 52, {}),
        ],
    ),
    DemoItem(
        "hubin",
        Kind.QUESTION,
        120,
        "居住证到期了怎么续签？网上能办吗？",
        steps=[
            *answered("可以在政务服务网“居住证签注”栏目办理，也可到社区警务室办理，无需费用。"),
            ("moderator", "approve", 8, {}),
        ],
        rating=5,
    ),
    DemoItem(
        "liuying",
        Kind.HAZARD,
        50,
        "柳营菜市场后面有人私拉电线给电动车充电，容易着火。",
        location="柳营菜市场后面",
        steps=[
            ("moderator", "acknowledge", 0.5, {}),
            *answered("已会同街道和物业现场处置，拆除私拉电线，并在楼道张贴了安全提示。"),
            ("moderator", "approve", 8, {}),
        ],
        rating=4,
    ),
    DemoItem(
        "beian",
        Kind.QUESTION,
        10,
        "加我微信代办各类证件，价格优惠。",
        consent=False,
        steps=[("moderator", "spam", 0.5, {})],
    ),
    DemoItem(
        "beian",
        Kind.QUESTION,
        40,
        "帮我查一下邻居家的户口登记信息，他欠我钱。",
        consent=False,
        steps=[
            ("moderator", "reject", 1, {"reason": "涉及他人个人信息，公安机关不能提供。欠款纠纷可向人民法院起诉。"})
        ],
    ),
    DemoItem(
        "nanguan",
        Kind.QUESTION,
        70,
        "孩子在学校被几个同学欺负，手机还被抢过一次，想问问可以怎么处理。",
        consent=False,  # answered, and closed without publication as the sender chose
        steps=[
            *answered(
                "可以先告诉班主任和学校，同时带孩子到派出所报案，抢手机的事我们会依法处理。也可以拨打 12355 青少年服务热线。"
            ),
            ("moderator", "close_private", 7, {}),
        ],
    ),
    # Staff-entered items: the phone, the counter, a letter, 12345 and 110.
    DemoItem(
        "dongshan",
        Kind.HELP,
        6,
        "电话求助：母亲有阿尔茨海默病，早上出门后没回家，穿灰色外套，请民警帮忙寻找。",
        "赵女士",
        "13800000005",
        consent=False,
        channel=Channel.PHONE,
        steps=[("moderator", "accept", 0.1, {}), ("li", "claim", 0.2, {})],
    ),
    DemoItem(
        "dongshan",
        Kind.QUESTION,
        50,
        "窗口咨询：户口从外省迁入需要准备哪些材料？",
        "孙先生",
        channel=Channel.COUNTER,
        steps=[
            *answered("需准备准迁证、身份证、户口簿等，详见本站“户口迁入”办事指南。", "station"),
            ("moderator", "approve", 6, {}),
        ],
        rating=2,
    ),
    DemoItem(
        "nanguan",
        Kind.SUGGESTION,
        60,
        "来信：建议在南关中学附近设置护学岗，早高峰家长车辆拥堵。",
        channel=Channel.LETTER,
        steps=answered("已安排民警和辅警在早高峰设置护学岗，并与交警协调临时停车区。", at=30),
    ),
    DemoItem(
        "hubin",
        Kind.HAZARD,
        30,
        "12345 转办：湖滨路一处工地围挡倒伏，占用人行道。",
        channel=Channel.HOTLINE,
        location="湖滨路工地",
        steps=[
            ("moderator", "acknowledge", 1, {}),
            (
                "moderator",
                "transfer_out",
                2,
                {"unit": "zhujian", "receiver": "住建局值班员 杨工", "note": "工地围挡属住建部门监管"},
            ),
        ],
    ),
    DemoItem(
        "dongshan",
        Kind.HELP,
        36,
        "110 转办：楼上住户装修噪音持续到深夜，多次协商无果。",
        "钱先生",
        "13800000006",
        consent=False,
        channel=Channel.REFERRAL,
        steps=[
            ("moderator", "accept", 0.5, {}),
            ("moderator", "escalate", 26, {"level": "2", "note": "群众多次来电，请尽快上门调解", "due_hours": "6"}),
        ],
    ),
    DemoItem(
        "nanguan",
        Kind.QUESTION,
        80,
        "请问老年人乘车优惠卡在派出所能办吗？",
        steps=[
            ("moderator", "accept", 1, {}),
            ("moderator", "escalate", 20, {"level": "1", "note": "临近期限，请尽快答复", "due_hours": "4"}),
            (
                "moderator",
                "reply",
                22,
                {"reply": "老年人乘车优惠卡由公交公司办理，派出所不办理。可到公交服务网点申请。"},
            ),
        ],
        rating=1,
    ),
    DemoItem(
        "dongshan",
        Kind.QUESTION,
        20,
        "请问我们小区的门牌号错了，怎么更正？",
        steps=[
            ("moderator", "accept", 1, {}),
            ("li", "claim", 2, {}),
            ("li", "push_back", 3, {"reason": "该小区属于南关派出所辖区，请转南关派出所"}),
        ],
    ),
    DemoItem(
        "dongshan",
        Kind.QUESTION,
        23,
        "请问临时身份证当天能拿到吗？",
        steps=[
            ("moderator", "accept", 1, {}),
            ("zhou", "claim", 1.5, {}),
            ("zhou", "request_extension", 2, {"days": "2", "reason": "需向市局确认制证进度"}),
        ],
    ),
]


TEMPLATES = [
    (
        Kind.QUESTION,
        "证件办理指引",
        "您好，相关证件可在本所户籍窗口办理，请携带本人身份证原件。办理时间：工作日 8:30—17:30。详见本站办事指南。",
    ),
    (
        Kind.HELP,
        "已受理，民警将联系",
        "您好，您的求助已受理，责任民警将在今天内与您电话联系，请保持电话畅通。紧急情况请直接拨打 110。",
    ),
    (
        Kind.HAZARD,
        "已派员核查",
        "您好，已安排社区民警到现场核查，并会同相关单位处置。处置结果将在这里告知您。感谢您的举报。",
    ),
    (Kind.SUGGESTION, "感谢建议", "您好，感谢您的建议。我们已转相关部门研究，采纳情况将在这里答复您。"),
]


def seed(store: Store, planner: Planner, now: dt.datetime) -> bool:
    """Seed once; False if the demo data is already there. Every action goes through ``planner.plan``."""
    store.migrate()
    if store.account(ADMIN[0]) is not None:
        return False
    store.create_account(ADMIN[0], hash_password(ADMIN[1]), Role.ADMIN, [], now, email="admin@demo.yunlan.example")
    store.create_account(
        MODERATOR[0], hash_password(MODERATOR[1]), Role.MODERATOR, [], now, email="moderator@demo.yunlan.example"
    )
    store.create_account(STATION[0], hash_password(STATION[1]), Role.STATION, ["dongshan"], now)
    for username, name, password in OFFICERS:
        store.create_account(
            username, hash_password(password), Role.OFFICER, ["dongshan"], now, f"{username}@demo.yunlan.example", name
        )
    for kind, title, text in TEMPLATES:
        store.add_reply_template(kind, title, text, ADMIN[0], now)
    for demo in ITEMS:
        seed_item(store, planner, demo, now)
    for number, (station, stars, comment) in enumerate(
        [
            ("dongshan", 5, "民警态度很好，办事快。"),
            ("dongshan", 4, None),
            ("hubin", 5, "很耐心"),
            ("hubin", 3, "电话有时打不通"),
            ("dongshan", 2, None),
        ]
    ):
        store.add_rating(station, stars, comment, f"demo-client-{number}", now - dt.timedelta(days=number), 30)
    pending = store.pending_ratings(None)
    store.decide_ratings([r["id"] for r in pending[:4]], RatingStatus.APPROVED, MODERATOR[0], now, None)
    return True


def seed_item(store: Store, planner: Planner, demo: DemoItem, now: dt.datetime) -> int:
    received = now - dt.timedelta(hours=demo.hours_ago)
    phone, email = split_contact(demo.contact or "")
    staff = demo.channel is not Channel.WEB
    receipt = store.submit(
        NewItem(
            station=demo.station,
            kind=demo.kind,
            text=demo.text,
            name=demo.name,
            contact_phone=phone,
            contact_email=email,
            consent=demo.consent,
            location=demo.location,
            channel=demo.channel,
            entered_by=MODERATOR[0] if staff else None,
            received_at=received,
            **planner.deadlines_for(demo.kind, received),  # type: ignore[arg-type]
        ),
        received + dt.timedelta(minutes=20) if staff else received,
        dt.timedelta(minutes=10),
    )
    item_id = store.item_by_code(receipt.code).id  # type: ignore[union-attr]
    for actor, action, hours, form in demo.steps:
        step(store, planner, item_id, action, ACTORS[actor], received + dt.timedelta(hours=hours), form)
    if demo.rating is not None:
        at = received + dt.timedelta(hours=max((h for _, _, h, _ in demo.steps), default=0) + 1)
        item = store.item_by_code(receipt.code)
        callback, messages = planner.rating_callback(item, demo.rating, demo.complaint, at)
        store.rate_item(item_id, demo.rating, at, callback, messages)
    return item_id


def step(
    store: Store, planner: Planner, item_id: int, action: str, actor: Actor, at: dt.datetime, form: dict[str, str]
) -> None:
    """Plan and apply one action; an approval takes the public texts the console pre-fills."""
    if action == "approve":
        item = store.console_item(item_id)
        assert item is not None
        form = approval_form(item) | form
    carry_out(store, planner, item_id, action, actor, at, form)


def main() -> None:
    settings = load_settings()
    stations = load_stations(settings.stations)  # fail early, with a clear message, if the site is not built
    store = Store(settings.database)
    planner = Planner(stations, settings, officers=store.officers_of)
    if seed(store, planner, dt.datetime.now(dt.UTC)):
        print("relay demo: seeded items of every channel in every state, some overdue")
    store.close()
    print(f"  console admin:     {ADMIN[0]} / {ADMIN[1]}")
    print(f"  console moderator: {MODERATOR[0]} / {MODERATOR[1]}")
    print(f"  station account:   {STATION[0]} / {STATION[1]} (东山派出所)")
    print(f"  officers:          {OFFICERS[0][0]}, {OFFICERS[1][0]} / {OFFICERS[0][2]} (东山派出所)")


if __name__ == "__main__":
    main()
