"""Decision analytics over HTTP: values, filters, scope, bad input, CSV, the live path (a case event
moves the KPIs at once), loading from the store, PostgreSQL, the Redis bus, and kpi events."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.app import CommandCenter, create_app
from dashboard.services import build_services
from dashboard.settings import load_settings
from enforcement.kpis import AnalyticsFilter
from tests.dashboard.conftest import token_for

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 10, tzinfo=CST)


def new_case(case_no: str, **overrides: object) -> dict:
    return {"case_no": case_no, "court_id": "210102", "case_type": "执", "team_id": "210102-T1",
            "filed_at": "2026-11-02T09:00:00+08:00", "amount": 100_000,
            "debtors": [{"name": "张某", "debtor_type": "自然人"}]} | overrides


CASES = [  # (case number, overrides)
    ("（2026）辽0102执1号", {}),
    ("（2026）辽0102执2号", {"amount": 300_000, "debtors": [{"name": "某公司", "debtor_type": "营利法人"}]}),
    ("（2026）辽0102执3号", {"filed_at": "2026-10-12T09:00:00+08:00", "team_id": "210102-T2"}),
    ("（2026）辽0103执1号", {"court_id": "210103", "team_id": "210103-T1", "amount": 50_000,
                           "debtors": [{"name": "李某", "debtor_type": "个体工商户"}]}),
    ("（2026）辽0102执恢1号", {"case_type": "执恢"}),
]


def close(client, headers, case_no: str, **event: object) -> dict:
    body = {"type": "close", "at": "2026-11-20T10:00:00+08:00"} | event
    reply = client.post(f"/api/v1/cases/{case_no}/events", json=body, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


def bearer(client, center, role: str, court_id: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, center, role, court_id)}"}


@pytest.fixture
def loaded(client, center) -> dict[str, dict[str, str]]:
    """Five cases filed through the API, two of them closed; the tokens of a few roles."""
    center.services.clock.set(NOW)
    duty = bearer(client, center, "duty", "2101")
    for case_no, overrides in CASES:
        reply = client.post("/api/v1/cases", json=new_case(case_no, **overrides), headers=duty)
        assert reply.status_code == 201, reply.get_json()
    close(client, duty, "（2026）辽0102执1号", disposition="执行完毕", how="自动履行", recovered=100_000)
    close(client, duty, "（2026）辽0103执1号", disposition="terminated", recovered=5_000)
    return {"duty": duty, "leader": bearer(client, center, "leader", None)}


def get(client, headers, path: str, **params: object):
    return client.get(f"/api/v1/analytics/{path}", query_string=params, headers=headers)


def test_kpis_of_the_caller_scope(client, loaded) -> None:
    reply = get(client, loaded["leader"], "kpis")
    assert reply.status_code == 200
    body = reply.get_json()
    kpis = body["kpis"]
    # 执 only: four cases received (执恢 left out), two closed; all time, nothing carried over
    assert (kpis["received"], kpis["carried_over"], kpis["closed"]) == (4, 0, 2)
    assert kpis["closing_rate"] == pytest.approx(2 / 4)
    assert kpis["actual_execution_rate"] == pytest.approx(1 / 2)  # one paid voluntarily
    assert kpis["recovery_rate"] == pytest.approx(105_000 / 150_000)
    assert kpis["executed_in_full_rate"] == pytest.approx(1 / 2) and kpis["zhongben_rate"] == 0
    assert kpis["in_period_closing_rate"] == 1.0 and kpis["zhongben_compliance"] is None
    assert kpis["average_days"] == pytest.approx(18) and kpis["average_days_in_full"] == 18
    assert body["targets"]["in_period_closing_rate"] == 0.9
    assert body["filter"]["case_type"] == "first"


def test_a_case_event_moves_the_kpis_at_once(client, loaded) -> None:
    before = get(client, loaded["duty"], "kpis").get_json()["kpis"]
    close(client, loaded["duty"], "（2026）辽0102执2号", disposition="销案")
    after = get(client, loaded["duty"], "kpis").get_json()["kpis"]
    assert (before["closed"], after["closed"]) == (2, 3)
    assert after["amount_applied"] == before["amount_applied"] + 300_000
    assert after["closing_rate"] == pytest.approx(3 / 4)


def test_filters(client, loaded) -> None:
    leader = loaded["leader"]
    heping = get(client, leader, "kpis", court_id="210102").get_json()["kpis"]
    assert (heping["received"], heping["closed"]) == (3, 1)
    november = get(client, leader, "kpis", **{"from": "2026-11-01", "to": "2026-11-30"}).get_json()
    assert (november["kpis"]["received"], november["kpis"]["carried_over"]) == (3, 1)  # 3号: October
    assert november["filter"]["first_month"] == "2026-11"
    natural = get(client, leader, "kpis", debtor_type="自然人").get_json()["kpis"]
    assert natural["received"] == 3  # 个体工商户 counts as 自然人
    resumed = get(client, leader, "kpis", case_type="执恢").get_json()["kpis"]
    assert (resumed["received"], resumed["first_case_closing_rate"]) == (1, None)
    team = get(client, leader, "kpis", team_id="210102-T2").get_json()["kpis"]
    assert team["received"] == 1


def test_breakdown_trend_ranking_and_cases(client, loaded) -> None:
    leader = loaded["leader"]
    rows = get(client, leader, "breakdown", by="debtor_type,disposition").get_json()["rows"]
    found = {(r["debtor_group"], r["disposition"]): (r["cases"], r["closed"]) for r in rows}
    assert found == {("natural_person", "executed_in_full"): (1, 1),
                     ("natural_person", "terminated"): (1, 1), ("natural_person", None): (1, 0),
                     ("for_profit", None): (1, 0)}
    assert rows[0]["debtor_type"] == rows[0]["debtor_group"]  # the alias asked for is kept
    trend = get(client, leader, "trend").get_json()["rows"]
    assert [(r["month"], r["received"], r["closed"]) for r in trend] == [
        ("2026-10", 1, 0), ("2026-11", 3, 2)]
    courts = get(client, leader, "ranking", level="court").get_json()["rows"]
    assert [(r["id"], r["rank"], r["court_name"]) for r in courts] == [
        ("210103", 1, "沈河区人民法院"), ("210102", 2, "和平区人民法院")]
    teams = get(client, leader, "ranking", level="team").get_json()["rows"]
    assert {r["id"] for r in teams} == {"210102-T1", "210102-T2", "210103-T1"}
    listed = get(client, leader, "cases", status="closed").get_json()
    assert listed["total"] == 2
    assert {c["case_no"] for c in listed["cases"]} == {"（2026）辽0102执1号", "（2026）辽0103执1号"}
    assert set(listed["cases"][0]) >= {"case_no", "court_id", "team_id", "debtor_type", "disposition",
                                       "filed_at", "closed_at", "amount", "recovered"}
    page = get(client, leader, "cases", limit=1, offset=1).get_json()
    assert (page["total"], len(page["cases"])) == (4, 1)


def test_csv_export_opens_in_excel(client, loaded) -> None:
    reply = get(client, loaded["leader"], "export.csv", by="court_id,disposition")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert "attachment" in reply.headers["Content-Disposition"]
    assert reply.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["法院", "结案方式", "案件数(旧存+新收)"]
    assert ["和平区人民法院", "执行完毕"] == rows[1][:2]
    assert {r[1] for r in rows[1:]} == {"执行完毕", "未结", "终结执行"}


def test_scope_and_roles(client, center, loaded) -> None:
    shenhe = bearer(client, center, "duty", "210103")
    assert get(client, shenhe, "kpis", court_id="210102").status_code == 403
    own = get(client, shenhe, "kpis").get_json()
    assert own["filter"]["court_ids"] == ["210103"] and own["kpis"]["received"] == 1
    for role in ("intake", "dispatcher"):
        assert get(client, bearer(client, center, role, "2101"), "kpis").status_code == 403
    kiosk = bearer(client, center, "kiosk", "2101")
    assert get(client, kiosk, "breakdown").status_code == 200
    assert client.get("/api/v1/analytics/kpis").status_code == 401


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"), ({"from": "20260101"}, "from"),
    ({"from": "2026-11-02", "to": "2026-11-01"}, "from"), ({"court_id": "999"}, "court_id"),
    ({"debtor_type": "alien"}, "debtor_type"), ({"disposition": "won"}, "disposition"),
    ({"case_type": "执异"}, "case_type"), ({"team_id": "x" * 40}, "team_id"),
])
def test_bad_filters_are_422_naming_the_field(client, loaded, params, field) -> None:
    reply = get(client, loaded["leader"], "kpis", **params)
    assert reply.status_code == 422
    assert reply.get_json()["error"]["field"] == field


@pytest.mark.parametrize(("path", "params", "field"), [
    ("breakdown", {"by": "colour"}, "by"), ("ranking", {"level": "region"}, "level"),
    ("cases", {"limit": "many"}, "limit"), ("cases", {"limit": "5000"}, "limit"),
    ("cases", {"status": "lost"}, "status"), ("export.csv", {"by": "x"}, "by"),
])
def test_bad_parameters_are_422(client, loaded, path, params, field) -> None:
    reply = get(client, loaded["leader"], path, **params)
    assert (reply.status_code, reply.get_json()["error"]["field"]) == (422, field)


def test_a_restart_loads_the_same_numbers_from_the_store(center, loaded, tmp_path, sqlite_url,
                                                         clock) -> None:
    live = center.services.analytics.kpis(AnalyticsFilter())
    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false"},
                             environ={})
    again = build_services(settings, clock=clock)
    try:
        assert again.analytics.load() == 5
        assert again.analytics.kpis(AnalyticsFilter()) == live
        assert again.analytics.frame(AnalyticsFilter()).shape[0] == 4
    finally:
        again.bus.close()
        again.db.dispose()


def test_a_bulk_load_is_counted(center, loaded) -> None:
    services = center.services
    desk, analytics = services.desk, services.analytics
    case = desk.parse_case(new_case("（2026）辽0102执9号"))
    from storage.cases import RecordedEvent

    desk.create_many([(case, [RecordedEvent("filed", case.filed_at, {}, "import")])],
                     recorded_at=services.clock.now())
    assert analytics.kpis(AnalyticsFilter())["received"] == 5
    assert analytics.load() == 6  # a reload finds the same


def test_kpi_events_go_to_each_court_and_the_city(center, client, loaded) -> None:
    center.relay.start()
    center.background.append(center.relay)
    analytics = center.services.analytics
    analytics.load()
    heping = center.socketio.test_client(center.server, namespace="/live",
                                         auth={"token": token_for(client, center, "duty", "210102")})
    heping.emit("subscribe", {"topics": ["kpis"]}, namespace="/live")
    heping.get_received("/live")
    assert analytics.publish_kpis() >= 3  # the city, 2101, and each basic court with cases
    assert analytics.publish_kpis() == 0  # nothing changed, and within the second
    got = [m["args"][0] for m in heping.get_received("/live") if m["name"] == "kpi"]
    assert [e["court_id"] for e in got] == ["210102"]
    assert got[0]["kpis"]["received"] == 3 and got[0]["from"] == "2026-01-01"


# ---- PostgreSQL and the Redis bus -----------------------------------------------------------------


@pytest.fixture
def pg_center(tmp_path: Path, pg_url: str, clock) -> Iterator[CommandCenter]:
    settings = load_settings({"db": pg_url, "data_dir": str(tmp_path), "demo": "false"}, environ={})
    services = build_services(settings, clock=clock)
    made = create_app(settings, services=services, secret_key="test-secret")
    yield made
    made.stop()
    services.db.dispose()


def test_on_postgresql(pg_center) -> None:
    client = pg_center.server.test_client()
    pg_center.services.clock.set(NOW)
    duty = bearer(client, pg_center, "duty", "2101")
    for case_no, overrides in CASES:
        assert client.post("/api/v1/cases", json=new_case(case_no, **overrides),
                           headers=duty).status_code == 201
    close(client, duty, "（2026）辽0102执1号", disposition="执行完毕", how="强制执行", recovered=80_000)
    kpis = get(client, duty, "kpis").get_json()["kpis"]
    assert (kpis["received"], kpis["closed"], kpis["recovery_rate"]) == (4, 1, 0.8)
    assert get(client, duty, "cases", status="open").get_json()["total"] == 3
    analytics = pg_center.services.analytics
    live = analytics.kpis(AnalyticsFilter(start=date(2026, 1, 1)))
    assert analytics.load() == 5
    assert analytics.kpis(AnalyticsFilter(start=date(2026, 1, 1))) == live


def test_every_process_follows_the_redis_bus(sqlite_url: str, redis_url: str, clock) -> None:
    """One process changes a case; another, sharing only the store and Redis, counts it."""
    from enforcement.catalog import load_catalog
    from enforcement.city import load_city
    from enforcement.flow import Flow
    from feeds.analytics import AnalyticsDesk
    from feeds.casework import CaseDesk
    from feeds.redis_bus import RedisBus
    from storage.analytics import AnalyticsRepo
    from storage.cases import CaseRepo
    from storage.db import open_store_engine
    from storage.reference import ReferenceRepo

    city, engine = load_city(), open_store_engine(sqlite_url)
    ReferenceRepo(engine).save_courts(city.courts)
    writer_bus, reader_bus = RedisBus.from_url(redis_url), RedisBus.from_url(redis_url)
    desk = CaseDesk(cases=CaseRepo(engine), flow=Flow(load_catalog()), bus=writer_bus, clock=clock,
                    courts=frozenset(city.by_id))
    other = AnalyticsDesk(repo=AnalyticsRepo(engine), bus=reader_bus, clock=clock, city=city)
    try:
        clock.set(NOW)
        other.load()
        desk.create(new_case("（2026）辽0102执1号"), actor="test")
        desk.post_event("（2026）辽0102执1号", {"type": "close", "at": "2026-11-20T10:00:00+08:00",
                                               "disposition": "withdrawn"}, actor="test")
        deadline = time.monotonic() + 5
        while other.kpis(AnalyticsFilter())["closed"] != 1:
            assert time.monotonic() < deadline, "the other process never heard of the case"
            time.sleep(0.05)
        assert other.kpis(AnalyticsFilter())["received"] == 1
    finally:
        other.stop()
        writer_bus.close()
        reader_bus.close()
        engine.dispose()
