"""Fill in the ``@NAME@`` values of ``deploy/nginx/`` from an environment file and write the result.

    python deploy/render.py deploy/nginx.env /etc/nginx/yunlan

writes ``yunlan.conf``, ``tls.conf``, ``site-headers.conf`` and ``_errors/`` into the
target folder; link ``yunlan.conf`` from ``/etc/nginx/sites-enabled/``. Every
value is documented in ``docs/deploy.md``; a missing or unknown one is an error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "nginx"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
DEFAULTS = {
    "HTTP_LISTEN": "80",
    "HTTPS_LISTEN": "443",
    "RELAY_UPSTREAMS": "127.0.0.1:8001",
    "MONITORING_ADDRESS": "127.0.0.1",
    "CLIENT_HEADER_TIMEOUT": "10s",
    "CLIENT_BODY_TIMEOUT": "20s",
    "SEND_TIMEOUT": "20s",
    "FORM_RATE": "20r/m",
    "FORM_BURST": "10",
    "TRACK_RATE": "60r/m",
    "TRACK_BURST": "30",
    "LOGIN_RATE": "10r/m",
    "LOGIN_BURST": "5",
}


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise SystemExit(f"{path}:{number}: expected NAME=value")
        values[name.strip()] = value.strip().strip('"')
    return values


def upstream_lines(addresses: str) -> str:
    return "\n".join(
        f"    server {address.strip()} max_fails=3 fail_timeout=10s;"
        for address in addresses.split(",")
        if address.strip()
    )


def render(values: dict[str, str], target: Path) -> list[Path]:
    """Write every file of ``deploy/nginx/`` into ``target`` with its values filled in; return the files written."""
    merged = {**DEFAULTS, **values, "NGINX_DIR": str(target)}
    merged["RELAY_UPSTREAMS"] = upstream_lines(merged["RELAY_UPSTREAMS"])
    written = []
    for source in sorted(TEMPLATES.rglob("*")):
        if not source.is_file():
            continue
        text = source.read_text(encoding="utf-8")
        missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in merged})
        if missing:
            raise SystemExit(f"deploy/render.py: no value for {', '.join(missing)} (used in {source.name})")
        output = target / source.relative_to(TEMPLATES)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(PLACEHOLDER.sub(lambda match: merged[match.group(1)], text), encoding="utf-8")
        written.append(output)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    for path in render(read_env_file(Path(argv[0])), Path(argv[1]).resolve()):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
