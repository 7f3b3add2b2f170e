"""capalerts with citymodel only: one CAP alert per active warning, the feed, and ``CAP_ALERTS``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from citymodel import SettingsError

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_active_warnings_only(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel", "capalerts"], pages=False)
    assert sorted(p.name for p in (output / "alerts").iterdir()) == [
        "dongshan-warning-active.xml",
        "index.atom.xml",
        "xihu-warning-active.xml",
    ]
    alert = ET.parse(output / "alerts" / "dongshan-warning-active.xml").getroot()
    assert alert.findtext(f"{CAP}sender") == "police@yunlan-police.example"
    assert alert.findtext(f"{CAP}info/{CAP}senderName") == "云澜市公安局东山派出所"
    assert alert.findtext(f"{CAP}info/{CAP}severity") == "Moderate"  # 黄色, an advisory
    feed = ET.parse(output / "alerts" / "index.atom.xml").getroot()
    assert len(feed.findall(f"{ATOM}entry")) == 2


def test_a_valid_override_takes_effect(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel", "capalerts"], pages=False, CAP_ALERTS={"sender": "alerts@test.example"})
    alert = ET.parse(output / "alerts" / "xihu-warning-active.xml").getroot()
    assert alert.findtext(f"{CAP}sender") == "alerts@test.example"
    assert alert.findtext(f"{CAP}info/{CAP}senderName") == "云澜市公安局西湖派出所"  # the default stays


def test_an_unknown_key_stops_the_build(build_site: Callable[..., Path], tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError,
        match=r"^capalerts: unknown key 'sendername' in CAP_ALERTS; did you mean 'sender_name'\? Known keys: sender, sender_name$",
    ):
        build_site(["citymodel", "capalerts"], pages=False, CAP_ALERTS={"sendername": "云澜"})
    assert not list(tmp_path.glob("output-*"))
