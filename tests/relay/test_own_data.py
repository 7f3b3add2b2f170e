"""The submitter's own name, phone and e-mail never reach the export, whatever the moderator approved."""

from __future__ import annotations

import datetime as dt
import json

from console_kit import add_item, answer_fully, carry

from relay.export import build_export
from relay.store import Store

NOW = dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)
SECRETS = ("张丽娟", "丽娟", "13900080008", "0008 0008", "zhanglj88")


def test_own_data_left_in_approved_texts_is_masked_in_the_export(store: Store) -> None:
    item_id = add_item(
        store,
        text="小区门口的井盖丢了，很危险。",
        received=NOW - dt.timedelta(hours=2),
        name="张丽娟",
        contact_phone="13900080008",
        contact_email="zhanglj88@163.com",
        consent=True,
    )
    reply = "张丽娟女士您好，井盖已补上。民警会打139 0008 0008回访，材料请发zhanglj88@163.com。"
    answer_fully(store, item_id, reply, NOW)
    item = store.console_item(item_id)
    assert item is not None
    # the moderator typed the submitter's name and number back into the public texts
    carry(
        store,
        item_id,
        "approve",
        NOW,
        public_text="丽娟反映：小区门口的井盖丢了，很危险。回电13900080008。",
        **{f"public_reply_{r.id}": reply for r in item.replies},
    )
    exported = json.dumps(build_export(store, NOW), ensure_ascii=False)
    assert "井盖已补上" in exported
    for secret in SECRETS:
        assert secret not in exported, secret
    assert "张**女士" in exported and "139****0008" in exported


def test_a_name_given_only_in_the_question_is_masked_in_the_replies(store: Store) -> None:
    """No name in the form, but 我叫王建国 in the question: a reply that greets 王建国 goes out masked."""
    item_id = add_item(
        store, text="我叫王建国，楼道灯坏了。", received=NOW - dt.timedelta(hours=2), name=None, consent=True
    )
    answer_fully(store, item_id, "王建国您好，楼道灯已修好。", NOW)
    item = store.console_item(item_id)
    assert item is not None
    carry(store, item_id, "approve", NOW, **{f"public_reply_{r.id}": r.text for r in item.replies})
    exported = json.dumps(build_export(store, NOW), ensure_ascii=False)
    assert "楼道灯已修好" in exported and "王建国" not in exported and "王**您好" in exported
