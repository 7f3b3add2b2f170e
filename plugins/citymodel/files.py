"""Which files under ``content/`` the build may read and copy.

No symbolic links anywhere (a link to ``/etc`` would publish ``/etc``), no
file that resolves outside ``content/``, and in the folders the build copies
(``STATIC_PATHS``) only images and downloadable forms whose first bytes match
their type: a ``.js`` or ``.html`` file there would be served on the site's
own origin.
"""

from __future__ import annotations

import os
from pathlib import Path

from .model import City
from .problems import Problem

IMAGE_TYPES = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # .doc and .xls
ZIP = (b"PK\x03\x04",)  # .docx and .xlsx
FORM_TYPES = {".pdf": (b"%PDF-",), ".doc": OLE, ".xls": OLE, ".docx": ZIP, ".xlsx": ZIP}
ALLOWED_TYPES = {**IMAGE_TYPES, **FORM_TYPES}
ALLOWED_LIST = "图片（" + "、".join(IMAGE_TYPES) + "）和表格（" + "、".join(FORM_TYPES) + "）"


def check_files(city: City, content: Path) -> None:
    """Report symlinks, files outside ``content``, and files of a type the build must not copy.

    One ``scandir`` pass (the entry types come with the directory listing, so a city's tens of
    thousands of files cost no extra system calls). With every link refused and none followed,
    no other file can resolve outside ``content/``.
    """
    root = os.path.normpath(content)
    copied = tuple(
        os.path.join(root, os.path.normpath(folder)) + os.sep for folder in city.settings.get("STATIC_PATHS", [])
    )
    named = {os.path.join(root, os.path.normpath(name)) for name in city.settings.get("EXTRA_PATH_METADATA", {})}
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        for entry in entries:
            if entry.is_symlink():
                shown = display(Path(entry.path))
                city.problems.append(
                    Problem(
                        shown,
                        1,
                        f"'{shown}' 是一个链接（快捷方式，指向 {os.readlink(entry.path)}），不是文件本身",
                        "请换成文件本身；网站不会复制链接",
                    )
                )
            elif entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif entry.path.startswith(copied) and entry.path not in named:
                check_copied_file(city, Path(entry.path), display(Path(entry.path)))


def check_copied_file(city: City, path: Path, shown: str) -> None:
    suffix = path.suffix.lower()
    signatures = ALLOWED_TYPES.get(suffix)
    if signatures is None:
        city.problems.append(
            Problem(
                shown,
                1,
                f"'{path.name}' 这种类型的文件不能放到网站上",
                f"网站只复制{ALLOWED_LIST}；请删除这个文件，或者转换格式（表格可以转成 PDF）",
            )
        )
        return
    with path.open("rb") as file:
        start = file.read(16)
    if not start.startswith(signatures):
        kind = "图片" if suffix in IMAGE_TYPES else "表格"
        city.problems.append(
            Problem(
                shown,
                1,
                f"'{path.name}' 不是真正的 {suffix[1:].upper()} {kind}，文件内容和文件名对不上",
                f"请用制作它的软件重新保存为 {suffix[1:].upper()} 格式",
            )
        )


def display(path: Path) -> str:
    from .rules import display_path

    return display_path(path)
