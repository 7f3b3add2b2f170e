"""The sending side of the durable outbox: build safe e-mails, hand them to SMTP, retry with backoff.

Each message goes out by its channel: e-mail over SMTP, SMS through the driver in ``relay.sms``.
A message leaves the outbox only by being marked sent after an SMTP server or the SMS gateway
has accepted it; every failure is recorded on the row and retried later (at least once delivery:
a crash between the server's "250" and ``mark_sent`` sends it again). Header values never carry
line breaks or other control characters, and submitted text only ever goes into the body. Log
lines name the outbox id and the outcome, never the recipient or the text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

from . import sms
from .contact import mobile_number
from .settings import Settings
from .store import OutboxMessage, Store

log = logging.getLogger("relay.mailer")

SMTP_TIMEOUT = 10
MAX_BACKOFF_SECONDS = 3600
BAD_ADDRESS_RETRY = dt.timedelta(days=30)
_LINE_BREAKS = ("Cc", "Zl", "Zp")  # C0/C1 controls (CR, LF, TAB, NEL...), U+2028, U+2029


class BadAddress(ValueError):
    """A sender or recipient that is not exactly one plain, ASCII e-mail address."""


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` round did (counts of outbox messages)."""

    sent: int = 0
    failed: int = 0


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in _LINE_BREAKS


def clean_header_text(value: str) -> str:
    """One line of text for a header: controls become spaces, runs of space collapse.

    ``=?`` is broken up so that text cannot smuggle RFC 2047 encoded words, which the
    standard library would decode (line breaks included) before writing the header.
    """
    spaced = "".join(" " if _is_control(char) else char for char in value)
    return " ".join(spaced.split()).replace("=?", "= ?")


def parse_address(raw: str, role: str = "recipient") -> Address:
    """Exactly one address (an optional display name is kept for senders only)."""
    if any(_is_control(char) for char in raw):
        raise BadAddress(f"{role} address contains a line break or control character")
    pairs = getaddresses([raw])
    if raw.count("@") != 1 or len(pairs) != 1:
        raise BadAddress(f"{role} must be exactly one address")
    name, addr_spec = pairs[0]
    if not addr_spec.isascii():
        raise BadAddress(f"{role} address must be ASCII")
    try:
        address = Address(addr_spec=addr_spec)
    except (ValueError, IndexError):
        raise BadAddress(f"{role} is not a valid address") from None
    if not address.username or not address.domain or "." not in address.domain.strip("."):
        raise BadAddress(f"{role} is not a valid address")
    display_name = clean_header_text(name) if role == "sender" else ""
    return Address(display_name=display_name, addr_spec=address.addr_spec)


def build_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    """A UTF-8 text e-mail to one recipient; raises ``BadAddress`` for unusable addresses."""
    from_address = parse_address(sender, "sender")
    to_address = parse_address(recipient, "recipient")
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = clean_header_text(subject)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=from_address.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8", cte="base64")
    for name in ("From", "To", "Subject"):  # what the header parser made of it, encoded words included
        if any(_is_control(char) for char in str(message[name])):
            raise ValueError(f"{name} header would contain a control character")
    if len(message["To"].addresses) != 1:
        raise BadAddress("recipient must be exactly one address")
    return message


def send(message: EmailMessage, settings: Settings) -> None:
    """Hand ``message`` to the configured SMTP server; raises ``OSError``/``SMTPException``."""
    sender = message["From"].addresses[0].addr_spec
    recipients = [address.addr_spec for address in message["To"].addresses]
    with contextlib.closing(smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)) as smtp:
        if settings.use_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message, from_addr=sender, to_addrs=recipients)
        with contextlib.suppress(OSError):  # accepted already: a failed QUIT must not cause a resend
            smtp.quit()


def retry_delay(settings: Settings, attempts: int) -> dt.timedelta:
    """``mail_retry_seconds * 2**attempts``, at most an hour (``attempts`` before this failure)."""
    seconds = settings.mail_retry_seconds * 2 ** min(attempts, 32)
    return dt.timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values())
        return f"SMTPRecipientsRefused: {replies}"
    return f"{type(error).__name__}: {error}"


CLAIM_LEASE = dt.timedelta(minutes=10)


def deliver_due(store: Store, settings: Settings, now: dt.datetime, limit: int = 50) -> DeliveryReport:
    """Send every outbox message due at ``now``; failures stay in the outbox for a later try.

    SMS are sent only while an SMS driver is configured; until then they wait in the outbox.
    Raises ``BadAddress`` (touching no message) when ``settings.mail_from`` is unusable.
    """
    parse_address(settings.mail_from, "sender")
    report = DeliveryReport()
    with sms.open_driver(settings) as driver:
        channels = ("email", "sms") if driver is not None else ("email",)
        for message in store.outbox.due(now, limit, channels):
            if store.outbox.claim(message.id, now, CLAIM_LEASE):  # else another worker is sending it
                _deliver(store, settings, driver, message, now, report)
    return report


def _prepare(message: OutboxMessage, settings: Settings, driver: sms.Driver | None) -> Callable[[], None]:
    """What sends ``message``; raises ``ValueError`` when no retry can ever send it."""
    if message.channel == "sms":
        assert driver is not None  # due() returns SMS only while a driver is configured
        number = mobile_number(message.recipient)
        return lambda: driver.send(message.id, number, message.body)
    email = build_message(settings.mail_from, message.recipient, message.subject, message.body)
    return lambda: send(email, settings)


def _deliver(
    store: Store,
    settings: Settings,
    driver: sms.Driver | None,
    message: OutboxMessage,
    now: dt.datetime,
    report: DeliveryReport,
) -> None:
    try:
        transmit = _prepare(message, settings, driver)
    except ValueError as error:  # BadAddress, BadNumber, or a header that cannot be made safe: retrying will not help
        store.outbox.mark_failed(message.id, f"{type(error).__name__}: {error}", now + BAD_ADDRESS_RETRY)
        log.warning(
            "outbox %d: not sent, %s; parked for %d days", message.id, type(error).__name__, BAD_ADDRESS_RETRY.days
        )
        report.failed += 1
        return
    try:
        transmit()
    except Exception as error:  # SMTP, socket, TLS, the SMS gateway or anything unforeseen: keep the message
        delay = retry_delay(settings, message.attempts)
        store.outbox.mark_failed(message.id, _describe(error), now + delay)
        log.warning(
            "outbox %d: attempt %d failed (%s); retry in %d s",
            message.id,
            message.attempts + 1,
            type(error).__name__,
            delay.total_seconds(),
        )
        report.failed += 1
        return
    store.outbox.mark_sent(message.id, now)
    log.info("outbox %d: sent (%s)", message.id, message.channel)
    report.sent += 1


def run_worker(store: Store, settings: Settings, interval: float = 5.0, stop: threading.Event | None = None) -> None:
    """Deliver due messages every ``interval`` seconds until ``stop`` is set."""
    stop = stop if stop is not None else threading.Event()
    while not stop.is_set():
        try:
            report = deliver_due(store, settings, dt.datetime.now(dt.UTC))
            if report.sent or report.failed:
                log.info("outbox round: %d sent, %d failed", report.sent, report.failed)
        except Exception:
            log.exception("outbox round failed; trying again in %.1f s", interval)
        stop.wait(interval)
