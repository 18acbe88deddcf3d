"""KPI (质效指标) names, formats and colours against target, shared by the leadership page and the wall.

A value is a rate (a fraction 0–1, shown as %), a number of days, an index, a count or an amount in
yuan; ``None`` (nothing to divide by yet) shows as a dash. A KPI with a target (≥ 90%) is green at or
above it, amber within ``WARN_BAND`` below it and red further down; one without a target is neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

RATES = ("closing_rate", "first_case_closing_rate", "actual_execution_rate", "recovery_rate",
         "executed_in_full_rate", "zhongben_rate", "in_period_closing_rate", "zhongben_compliance",
         "petition_closing_rate", "closed_received_ratio")
DAYS = ("average_days", "average_days_in_full")
INDEXES = ("closing_balance",)
COUNTS = ("carried_over", "received", "closed")
AMOUNTS = ("amount_applied", "amount_recovered")
WARN_BAND = 0.05  # five points below target is amber, not yet red

KPI_LABELS = {
    "zh": {"closing_rate": "执结率", "first_case_closing_rate": "首执案件结案率",
           "actual_execution_rate": "实际执行率", "recovery_rate": "执行标的到位率",
           "executed_in_full_rate": "执行完毕率", "zhongben_rate": "终本率",
           "in_period_closing_rate": "法定期限内实际执结率", "zhongben_compliance": "终本合格率",
           "petition_closing_rate": "执行信访办结率", "average_days": "平均执行天数",
           "average_days_in_full": "执行完毕平均天数", "closing_balance": "结案均衡度",
           "closed_received_ratio": "结收比", "carried_over": "旧存", "received": "新收",
           "closed": "已结", "amount_applied": "申请标的", "amount_recovered": "到位金额"},
    "en": {"closing_rate": "Closing rate", "first_case_closing_rate": "First cases closed",
           "actual_execution_rate": "Actual execution", "recovery_rate": "Recovery rate",
           "executed_in_full_rate": "Executed in full", "zhongben_rate": "终本 rate",
           "in_period_closing_rate": "Closed in legal period", "zhongben_compliance": "终本 compliance",
           "petition_closing_rate": "Petitions concluded", "average_days": "Average days",
           "average_days_in_full": "Avg days (in full)", "closing_balance": "Closing balance",
           "closed_received_ratio": "Closed ÷ received", "carried_over": "Carried over",
           "received": "Received", "closed": "Closed", "amount_applied": "Amount applied",
           "amount_recovered": "Recovered"},
}
UNITS = {"zh": {"days": "天", "target": "目标 ≥ {t}"}, "en": {"days": "d", "target": "target ≥ {t}"}}


def format_kpi(key: str, value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if key in RATES:
        return f"{value * 100:.1f}%"
    if key in DAYS:
        return f"{value:.0f} {UNITS[lang]['days']}"
    if key in INDEXES:
        return f"{value:.2f}"
    if key in AMOUNTS:
        return format_amount(value, lang)
    return f"{value:,}"


def format_amount(yuan: float, lang: str) -> str:
    if lang == "zh":
        return f"{yuan / 1e8:.2f} 亿元" if yuan >= 1e8 else f"{yuan / 1e4:,.0f} 万元"
    return f"¥{yuan / 1e9:.2f} bn" if yuan >= 1e9 else f"¥{yuan / 1e6:,.1f} m"


def kpi_status(key: str, value: float | None, targets: Mapping[str, float]) -> str:
    """good / warn / bad against the KPI's target; none when it has no target or no value."""
    target = targets.get(key)
    if target is None or value is None:
        return "none"
    if value >= target:
        return "good"
    return "warn" if value >= target - WARN_BAND else "bad"


def target_text(key: str, targets: Mapping[str, float], lang: str, *, short: bool = False) -> str:
    """``目标 ≥ 90%``, or just ``≥ 90%`` where room is short; empty for a KPI without a target."""
    target = targets.get(key)
    if target is None:
        return ""
    return f"≥ {target * 100:.0f}%" if short else UNITS[lang]["target"].format(t=f"{target * 100:.0f}%")


def kpi_tile(key: str, kpis: Mapping[str, Any], targets: Mapping[str, float], *,
             lang: str) -> html.Div:
    """One tile: the name, the value large, and for a rate a bar with the target marked on it."""
    value = kpis.get(key)
    status = kpi_status(key, value, targets)
    parts = [html.Div(KPI_LABELS[lang][key], className="kpi-label"),
             html.Div(format_kpi(key, value, lang), className="kpi-value"),
             html.Div(target_text(key, targets, lang), className="kpi-target")]
    if key in RATES and key != "closed_received_ratio":
        parts.append(_meter(value, targets.get(key)))
    return html.Div(parts, className=f"kpi-tile status-{status}", title=KPI_LABELS[lang][key],
                    **{"data-kpi": key})


def _meter(value: float | None, target: float | None) -> html.Div:
    fill = html.Div(className="kpi-fill", style={"width": f"{min(max(value or 0, 0), 1) * 100:.1f}%"})
    marks = [html.Div(className="kpi-mark", style={"left": f"{target * 100:.1f}%"})] if target else []
    return html.Div([fill, *marks], className="kpi-meter")


def strip_cell(key: str, kpis: Mapping[str, Any], targets: Mapping[str, float], *,
               lang: str) -> html.Div:
    """One KPI on the wall's strip, read from across the room: its name over a large number."""
    value = kpis.get(key)
    return html.Div([html.Div(KPI_LABELS[lang][key], className="strip-label"),
                     html.Div([html.Span(format_kpi(key, value, lang), className="strip-value"),
                               html.Span(target_text(key, targets, lang, short=True),
                                         className="strip-target")],
                              className="strip-figure")],
                    className=f"strip-cell status-{kpi_status(key, value, targets)}",
                    **{"data-kpi": key})
