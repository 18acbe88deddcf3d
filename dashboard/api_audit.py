"""The audit log over HTTP, for admins: search it, and check its hash chain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, request

from dashboard.auth import require
from dashboard.services import Services
from enforcement.errors import InvalidInput
from enforcement.model import Role
from feeds.casework import instant
from storage.audit import MAX_PAGE, AuditQuery, entry_json

ADMINS = {Role.ADMIN}
PAGE_SIZE = 50


def audit_query(args: Mapping[str, str]) -> AuditQuery:
    """Filters from a query string: ``actor`` (``zhang`` or ``unit:*``), ``action`` (``alert.ack``
    or ``auth.``), ``target`` (a substring), ``from``/``to`` (ISO instants), ``offset``, ``limit``."""
    since = instant(args["from"], "from") if args.get("from") else None
    until = instant(args["to"], "to") if args.get("to") else None
    if since and until and since >= until:
        raise InvalidInput("from must be before to", field="from")
    return AuditQuery(actor=args.get("actor") or None, action=args.get("action") or None,
                      target=args.get("target") or None, since=since, until=until,
                      offset=_count(args, "offset", 0, 10**9),
                      limit=_count(args, "limit", PAGE_SIZE, MAX_PAGE))


def _count(args: Mapping[str, str], name: str, default: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) > high:
        raise InvalidInput(f"{name} is a whole number from 0 to {high}", field=name)
    return int(raw)


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("audit_api", __name__)
    admins = require(services, ADMINS)

    @api.get("/api/v1/audit")
    @admins
    def search() -> Any:
        query = audit_query(request.args)
        entries, total = services.audit.search(query)
        return {"entries": [entry_json(e) for e in entries], "total": total,
                "offset": query.offset, "limit": query.limit}

    @api.get("/api/v1/audit/verify")
    @admins
    def verify() -> Any:
        checked, broken, head = services.audit.verify()
        return {"intact": broken is None, "entries": checked, "head": head or None,
                "broken_id": broken.entry_id if broken else None,
                "reason": broken.reason if broken else None}

    return api
