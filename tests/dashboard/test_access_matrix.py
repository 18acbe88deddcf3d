"""The access matrix: every HTTP endpoint × every role × a court inside and outside its scope.

The expected roles come from ``dashboard.policy.API``; this file says how to call each endpoint
on a fresh record of a given court. A call that must be refused gets 401/403 and changes nothing
in the store (no row, no event); an allowed call inside the caller's scope succeeds; a listing
shows the caller's courts only. A route missing from the matrix fails the coverage test, so a new
endpoint cannot slip through unguarded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from dashboard import policy
from tests.dashboard.access_world import (
    ANONYMOUS,
    BASIC,
    Caller,
    World,
    close_world,
    open_world,
    unit_of,
)


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    data: str | None = None  # a raw body (NMEA text) instead of JSON


@dataclass(frozen=True)
class Probe:
    """How to call one endpoint on a fresh record of ``court``, and how its scope shows:
    ``record`` refuses a record outside the scope (403); ``filter`` refuses a ``court_id``
    outside it (403) and lists within it; ``listing`` narrows its reply to the scope; ``none``
    has no court to check."""

    call: Callable[[World, str], Call]
    scope: str = "record"
    courts: Callable[[Any], list[str | None]] | None = None  # the courts a reply shows


def ids(key: str) -> Callable[[Any], list[str | None]]:
    return lambda reply: [item[key] for item in reply]


def ranked(reply: Any) -> list[str | None]:
    return [r["court_id"] for r in reply["ranked"] + reply["skipped"]]


def since(world: World) -> str:
    return quote((world.services.clock.now() - timedelta(hours=1)).isoformat())


def fresh_kiosk(world: World, court: str) -> int:
    return world.services.admin.issue_kiosk(court_id=court, name=f"大屏{next(world.serial)}",
                                            actor=None, days=1).kiosk.id


def fresh_user(world: World, court: str) -> str:
    username = f"someone-{next(world.serial)}"
    world.services.users.add(username, "password-123", "duty", court_id=court,
                             now=world.services.clock.now())
    return username


def alerts_of(world: World, court: str) -> Call:
    world.case(court)  # so that there are alerts to list
    return Call("GET", f"/api/v1/alerts?court_id={court}")


def tips_of(world: World, court: str) -> Call:
    world.tip(court)
    return Call("GET", "/api/v1/tips")


def kiosks_of(world: World, court: str) -> Call:
    fresh_kiosk(world, court)
    return Call("GET", "/api/v1/kiosks")


MATRIX: dict[str, Probe] = {
    "GET /api/v1/courts": Probe(lambda w, c: Call("GET", "/api/v1/courts"), "listing", ids("id")),
    "GET /api/v1/units": Probe(lambda w, c: Call("GET", "/api/v1/units"), "listing",
                               ids("court_id")),
    "GET /api/v1/units/nearest": Probe(lambda w, c: Call(
        "GET", "/api/v1/units/nearest?lat={}&lon={}&k=50".format(*w.place(c))), "listing", ranked),
    "GET /api/v1/units/<unit_id>/track": Probe(lambda w, c: Call(
        "GET", f"/api/v1/units/{unit_of(c)}/track?from={since(w)}")),
    "POST /api/v1/units/<unit_id>/status": Probe(lambda w, c: Call(
        "POST", f"/api/v1/units/{w.free_unit(c)}/status", {"status": "available"})),
    "GET /api/v1/dispatches": Probe(lambda w, c: Call("GET", "/api/v1/dispatches"), "listing",
                                    ids("court_id")),
    "POST /api/v1/dispatches": Probe(lambda w, c: Call(
        "POST", "/api/v1/dispatches", {"unit_id": w.free_unit(c), "target": w.target(c)})),
    "POST /api/v1/dispatches/<int:dispatch_id>/ack": Probe(lambda w, c: Call(
        "POST", f"/api/v1/dispatches/{w.dispatch(c)}/ack", {})),
    "POST /api/v1/dispatches/<int:dispatch_id>/arrive": Probe(lambda w, c: Call(
        "POST", f"/api/v1/dispatches/{w.dispatch(c, up_to='acknowledged')}/arrive", {})),
    "POST /api/v1/dispatches/<int:dispatch_id>/outcome": Probe(lambda w, c: Call(
        "POST", f"/api/v1/dispatches/{w.dispatch(c, up_to='arrived')}/outcome",
        {"measures": ["settlement"], "amount_recovered": 1000})),
    "POST /api/v1/dispatches/<int:dispatch_id>/cancel": Probe(lambda w, c: Call(
        "POST", f"/api/v1/dispatches/{w.dispatch(c)}/cancel", {"reason": "撤销"})),
    "POST /api/v1/cases": Probe(lambda w, c: Call("POST", "/api/v1/cases", w.case_payload(c))),
    "GET /api/v1/cases/<path:case_no>": Probe(lambda w, c: Call(
        "GET", f"/api/v1/cases/{w.case(c)}")),
    "POST /api/v1/cases/<path:case_no>/events": Probe(lambda w, c: Call(
        "POST", f"/api/v1/cases/{w.open_case(c)}/events",
        {"type": "lead_received", "lead_id": f"L{next(w.serial)}", "urgent": False,
         "at": w.services.clock.now().isoformat()})),
    "POST /api/v1/cases/<path:case_no>/unlock": Probe(lambda w, c: Call(
        "POST", f"/api/v1/cases/{w.locked_case(c)}/unlock", {"reason": "院长审批同意"})),
    "GET /api/v1/alerts": Probe(alerts_of, "filter", ids("court_id")),
    "POST /api/v1/alerts/<int:alert_id>/ack": Probe(lambda w, c: Call(
        "POST", f"/api/v1/alerts/{w.alert(c)}/ack", {"note": "已联系"})),
    "POST /api/v1/alerts/<int:alert_id>/chase": Probe(lambda w, c: Call(
        "POST", f"/api/v1/alerts/{w.alert(c)}/chase", {"note": "督办"})),
    "GET /api/v1/tips": Probe(tips_of, "listing", ids("court_id")),
    "POST /api/v1/tips": Probe(lambda w, c: Call("POST", "/api/v1/tips", {
        "kind": "debtor_whereabouts", "address": "沈阳市和平区太原街", "description": "看见车"}),
        "none"),
    "GET /api/v1/tips/<int:tip_id>": Probe(lambda w, c: Call("GET", f"/api/v1/tips/{w.tip(c)}")),
    "POST /api/v1/tips/<int:tip_id>/triage": Probe(lambda w, c: Call(
        "POST", f"/api/v1/tips/{w.tip(c)}/triage", {"decision": "reject", "reason": "重复"})),
    "GET /api/v1/stats/intake": Probe(lambda w, c: Call(
        "GET", f"/api/v1/stats/intake?court_id={c}"), "filter"),
    "GET /api/v1/analytics/kpis": Probe(lambda w, c: Call(
        "GET", f"/api/v1/analytics/kpis?court_id={c}"), "filter"),
    "GET /api/v1/analytics/breakdown": Probe(lambda w, c: Call(
        "GET", f"/api/v1/analytics/breakdown?by=debtor_type&court_id={c}"), "filter"),
    "GET /api/v1/analytics/export.csv": Probe(lambda w, c: Call(
        "GET", f"/api/v1/analytics/export.csv?court_id={c}"), "filter"),
    "GET /api/v1/analytics/trend": Probe(lambda w, c: Call(
        "GET", f"/api/v1/analytics/trend?court_id={c}"), "filter"),
    "GET /api/v1/analytics/ranking": Probe(lambda w, c: Call(
        "GET", f"/api/v1/analytics/ranking?court_id={c}"), "filter",
        lambda reply: [row["court_id"] for row in reply["rows"]]),
    "GET /api/v1/analytics/cases": Probe(lambda w, c: Call(
        "GET", f"/api/v1/analytics/cases?court_id={c}&status=open"), "filter",
        lambda reply: [case["court_id"] for case in reply["cases"]]),
    "GET /api/v1/audit": Probe(lambda w, c: Call("GET", "/api/v1/audit"), "none"),
    "GET /api/v1/audit/verify": Probe(lambda w, c: Call("GET", "/api/v1/audit/verify"), "none"),
    "POST /api/v1/units": Probe(lambda w, c: Call("POST", "/api/v1/units", {
        "unit_id": f"NEW{next(w.serial)}", "court_id": c, "kind": "car"})),
    "POST /api/v1/units/<unit_id>/key": Probe(lambda w, c: Call(
        "POST", f"/api/v1/units/{unit_of(c)}/key", {"grace_s": 60})),
    "GET /api/v1/kiosks": Probe(kiosks_of, "listing", ids("court_id")),
    "POST /api/v1/kiosks": Probe(lambda w, c: Call(
        "POST", "/api/v1/kiosks", {"court_id": c, "name": f"大屏{next(w.serial)}"})),
    "DELETE /api/v1/kiosks/<int:kiosk_id>": Probe(lambda w, c: Call(
        "DELETE", f"/api/v1/kiosks/{fresh_kiosk(w, c)}")),
    "POST /api/v1/users/<username>/revoke-tokens": Probe(lambda w, c: Call(
        "POST", f"/api/v1/users/{fresh_user(w, c)}/revoke-tokens", {})),
}

FIX = {"id": unit_of(BASIC), "lat": "41.78", "lon": "123.40", "timestamp": "1795399140"}
RMC = "$GPRMC,020000.00,A,4146.800,N,12324.000,E,0.0,0.0,231126,,,A*6C"
UNGUARDED_PROBES: dict[str, tuple[Call, tuple[int, ...]]] = {  # with no credential at all
    "GET /healthz": (Call("GET", "/healthz"), (200,)),
    "POST /api/v1/auth/token": (Call("POST", "/api/v1/auth/token", {
        "username": "duty-basic", "password": "not-the-password"}), (401,)),
    "POST /api/v1/positions": (Call("POST", "/api/v1/positions", [
        {"unit_id": unit_of(BASIC), "lat": 41.78, "lon": 123.4,
         "at": "2026-11-23T01:59:00+00:00"}]), (401,)),
    "GET /ingest/osmand": (Call("GET", "/ingest/osmand?" + urlencode(FIX)), (401,)),
    "POST /ingest/osmand": (Call("POST", "/ingest/osmand?" + urlencode(FIX)), (401,)),
    "POST /ingest/nmea/<unit_id>": (Call("POST", f"/ingest/nmea/{unit_of(BASIC)}", data=RMC),
                                    (401,)),
    "GET /login": (Call("GET", "/login"), (200,)),
    "POST /login": (Call("POST", "/login", data="username=duty-basic&password=x"), (400,)),
    "POST /logout": (Call("POST", "/logout", data=""), (302,)),
    "GET /auth/session": (Call("GET", "/auth/session"), (401,)),
    "GET /kiosk/<token>": (Call("GET", "/kiosk/forged-token"), (403,)),
    "GET /": (Call("GET", "/"), (302,)),
    "GET /map/style.json": (Call("GET", "/map/style.json"), (200,)),
}
DEVICE_KEYED = ("POST /api/v1/positions", "GET /ingest/osmand", "POST /ingest/osmand",
                "POST /ingest/nmea/<unit_id>")

EXEMPT = {  # Dash and static internals, and how they are covered instead
    "/static/<path:filename>": "Flask's static folder: none is configured, nothing is served",
    "/assets/<path:filename>": "the pages' public JS and CSS (no data)",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>":
        "Dash's JS bundles (no data)",
    "/_dash-layout": "the empty page shell; signed-in only (test_pages_* below)",
    "/_dash-dependencies": "the callback graph, no data; signed-in only",
    "/_dash-update-component": "every callback checks role and scope (test_dash_* below)",
    "/_reload-hash": "Dash's dev hot reload, off outside debug",
    "/_favicon.ico": "an icon",
    "/<path:path>": "Dash's index for the page paths: the page guard (test_pages_* below)",
}


def routes(world: World) -> set[str]:
    return {f"{method} {rule.rule}" for rule in world.center.server.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = open_world(tmp_path_factory.mktemp("matrix"))
    yield built
    close_world(built)


def test_every_route_is_in_the_matrix(world: World) -> None:
    missing = [key for key in sorted(routes(world)) if key not in MATRIX
               and key not in policy.UNGUARDED and key.split(" ", 1)[1] not in EXEMPT]
    assert not missing, f"routes with no row in the access matrix: {missing}"
    assert set(policy.UNGUARDED) == set(UNGUARDED_PROBES), "every unguarded route has a probe"
    assert set(policy.API) <= set(MATRIX), "every policy row has a probe"
    assert set(MATRIX) <= set(policy.API), "every probe has a policy row"


@pytest.mark.parametrize("endpoint", sorted(policy.UNGUARDED))
def test_routes_without_a_role_hold_their_own_credential(world: World, endpoint: str) -> None:
    """Each route the policy leaves without a role check refuses a caller without its own
    credential, and changes nothing; a user's bearer token is no device key."""
    if endpoint not in routes(world):
        pytest.skip(f"{endpoint} is not built in this configuration")
    call, expected = UNGUARDED_PROBES[endpoint]
    callers = [ANONYMOUS, *world.callers] if endpoint in DEVICE_KEYED else [ANONYMOUS]
    client = world.center.server.test_client()
    for caller in callers:
        before = world.snapshot()
        reply = send(client, call, caller)
        assert reply.status_code in expected, f"{endpoint} as {caller}: {reply.status_code}"
        assert world.snapshot() == before, f"{endpoint} as {caller} changed the store"
    if endpoint == "GET /healthz":
        assert set(reply.get_json()) == {"status", "store", "bus", "version"}


