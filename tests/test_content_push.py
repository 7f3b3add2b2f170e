"""Chiefs publish by ``git push``: a push to main is checked first, then checked out for the publisher.

Real git over a real bare repository with the hooks ``invoke content-repo`` installs (publisher/gitpush.py)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import citykit
from publisher import Publisher
from publisher.gitpush import install

SITE = "https://yunlan-police.example"
CHIEF = {"GIT_AUTHOR_NAME": "东山所长", "GIT_AUTHOR_EMAIL": "dongshan@pcs.yunlan.example"}
CHIEF |= {"GIT_COMMITTER_NAME": "东山所长", "GIT_COMMITTER_EMAIL": "dongshan@pcs.yunlan.example"}


def git(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")} | CHIEF
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=120)


# What sshd does with a chief's line in authorized_keys (command="push-as <station>"): runs the forced command
# through the account's login shell, git-shell, in its home, with what the client asked for in SSH_ORIGINAL_COMMAND.
# Everything after it (git-shell, push-as, git-receive-pack, the hooks) is the real thing.
FAKE_SSH = """#!/bin/sh
shift $(($# - 1))
cd {home} && HOME={home} SSH_ORIGINAL_COMMAND="$1" exec git-shell -c {forced}
"""


class Server:
    """The content repository on the server (in the SSH account's home), the publisher's content folder, and the
    chiefs' clones."""

    def __init__(self, root: Path) -> None:
        seed = citykit.make_city(root / "seed")
        self.home = root / "home"
        self.repo, self.checkout = self.home / "content.git", root / "live"
        commands = self.home / "git-shell-commands"
        install(self.repo, self.checkout, citykit.ROOT, seed, shell_commands=commands, site_url=SITE)
        self.root = root

    def clone(self, name: str, forced: str | None = None) -> Path:
        """A clone on this machine (the site team), or over 'SSH' with a key whose forced command is ``forced``."""
        if forced is None:
            git("clone", "--quiet", str(self.repo), name, cwd=self.root)
            return self.root / name
        ssh = self.root / f"ssh-{name}"
        ssh.write_text(FAKE_SSH.format(home=shlex.quote(str(self.home)), forced=shlex.quote(forced)), encoding="utf-8")
        ssh.chmod(0o755)
        options = ("-c", f"core.sshCommand={ssh}", "-c", "ssh.variant=simple")
        git("clone", "--quiet", *options, "yunlan-git@server:content.git", name, cwd=self.root)
        return self.root / name

    def main_files(self) -> dict[str, str]:
        listing = git("ls-tree", "-r", "main", cwd=self.repo).stdout.splitlines()
        return {line.split("\t", 1)[1]: line.split()[2] for line in listing}

    def checked_out(self) -> dict[str, str]:
        found = {}
        for path in sorted(self.checkout.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(self.checkout))] = git(
                    "hash-object", str(path), cwd=self.root
                ).stdout.strip()
        return found


@pytest.fixture
def server(tmp_path: Path) -> Server:
    return Server(tmp_path)


def commit(clone: Path, message: str) -> None:
    git("add", "--all", ".", cwd=clone)
    git("commit", "--quiet", "-m", message, cwd=clone)


def push(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return git("push", "origin", *(args or ("main",)), cwd=clone, check=False)


def test_the_seeded_content_is_checked_out_for_the_publisher(server: Server) -> None:
    assert server.checked_out() == server.main_files()
    assert (server.checkout / "stations" / "dongshan.md").is_file()


def test_a_broken_post_is_refused_with_its_file_line_and_fix_and_never_reaches_the_publisher(server: Server) -> None:
    chief = server.clone("chief")
    before = server.main_files()
    post = citykit.add_post(chief, "dongshan", "worklog", "dongshan-worklog-2", "2026-13-45 09:00")
    commit(chief, "本周工作记实")
    said = push(chief)
    assert said.returncode != 0
    assert "remote: push refused" in said.stderr
    assert (
        "remote:   posts/dongshan/worklog/dongshan-worklog-2.md:2: 'Date' 的日期 '2026-13-45 09:00' 写得不对："
        "请写成 2026-11-20 09:30 或 2026-11-20 这样的格式" in said.stderr
    )
    remote = [line for line in said.stderr.splitlines() if line.startswith("remote:")]
    assert not [line for line in remote if str(server.root) in line]  # the server's folders are not the chief's
    assert "[remote rejected] main -> main (pre-receive hook declined)" in said.stderr
    assert server.main_files() == before
    assert server.checked_out() == before
    # Fixed and pushed again: taken, and in the publisher's folder.
    post.write_text(post.read_text(encoding="utf-8").replace("2026-13-45", "2026-11-24"), encoding="utf-8")
    commit(chief, "改正日期")
    said = push(chief)
    assert said.returncode == 0, said.stderr
    assert "remote: 检查通过：2 个派出所" in said.stderr
    # Where it is on the site, for the chief to open.
    assert (
        "remote:   posts/dongshan/worklog/dongshan-worklog-2.md → "
        f"{SITE}/stations/dongshan/worklog/dongshan-worklog-2/" in said.stderr
    )
    assert (server.checkout / "posts" / "dongshan" / "worklog" / "dongshan-worklog-2.md").read_text(
        encoding="utf-8"
    ) == post.read_text(encoding="utf-8")


def test_renames_and_deletions_reach_the_publishers_folder(server: Server) -> None:
    chief = server.clone("chief")
    worklog = chief / "posts" / "dongshan" / "worklog"
    git("mv", str(worklog / "dongshan-worklog-1.md"), str(worklog / "renamed.md"), cwd=chief)
    (chief / "posts" / "xihu" / "disclosure" / "xihu-disclosure-1.md").unlink()
    commit(chief, "整理")
    said = push(chief)
    assert said.returncode == 0
    assert (
        "remote:   posts/xihu/disclosure/xihu-disclosure-1.md: removed from the site (已从网站删除): "
        f"{SITE}/stations/xihu/disclosure/xihu-disclosure-1/" in said.stderr
    )
    assert "dongshan-worklog-1.md: removed" not in said.stderr  # renamed, the same page
    # Renamed: the file is new, its slug (and so its address) the same.
    assert f"remote:   posts/dongshan/worklog/renamed.md → {SITE}/stations/dongshan/worklog/dongshan-worklog-1/" in (
        said.stderr
    )
    assert server.checked_out() == server.main_files()
    assert not (server.checkout / "posts" / "dongshan" / "worklog" / "dongshan-worklog-1.md").exists()
    assert (server.checkout / "posts" / "dongshan" / "worklog" / "renamed.md").is_file()
    assert not (server.checkout / "posts" / "xihu" / "disclosure" / "xihu-disclosure-1.md").exists()


def test_a_link_to_a_server_file_is_refused_and_its_content_not_shown(server: Server) -> None:
    chief = server.clone("chief")
    secret = server.root / "relay.env"
    secret.write_text("RELAY_SECRET_KEY: s3cr3t-value\n", encoding="utf-8")
    (chief / "posts" / "dongshan" / "worklog" / "leak.md").symlink_to(secret)
    commit(chief, "link")
    said = push(chief)
    assert said.returncode != 0
    assert (
        "posts/dongshan/worklog/leak.md:1: 'posts/dongshan/worklog/leak.md' 是一个链接（快捷方式，指向" in said.stderr
    )
    assert "s3cr3t" not in said.stderr
    assert not (server.checkout / "posts" / "dongshan" / "worklog" / "leak.md").exists()


def test_main_can_be_neither_deleted_nor_rewritten(server: Server) -> None:
    chief = server.clone("chief")
    before = server.main_files()
    assert push(chief, ":main").returncode != 0
    git("reset", "--hard", "--quiet", "HEAD", cwd=chief)
    (chief / "stations" / "xihu.md").unlink()
    git("commit", "--quiet", "--all", "--amend", "-m", "history rewritten", cwd=chief)
    assert push(chief, "--force", "main").returncode != 0
    assert server.main_files() == before
    assert server.checked_out() == before


def test_a_push_too_big_for_the_server_is_refused(server: Server) -> None:
    git("config", "receive.maxInputSize", "100000", cwd=server.repo)  # 256 MiB as installed; a smaller file here
    chief = server.clone("chief")
    (chief / "images" / "video.jpg").write_bytes(os.urandom(300_000))
    commit(chief, "太大")
    said = push(chief)
    assert said.returncode != 0
    assert "remote: fatal: pack exceeds maximum allowed size" in said.stderr
    assert "images/video.jpg" not in server.main_files()


def test_the_repository_refuses_deletes_rewrites_and_huge_pushes(server: Server) -> None:
    said = git("config", "--list", cwd=server.repo).stdout
    assert "receive.denydeletes=true" in said
    assert "receive.denynonfastforwards=true" in said
    assert f"receive.maxinputsize={256 * 2**20}" in said


def test_a_server_fault_refuses_the_push_with_one_line_and_no_traceback(server: Server, tmp_path: Path) -> None:
    chief = server.clone("chief")
    before = server.main_files()
    install(server.repo, server.checkout, tmp_path / "no-such-app")  # the check cannot run
    citykit.add_post(chief, "dongshan", "worklog", "dongshan-worklog-5", "2026-11-24 09:00")
    commit(chief, "本周")
    said = push(chief)
    assert said.returncode != 0
    assert "remote: the server could not check this push; nothing was taken" in said.stderr
    assert "Traceback" not in said.stderr and "no-such-app" not in said.stderr
    assert server.main_files() == before
    # Checked, but the folder cannot be written: taken into the repository, and the chief is told it is not online.
    install(server.repo, server.checkout, citykit.ROOT)
    shutil.rmtree(server.checkout)
    server.checkout.write_text("not a folder", encoding="utf-8")
    said = push(chief)
    assert said.returncode == 0  # git took it: post-receive cannot refuse
    assert "remote: taken, but the server could not put it on the site yet" in said.stderr
    assert "Traceback" not in said.stderr
    # Repaired: the next push checks everything out, the earlier one's files too.
    server.checkout.unlink()
    citykit.add_post(chief, "dongshan", "worklog", "dongshan-worklog-6", "2026-11-24 10:00")
    commit(chief, "补充")
    assert push(chief).returncode == 0
    assert server.checked_out() == server.main_files()
    assert (server.checkout / "posts" / "dongshan" / "worklog" / "dongshan-worklog-5.md").is_file()


def test_a_draft_branch_is_taken_unchecked_and_not_published(server: Server) -> None:
    chief = server.clone("chief")
    citykit.add_post(chief, "dongshan", "worklog", "draft", "not a date")
    commit(chief, "草稿")
    said = push(chief, "main:drafts/dongshan")
    assert said.returncode == 0, said.stderr
    assert not (server.checkout / "posts" / "dongshan" / "worklog" / "draft.md").exists()


def test_two_chiefs_pushing_at_once_leave_the_folder_at_main(server: Server) -> None:
    """Both check against their own tree; git takes one, the other pulls and pushes again; the folder ends at main
    whatever order the hooks ran in."""
    chiefs = [server.clone("dongshan"), server.clone("xihu")]
    for number, (clone, station) in enumerate(zip(chiefs, ("dongshan", "xihu"), strict=True)):
        citykit.add_post(clone, station, "worklog", f"{station}-worklog-9", f"2026-11-2{number} 09:00")
        commit(clone, f"{station} 工作记实")
    results: list[subprocess.CompletedProcess[str]] = []
    threads = [threading.Thread(target=lambda c=clone: results.append(push(c))) for clone in chiefs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [result.returncode == 0 for result in results]
    assert taken.count(True) >= 1
    for clone in chiefs:  # the one refused (non-fast-forward) pulls and pushes again
        git("pull", "--rebase", "--quiet", "origin", "main", cwd=clone)
        assert push(clone).returncode == 0
    files = server.main_files()
    assert "posts/dongshan/worklog/dongshan-worklog-9.md" in files
    assert "posts/xihu/worklog/xihu-worklog-9.md" in files
    assert server.checked_out() == files


def test_a_pushed_warning_goes_live_through_the_running_publisher(server: Server, tmp_path: Path) -> None:
    chief = server.clone("chief")
    checkout = server.checkout
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(checkout, tmp_path / "unused"), settle=0.2)
    runner = threading.Thread(target=publisher.run, args=(checkout,), daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 120
        while len(publisher.releases) < 2:  # both folders built; the watcher runs
            assert time.monotonic() < deadline, "the publisher did not start"
            time.sleep(0.05)
        citykit.add_warning(
            chief,
            "dongshan",
            "dongshan-warning-push",
            "2026-11-24 09:00",
            "2026-11-24 09:00",
            "2027-06-01",
            "防范冒充客服诈骗",
        )
        commit(chief, "预警")
        assert push(chief).returncode == 0
        page = publisher.current / "stations" / "dongshan" / "warning" / "dongshan-warning-push" / "index.html"
        while not page.exists():
            assert time.monotonic() < deadline, "the pushed warning never went live"
            time.sleep(0.05)
        assert "防范冒充客服诈骗" in page.read_text(encoding="utf-8")
        assert "防范冒充客服诈骗" in (publisher.current / "stations" / "dongshan" / "index.html").read_text(
            encoding="utf-8"
        )
    finally:
        publisher.stop()
        runner.join(timeout=30)


def test_a_chiefs_key_pushes_its_own_stations_files_only(server: Server) -> None:
    chief = server.clone("dongshan", forced="push-as dongshan")
    before = server.main_files()
    citykit.add_post(chief, "dongshan", "worklog", "dongshan-worklog-7", "2026-11-24 09:00")
    citykit.add_post(chief, "xihu", "worklog", "xihu-worklog-7", "2026-11-24 09:00")  # another station's
    (chief / "guides" / "id-card" / "id-card-first.md").unlink()  # the city's
    commit(chief, "本周")
    said = push(chief)
    assert said.returncode != 0
    assert (
        "remote:   posts/xihu/worklog/xihu-worklog-7.md: not dongshan's file (只能修改本所的文件): this key may change "
        "posts/dongshan/, stations/dongshan.md, images/dongshan/, images/chiefs/dongshan.*" in said.stderr
    )
    assert "remote:   guides/id-card/id-card-first.md: not dongshan's file" in said.stderr
    assert "posts/dongshan/worklog/dongshan-worklog-7.md: not" not in said.stderr
    assert server.main_files() == before
    # Its own station's files only: taken.
    git("reset", "--quiet", "--hard", "origin/main", cwd=chief)
    citykit.add_post(chief, "dongshan", "worklog", "dongshan-worklog-7", "2026-11-24 09:00")
    (chief / "images" / "dongshan").mkdir(parents=True)
    (chief / "images" / "dongshan" / "patrol.jpg").write_bytes(citykit.TINY_JPEG)
    (chief / "images" / "chiefs" / "dongshan.jpg").write_bytes(citykit.TINY_JPEG + b"\0")
    profile = chief / "stations" / "dongshan.md"
    profile.write_text(profile.read_text(encoding="utf-8").replace("周一至周五", "周一至周六"), encoding="utf-8")
    commit(chief, "本所")
    said = push(chief)
    assert said.returncode == 0, said.stderr
    assert (server.checkout / "posts" / "dongshan" / "worklog" / "dongshan-worklog-7.md").is_file()
    assert server.checked_out() == server.main_files()


@pytest.mark.parametrize("forced", ["push-as", "push-as ''", "push-as ../xihu", "push-as 'dongshan xihu'"])
def test_a_key_naming_no_station_pushes_nothing(server: Server, forced: str) -> None:
    chief = server.clone("site", forced="push-as dongshan")
    citykit.add_post(chief, "dongshan", "worklog", "dongshan-worklog-8", "2026-11-24 09:00")
    commit(chief, "本周")
    git("config", "core.sshCommand", str(server.root / "ssh-bad"), cwd=chief)
    bad = server.root / "ssh-bad"
    bad.write_text(FAKE_SSH.format(home=shlex.quote(str(server.home)), forced=shlex.quote(forced)), encoding="utf-8")
    bad.chmod(0o755)
    before = server.main_files()
    said = push(chief)
    assert said.returncode != 0
    assert "names no station" in said.stderr
    assert server.main_files() == before


def test_a_chiefs_key_runs_git_and_nothing_else(server: Server) -> None:
    server.clone("dongshan", forced="push-as dongshan")
    said = subprocess.run(
        [str(server.root / "ssh-dongshan"), "yunlan-git@server", "cat /etc/passwd"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert said.returncode != 0
    assert "root:" not in said.stdout
    assert "push and pull the content repository, nothing else" in said.stderr
