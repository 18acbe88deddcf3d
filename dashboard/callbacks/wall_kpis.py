"""The wall's KPI strip: this year's key KPIs of the viewer's courts, redrawn on each kpi event."""

from __future__ import annotations

from dataclasses import replace

from dash import Dash, Input, Output, State

from dashboard import ids
from dashboard.callbacks.router import language
from dashboard.guard import viewer
from dashboard.layouts.kpi_view import strip_cell
from dashboard.layouts.wall import WALL_KPIS
from dashboard.services import Services
from enforcement.kpis import TARGETS, AnalyticsFilter


def strip_filter(services: Services, court_ids: frozenset[str]) -> AnalyticsFilter:
    """本年度 of the viewer's courts: the period the ``kpi`` events announce, narrowed to them."""
    return replace(services.analytics.year_to_date(), court_ids=court_ids)


def register(app: Dash, services: Services) -> None:
    @app.callback(Output(ids.WALL_KPI_STRIP, "children"), Input(ids.WALL_KPI_VERSION, "data"),
                  State(ids.URL, "search"))
    def refresh(_version, search):  # noqa: ANN001, ANN202
        principal = viewer(services, "/wall")
        kpis = services.analytics.kpis(strip_filter(services, services.city.scope(principal.court_id)))
        return [strip_cell(key, kpis, TARGETS, lang=language(search)) for key in WALL_KPIS]
