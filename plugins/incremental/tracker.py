"""The record of one build: which files it produced, which it rewrote, and their keys.

The record is kept in ``<cache>/incremental.pickle`` between builds. A record
that is missing, unreadable, from another version of this code, or made with
other code, theme or settings (the *build key*) means a clean build: the
output folder is emptied and every page is rendered.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("incremental")

FORMAT = 3  # bump when the record's layout or the key's meaning changes
RECORD = "incremental.pickle"
T = TypeVar("T")


@dataclass
class Record:
    format: int
    build_key: str
    keys: dict[str, bytes] = field(default_factory=dict)  # output path -> page key
    produced: set[str] = field(default_factory=set)  # every file the build is responsible for
    digests: dict[str, bytes] = field(default_factory=dict)  # plugin-owned state, by name


def tree_digest(*roots: Path, suffixes: tuple[str, ...] = ()) -> str:
    """A digest of every file's path and bytes under ``roots``."""
    h = hashlib.blake2b(digest_size=16)
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or (suffixes and path.suffix not in suffixes):
                continue
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class Tracker:
    """Loaded at the start of a build, saved at its end."""

    def __init__(self, cache: Path, output: Path, build_key: str, clean: bool = False) -> None:
        self.cache = cache
        self.output = output
        self.build_key = build_key
        self.previous = None if clean else self._load()
        self.clean = self.previous is None
        # The previous build's file names, by name: each is the very string object the new record then holds for
        # the same name (see ``keep``). At 20,000 posts a record names 135,000 files and takes 42 MB in memory,
        # and a build holds the previous record and its own until it ends; most names are the same in both.
        names = self.previous.produced if self.previous is not None else set()
        self.previous_names: dict[str, str] = dict(zip(names, names, strict=True))
        if self.previous is not None:
            self.previous.produced = set()  # held by previous_names now
        self.record = Record(FORMAT, build_key)
        self.rewritten: set[str] = set()  # files whose bytes changed in this build
        self.stats: dict[str, float] = {
            "rendered": 0,
            "kept": 0,
            "volatile": 0,
            "key_seconds": 0.0,
        }  # pages, counted by the writer
        self.flushers: list[Any] = []  # the writer's: renders the pages it put aside
        self._background: list[tuple[str, threading.Thread, list[BaseException]]] = []
        self._deferred: list[Callable[[], object]] = []  # work put off until run_deferred (see readercache.take_over)

    def _load(self) -> Record | None:
        path = self.cache / RECORD
        if not path.exists():
            log.info("incremental: no build record in %s; clean build", self.cache)
            return None
        try:
            with path.open("rb") as handle:
                record = pickle.load(handle)
        except Exception as error:  # a corrupt record is never fatal: it only costs a clean build
            log.warning("incremental: build record unreadable (%s); clean build", type(error).__name__)
            return None
        if not isinstance(record, Record) or getattr(record, "format", None) != FORMAT:
            log.info("incremental: build record from another version; clean build")
            return None
        if record.build_key != self.build_key:
            names = ("format", "pelican", "output", "plugins", "theme", "settings")
            changed = [
                n
                for n, a, b in zip(names, record.build_key.split("|"), self.build_key.split("|"), strict=False)
                if a != b
            ]
            log.info("incremental: %s changed; clean build", ", ".join(changed) or "build key")
            return None
        return record

    def start(self) -> None:
        """A clean build starts from an empty output folder and an empty cache."""
        global _fresh_output
        _made_folders.clear()
        _fresh_output = f"{self.output.absolute()}{os.sep}" if self.clean else None
        if self.clean:
            empty_folder(self.output)
            for child in self.cache.glob("*") if self.cache.exists() else []:
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()

    def begin_output(self) -> None:
        """The build starts writing: its files no longer match the saved record, so that record goes until
        this build saves its own. A build that dies from here on (killed, a full disk) leaves no record and
        the next build is clean; trusting the older record would keep pages that hold what the dead build
        wrote. A content error stops a build before this point and keeps the record."""
        (self.cache / RECORD).unlink(missing_ok=True)

    def flush(self) -> None:
        """Every page is on disk after this; plugins that read the output call it first."""
        for flush in self.flushers:
            flush()

    # Work beside the build ------------------------------------------------

    def in_background(self, name: str, work: Any) -> None:
        """Run ``work()`` in a thread while the build goes on (the search index, whose Pagefind runs in its own
        process); the build record is saved only after it ends, and its error fails the build."""
        errors: list[BaseException] = []

        def run() -> None:
            try:
                work()
            except BaseException as error:  # handed to the build's thread by wait_background
                errors.append(error)

        thread = threading.Thread(target=run, name=f"build-{name}")
        thread.start()
        self._background.append((name, thread, errors))

    def defer(self, work: Callable[[], object]) -> None:
        """Run ``work()`` later: at ``run_deferred``, which the build's end calls too."""
        self._deferred.append(work)

    def run_deferred(self) -> None:
        while self._deferred:
            self._deferred.pop(0)()

    def busy_in_background(self) -> bool:
        return any(thread.is_alive() for _, thread, _ in self._background)

    def wait_background(self) -> None:
        """Wait for the work started by ``in_background``; raise the first error it met."""
        jobs, self._background = self._background, []
        for _, thread, _ in jobs:
            thread.join()
        for _, _, errors in jobs:
            if errors:
                raise errors[0]  # as it was raised: its message already names the plugin and what failed

    # Pages -------------------------------------------------------------

    def is_current(self, name: str, key: bytes | None) -> bool:
        """True when ``name`` was produced with ``key`` by the previous build and is still on disk."""
        if key is None or self.previous is None:
            return False
        return self.previous.keys.get(name) == key and (self.output / name).exists()

    def keep(self, name: str, key: bytes | None) -> None:
        name = self.previous_names.get(name, name)
        self.record.produced.add(name)
        if key is not None:
            self.record.keys[name] = key

    def write(self, name: str, data: bytes, key: bytes | None = None) -> bool:
        """Write ``output/name`` atomically if its bytes changed; returns True when rewritten."""
        self.keep(name, key)
        if not write_if_changed(self.output / name, data):
            return False
        self.rewritten.add(name)
        return True

    def produced_by_previous(self, name: str) -> bool:
        return name in self.previous_names

    # End ---------------------------------------------------------------

    def remove_stale(self, owned_elsewhere: tuple[str, ...] = ()) -> list[str]:
        """Delete what the previous build produced and this one did not."""
        if self.previous is None:
            return []
        stale = sorted(self.previous_names.keys() - self.record.produced)
        stale = [name for name in stale if not name.startswith(owned_elsewhere)]
        for name in stale:
            path = self.output / name
            if path.is_file() or path.is_symlink():
                path.unlink()
                prune_empty_parents(path.parent, self.output)
        return stale

    def save(self) -> None:
        """Save the record; the build's files are all written after this (none more is written in place)."""
        global _fresh_output
        _fresh_output = None
        self.cache.mkdir(parents=True, exist_ok=True)
        write_atomically(self.cache / RECORD, pickle.dumps(self.record, protocol=pickle.HIGHEST_PROTOCOL))

    def release(self) -> None:
        """Let go of what only the build needed, once it is over: the previous record, this one (saved), and the
        writer (its fingerprints hold every page's inputs). The tracker stays in the settings and so in every
        template context, which a process that builds again keeps (the publisher's fast path): at 5,000 posts
        this was 14 MB of the 50 MB the publisher held between builds, more with the writer's fingerprints."""
        self.previous = None
        self.previous_names = {}
        _made_folders.clear()
        self.record = Record(FORMAT, self.build_key)
        self.rewritten = set()
        self.flushers.clear()


