"""The character table search.js uses to make a question (and a result's Traditional text) Simplified."""

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
    to_hans = table_of("hanzi-to-hans.txt")
    assert "".join(to_hans.get(c, c) for c in "戶口身份證丟了") == "户口身份证丢了"


def test_the_edition_s_variants_and_its_own_characters_are_made_simplified() -> None:
    """What the Traditional edition writes (s2tw: 考核, 群眾, 裡) and the forms others type (考覈, 羣衆, 裏) alike."""
    to_hans = table_of("hanzi-to-hans.txt")
    assert "".join(to_hans.get(c, c) for c in "考覈羣衆裏群眾裡") == "考核群众里群众里"
