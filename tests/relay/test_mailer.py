"""The outbox mailer against a real SMTP server (aiosmtpd on a free localhost port)."""

from __future__ import annotations

import datetime as dt
import email
import threading
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from servers import free_port
from sqlalchemy import select
from sqlalchemy.engine import Row

from relay.mailer import BadAddress, build_message, deliver_due, retry_delay, run_worker
from relay.models import outbox
from relay.settings import Settings, load_settings
from relay.store import Store

NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
CHIEF = "chief@dongshan.example.org"
SUBJECT = "新的群众来信：身份证补办"
BODY = "请问身份证丢了怎么补办？\n谢谢！——东山街坊"


class Collector:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class SMTPServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Collector()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer(free_port()) as server:
        yield server


@pytest.fixture
def mail_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"secret_key": "x", "data_dir": tmp_path, "mail_from": "relay@yunlan-police.example"}
        return load_settings(environ={}, **{**values, **overrides})

    return make


def rows(store: Store) -> list[Row[Any]]:
    with store.reading() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.id)).all())


def received(server: SMTPServer, count: int) -> Callable[[], bool]:
    return lambda: len(server.handler.envelopes) == count


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- building -------------------------------------------------------------------


def test_build_message_headers_and_utf8_body() -> None:
    message = build_message("云岚警务 <relay@yunlan-police.example>", CHIEF, SUBJECT, BODY)
    raw = message.as_bytes()
    assert raw.isascii()  # 7-bit clean on the wire: RFC 2047 subject, base64 body
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == SUBJECT
    assert parsed["From"].addresses[0].display_name == "云岚警务"
    assert parsed["To"] == CHIEF
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].endswith("@yunlan-police.example>")
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().splitlines() == BODY.splitlines()


@pytest.mark.parametrize(
    "recipient",
    [
        f"{CHIEF}\r\nBcc: evil@example.com",
        f"{CHIEF}\nBcc: evil@example.com",
        f"{CHIEF}, evil@example.com",
        f"{CHIEF}; evil@example.com",
        f"Chief <{CHIEF}>, evil@example.com",
        "alice@example.org)<evil@example.com>",
        "not an address",
        "",
        "chief@localhost",
        "警长@东山.example",
    ],
)
def test_build_message_refuses_anything_but_one_address(recipient: str) -> None:
    with pytest.raises(BadAddress):
        build_message("relay@yunlan-police.example", recipient, SUBJECT, BODY)


def test_build_message_refuses_a_sender_with_a_line_break() -> None:
    with pytest.raises(BadAddress):
        build_message("relay@yunlan-police.example\r\nBcc: evil@example.com", CHIEF, SUBJECT, BODY)


def test_recipient_display_name_is_dropped() -> None:
    message = build_message("relay@yunlan-police.example", f"=?utf-8?q?x=0D=0ABcc:_e?= <{CHIEF}>", "s", "b")
    assert str(message["To"]) == CHIEF