def test_the_policy_keeps_its_own_rules() -> None:
    """Kiosks never write, devices only report for units, audit and admin are admin-only, and
    every role lands on a page it may open."""
    assert all(policy.may_open(role, page) for role, page in policy.HOME.items())
    writes = [key for key in policy.API if not key.startswith("GET ")]
    assert [key for key in writes if policy.KIOSK in policy.API[key]] == []
    assert all(policy.DEVICE not in roles for key, roles in policy.API.items()
               if not key.startswith(("POST /api/v1/dispatches/", "POST /api/v1/units/",
                                      "GET /api/v1/courts")))
    admin_only = [key for key in policy.API if "/audit" in key or "/kiosks" in key
                  or key.endswith(("/key", "/revoke-tokens"))]
    assert all(policy.API[key] == policy.ADMINS for key in admin_only)


def send(client: Any, call: Call, caller: Caller) -> Any:
    if call.data is not None:
        return client.open(call.url, method=call.method, data=call.data, headers=caller.headers)
    return client.open(call.url, method=call.method, json=call.json, headers=caller.headers)


def cases(world: World, probe: Probe) -> Iterator[tuple[Caller, str, bool]]:
    """(caller, court, inside its scope) for every caller, anonymous first."""
    yield ANONYMOUS, BASIC, False
    for caller in world.callers:
        for court in caller.inside():
            yield caller, court, True
        if probe.scope in ("record", "filter"):
            for court in caller.outside():
                yield caller, court, False


