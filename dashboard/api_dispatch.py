"""Nearest units and dispatches over HTTP (API.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, g, request

from dashboard.api import json_body
from dashboard.auth import require
from dashboard.services import Services
from enforcement.errors import Forbidden, InvalidInput
from enforcement.model import Role
from feeds.casework import instant
from feeds.dispatching import dispatch_json

DISPATCHERS = {Role.DISPATCHER, Role.ADMIN}
VIEWERS = {Role.DISPATCHER, Role.ADMIN, Role.DUTY, Role.LEADER, Role.KIOSK}
FIELD = {Role.DISPATCHER, Role.ADMIN, Role.DEVICE}  # who may report for a unit over HTTP


def _float(name: str, low: float, high: float) -> float:
    raw = request.args.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number", field=name) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name)
    return value


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("dispatch_api", __name__)
    desk = services.dispatch

    def scope() -> list[str]:
        return sorted(services.city.scope(g.principal.court_id))

    def own(dispatch_id: int) -> None:
        if desk.repo.get(dispatch_id).court_id not in scope():
            raise Forbidden("this dispatch is outside your scope", field="id")

    @api.get("/api/v1/units/nearest")
    @require(services, VIEWERS)
    def nearest() -> Any:
        lat, lon = _float("lat", -90, 90), _float("lon", -180, 180)
        k = int(_float("k", 1, 50)) if request.args.get("k") else 5
        ranking = desk.nearest(lat, lon, k=k, court_ids=scope())
        return {"ranked": [asdict(r) for r in ranking.ranked],
                "skipped": [asdict(r) for r in ranking.skipped]}

    @api.get("/api/v1/units/<unit_id>/track")
    @require(services, VIEWERS)
    def track(unit_id: str) -> Any:
        if services.units.get(unit_id).court_id not in scope():
            raise Forbidden("this unit is outside your scope", field="unit_id")
        until = instant(request.args["to"], "to") if request.args.get("to") else services.clock.now()
        since = instant(request.args["from"], "from") if request.args.get("from") else None
        if since is None:
            raise InvalidInput("from is required (ISO 8601 instant)", field="from")
        if since >= until:
            raise InvalidInput("from must be before to", field="from")
        return [{"lat": f.lat, "lon": f.lon, "at": f.at.isoformat(), "speed_kmh": f.speed_kmh}
                for f in services.units.track(unit_id, since=since, until=until)]

    @api.post("/api/v1/dispatches")
    @require(services, DISPATCHERS)
    def assign() -> Any:
        dispatch = desk.assign(json_body(), actor=g.principal.username, court_ids=scope())
        return dispatch_json(dispatch), 201

    @api.get("/api/v1/dispatches")
    @require(services, VIEWERS)
    def recent() -> Any:
        return [dispatch_json(d) for d in desk.repo.recent(scope())]

    @api.post("/api/v1/dispatches/<int:dispatch_id>/ack")
    @require(services, FIELD)
    def ack(dispatch_id: int) -> Any:
        own(dispatch_id)
        return dispatch_json(desk.acknowledge(dispatch_id))

    @api.post("/api/v1/dispatches/<int:dispatch_id>/arrive")
    @require(services, FIELD)
    def arrive(dispatch_id: int) -> Any:
        own(dispatch_id)
        return dispatch_json(desk.arrive(dispatch_id, source="reported"))

    @api.post("/api/v1/dispatches/<int:dispatch_id>/outcome")
    @require(services, FIELD)
    def outcome(dispatch_id: int) -> Any:
        own(dispatch_id)
        return dispatch_json(desk.complete(dispatch_id, json_body(), actor=g.principal.username))

    @api.post("/api/v1/dispatches/<int:dispatch_id>/cancel")
    @require(services, DISPATCHERS)
    def cancel(dispatch_id: int) -> Any:
        own(dispatch_id)
        body = json_body()
        reason = body.get("reason", "") if isinstance(body, dict) else ""
        if not isinstance(reason, str):
            raise InvalidInput("reason is a text", field="reason")
        return dispatch_json(desk.cancel(dispatch_id, reason=reason, actor=g.principal.username))

    return api
