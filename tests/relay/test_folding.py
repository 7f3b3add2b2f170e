"""Duplicate folding never hands out another person's receipt; tracking pages never show name or phone in full."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from console_kit import act
from images import phone_photo
from starlette.testclient import TestClient

from relay.models import Kind
from relay.store import NewItem, Store

VICTIM_TEXT = "我家楼下的井盖被偷了，晚上很危险。我叫张丽娟，电话13900080008，住在东山路88号3单元502室。"
HAZARD = {"station": "dongshan", "kind": "hazard", "location": "东山路88号楼下", "consent": "yes"}


def receipt_code(response: object) -> str:
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/receipt/"), location
    return str(location.removeprefix("/receipt/").split("?")[0])


def test_the_same_text_from_another_address_gets_its_own_receipt(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """The hijack: same text, spacing changed, another address and kind, within the folding window."""
    victim = console(client_address="203.0.113.7")
    sent = victim.post(
        "/ask",
        data={**HAZARD, "text": VICTIM_TEXT, "name": "张丽娟", "contact": "13900080008"},
        files={"photo": ("photo.jpg", phone_photo(), "image/jpeg")},
    )
    victim_code = receipt_code(sent)
    attacker = console(client_address="198.51.100.66")
    copies = [
        {**HAZARD, "text": VICTIM_TEXT.replace("，", "， ")},
        {**HAZARD, "kind": "question", "text": " " + VICTIM_TEXT},
        {**HAZARD, "kind": "help", "text": VICTIM_TEXT + "\n"},
    ]
    codes = []
    for data in copies:
        response = attacker.post("/ask", data=data)
        assert "folded" not in response.headers["location"]
        codes.append(receipt_code(response))
    assert victim_code not in codes and len(set(codes)) == 3
    # the station replies to the victim, naming her
    moderator = console("moderator")
    victim_item = sqlite_store.item_by_code(victim_code)
    assert victim_item is not None
    assert act(moderator, victim_item.id, "accept").status_code == 303  # type: ignore[attr-defined]
    reply = "张丽娟您好，已派人处理，民警会打13900080008联系您。"
    assert act(moderator, victim_item.id, "reply", reply=reply).status_code == 303  # type: ignore[attr-defined]
    for code in codes:
        page = attacker.get(f"/track/{code}").text
        assert "已派人处理" not in page
        assert "/photo" not in page
    # the attacker's rating lands on the attacker's own item, never on the victim's
    attacker_item = sqlite_store.item_by_code(codes[0])
    assert attacker_item is not None
    assert sqlite_store.item_rating(victim_item.id) is None
    rated = victim.post(f"/track/{victim_code}/rate", data={"stars": "5"})
    assert rated.status_code == 303 and sqlite_store.item_rating(victim_item.id) == 5
    # the copies are linked to the first item for the moderator
    linked = sqlite_store.possible_duplicates(victim_item.id)
    assert sorted(linked) == sorted(i.id for i in (sqlite_store.item_by_code(c) for c in codes) if i)
    assert sqlite_store.possible_duplicates(attacker_item.id) == [victim_item.id]


def test_the_same_client_folds_only_the_same_kind(client: TestClient, sqlite_store: Store) -> None:
    question = {"station": "dongshan", "kind": "question", "text": "请问 身份证丢了怎么补办？"}
    first = receipt_code(client.post("/ask", data=question))
    again = client.post("/ask", data={**question, "text": "请问身份证丢了怎么补办？"})
    assert receipt_code(again) == first and again.headers["location"].endswith("?folded=1")
    other_kind = client.post("/ask", data={**question, "kind": "suggestion"})
    assert receipt_code(other_kind) != first
    assert sqlite_store.count_items() == 2


def test_tracking_page_never_shows_name_or_phone_in_full(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    public = console()
    data = {**HAZARD, "text": VICTIM_TEXT, "name": "张丽娟", "contact": "139 0008 0008"}
    code = receipt_code(public.post("/ask", data=data))
    item = sqlite_store.item_by_code(code)
    assert item is not None
    moderator = console("moderator")
    assert act(moderator, item.id, "accept").status_code == 303  # type: ignore[attr-defined]
    reply = "丽娟女士：张丽娟反映的井盖已补上，有问题打139-0008-0008找我们回访。"
    assert act(moderator, item.id, "reply", reply=reply).status_code == 303  # type: ignore[attr-defined]
    page = public.get(f"/track/{code}").text
    for secret in ("张丽娟", "丽娟", "13900080008", "0008-0008", "88号3单元502室"):
        assert secret not in page, secret
    assert "井盖已补上" in page and "139****0008" in page


def test_a_rejection_reason_on_the_tracking_page_is_masked_too(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    public = console()
    data = {**HAZARD, "text": "楼道里堆满了杂物。", "name": "张丽娟", "contact": "13900080008"}
    code = receipt_code(public.post("/ask", data=data))
    item = sqlite_store.item_by_code(code)
    assert item is not None
    moderator = console("moderator")
    reason = "张丽娟您好，此事请拨打13900080008以外的物业电话处理"
    assert act(moderator, item.id, "reject", reason=reason).status_code == 303  # type: ignore[attr-defined]
    page = public.get(f"/track/{code}").text
    assert "物业电话处理" in page
    assert "张丽娟" not in page and "13900080008" not in page


def test_the_stations_own_phone_in_a_reply_stays_on_the_tracking_page(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    public = console()
    station_phone = public.app.state.relay.stations.get("dongshan").phone  # type: ignore[attr-defined]
    code = receipt_code(public.post("/ask", data={**HAZARD, "text": "楼道里堆满了杂物。", "contact": "13900080008"}))
    item = sqlite_store.item_by_code(code)
    assert item is not None
    moderator = console("moderator")
    assert act(moderator, item.id, "accept").status_code == 303  # type: ignore[attr-defined]
    reply = f"已通知物业清理。有疑问请拨打派出所电话{station_phone}，我们也会打13900080008回访。"
    assert act(moderator, item.id, "reply", reply=reply).status_code == 303  # type: ignore[attr-defined]
    page = public.get(f"/track/{code}").text
    assert station_phone in page and "139****0008" in page and "13900080008" not in page


def test_folding_and_linking_in_the_store(store: Store) -> None:
    """On SQLite and PostgreSQL: one sender and kind folds; anyone else is linked to the first item."""
    now = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    window = dt.timedelta(minutes=10)

    def sent(client: str | None, kind: Kind = Kind.QUESTION, minutes: int = 1) -> tuple[str, bool]:
        new = NewItem(station="dongshan", kind=kind, text="请问 身份证丢了怎么补办？", client_hash=client)
        receipt = store.submit(new, now + dt.timedelta(minutes=minutes), window)
        return receipt.code, receipt.folded

    first, _ = sent("client-a", minutes=0)
    assert sent("client-a") == (first, True)
    others = [sent("client-b")[0], sent("client-a", Kind.SUGGESTION)[0], sent(None)[0], sent(None)[0]]
    assert first not in others and len(set(others)) == 4
    first_id = store.item_by_code(first).id  # type: ignore[union-attr]
    other_ids = [store.item_by_code(code).id for code in others]  # type: ignore[union-attr]
    assert store.possible_duplicates(first_id) == other_ids
    assert all(store.possible_duplicates(other) == [first_id] for other in other_ids)
    late, folded = sent("client-a", minutes=30)
    assert not folded and store.possible_duplicates(store.item_by_code(late).id) == []  # type: ignore[union-attr]


def test_a_name_from_the_question_is_masked_in_replies_on_the_tracking_page(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    public = console()
    code = receipt_code(public.post("/ask", data={**HAZARD, "text": "我叫王建国，楼道灯坏了。"}))
    item = sqlite_store.item_by_code(code)
    assert item is not None
    moderator = console("moderator")
    assert act(moderator, item.id, "accept").status_code == 303  # type: ignore[attr-defined]
    assert act(moderator, item.id, "reply", reply="王建国您好，楼道灯已修好。").status_code == 303  # type: ignore[attr-defined]
    page = public.get(f"/track/{code}").text
    assert "楼道灯已修好" in page and "王建国" not in page


# -- a resubmission that brings more ------------------------------------------------------

HAZARD_TEXT = "小区门口的消防通道被车堵死了，已经好几天。"


def sent_again(client: TestClient, **fields: object) -> object:
    """The hazard report of the tests below, with ``fields`` (``photo`` as file bytes) changed."""
    photo = fields.pop("photo", None)
    data = {**HAZARD, "text": HAZARD_TEXT, **fields}
    files = {"photo": ("IMG_0001.jpg", photo, "image/jpeg")} if photo else None
    return client.post("/ask", data=data, files=files)


def test_a_resubmission_with_a_photo_and_a_phone_adds_them_to_the_same_receipt(
    make_client: Callable[..., TestClient], store: Store
) -> None:
    """On SQLite and PostgreSQL: nothing the citizen gave the second time is dropped, and they are told so."""
    client = make_client(store=store, sms_driver="log")
    first = receipt_code(sent_again(client))
    again = sent_again(client, photo=phone_photo(), contact="+86 139 0008 0008")
    assert receipt_code(again) == first and "folded=1" in again.headers["location"]
    item = store.item_by_code(first)
    assert item is not None and item.photo_id is not None and item.contact_phone == "13900080008"
    assert item.duplicates == 1 and store.count_items() == 1
    receipt = client.get(again.headers["location"]).text
    assert "编号不变" in receipt and "照片、联系电话已加到这个受理编号下" in receipt
    assert "只受理一次" not in receipt
    track = client.get(f"/track/{first}").text
    assert f"/track/{first}/photo" in track and "再次提交相同内容，补充了照片、联系电话" in track
    assert client.get(f"/track/{first}/photo").headers["content-type"] == "image/jpeg"
    # the history says what was added, the audit log who and what, neither the number itself
    assert [h.note for h in store.history(item.id)][-1] == "再次提交相同内容，补充了照片、联系电话"
    [entry] = [e for e in store.audit_entries(item_id=item.id) if e.action == "resubmission"]
    assert entry.actor == "public" and entry.after is not None and "photo" in entry.after
    assert "13900080008" not in str(entry)
    # the phone now on the receipt gets the receipt SMS a first submission with it would have got
    sms = [m for m in store.outbox.due(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), 50) if m.channel == "sms"]
    assert [m.recipient for m in sms] == ["13900080008"] and first in sms[0].body


def test_a_resubmission_brings_an_address_beside_a_phone_and_the_same_details_add_nothing(
    make_client: Callable[..., TestClient], store: Store
) -> None:
    client = make_client(store=store)
    first = receipt_code(sent_again(client, contact="13900080008", photo=phone_photo()))
    same = sent_again(client, contact="139-0008-0008", photo=phone_photo())  # the same number and the same photo
    assert receipt_code(same) == first and same.headers["location"] == f"/receipt/{first}?folded=1"
    assert "只受理一次，编号不变" in client.get(same.headers["location"]).text
    with_address = sent_again(client, contact="ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ")
    assert receipt_code(with_address) == first
    item = store.item_by_code(first)
    assert item is not None and (item.contact_phone, item.contact_email) == ("13900080008", "wang@example.com")
    assert item.duplicates == 2 and store.count_items() == 1
    assert "电子邮箱已加到这个受理编号下" in client.get(with_address.headers["location"]).text


def test_a_resubmission_with_another_photo_or_phone_gets_its_own_receipt_linked_to_the_first(
    make_client: Callable[..., TestClient], store: Store
) -> None:
    """An item keeps one photo and one phone: a different one is not folded away, nor written over the first."""
    client = make_client(store=store)
    first = receipt_code(sent_again(client, contact="13900080008", photo=phone_photo()))
    other_photo = sent_again(client, contact="13900080008", photo=phone_photo(320, 240))
    other_phone = sent_again(client, contact="13700070007")
    codes = [receipt_code(other_photo), receipt_code(other_phone)]
    assert first not in codes and len(set(codes)) == 2
    assert all("folded" not in r.headers["location"] for r in (other_photo, other_phone))  # type: ignore[attr-defined]
    original = store.item_by_code(first)
    assert original is not None and original.contact_phone == "13900080008" and original.duplicates == 0
    photo_item, phone_item = (store.item_by_code(code) for code in codes)
    assert photo_item is not None and photo_item.photo_id not in (None, original.photo_id)
    assert phone_item is not None and phone_item.contact_phone == "13700070007"
    # the moderator sees them together; the same details again fold into the latest receipt they fit
    assert store.possible_duplicates(original.id) == [photo_item.id, phone_item.id]
    assert receipt_code(sent_again(client, contact="13900080008")) == codes[0]
    explained = client.get(other_photo.headers["location"]).text  # type: ignore[attr-defined]
    assert "这次的照片与上次不同" in explained and "另给了这个受理编号" in explained
    assert "联系电话与上次不同" in client.get(other_phone.headers["location"]).text  # type: ignore[attr-defined]


def test_the_consent_to_publish_follows_the_latest_resubmission(store: Store) -> None:
    now = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    window = dt.timedelta(minutes=10)
    new = NewItem(station="dongshan", kind=Kind.QUESTION, text="请问 身份证丢了怎么补办？", client_hash="client-a")
    code = store.submit(new, now, window).code
    given = store.submit(dataclasses.replace(new, consent=True), now + dt.timedelta(minutes=1), window)
    assert (given.code, given.updated) == (code, ("consent",))
    assert store.console_item(store.item_by_code(code).id).consent  # type: ignore[union-attr]
    withdrawn = store.submit(new, now + dt.timedelta(minutes=2), window)
    assert (withdrawn.code, withdrawn.updated) == (code, ("consent",))
    item = store.console_item(store.item_by_code(code).id)  # type: ignore[union-attr]
    assert item is not None and not item.consent and item.duplicates == 2


def test_two_resubmissions_with_different_photos_at_once_keep_both_photos(store: Store) -> None:
    """On PostgreSQL the second waits for the first and reads its photo: one folds, the other is kept apart."""
    now = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    window = dt.timedelta(minutes=10)
    new = NewItem(station="dongshan", kind=Kind.HAZARD, text=HAZARD_TEXT, location="北门", client_hash="client-a")
    code = store.submit(new, now, window).code
    photos = [(phone_photo(64 + n, 48), "image/jpeg", 64 + n, 48) for n in range(2)]
    barrier, receipts = threading.Barrier(2), []

    def resubmit(photo: tuple[bytes, str, int, int]) -> None:
        barrier.wait()
        receipts.append(store.submit(dataclasses.replace(new, photo=photo), now + dt.timedelta(minutes=1), window))

    threads = [threading.Thread(target=resubmit, args=(photo,)) for photo in photos]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    folded = [r for r in receipts if r.folded]
    apart = [r for r in receipts if not r.folded]
    assert [(r.code, r.updated) for r in folded] == [(code, ("photo",))]
    assert [r.kept_apart for r in apart] == [("photo",)] and apart[0].code != code
    first, other = store.item_by_code(code), store.item_by_code(apart[0].code)
    assert first is not None and other is not None
    assert None not in (first.photo_id, other.photo_id) and first.photo_id != other.photo_id


def test_the_same_question_sent_twice_at_the_same_moment_gets_one_receipt_over_real_http(
    store: Store, tmp_path: Path, stations_json: Path
) -> None:
    """A double tap on 提交 on a slow network: both posts arrive together. On SQLite the writers take turns; on
    PostgreSQL both transactions read "nothing earlier" at once and each stored an item with its own receipt,
    until submissions of the same text take an advisory lock."""
    from servers import posts_at_once, quiet_relay_env, relay_server

    question = {"station": "dongshan", "kind": "question", "text": "请问居住证到期以后多久之内可以续签？"}
    with relay_server(quiet_relay_env(tmp_path, stations_json, store.url), tmp_path / "relay.log") as (url, _process):
        for attempt in range(3):
            data = {**question, "text": f"{question['text']}（第{attempt + 1}次）"}
            answers = posts_at_once(url, "/ask", data, 2)
            locations = sorted(answer.headers.get("location", "") for answer in answers)
            assert [answer.status_code for answer in answers] == [303, 303]
            codes = {location.split("/receipt/")[1].split("?")[0] for location in locations}
            assert len(codes) == 1, locations
            assert locations[1].endswith("?folded=1"), locations
