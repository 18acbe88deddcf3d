"""The wall's 24-hour intake panel: redrawn when a tip or dispatch event arrives (no polling)."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go
from dash import Dash, Input, Output

from dashboard import ids
from dashboard.api_tips import tip_scope
from dashboard.guard import viewer
from dashboard.layouts.palette import MUTED, PANEL
from dashboard.layouts.wall import INTAKE_COUNTERS
from dashboard.services import Services
from enforcement.intake_stats import intake_numbers


def hourly_figure(per_hour: list[dict]) -> go.Figure:
    labels = [h["hour"][11:13] + "时" for h in per_hour]  # the same hour twice in 24 h:
    slots = list(range(len(per_hour)))  # so the axis counts slots and only shows the labels
    figure = go.Figure([
        go.Bar(x=slots, y=[h["calls"] for h in per_hour], name="来电", marker_color="#3f6fb5"),
        go.Bar(x=slots, y=[h["tips"] for h in per_hour], name="线索", marker_color="#ff8a00"),
    ])
    figure.update_layout(barmode="overlay", margin={"l": 28, "r": 4, "t": 4, "b": 22},
                         paper_bgcolor=PANEL, plot_bgcolor=PANEL, showlegend=False,
                         font={"color": MUTED, "size": 13}, bargap=0.15,
                         xaxis={"tickmode": "array", "tickvals": slots[::4],
                                "ticktext": labels[::4], "showgrid": False},
                         yaxis={"gridcolor": "#1f3b6b", "rangemode": "tozero"})
    return figure


def register(app: Dash, services: Services) -> None:
    outputs = [Output(f"{ids.WALL_INTAKE_COUNTS}-{key}", "children")
               for key, _ in INTAKE_COUNTERS["zh"]]

    @app.callback(*outputs, Output(ids.WALL_INTAKE_CHART, "figure"),
                  Input(ids.WALL_INTAKE_VERSION, "data"))
    def refresh(_version):  # noqa: ANN001, ANN202
        principal = viewer(services, "/wall")
        until = services.clock.now()
        since = until - timedelta(hours=24)
        tips, dispatches = services.tips.repo.window(since=since, until=until,
                                                     court_ids=tip_scope(services.city, principal))
        numbers = intake_numbers(tips, dispatches, since=since, until=until)
        values = [f"{numbers[key] / 10_000:.1f}" if key == "amount_recovered" else str(numbers[key])
                  for key, _ in INTAKE_COUNTERS["zh"]]
        return *values, hourly_figure(numbers["per_hour"])
