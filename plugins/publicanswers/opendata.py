"""Open data: every 考核 table as CSV and JSON, with one list of columns that the data dictionary page reads.

The columns are defined once, here: the CSV header is the Chinese name, the
JSON key the English one, and ``kaohe/data/`` prints both with the meaning.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    meaning: str
    value: Callable[[dict[str, Any]], Any]


def fig(*path: str) -> Callable[[dict[str, Any]], Any]:
    def get(row: dict[str, Any]) -> Any:
        value: Any = row["figures"]
        if value is None:
            return None
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    return get


def duty(module: str, what: str) -> Callable[[dict[str, Any]], Any]:
    def get(row: dict[str, Any]) -> Any:
        tallies = row.get("duty")
        return getattr(tallies[module], what) if tallies else None

    return get


def stars_mean(row: dict[str, Any]) -> float | None:
    stars = row["stars"]
    return round(sum(stars) / len(stars), 2) if stars else None


KINDS = {"question": "咨询", "help": "求助", "hazard": "隐患举报", "suggestion": "建议"}
ITEM_COLUMNS = [
    Column("received", "受理", "本期收到的事项，各类合计；不含垃圾信息和转外单位的事项；转办的计入现在负责的派出所", fig("received")),
    *(
        Column(f"received_{kind}", f"受理（{name}）", f"其中{name}", fig("received_by_kind", kind))
        for kind, name in KINDS.items()
    ),
    Column("first_reply_due", "应按时答复", "本期判定的事项：期限内已首次答复的（按答复时间计入）和期限已过的（按期限计入）；期限未到且未答复的不判定", fig("first_reply", "due")),
    Column("first_reply_on_time", "按时首次答复", "其中在期限内（含正好到期）首次答复或说明不予受理理由的", fig("first_reply", "on_time")),
    Column("first_reply_rate", "按时首次答复率", "按时首次答复 ÷ 应按时答复，0 到 1；空表示本期没有判定的事项", fig("first_reply", "rate")),
    Column("first_reply_hours_count", "首次答复件数", "本期作出首次答复的事项数（用时中位数和90分位数据此计算）", fig("first_reply_hours", "count")),
    Column("first_reply_hours_median", "首次答复用时中位数（小时）", "受理到首次答复的小时数的中位数", fig("first_reply_hours", "median")),
    Column("first_reply_hours_p90", "首次答复用时90分位（小时）", "受理到首次答复的小时数的第90百分位（最近秩法）", fig("first_reply_hours", "p90")),
    Column("closure_due", "应办结", "本期到办结期限（求助为最终答复期限，其他为答复期限）或期限内已办结的事项", fig("closure", "due")),
    Column("closure_closed", "已办结", "其中至今已办结（答复完毕或不予受理）的", fig("closure", "closed")),
    Column("closure_rate", "办结率", "已办结 ÷ 应办结，0 到 1", fig("closure", "rate")),
    Column("closure_on_time", "按期办结", "其中在期限内办结的", fig("closure", "closed_on_time")),
    Column("satisfaction_count", "一事一评数", "本期提交人对办理情况的评价（1–5 星）条数", fig("satisfaction", "count")),
    Column("satisfaction_satisfied", "满意（4–5星）", "其中 4 星或 5 星的条数", fig("satisfaction", "satisfied")),
    Column("satisfaction_rate", "满意率", "满意 ÷ 一事一评数，0 到 1", fig("satisfaction", "rate")),
    Column("satisfaction_mean", "一事一评平均分", "一事一评的平均星数，1 到 5", fig("satisfaction", "mean")),
    Column("callbacks_due", "应回访", "本期判定的回访（期限内完成的按完成时间，逾期的按期限计入）", fig("callbacks", "due")),
    Column("callbacks_on_time", "按时回访", "其中在期限内完成的", fig("callbacks", "on_time")),
    Column("callbacks_corrected", "回访后整改", "本期回访后重新办理（整改）的事项", fig("callbacks", "corrected")),
    Column("escalations_opened", "督办", "本期发出的督办", fig("escalations", "opened")),
    Column("escalations_met", "督办按期办结", "其中在督办期限内办结的", fig("escalations", "met")),
    Column("escalations_overdue", "督办逾期未结", "其中至今已过期限仍未办结的", fig("escalations", "overdue")),
    Column("hazards_due", "隐患应确认", "本期判定的隐患举报确认（期限内确认的和期限已过的）", fig("hazards", "due")),
    Column("hazards_acknowledged_on_time", "隐患按时确认", "其中在确认期限内确认的", fig("hazards", "acknowledged_on_time")),
    Column("hazards_closed", "隐患已办结", "本期办结的隐患举报", fig("hazards", "closed")),
]  # fmt: skip
DUTY_COLUMNS = [
    Column("worklog_met", "工作记实（已发布周）", "本期结束的自然周（周一至周日，北京时间）中发布了工作记实的周数；进行中的周已发布的也计入", duty("worklog", "met")),
    Column("worklog_due", "工作记实（应发布周）", "已发布周加上已结束而未发布的周；没有工作日的周不计", duty("worklog", "due")),
    Column("worklog_exempt", "工作记实（免计周）", "没有工作日（法定节假日）且未发布的周", duty("worklog", "exempt")),
    Column("warning_met", "预警提示（已发布双周）", "本期结束的固定双周（自 CITY['duty_anchor'] 起每14天）中发布了预警提示的双周数", duty("warning", "met")),
    Column("warning_due", "预警提示（应发布双周）", "已发布双周加上已结束而未发布的双周", duty("warning", "due")),
    Column("stars_count", "所长星级评价数", "本期经审核公开的群众评价（1–5 星）条数，计入评价当日在任的所长", lambda r: len(r["stars"])),
    Column("stars_mean", "所长星级", "这些评价的平均星数，1 到 5", stars_mean),
]  # fmt: skip
STATION_COLUMNS = [
    Column("station", "派出所代码", "派出所的拼音代码，与 api/stations.json 一致；全市合计行为 _city", lambda r: r["station"].slug if r["station"] else "_city"),
    Column("station_name", "派出所", "派出所名称", lambda r: r["station"].name if r["station"] else "全市"),
    Column("chiefs", "本期在任所长", "本期内在任的所长，按任职先后，以、分隔", lambda r: "、".join(t.name for t in r.get("chiefs", []))),
    *ITEM_COLUMNS,
    *DUTY_COLUMNS,
    Column("score", "综合得分", "按 PUBLIC_ANSWERS['ranking_weights'] 加权的综合得分，0 到 100，保留一位小数", lambda r: r["score"].value if r.get("score") else None),
    Column("rank", "排名", "综合得分名次；得分相同名次相同；受理件数不足的不排名（空）", lambda r: r.get("rank")),
    Column("rank_note", "排名说明", "不排名的原因，或并列的说明", lambda r: r.get("unranked") or r.get("tie") or ""),
]  # fmt: skip
CHIEF_COLUMNS = [
    Column("station", "派出所代码", "派出所的拼音代码", lambda r: r["station"].slug),
    Column("station_name", "派出所", "派出所名称", lambda r: r["station"].name),
    Column("chief", "所长", "所长姓名", lambda r: r["chief"].name),
    Column("badge", "警号", "所长警号", lambda r: r["chief"].badge),
    Column("from", "本期在任起", "本期内在任的第一天", lambda r: r["from"].isoformat()),
    Column("until", "本期在任止", "本期内在任的最后一天（进行中的期间为今天）", lambda r: r["until"].isoformat()),
    Column("whole_period", "全期在任", "所长是否在整个期间在任；期间内更换所长的，事项数字按每件事的发生日归于当日在任的所长（导出含各所长数字时）", lambda r: r["whole"]),
    *ITEM_COLUMNS,
    *DUTY_COLUMNS,
]  # fmt: skip


def plain(value: Any) -> Any:
    return "" if value is None else ("是" if value is True else "否" if value is False else value)


def csv_bytes(columns: list[Column], rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese headers."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([c.header for c in columns])
    for row in rows:
        out.writerow([plain(c.value(row)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def records(columns: list[Column], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{c.key: c.value(row) for c in columns} for row in rows]


def json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
