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
            r"^incremental: unknown key 'cleen' in INCREMENTAL; did you mean 'clean'\? Known keys: cache, clean, enabled, workers$",
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
