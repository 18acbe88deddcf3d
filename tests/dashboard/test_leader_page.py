"""The leadership page and the wall's KPI strip as functions of fixed data: the view in the URL,
the KPI tiles against target, rankings, charts, breadcrumbs and the case list."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from dash import html

from dashboard import ids
from dashboard.layouts import leader, leader_charts
from dashboard.layouts.kpi_view import format_kpi, kpi_status, kpi_tile, strip_cell
from dashboard.layouts.palette import DEBTOR_COLOURS, DISPOSITION_COLOURS, HOW_COLOURS
from dashboard.leader_query import (
    LeaderView,
    effective_period,
    format_view,
    navigate,
    parse_view,
    period_of,
)
from dashboard.leader_scope import breadcrumb_trail, court_options, make_scope, team_options
from enforcement.city import load_city
from enforcement.model import Team

SCOPE = frozenset({"2101", "210102", "210103"})
TEAM_COURTS = {"210102-T1": "210102", "210102-T2": "210102", "210103-T1": "210103",
               "210104-T1": "210104"}
TODAY = date(2026, 11, 23)
TARGETS = {"in_period_closing_rate": 0.9, "zhongben_compliance": 0.9, "petition_closing_rate": 0.9}
KPIS: dict[str, Any] = {
    "closing_rate": 0.8123, "first_case_closing_rate": 0.79, "actual_execution_rate": 0.55,
    "recovery_rate": 0.4, "executed_in_full_rate": 0.5, "zhongben_rate": 0.3,
    "in_period_closing_rate": 0.93, "zhongben_compliance": 0.87, "petition_closing_rate": 0.7,
    "average_days": 96.4, "average_days_in_full": 61.0, "closing_balance": 0.8412,
    "closed_received_ratio": 1.02, "received": 1200, "carried_over": 300, "closed": 1218,
    "amount_applied": 345_600_000.0, "amount_recovered": 12_340_000.0,
}


def read(search: str) -> LeaderView:
    return parse_view(search, scope=SCOPE, team_courts=TEAM_COURTS)


def texts_of(component: Any) -> list[str]:
    """Every string inside a component tree, depth first."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts_of(c)]
    children = getattr(component, "children", None)
    return texts_of(children) if children is not None else []


# ---- the view in the URL ----

def test_a_view_survives_format_and_parse() -> None:
    view = LeaderView(court="210102", team="210102-T1", start=date(2026, 1, 1),
                      end=date(2026, 6, 30), debtor="for_profit", disposition="zhongben",
                      cases="closed", lang="en")
    search = format_view(view)
    assert search == ("?court=210102&team=210102-T1&from=2026-01-01&to=2026-06-30"
                      "&debtor=for_profit&disposition=zhongben&cases=closed&lang=en")
    assert read(search) == view


def test_the_default_view_has_no_query_string() -> None:
    assert format_view(LeaderView()) == ""
    assert read("") == read(None) == LeaderView()


@pytest.mark.parametrize("search", ["?court=210104", "?court=21", "?court=%27%3Bdrop",
                                    "?court=" + "9" * 500])
def test_a_court_outside_scope_is_dropped(search: str) -> None:
    assert read(search).court is None


def test_a_team_outside_scope_or_of_another_court_is_dropped() -> None:
    assert read("?team=210104-T1") == LeaderView()  # its court is outside the scope
    assert read("?court=210103&team=210102-T1") == LeaderView(court="210103")
    assert read("?team=nobody").team is None


def test_a_team_alone_brings_its_court() -> None:
    assert read("?team=210102-T2") == LeaderView(court="210102", team="210102-T2")


def test_bad_values_are_ignored_and_reversed_dates_swapped() -> None:
    view = read("?from=2026-13-01&to=2026-02-30&debtor=alien&disposition=paid&cases=yes&lang=fr")
    assert view == LeaderView()
    assert read("?from=2026-06-30&to=2026-01-01") == LeaderView(start=date(2026, 1, 1),
                                                                end=date(2026, 6, 30))


def test_periods_end_today() -> None:
    assert period_of("month", TODAY) == (date(2026, 11, 1), TODAY)
    assert period_of("quarter", TODAY) == (date(2026, 10, 1), TODAY)
    assert period_of("year", TODAY) == (date(2026, 1, 1), TODAY)
    assert period_of("last12", TODAY) == (date(2025, 12, 1), TODAY)
    assert period_of("last12", date(2026, 12, 5)) == (date(2026, 1, 1), date(2026, 12, 5))
    assert effective_period(LeaderView(), TODAY) == (date(2026, 1, 1), TODAY)


