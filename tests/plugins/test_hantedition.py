"""hantedition with the plugins the theme needs: the Traditional twin of every page, and ``HANT_EDITION``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from citymodel import SettingsError


def test_every_page_has_a_traditional_twin(build_site: Callable[..., Path]) -> None:
    output = build_site(["hantedition"])
    pages = [p.relative_to(output) for p in output.rglob("*.html") if not p.is_relative_to(output / "zh-hant")]
    assert pages
    for relative in pages:
        assert (output / "zh-hant" / relative).is_file(), relative
    home = (output / "zh-hant" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in home and "派出所" in home and "緊急" in home
    assert (output / "zh-hant" / "feeds" / "all.atom.xml").is_file()
    assert not (output / "zh-hant" / "theme").exists()  # shared files are not copied


def test_a_valid_override_takes_effect(build_site: Callable[..., Path]) -> None:
    output = build_site(["hantedition"], HANT_EDITION={"prefix": "hk", "opencc": "s2hk"})
    assert (output / "hk" / "index.html").is_file()
    assert not (output / "zh-hant").exists()
    assert '<html lang="zh-Hant">' in (output / "hk" / "index.html").read_text(encoding="utf-8")  # default kept


def test_an_unknown_key_stops_the_build(build_site: Callable[..., Path], tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        build_site(["hantedition"], HANT_EDITION={"opencc": "s2t", "prefx": "x"})
    assert str(caught.value) == (
        "hantedition: unknown key 'prefx' in HANT_EDITION; did you mean 'prefix'? Known keys: lang, opencc, prefix"
    )
    assert not list(tmp_path.glob("output-*"))


def test_the_build_lets_go_of_opencc_once_the_edition_is_written(build_site: Callable[..., Path]) -> None:
    """OpenCC's dictionaries take 26 MB. A build that converts in its own process (a small site, or the few pages
    of an incremental build) lets go of them when the edition is written, so that a process that builds again
    and again (the publisher) does not carry them through its later steps and between builds."""
    from hantedition import edition

    output = build_site(["hantedition"])
    assert "緊急" in (output / "zh-hant" / "index.html").read_text(encoding="utf-8")
    assert edition._WORKER[0] is None
