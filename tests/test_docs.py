"""Docs stay honest: every setting and every task is documented."""

from __future__ import annotations

import re

import citykit

SETTINGS_DOC = (citykit.ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
README = (citykit.ROOT / "README.md").read_text(encoding="utf-8")


def test_every_city_key_is_documented() -> None:
    settings = citykit.settings_for(citykit.ROOT / "content", citykit.ROOT / "output")
    for key in settings["CITY"]:
        assert f"| `{key}` |" in SETTINGS_DOC, key


def test_every_environment_variable_read_is_documented() -> None:
    sources = [
        *citykit.ROOT.glob("*.py"),
        *(citykit.ROOT / "plugins").rglob("*.py"),
        *(citykit.ROOT / "tests").glob("*.py"),
    ]
    names = set()
    for source in sources:
        names |= set(re.findall(r"os\.environ(?:\.get)?\(\s*\"([A-Z_]+)\"", source.read_text(encoding="utf-8")))
        names |= set(re.findall(r"os\.environ\[\"([A-Z_]+)\"\]", source.read_text(encoding="utf-8")))
    assert names, "the scan found nothing; the pattern is wrong"
    for name in names:
        assert f"| `{name}` |" in SETTINGS_DOC, name


def test_every_task_is_in_the_readme() -> None:
    import tasks

    names = {name.replace("_", "-") for name, value in vars(tasks).items() if type(value).__name__ == "Task"}
    assert {"build", "serve", "livereload", "new", "check", "duties", "bench-build"} <= names
    for name in names - {"demo"}:
        assert f"`invoke {name}" in README, name


RELAY_DOC = (citykit.ROOT / "docs" / "relay.md").read_text(encoding="utf-8")


def test_every_relay_setting_is_documented() -> None:
    from dataclasses import fields

    from relay.settings import Settings

    names = [f"RELAY_{f.name.upper()}" for f in fields(Settings) if not f.name.startswith("_")]
    assert len(names) > 15
    for name in names:
        assert f"| `{name}` |" in RELAY_DOC, name
    documented = set(re.findall(r"\| `(RELAY_[A-Z_]+)` \|", RELAY_DOC))
    assert documented == set(names)


def test_every_relay_route_is_documented(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from relay import accounts, auth, console, public

    paths = {route.path for module in (public, auth, console, accounts) for route in module.routes} | {
        "/healthz",
        "/metrics",
        "/static",
    }
    for path in paths:
        assert f"| `{path}` |" in RELAY_DOC, path


def test_every_relay_command_is_documented() -> None:
    from relay.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"relay {name}" in RELAY_DOC, name


# A check message names a section for the chief to read: 见 docs/handbook.zh.md 的「可以用的格式」一节
# (and, in the older form, 见 docs/content.md 的 'Allowed HTML' 一节).
SECTION_REFERENCE = re.compile(r"(docs/[\w./-]+\.md) 的 ?(?:「([^」]+)」|'([^']+)') ?一节")


def test_every_section_a_message_names_is_a_heading() -> None:
    """Renaming a heading the checks point the chiefs to breaks this test, not the chiefs' way to the answer."""
    sources = [*(citykit.ROOT / "plugins").rglob("*.py"), *(citykit.ROOT / "publisher").rglob("*.py")]
    references = {
        (match[1], match[2] or match[3])
        for source in sources
        for match in SECTION_REFERENCE.finditer(source.read_text(encoding="utf-8"))
    }
    assert ("docs/handbook.zh.md", "可以用的格式") in references, "the scan found nothing; the pattern is wrong"
    for doc, section in sorted(references):
        path = citykit.ROOT / doc
        assert path.is_file(), f"{doc} (named with the section {section!r}) does not exist"
        headings = re.findall(r"^#{1,6}[ \t]+(.+?)[ \t]*$", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert section in headings, f"{doc} has no heading {section!r}"
