"""Who may do what, as tables: every HTTP endpoint, every live topic, every page.

Two checks guard everything, both on the server:

- **role**: the tables below, read by ``auth.require`` (API), the page guard and the router
  (pages), the ``/live`` handlers (topics) and the Dash callbacks that act;
- **court scope** (辖区): a principal bound to a court reaches that court and the courts below it
  (``City.scope``); one bound to no court reaches the whole city. Each handler checks the court of
  what it reads or touches with ``check_scope``, or narrows its query to ``scope_of``.

A ``device`` account acts for one field unit, the one named like it (``may_act_for``). A ``kiosk``
only reads. Personal data is masked by role in ``enforcement.masking``.
"""

from __future__ import annotations

from enforcement.city import City
from enforcement.errors import Forbidden
from enforcement.model import Role
from storage.users import Principal

DUTY, LEADER, DISPATCHER, INTAKE = Role.DUTY, Role.LEADER, Role.DISPATCHER, Role.INTAKE
ADMIN, DEVICE, KIOSK = Role.ADMIN, Role.DEVICE, Role.KIOSK

EVERYONE = frozenset(Role)
SCREENS = frozenset({DUTY, LEADER, DISPATCHER, ADMIN, KIOSK})  # follow the city's state
READERS = SCREENS | {INTAKE}
ANALYSTS = frozenset({DUTY, LEADER, ADMIN, KIOSK})  # KPIs and breakdowns
CASE_WRITERS = frozenset({DUTY, ADMIN})
ACKNOWLEDGERS = frozenset({DUTY, LEADER, DISPATCHER, ADMIN})
SUPERVISORS = frozenset({LEADER, ADMIN})  # 督办 and unlocking: one level up
DISPATCHERS = frozenset({DISPATCHER, ADMIN})
FIELD = frozenset({DISPATCHER, ADMIN, DEVICE})  # report for a unit: its status, a dispatch's steps
TAKERS = frozenset({INTAKE, ADMIN})  # the 12368 line's system account is an intake account
TRIAGERS = frozenset({INTAKE, DISPATCHER, ADMIN})
ADMINS = frozenset({ADMIN})

API: dict[str, frozenset[Role]] = {  # "METHOD rule" (as Flask spells it) → who may call it
    "GET /api/v1/courts": EVERYONE,
    "GET /api/v1/units": SCREENS,
    "GET /api/v1/units/nearest": SCREENS,
    "GET /api/v1/units/<unit_id>/track": SCREENS,
    "POST /api/v1/units/<unit_id>/status": FIELD,
    "GET /api/v1/dispatches": SCREENS,
    "POST /api/v1/dispatches": DISPATCHERS,
    "POST /api/v1/dispatches/<int:dispatch_id>/ack": FIELD,
    "POST /api/v1/dispatches/<int:dispatch_id>/arrive": FIELD,
    "POST /api/v1/dispatches/<int:dispatch_id>/outcome": FIELD,
    "POST /api/v1/dispatches/<int:dispatch_id>/cancel": DISPATCHERS,
    "POST /api/v1/cases": CASE_WRITERS,
    "GET /api/v1/cases/<path:case_no>": READERS,
    "POST /api/v1/cases/<path:case_no>/events": CASE_WRITERS,
    "POST /api/v1/cases/<path:case_no>/unlock": SUPERVISORS,
    "GET /api/v1/alerts": SCREENS,
    "POST /api/v1/alerts/<int:alert_id>/ack": ACKNOWLEDGERS,
    "POST /api/v1/alerts/<int:alert_id>/chase": SUPERVISORS,
    "GET /api/v1/tips": READERS,
    "POST /api/v1/tips": TAKERS,
    "GET /api/v1/tips/<int:tip_id>": READERS,
    "POST /api/v1/tips/<int:tip_id>/triage": TRIAGERS,
    "GET /api/v1/stats/intake": READERS,
    "GET /api/v1/analytics/kpis": ANALYSTS,
    "GET /api/v1/analytics/breakdown": ANALYSTS,
    "GET /api/v1/analytics/export.csv": ANALYSTS,
    "GET /api/v1/analytics/trend": ANALYSTS,
    "GET /api/v1/analytics/ranking": ANALYSTS,
    "GET /api/v1/analytics/cases": ANALYSTS,
    "GET /api/v1/audit": ADMINS,
    "GET /api/v1/audit/verify": ADMINS,
    "POST /api/v1/units": ADMINS,
    "POST /api/v1/units/<unit_id>/key": ADMINS,
    "GET /api/v1/kiosks": ADMINS,
    "POST /api/v1/kiosks": ADMINS,
    "DELETE /api/v1/kiosks/<int:kiosk_id>": ADMINS,
    "POST /api/v1/users/<username>/revoke-tokens": ADMINS,
}

