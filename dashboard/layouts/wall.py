"""The wall display (大屏): dark, large type, no clicks, no scrolling; live through Socket.IO.

Left: field units by status and the whole city; middle: the urban area; right: the node-overdue
alert board (节点预警), most severe first, paging by itself when there are more than fit. Under the
header, a strip of this year's key KPIs (本年质效) against their targets.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from dash import dcc, html

from dashboard import ids
from dashboard.layouts import tilemap
from dashboard.layouts.basemap import (
    SYMBOL_OF,
    TRAIL_SECONDS,
    TRAIL_TRACE,
    UNIT_TRACE,
    URBAN_CORE,
    URBAN_RANGE,
    map_figure,
    unit_points,
)
from dashboard.layouts.kpi_view import strip_cell
from dashboard.layouts.palette import (
    ALERT_COLOURS,
    ESCALATION_LABELS,
    LEVEL_LABELS,
    STALE_COLOUR,
    STATUS_COLOURS,
    STATUS_LABELS,
)
from dashboard.layouts.tilemap import tile_map_figure
from dashboard.settings import Settings
from enforcement.city import City
from enforcement.model import Officer

TEXTS = {
    "zh": {"title": "执行指挥中心", "subtitle": "单兵态势 · 节点预警", "city_map": "全市",
           "urban_map": "市区", "legend": "单兵状态", "alerts": "节点预警", "connecting": "连接中…"},
    "en": {"title": "Enforcement Command", "subtitle": "Field units · node alerts",
           "city_map": "Whole city", "urban_map": "Urban area", "legend": "Field units",
           "alerts": "Node alerts", "connecting": "Connecting…"},
}
LIVE_LABELS = {
    "zh": {"live": "● 实时", "connecting": "○ 连接中…", "reconnecting": "○ 重连中…",
           "silent": "● 数据中断", "updated": "{s} 秒前更新", "overdue": "超期 {n} 天",
           "left": "剩 {n} 天", "today": "今日到期", "page": "第 {p}/{n} 页 · 共 {t} 条",
           "none": "暂无预警"},
    "en": {"live": "● Live", "connecting": "○ Connecting…", "reconnecting": "○ Reconnecting…",
           "silent": "● No data", "updated": "updated {s}s ago", "overdue": "{n} d late",
           "left": "{n} d left", "today": "due today", "page": "page {p}/{n} · {t} alerts",
           "none": "no alerts"},
}
BOARD_LEVELS = ("locked", "chased", "overdue", "due", "upcoming")
MAP_IDS = (ids.WALL_MAP + "-city", ids.WALL_MAP + "-urban")
BOARD_ROWS = 12  # rows per page at 1080p; the board pages every BOARD_PAGE_S seconds
BOARD_PAGE_S = 10


def unit_counts(fixes: list[dict], points: dict[str, list[Any]],
                registry: dict[str, tuple[str, str]]) -> Counter:
    """How many units are in each status, stale or offline; units never heard from count as
    off duty when so registered, else offline."""
    counts: Counter = Counter()
    for fix, symbol in zip(fixes, points["symbol"], strict=True):
        fresh = next(k for k, v in SYMBOL_OF.items() if v == symbol)
        counts[fix["status"] if fresh == "fresh" else str(fresh)] += 1
    reporting = {f["unit_id"] for f in fixes}
    for unit_id, (status, _) in registry.items():
        if unit_id not in reporting:
            counts["off_duty" if status == "off_duty" else "offline"] += 1
    return counts


def live_config(settings: Settings, lang: str, *, city: City, officers: list[Officer],
                registry: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """What the browser's live client needs to draw exactly what the server would."""
    statuses = {str(k): v for k, v in STATUS_LABELS[lang].items()}
    return {
        "namespace": "/live",
        "topics": ["positions", "units", "alerts", "tips", "dispatches", "kpis"],
        "maps": [svg_map(MAP_IDS[0]),
                 tiled_map(MAP_IDS[1]) if settings.tile_url else svg_map(MAP_IDS[1])],
        "trailS": TRAIL_SECONDS,
        "colours": {str(k): v for k, v in STATUS_COLOURS.items()},
        "staleColour": STALE_COLOUR, "symbols": {str(k): v for k, v in SYMBOL_OF.items()},
        "staleAfterS": settings.stale_after_s, "offlineAfterS": settings.offline_after_s,
        "speed": settings.speed, "lang": lang, "countPrefix": ids.WALL_COUNT_PREFIX,
        "clock": ids.WALL_CLOCK, "date": ids.WALL_DATE, "connection": ids.WALL_CONNECTION,
        "freshness": ids.WALL_FRESHNESS, "registry": registry, "courtNames": court_names(city, lang),
        "labels": {"statuses": statuses} | LIVE_LABELS[lang],
        "bump": [{"store": ids.WALL_INTAKE_VERSION, "events": ["tip", "dispatch"]},
                 {"store": ids.WALL_KPI_VERSION, "events": ["kpi"]}],
        "board": {
            "rows": ids.WALL_ALERT_ROWS, "footer": ids.WALL_ALERT_FOOTER,
            "countPrefix": ids.WALL_ALERT_COUNT_PREFIX, "levels": list(BOARD_LEVELS),
            "levelLabels": LEVEL_LABELS[lang], "colours": ALERT_COLOURS,
            "escalation": ESCALATION_LABELS[lang], "perPage": BOARD_ROWS, "pageS": BOARD_PAGE_S,
            "courts": court_names(city, lang),
            "officers": {o.id: o.name for o in officers},
        },
    }


