"""Alert levels of a node clock at any instant, the instants where they change, and escalation.

Levels (NODES.md §3): ``upcoming`` (due within 20% of its limit, at most 3 days; for seizures at
30, 7 and 1 days before), ``due`` (its last day), ``overdue``, ``chased`` (overdue and a supervisor
issued a 督办), ``locked`` (overdue past the grace on a lockable node), ``paused``, ``done``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from enforcement.calendar import Limit, LimitUnit, add_months, end_of_day, local_date
from enforcement.cases import Case, Clock, Track
from enforcement.catalog import AlertDefaults, Catalog, EscalationStep, NodeSpec


class Level(StrEnum):
    UPCOMING = "upcoming"  # 即将到期
    DUE = "due"  # 今日到期
    OVERDUE = "overdue"  # 已超期
    CHASED = "chased"  # 已督办
    LOCKED = "locked"  # 已锁定
    PAUSED = "paused"  # 已暂停计时
    DONE = "done"  # 已完成


LEVEL_LABELS = {"upcoming": "即将到期", "due": "今日到期", "overdue": "已超期", "chased": "已督办",
                "locked": "已锁定", "paused": "暂停计时", "done": "已完成"}
SEVERITY = {Level.DONE: 0, Level.PAUSED: 1, Level.UPCOMING: 2, Level.DUE: 3, Level.OVERDUE: 4,
            Level.CHASED: 5, Level.LOCKED: 6}


@dataclass(frozen=True, slots=True)
class Stage:
    """A clock's alert stage: its level, and for reminder nodes which reminder (days before)."""

    level: Level
    reminder_days: int = 0
    since: datetime | None = None  # when this stage began


def span(limit: Limit) -> timedelta:
    """A limit's nominal length, for the 20% upcoming window."""
    days = {LimitUnit.DAYS: 1, LimitUnit.WORKING_DAYS: 1.4, LimitUnit.MONTHS: 30.4,
            LimitUnit.YEARS: 365.25}
    if limit.unit is LimitUnit.HOURS:
        return timedelta(hours=limit.amount)
    return timedelta(days=limit.amount * days[limit.unit])


def upcoming_window(spec: NodeSpec, clock: Clock, defaults: AlertDefaults) -> timedelta:
    window = span(spec.limit(clock.variant)) * defaults.upcoming_fraction
    return min(window, span(defaults.upcoming_cap))


def thresholds(spec: NodeSpec, clock: Clock, defaults: AlertDefaults) -> list[datetime]:
    """The instants at which this clock's stage changes (empty when done or paused)."""
    if not clock.open or clock.due_at is None:
        return []
    due = clock.due_at
    ahead = [due - timedelta(days=d) for d in spec.reminders] or \
        [due - upcoming_window(spec, clock, defaults)]
    if _has_due_day(spec, clock):
        day_starts = last_day_start(due)
        ahead = [mark for mark in ahead if mark < day_starts] + [day_starts]
    found = [*ahead, due]
    if spec.lock:
        found.append(due + span(defaults.lock_grace))
    return sorted(set(found))


def _has_due_day(spec: NodeSpec, clock: Clock) -> bool:
    return spec.limit(clock.variant).unit is not LimitUnit.HOURS


def last_day_start(due: datetime) -> datetime:
    """The start of the last local day of a day-counted clock (its 'due today' day)."""
    return end_of_day(local_date(due - timedelta(microseconds=1))) - timedelta(days=1)


def stage_at(spec: NodeSpec, clock: Clock, defaults: AlertDefaults, at: datetime, *,
             chased: bool = False) -> Stage | None:
    """The alert stage of a clock at ``at``; None while it is quietly running."""
    if clock.done_at is not None and clock.done_at <= at:
        return Stage(Level.DONE, since=clock.done_at)
    if clock.due_at is None:
        return Stage(Level.PAUSED)
    due = clock.due_at
    if at >= due:
        lock_at = due + span(defaults.lock_grace)
        if spec.lock and at >= lock_at:
            return Stage(Level.LOCKED, since=lock_at)
        return Stage(Level.CHASED if chased else Level.OVERDUE, since=due)
    if _has_due_day(spec, clock) and at >= last_day_start(due):
        return Stage(Level.DUE, since=last_day_start(due))
    return _ahead(spec, clock, defaults, at)


def _ahead(spec: NodeSpec, clock: Clock, defaults: AlertDefaults, at: datetime) -> Stage | None:
    due = clock.due_at
    assert due is not None
    if spec.reminders:
        passed = [d for d in sorted(spec.reminders) if at >= due - timedelta(days=d)]
        return Stage(Level.UPCOMING, passed[0], due - timedelta(days=passed[0])) if passed else None
    starts = due - upcoming_window(spec, clock, defaults)
    return Stage(Level.UPCOMING, since=starts) if at >= starts else None


def overdue_days(clock: Clock, at: datetime) -> int:
    if clock.due_at is None or at < clock.due_at:
        return 0
    return (at - clock.due_at).days + 1


def escalation(case: Case, at: datetime, ladder: tuple[EscalationStep, ...]) -> EscalationStep:
    """Who holds an unfinished case now (临沭做法): fast flow 3 months, deep work 2, sideways 1,
    then team leader, bureau chief, vice-president a month each. Ordinary cases start at deep work."""
    steps = ladder if case.track == Track.FAST else ladder[1:]
    month = 0
    filed = local_date(case.filed_at)
    for step in steps:
        month += step.period.amount if step.period.unit is LimitUnit.MONTHS else 12 * step.period.amount
        if local_date(at) < add_months(filed, month):
            return step
    return steps[-1]


def owner_of(case: Case) -> str:
    return case.handler_id or case.team_id or case.court_id


def node_name(catalog: Catalog, node: str) -> str:
    return catalog.get(node).name_zh
