"""The legal calendar (期间计算): when a clock started by an event runs out.

The rules, NODES.md §1:

* the day of the start event is not counted (民诉法 第85条第2款; 民诉法解释 第125条);
* a period ends at the end (24:00) of its last day, Asia/Shanghai; instants come back as UTC;
* a month or year period ends on the corresponding day, or on the month's last day where there is
  none (民法典 第202–203条);
* a last day that is a rest day or statutory holiday (法定休假日) rolls forward to the next
  working day (民诉法 第85条第3款); holidays inside the period still count; make-up days (调休)
  are working days;
* a working-day limit (工作日) counts working days only;
* pauses (中止, 暂缓, 公告, 评估, …) push the last day out by the paused days; the last day is found
  first and only then rolled forward;
* an hour limit (e.g. the tip_arrival SLA) is plain elapsed time with no calendar rules.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

import chinese_calendar

from enforcement.errors import InvalidInput

COURT_TZ = ZoneInfo("Asia/Shanghai")
_LIMIT_PATTERN = re.compile(r"^\s*(\d+)\s*(wd|mo|d|y|h)\s*$")

Pause = tuple[datetime, datetime | None]
"""A pause interval: (paused_from, resumed_at); ``resumed_at`` is None while still paused."""

DaySpan = tuple[date, date | None]
"""Paused local days: [first paused day, resume day); the resume day counts again. None = open."""

_T = TypeVar("_T", date, datetime)


class LimitUnit(StrEnum):
    DAYS = "d"  # 日
    WORKING_DAYS = "wd"  # 工作日
    MONTHS = "mo"  # 月
    YEARS = "y"  # 年
    HOURS = "h"  # 时 (elapsed time, no calendar rules)


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit (期限) such as 3 days, 5 working days, 6 months or 1 hour."""

    amount: int
    unit: LimitUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise InvalidInput(f"a limit needs a whole amount of at least 1, not {self.amount!r}",
                               field="limit")

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Read ``"3d"``, ``"5wd"``, ``"6mo"``, ``"1y"`` or ``"1h"``."""
        match = _LIMIT_PATTERN.match(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidInput(f"limit {text!r} is not a limit (e.g. 3d, 5wd, 6mo, 1y, 1h)",
                               field="limit")
        return cls(int(match.group(1)), LimitUnit(match.group(2)))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"


class WorkCalendar(Protocol):
    """Tells rest days (休息日 and 法定节假日) from working days."""

    def is_rest_day(self, day: date) -> bool: ...


class CalendarFallbackWarning(UserWarning):
    """The official calendar does not know a year; weekends alone are used as rest days."""


class WeekendCalendar:
    """Saturday and Sunday are rest days; no holidays, no make-up days."""

    def is_rest_day(self, day: date) -> bool:
        return day.weekday() >= 5


@dataclass
class ChinaCalendar:
    """The official State Council calendar via ``chinese_calendar``, weekends for unknown years."""

    _warned_years: set[int] = field(default_factory=set)
    _known: dict[date, bool] = field(default_factory=dict)  # a few thousand days at most

    def is_rest_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        try:
            return not chinese_calendar.is_workday(day)
        except NotImplementedError:
            self._warn_once(day.year)
            return WeekendCalendar().is_rest_day(day)

    def _warn_once(self, year: int) -> None:
        if year not in self._warned_years:
            self._warned_years.add(year)
            warnings.warn(f"no official holiday calendar for {year}; treating only Saturday and "
                          "Sunday as rest days", CalendarFallbackWarning, stacklevel=3)


CHINA = ChinaCalendar()


def is_rest_day(day: date, calendar: WorkCalendar = CHINA) -> bool:
    """True on a weekend or statutory holiday, False on a working day (make-up days included)."""
    return calendar.is_rest_day(day)


def local_date(instant: datetime) -> date:
    """The court's calendar day (Asia/Shanghai) of a timezone-aware instant."""
    _require_aware(instant, "instant")
    return instant.astimezone(COURT_TZ).date()