# ---- a touch changes the view ----

def test_choosing_a_court_clears_the_team_and_the_same_court_keeps_it() -> None:
    view = LeaderView(court="210102", team="210102-T1")
    assert navigate(view, "court", "210103", today=TODAY) == LeaderView(court="210103")
    assert navigate(view, "court", "210102", today=TODAY) == view
    assert navigate(view, "court", None, today=TODAY) == LeaderView()


def test_taps_drill_down_and_breadcrumbs_go_back_up() -> None:
    view = navigate(LeaderView(debtor="for_profit"), "pick", "court:210102", today=TODAY)
    assert view == LeaderView(court="210102", debtor="for_profit")
    view = read(format_view(navigate(view, "pick", "team:210102-T2", today=TODAY)))
    assert (view.court, view.team) == ("210102", "210102-T2")
    view = navigate(view, "pick", "cases:closed", today=TODAY)
    assert view.cases == "closed"
    assert navigate(view, "pick", "cases:everything", today=TODAY).cases is None
    assert navigate(view, "pick", "crumb:team", today=TODAY) == LeaderView(
        court="210102", team="210102-T2", debtor="for_profit")
    assert navigate(view, "pick", "crumb:court", today=TODAY) == LeaderView(
        court="210102", debtor="for_profit")
    assert navigate(view, "pick", "crumb:city", today=TODAY) == LeaderView(debtor="for_profit")


def test_a_tapped_bar_filters_and_a_second_tap_lets_go() -> None:
    view = navigate(LeaderView(), "disposition_bar", "zhongben", today=TODAY)
    assert view.disposition == "zhongben"
    assert navigate(view, "disposition_bar", "zhongben", today=TODAY).disposition is None
    assert navigate(view, "debtor_bar", "for_profit", today=TODAY).debtor == "for_profit"


def test_a_tapped_month_becomes_the_period() -> None:
    view = navigate(LeaderView(), "month", "2026-02", today=TODAY)
    assert (view.start, view.end) == (date(2026, 2, 1), date(2026, 2, 28))
    view = navigate(LeaderView(), "month", "2025-12", today=TODAY)
    assert (view.start, view.end) == (date(2025, 12, 1), date(2025, 12, 31))


def test_dates_presets_and_reset() -> None:
    view = navigate(LeaderView(court="210102"), "dates", ("2026-03-01", "2026-03-31T00:00:00"),
                    today=TODAY)
    assert (view.start, view.end) == (date(2026, 3, 1), date(2026, 3, 31))
    view = navigate(view, "period", "month", today=TODAY)
    assert (view.start, view.end) == (date(2026, 11, 1), TODAY)
    view = navigate(navigate(view, "debtor", "natural_person", today=TODAY), "reset", None,
                    today=TODAY)
    assert view == LeaderView(court="210102")


# ---- KPI formats and colours ----

def test_kpis_read_as_percent_days_counts_and_amounts() -> None:
    assert format_kpi("closing_rate", 0.8123, "zh") == "81.2%"
    assert format_kpi("average_days", 96.4, "zh") == "96 天"
    assert format_kpi("average_days", 96.4, "en") == "96 d"
    assert format_kpi("closing_balance", 0.8412, "zh") == "0.84"
    assert format_kpi("received", 1200, "zh") == "1,200"
    assert format_kpi("amount_applied", 345_600_000.0, "zh") == "3.46 亿元"
    assert format_kpi("amount_recovered", 12_340_000.0, "zh") == "1,234 万元"
    assert format_kpi("recovery_rate", None, "zh") == "—"


@pytest.mark.parametrize(("value", "status"), [(0.93, "good"), (0.9, "good"), (0.87, "warn"),
                                               (0.85, "warn"), (0.84, "bad"), (None, "none")])
def test_a_kpi_is_green_amber_or_red_against_its_target(value: float | None, status: str) -> None:
    assert kpi_status("zhongben_compliance", value, TARGETS) == status


def test_a_kpi_without_a_target_is_neutral() -> None:
    assert kpi_status("closing_rate", 0.2, TARGETS) == "none"


