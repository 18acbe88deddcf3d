"""The leadership page's charts, as functions of the analytics rows: by debtor type, by disposition,
by month. Every bar carries its key in ``customdata`` so a tap can filter the page to it."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard.layouts.palette import (
    DEBTOR_COLOURS,
    DEBTOR_LABELS,
    DISPOSITION_COLOURS,
    DISPOSITION_LABELS,
    HOW_COLOURS,
    HOW_LABELS,
    MUTED,
    PANEL,
    TEXT,
)

GRID = "#1f3b6b"
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FONT = {"color": TEXT, "size": 15,
        "family": "WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"}
TREND_TEXTS = {
    "zh": {"received": "新收", "closed": "已结", "cases": "{n} 件", "recovered": "到位 {r}",
           "empty": "所选范围内没有案件", "unrecorded": "未登记"},
    "en": {"received": "Received", "closed": "Closed", "cases": "{n}", "recovered": "recovered {r}",
           "empty": "No cases in this selection", "unrecorded": "Unrecorded"},
}


def _frame(figure: go.Figure, *, height: int, left: int = 8, legend: bool = False) -> go.Figure:
    figure.update_layout(
        height=height, margin={"l": left, "r": 16, "t": 36 if legend else 8, "b": 8},
        paper_bgcolor=PANEL, plot_bgcolor=PANEL, font=FONT, showlegend=legend,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 14},
                "traceorder": "normal"},
        uirevision="leader", dragmode=False, clickmode="event", hoverlabel={"font": {"size": 15}},
    )
    figure.update_xaxes(fixedrange=True, gridcolor=GRID, zeroline=False, automargin=True)
    figure.update_yaxes(fixedrange=True, gridcolor=GRID, zeroline=False, automargin=True)
    return figure


def empty_figure(lang: str, *, height: int = 300) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=TREND_TEXTS[lang]["empty"], showarrow=False, x=0.5, y=0.5,
                          xref="paper", yref="paper", font={"size": 18, "color": MUTED})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return _frame(figure, height=height)


def debtor_figure(rows: list[dict[str, Any]], lang: str) -> go.Figure:
    """Cases by debtor type (被执行人类型), each bar labelled with how much of the amount applied
    for came in (执行标的到位情况)."""
    rows = sorted((r for r in rows if r.get("cases")), key=_debtor_order)
    if not rows:
        return empty_figure(lang)
    texts = TREND_TEXTS[lang]
    labels = [DEBTOR_LABELS[lang].get(r["debtor_group"], texts["unrecorded"]) for r in rows]
    figure = go.Figure(go.Bar(
        y=labels, x=[r["cases"] for r in rows], orientation="h",
        marker_color=[DEBTOR_COLOURS.get(r["debtor_group"], MUTED) for r in rows],
        customdata=[r["debtor_group"] for r in rows], cliponaxis=False,
        text=[texts["cases"].format(n=r["cases"]) + " · " + texts["recovered"].format(
            r=_percent(r.get("recovery_rate"))) for r in rows],
        textposition="auto", insidetextanchor="end", textfont={"size": 15},
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    figure.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    return _frame(figure, height=max(220, 64 * len(rows) + 40))


def disposition_figure(rows: list[dict[str, Any]], how_rows: list[dict[str, Any]],
                       lang: str) -> go.Figure:
    """Closed cases by disposition (结案方式); 执行完毕 split by how it came about."""
    order = list(DISPOSITION_COLOURS)
    rows = sorted((r for r in rows if r.get("closed")),
                  key=lambda r: order.index(r["disposition"]) if r["disposition"] in order else 99)
    if not rows:
        return empty_figure(lang)
    in_full = sum(r["closed"] for r in rows if r["disposition"] == "executed_in_full")
    segments = [_segment(how, count, lang) for how, count in _hows(how_rows, in_full).items()]
    rest = [r for r in rows if r["disposition"] != "executed_in_full" or not segments]
    figure = go.Figure(segments + ([_disposition_bars(rest, lang)] if rest else []))
    names = [DISPOSITION_LABELS[lang].get(r["disposition"], r["disposition"]) for r in rows]
    figure.update_layout(barmode="stack")
    figure.update_yaxes(categoryorder="array", categoryarray=names, autorange="reversed",
                        gridcolor="rgba(0,0,0,0)")
    return _frame(figure, height=max(240, 52 * len(rows) + 60), legend=bool(segments))


def _hows(how_rows: list[dict[str, Any]], in_full: int) -> dict[str, int]:
    """How many of the cases executed in full came voluntarily, by coercion, by settlement, and
    (``executed_in_full``) with no way recorded; empty when there is no split to show."""
    found = {r["how"]: r["closed"] for r in how_rows if r.get("how") in HOW_COLOURS and r.get("closed")}
    hows = {how: found[how] for how in HOW_COLOURS if how in found}
    if hows and in_full > sum(hows.values()):
        hows["executed_in_full"] = in_full - sum(hows.values())
    return hows if in_full else {}


def _disposition_bars(rows: list[dict[str, Any]], lang: str) -> go.Bar:
    return go.Bar(
        y=[DISPOSITION_LABELS[lang].get(r["disposition"], r["disposition"]) for r in rows],
        x=[r["closed"] for r in rows], orientation="h", showlegend=False,
        marker_color=[DISPOSITION_COLOURS.get(r["disposition"], MUTED) for r in rows],
        customdata=[r["disposition"] for r in rows], text=[str(r["closed"]) for r in rows],
        textposition="auto", textfont={"size": 15}, hovertemplate="%{y}: %{x}<extra></extra>")


def _segment(how: str, count: int, lang: str) -> go.Bar:
    """One part of the 执行完毕 bar: paid voluntarily, by coercion or by a performed settlement."""
    name = HOW_LABELS[lang].get(how) or DISPOSITION_LABELS[lang][how]
    return go.Bar(y=[DISPOSITION_LABELS[lang]["executed_in_full"]], x=[count], name=f"{name} {count}",
                  orientation="h", marker_color=HOW_COLOURS.get(how) or DISPOSITION_COLOURS[how],
                  customdata=["executed_in_full"], text=[str(count)], textposition="inside",
                  insidetextanchor="middle", textfont={"size": 15, "color": "#0b1220"},
                  hovertemplate=f"{name} %{{x}}<extra></extra>")


def trend_figure(rows: list[dict[str, Any]], lang: str) -> go.Figure:
    """Month by month: cases received and closed (bars), executed in full and 终本 (lines)."""
    if not rows:
        return empty_figure(lang, height=320)
    texts, labels = TREND_TEXTS[lang], DISPOSITION_LABELS[lang]
    months = [r["month"] for r in rows]
    ticks = [_month_label(m, lang, with_year=i == 0 or m.endswith("-01"))
             for i, m in enumerate(months)]

    def bar(key: str, colour: str) -> go.Bar:
        return go.Bar(x=months, y=[r.get(key, 0) for r in rows], name=texts[key],
                      marker_color=colour, customdata=months, hovertemplate="%{y}<extra></extra>")

    def line(key: str) -> go.Scatter:
        return go.Scatter(x=months, y=[r.get(key, 0) for r in rows], name=labels[key],
                          mode="lines+markers", line={"color": DISPOSITION_COLOURS[key], "width": 3},
                          marker={"size": 9}, customdata=months, hovertemplate="%{y}<extra></extra>")

    figure = go.Figure([bar("received", "#3f6fb5"), bar("closed", "#9fc3ff"),
                        line("executed_in_full"), line("zhongben")])
    figure.update_layout(barmode="group", bargap=0.25)
    figure.update_xaxes(type="category", tickmode="array", tickvals=months, ticktext=ticks,
                        gridcolor="rgba(0,0,0,0)")
    figure.update_yaxes(rangemode="tozero")
    return _frame(figure, height=320, left=12, legend=True)


def _debtor_order(row: dict[str, Any]) -> int:
    order = list(DEBTOR_COLOURS)
    return order.index(row["debtor_group"]) if row["debtor_group"] in order else 99


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _month_label(month: str, lang: str, *, with_year: bool) -> str:
    year, number = month.split("-")
    if lang == "zh":
        return f"{year}年{int(number)}月" if with_year else f"{int(number)}月"
    name = EN_MONTHS[int(number) - 1]
    return f"{name} {year}" if with_year else name