def test_backoff_doubles_up_to_an_hour(mail_settings: Callable[..., Settings]) -> None:
    settings = mail_settings(mail_retry_seconds=60)
    assert [retry_delay(settings, n).total_seconds() for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(settings, 10_000) == dt.timedelta(hours=1)


# -- delivering -------------------------------------------------------------------


def test_delivered_when_the_server_is_up(
    store: Store, smtp: SMTPServer, mail_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = mail_settings(smtp_port=smtp.port)
    store.outbox.add(CHIEF, SUBJECT, BODY, NOW)
    assert store.outbox.pending_count() == 1

    with caplog.at_level("INFO", logger="relay.mailer"):
        report = deliver_due(store, settings, NOW)

    assert (report.sent, report.failed) == (1, 0)
    [envelope] = smtp.handler.envelopes
    assert envelope.mail_from == "relay@yunlan-police.example"
    assert envelope.rcpt_tos == [CHIEF]
    [message] = smtp.handler.messages()
    assert message["From"] == "relay@yunlan-police.example"
    assert message["To"] == CHIEF
    assert message["Subject"] == SUBJECT
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content().splitlines() == BODY.splitlines()
    assert store.outbox.pending_count() == 0
    [row] = rows(store)
    assert row.sent_at == NOW and row.attempts == 1 and row.last_error is None
    assert f"outbox {row.id}: sent" in caplog.text
    assert CHIEF not in caplog.text and "身份证" not in caplog.text
    assert deliver_due(store, settings, NOW + dt.timedelta(hours=2)).sent == 0
    assert len(smtp.handler.envelopes) == 1


def test_kept_and_retried_with_growing_backoff_while_the_server_is_down(
    sqlite_store: Store, mail_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens here (yet)
    settings = mail_settings(smtp_port=port, mail_retry_seconds=60)
    sqlite_store.outbox.add(CHIEF, SUBJECT, BODY, NOW)

    now, delays = NOW, []
    with caplog.at_level("INFO", logger="relay.mailer"):
        for attempt in range(1, 9):
            report = deliver_due(sqlite_store, settings, now)
            assert (report.sent, report.failed) == (0, 1)
            [row] = rows(sqlite_store)
            assert row.attempts == attempt and row.sent_at is None
            assert "ConnectionRefusedError" in row.last_error
            assert row.next_attempt_at > now
            delays.append((row.next_attempt_at - now).total_seconds())
            assert deliver_due(sqlite_store, settings, row.next_attempt_at - dt.timedelta(seconds=1)).failed == 0
            now = row.next_attempt_at
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert sqlite_store.outbox.pending_count() == 1
    assert CHIEF not in caplog.text

    with SMTPServer(port) as server:
        assert deliver_due(sqlite_store, settings, now).sent == 1
        assert deliver_due(sqlite_store, settings, now + dt.timedelta(days=1)).sent == 0
        assert len(server.handler.envelopes) == 1
    [message] = server.handler.messages()
    assert message["Subject"] == SUBJECT and message.get_content().splitlines() == BODY.splitlines()
    [row] = rows(sqlite_store)
    assert row.sent_at == now and row.attempts == 9 and row.last_error is None
    assert sqlite_store.outbox.pending_count() == 0


@pytest.mark.parametrize(
    ("subject", "arrives_as"),
    [
        ("Hello\r\nBcc: evil@example.com", "Hello Bcc: evil@example.com"),
        ("Hello\nBcc: evil@example.com", "Hello Bcc: evil@example.com"),
        ("Hello\u2028Bcc: evil@example.com", "Hello Bcc: evil@example.com"),
        ("你好\r\n\r\nBcc: evil@example.com\x00", "你好 Bcc: evil@example.com"),
        # encoded words that Python's header parser would decode into a real line break
        ("=?utf-8?q?Hello=0D=0ABcc:_evil@example.com?=", "= ?utf-8?q?Hello=0D=0ABcc:_evil@example.com?="),
        (
            "=?utf-8?b?SGVsbG8NCkJjYzogZXZpbEBleGFtcGxlLmNvbQ==?=",
            "= ?utf-8?b?SGVsbG8NCkJjYzogZXZpbEBleGFtcGxlLmNvbQ== ?=",
        ),
    ],
)
def test_no_header_injection_through_the_subject(
    sqlite_store: Store, smtp: SMTPServer, mail_settings: Callable[..., Settings], subject: str, arrives_as: str
) -> None:
    body = "正文第一行\r\nBcc: x@y\r\n\r\nSubject: 假的"
    sqlite_store.outbox.add(CHIEF, subject, body, NOW)
    assert deliver_due(sqlite_store, mail_settings(smtp_port=smtp.port), NOW).sent == 1

    [envelope] = smtp.handler.envelopes
    assert envelope.rcpt_tos == [CHIEF]
    headers = envelope.content.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert not [line for line in headers if line.lower().startswith(b"bcc")]
    [message] = smtp.handler.messages()
    assert message["Bcc"] is None
    assert sorted(message.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    )
    assert message["Subject"] == arrives_as
    assert message.get_content().splitlines() == ["正文第一行", "Bcc: x@y", "", "Subject: 假的"]


def test_a_bad_recipient_is_kept_as_failed_and_parked(
    sqlite_store: Store, smtp: SMTPServer, mail_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    evil = f"{CHIEF}\r\nBcc: evil@example.com"
    sqlite_store.outbox.add(evil, SUBJECT, BODY, NOW)
    sqlite_store.outbox.add(CHIEF, SUBJECT, BODY, NOW)

    with caplog.at_level("INFO", logger="relay.mailer"):
        report = deliver_due(sqlite_store, mail_settings(smtp_port=smtp.port), NOW)

    assert (report.sent, report.failed) == (1, 1)
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [[CHIEF]]
    bad, good = rows(sqlite_store)
    assert bad.recipient == evil and bad.sent_at is None and bad.attempts == 1
    assert bad.last_error.startswith("BadAddress:") and "address" in bad.last_error
    assert bad.next_attempt_at >= NOW + dt.timedelta(days=29)
    assert good.sent_at == NOW
    assert sqlite_store.outbox.pending_count() == 1
    assert f"outbox {bad.id}: not sent, BadAddress" in caplog.text
    assert "evil@" not in caplog.text and CHIEF not in caplog.text


def test_an_unusable_mail_from_touches_no_message(sqlite_store: Store, mail_settings: Callable[..., Settings]) -> None:
    sqlite_store.outbox.add(CHIEF, SUBJECT, BODY, NOW)
    with pytest.raises(BadAddress):
        deliver_due(sqlite_store, mail_settings(mail_from="relay@x.example, other@x.example"), NOW)
    [row] = rows(sqlite_store)
    assert row.attempts == 0 and row.sent_at is None


# -- the worker -------------------------------------------------------------------


def test_worker_delivers_while_running_and_stops_promptly(
    sqlite_store: Store, smtp: SMTPServer, mail_settings: Callable[..., Settings]
) -> None:
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker,
        args=(sqlite_store, mail_settings(smtp_port=smtp.port)),
        kwargs={"interval": 0.05, "stop": stop},
    )
    worker.start()
    try:
        for n in range(1, 4):
            sqlite_store.outbox.add(CHIEF, f"{SUBJECT} {n}", BODY, dt.datetime.now(dt.UTC))
            wait_for(received(smtp, n))
    finally:
        started = time.monotonic()
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 1
    assert [m["Subject"] for m in smtp.handler.messages()] == [f"{SUBJECT} {n}" for n in range(1, 4)]
    wait_for(lambda: sqlite_store.outbox.pending_count() == 0)


def test_worker_survives_a_failing_round(
    tmp_path: Path, smtp: SMTPServer, mail_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'late.sqlite3'}")  # no tables yet: every round fails
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker, args=(store, mail_settings(smtp_port=smtp.port), 0.05, stop), daemon=True
    )
    try:
        with caplog.at_level("INFO", logger="relay.mailer"):
            worker.start()
            wait_for(lambda: caplog.text.count("outbox round failed") >= 2)
            store.migrate()
            store.outbox.add(CHIEF, SUBJECT, BODY, dt.datetime.now(dt.UTC))
            wait_for(received(smtp, 1))
    finally:
        stop.set()
        worker.join(timeout=5)
        store.close()
    assert not worker.is_alive()


def test_two_workers_send_each_message_once(
    store: Store, smtp: SMTPServer, mail_settings: Callable[..., Settings]
) -> None:
    now = dt.datetime.now(dt.UTC)
    for n in range(20):
        store.outbox.add(CHIEF, f"{SUBJECT} {n}", BODY, now)
    settings = mail_settings(smtp_port=smtp.port)
    barrier = threading.Barrier(2)
    reports: list[int] = []

    def work() -> None:
        barrier.wait()
        reports.append(deliver_due(store, settings, now + dt.timedelta(seconds=1)).sent)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    subjects = sorted(m["Subject"] for m in smtp.handler.messages())
    assert subjects == sorted(f"{SUBJECT} {n}" for n in range(20))
    assert sum(reports) == 20 and store.outbox.pending_count() == 0
