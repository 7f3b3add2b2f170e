"""Writes the character tables search.js uses when a reader types in the other script (theme/static/js/).

``hanzi-to-hant.txt`` (for the Traditional edition's search page) maps each Simplified character OpenCC's ``s2tw``
turns into one other character; ``hanzi-to-hans.txt`` (for the Simplified pages) maps each Traditional character
``t2s`` turns into one other. Line 1 holds the characters from, line 2 those to, in the same order. Character by
character, not phrase by phrase (发 is always 發, never 髮): enough to find pages, which is all a query needs.

    .venv/bin/python scripts/make_hanzi_maps.py
"""

from __future__ import annotations

from pathlib import Path

import opencc

FOLDER = Path(__file__).resolve().parent.parent / "theme" / "static" / "js"
TABLES = {"hanzi-to-hant.txt": "s2tw", "hanzi-to-hans.txt": "t2s"}
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
