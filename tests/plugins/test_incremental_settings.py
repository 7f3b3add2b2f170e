"""incremental's setting, ``INCREMENTAL`` (tests/test_incremental.py holds the differential test of its builds)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from incremental.settings import DEFAULTS, options

from citymodel import SettingsError


def test_defaults_fill_what_is_not_given() -> None:
    assert options({"INCREMENTAL": {"clean": True}}) == {**DEFAULTS, "clean": True}
    assert options({})["workers"] == 0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"cleen": True},
            r"^incremental: unknown key 'cleen' in INCREMENTAL; did you mean 'clean'\? Known keys: cache, clean, enabled, save_reader_cache_later, workers$",
        ),
        ({"workers": True}, r"^incremental: INCREMENTAL\['workers'\] must be int like 0, not bool True$"),
        ({"cache": Path("cache")}, r"^incremental: INCREMENTAL\['cache'\] must be str"),
    ],
)
def test_a_wrong_setting_is_named(setting: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        options({"INCREMENTAL": setting})


def test_the_build_record_goes_to_the_cache_folder(build_site: Callable[..., Path], tmp_path: Path) -> None:
    output = build_site(["citymodel", "incremental"], pages=False, INCREMENTAL={"cache": str(tmp_path / "record")})
    assert (output / "api" / "stations.json").is_file()
    assert (tmp_path / "record" / "incremental.pickle").is_file()


def test_disabled_keeps_no_record(build_site: Callable[..., Path], tmp_path: Path) -> None:
    output = build_site(
        ["citymodel", "incremental"], pages=False, INCREMENTAL={"enabled": False, "cache": str(tmp_path / "record")}
    )
    assert (output / "api" / "stations.json").is_file()
    assert not (tmp_path / "record").exists()


def test_an_unknown_key_stops_the_build_before_the_record_is_opened(
    build_site: Callable[..., Path], tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=r"^incremental: unknown key 'cach' in INCREMENTAL; did you mean 'cache'\?"):
        build_site(["citymodel", "incremental"], pages=False, INCREMENTAL={"cach": str(tmp_path / "record")})
    assert not list(tmp_path.glob("output-*"))


def test_taxonomy_pages_the_site_does_not_write_are_skipped_and_the_others_written(
    build_site: Callable[..., Path], tmp_path: Path
) -> None:
    """Pelican lists an author's articles before it learns that AUTHOR_SAVE_AS is empty (a list scan per
    article); the plugin drops such taxonomies first, and only those: a site that writes author pages gets them."""
    import types

    from pelican import signals

    seen: list[object] = []
    look = types.ModuleType("look_at_authors")  # a plugin of its own: a build connects only its plugins
    look.register = lambda: signals.article_writer_finalized.connect(  # type: ignore[attr-defined]
        lambda generator, writer: seen.append(list(generator.authors)), weak=False
    )
    quiet = build_site(["incremental", look], INCREMENTAL={"cache": str(tmp_path / "one")})
    written = build_site(
        ["incremental", look], INCREMENTAL={"cache": str(tmp_path / "two")}, AUTHOR_SAVE_AS="authors/{slug}.html"
    )
    assert seen[0] == [] and seen[1], "the unwritten authors are dropped before the pages, the written ones kept"
    assert not (quiet / "authors").exists()
    assert len(list((written / "authors").glob("*.html"))) == len(seen[1])
