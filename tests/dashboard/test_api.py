"""The HTTP API through the Flask test client, on a real SQLite store."""

from __future__ import annotations

import pytest

from enforcement.errors import NotFound
from storage.audit import AuditQuery
from tests.dashboard.conftest import log_in, make_user, token_for


def test_healthz(client) -> None:
    assert client.get("/healthz").get_json() == {
        "status": "ok", "store": "sqlite", "bus": "memory", "version": "0.1.0"}


def test_token_for_good_credentials_and_401_otherwise(client, center) -> None:
    make_user(center, "zhang", "duty")
    good = client.post("/api/v1/auth/token", json={"username": "zhang", "password": "password-123"})
    assert good.status_code == 200
    assert set(good.get_json()) == {"token", "role", "expires_at"}
    wrong = client.post("/api/v1/auth/token", json={"username": "zhang", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["field"] == "password"


def test_missing_fields_and_non_json_are_named(client) -> None:
    missing = client.post("/api/v1/auth/token", json={"password": "x"})
    assert (missing.status_code, missing.get_json()["error"]["field"]) == (422, "username")
    not_json = client.post("/api/v1/auth/token", data="username=x")
    assert (not_json.status_code, not_json.get_json()["error"]["field"]) == (422, "body")


def test_api_needs_a_bearer_token(client) -> None:
    reply = client.get("/api/v1/courts")
    assert reply.status_code == 401
    assert reply.get_json()["error"]["field"] == "Authorization"
    assert client.get("/api/v1/courts", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_courts_are_scoped_to_the_callers_court(client, center) -> None:
    city_wide = token_for(client, center, "admin", None)
    basic = token_for(client, center, "duty", "210102")
    all_courts = client.get("/api/v1/courts", headers={"Authorization": f"Bearer {city_wide}"})
    assert len(all_courts.get_json()) == 16
    assert {c["level"] for c in all_courts.get_json()} == {"high", "intermediate", "basic"}
    own = client.get("/api/v1/courts", headers={"Authorization": f"Bearer {basic}"}).get_json()
    assert [c["id"] for c in own] == ["210102"]


def test_unit_status_lifecycle_over_http(client, center, device_key) -> None:
    dispatcher = token_for(client, center, "dispatcher")
    duty = token_for(client, center, "duty")
    path = "/api/v1/units/DB0001/status"
    forbidden = client.post(path, json={"status": "dispatched"},
                            headers={"Authorization": f"Bearer {duty}"})
    assert forbidden.status_code == 403
    auth = {"Authorization": f"Bearer {dispatcher}"}
    assert client.post(path, json={"status": "dispatched"}, headers=auth).status_code == 200
    refused = client.post(path, json={"status": "off_duty"}, headers=auth)
    assert refused.status_code == 409 and refused.get_json()["error"]["field"] == "status"
    unknown = client.post(path, json={"status": "asleep"}, headers=auth)
    assert unknown.status_code == 422
    events = center.services.bus.replay(["units"], None)
    assert [e.data["status"] for e in events] == ["dispatched"]
    logged, _ = center.services.audit.search(AuditQuery(action="unit.status"))
    assert [(e.role, e.target) for e in logged] == [("dispatcher", "DB0001")]  # only the change


def test_pages_require_login(client, center) -> None:
    assert client.get("/wall").status_code == 302
    assert client.get("/wall").headers["Location"].startswith("/login")
    assert client.post("/_dash-update-component", json={}).status_code == 401
    make_user(center, "duty1", "duty")
    bad = log_in(client, "duty1", "wrong")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    good = log_in(client, "duty1")
    assert good.status_code == 302 and good.headers["Location"] == "/wall"
    assert client.get("/wall").status_code == 200
    assert client.get("/auth/session").get_json()["role"] == "duty"


def test_login_never_redirects_off_site(client, center) -> None:
    make_user(center, "duty2", "duty")
    reply = log_in(client, "duty2", next_path="https://evil.example/")
    assert reply.headers["Location"] == "/"


def test_wall_layout_renders_from_data(client, center) -> None:
    make_user(center, "duty3", "duty")
    log_in(client, "duty3")
    assert client.get("/_dash-layout").status_code == 200


def test_a_restarted_clock_resumes_where_the_history_ends(tmp_path, sqlite_url, clock) -> None:
    """A fast simulated clock ran ahead of real time; after a restart it must not run backwards."""
    from datetime import timedelta

    from dashboard.services import build_services
    from dashboard.settings import load_settings
    from enforcement.model import Fix, Unit, UnitKind

    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false"},
                             environ={})
    first = build_services(settings, clock=clock)
    first.units.add(Unit(id="DB1", court_id="210102", kind=UnitKind.CAR))
    ahead = clock.now().replace(year=2030) + timedelta(hours=1)
    first.units.record_fixes([Fix("DB1", 41.8, 123.4, ahead, ahead)])
    second = build_services(settings)
    assert second.clock.now() >= ahead


def test_registering_a_unit_names_the_bad_field_and_keeps_the_first(client, center) -> None:
    auth = {"Authorization": f"Bearer {token_for(client, center, 'admin', None)}"}
    good = client.post("/api/v1/units", headers=auth,
                       json={"unit_id": "DB9001", "court_id": "210102", "kind": "car"})
    assert good.status_code == 201 and len(good.get_json()["key"]) >= 40
    for body, field in [({"unit_id": "bad id!", "court_id": "210102"}, "unit_id"),
                        ({"unit_id": "DB9002", "court_id": "999"}, "court_id"),
                        ({"unit_id": "DB9002", "court_id": "210102", "kind": "horse"}, "kind")]:
        reply = client.post("/api/v1/units", headers=auth, json=body)
        assert reply.status_code == 422 and reply.get_json()["error"]["field"] == field
    again = client.post("/api/v1/units", headers=auth,
                        json={"unit_id": "DB9001", "court_id": "210103", "kind": "foot"})
    assert again.status_code == 409
    assert center.services.units.get("DB9001").court_id == "210102"  # the first stays as it was
    with pytest.raises(NotFound):
        center.services.units.get("DB9002")  # nothing half-written by the refused ones
