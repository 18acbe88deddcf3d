"""The offline map: district polygons drawn as SVG (``go.Scatter``), courts, and field units.

No tiles and no WebGL, so it runs on any wall display and in tests. Longitude is x, latitude y;
``scaleratio`` keeps the aspect true at Shenyang's latitude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from dashboard.layouts.palette import (
    DISTRICT_FILL,
    DISTRICT_LINE,
    MUTED,
    PANEL,
    STALE_COLOUR,
    STATUS_COLOURS,
    TEXT,
)
from enforcement.city import City
from enforcement.model import Court, CourtLevel, UnitStatus
from enforcement.units import Freshness, freshness

TRAIL_TRACE = 3  # traces: districts, district names, courts, trails, units
UNIT_TRACE = 4
TRAIL_SECONDS = 600  # trails show the last ten (simulated) minutes of each unit
URBAN_RANGE = {"lon": (123.24, 123.62), "lat": (41.66, 41.95)}  # 沈阳市区
URBAN_CORE = {"和平区", "沈河区", "大东区", "皇姑区"}  # too small to label on the whole-city map
DISTRICT_EN = {"和平区": "Heping", "沈河区": "Shenhe", "大东区": "Dadong", "皇姑区": "Huanggu",
               "铁西区": "Tiexi", "苏家屯区": "Sujiatun", "浑南区": "Hunnan", "沈北新区": "Shenbei",
               "于洪区": "Yuhong", "辽中区": "Liaozhong", "康平县": "Kangping", "法库县": "Faku",
               "新民市": "Xinmin"}
SYMBOL_OF = {Freshness.FRESH: "circle", Freshness.STALE: "circle-open",
             Freshness.OFFLINE: "x-thin-open"}


def _rings(city: City) -> Iterable[tuple[str, list[list[float]]]]:
    for feature in city.districts["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            yield feature["properties"]["district"], polygon[0]


def district_trace(city: City) -> go.Scatter:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for _, ring in _rings(city):
        xs.extend([p[0] for p in ring] + [None])
        ys.extend([p[1] for p in ring] + [None])
    return go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=DISTRICT_FILL,
                      line={"color": DISTRICT_LINE, "width": 1.5}, hoverinfo="skip",
                      showlegend=False)


def district_label_trace(city: City, *, lang: str, skip: frozenset[str] = frozenset()) -> go.Scatter:
    names, xs, ys = [], [], []
    for name, ring in _rings(city):
        if name in names or name in skip:
            continue
        names.append(name)
        xs.append(sum(p[0] for p in ring) / len(ring))
        ys.append(sum(p[1] for p in ring) / len(ring))
    labels = names if lang == "zh" else [DISTRICT_EN.get(n, n) for n in names]
    return go.Scatter(x=xs, y=ys, text=labels, mode="text", hoverinfo="skip", showlegend=False,
                      textfont={"color": MUTED, "size": 16})


def court_trace(courts: Sequence[Court], *, lang: str) -> go.Scatter:
    shown = [c for c in courts if c.level != CourtLevel.HIGH]
    return go.Scatter(
        x=[c.lon for c in shown], y=[c.lat for c in shown], mode="markers",
        marker={"symbol": "star-square", "size": 17, "color": "#ffffff",
                "line": {"color": "#3fa9ff", "width": 2}},
        text=[c.name if lang == "zh" else c.name_en for c in shown],
        hovertemplate="%{text}<extra></extra>", showlegend=False,
    )


def unit_points(
    fixes: Sequence[dict[str, Any]], *, now: datetime, stale_after_s: int, offline_after_s: int
) -> dict[str, list[Any]]:
    """Columns of the units trace; the browser rebuilds the same columns from live snapshots."""
    columns: dict[str, list[Any]] = {k: [] for k in ("x", "y", "color", "symbol", "id", "text")}
    for fix in fixes:
        state = freshness(datetime.fromisoformat(fix["at"]), now, stale_after_s=stale_after_s,
                          offline_after_s=offline_after_s)
        columns["x"].append(fix["lon"])
        columns["y"].append(fix["lat"])
        fresh = state == Freshness.FRESH
        columns["color"].append(STATUS_COLOURS[UnitStatus(fix["status"])] if fresh else STALE_COLOUR)
        columns["symbol"].append(SYMBOL_OF[state])
        columns["id"].append(fix["unit_id"])
        columns["text"].append(fix["unit_id"])
    return columns


def unit_trace(points: dict[str, list[Any]]) -> go.Scatter:
    return go.Scatter(
        x=points["x"], y=points["y"], customdata=points["id"], text=points["text"],
        mode="markers", hovertemplate="%{text}<extra></extra>", showlegend=False,
        marker={"color": points["color"], "symbol": points["symbol"], "size": 13,
                "line": {"color": "#0b1220", "width": 1}},
    )


def trail_trace() -> go.Scatter:
    """Where each unit went in the last minutes; filled in by the browser from live fixes."""
    return go.Scatter(x=[], y=[], mode="lines", hoverinfo="skip", showlegend=False,
                      line={"color": "rgba(120, 190, 255, 0.55)", "width": 2})


def map_figure(
    city: City, points: dict[str, list[Any]], *, lang: str = "zh",
    lon_range: tuple[float, float] | None = None, lat_range: tuple[float, float] | None = None,
    label_skip: frozenset[str] = frozenset(), uirevision: str = "map",
) -> go.Figure:
    figure = go.Figure(
        [district_trace(city), district_label_trace(city, lang=lang, skip=label_skip),
         court_trace(city.courts, lang=lang), trail_trace(), unit_trace(points)]
    )
    mid_lat = sum(lat_range) / 2 if lat_range else 41.8
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    figure.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, paper_bgcolor=PANEL,
        plot_bgcolor=PANEL, font={"color": TEXT}, dragmode=False, uirevision=uirevision,
        xaxis=axis | ({"range": list(lon_range)} if lon_range else {}),
        yaxis=axis | {"scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(mid_lat))}
        | ({"range": list(lat_range)} if lat_range else {}),
        hoverlabel={"font": {"size": 16}},
    )
    return figure