def test_a_tile_shows_value_target_and_a_meter_marked_at_target() -> None:
    tile = kpi_tile("zhongben_compliance", KPIS, TARGETS, lang="zh")
    assert "status-warn" in tile.className
    assert texts_of(tile)[:3] == ["终本合格率", "87.0%", "目标 ≥ 90%"]
    meter = tile.children[-1]
    assert meter.children[0].style == {"width": "87.0%"}
    assert meter.children[1].style == {"left": "90.0%"}
    days = kpi_tile("average_days", KPIS, TARGETS, lang="en")
    assert texts_of(days) == ["Average days", "96 d", ""] and "status-none" in days.className


def test_the_leader_tiles_and_counts() -> None:
    tiles = leader.kpi_tiles(KPIS, TARGETS, lang="zh")
    assert [t.__dict__.get("data-kpi") for t in tiles[:-1]] == list(leader.PRIMARY_KPIS)
    assert "法定期限内实际执结率" in texts_of(tiles) and "93.0%" in texts_of(tiles)
    counts = leader.count_buttons(KPIS, lang="zh")
    assert [b.id["index"] for b in counts] == [  # ids are unique; the amounts list the cases closed
        "cases:carried_over:carried_over", "cases:received:received", "cases:closed:closed",
        "cases:closed:amount_applied", "cases:closed:amount_recovered"]
    assert navigate(LeaderView(), "pick", counts[3].id["index"], today=TODAY).cases == "closed"
    assert texts_of(counts[2]) == ["已结", "1,218", "查看案件 ›"]


def test_the_wall_strip_cell() -> None:
    cell = strip_cell("in_period_closing_rate", KPIS, TARGETS, lang="zh")
    assert "status-good" in cell.className
    assert texts_of(cell) == ["法定期限内实际执结率", "93.0%", "≥ 90%"]
    assert texts_of(strip_cell("closing_rate", {}, {}, lang="en")) == ["Closing rate", "—", ""]


# ---- rankings, breadcrumbs, the case list ----

RANKING = [
    {"id": "210103", "closed": 80, "received": 100, "closing_rate": 0.7,
     "actual_execution_rate": 0.5, "recovery_rate": 0.3, "average_days": 120.0, "rank": 2},
    {"id": "210102", "closed": 90, "received": 100, "closing_rate": 0.9,
     "actual_execution_rate": 0.6, "recovery_rate": 0.45, "average_days": 80.0, "rank": 1},
]


def test_a_ranking_lists_by_rank_and_each_row_drills_in() -> None:
    table = leader.ranking_table(RANKING, {"210102": "和平", "210103": "沈河"}, level="court",
                                 selected="210103", lang="zh")
    rows = table.children[1].children
    assert [r.id["index"] for r in rows] == ["court:210102", "court:210103"]
    assert texts_of(rows[0]) == ["1", "和平", "90.0%", "60.0%", "45.0%", "80 天"]
    assert rows[1].className == "pick selected"
    assert isinstance(leader.ranking_table([], {}, level="team", selected=None, lang="zh"), html.P)


def test_breadcrumbs_go_back_up_and_the_last_is_where_you_are() -> None:
    items = leader.crumbs([("city", "沈阳全市"), ("court", "和平"), ("cases", "案件清单 · 已结")])
    buttons = [i for i in items if isinstance(i, html.Button)]
    assert [b.id["index"] for b in buttons] == ["crumb:city", "crumb:court"]
    assert items[-1].children == "案件清单 · 已结" and "current" in items[-1].className


def test_the_case_list() -> None:
    rows = [{"case_no": "（2026）辽0102执1号", "court_id": "210102", "team_id": "210102-T1",
             "debtor_type": "for_profit", "disposition": "zhongben", "filed_at": "2026-02-03T01:00:00",
             "closed_at": None, "amount": 123_000.0, "recovered": 4_500.0}]
    listing = leader.case_table(rows, listing="closed", total=340, courts={"210102": "和平"},
                                teams={"210102-T1": "和平·速执团队"}, lang="zh")
    tabs = listing[1].children
    assert [t.id["index"] for t in tabs] == ["cases:active", "cases:received", "cases:carried_over",
                                             "cases:closed", "cases:open"]
    assert tabs[3].className == "chip active"
    assert listing[2].children == "共 340 件，显示前 1 件"
    cells = texts_of(listing[-1])
    assert cells[9:] == ["（2026）辽0102执1号", "和平", "和平·速执团队", "营利法人", "终本",
                         "2026-02-03", "—", "12.3", "0.5"]
    empty = leader.case_table([], listing="open", total=0, courts={}, teams={}, lang="en")
    assert texts_of(empty)[0] == "Cases" and texts_of(empty)[-1] == "No cases match"


