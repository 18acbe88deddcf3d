"""``ecc`` as a user types it: settings from flags and ECC_* variables, exit 2 on bad input."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dashboard.cli import run
from dashboard.settings import SettingsError, load_settings


def ecc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True,
                          text=True, timeout=60, env=os.environ | (env or {}))


def test_defaults_are_the_embedded_center() -> None:
    settings = load_settings({}, environ={})
    assert (settings.host, settings.port, settings.demo, settings.speed) == ("127.0.0.1", 8050,
                                                                            True, 1.0)
    assert settings.store_kind == "sqlite" and settings.bus_kind == "memory"
    assert settings.db_url.endswith("var/ecc.sqlite3")


def test_flags_beat_environment_which_beats_defaults() -> None:
    environ = {"ECC_PORT": "9000", "ECC_SPEED": "60", "ECC_DEMO": "false"}
    settings = load_settings({"port": "9100"}, environ=environ)
    assert (settings.port, settings.speed, settings.demo) == (9100, 60.0, False)


def test_start_at_needs_an_offset() -> None:
    at = load_settings({"start_at": "2026-11-23T09:00+08:00"}, environ={}).start_at
    assert at == datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
    with pytest.raises(SettingsError, match="--start-at"):
        load_settings({"start_at": "2026-11-23T09:00"}, environ={})


@pytest.mark.parametrize(("key", "value", "named"), [
    ("port", "http", "--port"), ("port", "70000", "--port"), ("speed", "-1", "--speed"),
    ("db", "mysql://x", "--db"), ("redis", "http://x", "--redis"), ("demo", "maybe", "--demo"),
    ("seed", "seven", "--seed"),
])
def test_bad_values_are_named(key: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings({key: value}, environ={})


def test_a_bad_environment_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="ECC_PORT"):
        load_settings({}, environ={"ECC_PORT": "eighty"})


def test_bad_flag_value_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["serve", "--port", "nope", "--data-dir", str(tmp_path)]) == 2
    assert "--port" in capsys.readouterr().err


def test_port_in_use_exits_2_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = ecc("serve", "--no-demo", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"--port {port}" in result.stderr


def test_unreachable_redis_exits_2_naming_it(tmp_path: Path) -> None:
    from tests.conftest import free_port

    result = ecc("serve", "--no-demo", "--port", str(free_port()), "--data-dir", str(tmp_path),
                 "--redis", "redis://127.0.0.1:1/0")
    assert result.returncode == 2
    assert "redis://127.0.0.1:1/0" in result.stderr


def test_user_and_unit_add_print_their_secrets(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    user = ecc("user", "add", "wang", "--role", "dispatcher", "--court", "210102", *data)
    assert user.returncode == 0 and len(user.stdout.strip()) >= 12
    unit = ecc("unit", "add", "DB7777", "--court", "210102", "--kind", "car", *data)
    assert unit.returncode == 0 and len(unit.stdout.strip()) >= 40
    again = ecc("unit", "add", "DB7777", "--court", "210102", *data)
    assert again.returncode == 2 and "DB7777" in again.stderr
    bad_role = ecc("user", "add", "li", "--role", "boss", *data)
    assert bad_role.returncode == 2 and "role" in bad_role.stderr
    bad_court = ecc("unit", "add", "DB8888", "--court", "999", *data)
    assert bad_court.returncode == 2 and "--court 999" in bad_court.stderr


def test_version() -> None:
    assert ecc("--version").stdout.strip() == "ecc 0.1.0"


def test_kiosk_tokens_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert run(["kiosk", "add", "--court", "210102", "--name", "hall", "--days", "7", *data]) == 0
    first, token_line, url = capsys.readouterr().out.strip().splitlines()
    token = token_line.removeprefix("token ")
    assert first.startswith("kiosk 1 hall court 210102 until ")
    assert url == f"http://127.0.0.1:8050/kiosk/{token}"
    assert run(["kiosk", "list", *data]) == 0
    assert capsys.readouterr().out.split("\t")[:3] == ["1", "hall", "210102"]
    assert run(["kiosk", "revoke", "1", *data]) == 0
    assert "revoked" in capsys.readouterr().out
    assert run(["kiosk", "add", "--court", "999", *data]) == 2
    assert run(["kiosk", "revoke", "42", *data]) == 2
    with pytest.raises(SystemExit) as bad_days:
        run(["kiosk", "add", "--court", "210102", "--days", "0", *data])
    assert bad_days.value.code == 2


def test_rotating_a_device_key_prints_the_new_one(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    from dashboard.services import build_services

    data = ["--data-dir", str(tmp_path)]
    assert run(["unit", "add", "DB7", "--court", "210102", *data]) == 0
    old = capsys.readouterr().out.strip()
    assert run(["unit", "rotate-key", "DB7", *data]) == 0
    new = capsys.readouterr().out.strip()
    assert len(new) >= 40 and new != old
    services = build_services(load_settings({"data_dir": str(tmp_path), "demo": "false"},
                                            environ={}))
    assert services.units.authenticate("DB7", new).id == "DB7"
    with pytest.raises(Exception, match="wrong device key"):
        services.units.authenticate("DB7", old)
    assert run(["unit", "rotate-key", "NOPE", *data]) == 2


def test_revoking_a_users_tokens_and_verifying_the_audit_log(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert run(["user", "add", "wang", "--role", "duty", "--password", "long-enough", *data]) == 0
    assert run(["token", "revoke", "wang", *data]) == 0
    assert "0 token(s) of wang revoked" in capsys.readouterr().out
    assert run(["token", "revoke", "nobody", *data]) == 2
    assert run(["audit", "verify", *data]) == 0
    assert "intact: 2 entries" in capsys.readouterr().out
