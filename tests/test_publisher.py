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

    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.content = content
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
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

    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"))
    publisher.content = content
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
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
