"""The admin API: rotate a unit's device key, issue and revoke kiosk tokens, revoke a user's
tokens. Admins only; each change goes through the admin desk, which audits it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, g, request

from dashboard.api import json_body
from dashboard.auth import require
from dashboard.services import Services
from enforcement.cases import parse_enum
from enforcement.errors import Forbidden, InvalidInput
from enforcement.model import Datum, Role, Unit, UnitKind
from storage.kiosks import IssuedKiosk, Kiosk

ADMINS = {Role.ADMIN}
UNIT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
DEFAULT_KIOSK_DAYS = 30


def kiosk_json(kiosk: Kiosk) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {"id": kiosk.id, "name": kiosk.name, "court_id": kiosk.court_id,
            "issued_at": iso(kiosk.issued_at), "expires_at": iso(kiosk.expires_at),
            "revoked_at": iso(kiosk.revoked_at)}


def issued_json(issued: IssuedKiosk, base_url: str) -> dict[str, Any]:
    """The token is shown once: with the URL a wall display bookmarks."""
    return kiosk_json(issued.kiosk) | {"token": issued.token,
                                       "url": f"{base_url.rstrip('/')}/kiosk/{issued.token}"}


def _whole_number(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a whole number ≥ 0", field=name)
    return value


def _unit(body: dict[str, Any], services: Services) -> Unit:
    unit_id, court_id = body.get("unit_id"), body.get("court_id")
    if not isinstance(unit_id, str) or not UNIT_ID.fullmatch(unit_id):
        raise InvalidInput("unit_id is 1–32 letters, digits, - or _", field="unit_id")
    if not isinstance(court_id, str) or court_id not in services.city.by_id:
        raise InvalidInput("court_id names a court", field="court_id")
    officer_id = body.get("officer_id")
    if officer_id is not None and not isinstance(officer_id, str):
        raise InvalidInput("officer_id is a text", field="officer_id")
    return Unit(id=unit_id, court_id=court_id, officer_id=officer_id,
                kind=parse_enum(UnitKind, body.get("kind", "foot"), "kind"),
                datum=parse_enum(Datum, body.get("datum", "wgs84"), "datum"))


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("admin_api", __name__)
    admins, desk = require(services, ADMINS), services.admin

    def in_scope(court_id: str | None) -> None:
        """A record of ``court_id`` lies in the admin's scope; one of no court (a city-wide
        user) only in a city-wide admin's."""
        scope = services.city.scope(g.principal.court_id)
        if (court_id not in scope) if court_id else scope != frozenset(services.city.by_id):
            raise Forbidden("this court is outside your scope", field="court_id")

    @api.post("/api/v1/units")
    @admins
    def add_unit() -> Any:
        """Register a field unit; its device key is in the answer, once."""
        unit = _unit(json_body(), services)
        in_scope(unit.court_id)
        return {"unit_id": unit.id, "court_id": unit.court_id,
                "key": desk.add_unit(unit, actor=None)}, 201

    @api.post("/api/v1/units/<unit_id>/key")
    @admins
    def rotate_key(unit_id: str) -> Any:
        in_scope(services.units.get(unit_id).court_id)
        body = request.get_json(silent=True) or {}
        grace = timedelta(seconds=_whole_number(body, "grace_s", 0))
        key = desk.rotate_key(unit_id, grace=grace, actor=None)
        return {"unit_id": unit_id, "key": key, "grace_s": int(grace.total_seconds())}

    @api.get("/api/v1/kiosks")
    @admins
    def kiosks() -> Any:
        scope = services.city.scope(g.principal.court_id)
        return [kiosk_json(k) for k in services.kiosks.all() if k.court_id in scope]

    @api.post("/api/v1/kiosks")
    @admins
    def issue_kiosk() -> Any:
        body = json_body()
        court_id = body.get("court_id")
        if not isinstance(court_id, str) or court_id not in services.city.by_id:
            raise InvalidInput("court_id names a court", field="court_id")
        in_scope(court_id)
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise InvalidInput("name is a text", field="name")
        issued = desk.issue_kiosk(court_id=court_id, name=name, actor=None,
                                  days=_whole_number(body, "days", DEFAULT_KIOSK_DAYS))
        return issued_json(issued, request.host_url), 201

    @api.delete("/api/v1/kiosks/<int:kiosk_id>")
    @admins
    def revoke_kiosk(kiosk_id: int) -> Any:
        in_scope(services.kiosks.get(kiosk_id).court_id)
        return kiosk_json(desk.revoke_kiosk(kiosk_id, actor=None))

    @api.post("/api/v1/users/<username>/revoke-tokens")
    @admins
    def revoke_tokens(username: str) -> Any:
        in_scope(services.users.court_of(username))
        return {"username": username, "revoked": desk.revoke_tokens(username, actor=None)}

    return api
