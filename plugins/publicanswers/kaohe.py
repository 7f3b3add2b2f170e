"""The 考核 pages: per station, per chief and city-wide, for every week, month, quarter and year.

Figures of items come from the relay's export (schema 2, definitions in
docs/kaohe.md); posting duty from citymodel.duties, the one definition that
``invoke duties`` reads too; 所长星级 from the export's dated star ratings and
the stations' chief tenure. The index leads with the last complete month; the
period in progress is labelled 进行中.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pelican.generators import Generator

from citymodel import City, Station
from citymodel.duties import DUTY_MODULES, PostingDuty
from citymodel.periods import PERIOD_KINDS, PERIOD_NAMES, is_complete, keys_of, last_complete, period_range
from citymodel.tenure import ChiefTerm

from . import opendata
from .charts import chart
from .export import options
from .ranking import COMPONENT_NAMES, components, rank
from .stars import StarIndex, star_ratings

CITY = "_city"


def empty_figures() -> dict[str, Any]:
    """A period in which the export counted nothing for a station."""
    return {
        "complete": True, "received": 0, "received_by_kind": {}, "received_by_channel": {},
        "first_reply": {"due": 0, "on_time": 0, "rate": None},
        "first_reply_hours": {"count": 0, "median": None, "p90": None},
        "closure": {"due": 0, "closed": 0, "rate": None, "closed_on_time": 0},
        "satisfaction": {"count": 0, "satisfied": 0, "rate": None, "mean": None},
        "callbacks": {"due": 0, "on_time": 0, "rate": None, "corrected": 0},
        "escalations": {"opened": 0, "met": 0, "overdue": 0},
        "hazards": {"due": 0, "acknowledged_on_time": 0, "rate": None, "closed": 0},
    }  # fmt: skip


def overlaps(term: ChiefTerm, first: dt.date, last: dt.date) -> bool:
    return term.since <= last and (term.until is None or term.until >= first)


class KaoheTables:
    """The rows of every 考核 table, computed from the export, the content and the build's 'today'."""

    def __init__(self, city: City, data: dict[str, Any], settings: dict[str, Any]) -> None:
        chosen = options(settings)
        self.city = city
        self.figures: dict[str, Any] = data["figures"]
        # per station and chief, when the relay knew the chiefs' terms (relay export reads api/stations.json)
        self.by_chief: dict[str, Any] = data.get("figures_by_chief", {})
        self.ratings = StarIndex(star_ratings(data))
        self.weights: dict[str, float] = chosen["ranking_weights"]
        self.min_ranked = int(chosen["min_ranked_items"])
        self.duty = PostingDuty(city)
        self.today = city.now().date()
        exported = dt.datetime.fromisoformat(str(data["generated_at"]).replace("Z", "+00:00"))
        self.exported_at = city.local_time(exported)

    def stations(self) -> list[Station]:
        return self.duty.stations()

    def periods(self) -> dict[str, list[str]]:
        """Every period with figures or duty, oldest first, up to the one holding today."""
        found: dict[str, set[str]] = {
            kind: {keys_of(self.today)[kind], last_complete(kind, self.today)} for kind in PERIOD_KINDS
        }
        for kind, entries in self.figures.get(CITY, {}).items():
            found.setdefault(kind, set()).update(entries)
        day = self.duty.anchor
        while day <= self.today:
            for kind, key in keys_of(day).items():
                found[kind].add(key)
            day += dt.timedelta(days=7)
        return {kind: sorted(k for k in found[kind] if period_range(kind, k)[0] <= self.today) for kind in PERIOD_KINDS}

    def period(self, kind: str, key: str) -> dict[str, Any]:
        first, last = period_range(kind, key)
        complete = is_complete(kind, key, self.today)
        # An export taken before the period ended holds only part of it, whatever the build's date.
        partial_export = complete and not self.figures.get(CITY, {}).get(kind, {}).get(key, {}).get("complete", True)
        return {
            "kind": kind, "key": key, "name": PERIOD_NAMES[kind], "first": first, "last": last,
            # A finished period's numbers run to its last day, so its pages do not change with the build's date.
            "complete": complete, "as_of": last if complete else self.today, "through": last if complete else self.today,
            "partial_export": partial_export, "exported_at": self.exported_at,
        }  # fmt: skip

    def station_figures(self, owner: str, kind: str, key: str) -> dict[str, Any]:
        return {**empty_figures(), **self.figures.get(owner, {}).get(kind, {}).get(key, {})}

    def station_rows(self, period: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """One row per station (district, then slug), ranked; and the city row."""
        first, through = period["first"], period["through"]
        rows = []
        for station in self.stations():
            figures = self.station_figures(station.slug, period["kind"], period["key"])
            duty = {m: self.duty.tally(station.slug, m, first, period["last"], self.today) for m in DUTY_MODULES}
            stars = self.ratings.between(station.slug, first, through)
            rows.append({
                "station": station, "figures": figures, "duty": duty, "stars": stars,
                "chiefs": [t for t in station.chiefs if overlaps(t, first, through)],
                "score": components(figures, duty, stars, self.weights),
            })  # fmt: skip
        rank(rows, self.min_ranked)
        city_stars = self.ratings.everywhere(first, through)
        city_row = {
            "station": None, "figures": self.station_figures(CITY, period["kind"], period["key"]),
            "duty": None, "stars": city_stars, "chiefs": [], "score": None,
        }  # fmt: skip
        return rows, city_row

    def chief_rows(self, period: dict[str, Any]) -> list[dict[str, Any]]:
        """One row per chief in post during the period; item figures only for a chief in post all of it."""
        first, last, through = period["first"], period["last"], period["through"]
        rows = []
        for station in self.stations():
            figures = self.station_figures(station.slug, period["kind"], period["key"])
            for term in station.chiefs:
                if not overlaps(term, first, through):
                    continue
                start, end = max(term.since, first), min(term.until or through, through)
                whole = term.since <= first and (term.until is None or term.until >= last)
                split = self.by_chief.get(station.slug, {}).get(term.key, {}).get(period["kind"], {})
                known = station.slug in self.by_chief  # the export split this station's figures by chief
                own = {**empty_figures(), **split.get(period["key"], {})} if known else None
                rows.append({
                    "station": station, "chief": term, "from": start, "until": end, "whole": whole,
                    "figures": own if known else figures if whole else None,
                    "duty": {m: self.duty.tally(station.slug, m, first, last, self.today, chief=term) for m in DUTY_MODULES},
                    "stars": self.ratings.between(station.slug, start, end),
                })  # fmt: skip
        return rows


class KaoheGenerator(Generator):
    """Writes ``kaohe/`` (pages, CSV, JSON, the data dictionary) and ``hazards/``."""

    def generate_context(self) -> None:
        self.data = self.settings.get("PUBLIC_EXPORT")
        self.city = self.settings["CITY_MODEL"]
        self.context["KAOHE_ENABLED"] = bool(self.data)

    def generate_output(self, writer: Any) -> None:
        articles = self.context.get("articles", [])
        hazards = [a for a in articles if getattr(a, "module", "") == "hazard"]
        writer.write_file(
            "hazards/index.html", self.get_template("hazards"), self.context, url="hazards/",
            hazards=hazards, page_name="hazards",
        )  # fmt: skip
        if not self.data:
            return
        tables = KaoheTables(self.city, self.data, self.settings)
        periods = tables.periods()
        common: dict[str, Any] = {
            "periods": periods, "period_names": PERIOD_NAMES, "min_ranked": tables.min_ranked,
            "weights": tables.weights, "component_names": COMPONENT_NAMES,
            "current": {kind: keys_of(tables.today)[kind] for kind in PERIOD_KINDS},
            "last_complete": {kind: last_complete(kind, tables.today) for kind in PERIOD_KINDS},
        }  # fmt: skip
        for kind, keys in periods.items():
            for key in keys:
                self.write_period(writer, tables, tables.period(kind, key), common)
        lead = tables.period("month", common["last_complete"]["month"])
        rows, city_row = tables.station_rows(lead)
        writer.write_file(
            "kaohe/index.html", self.get_template("kaohe_index"), self.context, url="kaohe/", page_name="kaohe",
            period=lead, rows=rows, city_row=city_row, ranked=ranked(rows), chart=chart(rows, "chart-lead"), **common,
        )  # fmt: skip
        writer.write_file(
            "kaohe/data/index.html", self.get_template("kaohe_data"), self.context, url="kaohe/data/",
            page_name="kaohe/data", station_columns=opendata.STATION_COLUMNS, chief_columns=opendata.CHIEF_COLUMNS,
            **common,
        )  # fmt: skip

    def write_period(self, writer: Any, tables: KaoheTables, period: dict[str, Any], common: dict[str, Any]) -> None:
        from incremental import write_output

        rows, city_row = tables.station_rows(period)
        chief_rows = tables.chief_rows(period)
        base = f"kaohe/{period['kind']}/{period['key']}/"
        writer.write_file(
            f"{base}index.html", self.get_template("kaohe"), self.context, url=base, page_name=base.rstrip("/"),
            period=period, rows=rows, city_row=city_row, ranked=ranked(rows), chief_rows=chief_rows,
            chart=chart(rows, "chart-period"), **common,
        )  # fmt: skip
        write_output(self.settings, f"{base}table.csv", opendata.csv_bytes(opendata.STATION_COLUMNS, [*rows, city_row]))
        write_output(self.settings, f"{base}chiefs.csv", opendata.csv_bytes(opendata.CHIEF_COLUMNS, chief_rows))
        document = {
            "period": {
                "kind": period["kind"], "key": period["key"], "first_day": period["first"].isoformat(),
                "last_day": period["last"].isoformat(), "complete": period["complete"], "as_of": period["as_of"].isoformat(),
                "export_complete": not period["partial_export"],
            },
            "export_generated_at": self.data["generated_at"],
            "ranking": {"weights": tables.weights, "min_ranked_items": tables.min_ranked},
            "stations": opendata.records(opendata.STATION_COLUMNS, rows),
            "city": opendata.records(opendata.STATION_COLUMNS, [city_row])[0],
            "chiefs": opendata.records(opendata.CHIEF_COLUMNS, chief_rows),
        }  # fmt: skip
        write_output(self.settings, f"{base}table.json", opendata.json_bytes(document))


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ranked rows, best first (stations of equal rank in table order)."""
    return sorted((r for r in rows if r["rank"]), key=lambda r: (r["rank"], rows.index(r)))
