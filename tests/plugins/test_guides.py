"""guides with the plugins the theme needs: the index by category and one page per guide."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import citykit


def test_index_by_category_and_a_page_per_guide(build_site: Callable[..., Path], city_content: Path) -> None:
    guide = (city_content / "guides" / "id-card" / "id-card-first.md").read_text(encoding="utf-8")
    citykit.write(
        city_content / "guides" / "hukou" / "hukou-move.md",
        guide.replace("Slug: id-card-first", "Slug: hukou-move").replace("Category: id-card", "Category: hukou"),
    )
    output = build_site(["citymodel", "guides"])
    index = (output / "guides" / "index.html").read_text(encoding="utf-8")
    assert index.index('id="id-card"') < index.index('id="hukou"')  # CITY["guide_categories"] order
    assert "residence" not in index  # a category without guides is left out
    page = (output / "guides" / "id-card-first" / "index.html").read_text(encoding="utf-8")
    assert "居民身份证首次申领" in page and "20个工作日" in page
    assert "/forms/id-blank.pdf" in page
    assert (output / "guides" / "hukou-move" / "index.html").is_file()
