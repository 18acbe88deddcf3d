"""The leadership page's two callbacks: a touch changes the view (held in the URL), and the view
redraws everything from the analytics, again whenever a live ``kpi`` event bumps the page.

Scope is enforced here, on the server: the view is re-read from the query string with the
principal's scope on every call, so a court or team outside it in a link is dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dash import ALL, Dash, Input, Output, ctx, no_update

from dashboard import ids
from dashboard.callbacks.router import language
from dashboard.guard import viewer
from dashboard.layouts.leader import (
    TEXTS,
    case_table,
    count_buttons,
    crumbs,
    kpi_tiles,
    ranking_table,
)
from dashboard.layouts.leader_charts import debtor_figure, disposition_figure, trend_figure
from dashboard.leader_query import LeaderView, effective_period, format_view, navigate
from dashboard.leader_scope import Scope, breadcrumb_trail, make_scope, team_options
from dashboard.services import Services
from enforcement.calendar import local_date
from enforcement.kpis import TARGETS, AnalyticsFilter
from feeds.analytics import AnalyticsDesk

CASES_SHOWN = 200
CONTROLS = {  # component id → the navigate() action its value sets
    ids.LEADER_FILTER_COURT: "court", ids.LEADER_FILTER_TEAM: "team",
    ids.LEADER_FILTER_DEBTOR: "debtor", ids.LEADER_FILTER_DISPOSITION: "disposition",
}
REDRAWN = (  # (component id, property): everything a redraw fills, in the callback's order
    (ids.LEADER_PERIOD_LABEL, "children"), (ids.LEADER_CRUMBS, "children"),
    (ids.LEADER_TILES, "children"), (ids.LEADER_COUNTS, "children"),
    (ids.LEADER_RANK_COURTS, "children"), (ids.LEADER_RANK_TEAMS, "children"),
    (ids.LEADER_DEBTOR_CHART, "figure"), (ids.LEADER_DISPOSITION_CHART, "figure"),
    (ids.LEADER_TREND_CHART, "figure"), (ids.LEADER_CASES, "children"),
    (ids.LEADER_CASES, "hidden"), (ids.LEADER_CHARTS, "hidden"),
)
CHARTS = {ids.LEADER_DEBTOR_CHART: "debtor_bar", ids.LEADER_DISPOSITION_CHART: "disposition_bar",
          ids.LEADER_TREND_CHART: "month"}


def scope_for(services: Services, court_id: str | None, lang: str) -> Scope:
    return make_scope(services.city, services.reference.teams(), court_id, lang)


def to_filter(view: LeaderView, scope: Scope, today: date, *, whole_scope: bool = False,
              any_team: bool = False) -> AnalyticsFilter:
    """The analytics filter of a view; rankings widen it to every court or team they compare."""
    start, end = effective_period(view, today)
    courts = frozenset({view.court}) if view.court and not whole_scope else scope.courts
    team = None if any_team or whole_scope else view.team
    return AnalyticsFilter(court_ids=courts, team_id=team, start=start, end=end,
                           debtor_group=view.debtor, disposition=view.disposition)


def action_of(triggered_id: Any, value: Any, inputs: dict[str, Any]) -> tuple[str, Any] | None:
    """Which navigate() action a trigger asks for; None when nothing was touched (a fresh load,
    or buttons just drawn with no clicks yet)."""
    if isinstance(triggered_id, dict):  # a preset, a row, a count or a breadcrumb
        kind = {ids.LEADER_PERIOD: "period", ids.LEADER_PICK: "pick"}.get(triggered_id.get("type"))
        return (kind, triggered_id.get("index")) if kind and value else None
    if triggered_id in CONTROLS:
        return CONTROLS[triggered_id], value
    if triggered_id == ids.LEADER_FILTER_DATES:
        return "dates", (inputs["start"], inputs["end"])
    if triggered_id in CHARTS:
        points = (value or {}).get("points") or [{}]
        key = points[0].get("customdata")
        return (CHARTS[triggered_id], key) if isinstance(key, str) else None
    return ("reset", None) if triggered_id == ids.LEADER_RESET and value else None


def register(app: Dash, services: Services) -> None:
    control_outputs = [Output(i, "value") for i in CONTROLS]
    chart_inputs = [Input(i, "clickData") for i in CHARTS]

    @app.callback(
        Output(ids.LEADER_URL, "search"), *control_outputs, Output(ids.LEADER_FILTER_TEAM, "options"),
        Output(ids.LEADER_FILTER_DATES, "start_date"), Output(ids.LEADER_FILTER_DATES, "end_date"),
        *[Output(i, "clickData") for i in CHARTS],
        Input(ids.LEADER_URL, "search"), *[Input(i, "value") for i in CONTROLS],
        Input(ids.LEADER_FILTER_DATES, "start_date"), Input(ids.LEADER_FILTER_DATES, "end_date"),
        Input({"type": ids.LEADER_PERIOD, "index": ALL}, "n_clicks"),
        Input(ids.LEADER_RESET, "n_clicks"),
        Input({"type": ids.LEADER_PICK, "index": ALL}, "n_clicks"), *chart_inputs,
    )
    def steer(search, _court, _team, _debtor, _disposition, start, end, *_clicks):  # noqa: ANN001, ANN202
        principal = viewer(services, "/leader")
        scope = scope_for(services, principal.court_id, language(search))
        view = scope.read(search)
        triggered = ctx.triggered[0] if ctx.triggered_id is not None else {}
        action = action_of(ctx.triggered_id, triggered.get("value"), {"start": start, "end": end})
        if action:
            today = local_date(services.clock.now())
            view = scope.read(format_view(navigate(view, *action, today=today)))
        wanted = format_view(view)
        return (wanted if wanted != (search or "") else no_update,
                view.court, view.team, view.debtor, view.disposition, team_options(scope, view.court),
                view.start.isoformat() if view.start else None,
                view.end.isoformat() if view.end else None, None, None, None)

    @app.callback(*[Output(i, prop) for i, prop in REDRAWN], Input(ids.LEADER_URL, "search"),
                  Input(ids.LEADER_VERSION, "data"))
    def redraw(search, _version):  # noqa: ANN001, ANN202
        principal = viewer(services, "/leader")
        scope = scope_for(services, principal.court_id, language(search))
        drawn = draw(services, scope.read(search), scope, local_date(services.clock.now()))
        return tuple(drawn.get(output, no_update) for output in REDRAWN)


def draw(services: Services, view: LeaderView, scope: Scope, today: date) -> dict[tuple[str, str], Any]:
    """What a redraw fills, by (component id, property); the case list and the charts are only
    computed when shown."""
    lang, analytics = view.lang, services.analytics
    texts = TEXTS[lang]
    selection = to_filter(view, scope, today)
    kpis = analytics.kpis(selection)
    start, end = effective_period(view, today)
    label = texts["period" if view.start or view.end else "this_year"]
    drawn: dict[tuple[str, str], Any] = {
        (ids.LEADER_PERIOD_LABEL, "children"): label.format(a=start.isoformat(), b=end.isoformat()),
        (ids.LEADER_CRUMBS, "children"): crumbs(breadcrumb_trail(view, scope)),
        (ids.LEADER_TILES, "children"): kpi_tiles(kpis, TARGETS, lang=lang),
        (ids.LEADER_COUNTS, "children"): count_buttons(kpis, lang=lang),
        (ids.LEADER_CASES, "hidden"): not view.cases, (ids.LEADER_CHARTS, "hidden"): bool(view.cases),
    }
    return drawn | (_cases(analytics, view, scope, selection) if view.cases else
                    _charts(analytics, view, scope, selection, today))


def _cases(analytics: AnalyticsDesk, view: LeaderView, scope: Scope,
           selection: AnalyticsFilter) -> dict[tuple[str, str], Any]:
    rows = analytics.case_list(selection, limit=CASES_SHOWN, status=view.cases)
    total = analytics.case_count(selection, status=view.cases)
    return {(ids.LEADER_CASES, "children"): case_table(
        rows, listing=view.cases, total=total, courts=scope.court_names, teams=scope.team_names,
        lang=view.lang)}


def _charts(analytics: AnalyticsDesk, view: LeaderView, scope: Scope, selection: AnalyticsFilter,
            today: date) -> dict[tuple[str, str], Any]:
    """Rankings compare: every court of the scope, every team of the court (the view's marked)."""
    lang = view.lang
    courts = analytics.ranking(to_filter(view, scope, today, whole_scope=True), "court")
    teams = analytics.ranking(to_filter(view, scope, today, any_team=True), "team")
    return {
        (ids.LEADER_RANK_COURTS, "children"): ranking_table(
            courts, scope.court_names, level="court", selected=view.court, lang=lang),
        (ids.LEADER_RANK_TEAMS, "children"): ranking_table(
            teams, scope.team_names, level="team", selected=view.team, lang=lang),
        (ids.LEADER_DEBTOR_CHART, "figure"): debtor_figure(
            analytics.breakdown(selection, ("debtor_group",)), lang),
        (ids.LEADER_DISPOSITION_CHART, "figure"): disposition_figure(
            analytics.breakdown(selection, ("disposition",)),
            analytics.breakdown(selection, ("how",)), lang),
        (ids.LEADER_TREND_CHART, "figure"): trend_figure(analytics.trend(selection), lang),
        (ids.LEADER_CASES, "children"): [],
    }
