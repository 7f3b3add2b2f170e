"""The publisher's own metrics, read over HTTP as Prometheus reads them, and the alerts that use them."""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import citykit
from publisher import Publisher

ALERTS = citykit.ROOT / "deploy" / "prometheus" / "yunlan-alerts.yml"


@pytest.fixture(autouse=True)
def pinned_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764057600")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(address: str) -> dict[str, float]:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def wait_until(
    address: str, holds: Callable[[dict[str, float]], bool], what: str, timeout: float = 90
) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            values = scrape(address)
        except OSError:  # not answering yet: the publisher is starting
            values = {}
        if values and holds(values):
            return values
        assert time.monotonic() < deadline, f"{what}: {values}"
        time.sleep(0.1)


def test_content_errors_and_waiting_changes_show_until_a_build_goes_live(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path / "city")
    address = f"127.0.0.1:{free_port()}"
    publisher = Publisher(
        tmp_path / "site",
        lambda: citykit.settings_for(content, tmp_path / "unused"),
        settle=0.1,
        metrics_address=address,
    )
    runner = threading.Thread(target=publisher.run, args=(content,), daemon=True)
    runner.start()
    try:
        started = wait_until(address, lambda v: v.get('publisher_releases_total{path="full"}') == 2, "start-up builds")
        assert started["publisher_content_problems"] == 0
        assert started["publisher_oldest_change_waiting_seconds"] == 0
        assert started["publisher_last_release_timestamp_seconds"] > time.time() - 120
        # An edit of an existing post: online at once through the fast path, then the full build.
        post = content / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md"
        post.write_text(post.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
        wait_until(
            address,
            lambda v: (
                v['publisher_releases_total{path="fast"}'] >= 1 and v['publisher_releases_total{path="full"}'] >= 3
            ),
            "the edit",
        )
        # A file the checks refuse: every full build stops, and the changes wait.
        broken = citykit.add_post(content, "nowhere", "worklog", "broken-post", "2026-11-22 09:00")
        citykit.add_warning(
            content, "xihu", "xihu-new-warning", "2026-11-24 09:00", "2026-11-24 09:00", "2027-06-01 00:00", "新预警"
        )
        failing = wait_until(address, lambda v: v["publisher_content_problems"] > 0, "the content error", timeout=60)
        assert failing['publisher_build_failures_total{reason="content"}'] >= 1
        time.sleep(1.2)
        assert scrape(address)["publisher_oldest_change_waiting_seconds"] >= 1  # and growing
        # Fixed: the next build goes live and holds every change that waited.
        broken.unlink()
        fixed = wait_until(address, lambda v: v["publisher_content_problems"] == 0, "the fix")
        assert fixed["publisher_oldest_change_waiting_seconds"] == 0
        assert (publisher.current / "stations" / "xihu" / "warning" / "xihu-new-warning" / "index.html").exists()
    finally:
        publisher.stop()
        runner.join(timeout=30)
    with pytest.raises(OSError):  # the metrics server stopped with the publisher
        scrape(address)


def test_the_publisher_alerts_read_metrics_the_publisher_exports() -> None:
    from publisher.metrics import PublisherMetrics

    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    [group] = [group for group in rules["groups"] if group["name"] == "yunlan-publisher"]
    used = {name for rule in group["rules"] for name in re.findall(r"\b(publisher_[a-z_]+)", rule["expr"])}
    assert {"publisher_content_problems", "publisher_oldest_change_waiting_seconds"} <= used
    from prometheus_client import generate_latest

    exported = generate_latest(PublisherMetrics().registry).decode()
    for name in used:
        assert re.search(rf"^{name}(\{{|\s)", exported, re.MULTILINE), f"{name} is not exported"
    assert any('job="yunlan-publisher"' in rule["expr"] for rule in group["rules"])
    unit = (citykit.ROOT / "deploy" / "systemd" / "yunlan-publisher.service").read_text(encoding="utf-8")
    assert "--metrics 127.0.0.1:9102" in unit
