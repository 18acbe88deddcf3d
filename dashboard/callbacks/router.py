"""Which page a path shows; every page is built from data at request time."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qs

from dash import Dash, Input, Output, ctx, html, no_update
from dash.development.base_component import Component

from dashboard import ids
from dashboard.auth import session_principal
from dashboard.ingest_views import fixes_of
from dashboard.layouts.audit import audit_layout
from dashboard.layouts.console import console_layout
from dashboard.layouts.dispatch import dispatch_layout
from dashboard.layouts.intake import intake_layout
from dashboard.layouts.leader import leader_layout
from dashboard.layouts.refusal import refusal_layout
from dashboard.layouts.wall import wall_layout
from dashboard.leader_scope import court_options, make_scope, team_options
from dashboard.policy import home_page, may_open, page_of, pages_for, scope_of
from dashboard.security import csrf_token
from dashboard.services import Services
from storage.users import Principal


def rotation(search: str | None) -> int:
    """``?rotate=SECONDS`` on /wall: turn its columns on a timer (0: show all at once)."""
    value = parse_qs((search or "").lstrip("?")).get("rotate", ["0"])[0]
    return min(int(value), 3600) if value.isdigit() else 0


def language(search: str | None) -> str:
    lang = parse_qs((search or "").lstrip("?")).get("lang", ["zh"])[0]
    return "en" if lang == "en" else "zh"


def render(services: Services, pathname: str | None, search: str | None) -> html.Div:
    """The page at ``pathname`` as the signed-in viewer may see it: a refusal for a page their
    role may not open, only their courts' data, and a nav of the pages they may open."""
    principal = session_principal(services)
    if principal is None:
        return html.Div([html.A("登录 · sign in", href="/login")], className="not-found")
    path = (home_page(principal.role) or "/wall") if pathname in ("/", None) else pathname
    if page_of(path) is not None and not may_open(principal.role, path):
        return refusal_layout(principal.role, path, pages_for(principal.role))
    return only_pages(_page(services, principal, path, language(search), rotation(search)),
                      pages_for(principal.role))


def _page(services: Services, principal: Principal, path: str, lang: str,
          rotate_s: int = 0) -> html.Div:
    scope = scope_of(services.city, principal)
    if path == "/wall":
        views = services.units.views(scope)
        officers = [o for o in services.reference.officers() if o.court_id in scope]
        return wall_layout(services.city, fixes_of(views), now=services.clock.now(),
                           settings=services.settings, officers=officers,
                           registry=_registry(views), lang=lang, rotate_s=rotate_s)
    if path == "/dispatch":
        views = services.units.views(scope)
        return dispatch_layout(services.city, fixes_of(views), now=services.clock.now(),
                               settings=services.settings, registry=_registry(views),
                               units=[v.unit.id for v in views], lang=lang)
    if path == "/intake":
        return intake_layout(lang=lang)
    if path == "/alerts":
        return console_layout(services.city, frozenset(scope), lang=lang)
    if path == "/leader":
        return leader_shell(services, principal, lang)
    if path == "/audit":
        return audit_layout(actions=services.audit.actions(), csrf=csrf_token())
    return html.Div([html.H1("404"), html.A("→ /wall", href="/wall")], className="not-found")


def leader_shell(services: Services, principal: Principal, lang: str) -> html.Div:
    scope = make_scope(services.city, services.reference.teams(), principal.court_id, lang)
    return leader_layout(lang=lang, courts=court_options(services.city, scope),
                         teams=team_options(scope, None))


def _registry(views: list[Any]) -> dict[str, tuple[str, str]]:
    return {v.unit.id: (str(v.unit.status), v.unit.court_id) for v in views}


def only_pages(component: Any, pages: Collection[str]) -> Any:
    """Keep the nav's links to ``pages`` only. Layouts draw every page's link (``nav``); the
    router, which knows the viewer, prunes them, so no layout needs to know roles."""
    if isinstance(component, html.Nav):
        component.children = [link for link in component.children or []
                              if str(getattr(link, "href", "")).split("?")[0] in pages]
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if isinstance(child, Component):
            only_pages(child, pages)
    return component


def register(app: Dash, services: Services) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"),
                  Input(ids.URL, "search"))
    def route(pathname: str | None, search: str | None) -> html.Div:
        if pathname == "/leader" and set(ctx.triggered_prop_ids) == {f"{ids.URL}.search"}:
            return no_update  # the leadership page steers by its query string (back, forward)
        return render(services, pathname, search)

    app.clientside_callback(
        "function(config) { if (config) { window.eccLive.start(config); }"
        " return window.dash_clientside.no_update; }",
        Output(ids.LIVE_BOOT, "title"),
        Input(ids.LIVE_CONFIG, "data"),
    )
