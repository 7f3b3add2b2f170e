"""Pelican settings for the 云澜市公安局 station chiefs' site (development build)."""

from __future__ import annotations

import os

from relay.casework.clocks import Clocks

AUTHOR = "云澜市公安局"
SITENAME = "云澜市派出所所长在线"
SITEURL = ""
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"
DEFAULT_DATE_FORMAT = "%Y年%m月%d日"

PATH = os.environ.get("CITY_CONTENT", "content")
OUTPUT_PATH = "output"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "citymodel",
    "publicanswers",
    "stationpages",
    "guides",
    "capalerts",
    "hantedition",
    "sitesearch",
    "sitemapxml",
    "precompress",  # after every plugin that writes pages, before incremental closes the record
    "incremental",  # last: it closes the build record after the others have written their files
]

# Posts live under content/posts/<station>/<module>/; guides and stations are
# read by our plugins, never as Pelican articles or pages.
ARTICLE_PATHS = ["posts"]
ARTICLE_EXCLUDES: list[str] = []
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "forms", "static-root"]
EXTRA_PATH_METADATA = {
    "static-root/robots.txt": {"path": "robots.txt"},
}

# Chinese names never become slugs: modules, stations and guide categories have
# explicit ASCII slugs, and Pelican's own category/tag/author pages are off.
SLUGIFY_SOURCE = "basename"
# Every post carries its own Date (citymodel requires it, and it wins over the file name's), so Pelican's
# default date pattern on file names is work thrown away: 1.3 s of a 20,000-post rebuild in dateutil.
FILENAME_METADATA = ""
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "posts"
ARTICLE_URL = "stations/{station}/{module}/{slug}/"
ARTICLE_SAVE_AS = "stations/{station}/{module}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None
DIRECT_TEMPLATES = ["index", "404", "search"]
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
INDEX_SAVE_AS = "index.html"
PAGINATED_TEMPLATES = {"module": None, "warnings": None}
DEFAULT_PAGINATION = 20
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/{number}/", "{base_name}/{number}/index.html"),
)

FEED_DOMAIN = "https://yunlan-police.example"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 30
RSS_FEED_SUMMARY_ONLY = True

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.sane_lists": {},
    },
    "output_format": "html5",
}
TYPOGRIFY = False
READERS = {"html": None, "htm": None, "rst": None}
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False

# Where the site's forms post to (the relay). Overridden by publishconf.py and
# by the RELAY_URL environment variable.
RELAY_URL = os.environ.get("RELAY_URL", "http://127.0.0.1:8001")

# The promise printed in every ask box comes from the relay's clock table, the
# same file that sets the deadlines (RELAY_CLOCKS, default relay/data/clocks.toml).
REPLY_PROMISES = Clocks.load(os.environ.get("RELAY_CLOCKS") or None).promises()

# Published answers, ratings and 考核 figures come from the relay's export
# (a path or a URL); without one the site builds without them.
PUBLIC_ANSWERS = {
    "export": os.environ.get("CITY_EXPORT", ""),
    "min_ranked_items": 5,
    # The 考核 composite score: the weight of each part, as shares of their sum (docs/kaohe.md, "Ranking").
    "ranking_weights": {"timeliness": 30, "closure": 20, "satisfaction": 20, "duty": 15, "stars": 15},
}

# The Traditional Chinese edition: OpenCC s2tw, the characters readers in Taiwan, Hong Kong
# and overseas read and type (考核, 群眾, 為, 裡, 著; s2t gives the older 考覈, 羣衆, 爲, 裏,
# 着, which their searches do not find), and characters only, no phrase substitution, so
# names such as 所长在线 stay as written. s2twp (Taiwan phrasing) and s2hk (Hong Kong) are
# options. The relay's own pages follow the same edition (RELAY_HANT_OPENCC).
HANT_EDITION = {"prefix": "zh-hant", "opencc": os.environ.get("CITY_HANT_OPENCC", "s2tw"), "lang": "zh-Hant"}

# Incremental builds: the build record and Pelican's reader cache live under
# ``cache/`` (CITY_CACHE overrides); a clean build is forced with
# ``invoke build --clean``. See docs/architecture.md.
INCREMENTAL = {"cache": os.environ.get("CITY_CACHE", "cache")}

# Pagefind search over the finished output (set False to skip in quick builds).
SITESEARCH = {"enabled": os.environ.get("CITY_SEARCH", "1") != "0"}

# CAP 1.2 alerts for active warnings.
CAP_ALERTS = {"sender": "police@yunlan-police.example", "sender_name": "云澜市公安局"}

# The city: the one place that names districts, modules and guide categories.
CITY = {
    "name": "云澜市",
    "bureau": "云澜市公安局",
    "emergency": "110",
    "emergency_sms": "12110",
    "hotline": "0417-12345",
    "districts": ["东城区", "西湖区", "江北区", "新港区"],
    "modules": {
        "worklog": "工作记实",
        "warning": "预警提示",
        "qa": "疑难解答",
        "help": "群众求助",
        "disclosure": "警务公开",
    },
    "optional_modules": {
        "prevention": "防范知识",
        "community": "社区动态",
        "lost-found": "失物招领",
        "traffic": "交通安全",
        "campus": "校园安全",
        "volunteer": "平安志愿者",
    },
    "guide_categories": {
        "reporting": "报警求助",
        "id-card": "居民身份证",
        "hukou": "户口登记",
        "residence": "居住证",
        "exit-entry": "出入境",
        "vehicle": "机动车与驾驶证",
        "certificate": "证明开具",
        "public-order": "治安管理",
    },
    "warning_levels": {
        "蓝色": "一般",
        "黄色": "较重",
        "橙色": "严重",
        "红色": "特别严重",
    },
    # The footer: who runs the site (主办单位), its ICP and 公安 record numbers, and the emblem
    # (a file under theme/static/). Demo values: a real site takes its numbers from its filings.
    "organizer": "云澜市公安局",
    "icp_number": "云ICP备20260417号-1",
    "police_record_number": "云公网安备21010002000417号",
    "emblem": "emblem.svg",
    # Posting duties count from this Monday on; the warnings' fortnights run from it (docs/kaohe.md, "Posting duty").
    "duty_anchor": "2026-11-02",
    # Build time used for "active" warnings; None means now. Tests pin it.
    "today": os.environ.get("CITY_TODAY") or None,
}

# Fail the build on a template typo instead of rendering an empty string; escape every value
# (text and attributes) unless a template marks it |safe: only HTML cleaned by citymodel.safehtml is.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "undefined": __import__("jinja2").StrictUndefined,
    "autoescape": True,
}
