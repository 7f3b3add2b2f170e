"""Writes the character table search.js uses to make a question Simplified (theme/static/js/).

``hanzi-to-hans.txt`` maps each Traditional character OpenCC's ``t2s`` turns into one other. The search index
holds Simplified text only: on the Traditional pages every question is searched made Simplified, and a result's
Traditional text is made Simplified with it to find the words to mark; on the Simplified pages a question
typed in Traditional characters is searched again made Simplified. Line 1 holds the characters from, line 2
those to, in the same order. Character by character, not phrase by phrase: enough to find pages, which is all a
query needs, and many-to-one this way round (發 and 髮 are both 发).

    .venv/bin/python scripts/make_hanzi_maps.py
"""

from __future__ import annotations

from pathlib import Path

import opencc

FOLDER = Path(__file__).resolve().parent.parent / "theme" / "static" / "js"
TABLES = {"hanzi-to-hans.txt": "t2s"}
HAN = [chr(code) for code in range(0x4E00, 0xA000)]  # CJK Unified Ideographs: every character a page uses


def table(config: str) -> str:
    converted = opencc.OpenCC(config).convert("\n".join(HAN)).split("\n")
    pairs = [(one, other) for one, other in zip(HAN, converted, strict=True) if len(other) == 1 and other != one]
    return "".join(one for one, _ in pairs) + "\n" + "".join(other for _, other in pairs) + "\n"


def main() -> None:
    for name, config in TABLES.items():
        (FOLDER / name).write_text(table(config), encoding="utf-8")
        print(f"{FOLDER / name}: {config}")


if __name__ == "__main__":
    main()