def test_case_days_are_shanghai_days() -> None:
    rows = [{"case_no": "x", "court_id": "210102", "filed_at": "2026-02-03T17:00:00+00:00",
             "closed_at": datetime(2026, 3, 1, 20, tzinfo=UTC), "amount": 0, "recovered": 0}]
    cells = texts_of(leader.case_table(rows, listing="active", total=1, courts={}, teams={},
                                       lang="zh")[-1])
    assert cells[9 + 5:9 + 7] == ["2026-02-04", "2026-03-02"]


def test_scope_labels_teams_and_breadcrumbs() -> None:
    city = load_city()
    teams = [Team("210102-T1", "210102", "速执团队", "fast"), Team("2101-T1", "2101", "普执团队", "ordinary"),
             Team("210103-T1", "210103", "普执团队", "ordinary")]
    scope = make_scope(city, teams, "210102", "zh")
    assert scope.courts == {"210102"} and scope.team_names == {"210102-T1": "和平·速执团队"}
    assert scope.root == "和平" and len(court_options(city, scope)) == 1
    city_scope = make_scope(city, teams, "2101", "zh")
    assert city_scope.root == "沈阳全市"
    assert [o["value"] for o in team_options(city_scope, "210103")] == ["210103-T1"]
    view = city_scope.read("?team=210102-T1&cases=open")
    assert breadcrumb_trail(view, city_scope) == [("city", "沈阳全市"), ("court", "和平"),
                                                  ("team", "和平·速执团队"), ("cases", "案件清单 · 未结")]


# ---- charts: one colour per disposition and debtor type, a key on every bar ----

def test_the_debtor_chart_colours_and_labels_each_type() -> None:
    rows = [{"debtor_group": "for_profit", "cases": 40, "closed": 30, "amount": 10.0,
             "recovered": 2.5, "recovery_rate": 0.25},
            {"debtor_group": "natural_person", "cases": 100, "closed": 70, "amount": 10.0,
             "recovered": 5.0, "recovery_rate": 0.5},
            {"debtor_group": "unincorporated", "cases": 0, "closed": 0, "amount": 0,
             "recovered": 0, "recovery_rate": None}]
    bar = leader_charts.debtor_figure(rows, "zh").data[0]
    assert list(bar.y) == ["自然人", "营利法人"]  # in the fixed order; empty groups left out
    assert list(bar.marker.color) == [DEBTOR_COLOURS["natural_person"], DEBTOR_COLOURS["for_profit"]]
    assert list(bar.customdata) == ["natural_person", "for_profit"]
    assert list(bar.text) == ["100 件 · 到位 50%", "40 件 · 到位 25%"]


def test_the_disposition_chart_splits_executed_in_full_by_how() -> None:
    rows = [{"disposition": "zhongben", "closed": 30}, {"disposition": "executed_in_full", "closed": 60},
            {"disposition": "withdrawn", "closed": 5}]
    hows = [{"how": "voluntary", "closed": 20}, {"how": "coercion", "closed": 30},
            {"how": "settlement", "closed": 10}]
    figure = leader_charts.disposition_figure(rows, hows, "zh")
    *segments, rest = figure.data
    assert [s.marker.color for s in segments] == list(HOW_COLOURS.values())
    assert [s.x[0] for s in segments] == [20, 30, 10] and {s.y[0] for s in segments} == {"执行完毕"}
    assert list(rest.y) == ["终本", "销案"]
    assert list(rest.marker.color) == [DISPOSITION_COLOURS["zhongben"], DISPOSITION_COLOURS["withdrawn"]]
    assert list(figure.layout.yaxis.categoryarray) == ["执行完毕", "终本", "销案"]


def test_the_disposition_chart_without_a_how_split() -> None:
    figure = leader_charts.disposition_figure([{"disposition": "executed_in_full", "closed": 6}], [],
                                              "en")
    [bar] = figure.data
    assert list(bar.y) == ["Executed in full"] and list(bar.customdata) == ["executed_in_full"]


