"""The optional tiled map (MapLibre, ``go.Scattermap``) for screens with a GPU and a court's own
tile server (``ECC_TILE_URL``). The style is served from this origin (``/map/style.json``): a
style passed as a dict breaks every Patch."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard.layouts.palette import PANEL, TEXT
from enforcement.city import City
from enforcement.model import CourtLevel

STYLE_PATH = "/map/style.json"
COURT, TRAIL, UNITS = 0, 1, 2  # trace indices
URBAN_CENTER = {"lat": 41.80, "lon": 123.43}


def map_style(tile_url: str) -> dict[str, Any]:
    return {"version": 8, "sources": {"tiles": {"type": "raster", "tiles": [tile_url],
                                                "tileSize": 256}},
            "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}


def tile_map_figure(city: City, points: dict[str, list[Any]], *, lang: str) -> go.Figure:
    courts = [c for c in city.courts if c.level != CourtLevel.HIGH]
    figure = go.Figure([
        go.Scattermap(lat=[c.lat for c in courts], lon=[c.lon for c in courts], mode="markers",
                      marker={"size": 14, "color": "#ffffff"}, showlegend=False,
                      text=[c.name if lang == "zh" else c.name_en for c in courts],
                      hovertemplate="%{text}<extra></extra>"),
        go.Scattermap(lat=[], lon=[], mode="lines", hoverinfo="skip", showlegend=False,
                      line={"color": "rgba(120, 190, 255, 0.7)", "width": 2}),
        go.Scattermap(lat=points["y"], lon=points["x"], mode="markers", showlegend=False,
                      marker={"size": 12, "color": points["color"]}, text=points["text"],
                      customdata=points["id"], hovertemplate="%{text}<extra></extra>"),
    ])
    figure.update_layout(map={"style": STYLE_PATH, "center": URBAN_CENTER, "zoom": 10.3},
                         margin={"l": 0, "r": 0, "t": 0, "b": 0}, paper_bgcolor=PANEL,
                         font={"color": TEXT}, uirevision="tiles")
    return figure
