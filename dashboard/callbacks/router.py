"""Which page a path shows; every page is built from data at request time."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Dash, Input, Output, html

from dashboard import ids
from dashboard.auth import session_principal
from dashboard.ingest_views import fixes_of
from dashboard.layouts.console import console_layout
from dashboard.layouts.dispatch import dispatch_layout
from dashboard.layouts.intake import intake_layout
from dashboard.layouts.wall import wall_layout
from dashboard.services import Services


def language(search: str | None) -> str:
    lang = parse_qs((search or "").lstrip("?")).get("lang", ["zh"])[0]
    return "en" if lang == "en" else "zh"


def render(services: Services, pathname: str | None, search: str | None) -> html.Div:
    lang = language(search)
    if pathname in ("/", "/wall", None):
        views = services.units.views()
        registry = {v.unit.id: (str(v.unit.status), v.unit.court_id) for v in views}
        return wall_layout(services.city, fixes_of(views), now=services.clock.now(),
                           settings=services.settings, officers=services.reference.officers(),
                           registry=registry, lang=lang)
    if pathname == "/dispatch":
        views = services.units.views()
        return dispatch_layout(services.city, fixes_of(views), now=services.clock.now(),
                               settings=services.settings,
                               registry={v.unit.id: (str(v.unit.status), v.unit.court_id)
                                         for v in views},
                               units=[v.unit.id for v in views], lang=lang)
    if pathname == "/intake":
        return intake_layout(lang=lang)
    if pathname == "/alerts":
        principal = session_principal(services)
        scope = services.city.scope(principal.court_id) if principal else frozenset()
        return console_layout(services.city, scope, lang=lang)
    return html.Div([html.H1("404"), html.A("→ /wall", href="/wall")], className="not-found")


def register(app: Dash, services: Services) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"),
                  Input(ids.URL, "search"))
    def route(pathname: str | None, search: str | None) -> html.Div:
        return render(services, pathname, search)

    app.clientside_callback(
        "function(config) { if (config) { window.eccLive.start(config); }"
        " return window.dash_clientside.no_update; }",
        Output(ids.LIVE_BOOT, "title"),
        Input(ids.LIVE_CONFIG, "data"),
    )
