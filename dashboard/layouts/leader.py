"""The leadership page (领导驾驶舱): KPIs against target, rankings of courts and teams, charts by
debtor type, disposition and month, and a drill-down city → court → team → the cases behind a number.

Made for a tablet (1024×768 and up): large tap targets, nothing that only a hover shows. The page is
a shell of fixed components; ``leader_page`` fills them from the analytics for the view in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dash import dcc, html

from dashboard import ids
from dashboard.layouts.console import nav
from dashboard.layouts.kpi_view import KPI_LABELS, format_kpi, kpi_tile
from dashboard.layouts.palette import (
    DEBTOR_LABELS,
    DEBTOR_TYPE_LABELS,
    DISPOSITION_COLOURS,
    DISPOSITION_LABELS,
    MUTED,
    PANEL,
)
from dashboard.leader_query import CASE_LISTS, DEBTOR_GROUPS, DISPOSITIONS, PERIODS
from enforcement.calendar import local_date

TEXTS = {
    "zh": {
        "title": "领导驾驶舱", "hint": "点按法院、团队或图中柱条，逐级查看", "city": "{city}全市",
        "court": "法院", "team": "团队", "debtor": "被执行人", "disposition": "结案方式",
        "dates": "期间", "from": "开始日期", "to": "结束日期", "reset": "清除筛选",
        "all_courts": "全部法院", "all_teams": "全部团队", "all": "全部",
        "period": "{a} 至 {b}", "this_year": "本年 {a} 至 {b}",
        "periods": {"month": "本月", "quarter": "本季度", "year": "本年", "last12": "近12个月"},
        "rank_courts": "法院排名", "rank_teams": "团队排名", "name": "名称", "closing_rate": "执结率",
        "actual": "实际执行率", "recovery": "到位率", "days": "平均天数",
        "by_debtor": "按被执行人类型 · 件数与标的到位", "by_disposition": "按结案方式 · 已结件数",
        "trend": "按月趋势", "show_cases": "查看案件 ›",
        "cases": "案件清单", "case_no": "案号", "debtor_type": "被执行人", "filed": "立案",
        "closed_at": "结案", "amount": "标的(万元)", "recovered": "到位(万元)",
        "shown": "共 {total} 件，显示前 {n} 件", "no_cases": "当前筛选下没有案件", "none": "—",
        "lists": {"active": "期内全部", "received": "新收", "carried_over": "旧存", "closed": "已结",
                  "open": "未结"},
    },
    "en": {
        "title": "Leadership", "hint": "Tap a court, a team or a bar to drill down",
        "city": "All {city}", "court": "Court", "team": "Team", "debtor": "Debtor",
        "disposition": "Disposition", "dates": "Period", "from": "From", "to": "To",
        "reset": "Clear", "all_courts": "All courts", "all_teams": "All teams", "all": "All",
        "period": "{a} to {b}", "this_year": "This year, {a} to {b}",
        "periods": {"month": "Month", "quarter": "Quarter", "year": "Year", "last12": "12 months"},
        "rank_courts": "Courts ranked", "rank_teams": "Teams ranked", "name": "Name",
        "closing_rate": "Closing", "actual": "Actual exec.", "recovery": "Recovery",
        "days": "Avg days", "by_debtor": "By debtor type · cases and recovery",
        "by_disposition": "By disposition · cases closed", "trend": "By month",
        "show_cases": "Show cases ›", "cases": "Cases", "case_no": "Case", "debtor_type": "Debtor",
        "filed": "Filed", "closed_at": "Closed", "amount": "Amount (¥)", "recovered": "Recovered (¥)",
        "shown": "{total} cases, the first {n} shown", "no_cases": "No cases match", "none": "—",
        "lists": {"active": "All in period", "received": "Received", "carried_over": "Carried over",
                  "closed": "Closed", "open": "Open"},
    },
}
PRIMARY_KPIS = ("closing_rate", "actual_execution_rate", "recovery_rate", "average_days",
                "in_period_closing_rate", "zhongben_compliance", "petition_closing_rate",
                "closed_received_ratio")
SECONDARY_KPIS = ("first_case_closing_rate", "executed_in_full_rate", "zhongben_rate",
                  "average_days_in_full", "closing_balance")
COUNT_LISTS = {  # a count → the list of cases behind it (the amounts are those of cases closed)
    "carried_over": "carried_over", "received": "received", "closed": "closed",
    "amount_applied": "closed", "amount_recovered": "closed",
}
BLANK = {"layout": {"paper_bgcolor": PANEL, "plot_bgcolor": PANEL, "height": 260,
                    "xaxis": {"visible": False}, "yaxis": {"visible": False}}}


def leader_layout(*, lang: str, courts: list[dict[str, str]], teams: list[dict[str, str]]) -> html.Div:
    """The page shell; ``courts`` and ``teams`` are the dropdown options of the principal's scope."""
    texts = TEXTS[lang]
    header = html.Header([
        html.Div([html.H1(texts["title"]), html.Span(id=ids.LEADER_PERIOD_LABEL, className="period")],
                 className="leader-titles"),
        nav("/leader", lang)], className="leader-header")
    charts = html.Div([
        html.Div([_panel(texts["rank_courts"], html.Div(id=ids.LEADER_RANK_COURTS, className="rank-box")),
                  _panel(texts["rank_teams"], html.Div(id=ids.LEADER_RANK_TEAMS, className="rank-box"))],
                 className="leader-pair"),
        html.Div([_panel(texts["by_debtor"], _graph(ids.LEADER_DEBTOR_CHART)),
                  _panel(texts["by_disposition"], _graph(ids.LEADER_DISPOSITION_CHART))],
                 className="leader-pair"),
        _panel(texts["trend"], _graph(ids.LEADER_TREND_CHART)),
    ], id=ids.LEADER_CHARTS, className="leader-charts")
    return html.Div([
        dcc.Location(id=ids.LEADER_URL, refresh=False),
        header,
        html.Div([html.Nav(id=ids.LEADER_CRUMBS, className="crumbs"),
                  html.Span(texts["hint"], className="hint")], className="crumb-bar"),
        _filters(lang, courts, teams),
        html.Main([
            html.Section(id=ids.LEADER_TILES, className="kpi-grid"),
            html.Section(id=ids.LEADER_COUNTS, className="count-row"),
            html.Section(id=ids.LEADER_CASES, className="leader-panel case-panel", hidden=True),
            charts,
        ], className="leader-body"),
        dcc.Store(id=ids.LEADER_VERSION, data=0),
        dcc.Store(id=ids.LIVE_CONFIG, data={"namespace": "/live", "topics": ["kpis"], "lang": lang,
                                           "bump": {"store": ids.LEADER_VERSION, "events": ["kpi"]}}),
    ], className="leader", lang="zh-CN" if lang == "zh" else "en")


