"""precompress: a .gz and a .br beside each text file, equal to the file once decompressed, reproducible."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest

from citymodel import SettingsError


def test_each_page_has_gzip_and_brotli_copies(build_site: Callable[..., Path], tmp_path: Path) -> None:
    output = build_site(["precompress", "incremental"], INCREMENTAL={"cache": str(tmp_path / "cache")})
    pages = [p for p in output.rglob("*.html") if p.stat().st_size >= 512]
    assert pages
    for page in pages:
        assert gzip.decompress(Path(f"{page}.gz").read_bytes()) == page.read_bytes()
        assert brotli.decompress(Path(f"{page}.br").read_bytes()) == page.read_bytes()
    stylesheet = next(output.rglob("site.css"))
    assert Path(f"{stylesheet}.gz").exists() and Path(f"{stylesheet}.br").exists()
    assert not list(output.rglob("*.png.gz")) and not list(output.rglob("*.gz.gz"))


def test_two_builds_write_the_same_bytes(build_site: Callable[..., Path]) -> None:
    first = build_site(["precompress"])
    second = build_site(["precompress"])
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*.gz")) + sorted(
        p.relative_to(first).as_posix() for p in first.rglob("*.br")
    )
    assert names
    assert all((first / name).read_bytes() == (second / name).read_bytes() for name in names)


def test_gzip_alone(build_site: Callable[..., Path]) -> None:
    output = build_site(["precompress"], PRECOMPRESS={"formats": ["gz"]})
    assert list(output.rglob("*.html.gz")) and not list(output.rglob("*.br"))


def test_an_unknown_format_stops_the_build(build_site: Callable[..., Path]) -> None:
    with pytest.raises(SettingsError, match="precompress"):
        build_site(["precompress"], PRECOMPRESS={"formats": ["zstd"]})
