"""External units (转外单位) and district offices (督办 notices), from ``relay/data/units.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "units.toml"
CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


class UnitsError(ValueError):
    """The units file is wrong: the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    email: str


@dataclass(frozen=True)
class Units:
    external: dict[str, Unit]
    districts: dict[str, Unit]  # by district name
    source: str = ""

    @classmethod
    def load(cls, path: Path | str | None = None) -> Units:
        source = Path(path) if path else DEFAULT_FILE
        try:
            table = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise UnitsError(f"{source}: {error}") from None
        unknown = set(table) - {"external", "districts"}
        if unknown:
            raise UnitsError(
                f'{source}: unknown sections {sorted(unknown)}; use [external.<code>] or [districts."<name>"]'
            )
        external = {code: _unit(source, "external", code, entry) for code, entry in table.get("external", {}).items()}
        districts = {
            name: _unit(source, "districts", name, entry) for name, entry in table.get("districts", {}).items()
        }
        for code in external:
            if not CODE.fullmatch(code):
                raise UnitsError(f"{source}: [external.{code}]: codes are lowercase letters, digits and _")
        return cls(external, districts, str(source))

    def get(self, code: str) -> Unit | None:
        return self.external.get(code)

    def district(self, name: str) -> Unit | None:
        return self.districts.get(name)


def _unit(source: Path, section: str, key: str, entry: object) -> Unit:
    where = f"{source}: [{section}.{key}]"
    if not isinstance(entry, dict) or set(entry) != {"name", "email"}:
        raise UnitsError(f'{where} needs exactly name = "…" and email = "…"')
    name, email = entry["name"], entry["email"]
    if not isinstance(name, str) or not name.strip():
        raise UnitsError(f"{where}: name is empty")
    if not isinstance(email, str) or not EMAIL.fullmatch(email):
        raise UnitsError(f"{where}: {email!r} is not an e-mail address")
    return Unit(key, name.strip(), email)
