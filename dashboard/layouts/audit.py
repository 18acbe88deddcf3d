"""The audit page (审计日志): every recorded write, searchable by who, what, which record and when;
for admins only (the router refuses everyone else, on the server)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from dash import dcc, html

from dashboard import ids
from dashboard.layouts.console import nav
from enforcement.audit import AuditEntry

LOCAL = ZoneInfo("Asia/Shanghai")
ACTION_LABELS = {
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.lockout": "账户锁定",
    "auth.login_refused": "拒绝登录", "auth.logout": "退出登录", "auth.kiosk_login": "大屏登录",
    "token.revoke_all": "吊销全部令牌", "user.add": "新增用户", "unit.add": "登记单兵",
    "unit.key_rotate": "更换设备密钥", "kiosk.issue": "签发大屏令牌", "kiosk.revoke": "吊销大屏令牌",
    "tip.take": "登记线索", "tip.triage": "线索研判", "tip.assigned": "线索派警",
    "tip.completed": "线索办结", "tip.cancelled": "撤销派警", "dispatch.assign": "派单",
    "dispatch.ack": "接单", "dispatch.arrive": "到场", "dispatch.outcome": "处置结果",
    "dispatch.cancel": "撤销派单", "alert.ack": "确认预警", "alert.chase": "督办",
    "case.create": "立案", "case.event": "案件节点", "case.lock": "锁定案件",
    "case.unlock": "解锁案件",
}
HEAD = ("#", "时间", "操作者", "角色", "法院", "动作", "对象", "详情", "哈希")


def refusal() -> html.Div:
    return html.Div([html.H1("审计日志"), html.P("仅管理员可查看审计日志 (admins only)",
                                                className="flag")],
                    className="console refused")


def logout_form(csrf: str) -> html.Form:
    """A POST with this session's CSRF token: the only way to end a session."""
    return html.Form([dcc.Input(type="hidden", name="csrf_token", value=csrf),
                      html.Button("退出登录", type="submit")],
                     action="/logout", method="post", className="logout")


def audit_layout(*, actions: list[str], csrf: str) -> html.Div:
    options = [{"label": f"{ACTION_LABELS.get(a, a)} ({a})", "value": a} for a in actions]
    options += [{"label": f"全部 {p}*", "value": p} for p in sorted({a.split(".")[0] + "."
                                                                    for a in actions})]
    filters = html.Div([
        dcc.Input(id=ids.AUDIT_ACTOR, placeholder="操作者（用户名，unit:* 前缀）", maxLength=64),
        dcc.Dropdown(id=ids.AUDIT_ACTION, options=options, placeholder="动作"),
        dcc.Input(id=ids.AUDIT_TARGET, placeholder="对象（案号、线索号、单兵……）", maxLength=128),
        dcc.Input(id=ids.AUDIT_FROM, placeholder="自 2026-11-23 09:00", maxLength=25,
                  className="instant"),
        dcc.Input(id=ids.AUDIT_TO, placeholder="至 2026-11-24", maxLength=25, className="instant"),
        html.Button("查询", id=ids.AUDIT_SEARCH, className="primary"),
        html.Button("校验哈希链", id=ids.AUDIT_VERIFY),
    ], className="filters audit-filters")
    pager = html.Div([html.Button("上一页", id=ids.AUDIT_PREV),
                      html.Span("", id=ids.AUDIT_PAGE_LABEL),
                      html.Button("下一页", id=ids.AUDIT_NEXT)], className="pager")
    return html.Div([
        html.Header([html.H1("审计日志"), nav("/audit", "zh"), logout_form(csrf)],
                    className="console-header"),
        filters,
        html.Div("", id=ids.AUDIT_MESSAGE, className="message", role="status"),
        html.Div(id=ids.AUDIT_TABLE, className="table-box"),
        pager,
        dcc.Store(id=ids.AUDIT_PAGE, data=0),
    ], className="console audit", lang="zh-CN")


def audit_table(entries: list[AuditEntry]) -> html.Table | html.P:
    if not entries:
        return html.P("没有符合条件的记录", className="empty")
    rows = [html.Tr([
        html.Td(str(e.id)), html.Td(e.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")),
        html.Td(e.actor), html.Td(e.role or "—"), html.Td(e.court_id or "—"),
        html.Td(ACTION_LABELS.get(e.action, e.action), title=e.action), html.Td(e.target),
        html.Td(_detail(e.detail), className="detail"), html.Td(e.hash[:12], title=e.hash),
    ]) for e in entries]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in HEAD])), html.Tbody(rows)],
                      className="alerts")


def _detail(text: str) -> str:
    facts = json.loads(text)
    return "；".join(f"{k}={v}" for k, v in facts.items() if v not in (None, "", []))
