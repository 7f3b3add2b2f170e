"""CAP 1.2 documents for active warnings (``alerts/<slug>.xml``) and ``alerts/index.atom.xml``.

Station warnings are advisories: a level maps to a CAP severity no higher than
Moderate, unless the post says it relays an official warning (``Official: yes``).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from pelican import signals
from pelican.generators import Generator

from citymodel.options import plugin_options

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
BEIJING = dt.timezone(dt.timedelta(hours=8))
DEFAULTS: dict[str, Any] = {"sender": "police@yunlan-police.example", "sender_name": "云澜市公安局"}
ADVISORY = {"蓝色": "Minor", "黄色": "Moderate", "橙色": "Moderate", "红色": "Moderate"}
OFFICIAL = {"蓝色": "Minor", "黄色": "Moderate", "橙色": "Severe", "红色": "Extreme"}
URGENCY = {"蓝色": "Future", "黄色": "Expected", "橙色": "Expected", "红色": "Immediate"}


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "CAP_ALERTS", DEFAULTS, "capalerts")


def check_settings(pelican: Any) -> None:
    """A typo in CAP_ALERTS stops the build before anything is read."""
    options(pelican.settings)


def severity_of(level: str, official: bool) -> str:
    return (OFFICIAL if official else ADVISORY)[level]


def cap_time(moment: dt.datetime) -> str:
    """CAP's dateTime: local time with an explicit offset, no fractions."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
    return aware.astimezone(BEIJING).replace(microsecond=0).isoformat()


def cap_alert(article: Any, site_url: str, options: dict[str, Any], sent: dt.datetime) -> bytes:
    warning = article.warning
    station = article.station_profile
    ET.register_namespace("", CAP_NS)

    def sub(parent: ET.Element, name: str, text: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
        element.text = text
        return element

    alert = ET.Element(f"{{{CAP_NS}}}alert")
    sub(alert, "identifier", f"yunlan-police-{article.slug}")
    sub(alert, "sender", options["sender"])
    sub(alert, "sent", cap_time(sent))
    sub(alert, "status", "Actual")
    sub(alert, "msgType", "Alert")
    sub(alert, "scope", "Public")
    info = ET.SubElement(alert, f"{{{CAP_NS}}}info")
    sub(info, "language", "zh-CN")
    sub(info, "category", "Safety")
    sub(info, "event", article.metadata["title"])
    sub(info, "urgency", URGENCY[warning.level])
    sub(info, "severity", severity_of(warning.level, warning.official))
    sub(info, "certainty", "Likely")
    sub(info, "effective", cap_time(warning.effective))
    sub(info, "expires", cap_time(warning.expires))
    sub(info, "senderName", f"{options['sender_name']}{station.name}")
    sub(info, "headline", f"{warning.level}预警：{article.metadata['title']}"[:160])
    sub(info, "description", plain(article.summary))
    sub(
        info,
        "instruction",
        f"详情见 {site_url}/{article.url}。紧急情况请拨打 110（短信 12110），咨询请拨打{station.name} {station.phone}。",
    )
    sub(info, "web", f"{site_url}/{article.url}")
    sub(info, "contact", f"{station.name} {station.phone}")
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    sub(area, "areaDesc", f"{station.district}{station.name}辖区：{warning.area}")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alert, encoding="utf-8")


def plain(html: str) -> str:
    from markupsafe import Markup

    return Markup(html).striptags()


class AlertsGenerator(Generator):
    def generate_context(self) -> None:
        self.options = options(self.settings)

    def generate_output(self, writer: Any) -> None:
        from incremental import write_output

        city = self.settings["CITY_MODEL"]
        now = city.now()
        site_url = (self.settings.get("SITEURL") or self.settings.get("FEED_DOMAIN") or "").rstrip("/")
        active = [
            a for a in self.context.get("articles", []) if getattr(a, "warning", None) and a.warning.is_active(now)
        ]
        # Times come from the content (a warning is sent when it is published), never from the clock,
        # so that the same content gives the same files.
        for article in active:
            write_output(
                self.settings, f"alerts/{article.slug}.xml", cap_alert(article, site_url, self.options, article.date)
            )
        updated = max((a.date for a in active), default=now)
        write_output(self.settings, "alerts/index.atom.xml", self.feed(active, site_url, updated))

    def feed(self, active: list[Any], site_url: str, updated: dt.datetime) -> bytes:
        ET.register_namespace("", ATOM_NS)
        feed = ET.Element(f"{{{ATOM_NS}}}feed")

        def sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
            element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
            element.text = text
            return element

        sub(feed, "title", f"{self.settings['SITENAME']} · 预警提示（CAP）")
        sub(feed, "id", f"{site_url}/alerts/index.atom.xml")
        sub(feed, "updated", cap_time(updated))
        sub(feed, "link", rel="self", href=f"{site_url}/alerts/index.atom.xml")
        author = sub(feed, "author")
        sub(author, "name", self.options["sender_name"])
        for article in active:
            entry = sub(feed, "entry")
            sub(entry, "title", f"{article.warning.level}预警：{article.metadata['title']}")
            sub(entry, "id", f"{site_url}/alerts/{article.slug}.xml")
            sub(entry, "updated", cap_time(article.date))
            sub(
                entry, "link", rel="alternate", type="application/cap+xml", href=f"{site_url}/alerts/{article.slug}.xml"
            )
            sub(entry, "link", rel="related", type="text/html", href=f"{site_url}/{article.url}")
            sub(entry, "summary", plain(article.summary))
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def get_generators(pelican: Any) -> type[Generator]:
    return AlertsGenerator


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(get_generators)
