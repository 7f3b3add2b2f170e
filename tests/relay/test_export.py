"""``relay export``: valid against its JSON Schema, public fields only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
from console_kit import add_item, answer_fully, carry

from relay.export import SCHEMA_FILE, build_export, write_export
from relay.models import Kind, RatingStatus
from relay.store import Store

NOW = dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)


def validate(data: object) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)


def publish(store: Store, item_id: int, public_text: str, reply: str) -> None:
    answer_fully(store, item_id, reply, NOW)
    carry(store, item_id, "approve", NOW, public_text=public_text)


def test_demo_export_is_valid(demo_export: Path) -> None:
    data = json.loads(demo_export.read_text(encoding="utf-8"))
    validate(data)
    assert data["items"] and data["ratings"] and data["figures"]["_city"]["month"]


def test_schema_rejects_a_leaked_field(demo_export: Path) -> None:
    data = json.loads(demo_export.read_text(encoding="utf-8"))
    data["items"][0]["contact_phone"] = "13900001111"
    try:
        validate(data)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a contact field")


def test_only_published_public_fields(store: Store, tmp_path: Path) -> None:
    received = NOW - dt.timedelta(hours=5)
    published = add_item(
        store,
        text="原文：我叫赵大伟，电话13911112222。",
        received=received,
        contact_phone="13911112222",
        name="赵大伟",
        consent=True,
    )
    publish(store, published, "原文：我叫赵*，电话139****2222。", "您好，已答复。")
    rejected = add_item(store, text="被拒绝的内容：查别人的信息", received=received)
    carry(store, rejected, "reject", NOW, reason="不属于受理范围")
    spam = add_item(store, text="垃圾广告内容", received=received)
    carry(store, spam, "spam", NOW)
    add_item(store, kind=Kind.HELP, text="还没答复的求助", received=received)
    store.add_rating("dongshan", 5, "很好", "c1", NOW, 30)
    store.add_rating("dongshan", 1, "未审核的差评", "c2", NOW, 30)
    approved = store.pending_ratings(None)[0]["id"]
    store.decide_ratings([approved], RatingStatus.APPROVED, "m", NOW, None)
    data = write_export(store, tmp_path / "export.json", NOW)
    validate(data)
    text = (tmp_path / "export.json").read_text(encoding="utf-8")
    assert [i["question"] for i in data["items"]] == ["原文：我叫赵*，电话139****2222。"]
    for secret in (
        "13911112222",
        "赵大伟",
        "被拒绝的内容",
        "垃圾广告",
        "还没答复",
        "不属于受理范围",
        "未审核的差评",
        "很好",
        "c1",
        "c2",
    ):
        assert secret not in text, secret
    assert data["ratings"] == {
        "dongshan": {"count": 1, "mean": 5.0, "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    }
    figures = data["figures"]["dongshan"]["month"]["2026-11"]
    # the answered and the rejected question responded to in 5 hours; the help request is inside its 24 hours
    assert (figures["received"], figures["received_by_kind"]) == (3, {"help": 1, "question": 2})
    assert figures["first_reply"] == {"due": 2, "on_time": 2, "rate": 1.0}
    assert figures["first_reply_hours"] == {"count": 2, "median": 5.0, "p90": 5.0}
    assert data["star_ratings"] == [{"station": "dongshan", "stars": 5, "date": "2026-11-25"}]
    assert data["items"][0]["reply_hours"] == 5.0


def test_export_of_an_empty_store_is_valid(sqlite_store: Store) -> None:
    data = build_export(sqlite_store, NOW)
    validate(data)
    assert data["items"] == [] and data["ratings"] == {} and data["figures"] == {}


def test_replies_are_masked_in_the_export(sqlite_store: Store, tmp_path: Path) -> None:
    item_id = add_item(
        sqlite_store,
        text="我叫王建国，问身份证。",
        name="王建国",
        contact_phone="13912345678",
        consent=True,
        received=NOW - dt.timedelta(hours=1),
    )
    publish(sqlite_store, item_id, "我叫王*，问身份证。", "王建国您好，已电话联系您（13912345678），请来所办理。")
    text = json.dumps(write_export(sqlite_store, tmp_path / "export.json", NOW), ensure_ascii=False)
    assert "王建国" not in text and "13912345678" not in text
    assert "139****5678" in text


def test_figures_by_chief_follow_the_terms_in_the_station_list(sqlite_store: Store) -> None:
    import datetime as dt

    from relay.stations import StationInfo, Stations, Tenure

    terms = (
        Tenure("170001-20200101", dt.date(2020, 1, 1), dt.date(2026, 11, 24)),
        Tenure("170002-20261125", dt.date(2026, 11, 25)),
    )
    stations = Stations([StationInfo("dongshan", "东山派出所", "东城区", "0", "/", "", terms)])
    add_item(sqlite_store, received=NOW - dt.timedelta(days=2))  # 23 November: the old chief
    add_item(
        sqlite_store, text="另一个问题：怎么办居住证？", received=NOW - dt.timedelta(hours=1)
    )  # 25 November: the new chief
    data = build_export(sqlite_store, NOW, stations)
    validate(data)
    by_chief = data["figures_by_chief"]["dongshan"]
    assert by_chief["170001-20200101"]["month"]["2026-11"]["received"] == 1
    assert by_chief["170002-20261125"]["month"]["2026-11"]["received"] == 1
    assert "figures_by_chief" not in build_export(sqlite_store, NOW)  # without the station list: by station only
