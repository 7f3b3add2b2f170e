"""The publisher: readers never see a missing or half-written page while it publishes."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from incremental import readercache
from incremental import tracker as incremental_tracker

import citykit
from browser import serve_folder
from publisher import Publisher

POLLED = [
    "/",
    "/stations/dongshan/",
    "/stations/dongshan/worklog/dongshan-worklog-1/",
    "/zh-hant/stations/dongshan/worklog/dongshan-worklog-1/",
    "/feeds/all.atom.xml",
    "/sitemap.xml",
]


@pytest.fixture(autouse=True)
def pinned_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764057600")


def wait_for_release(publisher: Publisher, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(publisher.releases) < count:
        assert time.monotonic() < deadline, f"no release {count} within {timeout} s"
        time.sleep(0.05)


@contextmanager
def running_publisher(tmp_path: Path, content: Path, settle: float = 0.1) -> Iterator[Publisher]:
    """A publisher on its own thread, its two start-up builds done; stopped afterwards."""
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"), settle=settle)
    runner = threading.Thread(target=publisher.run, args=(content,), daemon=True)
    runner.start()
    try:
        wait_for_release(publisher, 2)
        yield publisher
    finally:
        publisher.stop()
        runner.join(timeout=30)


def warm_publisher(tmp_path: Path) -> tuple[Publisher, Path]:
    """A publisher on the little city with both folders built (later builds are incremental); its content."""
    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.content = content
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
    return publisher, content


def complete(path: str, body: bytes) -> bool:
    tail = body.rstrip()[-40:]
    if path.endswith(".xml"):
        return tail.endswith((b"</feed>", b"</urlset>"))
    return tail.endswith(b"</html>")


def test_readers_polling_during_publishes_never_get_a_404_or_a_truncated_page(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"), settle=0.1)
    runner = threading.Thread(target=publisher.run, args=(content,), daemon=True)
    runner.start()
    wait_for_release(publisher, 2)  # both folders built; the watcher runs
    failures: list[str] = []
    fetched = [0]
    stop = threading.Event()

    def reader(base: str) -> None:
        while not stop.is_set():
            for path in POLLED:
                try:
                    with urllib.request.urlopen(base + path, timeout=10) as response:
                        body = response.read()
                except urllib.error.HTTPError as error:
                    failures.append(f"{path}: HTTP {error.code}")
                    continue
                fetched[0] += 1
                if not complete(path, body):
                    failures.append(f"{path}: truncated ({len(body)} bytes)")

    with serve_folder(publisher.current) as base:
        readers = [threading.Thread(target=reader, args=(base,), daemon=True) for _ in range(3)]
        for thread in readers:
            thread.start()
        post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
        for round_number in range(1, 6):
            before = len(publisher.releases)
            post.write_text(post.read_text(encoding="utf-8") + f"\n第{round_number}次补充。\n", encoding="utf-8")
            citykit.add_post(content, "xihu", "worklog", f"xihu-extra-{round_number}", "2026-11-21 09:00")
            if round_number > 1:
                (content / "posts" / "xihu" / "worklog" / f"xihu-extra-{round_number - 1}.md").unlink()
            wait_for_release(publisher, before + 1)
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
        page = urllib.request.urlopen(base + POLLED[2], timeout=10).read().decode()
    publisher.stop()
    runner.join(timeout=30)
    assert not failures, failures[:10]
    assert fetched[0] > 50  # the readers really were reading throughout
    assert "第5次补充" in page
    assert not (publisher.current / "stations" / "xihu" / "worklog" / "xihu-extra-4").exists()
    assert (publisher.current / "stations" / "xihu" / "worklog" / "xihu-extra-5" / "index.html").exists()


def test_changes_arriving_together_are_published_once(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path / "city")
    with running_publisher(tmp_path, content, settle=0.5) as publisher:
        for number in range(5):
            citykit.add_post(content, "dongshan", "worklog", f"dongshan-batch-{number}", "2026-11-22 09:00")
        wait_for_release(publisher, 3)
        time.sleep(1.5)
    assert len(publisher.releases) == 3, [r.reasons for r in publisher.releases]
    for number in range(5):
        assert (publisher.current / "stations" / "dongshan" / "worklog" / f"dongshan-batch-{number}").is_dir()


def test_content_errors_keep_the_live_site(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.publish(["start"])
    live = publisher.live_folder()
    citykit.add_post(content, "nowhere", "worklog", "broken-post", "2026-11-22 09:00")
    assert publisher.publish(["broken"]) is None
    assert publisher.live_folder() == live
    assert (publisher.current / "index.html").exists()


def test_an_edited_post_goes_live_first_with_the_bytes_the_full_build_writes(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path / "city")
    with running_publisher(tmp_path, content) as publisher:
        post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
        post.write_text(post.read_text(encoding="utf-8") + "\n快速上线的补充说明。\n", encoding="utf-8")
        wait_for_release(publisher, 3)
    [(_, hot_folder, written, _)] = publisher.hot_pages
    page = "stations/dongshan/worklog/dongshan-worklog-1/index.html"
    twin = f"zh-hant/{page}"
    assert written[:6] == [f"{page}.gz", f"{page}.br", page, f"{twin}.gz", f"{twin}.br", twin]
    # A summary taken from the body shows in lists and feeds: those the post appears in follow at once.
    lists = ["index.html", "stations/dongshan/index.html", "stations/dongshan/worklog/index.html"]
    lists += ["feeds/all.atom.xml"]
    lists += ["feeds/stations/dongshan/worklog.atom.xml", "feeds/stations/dongshan.atom.xml", "feeds/worklog.atom.xml"]
    assert {name for name in written if not name.startswith("zh-hant/") and name.endswith((".html", ".xml"))} == {
        page,
        *lists,
    }
    built_folder = publisher.releases[-1].folder
    assert hot_folder != built_folder
    for name in written:
        hot, built = (hot_folder / name).read_bytes(), (built_folder / name).read_bytes()
        if name in (page, twin):
            assert "快速上线的补充说明" in built.decode() or "快速上線的補充說明" in built.decode()
        assert hot == built, name
    # nginx serves the .br or .gz copy to nearly every browser (gzip_static, brotli_static): the fast path
    # writes them too, or readers would get the page as it was before the edit.
    import gzip

    import brotli

    for name in (page, twin):
        html = (hot_folder / name).read_bytes()
        assert gzip.decompress((hot_folder / f"{name}.gz").read_bytes()) == html, name
        assert brotli.decompress((hot_folder / f"{name}.br").read_bytes()) == html, name


def test_a_corrected_title_goes_live_in_its_lists_at_once(tmp_path: Path) -> None:
    """A chief fixing a typo in a title: the post, the home page's latest posts, the station's page and lists
    and the feeds show the new title before the full build, with the bytes that build writes."""
    content = citykit.make_city(tmp_path / "city")
    with running_publisher(tmp_path, content) as publisher:
        post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
        post.write_text(post.read_text(encoding="utf-8").replace("Title: 工作记实", "Title: 更正后的标题"), "utf-8")
        wait_for_release(publisher, 3)
    [(_, hot_folder, written, _)] = publisher.hot_pages
    shown = ["stations/dongshan/worklog/dongshan-worklog-1/index.html", "index.html", "stations/dongshan/index.html"]
    shown += ["stations/dongshan/worklog/index.html", "feeds/stations/dongshan.atom.xml", "feeds/all.atom.xml"]
    shown += ["feeds/stations/dongshan/worklog.atom.xml", "feeds/worklog.atom.xml"]
    assert {name for name in written if not name.startswith("zh-hant/") and name.endswith((".html", ".xml"))} == set(
        shown
    )
    for name in shown:
        assert "更正后的标题" in (hot_folder / name).read_text(encoding="utf-8"), name
        assert "更正後的標題" in (hot_folder / "zh-hant" / name).read_text(encoding="utf-8"), name
    built_folder = publisher.releases[-1].folder
    for name in written:
        assert (hot_folder / name).read_bytes() == (built_folder / name).read_bytes(), name


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("dongshan/worklog/dongshan-worklog-1.md", "Date: 2026-11-20 09:00", "Date: 2026-11-21 09:00"),
        ("dongshan/worklog/dongshan-worklog-1.md", "Slug: dongshan-worklog-1", "Slug: dongshan-worklog-new"),
        ("dongshan/worklog/dongshan-worklog-1.md", "Station: dongshan", "Station: xihu"),
        ("dongshan/warning/dongshan-warning-active.md", "Title: 防范刷单返利诈骗", "Title: 防范冒充客服诈骗"),
        ("dongshan/warning/dongshan-warning-active.md", "Expires: 2027-06-01 00:00", "Expires: 2027-07-01 00:00"),
    ],
    ids=["date", "slug", "station", "warning title", "warning expiry"],
)
def test_a_post_that_moves_or_a_warning_waits_for_the_full_build(tmp_path: Path, path: str, old: str, new: str) -> None:
    """A new date or address moves the post in lists or elsewhere; a warning shows in banners on every page:
    the fast path leaves those to the full build."""
    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.publish(["start"])
    post = content / "posts" / path
    text = post.read_text(encoding="utf-8")
    assert old in text
    post.write_text(text.replace(old, new), encoding="utf-8")
    publisher.content = content
    assert publisher.snapshot is not None
    assert publisher.snapshot.edited_post(post) is None  # read, compared and refused: not a failure swallowed
    assert publisher.hot([f"content:posts/{path}"]) == []


def test_an_edit_during_a_full_build_goes_live_at_once_and_survives_the_switch(tmp_path: Path) -> None:
    from pelican import signals

    content = citykit.make_city(tmp_path / "city")
    slow = threading.Event()
    reading_done = threading.Event()

    def pause_after_reading(generators: object) -> None:
        if slow.is_set():
            reading_done.set()
            time.sleep(3)  # a long build: the content is read, the pages are not yet written

    signals.all_generators_finalized.connect(pause_after_reading)
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"), settle=0.1)
    runner = threading.Thread(target=publisher.run, args=(content,), daemon=True)
    runner.start()
    try:
        wait_for_release(publisher, 2)
        slow.set()
        first = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
        second = content / "posts" / "xihu" / "worklog" / "xihu-worklog-1.md"
        first.write_text(first.read_text(encoding="utf-8") + "\n第一处修改。\n", encoding="utf-8")
        assert reading_done.wait(30), "the slow build did not start"
        second.write_text(second.read_text(encoding="utf-8") + "\n第二处修改。\n", encoding="utf-8")
        page = publisher.current / "stations" / "xihu" / "worklog" / "xihu-worklog-1" / "index.html"
        deadline = time.monotonic() + 30
        while "第二处修改" not in page.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the second edit never went live"
            time.sleep(0.02)
        assert len(publisher.releases) == 2  # live while the first edit's build was still running
        slow.clear()
        wait_for_release(publisher, 3)
        # That build read the second post before it was edited; the switch keeps the newer page.
        assert "第二处修改" in page.read_text(encoding="utf-8")
        wait_for_release(publisher, 4)
        assert "第二处修改" in page.read_text(encoding="utf-8")
        assert "第一处修改" in (
            publisher.current / "stations" / "dongshan" / "worklog" / "dongshan-worklog-1" / "index.html"
        ).read_text(encoding="utf-8")
    finally:
        slow.clear()
        signals.all_generators_finalized.disconnect(pause_after_reading)
        publisher.stop()
        runner.join(timeout=30)


def test_between_builds_the_publisher_keeps_no_build_state(tmp_path: Path) -> None:
    """The fast path keeps the last build's context, which holds the build record's tracker: once the build is
    over, the tracker lets go of both records and of the writer, whose fingerprints hold every page's inputs."""
    import gc

    from incremental.writer import IncrementalWriter

    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
    assert publisher.snapshot is not None
    tracker = publisher.snapshot.generator.context["INCREMENTAL_TRACKER"]
    assert tracker.previous is None and not tracker.previous_names
    assert not incremental_tracker._made_folders  # the folders the build made, by name
    assert not tracker.record.keys and not tracker.flushers
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, IncrementalWriter)], "a finished build's writer is kept"


