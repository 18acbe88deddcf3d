"""The alert console (预警处置台): where duty staff acknowledge and supervisors chase (督办) or
unlock; a desk page, for a mouse and a keyboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import dcc, html

from dashboard import ids
from dashboard.layouts.palette import ESCALATION_LABELS, LEVEL_LABELS
from enforcement.city import City

TEXTS = {
    "zh": {"title": "预警处置", "levels": "级别", "court": "法院", "all_courts": "全部法院",
           "note": "处置说明（确认、督办、解锁时记录）", "ack": "确认", "chase": "督办",
           "unlock": "解锁", "case": "案号", "node": "节点", "due": "到期", "late": "超期",
           "escalation": "升级", "owner": "承办", "handled": "已确认", "actions": "处置",
           "empty": "当前筛选下没有预警", "days": "{n} 天"},
    "en": {"title": "Alert console", "levels": "Levels", "court": "Court",
           "all_courts": "All courts", "note": "Note (kept with an acknowledgement, chase or unlock)",
           "ack": "Ack", "chase": "Chase", "unlock": "Unlock", "case": "Case", "node": "Node",
           "due": "Due", "late": "Late", "escalation": "Escalation", "owner": "Owner",
           "handled": "Acknowledged", "actions": "Actions", "empty": "No alerts match",
           "days": "{n} d"},
}
LEVELS = ("locked", "chased", "overdue", "due", "upcoming")
SHOWN = 200  # rows; the filters narrow it down


NAV_LABELS = {  # page → (zh, en); the router keeps the links the viewer's role may open
    "/wall": ("大屏", "Wall"), "/alerts": ("预警处置", "Alerts"), "/dispatch": ("调度台", "Dispatch"),
    "/intake": ("接警登记", "Intake"), "/leader": ("领导驾驶舱", "Leadership"),
    "/audit": ("审计日志", "Audit log"),
}


def nav(active: str, lang: str) -> html.Nav:
    links = [html.A(zh if lang == "zh" else en, href=href + ("?lang=en" if lang == "en" else ""),
                    className="active" if href == active else "")
             for href, (zh, en) in NAV_LABELS.items()]
    return html.Nav(links, className="nav")


def console_layout(city: City, scope: frozenset[str], *, lang: str) -> html.Div:
    texts = TEXTS[lang]
    courts = [{"label": c.name if lang == "zh" else c.name_en, "value": c.id}
              for c in city.courts if c.id in scope]
    filters = html.Div([
        html.Label([texts["levels"], dcc.Checklist(
            id=ids.CONSOLE_LEVELS, value=list(LEVELS[:3]), inline=True,
            options=[{"label": LEVEL_LABELS[lang][lv], "value": lv} for lv in LEVELS])]),
        html.Label([texts["court"], dcc.Dropdown(id=ids.CONSOLE_COURT, options=courts,
                                                 placeholder=texts["all_courts"])],
                   className="court-filter"),
        dcc.Input(id=ids.CONSOLE_NOTE, placeholder=texts["note"], maxLength=500,
                  className="note", debounce=False),
    ], className="filters")
    return html.Div([
        html.Header([html.H1(texts["title"]), nav("/alerts", lang)], className="console-header"),
        filters,
        html.Div("", id=ids.CONSOLE_MESSAGE, className="message", role="status"),
        html.Div(id=ids.CONSOLE_TABLE, className="table-box"),
        dcc.Store(id=ids.CONSOLE_VERSION, data=0),
        dcc.Store(id=ids.CONSOLE_ACTED, data=0),
        dcc.Store(id=ids.LIVE_CONFIG, data={"namespace": "/live", "topics": ["alerts"], "lang": lang,
                                           "bump": {"store": ids.CONSOLE_VERSION,
                                                    "events": ["alert"]}}),
    ], className="console", lang="zh-CN" if lang == "zh" else "en")


def alert_table(alerts: list[dict[str, Any]], city: City, now: datetime, *, lang: str,
                can_chase: bool, can_unlock: bool,
                officers: dict[str, str] | None = None) -> html.Table | html.P:
    texts = TEXTS[lang]
    if not alerts:
        return html.P(texts["empty"], className="empty")
    head = [texts[k] for k in ("levels", "court", "case", "node", "due", "late", "escalation",
                               "owner", "handled", "actions")]
    names = officers or {}
    rows = [_row(a | {"owner": names.get(a["owner"], a["owner"])}, city, now, lang=lang,
                 can_chase=can_chase, can_unlock=can_unlock) for a in alerts[:SHOWN]]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      className="alerts")


def _row(alert: dict[str, Any], city: City, now: datetime, *, lang: str, can_chase: bool,
         can_unlock: bool) -> html.Tr:
    texts = TEXTS[lang]
    court = city.by_id.get(alert["court_id"])
    ack = alert.get("acknowledged")
    actions = [html.Button(texts["ack"], id={"type": ids.CONSOLE_ACK, "index": alert["id"]},
                           disabled=bool(ack))]
    if can_chase and alert["level"] in ("overdue", "locked"):
        actions.append(html.Button(texts["chase"], id={"type": ids.CONSOLE_CHASE,
                                                       "index": alert["id"]}))
    if can_unlock and alert["level"] == "locked":
        actions.append(html.Button(texts["unlock"], id={"type": ids.CONSOLE_UNLOCK,
                                                        "index": alert["case_no"]}))
    due = alert["due_at"][:10] if alert["due_at"] else "—"
    late = texts["days"].format(n=alert["overdue_days"]) if alert["overdue_days"] else ""
    return html.Tr([
        html.Td(LEVEL_LABELS[lang][alert["level"]], className=f"level level-{alert['level']}"),
        html.Td(court.short if court and lang == "zh" else alert["court_id"]),
        html.Td(alert["case_no"]), html.Td(alert["node_name"]), html.Td(due), html.Td(late),
        html.Td(ESCALATION_LABELS[lang].get(alert["escalation"], alert["escalation"])),
        html.Td(alert["owner"]),
        html.Td(f"{ack['by']}: {ack['note']}" if ack else "", className="ack"),
        html.Td(actions, className="actions"),
    ], className=f"row-{alert['level']}")
