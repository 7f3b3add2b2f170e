"""The clock table (``relay/data/clocks.toml``): every kind's deadlines, in one place.

``Clocks.load()`` reads and checks the table; ``Clocks.due(kind, start)``
gives an item's deadlines; ``Clocks.promise(kind)`` the sentence the ask
boxes, the relay's forms and the receipts print.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..vocabulary import Kind

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "clocks.toml"
SPAN = re.compile(r"\s*([0-9]{1,3})\s+(hours|days|working_days)\s*")
UNIT_LABELS = {"hours": "小时", "days": "天", "working_days": "个工作日"}


class ClockError(ValueError):
    """The clock table is wrong: the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Span:
    amount: int
    unit: str  # hours, days, working_days

    @classmethod
    def parse(cls, raw: Any, where: str) -> Span:
        found = SPAN.fullmatch(raw) if isinstance(raw, str) else None
        if found is None or int(found.group(1)) < 1:
            raise ClockError(f'{where}: {raw!r} is not a span; write "24 hours", "7 days" or "5 working_days"')
        return cls(int(found.group(1)), found.group(2))

    def label(self) -> str:
        """``24 小时``, ``5 个工作日``."""
        return f"{self.amount} {UNIT_LABELS[self.unit]}"

    def after(self, start: dt.datetime, calendar: Any) -> dt.datetime:
        if self.unit == "hours":
            return start + dt.timedelta(hours=self.amount)
        return calendar.add_days(start, self.amount, "working" if self.unit == "working_days" else "calendar")


@dataclass(frozen=True)
class KindClock:
    kind: Kind
    first_reply: Span
    acknowledge: Span | None = None

    def promise(self) -> str:
        """The promise for this kind, as printed beside every ask box: ``隐患举报 2 小时内确认，24 小时内答复``."""
        parts = ([f"{self.acknowledge.label()}内确认"] if self.acknowledge else []) + [
            f"{self.first_reply.label()}内答复"
        ]
        return f"{self.kind.label} {'，'.join(parts)}"


@dataclass(frozen=True)
class Deadlines:
    first_reply_due_at: dt.datetime
    ack_due_at: dt.datetime | None


@dataclass(frozen=True)
class Clocks:
    kinds: dict[Kind, KindClock]
    callback: Span
    escalation: Span
    reminder_lead: Span
    source: str

    @classmethod
    def load(cls, path: Path | str | None = None) -> Clocks:
        source = Path(path) if path else DEFAULT_FILE
        try:
            table = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ClockError(f"{source}: {error}") from None
        kinds = {}
        for kind in Kind:
            entry = table.get(kind.value)
            if not isinstance(entry, dict) or "first_reply" not in entry:
                raise ClockError(f'{source}: [{kind.value}] needs first_reply, for example first_reply = "24 hours"')
            unknown = set(entry) - {"first_reply", "acknowledge"}
            if unknown:
                raise ClockError(f"{source}: [{kind.value}] has unknown keys {sorted(unknown)}")
            acknowledge = entry.get("acknowledge")
            kinds[kind] = KindClock(
                kind,
                Span.parse(entry["first_reply"], f"{source}: [{kind.value}] first_reply"),
                Span.parse(acknowledge, f"{source}: [{kind.value}] acknowledge") if acknowledge is not None else None,
            )

        def span(section: str, key: str) -> Span:
            value = table.get(section, {}).get(key)
            if value is None:
                raise ClockError(f"{source}: [{section}] needs {key}")
            return Span.parse(value, f"{source}: [{section}] {key}")

        return cls(
            kinds,
            span("callback", "first_reply"),
            span("escalation", "first_reply"),
            span("reminders", "lead"),
            str(source),
        )

    def of(self, kind: Kind) -> KindClock:
        return self.kinds[kind]

    def due(self, kind: Kind, received_at: dt.datetime, calendar: Any) -> Deadlines:
        clock = self.kinds[kind]
        ack = clock.acknowledge.after(received_at, calendar) if clock.acknowledge else None
        return Deadlines(clock.first_reply.after(received_at, calendar), ack)

    def promise(self, kind: Kind) -> str:
        return self.kinds[kind].promise()

    def promises(self) -> list[str]:
        """Every kind's promise, in the order of ``Kind``."""
        return [self.promise(kind) for kind in Kind]
