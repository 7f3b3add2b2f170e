"""The shared settings check (``citymodel.options.plugin_options``) and the docs of every plugin setting."""

from __future__ import annotations

import re
from typing import Any

import pytest

import citykit
from citymodel import ContentError, SettingsError, plugin_options

DEFAULTS: dict[str, Any] = {"prefix": "zh-hant", "opencc": "s2twp", "enabled": True, "workers": 0, "base_url": None}


def check(given: Any, **extra: Any) -> dict[str, Any]:
    return plugin_options({"DEMO": given}, "DEMO", DEFAULTS, "demo", **extra)


def test_defaults_fill_what_is_not_given() -> None:
    assert check({"prefix": "hant"}) == {**DEFAULTS, "prefix": "hant"}
    assert plugin_options({}, "DEMO", DEFAULTS, "demo") == DEFAULTS


def test_unknown_key_names_plugin_setting_and_closest_key() -> None:
    with pytest.raises(SettingsError) as caught:
        check({"opencc": "s2t", "prefx": "x"})
    assert str(caught.value) == (
        "demo: unknown key 'prefx' in DEMO; did you mean 'prefix'? Known keys: base_url, enabled, opencc, prefix, workers"
    )


def test_unknown_key_without_a_close_one() -> None:
    with pytest.raises(SettingsError, match=r"^demo: unknown key 'colour' in DEMO; Known keys: "):
        check({"colour": "red"})


def test_every_problem_is_listed() -> None:
    with pytest.raises(SettingsError) as caught:
        check({"enable": True, "workers": "4"})
    assert str(caught.value).splitlines() == [
        "demo: unknown key 'enable' in DEMO; did you mean 'enabled'? Known keys: base_url, enabled, opencc, prefix, workers",
        "demo: DEMO['workers'] must be int like 0, not str '4'",
    ]


@pytest.mark.parametrize(
    ("key", "value"), [("enabled", "no"), ("enabled", 0), ("workers", True), ("workers", 2.0), ("prefix", None)]
)
def test_values_have_the_type_of_their_default(key: str, value: Any) -> None:
    with pytest.raises(SettingsError, match=rf"^demo: DEMO\['{key}'\] must be "):
        check({key: value})


def test_a_none_default_takes_anything() -> None:
    assert check({"base_url": "https://example.test"})["base_url"] == "https://example.test"


def test_the_setting_must_be_a_dict() -> None:
    with pytest.raises(SettingsError, match=r"^demo: DEMO must be a dict, not list$"):
        check(["prefix"])


def test_required_keys() -> None:
    with pytest.raises(SettingsError, match=r"^demo: DEMO needs the key 'name'$"):
        check({}, required=["name"])
    assert check({"name": "云澜市"}, required=["name"])["name"] == "云澜市"


def test_a_settings_error_stops_a_build_like_a_content_error() -> None:
    # invoke build and the publisher print a ContentError and exit 1, without a traceback.
    assert issubclass(SettingsError, ContentError)
    assert SettingsError("x").exitcode == 1


def plugin_settings() -> dict[str, dict[str, Any]]:
    from capalerts.alerts import DEFAULTS as CAP_ALERTS
    from hantedition.edition import DEFAULTS as HANT_EDITION
    from incremental.settings import DEFAULTS as INCREMENTAL
    from publicanswers.export import DEFAULTS as PUBLIC_ANSWERS
    from sitesearch.search import DEFAULTS as SITESEARCH

    from sitemapxml.sitemap import DEFAULTS as SITEMAPXML

    return {
        "CAP_ALERTS": CAP_ALERTS,
        "HANT_EDITION": HANT_EDITION,
        "INCREMENTAL": INCREMENTAL,
        "PUBLIC_ANSWERS": PUBLIC_ANSWERS,
        "SITEMAPXML": SITEMAPXML,
        "SITESEARCH": SITESEARCH,
    }


def test_every_plugin_setting_key_is_documented() -> None:
    doc = (citykit.ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, defaults in plugin_settings().items():
        row = re.search(rf"^\| `{name}` \|.*$", doc, re.MULTILINE)
        assert row, name
        for key in defaults:
            assert f'"{key}"' in row.group(0), f"{name}[{key!r}]"
    assert "unknown key" in doc