def copy_build(source: Path, source_cache: Path, output: Path, cache: Path) -> bool:
    """Make ``output`` and ``cache`` what a build into ``output`` would leave, by copying a finished build into
    ``source`` (its record in ``source_cache``); False, with nothing changed, when ``source_cache`` holds no
    readable record of a build into ``source``.

    Builds are reproducible and nothing in the output names its folder (the differential tests compare builds
    into different folders byte for byte), so the copy is that build: only the record's build key, which names
    the output folder, is rewritten, last, once both copies are whole. A copy cut short is never used: each
    tree is copied beside its target and renamed over it, and until the record is rewritten the new cache's
    key names the other folder, which means a clean build. Copies, not hard links: Pelican overwrites a
    changed static file in place, which through a link would change the served folder too.
    """
    try:
        record = pickle.loads((source_cache / RECORD).read_bytes())
    except Exception:  # missing, cut short, another format: nothing to copy from
        return False
    old_part = f"output={source.resolve()}"
    if not isinstance(record, Record) or record.format != FORMAT or old_part not in record.build_key.split("|"):
        return False
    for origin, target in ((source, output), (source_cache, cache)):
        copy_tree(origin, target)
    parts = record.build_key.split("|")
    record.build_key = "|".join(f"output={output.resolve()}" if part == old_part else part for part in parts)
    write_atomically(cache / RECORD, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    return True


def copy_tree(origin: Path, target: Path) -> None:
    """Replace ``target`` with a copy of ``origin`` (see ``replace_folder``)."""
    import subprocess

    def copy(fresh: Path) -> None:
        if shutil.which("cp"):  # coreutils: 10-25 s for the 1.2 GB of a 20,000-post site, copytree 68 s
            subprocess.run(["cp", "-a", "--", str(origin), str(fresh)], check=True, capture_output=True)
        else:
            shutil.copytree(origin, fresh, symlinks=True)

    replace_folder(target, copy)


def replace_folder(target: Path, make: Callable[[Path], T]) -> T:
    """Replace the folder ``target`` with the one ``make(fresh)`` makes at ``fresh``, beside it, and return what
    ``make`` returned. ``target`` is swapped whole by two renames; when ``make`` fails (a full disk), what it made
    goes and ``target`` stays as it was."""
    fresh, old = target.with_name(f".{target.name}-new"), target.with_name(f".{target.name}-old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        made = make(fresh)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return made


# Folders this process has made or seen during the build, so that each is made once, not once per file: on our
# build machines a ``mkdir`` costs 0.1-0.5 ms of file-system time even when the folder exists. Their names, not
# their paths: a clean build at 20,000 posts makes 43,870 folders, 15.7 MB held as paths, 7.3 MB as names.
_made_folders: set[str] = set()
# The output folder of a clean build in progress (emptied by Tracker.start): its files are new, no reader is served
# from it, so they are written in place instead of through a temporary file and a rename.
_fresh_output: str | None = None


def make_folder(folder: Path) -> None:
    name = str(folder)
    if name not in _made_folders:
        folder.mkdir(parents=True, exist_ok=True)
        _made_folders.add(name)


def write_atomically(target: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a part of either."""
    make_folder(target.parent)
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    except FileNotFoundError:  # the folder was removed since (a pruned output folder, a cleared cache)
        _made_folders.discard(str(target.parent))
        make_folder(target.parent)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_new(target: Path, data: bytes) -> bool:
    """Create ``target`` with ``data`` in place; False (nothing written) when it already exists."""
    make_folder(target.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        handle = os.open(target, flags, 0o644)
    except FileExistsError:
        return False
    except FileNotFoundError:  # the folder was removed since it was made
        _made_folders.discard(str(target.parent))
        make_folder(target.parent)
        handle = os.open(target, flags, 0o644)
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # whatever the umask: the web server reads these files
            out.write(data)
    except BaseException:
        target.unlink(missing_ok=True)  # a full disk leaves no truncated page behind
        raise
    return True


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``target`` atomically unless it already holds ``data``; returns True when it was written.

    In the output folder of a clean build a new file is written in place (see ``_fresh_output``)."""
    if _fresh_output is not None and str(target).startswith(_fresh_output) and write_new(target, data):
        return True
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomically(target, data)
    return True


def empty_folder(folder: Path) -> None:
    if not folder.exists():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def prune_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def relative(output: Path, path: str | os.PathLike[str]) -> str:
    return Path(os.path.relpath(path, output)).as_posix()


def settings_digest(settings: dict[str, Any]) -> str:
    """The settings as far as they can change the output (the city model and export are content)."""
    from .fingerprint import Fingerprinter

    skipped = {"CITY_MODEL", "PUBLIC_EXPORT", "INCREMENTAL", "OUTPUT_PATH", "CACHE_PATH", "PATH"}
    relevant = {k: v for k, v in settings.items() if k.isupper() and k not in skipped}
    digest = Fingerprinter().digest(relevant)
    return digest.hex() if digest else os.urandom(8).hex()
