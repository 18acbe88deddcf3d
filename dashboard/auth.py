"""Who is asking: bearer tokens for the API and Socket.IO, a session cookie for the pages.

Pages log in through ``/login`` (a plain form); the session keeps the bearer token issued at login,
and the page's live client fetches it from ``/auth/session`` to open its Socket.IO connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, g, redirect, render_template_string, request, session

from dashboard.services import Services
from enforcement.errors import AuthError, Forbidden
from enforcement.model import Role
from storage.users import Principal

LOGIN_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 执行指挥中心</title><link rel="stylesheet" href="/assets/login.css"></head>
<body><main class="login"><h1>执行指挥中心</h1><p class="sub">Enforcement Command Center</p>
<form method="post" action="/login"><input type="hidden" name="next" value="{{ next }}">
<label>用户名 <input name="username" autocomplete="username" required autofocus></label>
<label>密码 <input name="password" type="password" autocomplete="current-password" required></label>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<button type="submit">登录</button></form></main></body></html>"""

PAGE_PATHS = ("/wall", "/alerts", "/dispatch", "/intake")
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
            g.principal = principal
            return view(*args, **kwargs)

        return guarded

    return decorate


def session_principal(services: Services) -> Principal | None:
    token = session.get("token")
    if not token:
        return None
    try:
        return services.users.resolve(token, now=services.clock.now())
    except AuthError:
        session.clear()
        return None


def _safe_next(target: str | None) -> str:
    parsed = urlparse(target or "")
    if parsed.scheme or parsed.netloc or not (target or "").startswith("/"):
        return "/wall"
    return target


def make_blueprint(services: Services) -> Blueprint:
    pages = Blueprint("auth_pages", __name__)

    @pages.get("/login")
    def login_form() -> str:
        return render_template_string(LOGIN_PAGE, next=_safe_next(request.args.get("next")),
                                      error=None)

    @pages.post("/login")
    def login() -> Any:
        try:
            issued = services.users.issue_token(
                request.form.get("username", ""), request.form.get("password", ""),
                now=services.clock.now(), ttl=services.token_ttl,
            )
        except AuthError:
            page = render_template_string(LOGIN_PAGE, next=_safe_next(request.form.get("next")),
                                          error="用户名或密码错误")
            return page, 401
        session.clear()
        session["token"] = issued.token
        return redirect(_safe_next(request.form.get("next")))

    @pages.post("/logout")
    def logout() -> Any:
        token = session.pop("token", None)
        if token:
            services.users.revoke(token, now=services.clock.now())
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
        if path == "/" or path.startswith(PAGE_PATHS):
            if session_principal(services) is None:
                return redirect(f"/login?next={path}")
        elif path.startswith(DASH_API_PATHS) and session_principal(services) is None:
            return {"error": {"code": "unauthorized", "message": "log in first", "field": None}}, 401
        return None

    return pages
