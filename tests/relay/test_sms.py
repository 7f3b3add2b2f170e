"""SMS through the outbox against a real local HTTP gateway that the tests start, stop and misconfigure."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from console_kit import act, add_item
from servers import free_port
from sqlalchemy import select
from sqlalchemy.engine import Row
from starlette.testclient import TestClient

from relay import notices
from relay.contact import BadNumber, mobile_number
from relay.mailer import BAD_ADDRESS_RETRY, deliver_due, retry_delay, run_worker
from relay.models import Kind, outbox
from relay.settings import Settings, SettingsError, load_settings
from relay.sms import mask_number
from relay.store import Store

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
PHONE = "139 1234 5678"
NUMBER = "13912345678"
KEY = "gateway-key-7f3a"
SECRET_REPLY = "请携带户口簿到东山派出所户籍窗口补办，王建国同志。"
QUESTION_TEXT = "请问身份证丢了怎么补办？我住在望江街12号。"


class Gateway:
    """A tiny SMS gateway on a fixed localhost port: start, stop and switch how it answers.

    ``mode`` is ``ok`` (200 ``{"code": "OK"}``), ``slow`` (answers after the client gave up),
    ``500``, ``400``, ``garbage`` (200 with HTML) or ``refused`` (200 ``{"code": "isv.LIMIT"}``).
    ``requests`` keeps every request; ``delivered`` only what the gateway accepted.
    """

    def __init__(self, port: int, slow_seconds: float = 1.5) -> None:
        self.port = port
        self.mode = "ok"
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms/send"

    def start(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                request = {"path": self.path, "auth": self.headers.get("authorization"), "body": body}
                gateway.requests.append(request)
                mode = gateway.mode
                if mode == "slow":
                    time.sleep(gateway.slow_seconds)
                    status, answer = 503, b'{"code": "TIMEOUT"}'
                elif mode in ("500", "400"):
                    status, answer = int(mode), b'{"code": "ERROR"}'
                elif mode == "garbage":
                    status, answer = 200, b"<html>gateway maintenance</html>"
                elif mode == "refused":
                    status, answer = 200, b'{"code": "isv.BUSINESS_LIMIT_CONTROL"}'
                else:
                    gateway.delivered.append(json.loads(body))
                    status, answer = 200, b'{"code": "OK", "biz_id": "900619746936498440"}'
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the relay gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    made = Gateway(free_port())  # not started: the tests bring it up
    yield made
    made.stop()


@pytest.fixture
def sms_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "secret_key": "x",
            "data_dir": tmp_path,
            "public_url": "https://relay.test",
            "smtp_port": free_port(),  # nothing listens: e-mail fails, which these tests do not need
        }
        return load_settings(environ={}, **{**values, **overrides})

    return make


def rows(store: Store, channel: str = "sms") -> list[Row[Any]]:
    with store.reading() as conn:
        return list(conn.execute(select(outbox).where(outbox.c.channel == channel).order_by(outbox.c.id)).all())


def phone_only_item(code: str = "K7QM4-XPD2R") -> SimpleNamespace:
    return SimpleNamespace(
        receipt_code=code, kind=Kind.QUESTION, contact_phone=PHONE, contact_email=None, first_reply_due_at=NOW
    )


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def queue(store: Store, messages: tuple[Any, ...]) -> None:
    for message in messages:
        store.outbox.add(message.recipient, message.subject, message.body, NOW, message.channel)


# -- the gateway down, slow, failing, then back --------------------------------------


def test_sms_reaches_the_gateway_after_it_comes_back_up(
    store: Store, gateway: Gateway, sms_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = sms_settings(sms_driver="http", sms_url=gateway.url, sms_key=KEY, sms_timeout=0.3)
    queue(store, notices.reply_notices(phone_only_item(), SECRET_REPLY, settings))
    at = NOW
    outcomes = []
    with caplog.at_level(logging.INFO):
        for mode in ("down", "slow", "500", "400", "garbage", "refused"):
            if mode != "down" and gateway.server is None:
                gateway.start()
            gateway.mode = mode
            [before] = rows(store)
            report = deliver_due(store, settings, at)
            [after] = rows(store)
            outcomes.append((mode, report.sent, report.failed))
            assert after.sent_at is None and after.attempts == before.attempts + 1, mode  # kept, counted
            assert after.next_attempt_at == at + retry_delay(settings, before.attempts), mode  # the doubling delay
            assert deliver_due(store, settings, at).sent == 0  # not due again before its delay
            at = after.next_attempt_at
        assert outcomes == [(mode, 0, 1) for mode, _, _ in outcomes]
        assert gateway.delivered == []
        gateway.mode = "ok"
        assert deliver_due(store, settings, at).sent == 1
        assert deliver_due(store, settings, at + dt.timedelta(days=1)).sent == 0  # sent once, never again
    [sms] = gateway.delivered
    assert sms["to"] == NUMBER
    assert "K7QM4-XPD2R" in sms["text"] and "https://relay.test/track/K7QM4-XPD2R" in sms["text"]
    assert SECRET_REPLY not in sms["text"] and "户口簿" not in sms["text"]
    assert len(gateway.requests) == 6  # slow, 500, 400, garbage, refused, ok (down: nothing reached it)
    assert {r["auth"] for r in gateway.requests} == {f"Bearer {KEY}"}
    assert {json.loads(r["body"])["message_id"] for r in gateway.requests} == {f"relay-outbox-{sms_row_id(store)}"}
    [row] = rows(store)
    assert row.sent_at == at and row.attempts == 7 and row.last_error is None
    assert store.outbox.pending_count() == 0
    assert NUMBER not in caplog.text and KEY not in caplog.text and SECRET_REPLY not in caplog.text


def sms_row_id(store: Store) -> int:
    [row] = rows(store)
    return int(row.id)


def test_the_reason_of_each_failure_is_kept_on_the_row(
    sqlite_store: Store, gateway: Gateway, sms_settings: Callable[..., Settings]
) -> None:
    settings = sms_settings(sms_driver="http", sms_url=gateway.url, sms_timeout=0.3)
    queue(sqlite_store, notices.reply_notices(phone_only_item(), SECRET_REPLY, settings))
    errors = []
    at = NOW
    for mode in ("down", "slow", "500", "400", "garbage", "refused"):
        if mode != "down" and gateway.server is None:
            gateway.start()
        gateway.mode = mode
        deliver_due(sqlite_store, settings, at)
        [row] = rows(sqlite_store)
        errors.append(row.last_error)
        at = row.next_attempt_at
    assert errors[0].startswith("GatewayError: ConnectError")
    assert errors[1].startswith("GatewayError: ReadTimeout")
    assert errors[2:] == [
        "GatewayError: HTTP 500",
        "GatewayError: HTTP 400",
        "GatewayError: HTTP 200 without a JSON answer",
        "GatewayError: HTTP 200 without code 'OK'",
    ]
    assert all(NUMBER not in error for error in errors)


def test_a_number_no_sms_can_reach_is_parked_without_asking_the_gateway(
    sqlite_store: Store, gateway: Gateway, sms_settings: Callable[..., Settings]
) -> None:
    gateway.start()
    settings = sms_settings(sms_driver="http", sms_url=gateway.url)
    sqlite_store.outbox.add("0417-2831101", "", "您的咨询已受理。", NOW, "sms")
    report = deliver_due(sqlite_store, settings, NOW)
    [row] = rows(sqlite_store)
    assert (report.sent, report.failed) == (0, 1)
    assert row.last_error.startswith("BadNumber") and row.next_attempt_at == NOW + BAD_ADDRESS_RETRY
    assert gateway.requests == []


def test_without_a_driver_sms_wait_and_e_mail_goes_on(
    sqlite_store: Store, gateway: Gateway, sms_settings: Callable[..., Settings]
) -> None:
    gateway.start()
    sqlite_store.outbox.add(NUMBER, "", "您的咨询已受理，受理编号 K7QM4-XPD2R。", NOW, "sms")
    sqlite_store.outbox.add("chief@dongshan.example.org", "新收到咨询", "请登录后台处理。", NOW)
    report = deliver_due(sqlite_store, sms_settings(), NOW)  # no SMS driver; SMTP is down
    assert (report.sent, report.failed) == (0, 1)
    [sms] = rows(sqlite_store)
    [mail] = rows(sqlite_store, "email")
    assert sms.attempts == 0 and mail.attempts == 1
    assert sqlite_store.outbox.pending_count("sms") == 1
    report = deliver_due(sqlite_store, sms_settings(sms_driver="http", sms_url=gateway.url), NOW)
    assert report.sent == 1 and [d["to"] for d in gateway.delivered] == [NUMBER]


def test_the_log_driver_writes_the_sms_with_the_number_masked(
    sqlite_store: Store, sms_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = sms_settings(sms_driver="log")
    queue(sqlite_store, notices.reply_notices(phone_only_item(), SECRET_REPLY, settings))
    with caplog.at_level(logging.INFO):
        assert deliver_due(sqlite_store, settings, NOW).sent == 1
    written = (settings.data_dir / "sms.log").read_text(encoding="utf-8")
    assert "139****5678" in written and "K7QM4-XPD2R" in written and "/track/K7QM4-XPD2R" in written
    assert NUMBER not in written and NUMBER not in caplog.text and "139****5678" in caplog.text
    assert SECRET_REPLY not in written


# -- which notices become SMS ----------------------------------------------------------


def test_phone_only_submitters_get_sms_and_others_e_mail(sms_settings: Callable[..., Settings]) -> None:
    settings = sms_settings(sms_driver="log")
    by_phone = phone_only_item()
    by_mail = SimpleNamespace(**{**vars(by_phone), "contact_email": "wang@example.com", "contact_phone": None})
    landline = SimpleNamespace(**{**vars(by_phone), "contact_phone": "0417-2831101"})
    for notices_of in (
        notices.receipt_notices,
        lambda item, s: notices.reply_notices(item, SECRET_REPLY, s),
        notices.callback_notices,
    ):
        [sms] = notices_of(by_phone, settings)
        assert (sms.channel, sms.recipient, sms.subject) == ("sms", PHONE, "")
        assert "K7QM4-XPD2R" in sms.body and "https://relay.test/track/K7QM4-XPD2R" in sms.body
        assert SECRET_REPLY not in sms.body
        [mail] = notices_of(by_mail, settings)
        assert (mail.channel, mail.recipient) == ("email", "wang@example.com")
        assert notices_of(landline, settings) == ()
        assert notices_of(by_phone, sms_settings()) == ()  # SMS off: none queued


def test_templates_come_from_the_settings(sms_settings: Callable[..., Settings]) -> None:
    settings = sms_settings(sms_driver="log", sms_callback_template="【云岚公安】{code} 回访 {link}")
    [sms] = notices.callback_notices(phone_only_item(), settings)
    assert sms.body == "【云岚公安】K7QM4-XPD2R 回访 https://relay.test/track/K7QM4-XPD2R"


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"RELAY_SMS_DRIVER": "aliyun"}, "RELAY_SMS_DRIVER"),
        ({"RELAY_SMS_DRIVER": "http"}, "RELAY_SMS_URL"),
        ({"RELAY_SMS_REPLY_TEMPLATE": "答复：{reply}"}, "RELAY_SMS_REPLY_TEMPLATE"),
        ({"RELAY_SMS_RECEIPT_TEMPLATE": "{code.__class__}"}, "RELAY_SMS_RECEIPT_TEMPLATE"),
        ({"RELAY_SMS_TIMEOUT": "0"}, "RELAY_SMS_TIMEOUT"),
    ],
)
def test_sms_settings_are_checked_at_start(environ: dict[str, str], complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        load_settings(environ={"RELAY_SECRET_KEY": "x", **environ})


def test_numbers() -> None:
    """The outbox reads numbers as the contact field stores them (relay.contact): one definition for both."""
    assert mobile_number("+86 139-1234-5678") == NUMBER == mobile_number("008613912345678")
    assert mobile_number("＋８６ １３９－１２３４－５６７８") == NUMBER == mobile_number("(139)1234\u30005678")
    assert mask_number(NUMBER) == "139****5678"
    for bad in ("0417-2831101", "12912345678", "1391234567", ""):
        with pytest.raises(BadNumber):
            mobile_number(bad)


# -- over real HTTP ------------------------------------------------------------------------


def test_a_phone_only_submission_queues_a_receipt_sms(
    make_client: Callable[..., TestClient], sqlite_store: Store, sms_settings: Callable[..., Settings]
) -> None:
    client = make_client(sms_driver="log")
    form = {"station": "dongshan", "kind": "question", "text": QUESTION_TEXT}
    response = client.post("/ask", data={**form, "contact": PHONE})
    assert response.status_code == 303
    code = response.headers["location"].removeprefix("/receipt/")
    [sms] = rows(sqlite_store)
    assert sms.recipient == NUMBER and sms.subject == ""
    assert code in sms.body and f"https://relay.test/track/{code}" in sms.body and "咨询" in sms.body
    assert QUESTION_TEXT not in sms.body and "望江街" not in sms.body
    client.post("/ask", data={**form, "text": "另一件事：请问居住证怎么办理？", "contact": "wang@example.com"})
    client.post("/ask", data={**form, "text": "再一件事：请问户口怎么迁？", "contact": "0417-2831101"})
    assert len(rows(sqlite_store)) == 1  # e-mail and landline submitters get no SMS
    assert deliver_due(sqlite_store, sms_settings(sms_driver="log"), dt.datetime.now(dt.UTC)).sent == 1
    assert code in (sms_settings().data_dir / "sms.log").read_text(encoding="utf-8")


def test_a_reply_to_a_phone_only_submitter_queues_an_sms_without_the_reply(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store, contact_phone=NUMBER)
    client = console("dongshan", sms_driver="log")
    assert act(client, item_id, "reply", reply=SECRET_REPLY).status_code == 303  # type: ignore[attr-defined]
    [sms] = rows(sqlite_store)
    item = sqlite_store.console_item(item_id)
    assert item is not None and sms.recipient == NUMBER
    assert item.receipt_code in sms.body and f"/track/{item.receipt_code}" in sms.body
    assert SECRET_REPLY not in sms.body and "户口簿" not in sms.body


def test_a_phone_only_submission_reaches_the_gateway_once_it_is_back_up(
    store: Store, make_client: Callable[..., TestClient], gateway: Gateway, sms_settings: Callable[..., Settings]
) -> None:
    client = make_client(store=store, sms_driver="http", sms_url=gateway.url)
    response = client.post(
        "/ask", data={"station": "dongshan", "kind": "help", "text": QUESTION_TEXT, "contact": NUMBER}
    )
    assert response.status_code == 303
    code = response.headers["location"].removeprefix("/receipt/")
    settings = sms_settings(sms_driver="http", sms_url=gateway.url, sms_key=KEY, mail_retry_seconds=0)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(store, settings), kwargs={"interval": 0.05, "stop": stop})
    worker.start()
    try:
        wait_for(lambda: rows(store)[0].attempts >= 3)  # the gateway is down: tried again and again, kept
        assert rows(store)[0].sent_at is None
        gateway.start()
        wait_for(lambda: store.outbox.pending_count("sms") == 0)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
    assert deliver_due(store, settings, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).sent == 0
    [sms] = gateway.delivered
    assert sms["to"] == NUMBER and code in sms["text"] and f"https://relay.test/track/{code}" in sms["text"]
    assert QUESTION_TEXT not in sms["text"] and "望江街" not in sms["text"]
