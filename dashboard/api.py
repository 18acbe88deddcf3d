"""The HTTP API of ``API.md``: validate, call the domain, map errors to status codes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Flask, g, request
from werkzeug.exceptions import HTTPException

from dashboard.guard import guarded_routes
from dashboard.policy import check_scope, check_unit, scope_of
from dashboard.services import Services
from enforcement.errors import AuthError, Conflict, DomainError, Forbidden, InvalidInput, NotFound
from enforcement.model import UnitStatus
from enforcement.units import freshness
from storage.units import UnitView

VERSION = "0.1.0"
STATUS_OF = {Forbidden: 403, AuthError: 401, NotFound: 404, Conflict: 409, InvalidInput: 422}
MAX_BODY_BYTES = 2 * 2**20


def status_for(error: DomainError) -> int:
    for kind, status in STATUS_OF.items():
        if isinstance(error, kind):
            return status
    return 400


def install_error_handlers(server: Flask) -> None:
    @server.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        return {"error": error.as_dict()}, status_for(error)

    @server.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if not request.path.startswith(("/api/", "/ingest/", "/healthz")):
            return error
        body = {"code": error.name.lower().replace(" ", "_"), "message": error.description,
                "field": None}
        return {"error": body}, error.code


def json_body() -> Any:
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise InvalidInput("the body is larger than 2 MiB", field="body")
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("send a JSON body with Content-Type: application/json", field="body")
    return body


def unit_json(view: UnitView, services: Services) -> dict[str, Any]:
    fix = view.last_fix
    settings = services.settings
    state = freshness(fix.at if fix else None, services.clock.now(),
                      stale_after_s=settings.stale_after_s, offline_after_s=settings.offline_after_s)
    return {
        "id": view.unit.id, "court_id": view.unit.court_id, "kind": view.unit.kind,
        "status": view.unit.status, "datum": view.unit.datum, "freshness": state,
        "last_fix": None if fix is None else {
            "lat": fix.lat, "lon": fix.lon, "at": fix.at.isoformat(),
            "speed_kmh": fix.speed_kmh, "heading": fix.heading, "battery_pct": fix.battery_pct,
            "accuracy_m": fix.accuracy_m,
        },
    }


def device_key() -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Device-Key") or request.args.get("key", "")


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api", __name__)
    route = guarded_routes(api, services)

    @api.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok", "store": services.settings.store_kind,
                "bus": services.bus.kind, "version": VERSION}

    @api.post("/api/v1/auth/token")
    def token() -> Any:
        body = json_body()
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not username:
            raise InvalidInput("username is required", field="username")
        if not isinstance(password, str) or not password:
            raise InvalidInput("password is required", field="password")
        from dashboard.signin import LoginRefused, sign_in  # lockout and audit (423/429)

        try:
            issued = sign_in(services, username, password, via="api")
        except LoginRefused as refused:
            return refused.response()
        return {"token": issued.token, "role": issued.role,
                "expires_at": issued.expires_at.isoformat()}

    @route("GET /api/v1/courts")
    def courts() -> Any:
        scope = services.city.scope(g.principal.court_id)
        return [asdict(c) for c in services.city.courts if c.id in scope]

    @route("GET /api/v1/units")
    def units() -> Any:
        return [unit_json(v, services) for v in services.units.views(scope_of(services.city,
                                                                              g.principal))]

    @route("POST /api/v1/units/<unit_id>/status")
    def unit_status(unit_id: str) -> Any:
        check_scope(services.city, g.principal, services.units.get(unit_id).court_id,
                    field="unit_id")
        check_unit(g.principal, unit_id)
        raw = json_body().get("status")
        try:
            status = UnitStatus(raw)
        except ValueError:
            allowed = ", ".join(s.value for s in UnitStatus)
            raise InvalidInput(f"status {raw!r} is not one of {allowed}", field="status") from None
        unit = services.units.set_status(unit_id, status, at=services.clock.now())
        services.bus.publish("units", {"unit_id": unit.id, "status": unit.status,
                                       "court_id": unit.court_id})
        services.audit.record("unit.status", unit.id, detail={"court_id": unit.court_id,
                                                              "status": str(unit.status)})
        return {"id": unit.id, "status": unit.status}

    @api.post("/api/v1/positions")
    def positions() -> Any:
        taken = services.ingest.json_batch(json_body(), device_key())
        return {"accepted": taken}, 202

    @api.route("/ingest/osmand", methods=["GET", "POST"])
    def osmand() -> Any:
        params: dict[str, Any] = request.args.to_dict() | request.form.to_dict()
        if request.is_json:
            params |= json_body()
        taken = services.ingest.osmand(params)
        return ("", 200) if taken else ("", 204)

    @api.post("/ingest/nmea/<unit_id>")
    def nmea(unit_id: str) -> Any:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise InvalidInput("the body is larger than 2 MiB", field="body")
        text = request.get_data(as_text=True)
        taken = services.ingest.nmea(unit_id, device_key(), text)
        return {"accepted": taken}, 202

    return api
