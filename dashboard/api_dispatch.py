"""Nearest units and dispatches over HTTP (API.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, g, request

from dashboard.api import json_body
from dashboard.guard import guarded_routes
from dashboard.policy import check_scope, check_unit, scope_of
from dashboard.services import Services
from enforcement.dispatches import Dispatch
from enforcement.errors import InvalidInput, NotFound
from feeds.casework import instant
from feeds.dispatching import dispatch_json
from storage.users import Principal


def _float(name: str, low: float, high: float) -> float:
    raw = request.args.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number", field=name) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name)
    return value


def check_target(services: Services, principal: Principal, payload: Any) -> None:
    """A dispatch may name a tip or a case as its target; when it does, that one must lie in the
    dispatcher's scope too (its outcome moves the tip on). A free-text reference names nothing."""
    target = payload.get("target") if isinstance(payload, dict) else None
    if not isinstance(target, dict) or not isinstance(target.get("ref"), str):
        return
    for court_id in _target_courts(services, str(target.get("kind")), target["ref"].strip()):
        check_scope(services.city, principal, court_id, field="target.ref")


def _target_courts(services: Services, kind: str, ref: str) -> list[str | None]:
    """The court of the tip or case a target names; none when it names no record."""
    try:
        if kind == "tip" and ref.isdigit():
            return [services.tips.repo.get(int(ref)).court_id]
        if kind == "case" and ref:
            return [services.desk.get(ref).court_id]
    except NotFound:
        pass
    return []


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("dispatch_api", __name__)
    route = guarded_routes(api, services)
    desk = services.dispatch

    def scope() -> list[str]:
        return scope_of(services.city, g.principal)

    def own(dispatch_id: int) -> Dispatch:
        dispatch = desk.repo.get(dispatch_id)
        check_scope(services.city, g.principal, dispatch.court_id, field="id")
        check_unit(g.principal, dispatch.unit_id)
        return dispatch

    @route("GET /api/v1/units/nearest")
    def nearest() -> Any:
        lat, lon = _float("lat", -90, 90), _float("lon", -180, 180)
        k = int(_float("k", 1, 50)) if request.args.get("k") else 5
        ranking = desk.nearest(lat, lon, k=k, court_ids=scope())
        return {"ranked": [asdict(r) for r in ranking.ranked],
                "skipped": [asdict(r) for r in ranking.skipped]}

    @route("GET /api/v1/units/<unit_id>/track")
    def track(unit_id: str) -> Any:
        check_scope(services.city, g.principal, services.units.get(unit_id).court_id,
                    field="unit_id")
        until = instant(request.args["to"], "to") if request.args.get("to") else services.clock.now()
        since = instant(request.args["from"], "from") if request.args.get("from") else None
        if since is None:
            raise InvalidInput("from is required (ISO 8601 instant)", field="from")
        if since >= until:
            raise InvalidInput("from must be before to", field="from")
        return [{"lat": f.lat, "lon": f.lon, "at": f.at.isoformat(), "speed_kmh": f.speed_kmh}
                for f in services.units.track(unit_id, since=since, until=until)]

    @route("POST /api/v1/dispatches")
    def assign() -> Any:
        body = json_body()
        check_target(services, g.principal, body)
        dispatch = desk.assign(body, actor=g.principal.username, court_ids=scope())
        return dispatch_json(dispatch), 201

    @route("GET /api/v1/dispatches")
    def recent() -> Any:
        return [dispatch_json(d) for d in desk.repo.recent(scope())]

    @route("POST /api/v1/dispatches/<int:dispatch_id>/ack")
    def ack(dispatch_id: int) -> Any:
        own(dispatch_id)
        return dispatch_json(desk.acknowledge(dispatch_id))

    @route("POST /api/v1/dispatches/<int:dispatch_id>/arrive")
    def arrive(dispatch_id: int) -> Any:
        own(dispatch_id)
        return dispatch_json(desk.arrive(dispatch_id, source="reported"))

    @route("POST /api/v1/dispatches/<int:dispatch_id>/outcome")
    def outcome(dispatch_id: int) -> Any:
        own(dispatch_id)
        return dispatch_json(desk.complete(dispatch_id, json_body(), actor=g.principal.username))

    @route("POST /api/v1/dispatches/<int:dispatch_id>/cancel")
    def cancel(dispatch_id: int) -> Any:
        own(dispatch_id)
        body = json_body()
        reason = body.get("reason", "") if isinstance(body, dict) else ""
        if not isinstance(reason, str):
            raise InvalidInput("reason is a text", field="reason")
        return dispatch_json(desk.cancel(dispatch_id, reason=reason, actor=g.principal.username))

    return api
