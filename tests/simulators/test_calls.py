"""The 24-hour line simulator: deterministic, calibrated to Shenyang's first three months, and run
through the real tip desk (a SQLite file, a frozen clock) from intake to triage and call-out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.services import Services, build_services
from dashboard.settings import load_settings
from enforcement.calendar import COURT_TZ
from enforcement.clock import FrozenClock
from enforcement.model import Fix, Unit, UnitKind
from enforcement.places import Gazetteer
from enforcement.tips import ACTIONABLE, TipStatus
from feeds.bus import MemoryBus
from simulators.calls import (
    ACCEPT,
    CALL_OUT_ASSETS,
    CALLS_PER_DAY,
    FREE_TEXT,
    Call,
    CallGenerator,
    CallRunner,
    CaseRef,
    needs_call_out,
)
from simulators.caseload_runner import demo_caseload

pytestmark = pytest.mark.filterwarnings("ignore::enforcement.calendar.CalendarFallbackWarning")

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shenyang, a Monday
STEP = timedelta(minutes=2)  # simulated time per runner tick
CASES = [CaseRef(f"（2026）辽0102执{n}号", f"沈阳某{n}商贸有限公司", "") for n in range(1, 30)]
WIDE_AWAKE = {"stale_after_s": "10000000", "offline_after_s": "20000000"}  # fixes never age


def calls_between(generator: CallGenerator, start: datetime, end: datetime) -> list[Call]:
    calls, at = [], generator.next_at(start)
    while at < end:
        calls.append(generator.draw(at))
        at = generator.next_at(at)
    return calls


@pytest.fixture(scope="module")
def month() -> list[Call]:
    return calls_between(CallGenerator(seed=3, cases=CASES), T0, T0 + timedelta(days=30))


def make_services(tmp_path: Path, **settings: str) -> Services:
    made = build_services(load_settings({"db": f"sqlite:///{tmp_path / 'ecc.sqlite3'}",
                                         "data_dir": str(tmp_path), "demo": "false"} | settings,
                                        environ={}),
                          clock=FrozenClock(T0), bus=MemoryBus())
    demo_caseload(made.desk, made.city, made.clock, seed=5, per_year=1_000,
                  history=timedelta(days=60), ahead=timedelta(0))
    made.tips.load(made.cases.open_cases())
    return made


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    made = make_services(tmp_path)
    yield made
    made.db.dispose()


def run(runner: CallRunner, services: Services, *, days: float) -> None:
    for _ in range(int(timedelta(days=days) / STEP)):
        services.clock.advance(seconds=STEP.total_seconds())
        runner.tick()
        services.tips.follow_dispatches()  # as the leader's engine does each tick


# ---- the generator -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_calls() -> None:
    def three_days(seed: int) -> list[dict]:
        generator = CallGenerator(seed=seed, cases=CASES)
        return [c.payload for c in calls_between(generator, T0, T0 + timedelta(days=3))]

    assert three_days(7) == three_days(7)
    assert three_days(7) != three_days(8)


def test_calls_a_day_and_actionable_share_match_shenyang(month) -> None:
    per_day = len(month) / 30
    assert abs(per_day - CALLS_PER_DAY) <= 0.2 * CALLS_PER_DAY
    kinds = Counter(c.kind for c in month)
    actionable = sum(kinds[str(k)] for k in ACTIONABLE) / len(month)
    assert 0.12 <= actionable <= 0.22
    assert {"consultation", "complaint", "other"} <= set(kinds)


def test_call_outs_are_about_284_of_369_tips(month) -> None:
    """A tip needs a call-out when it is a whereabouts or a vehicle/goods lead placed on the map;
    weighted by how often the call-taker accepts it, that is Shenyang's ratio within a few points."""
    gazetteer = Gazetteer.load()
    tips = [c.payload for c in month if c.kind in ACTIONABLE]
    out = [t for t in tips if (t["kind"] == "debtor_whereabouts"
                               or t.get("asset_kind") in CALL_OUT_ASSETS)
           and gazetteer.resolve(t.get("address", "")).resolved]
    expected = sum(ACCEPT[t["kind"]] for t in out) / len(tips)
    assert abs(expected - 284 / 369) < 0.1


