"""Fingerprints of what a template is given: the same inputs give the same digest.

A page's key is the digest of every value its templates can read. Values are
walked structurally: Pelican content objects by their own attributes (the HTML
the reader produced, metadata, and what plugins attached), our dataclasses by
their fields, lists and dicts item by item. An object that knows better
provides ``__fingerprint__()``. A value that cannot be fingerprinted makes the
page *volatile*: it is rendered every time, which is slow but never wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import types
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup


class Volatile(Exception):
    """Raised inside the walk when a value has no stable fingerprint."""


# Attributes of content objects that are not inputs of the page: the shared
# build context (huge and cyclic) and the settings (part of the build's key).
SKIPPED_ATTRIBUTES = frozenset({"_context", "settings", "_summary_cache", "readers"})
SCALARS = (str, int, float, bool, type(None), bytes)
NONE_TYPE = type(None)


class Fingerprinter:
    """Digests values for one build; objects are memoised by identity for the build's lifetime."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, bytes]] = {}
        self._active: set[int] = set()

    def digest(self, value: Any) -> bytes | None:
        """The digest of ``value``, or None when it is volatile."""
        try:
            return self._of(value)
        except Volatile:
            return None

    def _hash(self, *parts: bytes) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        for part in parts:
            h.update(len(part).to_bytes(4, "little"))
            h.update(part)
        return h.digest()

    def _of(self, value: Any) -> bytes:
        # The common exact types first: most of what pages read is text, numbers and None.
        kind = type(value)
        if kind is str:
            return b"s:" + value.encode("utf-8", "surrogatepass")
        if kind is NONE_TYPE:
            return b"None"
        if kind is int or kind is bool or kind is float:
            return f"{kind.__name__}:{value!r}".encode()
        if isinstance(value, Markup):
            return b"M" + str(value).encode()
        if isinstance(value, enum.Enum):
            return f"E{type(value).__qualname__}.{value.name}".encode()
        if isinstance(value, SCALARS):
            return f"{type(value).__name__}:{value!r}".encode()
        if isinstance(value, dt.tzinfo):
            return f"Z{value!r}".encode()
        if isinstance(value, dt.datetime | dt.date | dt.time):
            token = getattr(value, "__fingerprint__", None)
            if token is not None:
                return self._of(token())
            return f"{type(value).__name__}:{value.isoformat()}".encode()
        if isinstance(value, types.FunctionType | types.BuiltinFunctionType | type | types.ModuleType):
            # Code is part of the build key (plugins, theme, settings), so a name suffices.
            return f"F{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}".encode()
        key = id(value)
        memo = self._memo.get(key)
        if memo is not None and memo[0] is value:
            return memo[1]
        if key in self._active:
            return b"cycle"
        self._active.add(key)
        try:
            digest = self._compound(value)
        finally:
            self._active.discard(key)
        # Keep the object alive with its digest so that its id is not reused in this build.
        self._memo[key] = (value, digest)
        return digest

    def _compound(self, value: Any) -> bytes:
        token = getattr(value, "__fingerprint__", None)
        if callable(token):
            return self._hash(b"T", self._of(token()))
        if isinstance(value, list | tuple):
            return self._hash(b"L", *(self._of(item) for item in value))
        if isinstance(value, set | frozenset):
            return self._hash(b"S", *sorted(self._of(item) for item in value))
        if isinstance(value, Mapping):
            return self._hash(
                b"D", *(self._of(k) + b"=" + self._of(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))
            )
        if isinstance(value, types.MethodType):
            return self._hash(b"m", self._of(value.__func__), self._of(value.__self__))
        if dataclasses.is_dataclass(value):
            fields = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
            return self._hash(type(value).__qualname__.encode(), *(n.encode() + self._of(v) for n, v in fields))
        template_name = getattr(value, "name", None) if type(value).__name__ == "Template" else None
        if template_name:
            return b"J" + str(template_name).encode()
        attributes = getattr(value, "__dict__", None)
        if attributes is not None:
            items = sorted((k, v) for k, v in attributes.items() if k not in SKIPPED_ATTRIBUTES)
            return self._hash(
                f"O{type(value).__module__}.{type(value).__qualname__}".encode(),
                *(k.encode() + self._of(v) for k, v in items),
            )
        raise Volatile(type(value).__qualname__)
