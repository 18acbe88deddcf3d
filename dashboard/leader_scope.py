"""What the leadership page may show one principal: its courts and their teams, with labels, and
the view of a query string reduced to them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.layouts.leader import TEXTS
from dashboard.layouts.wall import court_names
from dashboard.leader_query import LeaderView, parse_view
from enforcement.city import City
from enforcement.model import Team


@dataclass(frozen=True)
class Scope:
    """The courts a principal may see, and the teams of those courts with their labels."""

    courts: frozenset[str]
    court_names: dict[str, str]
    team_courts: dict[str, str]
    team_names: dict[str, str]
    root: str  # the first breadcrumb: 沈阳全市, or the principal's own court

    def read(self, search: str | None) -> LeaderView:
        return parse_view(search, scope=self.courts, team_courts=self.team_courts)


def make_scope(city: City, teams: Iterable[Team], court_id: str | None, lang: str) -> Scope:
    courts = city.scope(court_id)
    names = court_names(city, lang)
    mine = [t for t in teams if t.court_id in courts]
    team_names = {t.id: f"{names.get(t.court_id, t.court_id)}·{t.name}" if lang == "zh"
                  else f"{names.get(t.court_id, t.court_id)} {t.kind}" for t in mine}
    root = (TEXTS[lang]["city"].format(city=city.name if lang == "zh" else city.name_en)
            if len(courts) > 1 else names.get(court_id or "", court_id or ""))
    return Scope(courts, names, {t.id: t.court_id for t in mine}, team_names, root)


def court_options(city: City, scope: Scope) -> list[dict[str, str]]:
    return [{"label": scope.court_names[c.id], "value": c.id} for c in city.courts
            if c.id in scope.courts]


def team_options(scope: Scope, court: str | None) -> list[dict[str, str]]:
    return [{"label": label, "value": team} for team, label in scope.team_names.items()
            if court is None or scope.team_courts[team] == court]


def breadcrumb_trail(view: LeaderView, scope: Scope) -> list[tuple[str, str]]:
    """(level, label) from the principal's whole scope down to where the view is."""
    trail = [("city", scope.root)]
    if view.court and len(scope.courts) > 1:
        trail.append(("court", scope.court_names.get(view.court, view.court)))
    if view.team:
        trail.append(("team", scope.team_names.get(view.team, view.team)))
    if view.cases:
        texts = TEXTS[view.lang]
        trail.append(("cases", f"{texts['cases']} · {texts['lists'][view.cases]}"))
    return trail
