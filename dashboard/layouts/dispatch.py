"""The dispatcher console (调度台): pick a place, see the nearest free units with ETA and SLA band,
send one, and watch every dispatch against its clock; replay a unit's track."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard import ids
from dashboard.layouts.basemap import (
    SYMBOL_OF,
    TRAIL_SECONDS,
    UNIT_TRACE,
    URBAN_RANGE,
    map_figure,
    unit_points,
)
from dashboard.layouts.console import nav
from dashboard.layouts.palette import STALE_COLOUR, STATUS_COLOURS, STATUS_LABELS
from dashboard.layouts.wall import court_names, svg_map
from dashboard.settings import Settings
from enforcement.city import City

GRID_TRACE, TARGET_TRACE, TRACK_TRACE, HEAD_TRACE = (UNIT_TRACE + n for n in range(1, 5))
GRID_STEP_DEG = 0.004  # ~400 m: a click lands on the nearest grid point

TEXTS = {
    "zh": {"title": "调度台", "target": "目标", "kind": "类型", "ref": "线索/案号", "lat": "纬度",
           "lon": "经度", "note": "说明", "find": "查找最近单兵", "hint": "在地图上点选位置，或输入坐标",
           "active": "派单进程", "replay": "轨迹回放", "pending": "待派线索", "unit": "单兵", "hours": "时段",
           "kinds": {"incident": "突发/线索", "tip": "举报线索", "case": "案件"}},
    "en": {"title": "Dispatch", "target": "Target", "kind": "Kind", "ref": "Reference",
           "lat": "Lat", "lon": "Lon", "note": "Note", "find": "Find nearest units",
           "hint": "Click the map or type coordinates", "active": "Dispatches",
           "pending": "Tips waiting for a unit",
           "replay": "Track replay", "unit": "Unit", "hours": "Window",
           "kinds": {"incident": "Incident", "tip": "Tip", "case": "Case"}},
}


def _grid() -> go.Scatter:
    xs, ys = [], []
    lon = URBAN_RANGE["lon"][0]
    while lon <= URBAN_RANGE["lon"][1]:
        lat = URBAN_RANGE["lat"][0]
        while lat <= URBAN_RANGE["lat"][1]:
            xs.append(round(lon, 4))
            ys.append(round(lat, 4))
            lat += GRID_STEP_DEG
        lon += GRID_STEP_DEG
    return go.Scatter(x=xs, y=ys, mode="markers", marker={"size": 9, "opacity": 0},
                      hoverinfo="none", showlegend=False)


def dispatch_figure(city: City, points: dict[str, list[Any]], lang: str) -> go.Figure:
    figure = map_figure(city, points, lang=lang, lon_range=URBAN_RANGE["lon"],
                        lat_range=URBAN_RANGE["lat"], uirevision="dispatch")
    figure.add_trace(_grid())
    figure.add_trace(go.Scatter(x=[], y=[], mode="markers", hoverinfo="skip", showlegend=False,
                                marker={"symbol": "x", "size": 22, "color": "#ff2d55",
                                        "line": {"width": 3, "color": "#ffffff"}}))
    figure.add_trace(go.Scatter(x=[], y=[], mode="lines", hoverinfo="skip", showlegend=False,
                                line={"color": "#ffd23f", "width": 3}))
    figure.add_trace(go.Scatter(x=[], y=[], mode="markers", hoverinfo="skip", showlegend=False,
                                marker={"symbol": "circle", "size": 18, "color": "#ffd23f",
                                        "line": {"width": 2, "color": "#0b1220"}}))
    return figure


def live_config(settings: Settings, lang: str, registry: dict[str, tuple[str, str]],
                city: City) -> dict:
    return {
        "namespace": "/live", "topics": ["positions", "units", "dispatches", "tips"],
        "maps": [svg_map(ids.DISPATCH_MAP)], "registry": registry, "trailS": TRAIL_SECONDS,
        "courtNames": court_names(city, lang),
        "colours": {str(k): v for k, v in STATUS_COLOURS.items()}, "staleColour": STALE_COLOUR,
        "symbols": {str(k): v for k, v in SYMBOL_OF.items()}, "speed": settings.speed,
        "staleAfterS": settings.stale_after_s, "offlineAfterS": settings.offline_after_s,
        "lang": lang, "countPrefix": "none-",
        "labels": {"statuses": {str(k): v for k, v in STATUS_LABELS[lang].items()}},
        "bump": {"store": ids.DISPATCH_VERSION, "events": ["dispatch", "tip"]},
    }


def dispatch_layout(city: City, fixes: list[dict], *, now: datetime, settings: Settings,
                    registry: dict[str, tuple[str, str]], units: list[str],
                    lang: str) -> html.Div:
    texts = TEXTS[lang]
    points = unit_points(fixes, now=now, stale_after_s=settings.stale_after_s,
                         offline_after_s=settings.offline_after_s)
    form = html.Div([
        html.H2(texts["target"]), html.P(texts["hint"], className="hint"),
        html.Div([
            html.Label([texts["kind"], dcc.Dropdown(
                id=ids.DISPATCH_KIND, value="incident", clearable=False,
                options=[{"label": v, "value": k} for k, v in texts["kinds"].items()])]),
            html.Label([texts["ref"], dcc.Input(id=ids.DISPATCH_REF, maxLength=64)]),
            html.Label([texts["lat"], dcc.Input(id=ids.DISPATCH_LAT, type="number", step=0.0001)]),
            html.Label([texts["lon"], dcc.Input(id=ids.DISPATCH_LON, type="number", step=0.0001)]),
            html.Label([texts["note"], dcc.Input(id=ids.DISPATCH_NOTE, maxLength=500)],
                       className="wide"),
        ], className="form-grid"),
        html.Button(texts["find"], id=ids.DISPATCH_FIND, className="primary"),
        html.Div("", id=ids.DISPATCH_MESSAGE, className="message", role="status"),
        html.Div(id=ids.DISPATCH_RANKED),
    ], className="panel")
    replay = html.Div([
        html.H2(texts["replay"]),
        html.Div([
            html.Label([texts["unit"], dcc.Dropdown(id=ids.REPLAY_UNIT,
                                                     options=[{"label": u, "value": u}
                                                              for u in units])]),
            html.Label([texts["hours"], dcc.Dropdown(
                id=ids.REPLAY_HOURS, value=1, clearable=False,
                options=[{"label": f"{h} h", "value": h} for h in (1, 3, 12)])]),
        ], className="form-grid"),
        dcc.Slider(id=ids.REPLAY_SLIDER, min=0, max=1, step=1, value=0, marks=None,
                   tooltip={"always_visible": False}),
        dcc.Store(id=ids.REPLAY_TRACK, data=[]),
    ], className="panel")
    return html.Div([
        html.Header([html.H1(texts["title"]), nav("/dispatch", lang)], className="console-header"),
        html.Main([
            html.Div([dcc.Graph(id=ids.DISPATCH_MAP, figure=dispatch_figure(city, points, lang),
                                className="map", config={"displayModeBar": False})],
                     className="panel map-panel"),
            html.Div([html.Div([html.H2(texts["pending"]), html.Div(id=ids.DISPATCH_TIPS)],
                               className="panel"),
                      form, html.Div([html.H2(texts["active"]),
                                      html.Div(id=ids.DISPATCH_ACTIVE)], className="panel"),
                      replay], className="side"),
        ], className="dispatch-body"),
        dcc.Store(id=ids.DISPATCH_VERSION, data=0),
        dcc.Store(id=ids.LIVE_CONFIG, data=live_config(settings, lang, registry, city)),
    ], className="console dispatch", lang="zh-CN" if lang == "zh" else "en")
