"""Running one measured command: wall time, peak memory of its process tree, pages written, polling helpers.

Every command runs in its own session (process group), so the whole tree can be sampled and stopped together.
Two memory figures come out of each run:

- ``peak_mb``: ``ru_maxrss`` from ``os.wait4``. On Linux this is the largest single process among the command and
  the descendants it waited for (Pagefind under our build counts), not their sum.
- ``tree_mb``: the largest sum of PSS over the whole process group, sampled every 100 ms (forked workers share
  their parent's pages; RSS would count those once per process).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"
SOURCE_DATE_EPOCH = int(dt.datetime.fromisoformat(f"{TODAY}T00:00:00+00:00").timestamp())
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
HEARTBEAT_SECONDS = 30


TRASH = ".trash"  # see discard()


def discard(path: Path) -> None:
    """Put ``path`` out of the way without deleting it: renamed into ``.trash/`` beside it, which ``empty_trash``
    deletes once nothing is being timed.

    On our build machines the disk is ext4 without a journal, and there ext4 gives a new file an inode that was
    freed in the last minute (6 minutes while its inode table is unwritten) only after checking every such
    inode in turn (``recently_deleted`` in fs/ext4/ialloc.c). A command timed just after 100,000 files were
    deleted pays for that deletion: our 5,000-post clean build took 44.8 s with 25.4 s of system time right
    after one, 37.2 s with 10.6 s on a settled disk. Renaming frees nothing."""
    if not path.exists():
        return
    trash = path.parent / TRASH
    trash.mkdir(exist_ok=True)
    path.rename(trash / f"{path.name}-{time.time_ns()}")


def empty_trash(folder: Path) -> None:
    """Delete what ``discard`` put aside in ``folder`` and in the folders in it (``hugo/public``, say): their
    ``.trash/``, not a walk of everything the run left (a kept 20,000-post size is 300,000 files)."""
    import shutil

    for trash in [*folder.glob(f"*/{TRASH}"), folder / TRASH]:
        shutil.rmtree(trash, ignore_errors=True)


class Kind(StrEnum):
    """What a row measures; each is compared with the Hugo row of the same kind."""

    CLEAN = "clean"
    REBUILD = "rebuild"
    LIVE = "live"


@dataclass
class Row:
    """One line of the report. ``reason`` set means n/a (or failed), and the figures stay None."""

    label: str
    kind: Kind
    seconds: float | None = None
    peak_mb: float | None = None
    tree_mb: float | None = None
    pages: int | None = None
    reason: str = ""
    failed: bool = False
    note: str = ""  # printed under the row

    @property
    def ms_per_page(self) -> float | None:
        if self.seconds is None or not self.pages:
            return None
        return 1000 * self.seconds / self.pages


@dataclass
class Usage:
    seconds: float
    peak_mb: float
    tree_mb: float
    returncode: int
    timed_out: bool


class CommandFailed(Exception):
    """A measured command exited non-zero, timed out, or never showed the expected result."""


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every child: time pinned, our build's optional features at their configured defaults."""
    env = {key: value for key, value in os.environ.items() if key not in ("CITY_SEARCH", "CITY_EXPORT")}
    return {**env, "CITY_TODAY": TODAY, "SOURCE_DATE_EPOCH": str(SOURCE_DATE_EPOCH), **extra}


PF_FORKNOEXEC = 0x40  # proc(5), stat's flags: forked and not yet exec'd
KCMP_VM = 1
SYS_KCMP = {"x86_64": 312, "aarch64": 272}.get(os.uname().machine)
HAS_PSS = os.path.exists("/proc/self/smaps_rollup")  # Linux 4.14 and later


def group_rss_bytes(group: int) -> int:
    """The summed PSS of every process in process group ``group``: shared pages (a forked worker's copy-on-write
    memory, libraries) count once, split between the processes sharing them. RSS where the kernel has no PSS.

    A child that ``subprocess`` has just made (with vfork on Linux) runs in its parent's memory until it
    execs: its PSS is its parent's, all of it, and counted again it doubled the build's memory in the one
    sample that caught a Pagefind about to start (784 MB for a publisher of 392).

    The processes are read one after another, so a sample is taken again (up to five times, then the smallest
    is kept) when one of them ended or a new one started meanwhile: a worker read before it ended and its
    parent after, which then holds the worker's share of their pages alone, counted that share twice; a worker
    whose PSS could no longer be read counted as its whole RSS, all the pages it shared with its parent; and a
    parent read after it forked a worker that was not counted left out the worker's share. A build's workers
    come and go, and one such sample made the bench's approval row 705 MB at 20,000 posts (its true peak 598
    MB); a test group of 207 MB whose workers came and went, 612 MB."""
    totals = []
    for _ in range(5):
        members = group_members(group)
        total = 0
        for pid, (parent, flags, rss) in members.items():
            if flags & PF_FORKNOEXEC and parent in members and same_memory(pid, parent):
                continue  # its parent's memory, counted there
            pss = process_pss_bytes(str(pid))
            total += pss if pss is not None else (0 if HAS_PSS else rss)
        if group_members(group).keys() == members.keys():
            return total
        totals.append(total)
    return min(totals)  # never a sample that counted some pages twice, where none held still


