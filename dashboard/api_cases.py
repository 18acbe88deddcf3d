"""Cases, their events and their alerts over HTTP (API.md): validate, call the desk, map errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, g, request

from dashboard.api import json_body
from dashboard.guard import guarded_routes
from dashboard.policy import check_scope
from dashboard.services import Services
from enforcement.alerts import Level, escalation, stage_at
from enforcement.cases import Case
from enforcement.errors import InvalidInput
from enforcement.masking import masked_for
from feeds.casework import instant
from feeds.dispatching import SLA_LEVEL, sla_alert
from feeds.engine import alert_payload
from storage.alerts import AlertQuery

MAX_ALERTS = 2000


def case_json(case: Case, services: Services, now: datetime) -> dict[str, Any]:
    catalog, defaults = services.catalog, services.catalog.alerts
    nodes = []
    for clock in case.clocks:
        spec = catalog.get(clock.node)
        stage = stage_at(spec, clock, defaults, now)
        nodes.append({
            "node": clock.node, "name": spec.name_zh, "instance": clock.instance,
            "variant": clock.variant, "kind": str(spec.kind),
            "state": "done" if clock.done_at else ("paused" if clock.due_at is None else "open"),
            "started_at": clock.started_at.isoformat(),
            "due_at": clock.due_at.isoformat() if clock.due_at else None,
            "done_at": clock.done_at.isoformat() if clock.done_at else None,
            "level": stage.level.value if stage else None,
        })
    return {
        "case_no": case.case_no, "court_id": case.court_id, "case_type": case.case_type,
        "filed_at": case.filed_at.isoformat(), "amount": case.amount, "track": case.track,
        "team_id": case.team_id, "handler_id": case.handler_id,
        "debtors": [{"name": d.name, "debtor_type": d.debtor_type, "id_no": d.id_no}
                    for d in case.debtors],
        "applicants": list(case.applicants), "preserved": case.preserved,
        "non_litigation": case.non_litigation, "nodes": nodes,
        "pauses": [{"reason": p.reason, "start": p.start.isoformat(),
                    "end": p.end.isoformat() if p.end else None} for p in case.pauses],
        "lock": {"locked": case.locked_at is not None,
                 "since": case.locked_at.isoformat() if case.locked_at else None},
        "escalation": escalation(case, now, defaults.escalation).stage,
        "received": case.received, "paid": case.paid, "steps": sorted(case.steps),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "disposition": case.disposition, "how": case.recovery, "recovered": case.recovered,
        "version": case.version,
    }


def _in_scope(services: Services, court_id: str) -> None:
    check_scope(services.city, g.principal, court_id)


def _shown(case: Case, services: Services) -> dict[str, Any]:
    """A case as the caller may see it: debtors' id numbers masked for most roles."""
    return masked_for(g.principal.role, case_json(case, services, services.clock.now()))


def _alert_query(services: Services) -> AlertQuery:
    args = request.args
    now = services.clock.now()
    as_of = instant(args["as_of"], "as_of") if args.get("as_of") else now
    scope = services.city.scope(g.principal.court_id)
    if args.get("court_id"):
        check_scope(services.city, g.principal, args["court_id"])
        scope = services.city.scope(args["court_id"])
    levels = [v for v in args.get("level", "").split(",") if v]
    unknown = [v for v in levels if v not in Level.__members__.values()]
    if unknown:
        raise InvalidInput(f"unknown level {unknown[0]!r}", field="level")
    state = args.get("state", "open")
    if state not in {"open", "acknowledged", "unacknowledged"}:
        raise InvalidInput("state is open, acknowledged or unacknowledged", field="state")
    acknowledged = {"open": None, "acknowledged": True, "unacknowledged": False}[state]
    return AlertQuery(as_of=as_of, court_ids=sorted(scope), levels=levels or None,
                      acknowledged=acknowledged, limit=MAX_ALERTS)


def _dispatch_alerts(services: Services, query: AlertQuery) -> list[dict[str, Any]]:
    """Dispatches running late (their SLA warned or breached) stand beside the case alerts; they
    live in the dispatch record, so only the present can be asked for."""
    if query.as_of < services.clock.now() - timedelta(seconds=5):
        return []
    found = []
    for dispatch in services.dispatch.active():
        level = SLA_LEVEL.get(dispatch.sla_state)
        if level and dispatch.court_id in (query.court_ids or ()) and \
                (not query.levels or level in query.levels):
            found.append(sla_alert(dispatch, level, query.as_of) | {"id": f"D{dispatch.id}"})
    return found


def _note(body: Any, field: str, *, required: bool) -> str:
    note = body.get(field, "") if isinstance(body, dict) else ""
    if not isinstance(note, str) or len(note) > 500:
        raise InvalidInput(f"{field} must be a text of at most 500 characters", field=field)
    if required and not note.strip():
        raise InvalidInput(f"{field} is required", field=field)
    return note.strip()


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("cases_api", __name__)
    route = guarded_routes(api, services)
    desk, engine = services.desk, services.alert_engine

    @route("POST /api/v1/cases")
    def create_case() -> Any:
        body = json_body()
        if isinstance(body, dict) and body.get("court_id") in services.city.by_id:
            _in_scope(services, str(body["court_id"]))
        case = desk.create(body, actor=g.principal.username)
        return _shown(case, services), 201

    @route("GET /api/v1/cases/<path:case_no>")
    def get_case(case_no: str) -> Any:
        case = desk.get(case_no)
        _in_scope(services, case.court_id)
        return _shown(case, services)

    @route("POST /api/v1/cases/<path:case_no>/events")
    def post_event(case_no: str) -> Any:
        _in_scope(services, desk.get(case_no).court_id)
        case = desk.post_event(case_no, json_body(), actor=g.principal.username)
        return _shown(case, services)

    @route("POST /api/v1/cases/<path:case_no>/unlock")
    def unlock(case_no: str) -> Any:
        _in_scope(services, desk.get(case_no).court_id)
        reason = _note(json_body(), "reason", required=True)
        case = desk.unlock(case_no, reason=reason, actor=g.principal.username)
        services.alerts.record_action(alert_id=None, case_no=case_no, action="unlock",
                                      actor=g.principal.username, at=services.clock.now(),
                                      note=reason)
        return _shown(case, services)

    @route("GET /api/v1/alerts")
    def list_alerts() -> Any:
        query = _alert_query(services)
        rows = services.alerts.as_of(query)
        found = [alert_payload(r, services.catalog, query.as_of) for r in rows]
        return masked_for(g.principal.role, found + _dispatch_alerts(services, query))

    @route("POST /api/v1/alerts/<int:alert_id>/ack")
    def acknowledge(alert_id: int) -> Any:
        _in_scope(services, services.alerts.get(alert_id)["court_id"])
        body = request.get_json(silent=True) or {}
        return engine.acknowledge(alert_id, actor=g.principal.username,
                                  note=_note(body, "note", required=False))

    @route("POST /api/v1/alerts/<int:alert_id>/chase")
    def chase(alert_id: int) -> Any:
        _in_scope(services, services.alerts.get(alert_id)["court_id"])
        body = request.get_json(silent=True) or {}
        return engine.chase(alert_id, actor=g.principal.username,
                            note=_note(body, "note", required=False))

    return api
