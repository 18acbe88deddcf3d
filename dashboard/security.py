"""Web security of the pages: the session cookie, CSRF, same-origin writes, security headers.

- **Cookie**: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS (directly or
  as ``X-Forwarded-Proto: https`` from a proxy) or ``ECC_COOKIE_SECURE`` says so. A plain
  ``http://127.0.0.1:8050`` (the demo, the browser tests) keeps working: a browser drops a Secure
  cookie set over plain HTTP.
- **CSRF**: the login and logout forms carry a per-session token (``csrf_token``), checked on
  POST. Every other state-changing request outside the bearer-token API (Dash's
  ``/_dash-update-component`` is a JSON POST riding on the session cookie) must come from this
  origin: its ``Origin`` (or ``Referer``) names this host, or it is refused with 403.
- **Headers** on every response: a Content-Security-Policy allowing only this origin's assets
  (Dash's inline scripts by hash, plotly's inline styles, Socket.IO over ws/wss to this host, the
  tile server's origin when a tile URL is set), nosniff, a same-origin referrer, no framing.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from dash import Dash
from flask import Flask, Response, request, session
from flask.sessions import SecureCookieSessionInterface

CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_COOKIE_BOUND = ("/api/", "/ingest/", "/socket.io/", "/healthz")  # bearer, device key, auth packet
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure per request rather than once for all."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure or forwarded == "https"


def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    expected, sent = session.get("csrf"), request.form.get(CSRF_FIELD, "")
    return bool(expected) and hmac.compare_digest(str(expected), sent)


def same_origin(source: str | None, host: str) -> bool:
    """Whether an ``Origin``/``Referer`` value names this host (scheme aside: a TLS proxy in front
    turns https into http, and another site cannot share the host)."""
    return bool(source) and urlsplit(source).netloc.lower() == host.lower()


def cross_site_write() -> bool:
    """A state-changing, cookie-bound request that another site sent. A request with neither
    Origin nor Referer is not a browser's cross-site form or fetch (browsers send Origin on those)."""
    if request.method not in UNSAFE_METHODS or request.path.startswith(NOT_COOKIE_BOUND):
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    return source is not None and not same_origin(source, request.host)


def content_security_policy(*, host: str, script_hashes: Sequence[str],
                            tile_origin: str | None) -> str:
    tiles = [tile_origin] if tile_origin else []
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],  # Dash's inline scripts, by hash
        "style-src": ["'self'", "'unsafe-inline'"],  # plotly and Dash components set inline styles
        "img-src": ["'self'", "data:", "blob:", *tiles],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", f"ws://{host}", f"wss://{host}", *tiles],  # the live socket
        "worker-src": ["'self'", "blob:"],  # MapLibre runs its workers from blob URLs
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def origin_of(url: str | None) -> str | None:
    """``https://tiles.court.example`` of a tile URL template, or None."""
    if not url:
        return None
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def install(server: Flask, app: Dash, *, tile_url: str | None) -> None:
    """Bind the cookie policy, the same-origin check and the headers to ``server``."""
    server.session_interface = SessionCookies()
    hashes = _script_hashes(app)
    tile_origin = origin_of(tile_url)

    @server.before_request
    def refuse_cross_site() -> Any:
        if cross_site_write():
            return {"error": {"code": "cross_site", "field": "Origin",
                              "message": "state-changing requests must come from this site"}}, 403
        return None

    @server.after_request
    def security_headers(response: Response) -> Response:
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(
            host=request.host, script_hashes=hashes(), tile_origin=tile_origin))
        return response


def _script_hashes(app: Dash) -> Callable[[], list[str]]:
    """Dash's inline-script hashes, computed at the first response (every callback, clientside
    ones included, is registered by then) and kept."""
    known: list[str] = []

    def hashes() -> list[str]:
        if not known:
            known.extend(app.csp_hashes())
        return known

    return hashes