def court_names(city: City, lang: str) -> dict[str, str]:
    """Short court names for hover texts and the board: 和平, 沈阳中院 (English: Heping, …)."""
    return {c.id: (c.short or c.name) if lang == "zh" else c.name_en.split(" ")[0]
            for c in city.courts}


def svg_map(map_id: str) -> dict[str, Any]:
    """How the browser patches a map: which traces hold units and trails, and in which keys."""
    return {"id": map_id, "unitTrace": UNIT_TRACE, "trailTrace": TRAIL_TRACE, "geo": False}


def tiled_map(map_id: str) -> dict[str, Any]:
    return {"id": map_id, "unitTrace": tilemap.UNITS, "trailTrace": tilemap.TRAIL, "geo": True}


def _graph(graph_id: str, figure: Any) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=figure, className="map",
                     config={"displayModeBar": False, "responsive": True})


def _legend(counts: Counter, lang: str) -> html.Div:
    labels = STATUS_LABELS[lang]
    rows = [_legend_row(str(status), colour, labels[status], counts.get(str(status), 0))
            for status, colour in STATUS_COLOURS.items()]
    rows.append(_legend_row("stale", STALE_COLOUR, labels["stale"], counts.get("stale", 0),
                            hollow=True))
    rows.append(_legend_row("offline", STALE_COLOUR, labels["offline"], counts.get("offline", 0),
                            cross=True))
    return html.Div(rows, className="legend")


def _legend_row(key: str, colour: str, label: str, count: int, *, hollow: bool = False,
                cross: bool = False) -> html.Div:
    swatch_class = "swatch" + (" hollow" if hollow else "") + (" cross" if cross else "")
    style = {"borderColor": colour} if hollow or cross else {"background": colour}
    return html.Div(
        [html.Span(className=swatch_class, style=style), html.Span(label, className="label"),
         html.Span(str(count), id=ids.WALL_COUNT_PREFIX + key, className="count")],
        className="legend-row",
    )


INTAKE_COUNTERS = {  # key in GET /api/v1/stats/intake → label
    "zh": [("calls", "来电"), ("tips", "线索"), ("accepted", "受理"), ("dispatched", "派警"),
           ("arrivals_within_sla", "按时到场"), ("amount_recovered", "到位(万元)")],
    "en": [("calls", "Calls"), ("tips", "Tips"), ("accepted", "Accepted"),
           ("dispatched", "Sent"), ("arrivals_within_sla", "On time"),
           ("amount_recovered", "Recovered (10k¥)")],
}


def _intake_panel(lang: str) -> html.Section:
    title = "24小时接警" if lang == "zh" else "Last 24 hours of tips"
    counters = [html.Div([html.Div("0", id=f"{ids.WALL_INTAKE_COUNTS}-{key}", className="number"),
                          html.Div(label, className="caption")], className="intake-counter")
                for key, label in INTAKE_COUNTERS[lang]]
    return html.Section([
        html.H2(title), html.Div(counters, className="intake-counters"),
        dcc.Graph(id=ids.WALL_INTAKE_CHART, className="intake-chart",
                  config={"displayModeBar": False, "staticPlot": True}),
        dcc.Store(id=ids.WALL_INTAKE_VERSION, data=0),
    ], className="panel intake-panel")


