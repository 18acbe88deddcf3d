"""The intake page's callbacks: take the tip (stored first), show links and repeats, triage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.api_tips import shown_tip, tip_scope, visible
from dashboard.guard import viewer
from dashboard.policy import TAKERS, TRIAGERS, check_role, check_scope
from dashboard.services import Services
from enforcement.errors import DomainError
from enforcement.tips import LABELS

PAGE = "/intake"
REASON_LABELS = {"case_no": "案号一致", "id_no": "身份证号/信用代码一致", "name_exact": "姓名一致",
                 "name_partial": "名称部分一致", "common_name": "常见姓名（需核实）"}


def result_view(tip: dict[str, Any], candidates: list[Any]) -> html.Div:
    place = tip["location"]
    where = (f"已定位：{place['district'] or ''} {place['address']}" if place["resolved"]
             else f"未能定位，按文字保存：{place['address']}" if place["address"]
             else "未提供地点")
    parts: list[Any] = [
        html.P(f"已登记 #{tip['id']} · {tip['kind_label']}", className="ok"),
        html.P(where, className="ok" if place["resolved"] else "flag"),
    ]
    if tip["repeat_of"]:
        parts.append(html.P(f"疑似重复：与 #{', #'.join(map(str, tip['repeat_of']))} 相同的被执行人或地点，"
                            "请勿重复派警", className="flag"))
    if candidates:
        parts.append(html.Ul([html.Li(
            f"{c.case_no} · {c.name} · "
            f"{'、'.join(REASON_LABELS.get(r, r) for r in c.reasons)}") for c in candidates]))
    else:
        parts.append(html.P("未匹配到在办案件", className="flag"))
    return html.Div(parts)


def recent_view(tips: list[dict[str, Any]]) -> html.Table | html.P:
    if not tips:
        return html.P("暂无", className="empty")
    head = html.Tr([html.Th(h) for h in ("#", "时间", "类型", "状态", "被执行人", "地点", "线索内容",
                                         "来电")])
    rows = [html.Tr([
        html.Td(str(t["id"])), html.Td(t["received_at"][11:16]), html.Td(t["kind_label"]),
        html.Td(t["status_label"], className=f"status-{t['status']}"),
        html.Td(t["debtor_name"] or "—"),
        html.Td((t["location"]["district"] or "") + (" ⚠" if t["location"]["address"]
                                                      and not t["location"]["resolved"] else "")),
        html.Td(t["description"][:40], className="description"),
        html.Td(f"{t['caller_name']} {t['caller_phone']}"),
    ]) for t in tips]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="alerts")


def register(app: Dash, services: Services) -> None:
    desk = services.tips

    @app.callback(
        Output(ids.INTAKE_RESULT, "children"), Output(ids.INTAKE_LINK, "options"),
        Output(ids.INTAKE_LINK, "value"), Output(ids.INTAKE_CURRENT, "data"),
        Output(ids.INTAKE_VERSION, "data", allow_duplicate=True),
        Input(ids.INTAKE_SUBMIT, "n_clicks"),
        State(ids.INTAKE_CHANNEL, "value"), State(ids.INTAKE_KIND, "value"),
        State(ids.INTAKE_ASSET, "value"), State(ids.INTAKE_URGENT, "value"),
        State({"type": ids.INTAKE_FIELDS, "index": ALL}, "value"),
        State({"type": ids.INTAKE_FIELDS, "index": ALL}, "id"),
        prevent_initial_call=True,
    )
    def take(_n, channel, kind, asset, flags, values, field_ids):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        if principal.role not in TAKERS:
            raise PreventUpdate
        payload = {f["index"]: v for f, v in zip(field_ids, values, strict=True) if v}
        payload |= {"channel": channel, "kind": kind, "urgent": "urgent" in (flags or []),
                    "reward_claimed": "reward" in (flags or [])}
        if asset and kind == "property_lead":
            payload["asset_kind"] = asset
        try:
            tip, candidates = desk.take(payload, actor=principal.username)
        except DomainError as exc:
            message = html.P(f"未登记：{exc.message}（{exc.field}）", className="flag")
            return message, no_update, no_update, no_update, no_update
        candidates = visible(services.city, principal, candidates)
        options = [{"label": f"{c.case_no} {c.name}", "value": c.case_no} for c in candidates]
        return (result_view(shown_tip(tip, principal), candidates), options,
                tip.linked_case_no, tip.id, tip.id)

    @app.callback(
        Output(ids.INTAKE_RESULT, "children", allow_duplicate=True),
        Output(ids.INTAKE_VERSION, "data", allow_duplicate=True),
        Input(ids.INTAKE_ACCEPT, "n_clicks"), Input(ids.INTAKE_REJECT, "n_clicks"),
        State(ids.INTAKE_CURRENT, "data"), State(ids.INTAKE_LINK, "value"),
        State(ids.INTAKE_REASON, "value"), prevent_initial_call=True,
    )
    def decide(_accept, _reject, tip_id, case_no, reason):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        if isinstance(tip_id, bool) or not isinstance(tip_id, int):
            raise PreventUpdate
        decision = "accept" if ctx.triggered_id == ids.INTAKE_ACCEPT else "reject"
        try:
            check_role(principal, TRIAGERS)
            check_scope(services.city, principal, desk.repo.get(tip_id).court_id, field="id")
            tip = desk.decide(tip_id, {"decision": decision, "reason": reason or "",
                                       "case_no": case_no or ""}, actor=principal.username)
        except DomainError as exc:
            return html.P(f"未完成研判：{exc.message}（{exc.field}）", className="flag"), no_update
        text = f"#{tip.id} {LABELS[str(tip.status)]}" + (
            f"，已关联 {tip.linked_case_no}" if tip.linked_case_no else "")
        return html.P(text, className="ok"), -tip.id

    @app.callback(Output(ids.INTAKE_RECENT, "children"), Input(ids.INTAKE_VERSION, "data"))
    def recent(_version):  # noqa: ANN001, ANN202
        principal = viewer(services, PAGE)
        since = services.clock.now() - timedelta(hours=24)
        found = desk.repo.recent(since=since, court_ids=tip_scope(services.city, principal),
                                 limit=30)
        return recent_view([shown_tip(t, principal)
                            for t in visible(services.city, principal, found)])