def test_the_trend_by_month() -> None:
    rows = [{"month": "2025-12", "received": 10, "closed": 8, "executed_in_full": 4, "zhongben": 3,
             "recovered": 1.0},
            {"month": "2026-01", "received": 12, "closed": 11, "executed_in_full": 6, "zhongben": 4,
             "recovered": 2.0}]
    figure = leader_charts.trend_figure(rows, "zh")
    assert [t.name for t in figure.data] == ["新收", "已结", "执行完毕", "终本"]
    assert figure.data[2].line.color == DISPOSITION_COLOURS["executed_in_full"]
    assert list(figure.data[0].customdata) == ["2025-12", "2026-01"]
    assert list(figure.layout.xaxis.ticktext) == ["2025年12月", "2026年1月"]
    english = leader_charts.trend_figure(rows[1:], "en")
    assert list(english.layout.xaxis.ticktext) == ["Jan 2026"]


@pytest.mark.parametrize("figure", [leader_charts.debtor_figure([], "zh"),
                                    leader_charts.disposition_figure([], [], "zh"),
                                    leader_charts.trend_figure([], "zh")])
def test_no_cases_says_so_instead_of_an_empty_chart(figure: Any) -> None:
    assert figure.layout.annotations[0].text == "所选范围内没有案件"


def test_the_layout_holds_every_component_the_callbacks_use() -> None:
    page = leader.leader_layout(lang="en", courts=[{"label": "Heping", "value": "210102"}], teams=[])
    found = set()

    def walk(component: Any) -> None:
        if isinstance(component, list | tuple):
            for c in component:
                walk(c)
            return
        if getattr(component, "id", None) is not None and isinstance(component.id, str):
            found.add(component.id)
        if getattr(component, "children", None) is not None:
            walk(component.children)

    walk(page)
    wanted = {getattr(ids, name) for name in dir(ids) if name.startswith("LEADER_")
              and name not in ("LEADER_PICK", "LEADER_PERIOD")}
    assert wanted <= found, wanted - found
    config = next(c for c in page.children if getattr(c, "id", None) == ids.LIVE_CONFIG).data
    assert config["topics"] == ["kpis"]
    assert config["bump"] == {"store": ids.LEADER_VERSION, "events": ["kpi"]}


# ---- the redraw on a real center: analytics of cases filed and closed through the API ----

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)
FILED = [("（2026）辽0102执1号", "210102", "210102-T1", "自然人"),
         ("（2026）辽0102执2号", "210102", "210102-T2", "营利法人"),
         ("（2026）辽0103执1号", "210103", "210103-T1", "个体工商户")]


@pytest.fixture
def filed(client, center):
    """Three cases in two courts, one closed in full; the teams on record for their labels."""
    from tests.dashboard.conftest import token_for

    center.services.clock.set(NOW)
    center.services.reference.save_teams([Team(t, c, "速执团队", "fast") for _, c, t, _ in FILED])
    duty = {"Authorization": f"Bearer {token_for(client, center, 'duty', '2101')}"}
    for case_no, court, team, debtor in FILED:
        reply = client.post("/api/v1/cases", headers=duty, json={
            "case_no": case_no, "court_id": court, "team_id": team, "case_type": "执",
            "filed_at": "2026-11-02T09:00:00+08:00", "amount": 100_000,
            "debtors": [{"name": "某", "debtor_type": debtor}]})
        assert reply.status_code == 201, reply.get_json()
    closed = client.post(f"/api/v1/cases/{FILED[0][0]}/events", headers=duty, json={
        "type": "close", "at": "2026-11-20T10:00:00+08:00", "disposition": "执行完毕",
        "how": "自动履行", "recovered": 100_000})
    assert closed.status_code == 200, closed.get_json()
    return center.services


def drawn(services, court_id: str | None, search: str) -> dict:
    from dashboard.callbacks.leader_page import draw, scope_for

    scope = scope_for(services, court_id, "zh")
    return draw(services, scope.read(search), scope, TODAY)


def test_the_city_view_ranks_courts_and_teams(filed) -> None:
    out = drawn(filed, "2101", "")
    counts = texts_of(out[(ids.LEADER_COUNTS, "children")])
    assert counts[3:5] == ["新收", "3"] and counts[6:8] == ["已结", "1"]
    courts = out[(ids.LEADER_RANK_COURTS, "children")].children[1].children
    assert [r.id["index"] for r in courts] == ["court:210102", "court:210103"]
    teams = out[(ids.LEADER_RANK_TEAMS, "children")].children[1].children
    assert {texts_of(r)[1] for r in teams} == {"和平·速执团队", "沈河·速执团队"}
    assert out[(ids.LEADER_PERIOD_LABEL, "children")] == "本年 2026-01-01 至 2026-11-23"
    assert out[(ids.LEADER_CHARTS, "hidden")] is False and out[(ids.LEADER_CASES, "hidden")] is True
    debtors = out[(ids.LEADER_DEBTOR_CHART, "figure")].data[0]
    assert list(debtors.customdata) == ["natural_person", "for_profit"]  # 个体工商户 is a natural person
    assert list(debtors.x) == [2, 1]