def _filters(lang: str, courts: list[dict[str, str]], teams: list[dict[str, str]]) -> html.Div:
    texts = TEXTS[lang]

    def choice(label: str, component_id: str, options: list[dict[str, str]], blank: str) -> html.Label:
        return html.Label([html.Span(label), dcc.Dropdown(
            id=component_id, options=options, placeholder=blank, clearable=True, searchable=False)],
            className="filter")

    presets = [html.Button(texts["periods"][p], id={"type": ids.LEADER_PERIOD, "index": p},
                           className="chip") for p in PERIODS]
    return html.Div([
        choice(texts["court"], ids.LEADER_FILTER_COURT, courts, texts["all_courts"]),
        choice(texts["team"], ids.LEADER_FILTER_TEAM, teams, texts["all_teams"]),
        choice(texts["debtor"], ids.LEADER_FILTER_DEBTOR,
               [{"label": DEBTOR_LABELS[lang][g], "value": g} for g in DEBTOR_GROUPS], texts["all"]),
        choice(texts["disposition"], ids.LEADER_FILTER_DISPOSITION,
               [{"label": DISPOSITION_LABELS[lang][d], "value": d} for d in DISPOSITIONS], texts["all"]),
        html.Label([html.Span(texts["dates"]), dcc.DatePickerRange(
            id=ids.LEADER_FILTER_DATES, display_format="YYYY-MM-DD", first_day_of_week=1,
            start_date_placeholder_text=texts["from"], end_date_placeholder_text=texts["to"],
            clearable=True, number_of_months_shown=1, day_size=44)], className="filter dates"),
        html.Div([*presets, html.Button(texts["reset"], id=ids.LEADER_RESET, className="chip reset")],
                 className="chips"),
    ], className="leader-filters")


def _panel(title: str, body: Any) -> html.Section:
    return html.Section([html.H2(title), body], className="leader-panel")


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=BLANK, className="leader-graph",
                     config={"displayModeBar": False, "responsive": True, "scrollZoom": False})


def crumbs(trail: list[tuple[str, str]]) -> list[Any]:
    """Breadcrumbs from (level, label) pairs, outermost first; all but the last go back up."""
    items: list[Any] = []
    for n, (level, label) in enumerate(trail):
        if n:
            items.append(html.Span("›", className="sep"))
        if n == len(trail) - 1:
            items.append(html.Span(label, className="crumb current", **{"aria-current": "page"}))
        else:
            items.append(html.Button(label, id={"type": ids.LEADER_PICK, "index": f"crumb:{level}"},
                                     className="crumb"))
    return items


def kpi_tiles(kpis: Mapping[str, Any], targets: Mapping[str, float], *, lang: str) -> list[Any]:
    primary = [kpi_tile(k, kpis, targets, lang=lang) for k in PRIMARY_KPIS]
    secondary = [html.Div([html.Span(_label(k, lang), className="mini-label"),
                           html.Span(format_kpi(k, kpis.get(k), lang), className="mini-value")],
                          className="kpi-mini") for k in SECONDARY_KPIS]
    return [*primary, html.Div(secondary, className="kpi-minis")]