def refused(endpoint: str, caller: Caller, inside: bool) -> bool:
    return caller.role is None or caller.role not in policy.API[endpoint] or not inside


def refusal_problem(caller: Caller, reply: Any, changed: bool) -> str | None:
    expected = (401,) if caller.role is None else (401, 403)
    if reply.status_code in expected and not changed:
        return None
    return f"expected {expected} and no change, got {reply.status_code} (changed: {changed})"


def success_problem(world: World, probe: Probe, caller: Caller, reply: Any) -> str | None:
    if not 200 <= reply.status_code < 300:
        return f"expected success, got {reply.status_code}"
    shown = probe.courts(reply.get_json()) if probe.courts else []
    outside = {str(c) for c in shown
               if not policy.in_scope(world.services.city, caller.principal(), c)}
    return f"reply shows courts outside the scope: {sorted(outside)}" if outside else None


def walk(world: World, endpoint: str, probe: Probe, case: tuple[Caller, str, bool]) -> str | None:
    """One call of the matrix; what is wrong with its reply, or None."""
    caller, court, inside = case
    call, client = probe.call(world, court), world.center.server.test_client()
    if not refused(endpoint, caller, inside):
        return success_problem(world, probe, caller, send(client, call, caller))
    before = world.snapshot()
    reply = send(client, call, caller)
    problem = refusal_problem(caller, reply, world.snapshot() != before)
    return problem and f"{problem}: {reply.get_data(as_text=True)[:160]}"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_every_role_and_court(world: World, endpoint: str) -> None:
    if endpoint not in routes(world):
        pytest.skip(f"{endpoint} is not built yet; its row waits for it")
    probe, failures, walked = MATRIX[endpoint], [], list(cases(world, MATRIX[endpoint]))
    for caller, court, inside in walked:
        problem = walk(world, endpoint, probe, (caller, court, inside))
        if problem:
            failures.append(f"{caller} on {court} ({'in' if inside else 'out of'} scope): "
                            f"{problem}")
    print(f"{endpoint}: {len(walked)} calls walked")
    assert not failures, f"{endpoint}:\n" + "\n".join(failures)
