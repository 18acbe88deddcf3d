"""Shared fixtures: real SQLite files, a PostgreSQL database of our own, Redis db 15, real servers.

PostgreSQL and Redis tests skip with a visible reason when the server is unreachable, unless
``ECC_REQUIRE_SERVICES=1`` (set by ``make test`` in CI), where an unreachable service fails them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from enforcement.clock import FrozenClock

PG_ADMIN_URL = os.environ.get("ECC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("ECC_TEST_REDIS", "redis://127.0.0.1:6379/15")
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shenyang, a Monday


def require_or_skip(reason: str) -> None:
    if os.environ.get("ECC_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (ECC_REQUIRE_SERVICES=1: services must be running)")
    pytest.skip(reason)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ecc.sqlite3'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    import psycopg

    name = f"ecc_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        require_or_skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        require_or_skip(f"Redis unreachable at {REDIS_TEST_URL}: {exc}")
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    process: subprocess.Popen

    @property
    def accounts(self) -> dict[str, str]:
        lines = (self.data_dir / "demo-accounts.txt").read_text().splitlines()
        return {p[0]: p[2] for p in (line.split() for line in lines if not line.startswith("#"))}

    def token(self, username: str = "duty") -> str:
        reply = requests.post(f"{self.url}/api/v1/auth/token", timeout=10,
                              json={"username": username, "password": self.accounts[username]})
        reply.raise_for_status()
        return reply.json()["token"]


def start_server(data_dir: Path, *extra: str) -> RunningServer:
    """``ecc serve`` as a user runs it, on a free port, until the test ends."""
    port = free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "serve", "--port", str(port), "--data-dir",
         str(data_dir), *extra],
        stdout=log, stderr=subprocess.STDOUT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text())
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                return RunningServer(url, data_dir, process)
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not answer /healthz within 60 s")


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A demo center at 30× speed: simulated units report through the real ingest path."""
    server = start_server(tmp_path_factory.mktemp("center"), "--speed", "30", "--units", "60",
                          "--cases-per-year", "3000")
    yield server
    stop_server(server)
