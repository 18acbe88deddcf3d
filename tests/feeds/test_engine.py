"""The live alert engine on a real store: raise once per stage, resolve, lock, survive restarts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.services import Services, build_services
from dashboard.settings import load_settings
from enforcement.clock import FrozenClock
from enforcement.errors import Conflict
from feeds.bus import MemoryBus
from feeds.engine import AlertEngine
from storage.alerts import AlertQuery

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 3, 2, 10, 0, tzinfo=CST)  # Monday; assign_handler due end of 03-09


def case_payload(n: int = 1, **overrides: object) -> dict:
    return {"case_no": f"（2026）辽0102执{n}号", "court_id": "210102", "case_type": "执",
            "filed_at": FILED.isoformat(), "amount": 80000,
            "debtors": [{"name": "沈阳某某公司", "debtor_type": "法人"}]} | overrides


@pytest.fixture
def services(tmp_path: Path, store_url: str) -> Services:
    settings = load_settings({"db": store_url, "data_dir": str(tmp_path), "demo": "false"},
                             environ={})
    made = build_services(settings, clock=FrozenClock(FILED), bus=MemoryBus())
    yield made
    made.alert_engine.stop()
    made.db.dispose()


def at(services: Services, when: datetime) -> None:
    services.clock.set(when)


def bus_alerts(services: Services) -> list[dict]:
    return [e.data for e in services.bus.replay(["alerts"], None)]


def standing(services: Services, when: datetime | None = None) -> list[dict]:
    return services.alerts.as_of(AlertQuery(as_of=when or services.clock.now()))


def test_clocks_become_alerts_stored_then_announced_once(services: Services) -> None:
    services.desk.create(case_payload(), actor="test")
    engine = services.alert_engine
    engine.load()
    at(services, datetime(2026, 3, 9, 12, tzinfo=CST))  # the last day of assign_handler
    assert engine.tick() >= 1
    [due] = [a for a in bus_alerts(services) if a["node"] == "assign_handler"]
    assert due["level"] == "due" and due["case_no"] == "（2026）辽0102执1号"
    assert due["node_name"] == "确定承办人" and due["owner"] == "210102"
    assert engine.tick() == 0  # nothing new: no duplicates
    at(services, datetime(2026, 3, 10, 9, tzinfo=CST))
    engine.tick()
    levels = [a["level"] for a in bus_alerts(services) if a["node"] == "assign_handler"]
    assert levels == ["due", "overdue"]
    [stored] = [a for a in standing(services) if a["node"] == "assign_handler"]
    assert stored["level"] == "overdue"
    assert stored["raised_at"] == datetime(2026, 3, 9, 16, tzinfo=timezone.utc)  # the due instant


def test_alerts_as_they_stood_at_any_instant(services: Services) -> None:
    services.desk.create(case_payload(), actor="test")
    services.alert_engine.load()
    at(services, datetime(2026, 3, 12, 9, tzinfo=CST))
    services.alert_engine.tick()
    def level(when: datetime) -> str | None:
        found = [a["level"] for a in standing(services, when) if a["node"] == "assign_handler"]
        return found[0] if found else None
    assert level(datetime(2026, 3, 8, 9, tzinfo=CST)) is None
    assert level(datetime(2026, 3, 9, 9, tzinfo=CST)) == "due"
    assert level(datetime(2026, 3, 11, 9, tzinfo=CST)) == "overdue"


def test_doing_the_node_resolves_its_alert(services: Services) -> None:
    services.desk.create(case_payload(), actor="test")
    services.alert_engine.load()
    at(services, datetime(2026, 3, 10, 9, tzinfo=CST))
    services.alert_engine.tick()
    services.desk.post_event("（2026）辽0102执1号", {"type": "handler_assigned", "officer_id": "O1",
                                                  "at": datetime(2026, 3, 10, 9, tzinfo=CST).isoformat()},
                             actor="test")
    services.alert_engine.tick()  # the engine takes the change in on its next tick
    assert [a for a in standing(services) if a["node"] == "assign_handler"] == []
    assert any(a["level"] == "done" and a["node"] == "assign_handler" for a in bus_alerts(services))
    assert [a for a in standing(services, datetime(2026, 3, 10, 8, tzinfo=CST))
            if a["node"] == "assign_handler"]  # history still answers


def test_a_hard_node_locks_the_case_after_the_grace(services: Services) -> None:
    services.desk.create(case_payload(), actor="test")
    services.alert_engine.load()
    # execution_notice_legal: 10 days from 03-02 → end of 03-12; grace 3 days → 03-15 16:00Z
    at(services, datetime(2026, 3, 16, 9, tzinfo=CST))
    services.alert_engine.tick()
    case = services.desk.get("（2026）辽0102执1号")
    assert case.locked_at == datetime(2026, 3, 15, 16, tzinfo=timezone.utc)
    with pytest.raises(Conflict):
        services.desk.post_event(case.case_no, {"type": "handler_assigned", "officer_id": "O1",
                                                "at": datetime(2026, 3, 16, 9, tzinfo=CST).isoformat()},
                                 actor="test")
    actions = services.alerts.actions(case.case_no)
    assert [a["action"] for a in actions] == ["lock"] and actions[0]["actor"] == "system"
    services.desk.unlock(case.case_no, reason="局长批准", actor="leader")
    assert services.desk.get(case.case_no).locked_at is None


def test_a_restart_neither_loses_nor_repeats_alerts(services: Services) -> None:
    services.desk.create(case_payload(), actor="test")
    first = services.alert_engine
    first.load()
    at(services, datetime(2026, 3, 9, 12, tzinfo=CST))
    first.tick()
    first.stop()
    raised_before = len(bus_alerts(services))
    at(services, datetime(2026, 3, 10, 12, tzinfo=CST))  # the center was down over the due time
    second = AlertEngine(cases=services.cases, alerts=services.alerts, desk=services.desk,
                         catalog=services.catalog, bus=services.bus, clock=services.clock)
    second.load()
    second.tick()
    second.tick()
    new = bus_alerts(services)[raised_before:]
    assert [(a["node"], a["level"]) for a in new if a["node"] == "assign_handler"] == \
        [("assign_handler", "overdue")]
    third = AlertEngine(cases=services.cases, alerts=services.alerts, desk=services.desk,
                        catalog=services.catalog, bus=services.bus, clock=services.clock)
    third.load()
    assert third.tick() == 0
    second.stop()
    third.stop()


def test_a_chased_alert_stays_chased(services: Services) -> None:
    services.desk.create(case_payload(), actor="test")
    engine = services.alert_engine
    engine.load()
    at(services, datetime(2026, 3, 10, 9, tzinfo=CST))
    engine.tick()
    [overdue] = [a for a in standing(services) if a["node"] == "assign_handler"]
    chased = engine.chase(overdue["id"], actor="leader", note="请于今日内确定承办人")
    assert chased["level"] == "chased"
    at(services, datetime(2026, 3, 11, 9, tzinfo=CST))
    engine.tick()
    [now] = [a for a in standing(services) if a["node"] == "assign_handler"]
    assert now["level"] == "chased"
    assert [a["action"] for a in services.alerts.actions(overdue["case_no"])] == ["chase"]


def test_ticks_touch_only_what_fell_due(services: Services) -> None:
    for n in range(1, 201):
        services.desk.create(case_payload(n), actor="test")
    engine = services.alert_engine
    engine.load()
    engine.tick()
    before = engine.evaluations
    at(services, FILED + timedelta(hours=6))  # nothing changes stage in these hours
    engine.tick()
    assert engine.evaluations == before


def test_publishing_while_a_tick_publishes_does_not_deadlock(services: Services) -> None:
    """A request posting a case event and the engine raising alerts both publish on the bus."""
    import threading

    for n in range(1, 41):
        services.desk.create(case_payload(n), actor="test")
    engine = services.alert_engine
    engine.load()
    at(services, datetime(2026, 3, 20, 9, tzinfo=CST))
    ticking = threading.Thread(target=engine.tick)
    ticking.start()
    for n in range(41, 61):
        services.desk.create(case_payload(n), actor="test")
    ticking.join(timeout=20)
    assert not ticking.is_alive(), "the engine tick deadlocked against a publisher"
