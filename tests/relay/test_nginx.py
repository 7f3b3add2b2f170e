"""The shipped nginx configuration (deploy/nginx/), rendered into a temporary folder, with the built site and a real relay.

Needs Debian's nginx and libnginx-mod-http-brotli-static (``.ci/run`` installs them).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from servers import free_port, relay_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from render import render  # noqa: E402

SITE, RELAY = "site.test", "relay.test"
RELAY_CLIENT_LIMIT = 4
NGINX_CONF = """
user root;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
load_module {brotli_static};
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {conf}/yunlan.conf;
}}
"""


BROTLI_STATIC = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None or not BROTLI_STATIC.exists():
        message = "nginx is not installed (apt-get install nginx libnginx-mod-http-brotli-static)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={SITE}",
         "-addext", f"subjectAltName=DNS:{SITE},DNS:{RELAY}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not open its port")


@dataclass
class Deployment:
    https: str
    http_port: int
    site_root: Path

    def client(self, host: str, local_address: str = "127.0.0.1") -> httpx.Client:
        transport = httpx.HTTPTransport(verify=False, local_address=local_address)
        return httpx.Client(base_url=self.https, headers={"Host": host}, transport=transport, timeout=10)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, stations_json: Path) -> Iterator[Deployment]:
    """nginx and one relay, shared by this module's tests (only the submission test uses up the relay's limit)."""
    nginx = nginx_binary()
    tmp_path = tmp_path_factory.mktemp("deployment")
    site_root = stations_json.parent.parent  # the little city, built with plugins/precompress
    cert, key = self_signed_certificate(tmp_path)
    http_port, https_port = free_port(), free_port()
    env = {
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "nginx-test-secret",
        "RELAY_RATE_LIMIT_CLIENT": f"{RELAY_CLIENT_LIMIT}/hour",
        "RELAY_TRUSTED_PROXIES": "127.0.0.1",
        "RELAY_SITE_URL": f"https://{SITE}",
        "RELAY_PUBLIC_URL": f"https://{RELAY}",
    }
    with relay_server(env, tmp_path / "relay.log") as (relay_url, _process):
        conf = tmp_path / "nginx"
        render(
            {
                "SITE_HOST": SITE,
                "RELAY_HOST": RELAY,
                "SITE_ROOT": str(site_root),
                "SITE_CERT": str(cert),
                "SITE_KEY": str(key),
                "RELAY_CERT": str(cert),
                "RELAY_KEY": str(key),
                "HTTP_LISTEN": f"127.0.0.1:{http_port}",
                "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
                "RELAY_UPSTREAMS": relay_url.removeprefix("http://"),
                "MONITORING_ADDRESS": "192.0.2.10",
                "CLIENT_HEADER_TIMEOUT": "2s",
            },
            conf,
        )
        main = tmp_path / "nginx.conf"
        main.write_text(NGINX_CONF.format(tmp=tmp_path, conf=conf, brotli_static=BROTLI_STATIC), encoding="utf-8")
        checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        log = tmp_path / "nginx.out"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [nginx, "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(https_port, process, log)
            yield Deployment(f"https://127.0.0.1:{https_port}", http_port, site_root)
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_pages_come_precompressed_with_cache_and_security_headers(deployment: Deployment) -> None:
    with deployment.client(SITE) as site:
        for encoding in ("gzip", "br"):
            page = site.get("/", headers={"Accept-Encoding": encoding})
            assert page.status_code == 200
            assert page.headers["content-encoding"] == encoding
            assert '<html lang="zh-CN">' in page.text
            assert page.headers["cache-control"] == "public, max-age=60"
            assert page.headers["strict-transport-security"].startswith("max-age=")
            assert "default-src 'self'" in page.headers["content-security-policy"]
            assert f"form-action 'self' https://{RELAY}" in page.headers["content-security-policy"]
        plain = site.get("/", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == page.text
        stylesheet = site.get("/theme/css/site.css", headers={"Accept-Encoding": "br"})
        assert stylesheet.headers["content-encoding"] == "br"
        assert stylesheet.headers["cache-control"] == "public, max-age=3600"
    with httpx.Client() as plain_http:
        redirect = plain_http.get(f"http://127.0.0.1:{deployment.http_port}/stations/", headers={"Host": SITE})
        assert redirect.status_code == 301
        assert redirect.headers["location"] == f"https://{SITE}/stations/"


def test_search_lists_are_revalidated_and_hashed_index_files_kept_a_year(deployment: Deployment) -> None:
    """The lists a search starts from change with every publish and name the hashed files of that build. Kept a
    minute, a browser would miss an answer the publisher's fast path just made searchable (``hot.json``), and
    after a folder switch ask for index files the new folder no longer has (``pagefind-entry.json``)."""
    site_root = deployment.site_root
    entry = next((site_root / "pagefind").glob("s*/pagefind-entry.json")).relative_to(site_root).as_posix()
    index = next((site_root / "pagefind").rglob("*.pf_index")).relative_to(site_root).as_posix()
    with deployment.client(SITE) as site:
        for name in ("pagefind/shards.json", "pagefind/hot.json", entry):
            answer = site.get(f"/{name}")
            assert answer.status_code == 200, name
            assert answer.headers["cache-control"] == "no-cache", name
            assert answer.headers.get("etag"), name
            again = site.get(f"/{name}", headers={"If-None-Match": answer.headers["etag"]})
            assert again.status_code == 304, name
        hashed = site.get(f"/{index}")
        assert hashed.status_code == 200
        assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_slow_header_sockets_are_closed_while_a_normal_client_is_served(deployment: Deployment) -> None:
    slow = []
    for _ in range(200):
        sock = socket.create_connection(("127.0.0.1", deployment.http_port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: site.test\r\n")
        slow.append(sock)
    with deployment.client(SITE) as site:
        started = time.monotonic()
        assert site.get("/").status_code == 200
        assert time.monotonic() - started < 1.0
    for sock in slow:
        sock.settimeout(10)
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
        sock.close()


def test_a_10_mb_body_gets_413_from_nginx(deployment: Deployment) -> None:
    with deployment.client(RELAY) as relay:
        try:
            response = relay.post("/ask", content=b"x" * (10 * 1024 * 1024))
        except httpx.WriteError:
            pytest.fail("nginx closed the connection without its 413 page")
        assert response.status_code == 413
        assert "提交的内容太大" in response.text


def test_a_submission_gets_its_receipt_and_forwarded_for_is_nginx_s(deployment: Deployment) -> None:
    question = {"station": "dongshan", "kind": "question"}
    statuses = []
    with deployment.client(RELAY) as relay:
        first = relay.post("/ask", data={**question, "text": "请问身份证丢了在哪里补办？"})
        assert first.status_code == 303
        receipt = relay.get(first.headers["location"])
        assert receipt.status_code == 200 and "受理编号" in receipt.text
        # Every later post claims another address; nginx replaces the header with the real one.
        for number in range(RELAY_CLIENT_LIMIT):
            response = relay.post(
                "/ask",
                data={**question, "text": f"第{number}个问题：请问居住证怎么办理？"},
                headers={"X-Forwarded-For": f"198.51.100.{number + 1}"},
            )
            statuses.append(response.status_code)
    assert statuses == [303] * (RELAY_CLIENT_LIMIT - 1) + [429]


def test_metrics_only_from_this_machine(deployment: Deployment) -> None:
    with deployment.client(RELAY, local_address="127.0.0.2") as outside:
        assert outside.get("/metrics").status_code == 403
        assert outside.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    with deployment.client(RELAY) as local:
        assert local.get("/metrics").status_code == 200