def test_the_second_start_up_build_starts_from_a_copy_of_the_first(tmp_path: Path) -> None:
    """On its first start the publisher builds one folder and copies it to the other, whose build then finds
    nothing to render: not a second clean build (at 20,000 posts 83 s, and with its render workers and
    Pagefind runs the publisher's memory peak). After a restart both folders have builds of their own and are
    not copied again."""
    from test_incremental import assert_same_tree

    content = citykit.make_city(tmp_path / "city")
    with running_publisher(tmp_path, content) as publisher:
        assert publisher.snapshot is not None
        tracker = publisher.snapshot.generator.settings["INCREMENTAL_TRACKER"]
        assert not tracker.clean and tracker.stats["rendered"] == 0
        site = tmp_path / "site"
        assert publisher.live_folder() == site / "site-b"
        assert_same_tree(site / "site-b", site / "site-a", "the second start-up build")
        post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
        post.write_text(post.read_text(encoding="utf-8") + "\n启动之后的补充。\n", encoding="utf-8")
        wait_for_release(publisher, 3)
        page = publisher.current / "stations" / "dongshan" / "worklog" / "dongshan-worklog-1" / "index.html"
        assert "启动之后的补充" in page.read_text(encoding="utf-8")
    again = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    assert not again.seed_idle_folder()  # both folders hold builds of their own


