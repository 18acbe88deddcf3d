"""The dispatcher console's callbacks: pick a place, rank units, send one, follow, replay.

They call the same dispatch desk as the HTTP API, check role and scope on the server, and patch
the map (``dash.Patch``) instead of resending it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import ALL, Dash, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.api_dispatch import check_target
from dashboard.api_tips import shown_tip, tip_scope, visible
from dashboard.auth import session_principal
from dashboard.guard import viewer
from dashboard.layouts.dispatch import HEAD_TRACE, TARGET_TRACE, TRACK_TRACE
from dashboard.policy import DISPATCHERS, in_scope, scope_of
from dashboard.services import Services
from enforcement.calendar import COURT_TZ
from enforcement.dispatch import Ranking
from enforcement.dispatches import Dispatch
from enforcement.errors import DomainError, NotFound
from enforcement.tips import Tip
from storage.users import Principal

BAND_LABELS = {"district_1h": "1 时(辖区)", "within_60km_2h": "2 时(60km)",
               "out_of_range": "超范围"}
SKIP_LABELS = {"busy": "执行任务中", "off_duty": "离岗", "stale": "信号陈旧", "offline": "离线"}
STATUS_LABELS = {"assigned": "已派单", "acknowledged": "已接单", "arrived": "已到场",
                 "completed": "已处置", "cancelled": "已撤销"}
SLA_LABELS = {"open": "计时中", "warned": "即将超时", "met": "按时到达", "breached": "超时"}
PAGE = "/dispatch"


def _scope(services: Services, principal: Principal) -> list[str]:
    return scope_of(services.city, principal)


def _unit_court(services: Services, unit_id: str) -> str | None:
    try:
        return services.units.get(unit_id).court_id
    except NotFound:
        return None


def _tip_for(services: Services, principal: Principal, tip_id: Any) -> Tip:
    """The tip a dispatcher picked, if it lies in their scope; else the click does nothing."""
    try:
        tip = services.tips.repo.get(int(tip_id))
    except (NotFound, TypeError, ValueError):
        raise PreventUpdate from None
    if not in_scope(services.city, principal, tip.court_id):
        raise PreventUpdate
    return tip


def _court_time(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(COURT_TZ).strftime("%H:%M")


def ranking_view(ranking: Ranking, services: Services, *, can_assign: bool = True) -> html.Div:
    court = {c.id: c.short or c.name for c in services.city.courts}
    head = html.Tr([html.Th(h) for h in ("单兵", "法院", "距离", "预计", "时限", "", "")])
    rows = [html.Tr([
        html.Td(f"{r.unit_id} {'车' if r.kind == 'car' else '步'}"),
        html.Td(court.get(r.court_id, r.court_id)), html.Td(f"{r.distance_km:.1f} km"),
        html.Td(f"{r.eta_min:.0f} 分"), html.Td(BAND_LABELS[r.band]),
        html.Td("✓" if r.meets_sla else "✗", className="ok" if r.meets_sla else "late"),
        html.Td(html.Button("派单", id={"type": ids.DISPATCH_ASSIGN, "index": r.unit_id})
                if can_assign else ""),
    ]) for r in ranking.ranked]
    skipped = [html.Li(f"{s.unit_id}（{court.get(s.court_id, s.court_id)}，{s.distance_km:.1f} km）："
                       f"{SKIP_LABELS.get(str(s.skipped_because), s.skipped_because)}")
               for s in ranking.skipped]
    parts: list[Any] = [html.Table([html.Thead(head), html.Tbody(rows)], className="alerts")
                        if rows else html.P("附近没有可派单兵", className="empty")]
    if skipped:
        parts += [html.H3("更近但未派"), html.Ul(skipped, className="skipped")]
    return html.Div(parts)


def active_view(dispatches: list[Dispatch], now) -> html.Table | html.P:  # noqa: ANN001
    if not dispatches:
        return html.P("暂无派单", className="empty")
    head = html.Tr([html.Th(h) for h in ("#", "目标", "单兵", "状态", "时限", "剩余")])
    rows = []
    for d in dispatches:
        left = ""
        if d.active and d.due_at:
            minutes = (d.due_at - now).total_seconds() / 60
            left = f"{minutes:.0f} 分" if minutes >= 0 else f"超 {-minutes:.0f} 分"
        rows.append(html.Tr([
            html.Td(str(d.id)), html.Td(d.target_ref or d.target_kind), html.Td(d.unit_id),
            html.Td(STATUS_LABELS[d.status], className=f"status-{d.status}"),
            html.Td(SLA_LABELS[d.sla_state], className=f"sla-{d.sla_state}"), html.Td(left),
        ]))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="alerts")


def pending_view(tips: list[dict[str, Any]]) -> html.Table | html.P:
    """Accepted whereabouts tips with a place, not yet sent: the dispatcher's queue (tips as
    ``tip_json`` shows them to the viewer)."""
    if not tips:
        return html.P("暂无待派线索", className="empty")
    head = html.Tr([html.Th(h) for h in ("#", "时间", "被执行人", "地点", "线索内容", "", "")])
    rows = [html.Tr([
        html.Td(str(t["id"])), html.Td(_court_time(t["received_at"])),
        html.Td(t["debtor_name"] or "—"),
        html.Td(f"{t['location']['district'] or ''} {t['location']['address']}"[:24]),
        html.Td(t["description"][:40], className="description"),
        html.Td("紧急" if t["urgent"] else "", className="late"),
        html.Td(html.Button("设为目标", id={"type": ids.DISPATCH_TIP_PICK, "index": t["id"]})),
    ]) for t in tips]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="alerts")


def register(app: Dash, services: Services) -> None:
    desk = services.dispatch

    @app.callback(Output(ids.DISPATCH_TIPS, "children"), Input(ids.DISPATCH_VERSION, "data"))
    def pending(_version):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        since = services.clock.now() - timedelta(hours=24)
        waiting = services.tips.repo.recent(since=since, court_ids=tip_scope(services.city,
                                                                             principal),
                                            status="accepted", limit=50)
        queue = [t for t in visible(services.city, principal, waiting)
                 if t.kind == "debtor_whereabouts" and t.lat is not None][:8]
        return pending_view([shown_tip(t, principal) for t in queue])

    @app.callback(Output(ids.DISPATCH_LAT, "value", allow_duplicate=True),
                  Output(ids.DISPATCH_LON, "value", allow_duplicate=True),
                  Output(ids.DISPATCH_KIND, "value"), Output(ids.DISPATCH_REF, "value"),
                  Output(ids.DISPATCH_NOTE, "value"),
                  Input({"type": ids.DISPATCH_TIP_PICK, "index": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    def pick_tip(_clicks):  # noqa: ANN001, ANN202
        if not isinstance(ctx.triggered_id, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
            raise PreventUpdate
        tip = _tip_for(services, viewer(services, PAGE), ctx.triggered_id["index"])
        return tip.lat, tip.lon, "tip", str(tip.id), tip.description[:200]

    @app.callback(Output(ids.DISPATCH_LAT, "value"), Output(ids.DISPATCH_LON, "value"),
                  Input(ids.DISPATCH_MAP, "clickData"), prevent_initial_call=True)
    def pick(click: dict | None):  # noqa: ANN202
        if not click or not click.get("points"):
            raise PreventUpdate
        point = click["points"][0]
        return round(point["y"], 5), round(point["x"], 5)

    @app.callback(Output(ids.DISPATCH_MAP, "figure", allow_duplicate=True),
                  Input(ids.DISPATCH_LAT, "value"), Input(ids.DISPATCH_LON, "value"),
                  prevent_initial_call=True)
    def mark(lat: float | None, lon: float | None) -> Patch:
        patch = Patch()
        patch["data"][TARGET_TRACE]["x"] = [lon] if lat is not None and lon is not None else []
        patch["data"][TARGET_TRACE]["y"] = [lat] if lat is not None and lon is not None else []
        return patch

    def ranked(principal: Principal, lat: float | None, lon: float | None) -> html.Div | html.P:
        if lat is None or lon is None:
            return html.P("请先在地图上点选目标位置", className="empty")
        try:
            ranking = desk.nearest(float(lat), float(lon), k=5,
                                   court_ids=_scope(services, principal))
        except DomainError as exc:
            return html.P(f"无法查找：{exc.message}", className="empty")
        return ranking_view(ranking, services, can_assign=principal.role in DISPATCHERS)

    # re-ranked on the dispatcher's own actions only, never under the cursor by live events
    @app.callback(Output(ids.DISPATCH_RANKED, "children"),
                  Input(ids.DISPATCH_FIND, "n_clicks"), Input(ids.DISPATCH_LAT, "value"),
                  Input(ids.DISPATCH_LON, "value"), prevent_initial_call=True)
    def find(_clicks, lat, lon):  # noqa: ANN001, ANN202
        return ranked(viewer(services, PAGE), lat, lon)

    @app.callback(Output(ids.DISPATCH_MESSAGE, "children"),
                  Output(ids.DISPATCH_VERSION, "data", allow_duplicate=True),
                  Output(ids.DISPATCH_RANKED, "children", allow_duplicate=True),
                  Input({"type": ids.DISPATCH_ASSIGN, "index": ALL}, "n_clicks"),
                  State(ids.DISPATCH_LAT, "value"), State(ids.DISPATCH_LON, "value"),
                  State(ids.DISPATCH_KIND, "value"), State(ids.DISPATCH_REF, "value"),
                  State(ids.DISPATCH_NOTE, "value"), prevent_initial_call=True)
    def assign(_clicks, lat, lon, kind, ref, note):  # noqa: ANN001, ANN202
        if not isinstance(ctx.triggered_id, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
            raise PreventUpdate
        principal = session_principal(services)
        if principal is None:
            raise PreventUpdate
        if principal.role not in DISPATCHERS:
            return f"未派单：角色 {principal.role} 无派单权限", no_update, no_update
        order = {"unit_id": ctx.triggered_id["index"],
                 "target": {"kind": kind, "ref": ref or "", "note": note or "", "lat": lat,
                            "lon": lon}}
        try:
            check_target(services, principal, order)
            made = desk.assign(order, actor=principal.username,
                               court_ids=_scope(services, principal))
        except DomainError as exc:
            return f"未派单：{exc.message}", no_update, ranked(principal, lat, lon)
        eta = f"{made.eta_min:.0f} 分钟"
        return (f"已派 {made.unit_id} 前往，预计 {eta}，时限 {made.sla_min or '—'} 分钟", made.id,
                ranked(principal, lat, lon))

    @app.callback(Output(ids.DISPATCH_ACTIVE, "children"), Input(ids.DISPATCH_VERSION, "data"))
    def follow(_version):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        recent = desk.repo.recent(_scope(services, principal), limit=15)
        return active_view(recent, services.clock.now())

    @app.callback(Output(ids.REPLAY_TRACK, "data"), Output(ids.REPLAY_SLIDER, "max"),
                  Output(ids.REPLAY_SLIDER, "value"),
                  Output(ids.DISPATCH_MAP, "figure", allow_duplicate=True),
                  Input(ids.REPLAY_UNIT, "value"), Input(ids.REPLAY_HOURS, "value"),
                  State(ids.URL, "search"), prevent_initial_call=True)
    def replay(unit_id, hours, _search):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        patch = Patch()
        if not unit_id or not in_scope(services.city, principal,
                                       _unit_court(services, unit_id)):
            patch["data"][TRACK_TRACE]["x"], patch["data"][TRACK_TRACE]["y"] = [], []
            patch["data"][HEAD_TRACE]["x"], patch["data"][HEAD_TRACE]["y"] = [], []
            return [], 1, 0, patch
        now = services.clock.now()
        fixes = services.units.track(unit_id, since=now - timedelta(hours=hours or 1), until=now)
        track = [[f.lon, f.lat, f.at.isoformat()] for f in fixes]
        patch["data"][TRACK_TRACE]["x"] = [p[0] for p in track]
        patch["data"][TRACK_TRACE]["y"] = [p[1] for p in track]
        patch["data"][HEAD_TRACE]["x"] = [track[0][0]] if track else []
        patch["data"][HEAD_TRACE]["y"] = [track[0][1]] if track else []
        return track, max(len(track) - 1, 1), 0, patch

    app.clientside_callback(
        """function(i, track) {
            if (!track || !track.length) { return window.dash_clientside.no_update; }
            var p = track[Math.min(i, track.length - 1)];
            return new window.dash_clientside.Patch()
                .assign(['data', HEAD, 'x'], [p[0]]).assign(['data', HEAD, 'y'], [p[1]]).build();
        }""".replace("HEAD", str(HEAD_TRACE)),
        Output(ids.DISPATCH_MAP, "figure", allow_duplicate=True),
        Input(ids.REPLAY_SLIDER, "value"), State(ids.REPLAY_TRACK, "data"),
        prevent_initial_call=True,
    )