def test_a_court_keeps_the_court_ranking_and_narrows_everything_else(filed) -> None:
    out = drawn(filed, "2101", "?court=210102")
    assert texts_of(out[(ids.LEADER_COUNTS, "children")])[3:5] == ["新收", "2"]
    courts = out[(ids.LEADER_RANK_COURTS, "children")].children[1].children
    assert len(courts) == 2 and [r.className for r in courts].count("pick selected") == 1
    teams = out[(ids.LEADER_RANK_TEAMS, "children")].children[1].children
    assert {r.id["index"] for r in teams} == {"team:210102-T1", "team:210102-T2"}
    assert texts_of(out[(ids.LEADER_CRUMBS, "children")]) == ["沈阳全市", "›", "和平"]


def test_the_cases_behind_a_number(filed) -> None:
    out = drawn(filed, "2101", "?court=210102&cases=closed")
    assert out[(ids.LEADER_CHARTS, "hidden")] is True and out[(ids.LEADER_CASES, "hidden")] is False
    assert (ids.LEADER_DEBTOR_CHART, "figure") not in out  # not computed while hidden
    listing = texts_of(out[(ids.LEADER_CASES, "children")])
    assert "（2026）辽0102执1号" in listing and "（2026）辽0102执2号" not in listing
    assert "执行完毕" in listing and "共 1 件，显示前 1 件" in listing


def test_a_court_outside_the_scope_is_ignored_on_the_server(filed) -> None:
    out = drawn(filed, "210103", "?court=210102&team=210102-T1")
    assert texts_of(out[(ids.LEADER_COUNTS, "children")])[3:5] == ["新收", "1"]
    courts = out[(ids.LEADER_RANK_COURTS, "children")].children[1].children
    assert [r.id["index"] for r in courts] == ["court:210103"]
    assert texts_of(out[(ids.LEADER_CRUMBS, "children")]) == ["沈河"]


def test_the_wall_strip_reads_this_year(filed) -> None:
    from dashboard.callbacks.wall_kpis import strip_filter
    from dashboard.layouts.wall import WALL_KPIS

    year = strip_filter(filed, frozenset({"210102"}))
    assert (year.start, year.end, year.court_ids) == (date(2026, 1, 1), TODAY, {"210102"})
    kpis = filed.analytics.kpis(year)
    cells = [strip_cell(k, kpis, {}, lang="zh") for k in WALL_KPIS]
    assert texts_of(cells[0])[:2] == ["执结率", "50.0%"]


def test_an_in_full_bar_keeps_the_cases_whose_how_is_not_recorded() -> None:
    rows = [{"disposition": "executed_in_full", "closed": 10}]
    hows = [{"how": "coercion", "closed": 6}, {"how": "executed_in_full", "closed": 4}]
    segments = leader_charts.disposition_figure(rows, hows, "zh").data
    assert [(s.x[0], s.marker.color) for s in segments] == [
        (6, HOW_COLOURS["coercion"]), (4, DISPOSITION_COLOURS["executed_in_full"])]


def test_which_touch_a_trigger_is() -> None:
    from dashboard.callbacks.leader_page import action_of

    pick = {"type": ids.LEADER_PICK, "index": "court:210102"}
    assert action_of(pick, None, {}) is None  # rows just drawn, nobody tapped
    assert action_of(pick, 1, {}) == ("pick", "court:210102")
    assert action_of({"type": ids.LEADER_PERIOD, "index": "month"}, 2, {}) == ("period", "month")
    assert action_of(ids.LEADER_FILTER_COURT, "210103", {}) == ("court", "210103")
    assert action_of(ids.LEADER_FILTER_DATES, "2026-01-01", {"start": "2026-01-01", "end": None}) == (
        "dates", ("2026-01-01", None))
    click = {"points": [{"customdata": "zhongben", "x": 3}]}
    assert action_of(ids.LEADER_DISPOSITION_CHART, click, {}) == ("disposition_bar", "zhongben")
    assert action_of(ids.LEADER_TREND_CHART, {"points": [{"x": 1}]}, {}) is None
    assert action_of(ids.LEADER_RESET, None, {}) is None and action_of(ids.URL, "?a", {}) is None
