"""The alert console's one callback: filter, act on a click (ack, 督办, unlock), redraw.

Acting goes through the same engine and desk as the HTTP API, so it is stored with who and why
before it is announced; roles and scopes are checked here, on the server.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.auth import session_principal
from dashboard.callbacks.router import language
from dashboard.guard import viewer
from dashboard.layouts.console import alert_table
from dashboard.policy import ACKNOWLEDGERS, SUPERVISORS, check_role, check_scope, in_scope
from dashboard.services import Services
from enforcement.errors import DomainError, NotFound
from feeds.engine import alert_payload
from storage.alerts import AlertQuery
from storage.users import Principal

SEVERITY_ORDER = {"locked": 0, "chased": 1, "overdue": 2, "due": 3, "upcoming": 4}
PAGE = "/alerts"


def act(services: Services, principal: Principal, trigger: dict[str, Any], note: str) -> str:
    """Take the clicked action, as the API would: role first, then the court of the target."""
    kind, target = trigger["type"], trigger["index"]
    check_role(principal, SUPERVISORS if kind in (ids.CONSOLE_UNLOCK, ids.CONSOLE_CHASE)
               else ACKNOWLEDGERS)
    if kind == ids.CONSOLE_UNLOCK:
        check_scope(services.city, principal, services.desk.get(str(target)).court_id)
        services.desk.unlock(str(target), reason=note, actor=principal.username)
        services.alerts.record_action(alert_id=None, case_no=str(target), action="unlock",
                                      actor=principal.username, at=services.clock.now(),
                                      note=note)
        return f"已解锁 {target}"
    alert = services.alerts.get(_alert_id(target))
    check_scope(services.city, principal, alert["court_id"])
    if kind == ids.CONSOLE_CHASE:
        services.alert_engine.chase(alert["id"], actor=principal.username, note=note)
        return f"已督办 {alert['case_no']}"
    services.alert_engine.acknowledge(alert["id"], actor=principal.username, note=note)
    return f"已确认 {alert['case_no']}"


def _alert_id(target: Any) -> int:
    if isinstance(target, bool) or not str(target).isdigit():
        raise NotFound(f"no alert {target!r}", field="id")
    return int(target)


def standing(services: Services, principal: Principal, levels: list[str],
             court: str | None) -> list[dict[str, Any]]:
    scope = services.city.scope(principal.court_id)
    if court and in_scope(services.city, principal, court):
        scope = services.city.scope(court)
    now = services.clock.now()
    rows = services.alerts.as_of(AlertQuery(as_of=now, court_ids=sorted(scope),
                                            levels=levels or None, limit=2000))
    alerts = [alert_payload(r, services.catalog, now) for r in rows]
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a["level"], 9), a["due_at"] or ""))


def register(app: Dash, services: Services) -> None:
    """Two callbacks: one acts on a click, one redraws. Kept apart so a live bump that redraws the
    table while an action is in flight can never swallow the action's message."""

    @app.callback(
        Output(ids.CONSOLE_MESSAGE, "children"), Output(ids.CONSOLE_ACTED, "data"),
        Input({"type": ids.CONSOLE_ACK, "index": ALL}, "n_clicks"),
        Input({"type": ids.CONSOLE_CHASE, "index": ALL}, "n_clicks"),
        Input({"type": ids.CONSOLE_UNLOCK, "index": ALL}, "n_clicks"),
        State(ids.CONSOLE_NOTE, "value"), State(ids.CONSOLE_ACTED, "data"),
        prevent_initial_call=True,
    )
    def on_click(_acks, _chases, _unlocks, note, acted):  # noqa: ANN001, ANN202
        principal = session_principal(services)
        clicked = ctx.triggered and ctx.triggered[0]["value"]
        if principal is None or not isinstance(ctx.triggered_id, dict) or not clicked:
            raise PreventUpdate
        try:
            message = act(services, principal, dict(ctx.triggered_id), (note or "").strip())
        except DomainError as exc:
            message = f"未执行：{exc.message}"
        return message, (acted or 0) + 1

    @app.callback(
        Output(ids.CONSOLE_TABLE, "children"),
        Input(ids.CONSOLE_LEVELS, "value"), Input(ids.CONSOLE_COURT, "value"),
        Input(ids.CONSOLE_VERSION, "data"), Input(ids.CONSOLE_ACTED, "data"),
        State(ids.URL, "search"),
    )
    def redraw(levels, court, _version, _acted, search):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        return alert_table(standing(services, principal, levels or [], court), services.city,
                           services.clock.now(), lang=language(search),
                           can_chase=principal.role in SUPERVISORS,
                           can_unlock=principal.role in SUPERVISORS,
                           officers={o.id: o.name for o in services.reference.officers()})