def group_members(group: int) -> dict[int, tuple[int, int, int]]:
    """pid -> (parent, flags, RSS in bytes) of the running processes in process group ``group``."""
    members: dict[int, tuple[int, int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = stat_fields(entry.name)
        # fields[0] is field 3 (state) of proc(5); pgrp is field 5, rss field 24. A zombie holds no memory.
        if fields is None or int(fields[2]) != group or fields[0] in "ZX":
            continue
        members[int(entry.name)] = (int(fields[1]), int(fields[6]), int(fields[21]) * PAGE_SIZE)
    return members


def stat_fields(pid: str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command's name, or None when the process has ended."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rpartition(")")[2].split()
    except OSError:
        return None


def same_memory(pid: int, other: int) -> bool:
    """Whether two processes run in one address space (``kcmp(2)``, ``KCMP_VM``), as a vfork child and its parent
    do until the child execs; False where the call is missing."""
    if SYS_KCMP is None:
        return False
    return int(_libc().syscall(SYS_KCMP, pid, other, KCMP_VM, 0, 0)) == 0


@functools.cache
def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def process_pss_bytes(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class Watcher(threading.Thread):
    """Samples the group's memory, prints a heartbeat with the log's last line, and enforces the deadline."""

    def __init__(self, pid: int, label: str, log_file: Path, timeout: float | None) -> None:
        super().__init__(daemon=True)
        self.pid, self.label, self.log_file = pid, label, log_file
        self.deadline = time.monotonic() + timeout if timeout else None
        self.peak_bytes = 0
        self.timed_out = False
        self.done = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        next_heartbeat = started + HEARTBEAT_SECONDS
        while not self.done.wait(0.1):
            self.peak_bytes = max(self.peak_bytes, group_rss_bytes(self.pid))
            now = time.monotonic()
            if now >= next_heartbeat:
                print(f"      … {self.label}: {now - started:.0f} s; {last_line(self.log_file)}", flush=True)
                next_heartbeat += HEARTBEAT_SECONDS
            if self.deadline and now > self.deadline:
                self.timed_out = True
                kill_group(self.pid, signal.SIGKILL)


class Child:
    """A command started in its own process group, its output going to ``log_file``."""

    def __init__(
        self, command: list[str], *, env: dict[str, str], log_file: Path, label: str, timeout: float | None = None
    ) -> None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log = log_file.open("w", encoding="utf-8")
        self.log_file = log_file
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.watcher = Watcher(self.process.pid, label, log_file, timeout)
        self.watcher.start()

    def running(self) -> bool:
        result = os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return result is None

    def wait(self) -> Usage:
        """Blocks until the command exits, then reaps it (with its rusage) and any stragglers of its group."""
        try:
            _, status, usage = os.wait4(self.process.pid, 0)
        except KeyboardInterrupt:  # Ctrl-C reaches only our process group, not the command's: stop it too
            kill_group(self.process.pid, signal.SIGKILL)
            os.wait4(self.process.pid, 0)
            raise
        seconds = time.perf_counter() - self.started
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.watcher.done.set()
        self.watcher.join()
        kill_group(self.process.pid, signal.SIGKILL)
        self.log.close()
        return Usage(
            seconds, usage.ru_maxrss / 1024, self.watcher.peak_bytes / 2**20, self.process.returncode,
            self.watcher.timed_out,
        )  # fmt: skip

    def stop(self) -> Usage:
        """Interrupts the group (SIGINT, then SIGTERM, then SIGKILL), then reaps it."""
        for sig, grace in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            kill_group(self.process.pid, sig)
            if wait_until(lambda: not self.running(), timeout=grace, interval=0.05):
                break
        return self.wait()


def kill_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(group, sig)


def run_measured(
    command: list[str], *, env: dict[str, str], log_file: Path, label: str, timeout: float | None = None
) -> Usage:
    """Runs ``command`` to the end; raises CommandFailed on a non-zero exit or a timeout."""
    usage = Child(command, env=env, log_file=log_file, label=label, timeout=timeout).wait()
    if usage.timed_out:
        raise CommandFailed(f"timed out after {timeout:.0f} s (log: {log_file})")
    if usage.returncode != 0:
        raise CommandFailed(f"exit {usage.returncode} (log: {log_file})")
    return usage


def html_written(folder: Path, since_ns: int) -> int:
    """How many ``*.html`` files under ``folder`` were written at or after ``since_ns`` (time.time_ns())."""
    count = 0
    for path in folder.rglob("*.html"):
        try:
            if path.stat().st_mtime_ns >= since_ns:
                count += 1
        except FileNotFoundError:
            continue
    return count


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.02) -> bool:
    """Calls ``check`` until it returns True (then True) or ``timeout`` seconds pass (then False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def file_contains(path: Path, text: str) -> bool:
    try:
        return text in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def last_line(log_file: Path) -> str:
    lines = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1][:120] if lines else "(no output yet)"


def log_tail(log_file: Path, count: int = 30) -> str:
    return "\n".join(log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-count:])
