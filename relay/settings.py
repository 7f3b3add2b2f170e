"""Every relay setting, read from ``RELAY_*`` environment variables in one place.

``docs/relay.md`` documents each one; a test checks that the two agree.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A ``RELAY_*`` variable has a value the relay cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = ROOT / "var"
    database_url: str = ""
    stations: str = str(ROOT / "output" / "api" / "stations.json")
    site_url: str = "http://127.0.0.1:8000"
    public_url: str = "http://127.0.0.1:8001"
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8001
    rate_limit_url: str = "memory://"
    rate_limit_client: str = "10/hour"
    rate_limit_station: str = "300/hour"
    rating_days: int = 30
    rating_per_address_day: int = 5  # free-standing ratings per station per address per Beijing day (shared addresses)
    trusted_proxies: tuple[str, ...] = ()
    max_body_bytes: int = 6 * 1024 * 1024
    header_timeout: int = 20
    body_timeout: int = 20
    photo_max_bytes: int = 5 * 1024 * 1024
    photo_max_pixels: int = 24_000_000
    photo_decodes: int = 2
    text_min: int = 5
    text_max: int = 2000
    duplicate_minutes: int = 10
    hant_opencc: str = "s2tw"  # the Traditional twin of the public pages (/zh-hant/…), as the site's edition
    clocks: str = ""  # the clock table; empty: relay/data/clocks.toml
    units: str = ""  # external units and district offices; empty: relay/data/units.toml
    retention_days: int = 180
    backup_dir: str = ""
    backup_retention_days: int = 14
    log_level: str = "info"
    cookie_secure: str = "true"
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_limit_pair: str = "5/15minutes"
    login_limit_account: str = "50/15minutes"
    login_limit_client: str = "30/15minutes"
    rate_limit_track: str = "120/hour"
    metrics_addresses: tuple[str, ...] = ("127.0.0.1", "::1")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: str = "false"
    mail_from: str = "relay@yunlan-police.example"
    mail_retry_seconds: int = 60
    sms_driver: str = ""
    sms_url: str = ""
    sms_key: str = ""
    sms_timeout: float = 10.0
    sms_receipt_template: str = "您的{kind}已受理，受理编号 {code}，查看办理进度：{link} 紧急情况请拨打110。"
    sms_reply_template: str = "您的{kind}（受理编号 {code}）已有答复，请查看：{link}"
    sms_callback_template: str = "您的{kind}（受理编号 {code}）将由民警回访，办理进度：{link}"
    _networks: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    _metrics_networks: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'relay.sqlite3'}"

    @property
    def backups(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else self.data_dir / "backups"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure.lower() not in ("0", "false", "no", "off")

    @property
    def use_starttls(self) -> bool:
        return self.smtp_starttls.lower() in ("1", "true", "yes", "on")

    @property
    def sends_sms(self) -> bool:
        return self.sms_driver not in ("", "off")

    def is_trusted_proxy(self, address: str) -> bool:
        return _within(address, self._networks)

    def may_read_metrics(self, address: str) -> bool:
        return _within(address, self._metrics_networks)


def _within(address: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _check_rate_limits(settings: Settings) -> None:
    """Every ``*_limit_*`` setting must be a ``limits`` string such as ``5/15minutes``."""
    from limits import parse

    for spec in fields(Settings):
        if "limit" in spec.name and spec.name != "rate_limit_url":
            value = getattr(settings, spec.name)
            try:
                parse(value)
            except ValueError:
                raise SettingsError(
                    f"RELAY_{spec.name.upper()}={value!r} is not a rate limit such as 5/15minutes or 10/hour"
                ) from None


def _networks(name: str, values: tuple[str, ...]) -> tuple[Any, ...]:
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as error:
        raise SettingsError(f"RELAY_{name.upper()}: {error}") from None


def _convert(name: str, kind: Any, raw: str) -> Any:
    try:
        if kind in ("int", int):
            return int(raw)
        if kind in ("float", float):
            return float(raw)
        if kind in ("Path", Path):
            return Path(raw)
        if kind in ("tuple[str, ...]",):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"RELAY_{name.upper()}={raw!r} is not a valid {kind}") from None
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from ``environ`` (default ``os.environ``), then ``overrides``."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        if spec.name.startswith("_"):
            continue
        raw = environ.get(f"RELAY_{spec.name.upper()}")
        if raw is not None and raw != "":
            values[spec.name] = _convert(spec.name, spec.type, raw)
    values.update(overrides)
    networks = _networks("trusted_proxies", values.get("trusted_proxies", ()))
    metrics_networks = _networks("metrics_addresses", values.get("metrics_addresses", Settings.metrics_addresses))
    settings = Settings(**values, _networks=networks, _metrics_networks=metrics_networks)
    _check_rate_limits(settings)
    _check_sms(settings)
    if not settings.secret_key:
        settings = _with_local_secret(settings)
    return settings


SMS_DRIVERS = ("", "off", "log", "http")
SMS_PLACEHOLDERS = frozenset({"code", "link", "kind"})


def _check_sms(settings: Settings) -> None:
    """The SMS driver is known, the gateway has a URL, templates name only known placeholders."""
    if settings.sms_driver not in SMS_DRIVERS:
        raise SettingsError(f"RELAY_SMS_DRIVER={settings.sms_driver!r}: use log, http or leave it empty")
    if settings.sms_driver == "http" and not settings.sms_url.startswith(("http://", "https://")):
        raise SettingsError("RELAY_SMS_URL: the http driver needs the gateway's http(s) URL")
    if settings.sms_timeout <= 0:
        raise SettingsError("RELAY_SMS_TIMEOUT must be more than 0 seconds")
    for name in ("sms_receipt_template", "sms_reply_template", "sms_callback_template"):
        try:
            fields_used = {part[1] for part in string.Formatter().parse(getattr(settings, name)) if part[1] is not None}
        except ValueError as error:
            raise SettingsError(f"RELAY_{name.upper()}: {error}") from None
        if not fields_used <= SMS_PLACEHOLDERS:
            unknown = ", ".join(sorted(fields_used - SMS_PLACEHOLDERS))
            raise SettingsError(
                f"RELAY_{name.upper()}: unknown placeholder {unknown}; use {{code}}, {{link}}, {{kind}}"
            )


def _with_local_secret(settings: Settings) -> Settings:
    """Development convenience: a random key kept in the data folder."""
    from dataclasses import replace

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_file = settings.data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        key_file.chmod(0o600)
    return replace(settings, secret_key=key_file.read_text(encoding="utf-8").strip())
