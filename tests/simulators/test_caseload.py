"""The caseload simulator: deterministic, calibrated to DOMAIN.md, valid for Flow, and run through
the real desk (bulk history into a real SQLite file, then live ticks)."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from enforcement.catalog import NodeKind, load_catalog
from enforcement.city import load_city
from enforcement.errors import DomainError
from enforcement.flow import Flow
from feeds.bus import MemoryBus
from feeds.casework import CaseDesk
from simulators.caseload import CaseScript, court_code, generate_scripts
from simulators.caseload_runner import ACTOR, CaseloadRunner
from storage.cases import CaseRepo
from storage.db import open_store_engine
from storage.reference import ReferenceRepo

pytestmark = pytest.mark.filterwarnings("ignore::enforcement.calendar.CalendarFallbackWarning")

SHANGHAI = timezone(timedelta(hours=8))
YEAR_START, YEAR_END = datetime(2026, 1, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI)
CASE_NO = re.compile(r"^（(\d{4})）辽(\d{2}|\d{4})(执恢|执保|执)(\d+)号$")
LEGAL_PERSONS = {"for_profit", "non_profit", "special_legal_person"}
NATURAL = {"natural_person", "individual_business"}


@pytest.fixture(scope="module")
def city():
    return load_city()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def year(city) -> list[CaseScript]:
    return generate_scripts(city, seed=1, start=YEAR_START, end=YEAR_END)


def share(counter: Counter, keys: set[str] | str) -> float:
    keys = {keys} if isinstance(keys, str) else keys
    return sum(v for k, v in counter.items() if k in keys) / sum(counter.values())


def replay(desk_like: CaseDesk, script: CaseScript):
    case = desk_like.parse_case(script.payload)
    for _, payload in script.events:
        case = desk_like.flow.apply(case, desk_like.parse_event(payload))
    return case


# ---- determinism ----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_caseload(city) -> None:
    start = datetime(2026, 3, 2, tzinfo=SHANGHAI)
    one, two = (generate_scripts(city, seed=3, start=start, end=start + timedelta(days=10))
                for _ in range(2))
    assert one == two and len(one) > 500
    other = generate_scripts(city, seed=4, start=start, end=start + timedelta(days=10))
    assert [s.payload for s in other] != [s.payload for s in one]


def test_a_window_holds_the_same_cases_as_a_wider_one(city) -> None:
    start = datetime(2026, 3, 2, tzinfo=SHANGHAI)
    wide = generate_scripts(city, seed=3, start=start, end=start + timedelta(days=20))
    narrow = generate_scripts(city, seed=3, start=start + timedelta(days=7),
                              end=start + timedelta(days=12), catalog=None)
    by_no = {s.case_no: s for s in wide}
    assert narrow and all(by_no[s.case_no].payload == s.payload for s in narrow)


# ---- calibration (DOMAIN.md) ----------------------------------------------------------------


def test_a_year_has_forty_thousand_cases_spread_over_the_courts(city, year) -> None:
    assert 38_000 <= len(year) <= 42_000  # ±5 % of 40,000
    courts = Counter(s.payload["court_id"] for s in year)
    assert 0.025 <= courts["2101"] / len(year) <= 0.035  # the intermediate court ≈ 3 %
    assert courts["21"] == 0  # the high court files no enforcement cases here
    assert set(courts) == {c.id for c in city.courts if c.id != "21"}  # 16 courts
    assert courts["210106"] > 3 * courts["210123"]  # Tiexi (urban) far above Kangping (county)


def test_a_smaller_caseload_scales(city) -> None:
    half = generate_scripts(city, seed=2, start=YEAR_START, end=datetime(2026, 7, 1, tzinfo=SHANGHAI),
                            per_year=10_000)
    assert 4_700 <= len(half) <= 5_300  # half a year of 10,000, ±6 %


def test_case_numbers_follow_the_court_and_count_per_year_and_type(year) -> None:
    numbers: dict[tuple[str, str], list[int]] = {}
    for script in year:
        match = CASE_NO.match(script.case_no)
        assert match, script.case_no
        assert match.group(2) == court_code(script.payload["court_id"])[1:]
        mark = {"first": "执", "resumed": "执恢", "preservation": "执保"}[script.payload["case_type"]]
        assert match.group(3) == mark and match.group(1) == "2026"
        numbers.setdefault((script.payload["court_id"], mark), []).append(int(match.group(4)))
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    assert court_code("210102") == "辽0102" and court_code("2101") == "辽01" and court_code("2171") == "辽71"


def test_debtor_types_amounts_and_case_types_are_plausible(year) -> None:
    debtors = Counter(s.payload["debtors"][0]["debtor_type"] for s in year)
    assert 0.60 <= share(debtors, NATURAL) <= 0.72  # natural persons, individual businesses included
    assert 0.25 <= share(debtors, LEGAL_PERSONS) <= 0.36
    assert debtors["for_profit"] >= 0.9 * sum(debtors[k] for k in LEGAL_PERSONS)
    assert 0.015 <= share(debtors, "unincorporated") <= 0.05
    amounts = sorted(s.payload["amount"] for s in year)
    median = statistics.median(amounts)
    assert 0.40 <= sum(a < 50_000 for a in amounts) / len(amounts) <= 0.60  # many small claims
    assert amounts[int(0.99 * len(amounts))] > 20 * median  # a heavy tail
    types = Counter(s.payload["case_type"] for s in year)
    assert 0.75 <= share(types, "first") <= 0.85 and 0.05 <= share(types, "resumed") <= 0.11


def test_dispositions_and_how_the_money_came(year) -> None:
    closes = [e for s in year if s.payload["case_type"] != "preservation"
              for _, e in s.events if e["type"] == "close"]
    dispositions = Counter(e["disposition"] for e in closes)
    assert 0.50 <= share(dispositions, "executed_in_full") <= 0.60
    assert 0.27 <= share(dispositions, "zhongben") <= 0.37
    assert 0.06 <= share(dispositions, "terminated") <= 0.12
    assert 0.03 <= share(dispositions, {"withdrawn", "not_enforced", "rejected"}) <= 0.08
    how = Counter(e["how"] for e in closes if e["disposition"] == "executed_in_full")
    assert 0.30 <= share(how, "voluntary") <= 0.40 and 0.40 <= share(how, "coercion") <= 0.50
    assert 0.15 <= share(how, "settlement") <= 0.25


def test_zhongben_comes_after_three_months_with_every_gate_step(year) -> None:
    for script in (s for s in year[:8000] if s.disposition == "zhongben"):
        assert script.closed_at - script.filed_at > timedelta(days=89)
        before = [e for at, e in script.events if at < script.closed_at]
        steps = {e.get("step") for e in before} | {e.get("node") for e in before}
        assert {"consumption_restriction", "dishonest_listing", "applicant_interview", "execution_notice",
                "network_query", "investigation_done"} <= steps


# ---- validity -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flow_desk(city, catalog) -> CaseDesk:
    """A desk for parsing and the flow only: no store, bus or clock is touched by replays."""
    return CaseDesk(cases=None, flow=Flow(catalog), bus=None, clock=None,  # type: ignore[arg-type]
                    courts=frozenset(city.by_id))


@pytest.mark.parametrize("seed", [11, 12])
def test_every_script_replays_through_the_flow(city, catalog, flow_desk, seed) -> None:
    start = datetime(2026, 2, 2, tzinfo=SHANGHAI)
    scripts = generate_scripts(city, seed=seed, start=start, end=start + timedelta(days=32))
    assert len(scripts) >= 3_000
    lockable = {n.id for n in catalog if n.lock or n.kind == NodeKind.HARD}
    late = risky = 0
    for script in scripts:
        instants = [at for at, _ in script.events]
        assert instants == sorted(instants) and instants[0] >= script.filed_at, script.case_no
        try:
            case = replay(flow_desk, script)
        except DomainError as exc:  # pragma: no cover - the message names the broken script
            pytest.fail(f"{script.case_no}: {exc.message}")
        assert case.closed and case.disposition == script.disposition
        assert case.received == pytest.approx(case.paid)
        done_late = [c for c in case.clocks if c.done_at and c.due_at and c.done_at > c.due_at]
        late += any(c.node != "conclusion" for c in done_late)
        risky += any(c.node in lockable and c.done_at - c.due_at > timedelta(days=2, hours=12)
                     for c in done_late)
    assert 0.08 <= late / len(scripts) <= 0.20  # alerts appear, as in a real court
    assert risky <= 0.002 * len(scripts)  # nothing a script does gets its case locked


# ---- the runner on a real store -------------------------------------------------------------


@pytest.fixture
def desk(sqlite_url, clock, city, catalog) -> CaseDesk:
    engine = open_store_engine(sqlite_url)
    ReferenceRepo(engine).save_courts(city.courts)
    return CaseDesk(cases=CaseRepo(engine), flow=Flow(catalog), bus=MemoryBus(), clock=clock,
                    courts=frozenset(city.by_id))


@pytest.fixture(scope="module")
def small(city) -> list[CaseScript]:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # conftest's T0
    return generate_scripts(city, seed=5, start=now - timedelta(days=90), end=now + timedelta(days=5),
                            per_year=3_000)


def kept(scripts: list[CaseScript], now: datetime) -> list[CaseScript]:
    return [s for s in scripts if s.filed_at <= now
            and (s.closed_at is None or s.closed_at > now - timedelta(days=30))]


def test_backfill_writes_the_open_and_recently_closed_cases(desk, clock, small) -> None:
    now = clock.now()
    expected = kept(small, now)
    runner = CaseloadRunner(desk, small, clock)
    assert runner.backfill(now, batch=50) == len(expected) == desk.cases.count()
    assert runner.dropped == sum(1 for s in small if s.filed_at <= now) - len(expected) > 0
    assert runner.refused == 0
    for script in expected[::25]:
        stored, due = desk.cases.get(script.case_no), [e for at, e in script.events if at <= now]
        assert stored.version == 1 + len(due)
        assert stored.closed == any(e["type"] == "close" for e in due)
        recorded = desk.cases.events(script.case_no)
        assert [e.type for e in recorded] == ["filed"] + [e["type"] for e in due]
        assert {e.actor for e in recorded} == {ACTOR}
    assert any(not desk.cases.get(s.case_no).closed for s in expected)


def test_a_restart_on_the_same_store_resumes_instead_of_rewriting(desk, clock, small) -> None:
    first = CaseloadRunner(desk, small, clock)
    first.backfill(clock.now())
    clock.advance(days=1)
    first.tick()
    clock.advance(days=1)  # the center was down for a day
    again = CaseloadRunner(desk, small, clock)
    assert again.backfill(clock.now() - timedelta(days=1)) == 0
    assert again.skipped == desk.cases.count()
    assert again.tick() > 0 and again.refused == 0
    for script in kept(small, clock.now())[::40]:
        due = [e for at, e in script.events if at <= clock.now()]
        assert [e.type for e in desk.cases.events(script.case_no)][1:] == [e["type"] for e in due]


def test_tick_files_new_cases_and_posts_due_events_through_the_desk(desk, clock, small) -> None:
    start = clock.now()
    runner = CaseloadRunner(desk, small, clock)
    runner.backfill(start)
    heard = []
    desk.bus.subscribe(["cases"], heard.append)
    assert runner.tick() == 0  # nothing new yet
    clock.advance(days=2)
    taken = runner.tick()
    filed = [s for s in small if start < s.filed_at <= clock.now()]
    posted = [(s.case_no, e) for s in kept(small, start) + filed for at, e in s.events
              if start < at <= clock.now()]
    assert filed and posted
    assert taken == len(filed) + len(posted) == runner.created + runner.posted
    assert runner.refused == 0 and len(heard) == taken  # each one stored, then announced
    case_no, event = posted[-1]
    assert desk.cases.events(case_no)[-1].payload == event
    assert desk.cases.get(filed[0].case_no).filed_at == filed[0].filed_at


def test_refusals_are_counted_not_raised(desk, clock, small) -> None:
    start = clock.now()
    runner = CaseloadRunner(desk, small, clock)
    runner.backfill(start)
    victim = next(s for s in kept(small, start)
                  if any(start < at <= start + timedelta(days=3) for at, _ in s.events))
    desk.lock(victim.case_no, start)
    clock.advance(days=3)
    runner.tick()
    assert runner.refused >= 1 and runner.posted > 0


def test_the_thread_starts_and_stops(desk, clock, small) -> None:
    runner = CaseloadRunner(desk, small[:50], clock, tick_s=0.01)
    runner.start()
    runner.stop()
    assert runner._thread is not None and not runner._thread.is_alive()


def test_the_demo_caseload_comes_with_its_history(desk, clock, city) -> None:
    from simulators.caseload_runner import demo_caseload

    runner = demo_caseload(desk, city, clock, seed=9, per_year=2_000, history=timedelta(days=60),
                           ahead=timedelta(days=3))
    assert runner.backfilled == desk.cases.count() > 0 and runner.refused == 0
    clock.advance(days=3)
    assert runner.tick() > 0
