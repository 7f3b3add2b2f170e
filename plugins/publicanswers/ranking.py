"""The composite 考核 ranking: a weighted score that shows the figures it came from.

Five components, each a share between 0 and 1 (docs/kaohe.md, "Ranking"):

- timeliness: first replies on time ÷ items judged (the export's ``first_reply``);
- closure: items closed ÷ items due to close (``closure``, 办结率);
- satisfaction: handling ratings of 4–5 stars ÷ ratings (``satisfaction``, 满意率);
- duty: duty periods met ÷ periods due, work log and warning together (citymodel.duties);
- stars: (mean stars − 1) ÷ 4 of the approved public ratings given in the period (所长星级).

The score is 100 × Σ weight × share ÷ Σ weight over the components that have
something to count; a component with nothing to count (no item judged, no
rating) leaves the sum, so its weight goes to the others in proportion. Only
stations with at least ``min_ranked_items`` items received are ranked. Scores
are compared as shown, to one decimal: equal scores share a rank (1, 2, 2, 4)
and the page says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COMPONENT_NAMES = {
    "timeliness": "按时首次答复率",
    "closure": "办结率",
    "satisfaction": "满意率",
    "duty": "发布任务完成率",
    "stars": "所长星级",
}


@dataclass(frozen=True)
class Component:
    name: str
    share: float | None  # None: nothing to count
    numerator: float
    denominator: int
    weight: float

    @property
    def label(self) -> str:
        return COMPONENT_NAMES[self.name]

    def describe(self) -> str:
        """The figure behind the share, in words."""
        if self.share is None:
            return "无可计数据"
        if self.name == "stars":
            return f"{self.numerator:.2f} 星（{self.denominator} 条）"
        return f"{100 * self.share:.1f}%（{self.numerator:g}/{self.denominator}）"


@dataclass(frozen=True)
class Score:
    components: tuple[Component, ...]

    @property
    def value(self) -> float | None:
        counted = [c for c in self.components if c.share is not None and c.weight > 0]
        total = sum(c.weight for c in counted)
        if not total:
            return None
        return round(100 * sum(c.weight * (c.share or 0.0) for c in counted) / total, 1)


def components(
    figures: Mapping[str, Any], duty: Mapping[str, Any], stars: list[int], weights: Mapping[str, float]
) -> Score:
    """The five components of one station's period, from its export figures, duty tallies and star ratings."""
    first, closure, satisfaction = figures["first_reply"], figures["closure"], figures["satisfaction"]
    met = sum(tally.met for tally in duty.values())
    due = sum(tally.due for tally in duty.values())
    mean = sum(stars) / len(stars) if stars else None
    return Score(
        (
            Component("timeliness", ratio(first["on_time"], first["due"]), first["on_time"], first["due"], weights["timeliness"]),
            Component("closure", ratio(closure["closed"], closure["due"]), closure["closed"], closure["due"], weights["closure"]),
            Component(
                "satisfaction",
                ratio(satisfaction["satisfied"], satisfaction["count"]),
                satisfaction["satisfied"],
                satisfaction["count"],
                weights["satisfaction"],
            ),
            Component("duty", ratio(met, due), met, due, weights["duty"]),
            Component("stars", (mean - 1) / 4 if mean is not None else None, round(mean or 0, 2), len(stars), weights["stars"]),
        )
    )  # fmt: skip


def ratio(part: float, whole: int) -> float | None:
    return part / whole if whole else None


def rank(rows: list[dict[str, Any]], min_items: int) -> list[dict[str, Any]]:
    """Give each eligible row ``rank`` and ``tie`` (an explanation, or ""); returns them best first.

    A row is eligible with at least ``min_items`` items received and a score.
    Others get ``rank`` None and ``unranked``, the reason.
    """
    eligible = []
    for row in rows:
        row["rank"], row["tie"] = None, ""
        if row["figures"]["received"] < min_items:
            row["unranked"] = f"受理 {row['figures']['received']} 件，不足 {min_items} 件"
        elif row["score"].value is None:
            row["unranked"] = "无可计数据"
        else:
            row["unranked"] = ""
            eligible.append(row)
    eligible.sort(key=lambda r: -r["score"].value)
    for index, row in enumerate(eligible):
        before = eligible[index - 1] if index else None
        row["rank"] = before["rank"] if before and before["score"].value == row["score"].value else index + 1
    for row in eligible:
        tied = [other for other in eligible if other is not row and other["rank"] == row["rank"]]
        if tied:
            names = "、".join(other["station"].name for other in tied)
            row["tie"] = (
                f"与{names}并列第 {row['rank']} 名：综合得分同为 {row['score'].value:.1f}，按一位小数比较，名次相同"
            )
    return eligible
