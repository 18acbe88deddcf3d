"""The audit page's callbacks: search and page through the log, check the chain. Admins only,
checked here on the server as well as by the router."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from dash import Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.api_audit import PAGE_SIZE
from dashboard.auth import session_principal
from dashboard.layouts.audit import LOCAL, audit_table
from dashboard.services import Services
from enforcement.model import Role
from storage.audit import AuditQuery


def local_instant(value: str | None) -> datetime | None:
    """``2026-11-23 09:00`` (or a date alone, its midnight) read as Shenyang time; an instant
    with an offset as given; None when empty or unreadable."""
    try:
        instant = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=LOCAL)


def page_after(trigger: Any, page: int) -> int:
    if trigger == ids.AUDIT_NEXT:
        return page + 1
    if trigger == ids.AUDIT_PREV:
        return max(0, page - 1)
    return 0  # a new search starts at the first page


def search(services: Services, filters: dict[str, Any], page: int) -> tuple[Any, int, str]:
    """One page of matching entries, the page actually shown, and its label."""
    query = AuditQuery(actor=filters.get("actor"), action=filters.get("action"),
                       target=filters.get("target"), since=local_instant(filters.get("from")),
                       until=local_instant(filters.get("to")), limit=PAGE_SIZE)
    entries, total = services.audit.search(replace(query, offset=page * PAGE_SIZE))
    last = max(0, (total - 1) // PAGE_SIZE)
    if page > last:  # the log was searched anew, or "next" on the last page
        page = last
        entries, total = services.audit.search(replace(query, offset=page * PAGE_SIZE))
    unread = [filters[k] for k in ("from", "to") if filters.get(k) and not local_instant(filters[k])]
    note = f"（无法识别的时间 {'、'.join(unread)} 未用于筛选）" if unread else ""
    return audit_table(entries), page, f"第 {page + 1} / {last + 1} 页，共 {total} 条{note}"


def verify_message(services: Services) -> str:
    checked, broken, head = services.audit.verify()
    if broken is None:
        return f"哈希链完整：{checked} 条，末条哈希 {head[:16]}…"
    return f"哈希链断裂：第 {broken.entry_id} 条 — {broken.reason}"


def register(app: Dash, services: Services) -> None:
    def admin_only() -> None:
        principal = session_principal(services)
        if principal is None or principal.role != Role.ADMIN:
            raise PreventUpdate

    @app.callback(
        Output(ids.AUDIT_TABLE, "children"), Output(ids.AUDIT_PAGE, "data"),
        Output(ids.AUDIT_PAGE_LABEL, "children"),
        Input(ids.AUDIT_SEARCH, "n_clicks"), Input(ids.AUDIT_PREV, "n_clicks"),
        Input(ids.AUDIT_NEXT, "n_clicks"),
        State(ids.AUDIT_ACTOR, "value"), State(ids.AUDIT_ACTION, "value"),
        State(ids.AUDIT_TARGET, "value"), State(ids.AUDIT_FROM, "value"),
        State(ids.AUDIT_TO, "value"), State(ids.AUDIT_PAGE, "data"),
    )
    def show(_search, _prev, _next, actor, action, target, since, until, page):  # noqa: ANN001, ANN202
        admin_only()
        filters = {"actor": actor, "action": action, "target": target, "from": since, "to": until}
        return search(services, filters, page_after(ctx.triggered_id, page or 0))

    @app.callback(Output(ids.AUDIT_MESSAGE, "children"), Input(ids.AUDIT_VERIFY, "n_clicks"),
                  prevent_initial_call=True)
    def verify(_n):  # noqa: ANN001, ANN202
        admin_only()
        return verify_message(services)
