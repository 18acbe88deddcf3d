"""Decision analytics over HTTP (API.md): KPIs, breakdowns, the monthly trend, rankings, the cases
behind a number, and a CSV export for Excel. Read-only; the numbers come from the analytics desk.

Filters (query string, all optional): ``court_id`` (a court in the caller's scope, with the courts
below it; absent: the caller's whole scope), ``team_id``, ``from`` and ``to`` (YYYY-MM-DD; periods are
whole months), ``debtor_type`` (a debtor type or group; 个体工商户 counts as 自然人), ``disposition``
and ``case_type`` (codes or their Chinese names).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, g, request
from werkzeug.datastructures import MultiDict

from dashboard.guard import guarded_routes
from dashboard.layouts.palette import DEBTOR_LABELS, DISPOSITION_LABELS, HOW_LABELS
from dashboard.policy import check_scope
from dashboard.services import Services
from enforcement.cases import CaseType, DebtorType, Disposition, parse_enum
from enforcement.errors import InvalidInput
from enforcement.facts import debtor_group
from enforcement.kpis import BY_KEYS, LEVELS, TARGETS, AnalyticsFilter
from storage.analytics import STATUSES

DEFAULT_BY = ("debtor_group", "disposition")
BY_ALIASES = {"debtor_type": "debtor_group"}
MAX_PAGE = 1000
ZH = {  # the codes a court user reads in Chinese (CSV export): the screens' labels, written out
    **DEBTOR_LABELS["zh"], **DISPOSITION_LABELS["zh"], **HOW_LABELS["zh"],
    "zhongben": "终结本次执行程序", "settlement": "和解履行完毕",  # the full names for a record
    "first": "首次执行", "resumed": "恢复执行", "preservation": "执行保全",
}
HEADERS = {"court_id": "法院", "team_id": "执行团队", "debtor_group": "被执行人类型",
           "disposition": "结案方式", "how": "执行完毕方式/结案方式", "case_type": "案件类型",
           "month": "月份", "cases": "案件数(旧存+新收)", "received": "新收", "carried_over": "旧存",
           "closed": "已结", "amount": "结案申请标的(元)", "recovered": "实际到位(元)",
           "recovery_rate": "执行标的到位率"}


def _day(args: MultiDict, name: str) -> date | None:
    text = args.get(name)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or len(text) != len("2026-01-31"):  # not 20260131 nor 2026-W05-6
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD, not {text[:20]!r}", field=name)
    return day


def _courts(services: Services, court_id: str | None) -> frozenset[str]:
    """The courts asked for: one in the caller's scope with those below it, else the whole scope."""
    if not court_id:
        return services.city.scope(g.principal.court_id)
    if court_id not in services.city.by_id:
        raise InvalidInput(f"unknown court {court_id[:20]!r}", field="court_id")
    check_scope(services.city, g.principal, court_id)
    return services.city.scope(court_id)


def _choice(args: MultiDict, name: str, kind: type, *, alias: str | None = None) -> str | None:
    value = args.get(name) or (args.get(alias) if alias else None)
    return str(parse_enum(kind, value, name)) if value else None


def analytics_filter(services: Services, args: MultiDict) -> AnalyticsFilter:
    """The query string's filter, checked: 422 naming a bad field, 403 outside the caller's scope."""
    start, end = _day(args, "from"), _day(args, "to")
    if start and end and start > end:
        raise InvalidInput("from is after to", field="from")
    team = args.get("team_id") or None
    if team is not None and (len(team) > 32 or not team.isprintable()):
        raise InvalidInput("team_id is a team's id", field="team_id")
    debtor = _choice(args, "debtor_type", DebtorType, alias="debtor_group")
    return AnalyticsFilter(
        court_ids=_courts(services, args.get("court_id")), team_id=team, start=start, end=end,
        debtor_group=debtor_group(debtor) if debtor else None,
        disposition=_choice(args, "disposition", Disposition),
        case_type=_choice(args, "case_type", CaseType))


def filter_json(f: AnalyticsFilter) -> dict[str, Any]:
    return {"court_ids": sorted(f.court_ids or ()), "team_id": f.team_id,
            "from": f.start.isoformat() if f.start else None,
            "to": f.end.isoformat() if f.end else None, "first_month": f.first_month,
            "last_month": f.last_month, "debtor_group": f.debtor_group,
            "disposition": f.disposition, "case_type": f.case_type or "first"}


