"""Run as a script by ``lookup.pinyin_of``: reads a JSON list of names on stdin, writes for each its pinyin
(for sorting) and the first letter of its pinyin, as JSON on stdout.

A script of its own so that pypinyin, whose phrase dictionary takes 54 MB of memory once imported, is never
imported into the build, nor into the publisher, which keeps a build in memory for weeks.
"""

from __future__ import annotations

import json
import sys

from pypinyin import Style, lazy_pinyin


def main() -> None:
    names = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    # The first letter comes from the whole name, read as phrases like the key: the first character alone
    # reads 重庆路 as zhòng and files it under Z, among names sorted as chóngqìng.
    keys = [["".join(lazy_pinyin(name)), lazy_pinyin(name, style=Style.FIRST_LETTER)[0][:1].upper()] for name in names]
    sys.stdout.buffer.write(json.dumps(keys, ensure_ascii=False).encode("utf-8"))


if __name__ == "__main__":
    main()
