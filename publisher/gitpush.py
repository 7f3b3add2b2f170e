"""Chiefs' posts reach the publisher by ``git push``, checked before they are taken.

The city's content lives in a bare repository on the server (``invoke content-repo`` makes it). Two hooks,
installed by :func:`install`, run this module:

- ``pre-receive`` checks the tree pushed to ``main`` with ``invoke check`` (the build's own checks) and
  refuses the push with the check's ``path:line: problem：fix`` lines (in Chinese), which ``git push`` shows the chief as
  ``remote: …``. A broken post therefore never reaches the publisher: without this, one chief's typo stopped
  every full build, and with it the new posts and warnings of every station, until someone fixed it.
  Other branches are taken unchecked (drafts) and never published.
- ``post-receive`` checks ``main`` out into the publisher's content folder (``CITY_CONTENT``); the
  publisher sees the files change and publishes them. Pushes landing together check out one after another
  (a lock), and each checks out ``main`` as it is then, so the folder ends at the last push.

A chief's SSH key names its station (``command="push-as dongshan"`` in ``authorized_keys``; ``PUSH_AS``): such a
push may change that station's files only (``station_files``), and is refused naming every other file it touches.

``main`` can be neither deleted nor rewritten (``receive.denyDeletes``, ``receive.denyNonFastForwards``):
a chief whose push is refused because another landed first pulls and pushes again, as everywhere in git.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BRANCH = "refs/heads/main"
ZERO = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's tree with nothing in it
HOOKS = ("pre-receive", "post-receive")
MAX_PUSH = 256 * 2**20  # bytes of one push (git's pack): fifty phone photos, not a video
CHECK_TIMEOUT = 300  # seconds; `invoke check` reads 2,000 posts in under a second
REFUSED = "push refused (推送未被接受): fix these lines and push again (请按以下提示修改后重新推送):"


def git(*args: str, env: dict[str, str] | None = None, check: bool = True, **kwargs: object) -> str:
    done = subprocess.run(["git", *args], env=env, check=check, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    return str(done.stdout)


def pushed_to_main(lines: Iterable[str]) -> list[tuple[str, str]]:
    """The (old, new) commits of the pushed lines that update ``main``."""
    updates = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[2] == BRANCH:
            updates.append((parts[0], parts[1]))
    return updates


def tree_of(commit: str, folder: Path) -> None:
    """Write ``commit``'s files into ``folder`` (symbolic links as links, for the check to refuse), through an
    index of its own: the repository's index is the content folder's."""
    env = {**os.environ, "GIT_INDEX_FILE": str(folder.parent / "index")}
    git(f"--work-tree={folder}", "read-tree", "--reset", "-u", commit, env=env)


def check_tree(commit: str, app: Path) -> tuple[bool, list[str]]:
    """Run the build's checks on ``commit``'s tree; (passed, lines to show the chief)."""
    with tempfile.TemporaryDirectory(prefix="content-push-") as scratch:
        folder = Path(scratch) / "content"
        folder.mkdir()
        tree_of(commit, folder)
        env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
        env["CITY_CONTENT"] = str(folder)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "invoke", "check"],  # the app's Python: the hook runs in it
                cwd=app,
                env=env,
                capture_output=True,
                text=True,
                timeout=CHECK_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return False, [f"the check took longer than {CHECK_TIMEOUT} s; ask the site team (请联系网站管理员)"]
        if "Traceback (most recent call last)" in done.stderr:  # the check broke, not the content
            raise RuntimeError(f"invoke check failed:\n{done.stderr[-4000:]}")
        said = (done.stderr + done.stdout).replace(f"{folder}/", "").replace(str(folder), "content")
        lines = [line for line in said.splitlines() if line.strip()]
        return done.returncode == 0, lines


def station_files(station: str) -> tuple[str, ...]:
    """What a station's key may change: its posts, its profile, its pictures and its chief's photo."""
    return (f"posts/{station}/", f"stations/{station}.md", f"images/{station}/", f"images/chiefs/{station}.")


def not_the_stations(old: str, new: str, station: str) -> list[str]:
    """The files the push changes (added, edited, removed, renamed from or to) outside ``station``'s."""
    base = EMPTY_TREE if old == ZERO else old
    changed = git("diff", "--name-only", "--no-renames", "-z", base, new).split("\0")
    allowed = station_files(station)
    return sorted(path for path in changed if path and not path.startswith(allowed))