def group_by(args: MultiDict) -> tuple[str, ...]:
    """``by``: a comma list of breakdown keys (``debtor_type`` means ``debtor_group``)."""
    asked = [b.strip() for b in args.get("by", "").split(",") if b.strip()]
    keys = tuple(dict.fromkeys(BY_ALIASES.get(b, b) for b in asked)) or DEFAULT_BY
    unknown = [k for k in keys if k not in BY_KEYS]
    if unknown:
        raise InvalidInput(f"cannot group by {unknown[0][:20]!r}; by some of "
                           f"{', '.join(BY_KEYS)}", field="by")
    return keys


def with_aliases(rows: list[dict[str, Any]], args: MultiDict) -> list[dict[str, Any]]:
    """Rows also keyed by the alias the caller grouped by (``debtor_type``), beside the real name."""
    asked = {b.strip() for b in args.get("by", "").split(",")} & set(BY_ALIASES)
    return [row | {alias: row[BY_ALIASES[alias]] for alias in asked} for row in rows]


def _number(args: MultiDict, name: str, default: int, top: int) -> int:
    text = args.get(name, str(default))
    if not text.isdigit() or int(text) > top:
        raise InvalidInput(f"{name} is a whole number from 0 to {top}", field=name)
    return int(text)


def _one_of(args: MultiDict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = args.get(name) or default
    if value not in allowed:
        raise InvalidInput(f"{name} is one of {', '.join(allowed)}", field=name)
    return value


def breakdown_csv(services: Services, rows: list[dict[str, Any]], by: tuple[str, ...]) -> str:
    """The rows as CSV with Chinese headers and labels, with a BOM so Excel reads it as UTF-8."""
    columns = [*by, "cases", "received", "carried_over", "closed", "amount", "recovered",
               "recovery_rate"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADERS[c] for c in columns])
    for row in rows:
        writer.writerow([_cell(services, c, row.get(c)) for c in columns])
    return "\ufeff" + out.getvalue()


def _cell(services: Services, column: str, value: Any) -> Any:
    if value is None:
        return "未结" if column in ("disposition", "how") else ""
    if column == "court_id":
        court = services.city.by_id.get(value)
        return court.name if court else value
    if column == "recovery_rate":
        return round(value, 4)
    text = ZH.get(value, value) if isinstance(value, str) else value
    return "'" + text if isinstance(text, str) and text[:1] in ("=", "+", "-", "@") else text


def make_blueprint(services: Services) -> Blueprint:
    api = Blueprint("analytics_api", __name__)
    route = guarded_routes(api, services)
    desk = services.analytics

    def asked() -> AnalyticsFilter:
        return analytics_filter(services, request.args)

    @route("GET /api/v1/analytics/kpis")
    def kpis() -> Any:
        f = asked()
        return {"filter": filter_json(f), "kpis": desk.kpis(f), "targets": TARGETS}

    @route("GET /api/v1/analytics/breakdown")
    def breakdown() -> Any:
        f, by = asked(), group_by(request.args)
        rows = with_aliases(desk.breakdown(f, by), request.args)
        return {"filter": filter_json(f), "by": list(by), "rows": rows}

    @route("GET /api/v1/analytics/export.csv")
    def export() -> Any:
        f, by = asked(), group_by(request.args)
        body = breakdown_csv(services, desk.breakdown(f, by), by)
        return Response(body.encode("utf-8"), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="analytics.csv"'})

    @route("GET /api/v1/analytics/trend")
    def trend() -> Any:
        f = asked()
        return {"filter": filter_json(f), "rows": desk.trend(f)}

    @route("GET /api/v1/analytics/ranking")
    def ranking() -> Any:
        f, level = asked(), _one_of(request.args, "level", LEVELS, "court")
        rows = desk.ranking(f, level)
        for row in rows:
            court = services.city.by_id.get(row["court_id"])
            row["court_name"] = court.name if court else None
        return {"filter": filter_json(f), "level": level, "rows": rows}

    @route("GET /api/v1/analytics/cases")
    def cases() -> Any:
        f, args = asked(), request.args
        status = _one_of(args, "status", STATUSES, "active")
        limit, offset = _number(args, "limit", 200, MAX_PAGE), _number(args, "offset", 0, 10**9)
        return {"filter": filter_json(f), "status": status, "limit": limit, "offset": offset,
                "total": desk.case_count(f, status=status),
                "cases": desk.case_list(f, limit=limit, offset=offset, status=status)}

    return api
