"""The character tables search.js uses for a question typed in the other script."""

from __future__ import annotations

import runpy

import citykit

MAKER = runpy.run_path(str(citykit.ROOT / "scripts" / "make_hanzi_maps.py"))


def test_the_committed_tables_are_what_the_script_makes() -> None:
    """A new OpenCC changes them: run scripts/make_hanzi_maps.py and commit the tables."""
    for name, config in MAKER["TABLES"].items():
        assert (MAKER["FOLDER"] / name).read_text(encoding="utf-8") == MAKER["table"](config), name


def table_of(name: str) -> dict[str, str]:
    one, other = (MAKER["FOLDER"] / name).read_text(encoding="utf-8").split("\n")[:2]
    return dict(zip(one, other, strict=True))


def test_each_table_pairs_one_character_with_one() -> None:
    for name in MAKER["TABLES"]:
        lines = (MAKER["FOLDER"] / name).read_text(encoding="utf-8").split("\n")
        assert len(lines) == 3 and lines[2] == "" and len(lines[0]) == len(lines[1]) > 2000, name
    to_hant, to_hans = (table_of(name) for name in ("hanzi-to-hant.txt", "hanzi-to-hans.txt"))
    assert "".join(to_hant.get(c, c) for c in "户口身份证丢了") == "戶口身份證丟了"
    assert "".join(to_hans.get(c, c) for c in "戶口身份證丟了") == "户口身份证丢了"
