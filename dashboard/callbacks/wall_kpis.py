"""The wall's KPI strip: this year's key KPIs of the viewer's courts, redrawn on each kpi event."""

from __future__ import annotations

from datetime import date

from dash import Dash, Input, Output, State

from dashboard import ids
from dashboard.callbacks.router import language
from dashboard.guard import viewer
from dashboard.layouts.kpi_view import strip_cell
from dashboard.layouts.wall import WALL_KPIS
from dashboard.services import Services
from enforcement.calendar import local_date
from enforcement.kpis import TARGETS, AnalyticsFilter


def year_to_date(court_ids: frozenset[str], today: date) -> AnalyticsFilter:
    """本年度 of the viewer's courts: what the strip shows, like the ``kpi`` events announce."""
    return AnalyticsFilter(court_ids=court_ids, start=date(today.year, 1, 1), end=today)


def register(app: Dash, services: Services) -> None:
    @app.callback(Output(ids.WALL_KPI_STRIP, "children"), Input(ids.WALL_KPI_VERSION, "data"),
                  State(ids.URL, "search"))
    def refresh(_version, search):  # noqa: ANN001, ANN202
        principal = viewer(services, "/wall")
        today = local_date(services.clock.now())
        kpis = services.analytics.kpis(year_to_date(services.city.scope(principal.court_id), today))
        return [strip_cell(key, kpis, TARGETS, lang=language(search)) for key in WALL_KPIS]
