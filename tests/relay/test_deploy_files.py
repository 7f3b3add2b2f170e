"""deploy/ stays honest: units run real relay commands, alerts read metrics the relay exports."""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable
from pathlib import Path

import yaml
from starlette.testclient import TestClient

from relay.cli import build_parser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def relay_commands() -> set[str]:
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    return set(subparsers.choices)  # type: ignore[arg-type]


def test_every_unit_runs_a_relay_command_that_exists() -> None:
    commands = relay_commands()
    for path in sorted((DEPLOY / "systemd").glob("*.service")):
        exec_start = unit(path.name)["Service"]["ExecStart"]
        match = re.search(r"/bin/relay (\S+)", exec_start)
        if match:
            assert match.group(1) in commands, f"{path.name}: relay {match.group(1)} does not exist"


def test_long_running_services_raise_the_descriptor_limit_and_relays_do_not_migrate() -> None:
    for name in ("yunlan-relay@.service", "yunlan-relay-worker.service", "yunlan-publisher.service"):
        assert int(unit(name)["Service"]["LimitNOFILE"]) >= 4096, name
    relay = unit("yunlan-relay@.service")
    assert "--no-migrate" in relay["Service"]["ExecStart"]
    assert "yunlan-relay-migrate.service" in relay["Unit"]["Requires"]
    assert unit("yunlan-relay-migrate.service")["Service"]["ExecStart"].endswith("relay migrate")


def test_timers_for_overdue_remind_digest_purge_and_backup() -> None:
    for job in ("overdue", "remind", "digest", "purge", "backup"):
        assert unit(f"yunlan-{job}.timer")["Timer"]["OnCalendar"]
        assert unit(f"yunlan-{job}.service")["Service"]["ExecStart"].endswith(f"relay {job}")


def test_alerts_read_metrics_the_relay_exports(make_client: Callable[..., TestClient]) -> None:
    client = make_client(client_address="127.0.0.1")  # /metrics answers localhost
    rules = yaml.safe_load((DEPLOY / "prometheus" / "yunlan-alerts.yml").read_text(encoding="utf-8"))
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {name for expr in expressions for name in re.findall(r"\b(relay_[a-z_]+)", expr)}
    assert {"relay_overdue_items", "relay_outbox_pending", "relay_responses_total"} <= used
    assert "relay_oldest_answer_waiting_for_site_seconds" in used  # the publisher's lag
    exported = client.get("/metrics").text
    for name in used:
        assert f"\n{name}" in exported or exported.startswith(name), f"{name} is not exported"
