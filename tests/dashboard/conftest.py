"""A center built by the factory on a real SQLite file, with a frozen clock and the memory bus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.app import CommandCenter, create_app
from dashboard.services import build_services
from dashboard.settings import load_settings
from enforcement.model import Unit, UnitKind


@pytest.fixture
def center(tmp_path: Path, sqlite_url: str, clock) -> Iterator[CommandCenter]:
    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false"},
                             environ={})
    services = build_services(settings, clock=clock)
    made = create_app(settings, services=services, secret_key="test-secret")
    yield made
    made.stop()
    services.db.dispose()


@pytest.fixture
def client(center: CommandCenter):
    return center.server.test_client()


@pytest.fixture
def device_key(center: CommandCenter) -> str:
    return center.services.units.add(Unit(id="DB0001", court_id="210102", kind=UnitKind.CAR))


def make_user(center: CommandCenter, username: str, role: str, court_id: str | None = "2101",
              password: str = "password-123") -> str:
    center.services.users.add(username, password, role, court_id=court_id,
                              now=center.services.clock.now())
    return password


def token_for(client, center: CommandCenter, role: str = "duty",
              court_id: str | None = "2101") -> str:
    password = make_user(center, f"{role}-{court_id}", role, court_id)
    reply = client.post("/api/v1/auth/token", json={"username": f"{role}-{court_id}",
                                                    "password": password})
    return reply.get_json()["token"]


def csrf_of(client, path: str = "/login") -> str:
    """The CSRF token a form carries (the login form, or a page's logout form)."""
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, username: str, password: str = "password-123", next_path: str = "/wall"):
    """Sign in through the /login form as a browser does: fetch the form, post it with its token."""
    return client.post("/login", data={"username": username, "password": password,
                                       "next": next_path, "csrf_token": csrf_of(client)})
