"""One typed settings object, read once from CLI flags and ``ECC_*`` environment variables.

Precedence: a CLI flag beats its ``ECC_`` variable, which beats the default. A bad value raises
``SettingsError`` naming the key and the value; the CLI turns that into exit status 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ENV_PREFIX = "ECC_"


class SettingsError(ValueError):
    """A setting with a bad value; the message names it."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"  # interface to listen on
    port: int = 8050  # HTTP + Socket.IO port
    db: str | None = None  # SQLAlchemy URL; None → SQLite file in data_dir
    redis: str | None = None  # redis:// URL; None → in-process bus
    data_dir: Path = Path("var")  # where the SQLite file and demo passwords live
    demo: bool = True  # demo city with simulators
    seed: int = 7  # seeds every simulator
    speed: float = 1.0  # simulated seconds per real second; 0 freezes the clock
    start_at: datetime | None = None  # where the simulated clock starts; None → now
    units: int = 120  # simulated field units in demo mode
    cases_per_year: int = 40_000  # demo caseload (Shenyang's 16 courts: ~40,000 a year)
    stale_after_s: int = 120  # a unit silent this long is drawn as stale
    offline_after_s: int = 900  # and this long as offline
    snapshot_hz: float = 2.0  # position snapshots per second per room
    token_ttl_h: int = 12  # bearer token lifetime
    login_max_failures: int = 5  # failed logins of one username within the window lock it
    login_window_min: int = 15  # the lockout's sliding window (so also the longest lock), minutes
    login_address_max_failures: int = 20  # failed logins from one client address throttle it
    cookie_secure: bool = False  # always mark the session cookie Secure (behind an HTTPS proxy);
    # otherwise it is Secure only on requests that arrived over HTTPS, so plain http://127.0.0.1 works
    secret_key: str | None = None  # Flask session key; None → random per data dir
    tile_url: str | None = None  # raster tiles for a MapLibre map ({z}/{x}/{y}); None → SVG map
    geocoder: str | None = None  # None/"gazetteer" offline; "nominatim:https://…"; "baidu:KEY"

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{(self.data_dir / 'ecc.sqlite3').resolve()}"

    @property
    def store_kind(self) -> str:
        return "postgresql" if self.db_url.startswith("postgresql") else "sqlite"

    @property
    def bus_kind(self) -> str:
        return "redis" if self.redis else "memory"


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _parse_instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-23T09:00+08:00")
    return instant.astimezone(UTC)


def _parse_db(value: str) -> str:
    scheme = urlparse(value).scheme
    if not scheme.startswith(("sqlite", "postgresql")):
        raise ValueError("expected a sqlite:/// or postgresql:// URL")
    return value


def _parse_redis(value: str) -> str:
    if urlparse(value).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("expected a redis:// URL")
    return value


def _parse_geocoder(value: str) -> str:
    if value != "gazetteer" and value.partition(":")[0] not in {"nominatim", "baidu"}:
        raise ValueError("expected gazetteer, nominatim:https://… or baidu:<key>")
    return value


def _parse_tile_url(value: str) -> str:
    if urlparse(value).scheme not in {"http", "https"} or not all(
            part in value for part in ("{z}", "{x}", "{y}")):
        raise ValueError("expected an http(s) URL with {z}, {x} and {y}")
    return value


def _parse_port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError("expected 1–65535")
    return port


def _non_negative(kind: type) -> object:
    def parse(value: str) -> object:
        number = kind(value)
        if number < 0:
            raise ValueError("must not be negative")
        return number

    return parse


def _positive(kind: type) -> object:
    def parse(value: str) -> object:
        number = kind(value)
        if number <= 0:
            raise ValueError("must be positive")
        return number

    return parse


PARSERS = {
    "host": str,
    "port": _parse_port,
    "db": _parse_db,
    "redis": _parse_redis,
    "data_dir": Path,
    "demo": _parse_bool,
    "seed": int,
    "speed": _non_negative(float),
    "start_at": _parse_instant,
    "units": _non_negative(int),
    "cases_per_year": _non_negative(int),
    "stale_after_s": _positive(int),
    "offline_after_s": _positive(int),
    "snapshot_hz": _positive(float),
    "token_ttl_h": _positive(int),
    "login_max_failures": _positive(int),
    "login_window_min": _positive(int),
    "login_address_max_failures": _positive(int),
    "cookie_secure": _parse_bool,
    "secret_key": str,
    "tile_url": lambda value: _parse_tile_url(value),
    "geocoder": lambda value: _parse_geocoder(value),
}


def _parse(key: str, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return PARSERS[key](value)
    except (ValueError, TypeError) as exc:
        flag = "--" + key.replace("_", "-")
        raise SettingsError(
            f"{flag} / {ENV_PREFIX}{key.upper()}: bad value {value!r}: {exc}"
        ) from None


def load_settings(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from ``ECC_*`` variables and explicit overrides (CLI flags); None means unset."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for item in fields(Settings):
        env_value = environ.get(ENV_PREFIX + item.name.upper())
        if env_value not in (None, ""):
            values[item.name] = _parse(item.name, env_value)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _parse(key, value)
    settings = Settings(**values)
    if settings.offline_after_s <= settings.stale_after_s:
        raise SettingsError("ECC_OFFLINE_AFTER_S must be longer than ECC_STALE_AFTER_S")
    return settings