def end_of_day(day: date) -> datetime:
    """The end (24:00, i.e. next day 00:00) of a local day, as a UTC instant."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=COURT_TZ)
    return midnight.astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later, clamped to month end (民法典 第203条)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    last = _stdlib_calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last))


def roll_forward(day: date, calendar: WorkCalendar = CHINA) -> date:
    """The day itself if it is a working day, else the first working day after it (第85条第3款)."""
    while calendar.is_rest_day(day):
        day += timedelta(days=1)
    return day


def due_at(
    start: datetime,
    limit: Limit,
    *,
    pauses: Iterable[Pause] = (),
    calendar: WorkCalendar = CHINA,
) -> datetime | None:
    """The instant (UTC) a clock started at ``start`` runs out; None while a pause is open.

    Pauses that begin after the period has already run out do not move it.
    """
    _require_aware(start, "start")
    pause_list = [_checked_pause(p) for p in pauses]
    if limit.unit is LimitUnit.HOURS:
        return _elapsed_due(start, timedelta(hours=limit.amount), pause_list)
    day = last_day(local_date(start), limit, pauses=_day_spans(pause_list), calendar=calendar)
    return None if day is None else end_of_day(day)


def last_day(
    start_day: date,
    limit: Limit,
    *,
    pauses: Iterable[DaySpan] = (),
    calendar: WorkCalendar = CHINA,
) -> date | None:
    """The last local day of a day/working-day/month/year period, rolled forward; None if paused."""
    spans = _merge(_clip(pauses, start_day + timedelta(days=1)))
    if limit.unit is LimitUnit.WORKING_DAYS:
        return _count_working_days(start_day, limit.amount, spans, calendar)
    day = _extend_by_pauses(_calendar_last_day(start_day, limit), spans)
    return None if day is None else roll_forward(day, calendar)


def _calendar_last_day(start_day: date, limit: Limit) -> date:
    """start + limit, before pauses and rolling; the start day itself is not counted."""
    if limit.unit is LimitUnit.DAYS:
        return start_day + timedelta(days=limit.amount)
    if limit.unit is LimitUnit.MONTHS:
        return add_months(start_day, limit.amount)
    if limit.unit is LimitUnit.YEARS:
        return add_months(start_day, 12 * limit.amount)
    raise InvalidInput(f"{limit} is not a calendar-day limit", field="limit")


def _extend_by_pauses(day: date, spans: list[DaySpan]) -> date | None:
    """Add R − P days for each pause that began on or before the (moving) last day."""
    for paused, resumed in spans:
        if paused > day:
            break
        if resumed is None:
            return None
        day += resumed - paused
    return day


def _count_working_days(
    start_day: date, amount: int, spans: list[DaySpan], calendar: WorkCalendar
) -> date | None:
    """The ``amount``-th working day after ``start_day``, skipping paused days."""
    day, counted = start_day, 0
    while counted < amount:
        day += timedelta(days=1)
        span = _span_covering(day, spans)
        if span is not None:
            if span[1] is None:
                return None
            day = span[1] - timedelta(days=1)
        elif not calendar.is_rest_day(day):
            counted += 1
    return day


def _span_covering(day: date, spans: list[DaySpan]) -> DaySpan | None:
    return next((s for s in spans if s[0] <= day and (s[1] is None or day < s[1])), None)


def _elapsed_due(start: datetime, length: timedelta, pauses: list[Pause]) -> datetime | None:
    """Hour limits: plain elapsed time, lengthened by the paused time."""
    start = start.astimezone(UTC)
    due = start + length
    for paused, resumed in _merge(_clip(pauses, start)):
        if paused > due:
            break
        if resumed is None:
            return None
        due += resumed - paused
    return due


def _day_spans(pauses: list[Pause]) -> list[DaySpan]:
    return [(local_date(p), None if r is None else local_date(r)) for p, r in pauses]


def _clip(spans: Iterable[tuple[_T, _T | None]], first: _T) -> list[tuple[_T, _T | None]]:
    """Drop the part of each pause before ``first`` (nothing is counted yet); drop empty ones."""
    clipped = [(max(p, first), r) for p, r in spans]
    return [(p, r) for p, r in clipped if r is None or r > p]


def _merge(spans: list[tuple[_T, _T | None]]) -> list[tuple[_T, _T | None]]:
    """Sort pauses and join overlapping ones, so time paused for two reasons counts once."""
    merged: list[tuple[_T, _T | None]] = []
    for paused, resumed in sorted(spans, key=lambda s: s[0]):
        last = merged[-1] if merged else None
        if last is None or (last[1] is not None and paused > last[1]):
            merged.append((paused, resumed))
        elif last[1] is not None and resumed is not None:
            merged[-1] = (last[0], max(last[1], resumed))
        else:
            merged[-1] = (last[0], None)
    return merged


def _checked_pause(pause: Pause) -> Pause:
    paused, resumed = pause
    _require_aware(paused, "paused_from")
    if resumed is not None:
        _require_aware(resumed, "resumed_at")
        if resumed < paused:
            raise InvalidInput("a pause cannot resume before it began", field="resumed_at")
    return paused, resumed


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime", field=name)