def pre_receive(lines: list[str], app: Path, station: str | None = None) -> int:
    sys.path.insert(0, str(app / "plugins"))
    from citymodel.rules import SLUG  # a station's slug as the checks define it

    if station is not None and not SLUG.fullmatch(station):
        print(
            f"this key's station {station!r} is not a station slug; ask the site team (请联系网站管理员)",
            file=sys.stderr,
        )
        return 1
    for old, new in pushed_to_main(lines):
        if new == ZERO:
            print("main cannot be deleted (main 分支不能删除)", file=sys.stderr)
            return 1
        if station is not None:
            others = not_the_stations(old, new, station)
            if others:
                print(REFUSED, file=sys.stderr)
                shown = ", ".join(
                    pattern + ("*" if pattern.endswith(".") else "") for pattern in station_files(station)
                )
                for path in others:
                    print(
                        f"  {path}: not {station}'s file (只能修改本所的文件): this key may change {shown}",
                        file=sys.stderr,
                    )
                return 1
        passed, said = check_tree(new, app)
        if not passed:
            print(REFUSED, file=sys.stderr)
            for line in said:
                print(f"  {line}", file=sys.stderr)
            return 1
        print(said[-1] if said else "ok", file=sys.stderr)
    return 0


def post_receive(lines: list[str], checkout: Path, repo: Path, app: Path, site_url: str = "") -> int:
    updates = [(old, new) for old, new in pushed_to_main(lines) if new != ZERO]
    if not updates:
        return 0
    check_out(repo, checkout)
    print("taken: the site shows it within seconds (已接收，几秒钟内在网站上线)", file=sys.stderr)
    for line in where_posts_go(repo, updates[0][0], updates[-1][1], site_url, app):
        print(f"  {line}", file=sys.stderr)
    return 0


def check_out(repo: Path, checkout: Path) -> None:
    """Bring ``checkout`` to ``main`` as it is now; pushes landing together take turns."""
    checkout.mkdir(parents=True, exist_ok=True)
    with open(repo / "content-checkout.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        git("--git-dir", str(repo), f"--work-tree={checkout}", "checkout", "--force", "--quiet", "main")


SHOWN_POSTS = 10


def read_posts_as_the_build(app: Path) -> tuple[Callable[[str], Any], str]:
    """The app's front-matter parser (citymodel's) and its ``ARTICLE_URL`` (pelicanconf.py): a post's address as
    the site gives it."""
    from pelican.settings import read_settings

    sys.path.insert(0, str(app / "plugins"))
    from citymodel.frontmatter import parse

    here = os.getcwd()
    os.chdir(app)  # pelicanconf.py names folders relative to the app
    try:
        return parse, str(read_settings(str(app / "pelicanconf.py"))["ARTICLE_URL"])
    finally:
        os.chdir(here)


def where_posts_go(repo: Path, old: str, new: str, site_url: str, app: Path) -> list[str]:
    """A line for each post the push added, edited or removed, with its address on the site (the check passed,
    so each has its station, module and slug). A file renamed with its slug kept is the same page: not removed."""
    base = EMPTY_TREE if old == ZERO else old
    said = git("--git-dir", str(repo), "diff", "--name-status", "--no-renames", "-z", base, new, "--", "posts/")
    fields = said.split("\0")
    changes = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2) if fields[i + 1].endswith(".md")]
    if not changes:
        return []
    parse, article_url = read_posts_as_the_build(app)

    def address(commit: str, path: str) -> str | None:
        meta = parse(git("--git-dir", str(repo), "show", f"{commit}:{path}"))
        try:
            return f"{site_url.rstrip('/')}/{article_url.format(**{key: meta.value(key) for key in meta.fields})}"
        except (KeyError, IndexError, ValueError):
            return None

    shown, kept = [], set()
    for status, path in changes:
        if status != "D" and (where := address(new, path)) is not None:
            shown.append(f"{path} → {where}")
            kept.add(where)
    for status, path in changes:
        if status == "D" and (where := address(base, path)) not in kept:
            shown.append(f"{path}: removed from the site (已从网站删除): {where or path}")
    if len(shown) > SHOWN_POSTS:
        shown[SHOWN_POSTS:] = [f"… and {len(shown) - SHOWN_POSTS} more (另有 {len(shown) - SHOWN_POSTS} 篇)"]
    return shown


PUSH_AS = """#!/bin/sh
# Installed by `invoke content-repo` (publisher/gitpush.py). git-shell runs it for a chief's key, whose line in
# ~/.ssh/authorized_keys reads:  command="push-as dongshan",restrict ssh-ed25519 AAAA… 东山派出所
# The push's hook then takes that station's files only.
case "$1" in
  "" | *[!a-z0-9-]*) echo "this key names no station; ask the site team (请联系网站管理员)" >&2; exit 1 ;;
esac
case "$SSH_ORIGINAL_COMMAND" in
  "git-receive-pack "* | "git-upload-pack "*) ;;
  *) echo "this key can push and pull the content repository, nothing else (仅限推送和拉取)" >&2; exit 1 ;;
esac
YUNLAN_STATION="$1" exec git-shell -c "$SSH_ORIGINAL_COMMAND"
"""


