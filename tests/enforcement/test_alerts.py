"""Alert stages of a clock over time, the instants where they change, escalation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from enforcement.alerts import Level, escalation, stage_at, thresholds
from enforcement.cases import Case, CaseType, Clock, Debtor, DebtorType, Track
from enforcement.catalog import load_catalog
from enforcement.flow import Flow

UTC = timezone.utc
CATALOG = load_catalog()
DEFAULTS = CATALOG.alerts
# a 3-day notice clock started Monday 2026-03-02 10:00 local: due end of Thursday 03-05 (16:00Z)
NOTICE = Clock("execution_notice", "", datetime(2026, 3, 2, 2, tzinfo=UTC),
               due_at=datetime(2026, 3, 5, 16, tzinfo=UTC))


def stage(clock: Clock, when: datetime, node: str | None = None, **kw: bool):
    return stage_at(CATALOG.get(node or clock.node), clock, DEFAULTS, when, **kw)


def test_upcoming_starts_20_percent_of_the_limit_ahead() -> None:
    # a 7-day clock due at the end of 03-09 local: upcoming 1.4 days (33.6 h) ahead
    handler = Clock("assign_handler", "", datetime(2026, 3, 2, 2, tzinfo=UTC),
                    due_at=datetime(2026, 3, 9, 16, tzinfo=UTC))
    assert stage(handler, datetime(2026, 3, 8, 6, tzinfo=UTC)) is None
    upcoming = stage(handler, datetime(2026, 3, 8, 7, tzinfo=UTC))
    assert upcoming.level == Level.UPCOMING
    assert upcoming.since == datetime(2026, 3, 9, 16, tzinfo=UTC) - timedelta(hours=33.6)


def test_quiet_then_due_then_overdue() -> None:
    # 20% of 3 days (14.4 h) falls inside the last day, so a 3-day clock goes straight to due
    assert stage(NOTICE, datetime(2026, 3, 4, 15, tzinfo=UTC)) is None
    # the last local day starts at 03-05 00:00 CST = 03-04 16:00Z
    assert stage(NOTICE, datetime(2026, 3, 4, 16, 30, tzinfo=UTC)).level == Level.DUE
    overdue = stage(NOTICE, datetime(2026, 3, 6, tzinfo=UTC))
    assert (overdue.level, overdue.since) == (Level.OVERDUE, NOTICE.due_at)
    assert stage(NOTICE, datetime(2026, 3, 6, tzinfo=UTC), chased=True).level == Level.CHASED


def test_urge_nodes_never_lock_but_hard_nodes_do() -> None:
    late = datetime(2026, 3, 20, tzinfo=UTC)
    assert stage(NOTICE, late).level == Level.OVERDUE
    legal = Clock("execution_notice_legal", "", NOTICE.started_at, due_at=NOTICE.due_at)
    locked = stage(legal, late)
    assert locked.level == Level.LOCKED and locked.since == NOTICE.due_at + timedelta(days=3)


def test_upcoming_window_is_capped_at_three_days() -> None:
    conclusion = Clock("conclusion", "", datetime(2026, 3, 2, 2, tzinfo=UTC),
                       due_at=datetime(2026, 9, 2, 16, tzinfo=UTC))
    assert stage(conclusion, datetime(2026, 8, 30, 15, tzinfo=UTC)) is None
    assert stage(conclusion, datetime(2026, 8, 30, 17, tzinfo=UTC)).level == Level.UPCOMING


def test_seizures_remind_at_30_7_and_1_days() -> None:
    due = datetime(2027, 3, 4, 16, tzinfo=UTC)
    seizure = Clock("seizure_expiry", "M1", datetime(2026, 3, 4, 2, tzinfo=UTC), "deposit",
                    due_at=due)
    assert stage(seizure, due - timedelta(days=31)) is None
    assert stage(seizure, due - timedelta(days=20)).reminder_days == 30
    assert stage(seizure, due - timedelta(days=5)).reminder_days == 7
    assert stage(seizure, due - timedelta(hours=30)).reminder_days == 7
    assert stage(seizure, due - timedelta(hours=20)).level == Level.DUE  # T-1 is the last day
    marks = thresholds(CATALOG.get("seizure_expiry"), seizure, DEFAULTS)
    assert marks[:3] == [due - timedelta(days=d) for d in (30, 7, 1)]
    assert marks[-1] == due + timedelta(days=3)  # hard: locks after the grace


def test_paused_and_done_clocks() -> None:
    paused = Clock("conclusion", "", NOTICE.started_at)
    assert stage(paused, NOTICE.due_at).level == Level.PAUSED
    assert thresholds(CATALOG.get("conclusion"), paused, DEFAULTS) == []
    done = Clock("execution_notice", "", NOTICE.started_at, done_at=NOTICE.due_at,
                 due_at=NOTICE.due_at)
    assert stage(done, NOTICE.due_at + timedelta(days=9)).level == Level.DONE


def test_stage_changes_exactly_at_the_thresholds() -> None:
    spec = CATALOG.get("execution_notice")
    for mark in thresholds(spec, NOTICE, DEFAULTS):
        before = stage_at(spec, NOTICE, DEFAULTS, mark - timedelta(microseconds=1))
        after = stage_at(spec, NOTICE, DEFAULTS, mark)
        assert before != after


@pytest.mark.parametrize(("track", "days", "expected"), [  # filed 2026-01-10
    (Track.FAST, 20, "fast_flow"), (Track.FAST, 100, "deep_work"), (Track.FAST, 160, "sideways"),
    (Track.FAST, 200, "team_leader"),
    (Track.ORDINARY, 20, "deep_work"), (Track.ORDINARY, 70, "sideways"),
    (Track.ORDINARY, 100, "team_leader"), (Track.ORDINARY, 130, "bureau_chief"),
    (Track.ORDINARY, 160, "vice_president"), (Track.ORDINARY, 900, "vice_president"),
])
def test_escalation_ladder(track: Track, days: int, expected: str) -> None:
    filed = datetime(2026, 1, 10, 2, tzinfo=UTC)
    case = Flow(CATALOG).open_case(Case("c", "210102", CaseType.FIRST, filed, 1.0,
                                        (Debtor("x", DebtorType.FOR_PROFIT),), track=track))
    when = filed + timedelta(days=days)
    assert escalation(case, when, DEFAULTS.escalation).stage == expected
