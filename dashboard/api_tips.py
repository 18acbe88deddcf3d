"""Tips and the day's numbers over HTTP (API.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from flask import Blueprint, g, request

from dashboard.api import json_body
from dashboard.auth import require
from dashboard.services import Services
from enforcement.errors import Forbidden, InvalidInput
from enforcement.intake_stats import intake_numbers
from enforcement.model import Role
from feeds.casework import instant
from feeds.intake import tip_json

TAKERS = {Role.INTAKE, Role.ADMIN}  # the 12368 line's system account is an intake account
TRIAGERS = {Role.INTAKE, Role.DISPATCHER, Role.ADMIN}
PERSONAL = {Role.INTAKE, Role.DISPATCHER, Role.ADMIN}  # may see who called
READERS = {Role.INTAKE, Role.DISPATCHER, Role.ADMIN, Role.DUTY, Role.LEADER, Role.KIOSK}
MAX_HOURS = 24 * 366


def candidate_json(candidate: Any) -> dict[str, Any]:
    return asdict(candidate) if hasattr(candidate, "__dataclass_fields__") else dict(candidate)


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("tips_api", __name__)
    desk = services.tips

    def scope() -> list[str] | None:
        return sorted(services.city.scope(g.principal.court_id)) \
            if g.principal.court_id else None

    def personal() -> bool:
        return g.principal.role in PERSONAL

    def own(tip_id: int):  # noqa: ANN202
        tip = desk.repo.get(tip_id)
        allowed = scope()
        if allowed is not None and tip.court_id is not None and tip.court_id not in allowed:
            raise Forbidden("this tip is outside your scope", field="id")
        return tip

    @api.post("/api/v1/tips")
    @require(services, TAKERS)
    def take() -> Any:
        tip, candidates = desk.take(json_body(), actor=g.principal.username)
        return tip_json(tip, personal=True) | {
            "candidates": [candidate_json(c) for c in candidates]}, 201

    @api.get("/api/v1/tips")
    @require(services, READERS)
    def recent() -> Any:
        hours = _hours()
        since = services.clock.now() - timedelta(hours=hours)
        found = desk.repo.recent(since=since, court_ids=scope(),
                                 status=request.args.get("status") or None)
        return [tip_json(t, personal=personal()) for t in found]

    @api.get("/api/v1/tips/<int:tip_id>")
    @require(services, READERS)
    def one(tip_id: int) -> Any:
        tip = own(tip_id)
        return tip_json(tip, personal=personal()) | {
            "candidates": [candidate_json(c) for c in desk.candidates(tip)],
            "events": [{"type": e["type"], "actor": e["actor"], "at": e["at"].isoformat(),
                        "note": e["note"]} for e in desk.repo.events(tip_id)]}

    @api.post("/api/v1/tips/<int:tip_id>/triage")
    @require(services, TRIAGERS)
    def decide(tip_id: int) -> Any:
        own(tip_id)
        tip = desk.decide(tip_id, json_body(), actor=g.principal.username)
        return tip_json(tip, personal=personal())

    @api.get("/api/v1/stats/intake")
    @require(services, READERS)
    def numbers() -> Any:
        until = instant(request.args["to"], "to") if request.args.get("to") else \
            services.clock.now()
        since = instant(request.args["from"], "from") if request.args.get("from") else \
            until - timedelta(hours=_hours())
        if since >= until:
            raise InvalidInput("from must be before to", field="from")
        courts = scope()
        if request.args.get("court_id"):
            wanted = request.args["court_id"]
            if courts is not None and wanted not in courts:
                raise Forbidden("this court is outside your scope", field="court_id")
            courts = sorted(services.city.scope(wanted))
        tips, dispatches = desk.repo.window(since=since, until=until, court_ids=courts)
        return intake_numbers(tips, dispatches, since=since, until=until)

    return api


def _hours() -> int:
    raw = request.args.get("hours", "24")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_HOURS:
        raise InvalidInput(f"hours is a whole number from 1 to {MAX_HOURS}", field="hours")
    return int(raw)
