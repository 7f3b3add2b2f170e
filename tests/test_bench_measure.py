"""The benchmark's memory figure: the summed PSS of a command's process group."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import group_rss_bytes, same_memory

HOLD = 200 * 2**20


def test_a_vfork_child_is_told_apart_from_a_forked_worker() -> None:
    """A vfork child shares its parent's address space (kcmp says so of a process and itself); a forked worker
    has its own, whose pages the group's PSS counts once between the two."""
    assert same_memory(os.getpid(), os.getpid())
    worker = os.fork()
    if worker == 0:
        time.sleep(5)
        os._exit(0)
    try:
        assert not same_memory(worker, os.getpid())
    finally:
        os.kill(worker, 9)
        os.waitpid(worker, 0)


def test_a_forked_worker_counts_once_in_its_group() -> None:
    """A process holding 200 MB forks a worker that does not exec: the group's PSS is about 200 MB, not 400, and
    the worker is not dropped as if it ran in its parent's memory (it would then be about 200 MB and no less)."""
    script = f"""
import os, sys, time
data = bytearray({HOLD})
for i in range(0, len(data), 4096):
    data[i] = 1
child = os.fork()
if child == 0:
    extra = bytearray(50 * 2**20)
    for i in range(0, len(extra), 4096):
        extra[i] = 1
    print("ready", flush=True)
    time.sleep(30)
    os._exit(0)
time.sleep(30)
"""
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        time.sleep(0.2)
        total = group_rss_bytes(process.pid) / 2**20
        assert 240 < total < 330, total  # 200 shared once + the worker's own 50 + two interpreters
    finally:
        os.killpg(process.pid, 9)
        process.wait()
        process.stdout.close()  # type: ignore[union-attr]


def test_workers_ending_while_the_group_is_sampled_are_not_counted_whole() -> None:
    """A process holding 200 MB forks four short-lived workers, over and over (a build's render and edition
    workers come and go). A worker that ends while the group is sampled must not count as its whole RSS (its
    PSS can no longer be read), nor its share once more in its parent's PSS read after it ended: samples
    taken that way made a 207 MB group 612 MB, and the bench's approval row 705 MB for a true 598."""
    script = f"""
import os, random, time
data = bytearray({HOLD})
for i in range(0, len(data), 4096):
    data[i] = 1
print("ready", flush=True)
for _ in range(150):
    workers = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            time.sleep(random.uniform(0, 0.02))
            os._exit(0)
        workers.append(pid)
    for pid in workers:
        os.waitpid(pid, 0)
"""
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, start_new_session=True)
    samples = []
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        while process.poll() is None:
            samples.append(group_rss_bytes(process.pid) / 2**20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
        process.wait()
        process.stdout.close()  # type: ignore[union-attr]
    assert len(samples) > 50  # 100-odd on a quiet machine; exactly 100 once on a busy one
    assert max(samples) < 260, sorted(samples)[-5:]  # 200 MB held once, five interpreters' own


def test_discarded_folders_wait_in_the_trash_until_it_is_emptied(tmp_path: Path) -> None:
    """The bench puts old outputs aside instead of deleting them between timed runs (a deletion slows the next
    run's file creation on our machines' disks); they go only when the trash is emptied."""
    from benchmarks.measure import TRASH, discard, empty_trash

    for name in ("ours", "hugo/public"):
        (tmp_path / name / "a" / "b").mkdir(parents=True)
        (tmp_path / name / "a" / "b" / "index.html").write_text("x", encoding="utf-8")
    discard(tmp_path / "hugo" / "public")
    discard(tmp_path / "hugo")
    discard(tmp_path / "ours")
    discard(tmp_path / "missing")  # nothing there: nothing to do
    assert not (tmp_path / "ours").exists() and not (tmp_path / "hugo").exists()
    kept = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("index.html"))
    assert len(kept) == 2 and all(path.startswith(f"{TRASH}/") for path in kept)
    (tmp_path / "ours").mkdir()  # a new run's folder of the same name is not touched
    empty_trash(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ours"]
