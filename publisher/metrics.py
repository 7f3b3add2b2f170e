"""The publisher's Prometheus metrics (``invoke publisher --metrics 127.0.0.1:9102``).

The relay's ``relay_oldest_answer_waiting_for_site_seconds`` sees answers only, and the fast path puts those
online even while every full build fails. What only the publisher knows: whether its full builds go live, and
since when a change to the content has waited for one. A content error (a file the checks refuse) holds back
every station's new posts and warnings, not only the broken file's; ``deploy/prometheus/yunlan-alerts.yml``
alerts on it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server


class PublisherMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.releases = Counter(
            "publisher_releases",
            "Changes put online, by path: a full build switched in, or pages the fast path wrote",
            ["path"],
            registry=self.registry,
        )
        self.failures = Counter(
            "publisher_build_failures",
            "Full builds that did not go live: content (the checks refused a file) or other (a full disk, the "
            "database away)",
            ["reason"],
            registry=self.registry,
        )
        for path in ("full", "fast"):
            self.releases.labels(path)
        for reason in ("content", "other"):
            self.failures.labels(reason)
        self.content_problems = Gauge(
            "publisher_content_problems",
            "Problems the last full build found in the content (0 once a build goes live)",
            registry=self.registry,
        )
        self.last_release = Gauge(
            "publisher_last_release_timestamp_seconds", "When a full build last went live", registry=self.registry
        )
        self.build_seconds = Gauge(
            "publisher_last_build_seconds", "How long the last full build that went live took", registry=self.registry
        )
        Gauge(
            "publisher_oldest_change_waiting_seconds",
            "Seconds since the oldest change no live full build holds came (0 when none waits)",
            registry=self.registry,
        ).set_function(self.oldest_waiting)
        self.lock = threading.Lock()
        self.arrivals: deque[float] = deque()  # when batches of changes came, not yet in a live full build

    def changed(self) -> None:
        """A batch of changes came (content or relay)."""
        with self.lock:
            self.arrivals.append(time.time())

    def went_live(self, begun: float, seconds: float) -> None:
        """A full build that began at ``begun`` (time.time()) went live: it holds every change that came before."""
        with self.lock:
            while self.arrivals and self.arrivals[0] <= begun:
                self.arrivals.popleft()
        self.releases.labels("full").inc()
        self.content_problems.set(0)
        self.last_release.set(begun + seconds)
        self.build_seconds.set(seconds)

    def oldest_waiting(self) -> float:
        """Seconds since the oldest change no live full build holds came; 0 when none waits."""
        with self.lock:
            oldest = self.arrivals[0] if self.arrivals else None
        return 0.0 if oldest is None else max(0.0, time.time() - oldest)

    def serve(self, address: str) -> Any:
        """Answer Prometheus on ``host:port``; returns the server (``shutdown()`` stops it)."""
        host, _, port = address.rpartition(":")
        server, _thread = start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)
        return server