WALL_KPIS = ("closing_rate", "actual_execution_rate", "recovery_rate", "in_period_closing_rate",
             "zhongben_compliance", "average_days")


def kpi_strip(lang: str) -> html.Section:
    """This year's key KPIs (本年质效) across the wall, filled by ``wall_kpis`` on each kpi event."""
    caption = "本年质效" if lang == "zh" else "This year"
    return html.Section([
        html.Div(caption, className="strip-caption"),
        html.Div([strip_cell(key, {}, {}, lang=lang) for key in WALL_KPIS], id=ids.WALL_KPI_STRIP,
                 className="strip-cells"),
        dcc.Store(id=ids.WALL_KPI_VERSION, data=0),
    ], className="kpi-strip")


def _alert_board(lang: str, texts: dict[str, str]) -> html.Section:
    counters = [
        html.Div([html.Div("0", id=ids.WALL_ALERT_COUNT_PREFIX + level, className="number"),
                  html.Div(LEVEL_LABELS[lang][level], className="caption")],
                 className=f"counter level-{level}")
        for level in BOARD_LEVELS
    ]
    return html.Section([
        html.H2(texts["alerts"]), html.Div(counters, className="alert-counters"),
        html.Div([], id=ids.WALL_ALERT_ROWS, className="alert-rows"),
        html.Div("", id=ids.WALL_ALERT_FOOTER, className="alert-footer"),
    ], className="panel board")


def _header(city: City, lang: str, texts: dict[str, str]) -> html.Header:
    city_name = city.name if lang == "zh" else city.name_en
    return html.Header([
        html.Div([html.H1(f"{city_name} · {texts['title']}"),
                  html.Div(texts["subtitle"], className="subtitle")], className="titles"),
        html.Div([html.Div("--:--:--", id=ids.WALL_CLOCK, className="clock"),
                  html.Div("", id=ids.WALL_DATE, className="date")], className="clock-box"),
        html.Div([html.Div(texts["connecting"], id=ids.WALL_CONNECTION,
                           className="connection connecting"),
                  html.Div("", id=ids.WALL_FRESHNESS, className="freshness")],
                 className="status-box"),
        kpi_strip(lang),
    ], className="wall-header")


def wall_layout(city: City, fixes: list[dict], *, now: datetime, settings: Settings,
                officers: list[Officer], registry: dict[str, tuple[str, str]],
                lang: str = "zh", rotate_s: int = 0) -> html.Div:
    """The wall display; ``rotate_s`` > 0 shows one column at a time, turning every so many
    seconds (for screens too small for all three)."""
    texts = TEXTS[lang]
    points = unit_points(fixes, now=now, stale_after_s=settings.stale_after_s,
                         offline_after_s=settings.offline_after_s)
    city_map = map_figure(city, points, lang=lang, label_skip=frozenset(URBAN_CORE))
    urban_map = tile_map_figure(city, points, lang=lang) if settings.tile_url else map_figure(
        city, points, lang=lang, lon_range=URBAN_RANGE["lon"], lat_range=URBAN_RANGE["lat"])
    left = html.Div([
        html.Section([html.H2(texts["legend"]),
                      _legend(unit_counts(fixes, points, registry), lang)], className="panel"),
        html.Section([html.H2(texts["city_map"]), _graph(MAP_IDS[0], city_map)],
                     className="panel map-city"),
    ], className="column")
    middle = html.Section([html.H2(texts["urban_map"]), _graph(MAP_IDS[1], urban_map)],
                          className="panel map-urban")
    config = live_config(settings, lang, city=city, officers=officers, registry=registry)
    return html.Div([_header(city, lang, texts),
                     html.Main([left, middle, html.Div([_alert_board(lang, texts),
                                                        _intake_panel(lang)], className="column")],
                               className="wall-body"),
                     dcc.Store(id=ids.LIVE_CONFIG, data=config)],
                    className="wall rotating" if rotate_s > 0 else "wall",
                    lang="zh-CN" if lang == "zh" else "en",
                    **({"data-rotate": str(rotate_s)} if rotate_s > 0 else {}))