UNGUARDED: dict[str, str] = {  # "METHOD rule" → what protects it instead of a role
    "GET /healthz": "nothing: a liveness probe that tells no data",
    "POST /api/v1/auth/token": "the password it exchanges for a token",
    "POST /api/v1/positions": "the device key of every unit in the batch",
    "GET /ingest/osmand": "the unit's device key",
    "POST /ingest/osmand": "the unit's device key",
    "POST /ingest/nmea/<unit_id>": "the unit's device key",
    "GET /login": "nothing: the login form",
    "POST /login": "the password",
    "POST /logout": "the session it ends",
    "GET /auth/session": "the session cookie",
    "GET /kiosk/<token>": "the kiosk token it exchanges for a wall session",
    "GET /": "the page guard: sends a signed-in user to the first page of its role",
    "GET /map/style.json": "nothing: the public basemap style",
}

PAGES: dict[str, frozenset[Role]] = {  # page path → who may open it (in the nav's order)
    "/wall": frozenset({DUTY, LEADER, DISPATCHER, ADMIN, KIOSK}),
    "/alerts": frozenset({DUTY, LEADER, DISPATCHER, ADMIN}),
    "/dispatch": frozenset({DISPATCHER, ADMIN, DUTY}),
    "/intake": frozenset({INTAKE, ADMIN}),
    "/leader": frozenset({LEADER, ADMIN, DUTY}),
    "/audit": ADMINS,
}

HOME: dict[Role, str] = {  # where a role lands when it opens "/"
    DUTY: "/wall", LEADER: "/leader", DISPATCHER: "/dispatch", INTAKE: "/intake", ADMIN: "/wall",
    KIOSK: "/wall",
}

TOPICS: dict[str, frozenset[Role]] = {  # live topic on /live → who may subscribe
    "positions": SCREENS,
    "units": SCREENS,
    "alerts": SCREENS,
    "dispatches": SCREENS,
    "kpis": SCREENS,
    "tips": SCREENS | {INTAKE},
}


def roles_for(endpoint: str) -> frozenset[Role]:
    """Who may call ``"METHOD rule"``; a KeyError at start-up names a route missing here."""
    return API[endpoint]


def may_call(role: str, endpoint: str) -> bool:
    return role in API.get(endpoint, frozenset())


def page_of(path: str | None) -> str | None:
    """The page a path belongs to (``/wall``, ``/wall/…``), or None."""
    for page in PAGES:
        if path == page or (path or "").startswith(page + "/"):
            return page
    return None


def may_open(role: str, path: str | None) -> bool:
    page = page_of(path)
    return page is not None and role in PAGES[page]


def pages_for(role: str) -> list[str]:
    return [page for page, roles in PAGES.items() if role in roles]


def home_page(role: str) -> str | None:
    """Where a signed-in user lands on "/"; None for a role with no page (a device)."""
    return HOME.get(Role(role))


def may_subscribe(role: str, topic: str) -> bool:
    return role in TOPICS.get(topic, frozenset())


def may_act_for(principal: Principal, unit_id: str) -> bool:
    """A device account acts only for its own unit; people act for any unit in their scope."""
    return principal.role != DEVICE or principal.username == unit_id


def in_scope(city: City, principal: Principal, court_id: str | None) -> bool:
    """Whether a record of ``court_id`` lies in the principal's scope; a record of no court
    belongs to the whole city, so only city-wide principals reach it."""
    if court_id is None:
        return whole_city(city, principal)
    return court_id in city.scope(principal.court_id)


def whole_city(city: City, principal: Principal) -> bool:
    return city.scope(principal.court_id) == frozenset(city.by_id)


def scope_of(city: City, principal: Principal) -> list[str]:
    return sorted(city.scope(principal.court_id))


def check_scope(city: City, principal: Principal, court_id: str | None, *,
                field: str = "court_id") -> None:
    if not in_scope(city, principal, court_id):
        raise Forbidden("this is outside your court's scope (超出本院管辖范围)", field=field)


def check_role(principal: Principal, roles: frozenset[Role]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"role {principal.role} may not do this (无此权限)", field="role")


def check_unit(principal: Principal, unit_id: str) -> None:
    if not may_act_for(principal, unit_id):
        raise Forbidden(f"a device account acts only for its own unit, not {unit_id}",
                        field="unit_id")
