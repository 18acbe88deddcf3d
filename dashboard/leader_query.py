"""The leadership page's view, held in the URL query string so a shared link reproduces it.

``?court=210102&team=210102-T1&from=2026-01-01&to=2026-06-30&debtor=for_profit
&disposition=zhongben&cases=closed&lang=en``: every key is optional. Parsing is where scope is
enforced: a court or team the principal may not see is dropped, never trusted, and so is any value
that is not one of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

DEBTOR_GROUPS = ("natural_person", "for_profit", "non_profit", "special_legal_person",
                 "unincorporated")
DISPOSITIONS = ("executed_in_full", "zhongben", "terminated", "withdrawn", "not_enforced",
                "rejected")
CASE_LISTS = ("active", "received", "carried_over", "closed", "open")  # which cases behind a number
MAX_PARAM = 64  # characters; anything longer is not one of our ids


@dataclass(frozen=True)
class LeaderView:
    court: str | None = None
    team: str | None = None
    start: date | None = None
    end: date | None = None
    debtor: str | None = None
    disposition: str | None = None
    cases: str | None = None  # one of CASE_LISTS: that list of cases instead of the charts
    lang: str = "zh"

    def up_to(self, level: str) -> LeaderView:
        """Back up the drill-down (a breadcrumb): ``city`` clears court and team, ``court`` the team;
        every level leaves the case list."""
        if level == "city":
            return replace(self, court=None, team=None, cases=None)
        if level == "court":
            return replace(self, team=None, cases=None)
        return replace(self, cases=None)

    def clear_filters(self) -> LeaderView:
        return LeaderView(court=self.court, team=self.team, lang=self.lang)


def parse_view(search: str | None, *, scope: frozenset[str],
               team_courts: dict[str, str]) -> LeaderView:
    """The view a query string asks for, reduced to what ``scope`` allows (``team_courts`` maps each
    team to its court)."""
    params = {k: v[0][:MAX_PARAM] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
    court = params.get("court") if params.get("court") in scope else None
    team = params.get("team")
    if team not in team_courts or team_courts[team] not in scope or (
            court is not None and team_courts[team] != court):
        team = None
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start and end and start > end:
        start, end = end, start
    return LeaderView(
        court=team_courts[team] if team else court, team=team, start=start, end=end,
        debtor=_one_of(params.get("debtor"), DEBTOR_GROUPS),
        disposition=_one_of(params.get("disposition"), DISPOSITIONS),
        cases=_one_of(params.get("cases"), CASE_LISTS),
        lang="en" if params.get("lang") == "en" else "zh",
    )


def format_view(view: LeaderView) -> str:
    """The query string of ``view`` (with its ``?``), or ``""`` when it is the default view."""
    pairs = [("court", view.court), ("team", view.team),
             ("from", view.start.isoformat() if view.start else None),
             ("to", view.end.isoformat() if view.end else None),
             ("debtor", view.debtor), ("disposition", view.disposition),
             ("cases", view.cases), ("lang", "en" if view.lang == "en" else None)]
    query = urlencode([(k, v) for k, v in pairs if v is not None])
    return f"?{query}" if query else ""


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _one_of(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


PERIODS = ("month", "quarter", "year", "last12")


def period_of(preset: str, today: date) -> tuple[date, date]:
    """A preset period ending today: this month, this quarter, this year, or the last 12 months."""
    if preset == "month":
        return today.replace(day=1), today
    if preset == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if preset == "last12":  # this month and the 11 before it
        month = today.year * 12 + today.month - 1 - 11
        return date(month // 12, month % 12 + 1, 1), today
    return date(today.year, 1, 1), today


def effective_period(view: LeaderView, today: date) -> tuple[date, date]:
    """The period shown: the one asked for, else this year up to today (本年度)."""
    return view.start or date(today.year, 1, 1), view.end or today


def navigate(view: LeaderView, action: str, value: Any, *, today: date) -> LeaderView:
    """The view after one touch: a filter set, a period chosen, a row, bar or breadcrumb tapped.
    The result is not yet checked against scope: pass it through ``parse_view`` again."""
    if action == "court":
        return view if value == view.court else replace(view, court=value or None, team=None)
    if action == "team":
        return replace(view, team=value or None, court=view.court if not value else None)
    if action in ("debtor", "disposition"):
        return replace(view, **{action: value or None})
    if action in ("debtor_bar", "disposition_bar"):  # a second tap on the same bar lets go
        key = action.removesuffix("_bar")
        return replace(view, **{key: None if getattr(view, key) == value else value})
    if action == "dates":
        return replace(view, start=_date((value[0] or "")[:10]), end=_date((value[1] or "")[:10]))
    if action == "period":
        start, end = period_of(value, today)
        return replace(view, start=start, end=end)
    if action == "month":
        return replace(view, start=_date(f"{value}-01"), end=_month_end(value))
    if action == "reset":
        return view.clear_filters()
    return _pick(view, value) if action == "pick" else view


def _pick(view: LeaderView, target: str) -> LeaderView:
    kind, _, key = target.partition(":")
    if kind == "court":
        return replace(view, court=key, team=None)
    if kind == "team":
        return replace(view, court=None, team=key)
    if kind == "crumb":
        return view.up_to(key)
    if kind == "cases":  # cases:<list>, or cases:<list>:<the count tapped>
        return replace(view, cases=_one_of(key.split(":")[0], CASE_LISTS))
    return view


def _month_end(month: str) -> date | None:
    first = _date(f"{month}-01")
    if first is None:
        return None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)