def test_a_copy_cut_short_by_a_full_disk_leaves_the_second_folder_to_its_own_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cp`` runs out of room while copying the first folder (a file-size limit of 1 KB on it: it fails writing
    the first larger file, as on a full disk). Nothing of the copy is left, and the second start-up build makes
    the folder itself, whole."""
    import resource
    import signal
    import subprocess

    from test_incremental import assert_same_tree

    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.content = content
    publisher.publish(["start"])
    real_run = subprocess.run

    def full_disk() -> None:  # in cp's process only
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing cp
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    def run_with_full_disk(command: list[str], **kwargs: Any) -> Any:
        return real_run(command, preexec_fn=full_disk, **kwargs)

    monkeypatch.setattr(subprocess, "run", run_with_full_disk)
    assert not publisher.seed_idle_folder()
    monkeypatch.undo()
    site = tmp_path / "site"
    assert sorted(p.name for p in site.iterdir()) == ["cache-a", "current", "site-a"]  # no half copy beside
    assert publisher.publish(["start: the second folder"]) is not None
    assert publisher.snapshot is not None
    assert publisher.snapshot.generator.settings["INCREMENTAL_TRACKER"].clean  # built from scratch
    assert_same_tree(site / "site-b", site / "site-a", "the second folder built itself")


def test_the_second_start_up_build_reads_without_the_first_city(tmp_path: Path) -> None:
    """Nothing is served from the fast path's snapshot until both start-up builds are done, so the first
    build's city is let go before the second reads its own: at 20,000 posts holding both through the second
    reading took the publisher to 472 MB (with Pagefind's 207, 680 for the whole tree)."""
    import gc
    import weakref

    from pelican import signals

    content = citykit.make_city(tmp_path / "city")
    first_city: list[weakref.ref[object]] = []
    alive_after_reading: list[bool] = []

    def look(generator: Any) -> None:
        if not first_city:
            first_city.append(weakref.ref(generator.articles[0]))
            return
        gc.collect()
        alive_after_reading.append(first_city[0]() is not None)

    signals.article_generator_finalized.connect(look)
    try:
        with running_publisher(tmp_path, content) as publisher:
            assert publisher.snapshot is not None  # the second build's, for the fast path
    finally:
        signals.article_generator_finalized.disconnect(look)
    assert alive_after_reading[:1] == [False]


def test_the_publisher_saves_the_reader_cache_once_the_previous_city_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving Pelican's reader cache copies every post for a moment (about 80 MB at 20,000 posts); Pelican does it
    as soon as the posts are read, when the publisher still holds the previous build's city for the fast path.
    The publisher has it done after that city is let go, and the next build reads from what was saved."""
    import gc
    import gzip
    import hashlib
    import pickle
    import weakref

    from pelican import signals

    publisher, content = warm_publisher(tmp_path)
    _, cache = publisher.idle_folder()
    readers = cache / "pelican" / "ArticlesGenerator-Readers"
    before = readers.read_bytes()
    post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n本周补充的说明。\n", encoding="utf-8")
    assert publisher.snapshot is not None
    old_city = weakref.ref(publisher.snapshot.generator.context["articles"][0])
    seen: list[tuple[bool, bool]] = []  # (saved yet, previous city alive) when reading ended and when saved

    def read(generator: object) -> None:
        seen.append((readers.read_bytes() != before, old_city() is not None))

    real_write = readercache.write_atomically

    def write(target: Path, data: bytes) -> None:
        if target == readers:
            gc.collect()
            seen.append((True, old_city() is not None))
        real_write(target, data)

    monkeypatch.setattr(readercache, "write_atomically", write)  # watches the save; the file is still written
    signals.article_generator_finalized.connect(read)
    try:
        assert publisher.publish(["content:posts/dongshan/worklog/dongshan-worklog-1.md"]) is not None
    finally:
        signals.article_generator_finalized.disconnect(read)
    assert seen == [(False, True), (True, False)]
    stamp, _ = pickle.loads(gzip.decompress(readers.read_bytes()))[str(post)]
    assert stamp == hashlib.md5(post.read_bytes()).digest()


def test_the_fast_path_lets_go_of_opencc_after_each_batch(tmp_path: Path) -> None:
    """The fast path converts its pages' Traditional twins with OpenCC, whose dictionaries take 26 MB: loaded
    for each batch (30-45 ms) and let go after it, not kept by the publisher between changes and through the
    builds, whose peak they added to."""
    from hantedition import edition

    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.content = content
    publisher.publish(["start"])
    post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n本周补充的说明。\n", encoding="utf-8")
    written = publisher.hot(["content:posts/dongshan/worklog/dongshan-worklog-1.md"])
    twin = "zh-hant/stations/dongshan/worklog/dongshan-worklog-1/index.html"
    assert twin in written
    assert "本週補充的說明" in (publisher.current / twin).read_text(encoding="utf-8")
    assert publisher.snapshot is not None and publisher.snapshot.converter is None
    assert edition._WORKER[0] is None  # nor the build's own converter


def test_a_build_lets_the_previous_city_go_before_it_writes(tmp_path: Path) -> None:
    """The fast path's snapshot moves to the new build's context as soon as that is read: the publisher never
    holds two cities through a build's writing (at 20,000 posts, 512 MB against 330 for a first build). Pages
    the fast path rendered since the last build (Pelican memoizes their content, and through it their whole
    context) must not keep the old city alive either."""
    import gc
    import weakref

    from pelican import signals

    publisher, content = warm_publisher(tmp_path)
    post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n快速上线的补充说明。\n", encoding="utf-8")
    assert publisher.hot(["content:posts/dongshan/worklog/dongshan-worklog-1.md"])  # rendered from the old city
    assert publisher.snapshot is not None
    old_city = weakref.ref(publisher.snapshot.generator.context["articles"][0])
    alive_while_writing: list[bool] = []

    def look(generator: object, writer: object = None) -> None:
        gc.collect()
        alive_while_writing.append(old_city() is not None)

    signals.article_writer_finalized.connect(look)
    try:
        assert publisher.publish(["content:posts/dongshan/worklog/dongshan-worklog-1.md"]) is not None
    finally:
        signals.article_writer_finalized.disconnect(look)
    assert alive_while_writing == [False]
    # The fast path goes on from the new build's city, which holds the edit the old city did not.
    assert "快速上线的补充说明" in publisher.snapshot.articles[str(post)].content
    post.write_text(post.read_text(encoding="utf-8") + "\n第二次补充。\n", encoding="utf-8")
    written = publisher.hot(["content:posts/dongshan/worklog/dongshan-worklog-1.md"])
    page = "stations/dongshan/worklog/dongshan-worklog-1/index.html"
    assert page in written
    assert "第二次补充" in (publisher.current / page).read_text(encoding="utf-8")


def publisher_env(content: Path, cache: Path) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "CITY_CONTENT": str(content),
        "CITY_CACHE": str(cache),
        "CITY_TODAY": citykit.TODAY,
        "SOURCE_DATE_EPOCH": "1764057600",
    }


def test_a_second_publisher_on_the_same_root_stops_and_says_why(tmp_path: Path) -> None:
    """An operator starts ``invoke publisher`` by hand while the service runs: two publishers would build into
    the same folders and switch the site between them. The second stops at once and names the first."""
    import os
    import subprocess
    import sys

    from publisher import PublisherBusy

    root = tmp_path / "site"
    root.mkdir()
    first = Publisher(root, dict)
    first.hold_root()
    with pytest.raises(PublisherBusy, match=rf"process {os.getpid()}\b"):
        Publisher(root, dict).hold_root()
    content = citykit.make_city(tmp_path / "city")
    command = [sys.executable, "-m", "invoke", "publisher", "--root", str(root), "--no-relay", "--once"]
    env = publisher_env(content, tmp_path / "cache")
    result = subprocess.run(command, cwd=citykit.ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"another publisher (process {os.getpid()}) is publishing into {root}" in result.stderr
    assert sorted(p.name for p in root.iterdir()) == [".publisher.lock"]  # it built nothing
    first.release_root()  # the first one ends
    result = subprocess.run(command, cwd=citykit.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (root / "current" / "index.html").exists()


def test_what_a_stopped_publisher_left_in_its_root_goes_at_the_next_start(tmp_path: Path) -> None:
    """Killed while it copied a folder (``replace_folder``'s ``.site-b-new``, 1.2 GB at 20,000 posts), swapped one
    or switched the symlink: nothing else would ever remove those."""
    root = tmp_path / "site"
    for leftover in (".site-b-new", ".site-a-old"):
        (root / leftover / "stations").mkdir(parents=True)
        (root / leftover / "stations" / "index.html").write_text("<html>", encoding="utf-8")
    (root / "site-a").mkdir()
    (root / "current").symlink_to("site-a")
    (root / ".current.4242.tmp").symlink_to("site-b")
    # Killed between an atomic write and its rename: in a served folder, and in a build cache.
    (root / "site-a" / "stations" / "dongshan").mkdir(parents=True)
    (root / "site-a" / "stations" / "dongshan" / "index.html").write_text("<html>", encoding="utf-8")
    (root / "site-a" / "stations" / "dongshan" / ".tmp-k2j4h1.html").write_text("<ht", encoding="utf-8")
    (root / "cache-a" / "search").mkdir(parents=True)
    (root / "cache-a" / "search" / ".tmp-9x8c7v.pickle").write_bytes(b"\x80")
    (root / ".publisher.lock").write_text("4242\n", encoding="ascii")  # its process never let go of the root
    publisher = Publisher(root, dict)
    publisher.hold_root()
    publisher.release_root()
    assert (root / ".publisher.lock").read_text(encoding="ascii") == ""  # let go: the next start looks for nothing
    assert sorted(p.name for p in root.iterdir()) == [".publisher.lock", "cache-a", "current", "site-a"]
    assert [p.name for p in (root / "site-a" / "stations" / "dongshan").iterdir()] == ["index.html"]
    assert list((root / "cache-a" / "search").iterdir()) == []


def test_a_batch_of_many_edited_posts_waits_for_the_full_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A merge or a checkout that edits many posts: the fast path, which renders one page after another while
    the switch waits for it, leaves them to the full build (its workers render them side by side)."""
    from publisher import live

    monkeypatch.setattr(live, "FAST_PATH_MOST", 2)
    publisher, content = warm_publisher(tmp_path)
    posts = sorted((content / "posts").rglob("*.md"))[:3]
    for post in posts:
        post.write_text(post.read_text(encoding="utf-8") + "\n统一补充的说明。\n", encoding="utf-8")
    batch = [f"content:{post.relative_to(content).as_posix()}" for post in posts]
    assert publisher.hot(batch) == []
    assert publisher.hot(batch[:2])  # up to the limit, the fast way
    assert publisher.publish(batch) is not None
    for post in posts:
        slug = post.stem
        page = next(publisher.current.glob(f"stations/*/*/{slug}/index.html"))
        assert "统一补充的说明" in page.read_text(encoding="utf-8")


@contextmanager
def file_size_limit(size: int) -> Iterator[None]:
    """Writing past ``size`` bytes fails (EFBIG) in this process and those it starts, as on a full disk."""
    import resource
    import signal

    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, before[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, before)
        signal.signal(signal.SIGXFSZ, handler)


def test_after_a_build_that_failed_the_fast_path_waits_for_one_that_went_live(tmp_path: Path) -> None:
    """A build reads a new post, then fails while writing (the disk full): the site stays as it was, and the
    fast path must not write lists from that build's city, which would link to the new post's page, missing
    from the served folder. Once a build goes live, the fast path follows it again."""
    publisher, content = warm_publisher(tmp_path)
    live = publisher.live_folder()
    citykit.add_post(content, "dongshan", "worklog", "dongshan-after-the-failure", "2026-11-23 09:00", title="新的一篇")
    # Pages fit; the search step's files (Pagefind's scripts are over 48 KB) do not.
    with file_size_limit(48 * 1024), pytest.raises((OSError, RuntimeError)):
        publisher.publish(["content:posts/dongshan/worklog/dongshan-after-the-failure.md"])
    assert publisher.live_folder() == live
    assert publisher.snapshot is None
    post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n失败之后的补充。\n", encoding="utf-8")
    assert publisher.hot(["content:posts/dongshan/worklog/dongshan-worklog-1.md"]) == []
    assert "dongshan-after-the-failure" not in (publisher.current / "stations/dongshan/index.html").read_text("utf-8")
    assert publisher.publish(["content: the disk has room again"]) is not None
    assert (publisher.current / "stations/dongshan/worklog/dongshan-after-the-failure/index.html").exists()
    post.write_text(post.read_text(encoding="utf-8") + "\n再次补充。\n", encoding="utf-8")
    assert publisher.hot(["content:posts/dongshan/worklog/dongshan-worklog-1.md"])


def test_a_fast_path_cut_short_makes_the_next_build_into_its_folder_a_clean_one(tmp_path: Path) -> None:
    """The publisher stops in the middle of the fast path's writes: which files it wrote is not known, so the
    next build into that folder starts from scratch (and equals a clean build)."""
    from test_incremental import assert_same_tree

    from publisher.live import FastJournal

    publisher, content = warm_publisher(tmp_path)
    live = publisher.live_folder()
    assert live is not None
    post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n写到一半。\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), FastJournal(publisher.cache_of(live)).writing():
        (live / "stations" / "dongshan" / "index.html").write_text("<html>写到一半", encoding="utf-8")
        raise KeyboardInterrupt  # the publisher stopped here
    restarted = Publisher(publisher.root, publisher.settings_factory)
    assert restarted.publish(["start"]) is not None  # into the other folder
    release = restarted.publish(["start: the second folder"])
    assert release is not None and release.folder == live
    assert restarted.snapshot is not None and restarted.snapshot.generator.settings["INCREMENTAL_TRACKER"].clean
    citykit.build(content, tmp_path / "clean")
    assert_same_tree(live, tmp_path / "clean", "a build after a fast path cut short")


def test_a_publisher_killed_at_any_moment_leaves_a_whole_site_and_comes_back_to_the_clean_build(
    tmp_path: Path,
) -> None:
    """SIGKILL at several moments after a chief's edits: in the fast path's writes, in the full build, in the
    switch, or after. The served site is whole each time. The edits are then taken back before the publisher
    starts again (as a chief reverting a commit): whatever the fast path had written into either folder must
    not outlive that, so both folders equal a clean build of the content."""
    import signal
    import subprocess
    import sys

    from test_incremental import assert_same_tree

    content = citykit.make_city(tmp_path / "city")
    root = tmp_path / "site"
    env = publisher_env(content, tmp_path / "unused-cache")
    command = [sys.executable, "-m", "invoke", "publisher", "--root", str(root), "--no-relay", "--settle", "0.1"]
    posts = sorted((content / "posts").rglob("*.md"))[:3]
    originals = {post: post.read_text(encoding="utf-8") for post in posts}
    fast_writes = 0

    def start(log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:  # the child has its own copy of the file
            process = subprocess.Popen(command, cwd=citykit.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while "publisher: watching" not in log.read_text(encoding="utf-8", errors="replace"):
            assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the publisher starts"
            time.sleep(0.05)
        return process

    for round_number, delay in enumerate((0.15, 0.3, 0.6, 1.2, 2.5)):
        log = tmp_path / f"publisher-{round_number}.log"
        process = start(log)
        for post in posts:
            post.write_text(originals[post] + f"\n第{round_number}轮的补充。\n", encoding="utf-8")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        fast_writes += "pages live first" in log.read_text(encoding="utf-8", errors="replace")
        for page in ("index.html", "stations/dongshan/index.html", "feeds/all.atom.xml"):
            assert complete(page, (root / "current" / page).read_bytes()), (round_number, page)
        for post in posts:
            post.write_text(originals[post], encoding="utf-8")  # taken back before the next start
    assert fast_writes >= 2, "the fast path had written before some of the kills"
    process = start(tmp_path / "publisher-last.log")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    clean = tmp_path / "clean"
    subprocess.run(
        [sys.executable, "-m", "invoke", "build", "--clean", "--output", str(clean)],
        cwd=citykit.ROOT,
        env={**env, "CITY_CACHE": str(tmp_path / "clean-cache")},
        check=True,
        capture_output=True,
    )
    for folder in ("site-a", "site-b"):
        assert_same_tree(root / folder, clean, f"the publisher's start after the kills ({folder})")
