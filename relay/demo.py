"""Demo data for ``make demo``: two console accounts and items in every state.

``python -m relay.demo`` migrates the store named by the ``RELAY_*`` settings
and seeds it once (it does nothing if the demo admin exists). Fictional text only.
"""

from __future__ import annotations

import datetime as dt

from .auth import hash_password
from .casework import Actor, Planner, approval_form, carry_out
from .forms import split_contact
from .models import Kind, RatingStatus, Role, Status
from .settings import load_settings
from .stations import load_stations
from .store import NewItem, Store

ADMIN = ("demo-admin", "demo-admin-2026")
STATION = ("demo-dongshan", "demo-station-2026")
MODERATOR = ("demo-moderator", "demo-moderator-2026")

# (station, kind, hours ago, text, name, contact, consent, final state, reply)
ITEMS = [
    (
        "dongshan",
        Kind.QUESTION,
        30,
        "请问在外地工作，身份证快到期了，可以在工作地换领吗？需要带什么材料？",
        "刘先生",
        "13800000001",
        True,
        Status.NEW,
        None,
    ),
    (
        "dongshan",
        Kind.HELP,
        28,
        "我家老人出门散步一直没回来，手机也打不通，已经四个小时了，请帮忙找一下。",
        None,
        "13800000002",
        False,
        Status.AWAITING_REPLY,
        None,
    ),
    (
        "nanguan",
        Kind.QUESTION,
        26,
        "孩子刚出生一个月，办理出生登记需要父母双方都到场吗？",
        "陈女士",
        "chen@example.com",
        True,
        Status.AWAITING_REPLY,
        None,
    ),
    (
        "hubin",
        Kind.HAZARD,
        5,
        "湖滨公园东门的路灯坏了一排，晚上很黑，老人散步容易摔倒。",
        None,
        None,
        True,
        Status.NEW,
        None,
    ),
    (
        "dongshan",
        Kind.QUESTION,
        3,
        "请问春节期间哪里可以买烟花爆竹？有没有规定燃放的地点？",
        None,
        None,
        True,
        Status.NEW,
        None,
    ),
    (
        "taoyuan",
        Kind.SUGGESTION,
        20,
        "建议放学时段在桃源小学门口增派警力，车太多，孩子过马路很危险。",
        None,
        None,
        True,
        Status.NEW,
        None,
    ),
    (
        "dongshan",
        Kind.QUESTION,
        72,
        "办理无犯罪记录证明需要本人去吗？可以委托家人吗？",
        "张女士",
        "13800000003",
        True,
        Status.ANSWERED,
        "可以委托。受托人需携带委托书、双方身份证原件到户籍窗口办理，一般当场出具。",
    ),
    (
        "dongshan",
        Kind.HELP,
        96,
        "我的电动车在东山小区楼下被偷了，车牌辽C·12345，请帮忙调监控。",
        "王建国",
        "13800000004",
        True,
        Status.AWAITING_FINAL_REPLY,
        "已登记报案，民警今天下午联系您调取监控，请保持电话畅通。",
    ),
    (
        "hubin",
        Kind.QUESTION,
        120,
        "居住证到期了怎么续签？网上能办吗？",
        None,
        None,
        True,
        Status.PUBLISHED,
        "可以在政务服务网“居住证签注”栏目办理，也可到社区警务室办理，无需费用。",
    ),
    (
        "liuying",
        Kind.HAZARD,
        50,
        "柳营菜市场后面有人私拉电线给电动车充电，容易着火。",
        None,
        None,
        True,
        Status.PUBLISHED,
        "已会同街道和物业现场处置，拆除私拉电线，并在楼道张贴了安全提示。",
    ),
    ("beian", Kind.QUESTION, 10, "加我微信代办各类证件，价格优惠。", None, None, False, Status.SPAM, None),
]


def seed(store: Store, planner: Planner, now: dt.datetime) -> bool:
    """Seed once; False if the demo data is already there. Every action goes through ``planner.plan``."""
    store.migrate()
    if store.account(ADMIN[0]) is not None:
        return False
    store.create_user(ADMIN[0], hash_password(ADMIN[1]), Role.ADMIN, [], now, email="admin@demo.yunlan.example")
    store.create_user(
        MODERATOR[0], hash_password(MODERATOR[1]), Role.MODERATOR, [], now, email="moderator@demo.yunlan.example"
    )
    store.create_user(STATION[0], hash_password(STATION[1]), Role.STATION, ["dongshan"], now)
    moderator = Actor(MODERATOR[0], Role.MODERATOR)
    for station, kind, hours, text, name, contact, consent, state, reply in ITEMS:
        received = now - dt.timedelta(hours=hours)
        phone, email = split_contact(contact or "")
        receipt = store.submit(
            NewItem(
                station=station,
                kind=kind,
                text=text,
                name=name,
                contact_phone=phone,
                contact_email=email,
                consent=consent,
                location="见描述" if kind is Kind.HAZARD else None,
            ),
            received,
            dt.timedelta(minutes=10),
            24,
        )
        item_id = store.item_by_code(receipt.code).id  # type: ignore[union-attr]
        replier = Actor(STATION[0], Role.STATION, ("dongshan",)) if station == "dongshan" else moderator
        moment = received + dt.timedelta(hours=2)
        for actor, action, at, form in demo_steps(state, kind, reply, moderator, replier, moment):
            step(store, planner, item_id, action, actor, at, form)
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
    for row in store.queue([Status.PUBLISHED, Status.ANSWERED], None):
        store.rate_item(row.id, 5 if row.station == "hubin" else 4, now)
    return True


def demo_steps(
    state: Status, kind: Kind, reply: str | None, moderator: Actor, replier: Actor, moment: dt.datetime
) -> list[tuple[Actor, str, dt.datetime, dict[str, str]]]:
    """The console actions that take a new item to ``state``, as a moderator and a station would."""
    if state is Status.NEW:
        return []
    if state is Status.SPAM:
        return [(moderator, "spam", moment, {})]
    steps = [(moderator, "accept", moment, {})]
    if state is Status.AWAITING_REPLY:
        return steps
    assert reply is not None
    if kind is Kind.HELP:
        return [*steps, (replier, "reply", moment + dt.timedelta(hours=3), {"reply": reply, "final_days": "7"})]
    steps.append((replier, "reply", moment + dt.timedelta(hours=5), {"reply": reply}))
    if state is Status.PUBLISHED:
        steps.append((moderator, "approve", moment + dt.timedelta(hours=8), {}))
    return steps


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
    if seed(store, Planner(stations, settings), dt.datetime.now(dt.UTC)):
        print("relay demo: seeded items in every state, some overdue")
    store.close()
    print(f"  console admin:     {ADMIN[0]} / {ADMIN[1]}")
    print(f"  console moderator: {MODERATOR[0]} / {MODERATOR[1]}")
    print(f"  station account:   {STATION[0]} / {STATION[1]} (东山派出所)")


if __name__ == "__main__":
    main()
