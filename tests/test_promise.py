"""The promise in every ask box, on the site and in the relay, is the clock table's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import citykit
from relay.casework.clocks import Clocks

ROOT = Path(__file__).resolve().parents[1]


def ask_box_notes(output: Path, traditional: bool = False) -> set[str]:
    notes = set()
    for page in output.rglob("*.html"):
        if page.relative_to(output).parts[0] == "zh-hant" and not traditional:
            continue
        notes.update(
            re.findall(r'<section class="ask".*?<p class="note">(.*?)<strong>', page.read_text(encoding="utf-8"), re.S)
        )
    return notes


def test_the_site_promises_what_the_clock_table_says(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path)
    citykit.build(content, tmp_path / "output")
    notes = ask_box_notes(tmp_path / "output")
    expected = "非紧急事项：" + "；".join(Clocks.load().promises()) + "。"
    assert notes == {expected}, notes
    assert "隐患举报 2 小时内确认，24 小时内答复" in expected and "建议 5 个工作日内答复" in expected
    assert any("建議 5 個工作日內答覆" in note for note in ask_box_notes(tmp_path / "output", traditional=True))


def test_changing_the_table_changes_the_promise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = (ROOT / "relay" / "data" / "clocks.toml").read_text(encoding="utf-8")
    changed = tmp_path / "clocks.toml"
    changed.write_text(
        table.replace('first_reply = "5 working_days"', 'first_reply = "3 working_days"'), encoding="utf-8"
    )
    monkeypatch.setenv("RELAY_CLOCKS", str(changed))
    content = citykit.make_city(tmp_path)
    citykit.build(content, tmp_path / "output")
    (note,) = ask_box_notes(tmp_path / "output")
    assert "建议 3 个工作日内答复" in note and "5 个工作日" not in note
