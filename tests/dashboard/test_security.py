"""Web security on the real app: cookies, CSRF and same-origin writes, security headers, login
lockout and throttling, kiosk tokens, device key rotation — and the audit entries they leave."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.security import content_security_policy, origin_of
from dashboard.services import build_services
from dashboard.settings import load_settings
from enforcement.lockout import LockoutPolicy, just_locked, verdict
from storage.audit import AuditQuery
from tests.dashboard.conftest import csrf_of, log_in, make_user, token_for

T = datetime(2026, 11, 23, 2, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def actions(center, **filters: object) -> list[str]:
    """Audit actions, oldest first."""
    entries, _ = center.services.audit.search(AuditQuery(limit=500, **filters))
    return [e.action for e in reversed(entries)]


def token_reply(client, username: str, password: str = "password-123", **environ: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base=environ)


# ---- the lockout rule (pure) --------------------------------------------------------------------

def test_the_lockout_is_a_sliding_window() -> None:
    policy = LockoutPolicy(max_failures=3, window=timedelta(minutes=15), max_address_failures=5)
    failures = [T - timedelta(minutes=m) for m in (1, 5, 10)]  # newest first
    locked = verdict(policy, account=failures, address=[], now=T)
    assert (locked.allowed, locked.reason, locked.retry_after_s) == (False, "account_locked", 300)
    assert verdict(policy, account=failures, address=[], now=T + timedelta(minutes=5)).allowed
    assert verdict(policy, account=failures[:2], address=[], now=T).allowed
    throttled = verdict(policy, account=[], address=[T] * 5, now=T)
    assert (throttled.reason, throttled.retry_after_s) == ("address_throttled", 900)
    assert just_locked(policy, failures, T) and not just_locked(policy, failures[:2], T)


# ---- cookies, CSRF, same origin -----------------------------------------------------------------

def test_the_session_cookie_is_httponly_lax_and_secure_over_https(client, center) -> None:
    plain = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    over_tls = center.server.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in over_tls.headers["Set-Cookie"]
    proxied = center.server.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in proxied.headers["Set-Cookie"]
    center.server.config["SESSION_COOKIE_SECURE"] = True  # ECC_COOKIE_SECURE=true
    assert "Secure" in center.server.test_client().get("/login").headers["Set-Cookie"]


def test_login_needs_the_forms_csrf_token(client, center) -> None:
    make_user(center, "zhang", "duty")
    form = {"username": "zhang", "password": "password-123", "next": "/wall"}
    assert client.post("/login", data=form).status_code == 400
    foreign = csrf_of(center.server.test_client())  # another browser's token
    assert client.post("/login", data=form | {"csrf_token": foreign}).status_code == 400
    assert client.get("/auth/session").status_code == 401
    assert log_in(client, "zhang").status_code == 302
    assert client.get("/auth/session").status_code == 200


def test_logout_needs_the_csrf_token_and_revokes_the_token(client, center) -> None:
    make_user(center, "zhang", "duty")
    log_in(client, "zhang")
    token = client.get("/auth/session").get_json()["token"]
    client.post("/logout", data={"csrf_token": "forged"})
    assert client.get("/auth/session").status_code == 200  # a forged logout does nothing
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 302
    assert client.get("/auth/session").status_code == 401
    assert client.get("/api/v1/courts", headers=bearer(token)).status_code == 401
    assert actions(center) == ["auth.login", "auth.logout"]


def test_writes_from_another_site_are_refused(client, center) -> None:
    make_user(center, "zhang", "duty")
    log_in(client, "zhang")
    dash = "/_dash-update-component"
    evil = client.post(dash, json={}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.get_json()["error"]["code"] == "cross_site"
    assert client.post(dash, json={}, headers={"Referer": "https://evil.example/x"}
                       ).status_code == 403
    assert client.post(dash, json={}, headers={"Origin": "null"}).status_code == 403
    assert client.post(dash, json={}, headers={"Origin": "http://localhost"}).status_code != 403
    assert client.post("/logout", data={"csrf_token": csrf_of(client)},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    reply = client.post("/api/v1/auth/token", headers={"Origin": "https://evil.example"},
                        json={"username": "zhang", "password": "password-123"})
    assert reply.status_code == 200  # the bearer API is not cookie-bound


# ---- headers ------------------------------------------------------------------------------------

def test_every_response_carries_the_security_headers(client, center) -> None:
    for path in ("/login", "/healthz", "/wall", "/_dash-layout"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "connect-src 'self' ws://localhost wss://localhost" in policy
        assert "'sha256-" in policy and "unsafe-eval" not in policy
        assert "script-src 'self' 'sha256-" in policy


def test_the_tile_servers_origin_is_allowed_when_set() -> None:
    origin = origin_of("https://tiles.court.example:8443/{z}/{x}/{y}.png")
    assert origin == "https://tiles.court.example:8443"
    policy = content_security_policy(host="ecc:8050", script_hashes=[], tile_origin=origin)
    assert "img-src 'self' data: blob: https://tiles.court.example:8443" in policy
    assert "connect-src 'self' ws://ecc:8050 wss://ecc:8050 https://tiles" in policy
    assert origin_of(None) is None


# ---- lockout and throttling ---------------------------------------------------------------------

def test_five_failures_lock_the_account_for_the_window(client, center) -> None:
    make_user(center, "zhang", "duty")
    for _ in range(5):
        assert log_in(client, "zhang", "wrong-password").status_code == 401
    locked = log_in(client, "zhang")  # the right password, too late
    assert locked.status_code == 423 and "账户已临时锁定" in locked.get_data(as_text=True)
    api = token_reply(client, "zhang")
    assert api.status_code == 423 and api.get_json()["error"]["code"] == "account_locked"
    assert 0 < int(api.headers["Retry-After"]) <= 15 * 60
    center.services.clock.advance(minutes=15, seconds=1)
    assert token_reply(client, "zhang").status_code == 200
    assert actions(center, action="auth.") == ["auth.login_failed"] * 5 + [
        "auth.lockout", "auth.login_refused", "auth.login_refused", "auth.login"]


def test_a_success_starts_the_count_again(client, center) -> None:
    make_user(center, "zhang", "duty")
    for _ in range(4):
        token_reply(client, "zhang", "wrong-password")
    assert token_reply(client, "zhang").status_code == 200
    for _ in range(4):
        token_reply(client, "zhang", "wrong-password")
    assert token_reply(client, "zhang").status_code == 200


@pytest.fixture
def strict_center(tmp_path: Path, sqlite_url: str, clock):
    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false",
                              "login_address_max_failures": "3"}, environ={})
    services = build_services(settings, clock=clock)
    made = create_app(settings, services=services, secret_key="test-secret")
    yield made
    made.stop()
    services.db.dispose()


def test_many_failures_from_one_address_throttle_it(strict_center) -> None:
    client = strict_center.server.test_client()
    make_user(strict_center, "zhang", "duty")
    for name in ("a", "b", "c"):
        assert token_reply(client, name, "guess", REMOTE_ADDR="10.0.0.9").status_code == 401
    throttled = token_reply(client, "zhang", REMOTE_ADDR="10.0.0.9")
    assert throttled.status_code == 429
    assert throttled.get_json()["error"]["code"] == "address_throttled"
    assert token_reply(client, "zhang", REMOTE_ADDR="10.0.0.10").status_code == 200
    [refused] = [e for e in strict_center.services.audit.search(AuditQuery())[0]
                 if e.action == "auth.login_refused"]
    assert '"ip":"10.0.0.9"' in refused.detail


# ---- kiosk tokens -------------------------------------------------------------------------------

def test_a_kiosk_token_opens_the_wall_only_and_can_be_revoked(client, center) -> None:
    admin = bearer(token_for(client, center, "admin", None))
    assert client.post("/api/v1/kiosks", headers=bearer(token_for(client, center, "duty")),
                       json={"court_id": "210102"}).status_code == 403
    issued = client.post("/api/v1/kiosks", headers=admin,
                         json={"court_id": "210102", "name": "hall", "days": 10})
    assert issued.status_code == 201
    kiosk = issued.get_json()
    assert kiosk["url"].endswith(f"/kiosk/{kiosk['token']}") and kiosk["name"] == "hall"
    assert kiosk["expires_at"] == (center.services.clock.now() + timedelta(days=10)).isoformat()
    wall = center.server.test_client()
    entered = wall.get(f"/kiosk/{kiosk['token']}")
    assert (entered.status_code, entered.headers["Location"]) == (302, "/wall")
    assert wall.get("/wall").status_code == 200
    assert wall.get("/alerts").headers["Location"] == "/wall"
    assert wall.get("/auth/session").get_json()["role"] == "kiosk"
    as_api = bearer(kiosk["token"])
    assert client.get("/api/v1/alerts", headers=as_api).status_code == 200
    assert client.post("/api/v1/cases", headers=as_api, json={}).status_code == 403
    listed = client.get("/api/v1/kiosks", headers=admin).get_json()
    assert [k["name"] for k in listed] == ["hall"] and "token" not in listed[0]
    revoked = client.delete(f"/api/v1/kiosks/{kiosk['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert wall.get("/wall").headers["Location"].startswith("/login")
    again = center.server.test_client().get(f"/login?kiosk={kiosk['token']}")
    assert again.status_code == 403 and "大屏令牌无效" in again.get_data(as_text=True)
    assert [a for a in actions(center) if a.startswith(("kiosk", "auth.kiosk"))] == [
        "kiosk.issue", "auth.kiosk_login", "kiosk.revoke"]


# ---- device keys --------------------------------------------------------------------------------

def osmand(client, key: str, center) -> int:
    at = int(center.services.clock.now().timestamp())
    return client.get("/ingest/osmand", query_string={
        "id": "DB0001", "lat": "41.775", "lon": "123.4", "timestamp": str(at), "key": key
    }).status_code


def test_rotating_a_key_stops_the_old_one_at_once(client, center, device_key) -> None:
    admin = bearer(token_for(client, center, "admin", None))
    assert osmand(client, device_key, center) == 200
    reply = client.post("/api/v1/units/DB0001/key", headers=admin, json={})
    assert reply.status_code == 200
    new_key = reply.get_json()["key"]
    assert osmand(client, device_key, center) == 401
    assert osmand(client, new_key, center) == 200
    events = [e.data for e in center.services.bus.replay(["units"], None)]
    assert {"unit_id": "DB0001", "event": "key_rotated"}.items() <= events[-1].items()
    assert client.post("/api/v1/units/DB0001/key", headers=bearer(token_for(
        client, center, "dispatcher")), json={}).status_code == 403


def test_a_grace_period_keeps_the_old_key_for_a_while(client, center, device_key) -> None:
    admin = bearer(token_for(client, center, "admin", None))
    new_key = client.post("/api/v1/units/DB0001/key", headers=admin,
                          json={"grace_s": 600}).get_json()["key"]
    assert osmand(client, device_key, center) == 200 and osmand(client, new_key, center) == 200
    center.services.clock.advance(seconds=601)
    assert osmand(client, device_key, center) == 401 and osmand(client, new_key, center) == 200


def test_other_processes_drop_the_old_key_through_the_redis_bus(tmp_path: Path, sqlite_url: str,
                                                                 redis_url: str, clock) -> None:
    from enforcement.model import Unit, UnitKind

    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false",
                              "redis": redis_url}, environ={})
    here, there = build_services(settings, clock=clock), build_services(settings, clock=clock)
    try:
        old = here.units.add(Unit(id="DB7", court_id="210102", kind=UnitKind.CAR))
        assert there.units.authenticate("DB7", old).id == "DB7"  # now cached over there
        here.admin.rotate_key("DB7", actor="admin")
        deadline = time.monotonic() + 3  # well inside the 10 s cache expiry
        while time.monotonic() < deadline and "DB7" in there.units._key_cache:
            time.sleep(0.05)
        with pytest.raises(Exception, match="wrong device key"):
            there.units.authenticate("DB7", old)
    finally:
        for services in (here, there):
            services.bus.close()
            services.db.dispose()


def test_a_key_rotated_by_another_process_works_at_once(tmp_path: Path, sqlite_url: str,
                                                        clock) -> None:
    """Without a shared bus (``ecc unit rotate-key`` beside a running server) the new key works
    at once; the old one at most ``KEY_CACHE_S`` longer."""
    from enforcement.model import Unit, UnitKind

    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false"},
                             environ={})
    server, cli = build_services(settings, clock=clock), build_services(settings, clock=clock)
    old = server.units.add(Unit(id="DB8", court_id="210102", kind=UnitKind.CAR))
    assert server.units.authenticate("DB8", old).id == "DB8"
    new = cli.admin.rotate_key("DB8", actor="cli:test")
    assert server.units.authenticate("DB8", new).id == "DB8"
    with pytest.raises(Exception, match="wrong device key"):
        server.units.authenticate("DB8", old)  # reloading for the new key dropped the old
    for services in (server, cli):
        services.db.dispose()


# ---- every write path leaves an entry -----------------------------------------------------------

def test_each_write_path_is_audited(client, center, device_key, sqlite_url: str) -> None:
    from dashboard.cli import run
    from tests.dashboard.test_api_cases import CASE_NO, new_case
    from tests.dashboard.test_dispatch import HOME, TARGET, fix
    from tests.dashboard.test_tips import tip

    duty = bearer(token_for(client, center, "duty", "2101"))
    leader = bearer(token_for(client, center, "leader", "2101"))
    dispatcher = bearer(token_for(client, center, "dispatcher", "2101"))
    intake = bearer(token_for(client, center, "intake", "2101"))
    admin = bearer(token_for(client, center, "admin", None))
    assert client.post("/api/v1/cases", json=new_case(), headers=duty).status_code == 201
    assert client.post(f"/api/v1/cases/{CASE_NO}/events", headers=duty, json={
        "type": "handler_assigned", "officer_id": "O1", "at": "2026-11-03T09:00:00+08:00"}
    ).status_code == 200
    engine = center.services.alert_engine
    engine.load()
    engine.tick()
    alerts = {a["node"]: a for a in client.get("/api/v1/alerts", headers=duty).get_json()}
    overdue = next(a for a in alerts.values() if a["level"] == "overdue")
    assert client.post(f"/api/v1/alerts/{overdue['id']}/ack", json={"note": "已联系"},
                       headers=duty).status_code == 200
    assert client.post(f"/api/v1/alerts/{overdue['id']}/chase", json={"note": "督办"},
                       headers=leader).status_code == 200
    assert client.post(f"/api/v1/cases/{CASE_NO}/unlock", json={"reason": "局长审批同意"},
                       headers=leader).status_code == 200
    taken = client.post("/api/v1/tips", headers=intake, json=tip()).get_json()
    assert client.post(f"/api/v1/tips/{taken['id']}/triage", headers=intake,
                       json={"decision": "reject", "reason": "重复来电"}).status_code == 200
    fix(client, device_key, center, **HOME)
    sent = client.post("/api/v1/dispatches", headers=dispatcher, json={
        "unit_id": "DB0001", "target": {"kind": "incident", "ref": "现场", **TARGET}}).get_json()
    for step, body in (("ack", {}), ("arrive", {}), ("outcome", {"measures": ["seizure"]})):
        reply = client.post(f"/api/v1/dispatches/{sent['id']}/{step}", headers=dispatcher,
                            json=body)
        assert reply.status_code == 200, reply.get_json()
    client.post("/api/v1/units/DB0001/key", headers=admin, json={})
    kiosk = client.post("/api/v1/kiosks", headers=admin, json={"court_id": "2101"}).get_json()
    client.delete(f"/api/v1/kiosks/{kiosk['id']}", headers=admin)
    client.post("/api/v1/users/duty-2101/revoke-tokens", headers=admin)
    assert run(["user", "add", "wang", "--role", "intake", "--court", "2101", "--db",
                sqlite_url]) == 0
    assert run(["unit", "add", "DB0002", "--court", "210102", "--db", sqlite_url]) == 0

    recorded = set(actions(center))
    assert recorded >= {
        "auth.login", "case.create", "case.event", "case.lock", "alert.ack", "alert.chase",
        "case.unlock", "tip.take", "tip.triage", "dispatch.assign", "dispatch.ack",
        "dispatch.arrive", "dispatch.outcome", "unit.key_rotate", "kiosk.issue", "kiosk.revoke",
        "token.revoke_all", "user.add", "unit.add"}
    entries, _ = center.services.audit.search(AuditQuery(action="alert.chase"))
    assert (entries[0].actor, entries[0].role, entries[0].court_id) == ("leader-2101", "leader",
                                                                        "2101")
    [ack] = center.services.audit.search(AuditQuery(action="dispatch.ack"))[0]
    assert (ack.actor, ack.role) == ("dispatcher-2101", "dispatcher")
    [cli] = center.services.audit.search(AuditQuery(action="user.add", target="wang"))[0]
    assert cli.actor.startswith("cli")
    assert center.services.audit.verify()[1] is None


# ---- the audit page and API ---------------------------------------------------------------------

def test_the_audit_api_is_for_admins(client, center) -> None:
    admin = bearer(token_for(client, center, "admin", None))
    duty = bearer(token_for(client, center, "duty"))
    assert client.get("/api/v1/audit", headers=duty).status_code == 403
    found = client.get("/api/v1/audit?action=auth.&limit=1", headers=admin).get_json()
    assert found["total"] == 2 and len(found["entries"]) == 1
    assert found["entries"][0]["actor"] == "duty-2101"  # newest first
    bad = client.get("/api/v1/audit?from=yesterday", headers=admin)
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "from")
    assert client.get("/api/v1/audit/verify", headers=admin).get_json()["intact"] is True


def test_the_audit_page_shows_admins_and_refuses_others(client, center) -> None:
    from dashboard import ids
    from dashboard.callbacks.audit_page import search, verify_message
    from dashboard.callbacks.router import render

    make_user(center, "root", "admin", None)
    make_user(center, "zhang", "duty")
    for username in ("root", "zhang"):
        with center.server.test_request_context("/audit"):
            from flask import session

            session["token"] = center.services.users.issue_token(
                username, "password-123", now=center.services.clock.now(),
                ttl=timedelta(hours=1)).token
            page = str(render(center.services, "/audit", ""))
        assert (ids.AUDIT_TABLE in page) == (username == "root")
    for n in range(60):
        center.services.audit.record("case.event", f"C{n}", actor="duty")
    table, shown, label = search(center.services, {"action": "case.event"}, 5)
    assert (shown, label) == (1, "第 2 / 2 页，共 60 条")
    center.services.clock.advance(hours=2)
    center.services.audit.record("case.event", "later", actor="duty")
    later = {"from": "2026-11-23 11:00", "to": "2026-11-24"}  # Shenyang time; T0 is 10:00
    assert search(center.services, later, 0)[2] == "第 1 / 1 页，共 1 条"
    assert "无法识别的时间 soon" in search(center.services, {"from": "soon"}, 0)[2]
    assert "哈希链完整：61 条" in verify_message(center.services)


def test_revoking_tokens_stays_within_the_admins_courts(client, center) -> None:
    make_user(center, "zhang", "duty", "210103")
    token = token_reply(client, "zhang").get_json()["token"]
    local_admin = bearer(token_for(client, center, "admin", "210102"))
    refused = client.post("/api/v1/users/zhang/revoke-tokens", headers=local_admin)
    assert refused.status_code == 403
    assert client.post("/api/v1/users/nobody/revoke-tokens", headers=local_admin
                       ).status_code == 404
    city_admin = bearer(token_for(client, center, "admin", None))
    done = client.post("/api/v1/users/zhang/revoke-tokens", headers=city_admin)
    assert done.get_json() == {"username": "zhang", "revoked": 1}
    assert client.get("/api/v1/courts", headers=bearer(token)).status_code == 401
