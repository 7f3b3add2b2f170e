"""The 考核 pages: figures per station and city-wide for every week, month, quarter and year."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import Any

from markupsafe import Markup
from pelican.generators import Generator

from .export import options

PERIOD_NAMES = {"week": "周", "month": "月", "quarter": "季度", "year": "年度"}
CITY = "_city"
EMPTY = {
    "received": 0, "answered": 0, "answered_within_24h": 0, "first_reply_hours_median": None,
    "first_reply_hours_p90": None, "help_requests": 0, "help_closed_within_deadline": 0,
    "satisfaction_count": 0, "satisfaction_mean": None,
}  # fmt: skip
CSV_HEADER = [
    "派出所", "受理", "已答复", "24小时内答复", "24小时内答复率", "首次答复用时中位数(小时)", "首次答复用时90分位(小时)",
    "求助", "求助按期办结", "一事一评数", "一事一评平均分", "工作记实(有/应有周)", "预警提示(有/应有双周)", "排名",
]  # fmt: skip


def period_range(kind: str, key: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period key such as 2026-W47, 2026-11, 2026-Q4, 2026."""
    if kind == "week":
        year, week = key.split("-W")
        start = dt.date.fromisocalendar(int(year), int(week), 1)
        return start, start + dt.timedelta(days=6)
    if kind == "month":
        month_year, month = (int(part) for part in key.split("-"))
        following = dt.date(month_year + month // 12, month % 12 + 1, 1)
        return dt.date(month_year, month, 1), following - dt.timedelta(days=1)
    if kind == "quarter":
        year, quarter = key.split("-Q")
        first_month = (int(quarter) - 1) * 3 + 1
        end = period_range("month", f"{year}-{first_month + 2:02d}")[1]
        return dt.date(int(year), first_month, 1), end
    return dt.date(int(key), 1, 1), dt.date(int(key), 12, 31)


def keys_of(day: dt.date) -> dict[str, str]:
    iso = day.isocalendar()
    return {
        "week": f"{iso.year}-W{iso.week:02d}",
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "year": f"{day.year}",
    }


def weeks_in(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    monday = start - dt.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        iso = monday.isocalendar()
        weeks.append((iso.year, iso.week))
        monday += dt.timedelta(days=7)
    return weeks


class KaoheGenerator(Generator):
    """Writes ``kaohe/`` (figures, charts, CSV) and ``hazards/``."""

    def generate_context(self) -> None:
        self.data = self.settings.get("PUBLIC_EXPORT")
        self.city = self.settings["CITY_MODEL"]
        self.min_ranked = int(options(self.settings)["min_ranked_items"])
        self.context["KAOHE_ENABLED"] = bool(self.data)

    def generate_output(self, writer: Any) -> None:
        articles = self.context.get("articles", [])
        hazards = [a for a in articles if getattr(a, "module", "") == "hazard"]
        writer.write_file(
            "hazards/index.html",
            self.get_template("hazards"),
            self.context,
            url="hazards/",
            hazards=hazards,
            page_name="hazards",
        )
        if not self.data:
            return
        today = self.city.now().date()
        posted = self.posting_weeks()
        periods = self.periods(today)
        latest = {kind: keys[-1] for kind, keys in periods.items() if keys}
        for kind, keys in periods.items():
            for key in keys:
                rows, city_row = self.table(kind, key, posted, today)
                base = f"kaohe/{kind}/{key}/"
                writer.write_file(
                    f"{base}index.html", self.get_template("kaohe"), self.context, url=base, page_name=base.rstrip("/"),
                    period_kind=kind, period_key=key, period_name=PERIOD_NAMES[kind], rows=rows, city_row=city_row,
                    chart=self.chart(rows), min_ranked=self.min_ranked, periods=periods,
                )  # fmt: skip
                self.write_csv(base, rows, city_row)
        month_rows, month_city = (
            self.table("month", latest["month"], posted, today) if "month" in latest else ([], None)
        )
        writer.write_file(
            "kaohe/index.html", self.get_template("kaohe_index"), self.context, url="kaohe/", page_name="kaohe",
            periods=periods, period_names=PERIOD_NAMES, latest=latest, rows=month_rows, city_row=month_city,
            chart=self.chart(month_rows), min_ranked=self.min_ranked,
        )  # fmt: skip

    def periods(self, today: dt.date) -> dict[str, list[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for kind, entries in self.data["figures"].get(CITY, {}).items():
            found[kind].update(entries)
        for post in self.city.posts.values():
            if post.module in ("worklog", "warning") and post.date.date() <= today:
                for kind, key in keys_of(post.date.date()).items():
                    found[kind].add(key)
        return {kind: sorted(k for k in found[kind] if period_range(kind, k)[0] <= today) for kind in PERIOD_NAMES}

    def posting_weeks(self) -> dict[tuple[str, str], set[tuple[int, int]]]:
        weeks: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
        for post in self.city.posts.values():
            iso = post.date.date().isocalendar()
            weeks[(post.station, post.module)].add((iso.year, iso.week))
        return weeks

    def duty(
        self,
        station: str,
        start: dt.date,
        end: dt.date,
        posted: dict[tuple[str, str], set[tuple[int, int]]],
        today: dt.date,
    ) -> tuple[int, int, int, int]:
        """(weeks with a work log, weeks, fortnights with a warning, fortnights) in the period up to today."""
        weeks = weeks_in(start, min(end, today))
        worklog = sum(1 for week in weeks if week in posted[(station, "worklog")])
        fortnights = sorted({(year, (week - 1) // 2) for year, week in weeks})
        warned = {(year, (week - 1) // 2) for year, week in posted[(station, "warning")]}
        return worklog, len(weeks), sum(1 for f in fortnights if f in warned), len(fortnights)

    def table(self, kind: str, key: str, posted: Any, today: dt.date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        figures = self.data["figures"]
        start, end = period_range(kind, key)
        rows = []
        for station in sorted(
            self.city.stations.values(), key=lambda s: (self.city.config["districts"].index(s.district), s.slug)
        ):
            values = {**EMPTY, **figures.get(station.slug, {}).get(kind, {}).get(key, {})}
            rows.append(
                {
                    "station": station,
                    "figures": values,
                    "duty": self.duty(station.slug, start, end, posted, today),
                    **rates(values),
                }
            )
        eligible = sorted(
            (r for r in rows if r["figures"]["received"] >= self.min_ranked),
            key=lambda r: (-r["on_time"], r["figures"]["first_reply_hours_median"] or 0, -r["figures"]["received"]),
        )
        for rank, row in enumerate(eligible, 1):
            row["rank"] = rank
        city_values = {**EMPTY, **figures.get(CITY, {}).get(kind, {}).get(key, {})}
        return rows, {"figures": city_values, **rates(city_values)}

    def chart(self, rows: list[dict[str, Any]]) -> Markup:
        """Horizontal bars of the 24-hour rate; every bar carries its number, so no colour is needed."""
        shown = [r for r in rows if r["figures"]["received"]]
        if not shown:
            return Markup("")
        height = 24 * len(shown) + 8
        bars = []
        for index, row in enumerate(shown):
            y = 4 + index * 24
            width = round(3.2 * row["on_time"])
            label = f"{row['on_time']:.0f}%（{row['figures']['received']} 件）"
            # A long bar carries its label inside (white on the bar), so no label runs past the chart's edge.
            inside = width > 200
            bars.append(Markup('<text x="150" y="{}" text-anchor="end">{}</text><rect x="156" y="{}" width="{}" height="16" fill="#0b2f6b"/><text x="{}" y="{}"{}>{}</text>').format(
                y + 13, row["station"].name, y, width, 152 + width if inside else 160 + width, y + 13,
                Markup(' text-anchor="end" fill="#fff"') if inside else "", label))  # fmt: skip
        return Markup(
            '<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 600 {}" width="600" height="{}" font-size="13"><title id="chart-title">各派出所 24 小时内答复率</title>{}</svg>'
        ).format(height, height, Markup("").join(bars))

    def write_csv(self, base: str, rows: list[dict[str, Any]], city_row: dict[str, Any]) -> None:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(CSV_HEADER)
        for row in [*rows, {"station": None, **city_row, "duty": None}]:
            f = row["figures"]
            duty = row["duty"]
            out.writerow([
                row["station"].name if row["station"] else "全市", f["received"], f["answered"], f["answered_within_24h"],
                f"{row['on_time']:.1f}%" if f["received"] else "", f["first_reply_hours_median"] if f["first_reply_hours_median"] is not None else "",
                f["first_reply_hours_p90"] if f["first_reply_hours_p90"] is not None else "", f["help_requests"], f["help_closed_within_deadline"],
                f["satisfaction_count"], f["satisfaction_mean"] if f["satisfaction_mean"] is not None else "",
                f"{duty[0]}/{duty[1]}" if duty else "", f"{duty[2]}/{duty[3]}" if duty else "", row.get("rank", ""),
            ])  # fmt: skip
        from incremental import write_output

        write_output(self.settings, f"{base}table.csv", buffer.getvalue().encode("utf-8-sig"))


def rates(values: dict[str, Any]) -> dict[str, float]:
    received = values["received"]
    return {"on_time": 100 * values["answered_within_24h"] / received if received else 0.0}
