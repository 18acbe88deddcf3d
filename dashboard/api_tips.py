"""Tips and the day's numbers over HTTP (API.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from flask import Blueprint, g, request

from dashboard.api import json_body
from dashboard.guard import guarded_routes
from dashboard.policy import check_scope, in_scope, whole_city
from dashboard.services import Services
from enforcement.city import City
from enforcement.errors import InvalidInput
from enforcement.intake_stats import intake_numbers
from enforcement.masking import may_see_personal
from enforcement.tips import Tip
from feeds.casework import instant
from feeds.intake import tip_json
from storage.users import Principal

MAX_HOURS = 24 * 366


def candidate_json(candidate: Any) -> dict[str, Any]:
    return asdict(candidate) if hasattr(candidate, "__dataclass_fields__") else dict(candidate)


def shown_tip(tip: Tip, principal: Principal) -> dict[str, Any]:
    """A tip as ``principal`` may see it: the caller and the debtor's id masked for most roles."""
    return tip_json(tip, personal=may_see_personal(principal.role))


def visible(city: City, principal: Principal, items: list[Any]) -> list[Any]:
    """The tips (or candidates) of ``items`` whose court lies in the principal's scope."""
    return [item for item in items if in_scope(city, principal, item.court_id)]


def tip_scope(city: City, principal: Principal) -> list[str] | None:
    """The courts a tip query is narrowed to; None for the whole city (tips of no court too)."""
    return None if whole_city(city, principal) else sorted(city.scope(principal.court_id))


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("tips_api", __name__)
    route = guarded_routes(api, services)
    desk, city = services.tips, services.city

    def scope() -> list[str] | None:
        return tip_scope(city, g.principal)

    def own(tip_id: int) -> Tip:
        tip = desk.repo.get(tip_id)
        check_scope(city, g.principal, tip.court_id, field="id")
        return tip

    def candidates(found: list[Any]) -> list[dict[str, Any]]:
        return [candidate_json(c) for c in visible(city, g.principal, found)]

    @route("POST /api/v1/tips")
    def take() -> Any:
        tip, found = desk.take(json_body(), actor=g.principal.username)
        return shown_tip(tip, g.principal) | {"candidates": candidates(found)}, 201

    @route("GET /api/v1/tips")
    def recent() -> Any:
        hours = _hours()
        since = services.clock.now() - timedelta(hours=hours)
        found = desk.repo.recent(since=since, court_ids=scope(),
                                 status=request.args.get("status") or None)
        return [shown_tip(t, g.principal) for t in visible(city, g.principal, found)]

    @route("GET /api/v1/tips/<int:tip_id>")
    def one(tip_id: int) -> Any:
        tip = own(tip_id)
        return shown_tip(tip, g.principal) | {
            "candidates": candidates(desk.candidates(tip)),
            "events": [{"type": e["type"], "actor": e["actor"], "at": e["at"].isoformat(),
                        "note": e["note"]} for e in desk.repo.events(tip_id)]}

    @route("POST /api/v1/tips/<int:tip_id>/triage")
    def decide(tip_id: int) -> Any:
        own(tip_id)
        tip = desk.decide(tip_id, json_body(), actor=g.principal.username)
        return shown_tip(tip, g.principal)

    @route("GET /api/v1/stats/intake")
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
            check_scope(city, g.principal, wanted)
            courts = sorted(city.scope(wanted))
        tips, dispatches = desk.repo.window(since=since, until=until, court_ids=courts)
        return intake_numbers(tips, dispatches, since=since, until=until)

    return api


def _hours() -> int:
    raw = request.args.get("hours", "24")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_HOURS:
        raise InvalidInput(f"hours is a whole number from 1 to {MAX_HOURS}", field="hours")
    return int(raw)