def count_buttons(kpis: Mapping[str, Any], *, lang: str) -> list[html.Button]:
    """The counts behind the rates; a tap opens the list of cases of the current selection."""
    return [html.Button([html.Span(_label(k, lang), className="count-label"),
                         html.Span(format_kpi(k, kpis.get(k), lang), className="count-value"),
                         html.Span(TEXTS[lang]["show_cases"], className="count-hint")],
                        id={"type": ids.LEADER_PICK, "index": f"cases:{listing}:{k}"},
                        className="count-tile")
            for k, listing in COUNT_LISTS.items()]


def ranking_table(rows: list[dict[str, Any]], names: Mapping[str, str], *, level: str,
                  selected: str | None, lang: str) -> html.Table | html.P:
    """Courts or teams by rank; a tap on a row drills into it."""
    texts = TEXTS[lang]
    if not rows:
        return html.P(texts["no_cases"], className="empty")
    head = ["#", texts["name"], texts["closing_rate"], texts["actual"], texts["recovery"],
            texts["days"]]
    body = [html.Tr([
        html.Td(str(r.get("rank", "")), className="rank"),
        html.Td(names.get(r["id"], r["id"]), className="name"),
        html.Td(format_kpi("closing_rate", r.get("closing_rate"), lang)),
        html.Td(format_kpi("actual_execution_rate", r.get("actual_execution_rate"), lang)),
        html.Td(format_kpi("recovery_rate", r.get("recovery_rate"), lang)),
        html.Td(format_kpi("average_days", r.get("average_days"), lang)),
    ], id={"type": ids.LEADER_PICK, "index": f"{level}:{r['id']}"}, role="button",
        className="pick selected" if r["id"] == selected else "pick")
        for r in sorted(rows, key=lambda r: (r.get("rank") or 10**6, r["id"]))]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                      className="ranking")


def case_table(rows: list[dict[str, Any]], *, listing: str, total: int, courts: Mapping[str, str],
               teams: Mapping[str, str], lang: str) -> list[Any]:
    """The cases behind a number: tabs for each list, then the first ``len(rows)`` of ``total``."""
    texts = TEXTS[lang]
    tabs = html.Div([html.Button(texts["lists"][key], id={"type": ids.LEADER_PICK, "index": f"cases:{key}"},
                                 className="chip active" if key == listing else "chip")
                     for key in CASE_LISTS], className="chips case-tabs")
    if not rows:
        return [html.H2(texts["cases"]), tabs, html.P(texts["no_cases"], className="empty")]
    head = [texts["case_no"], texts["court"], texts["team"], texts["debtor_type"],
            texts["disposition"], texts["filed"], texts["closed_at"], texts["amount"],
            texts["recovered"]]
    body = [_case_row(r, courts, teams, lang) for r in rows]
    return [html.H2(texts["cases"]), tabs,
            html.P(texts["shown"].format(n=len(rows), total=total), className="note"),
            html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                                className="cases"), className="table-box")]


def _case_row(r: Mapping[str, Any], courts: Mapping[str, str], teams: Mapping[str, str],
              lang: str) -> html.Tr:
    none = TEXTS[lang]["none"]
    return html.Tr([
        html.Td(r["case_no"], className="case-no"), html.Td(courts.get(r["court_id"], r["court_id"])),
        html.Td(teams.get(r.get("team_id") or "", r.get("team_id") or none)),
        html.Td(DEBTOR_TYPE_LABELS[lang].get(r.get("debtor_type") or "", r.get("debtor_type") or none)),
        html.Td(DISPOSITION_LABELS[lang].get(r.get("disposition") or "", none),
                style={"color": DISPOSITION_COLOURS.get(r.get("disposition") or "", MUTED)}),
        html.Td(_day(r.get("filed_at"))), html.Td(_day(r.get("closed_at"))),
        html.Td(_money(r.get("amount"), lang), className="num"),
        html.Td(_money(r.get("recovered"), lang), className="num"),
    ])


def _label(key: str, lang: str) -> str:
    return KPI_LABELS[lang][key]


def _money(yuan: float | None, lang: str) -> str:
    """A case's amount: in 万元 (the column says so) or in yuan."""
    return f"{(yuan or 0) / 1e4:,.1f}" if lang == "zh" else f"{yuan or 0:,.0f}"


def _day(value: Any) -> str:
    """A case's filing or closing day in Shanghai; instants may come as datetimes or ISO text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value[:10]
    if isinstance(value, datetime):
        return (local_date(value) if value.tzinfo else value.date()).isoformat()
    return value.isoformat() if isinstance(value, date) else "—"