def test_nights_are_quiet_and_working_hours_busy(month) -> None:
    hours = Counter(c.at.astimezone(COURT_TZ).hour for c in month)
    night = sum(hours[h] for h in range(1, 6)) / 5  # calls per hour of the night, 01:00–06:00
    working = sum(hours[h] for h in range(9, 17)) / 8
    assert night < 0.15 * working


def test_tips_name_real_debtors_places_and_callers(month) -> None:
    tips = [c.payload for c in month if c.kind in ACTIONABLE]
    known = {c.name for c in CASES}
    assert 0.4 <= sum(t["debtor_name"] in known for t in tips) / len(tips) <= 0.8
    assert 0.08 <= sum(t["urgent"] for t in tips) / len(tips) <= 0.22
    assert sum(t["reward_claimed"] for t in tips) / len(tips) <= 0.12
    gazetteer = Gazetteer.load()
    addresses = [t["address"] for t in tips if "address" in t]
    unresolved = sum(not gazetteer.resolve(a).resolved for a in addresses) / len(addresses)
    assert 0.03 <= unresolved <= 0.2
    assert all(not gazetteer.resolve(text).resolved for text in FREE_TEXT)
    phones = [c.payload["caller_phone"] for c in month if c.payload["caller_phone"]]
    assert all(len(p) == 11 and p[0] == "1" and p.isdigit() for p in phones)
    assert any(c.repeat_of for c in month)


# ---- through the real desk ---------------------------------------------------------------------


def test_every_call_is_taken_triaged_and_repeats_are_flagged(services) -> None:
    runner = CallRunner(services.tips, services.clock, seed=2, rate_scale=3.0)
    run(runner, services, days=2)
    stats = runner.stats()
    assert stats["refused"] == 0 and stats["calls"] == stats["taken"] > 100
    assert stats["accepted"] + stats["rejected"] + stats["pending"] == stats["taken"]
    tips = {t.tip_id: services.tips.repo.get(t.tip_id) for t in runner.log}
    decided = [t for t in runner.log if t.triage_at <= services.clock.now()]
    assert all(tips[t.tip_id].status != TipStatus.NEW for t in decided)
    assert all(tips[t.tip_id].decided_by == "call-taker" for t in decided)
    actors = Counter(tip.created_by for tip in tips.values())
    assert set(actors) == {"12368-line", "call-taker"}
    rejected = [tip for tip in tips.values() if tip.status == TipStatus.REJECTED]
    assert rejected and all(tip.reason for tip in rejected)
    assert any(tip.linked_case_no for tip in tips.values() if tip.actionable)
    by_serial = {t.call.serial: t.tip_id for t in runner.log}
    repeats = [t for t in runner.log if t.call.repeat_of]
    assert repeats
    assert all(by_serial[t.call.repeat_of] in tips[t.tip_id].repeat_of for t in repeats)


def test_the_same_seed_and_clock_give_the_same_desk(tmp_path: Path) -> None:
    def one_day(where: Path) -> list[tuple]:
        made = make_services(where)
        runner = CallRunner(made.tips, made.clock, seed=4)
        run(runner, made, days=1)
        rows = [(t.call.payload, str(made.tips.repo.get(t.tip_id).status),
                 made.tips.repo.get(t.tip_id).linked_case_no) for t in runner.log]
        made.db.dispose()
        return rows

    first = one_day(tmp_path / "a")
    assert first and first == one_day(tmp_path / "b")


def test_accepted_whereabouts_go_to_the_nearest_free_unit(tmp_path: Path) -> None:
    made = make_services(tmp_path, **WIDE_AWAKE)
    made.tips.lead()
    now = made.clock.now()
    for court in made.city.basic_courts():
        unit = Unit(id=f"U{court.id}", court_id=court.id, kind=UnitKind.CAR)
        made.units.add(unit)
        made.units.record_fixes([Fix(unit.id, court.lat, court.lon, at=now, received_at=now)])
    runner = CallRunner(made.tips, made.clock, seed=6, rate_scale=2.0, dispatch_desk=made.dispatch)
    run(runner, made, days=1)
    assert runner.refused == 0 and runner.dispatched >= 3
    sent = made.dispatch.active()
    assert len(sent) == runner.dispatched
    for dispatch in sent:
        tip = made.tips.repo.get(int(dispatch.target_ref))
        assert dispatch.target_kind == "tip" and needs_call_out(tip)
        assert tip.status == TipStatus.DISPATCHED
    made.db.dispose()
