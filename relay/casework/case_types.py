"""Help-request case types and their legal time limits, from relay/data/case_types.toml.

``final_deadline(case_type, received_at, calendar)`` turns a type's limit into
the moment the final reply is due, by the counting rules of ``calendar.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .calendar import DayUnit, WorkingCalendar

CASE_TYPES_FILE = Path(__file__).resolve().parent.parent / "data" / "case_types.toml"
CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
FIELDS = frozenset({"code", "name", "limit", "unit", "extension", "extension_by", "basis", "status", "note"})
REQUIRED = frozenset({"code", "name", "limit", "unit", "status"})


class SourceStatus(enum.StrEnum):
    SOURCED = "sourced"  # figure and article checked against the rule's text
    UNVERIFIED = "unverified"  # from secondary sources, or article not checked against the current text
    LOCAL = "local"  # no national limit found: a placeholder the city sets


class CaseTypeDataError(ValueError):
    """The case types file cannot be used; the message names the file and the entry."""


class UnknownCaseType(LookupError):
    pass


@dataclasses.dataclass(frozen=True)
class CaseType:
    code: str
    name: str
    limit: int
    unit: DayUnit
    extension: int
    extension_by: str
    basis: str
    status: SourceStatus
    note: str

    @property
    def extendable(self) -> bool:
        return self.extension > 0

    def describe_limit(self, *, extended: bool = False) -> str:
        """'30日' or '20个工作日'."""
        days = self.limit + (self.extension if extended else 0)
        return f"{days}个工作日" if self.unit is DayUnit.WORKING else f"{days}日"


class CaseTypes:
    """The table of case types, in file order."""

    def __init__(self, types: list[CaseType], source: str = "") -> None:
        self._types = {case_type.code: case_type for case_type in types}
        self.source = source

    @classmethod
    def load(cls, path: Path | str | None = None) -> CaseTypes:
        file = Path(path) if path is not None else CASE_TYPES_FILE
        try:
            with file.open("rb") as handle:
                document = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise CaseTypeDataError(f"{file}: not valid TOML: {error}") from error
        return cls(parse_case_types(document, str(file)), str(file))

    def get(self, code: str) -> CaseType:
        try:
            return self._types[code]
        except KeyError:
            raise UnknownCaseType(f"no case type {code!r} in {self.source or 'the table'}") from None

    def all(self) -> tuple[CaseType, ...]:
        return tuple(self._types.values())

    def __contains__(self, code: object) -> bool:
        return code in self._types


def final_deadline(
    case_type: CaseType, received_at: dt.datetime, calendar: WorkingCalendar, *, extended: bool = False
) -> dt.datetime:
    """When the final reply is due: the type's limit (plus its extension if granted) from ``received_at``."""
    days = case_type.limit + (case_type.extension if extended else 0)
    return calendar.add_days(received_at, days, case_type.unit)


def parse_case_types(document: Mapping[str, Any], where: str) -> list[CaseType]:
    entries = document.get("case_type")
    if set(document) != {"case_type"} or not isinstance(entries, list) or not entries:
        raise CaseTypeDataError(f"{where}: expected one or more [[case_type]] tables and nothing else")
    types: list[CaseType] = []
    for index, entry in enumerate(entries):
        label = f"{where}: case_type[{index}]"
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            label += f" (code {entry['code']!r})"
        case_type = parse_case_type(entry, label)
        if any(known.code == case_type.code for known in types):
            raise CaseTypeDataError(f"{label}: code is used twice")
        types.append(case_type)
    return types


def parse_case_type(entry: Any, where: str) -> CaseType:
    if not isinstance(entry, dict):
        raise CaseTypeDataError(f"{where}: must be a [[case_type]] table")
    problems = [f"unknown key {key!r}" for key in sorted(set(entry) - FIELDS)]
    problems += [f"missing {key!r}" for key in sorted(REQUIRED - set(entry))]
    if problems:
        raise CaseTypeDataError(f"{where}: {'; '.join(problems)}")
    text = {key: entry.get(key, "") for key in ("code", "name", "extension_by", "basis", "note")}
    if not all(isinstance(value, str) for value in text.values()):
        raise CaseTypeDataError(f"{where}: code, name, extension_by, basis and note must be strings")
    check_numbers(entry, where)
    check_choices(entry, text, where)
    return CaseType(
        code=text["code"],
        name=text["name"],
        limit=entry["limit"],
        unit=DayUnit(entry["unit"]),
        extension=entry.get("extension", 0),
        extension_by=text["extension_by"],
        basis=text["basis"],
        status=SourceStatus(entry["status"]),
        note=text["note"],
    )


def check_numbers(entry: Mapping[str, Any], where: str) -> None:
    limit, extension = entry["limit"], entry.get("extension", 0)
    if type(limit) is not int or limit < 1:
        raise CaseTypeDataError(f"{where}: limit must be a whole number of days, at least 1 (got {limit!r})")
    if type(extension) is not int or extension < 0:
        raise CaseTypeDataError(f"{where}: extension must be a whole number of days, 0 or more (got {extension!r})")


def check_choices(entry: Mapping[str, Any], text: Mapping[str, str], where: str) -> None:
    if not CODE.fullmatch(text["code"]):
        raise CaseTypeDataError(f"{where}: code must be lowercase letters, digits and _ (got {text['code']!r})")
    if not text["name"].strip():
        raise CaseTypeDataError(f"{where}: name must not be empty")
    if entry["unit"] not in {unit.value for unit in DayUnit}:
        raise CaseTypeDataError(f"{where}: unit must be 'calendar' or 'working' (got {entry['unit']!r})")
    if entry["status"] not in {status.value for status in SourceStatus}:
        raise CaseTypeDataError(f"{where}: status must be sourced, unverified or local (got {entry['status']!r})")
    if entry["status"] != SourceStatus.LOCAL and not text["basis"].strip():
        raise CaseTypeDataError(f"{where}: a {entry['status']} limit needs its basis (law and article)")