def install(
    repo: Path,
    checkout: Path,
    app: Path,
    seed: Path | None = None,
    python: Path | None = None,
    shell_commands: Path | None = None,
    site_url: str = "",
) -> None:
    """Make ``repo`` a bare repository whose ``main`` is checked and checked out into ``checkout``.

    ``seed``, when ``repo`` is new: a folder of content to start from (its first commit). ``shell_commands``:
    the SSH account's ``~/git-shell-commands``, where ``push-as`` goes (one station per key, see PUSH_AS)."""
    python = python or Path(sys.executable)
    if shell_commands is not None:
        shell_commands.mkdir(parents=True, exist_ok=True)
        (shell_commands / "push-as").write_text(PUSH_AS, encoding="utf-8")
        (shell_commands / "push-as").chmod(0o755)
        # Without it, a login with no command would list the commands and wait for one.
        (shell_commands / "no-interactive-login").write_text(
            "#!/bin/sh\necho 'git push and pull only (仅限推送和拉取)'\nexit 128\n", encoding="utf-8"
        )
        (shell_commands / "no-interactive-login").chmod(0o755)
    new = not (repo / "HEAD").exists()
    if new:
        repo.mkdir(parents=True, exist_ok=True)
        git("init", "--bare", "--quiet", "--initial-branch=main", str(repo))
    settings = (
        ("receive.denyDeletes", "true"),
        ("receive.denyNonFastForwards", "true"),
        ("receive.maxInputSize", str(MAX_PUSH)),  # a push is refused before it fills the server's disk
    )
    for key, value in settings:
        git("--git-dir", str(repo), "config", key, value)
    for hook in HOOKS:
        target = repo / "hooks" / hook
        option = f"--app {shlex.quote(str(app))}"
        if hook == "post-receive":
            option += f" --checkout {shlex.quote(str(checkout))}"
            option += f" --site-url {shlex.quote(site_url)}" if site_url else ""
        target.write_text(
            f"#!/bin/sh\n# Installed by `invoke content-repo` (publisher/gitpush.py).\n"
            f"exec {shlex.quote(str(python))} -m publisher.gitpush {hook} {option}\n",
            encoding="utf-8",
        )
        target.chmod(0o755)
    if new and seed is not None:
        with tempfile.TemporaryDirectory(prefix="content-seed-") as scratch:
            env = {**os.environ, "GIT_DIR": str(repo), "GIT_WORK_TREE": str(seed), "GIT_INDEX_FILE": f"{scratch}/index"}
            git("add", "--all", ".", env=env, cwd=seed)
            tree = git("write-tree", env=env).strip()
            identity = {"GIT_AUTHOR_NAME": "site team", "GIT_AUTHOR_EMAIL": "site@localhost"}
            identity |= {"GIT_COMMITTER_NAME": "site team", "GIT_COMMITTER_EMAIL": "site@localhost"}
            commit = git("commit-tree", tree, "-m", "The city's content", env={**env, **identity}).strip()
            git("--git-dir", str(repo), "update-ref", BRANCH, commit)
        check_out(repo, checkout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publisher.gitpush", description=__doc__.splitlines()[0])
    parser.add_argument("hook", choices=HOOKS)
    parser.add_argument("--app", type=Path, required=True, help="the app's folder: its checks, its site's rules")
    parser.add_argument("--checkout", type=Path, help="the publisher's content folder (post-receive)")
    parser.add_argument("--site-url", default="", help="the public site's address, to show where posts go")
    args = parser.parse_args(argv)
    lines = sys.stdin.read().splitlines()
    if args.hook == "post-receive" and args.checkout is None:
        parser.error("post-receive needs --checkout")
    try:
        if args.hook == "pre-receive":
            return pre_receive(lines, args.app, os.environ.get("YUNLAN_STATION"))
        repo = Path(os.environ.get("GIT_DIR", ".")).resolve()
        return post_receive(lines, args.checkout, repo, args.app, args.site_url)
    except Exception as error:  # the chief sees one line, not the server's traceback; the site team the cause
        import syslog

        cause = error.stderr if isinstance(error, subprocess.CalledProcessError) and error.stderr else error
        syslog.openlog("yunlan-content-push")
        syslog.syslog(syslog.LOG_ERR, f"{args.hook} failed: {type(error).__name__}: {cause}".strip())
        if args.hook == "pre-receive":
            said = "the server could not check this push; nothing was taken (服务器未能检查本次推送，内容未接收)"
        else:  # the push is in the repository; the next one checks everything out
            said = "taken, but the server could not put it on the site yet (已接收，但暂未能发布)"
        print(f"{said}; ask the site team (请联系网站管理员)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
