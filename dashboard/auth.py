"""Who is asking: bearer tokens for the API and Socket.IO, a session cookie for the pages.

Pages log in through ``/login`` (a plain form with a CSRF token); the session keeps the bearer
token issued at login, and the page's live client fetches it from ``/auth/session`` to open its
Socket.IO connection. A wall display signs in with a kiosk token instead (``/kiosk/<token>``).
Whoever a request resolves to is also the actor its audit entries name (``storage.audit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlparse

from flask import Blueprint, g, redirect, render_template_string, request, session

from dashboard.layouts.refusal import refusal_html
from dashboard.policy import home_page, may_open, page_of, pages_for
from dashboard.security import csrf_ok, csrf_token
from dashboard.services import Services
from dashboard.signin import LoginRefused, client_address, sign_in
from enforcement.errors import AuthError, Forbidden
from enforcement.model import Role
from storage.audit import Actor, acting_as, reset_actor, set_actor
from storage.users import Principal

LOGIN_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 执行指挥中心</title><link rel="stylesheet" href="/assets/login.css"></head>
<body><main class="login"><h1>执行指挥中心</h1><p class="sub">Enforcement Command Center</p>
<form method="post" action="/login"><input type="hidden" name="next" value="{{ next }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>用户名 <input name="username" autocomplete="username" required autofocus></label>
<label>密码 <input name="password" type="password" autocomplete="current-password" required></label>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<button type="submit">登录</button></form></main></body></html>"""

PAGE_PATHS = ("/wall", "/alerts", "/dispatch", "/intake", "/audit", "/leader")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DASH_API_PATHS = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component")


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("send Authorization: Bearer <token>", field="Authorization")
    return token.strip()


def require(services: Services, roles: Iterable[Role] | None = None) -> Callable:
    """Decorate an API view: resolve the bearer token into ``g.principal`` and check the role."""
    allowed = frozenset(roles) if roles is not None else None

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = services.users.resolve(bearer_token(), now=services.clock.now())
            if allowed is not None and principal.role not in allowed:
                raise Forbidden(f"role {principal.role} may not do this", field="role")
            if principal.role == Role.KIOSK and request.method not in READ_METHODS:
                raise Forbidden("a kiosk token only reads", field="role")
            g.principal = principal
            with acting_as(actor_of(principal)):
                return view(*args, **kwargs)

        return guarded

    return decorate


def actor_of(principal: Principal) -> Actor:
    """The principal as its audit entries name it, with the client's address."""
    return Actor(principal.username, str(principal.role), principal.court_id, client_address())


def session_principal(services: Services) -> Principal | None:
    """Who the session belongs to, resolved once per request: the page guard and the callback
    it lets through ask the same question."""
    token = session.get("token")
    if not token:
        return None
    known = g.get("session_principal")
    if known is not None and known[0] == token:
        return known[1]
    try:
        principal = services.users.resolve(token, now=services.clock.now())
    except AuthError:
        session.clear()
        return None
    g.session_principal = (token, principal)
    return principal


def _with_query(path: str) -> str:
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def _safe_next(target: str | None) -> str:
    parsed = urlparse(target or "")
    if parsed.scheme or parsed.netloc or not (target or "").startswith("/"):
        return "/"  # the guard sends each role to its own page
    return target


def make_blueprint(services: Services) -> Blueprint:
    pages = Blueprint("auth_pages", __name__)

    def form(error: str | None, status: int = 200) -> tuple[str, int]:
        target = request.form.get("next") or request.args.get("next")
        return render_template_string(LOGIN_PAGE, next=_safe_next(target), error=error,
                                      csrf=csrf_token()), status

    def start_session(token: str, target: str) -> Any:
        session.clear()
        session["token"] = token
        csrf_token()  # a fresh one for the signed-in session (the logout form)
        return redirect(target)

    @pages.get("/login")
    def login_form() -> Any:
        if request.args.get("kiosk"):
            return kiosk_login(request.args["kiosk"])
        return form(None)

    @pages.post("/login")
    def login() -> Any:
        if not csrf_ok():
            return form("页面已过期，请重新登录 (the form expired)", 400)
        try:
            issued = sign_in(services, request.form.get("username", ""),
                             request.form.get("password", ""), via="form")
        except LoginRefused as refused:
            return form(refused.message_zh(), refused.status)
        except AuthError:
            return form("用户名或密码错误", 401)
        return start_session(issued.token, _safe_next(request.form.get("next")))

    @pages.get("/kiosk/<token>")
    def kiosk_login(token: str) -> Any:
        """A wall display's bookmarked URL: its kiosk token becomes the session, then /wall."""
        try:
            principal = services.users.resolve(token, now=services.clock.now())
        except AuthError:
            principal = None
        if principal is None or principal.role != Role.KIOSK:
            return form("大屏令牌无效或已吊销 (kiosk token unknown or revoked)", 403)
        services.audit.record("auth.kiosk_login", principal.username, actor=actor_of(principal))
        return start_session(token, "/wall")

    @pages.post("/logout")
    def logout() -> Any:
        if not csrf_ok():
            return redirect("/login")
        principal = session_principal(services)
        token = session.pop("token", None)
        if token:
            services.users.revoke(token, now=services.clock.now())
        if principal is not None:
            services.audit.record("auth.logout", principal.username, actor=actor_of(principal),
                                  detail={"token": "revoked"})
        session.clear()
        return redirect("/login")

    @pages.get("/auth/session")
    def session_token() -> Any:
        principal = session_principal(services)
        if principal is None:
            return {"error": {"code": "unauthorized", "message": "log in first", "field": None}}, 401
        return {"token": session["token"], "username": principal.username,
                "role": principal.role, "court_id": principal.court_id}

    @pages.before_app_request
    def guard_pages() -> Any:
        path = request.path
        if path == "/" or path.startswith(PAGE_PATHS) or page_of(path):
            principal = session_principal(services)
            if principal is None:
                return redirect(f"/login?next={quote(_with_query(path))}")  # a shared link keeps its view
            if principal.role == Role.KIOSK and not path.startswith("/wall"):
                return redirect("/wall")  # a wall display sees the wall only
            if path == "/":
                return redirect(home_page(principal.role) or "/login")
            if not may_open(principal.role, path):  # the table in dashboard.policy.PAGES
                return refusal_html(principal.role, path, pages_for(principal.role)), 403
        elif path.startswith(DASH_API_PATHS):
            principal = session_principal(services)
            if principal is None:
                return {"error": {"code": "unauthorized", "message": "log in first",
                                  "field": None}}, 401
            g.audit_actor = set_actor(actor_of(principal))  # a callback's writes name its user
        return None

    @pages.teardown_app_request
    def forget_actor(_: BaseException | None) -> None:
        token = g.pop("audit_actor", None)
        if token is not None:
            reset_actor(token)

    return pages
