"""Incremental builds: re-render only the pages whose inputs changed, remove what is gone.

Each page's key is a digest of the values its templates read (found from the
templates' source); the keys of the last build are kept under ``cache/``. Code,
theme or settings changes, and a missing or unreadable record, mean a clean
build. Other plugins write their own files through :func:`write_output`, so
that they too are written only when changed and removed when no longer made.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from pathlib import Path
from typing import Any

from .plugin import register
from .tracker import Tracker, copy_build, write_atomically


def tracker_of(settings: dict[str, Any]) -> Tracker | None:
    tracker: Tracker | None = settings.get("INCREMENTAL_TRACKER")
    return tracker


def output_ready(settings: dict[str, Any]) -> Tracker | None:
    """For plugins that read the finished output: every page is rendered and on disk after this."""
    tracker = tracker_of(settings)
    if tracker is not None:
        tracker.flush()
    return tracker


def output_files(settings: dict[str, Any], output: Path) -> list[str]:
    """Every file of the finished output, relative and sorted: the build's own record, or a walk of
    ``output`` when the build is not incremental."""
    tracker = output_ready(settings)
    if tracker is not None:
        return sorted(tracker.record.produced)
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file())


def write_output(settings: dict[str, Any], name: str, data: bytes) -> bool:
    """Write ``OUTPUT_PATH/name`` if its bytes changed; returns True when the file was rewritten."""
    tracker = tracker_of(settings)
    if tracker is not None:
        return tracker.write(name, data)
    target = Path(settings["OUTPUT_PATH"]) / name
    write_atomically(target, data)
    return True


@functools.cache
def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c"))


def hand_back_memory() -> None:
    """Return the heap memory this process has freed to the system (glibc's ``malloc_trim``).

    Python's allocator gives back only whole empty arenas, and glibc keeps freed blocks for reuse: a build
    that has rendered every page holds that memory until it ends. Called before a step that starts other
    processes (Pagefind), whose memory adds to this one's."""
    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        _libc().malloc_trim(0)


__all__ = [
    "Tracker",
    "copy_build",
    "hand_back_memory",
    "output_files",
    "output_ready",
    "register",
    "tracker_of",
    "write_output",
]
