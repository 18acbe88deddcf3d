"""The legal calendar against NODES.md §1, with real dates worked out by hand and checked against
the official holiday arrangements for 2025 and 2026 as shipped in chinese_calendar 1.11."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from enforcement.calendar import (
    CHINA,
    COURT_TZ,
    CalendarFallbackWarning,
    ChinaCalendar,
    Limit,
    LimitUnit,
    Pause,
    WeekendCalendar,
    WorkCalendar,
    add_months,
    due_at,
    end_of_day,
    is_rest_day,
    last_day,
    local_date,
    roll_forward,
)
from enforcement.errors import InvalidInput


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant given in court-local time (Asia/Shanghai)."""
    return datetime(year, month, day, hour, minute, tzinfo=COURT_TZ)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due(
    start: datetime,
    limit: str,
    *,
    pauses: Sequence[Pause] = (),
    calendar: WorkCalendar = CHINA,
) -> datetime | None:
    return due_at(start, Limit.parse(limit), pauses=pauses, calendar=calendar)


# --- Limit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("3d", 3, LimitUnit.DAYS),
        ("5wd", 5, LimitUnit.WORKING_DAYS),
        ("6mo", 6, LimitUnit.MONTHS),
        ("1y", 1, LimitUnit.YEARS),
        ("1h", 1, LimitUnit.HOURS),
        ("30wd", 30, LimitUnit.WORKING_DAYS),
    ],
)
def test_limit_parses_each_unit(text: str, amount: int, unit: LimitUnit) -> None:
    limit = Limit.parse(text)
    assert (limit.amount, limit.unit) == (amount, unit)
    assert str(limit) == text


@pytest.mark.parametrize("text", ["7x", "", "d3", "-1d", "1.5d", "0d", "3 days", "mo"])
def test_limit_refuses_garbage(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        Limit.parse(text)
    assert error.value.field == "limit"


def test_limits_are_values() -> None:
    assert Limit.parse("3d") == Limit(3, LimitUnit.DAYS)
    assert len({Limit.parse("3d"), Limit(3, LimitUnit.DAYS)}) == 1


# --- local days and day ends -----------------------------------------------------------------


def test_local_date_is_the_shanghai_day() -> None:
    assert local_date(utc(2026, 3, 1, 16, 0)) == date(2026, 3, 2)  # 00:00 on 3 March, +08:00
    assert local_date(utc(2026, 3, 1, 15, 59)) == date(2026, 3, 1)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(InvalidInput):
        local_date(datetime(2026, 3, 2, 10, 0))
    with pytest.raises(InvalidInput) as error:
        due_at(datetime(2026, 3, 2, 10, 0), Limit.parse("3d"))
    assert error.value.field == "start"


def test_end_of_day_is_next_local_midnight_in_utc() -> None:
    end = end_of_day(date(2026, 3, 5))
    assert end == utc(2026, 3, 5, 16, 0)
    assert end.tzinfo == UTC


# --- the start day is not counted; a period ends at 24:00 local --------------------------------


def test_spec_example_three_days_from_2_march_2026() -> None:
    assert due(local(2026, 3, 2, 9, 30), "3d") == utc(2026, 3, 5, 16, 0)


def test_due_instant_is_timezone_aware_utc() -> None:
    result = due(local(2026, 3, 2), "3d")
    assert result is not None and result.utcoffset() == timedelta(0)


def test_the_local_day_of_the_event_decides_not_the_utc_day() -> None:
    # 2026-03-01T16:30Z is 00:30 on 2 March in Shanghai; 15:30Z is still 1 March.
    assert due(utc(2026, 3, 1, 16, 30), "3d") == utc(2026, 3, 5, 16, 0)
    assert due(utc(2026, 3, 1, 15, 30), "3d") == utc(2026, 3, 4, 16, 0)


def test_time_of_day_of_the_event_does_not_matter() -> None:
    assert due(local(2026, 3, 2, 0, 1), "7d") == due(local(2026, 3, 2, 23, 59), "7d")


# --- months and years: corresponding day, clamped to month end ---------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a year from a leap day
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_month_limit_clamped_onto_a_makeup_saturday_does_not_roll() -> None:
    # 2026-01-31 + 1 month → 2026-02-28, a Saturday that is a Spring Festival make-up workday.
    assert due(local(2026, 1, 31), "1mo") == end_of_day(date(2026, 2, 28))


def test_month_limit_clamped_onto_a_plain_saturday_rolls_to_monday() -> None:
    weekends_only = WeekendCalendar()
    assert due(local(2026, 1, 31), "1mo", calendar=weekends_only) == end_of_day(date(2026, 3, 2))


def test_six_month_conclusion_clock_ending_on_sunday_rolls_to_monday() -> None:
    # filed Mon 2026-01-05 → 2026-07-05 is a Sunday → Monday 2026-07-06
    assert due(local(2026, 1, 5), "6mo") == end_of_day(date(2026, 7, 6))


def test_year_limits() -> None:
    # a deposit freeze from 2025-02-28 lapses 2026-02-28: a make-up Saturday, so no roll
    assert due(local(2025, 2, 28), "1y") == end_of_day(date(2026, 2, 28))
    # from a leap day: 2025-02-28 (Friday)
    assert due(local(2024, 2, 29), "1y") == end_of_day(date(2025, 2, 28))
    # real estate 3 years from 2023-10-06 → 2026-10-06, National Day → Thursday 2026-10-08
    assert due(local(2023, 10, 6), "3y") == end_of_day(date(2026, 10, 8))


# --- rest days, holidays and make-up days ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        (date(2026, 3, 3), False),  # an ordinary Tuesday
        (date(2026, 3, 7), True),  # an ordinary Saturday
        (date(2026, 2, 14), False),  # Saturday, Spring Festival make-up workday
        (date(2026, 2, 15), True),  # Spring Festival holiday, first day
        (date(2026, 2, 23), True),  # Spring Festival holiday, last day (a Monday)
        (date(2026, 2, 24), False),
        (date(2026, 2, 28), False),  # Saturday, Spring Festival make-up workday
        (date(2025, 9, 28), False),  # Sunday, National Day make-up workday
        (date(2025, 10, 6), True),  # Mid-Autumn inside the 2025 National Day week
        (date(2025, 10, 8), True),
        (date(2025, 10, 11), False),  # Saturday, National Day make-up workday
        (date(2026, 9, 25), True),  # Mid-Autumn 2026 (a Friday)
        (date(2026, 10, 7), True),
        (date(2026, 10, 10), False),  # Saturday, National Day make-up workday
    ],
)
def test_official_calendar(day: date, rest: bool) -> None:
    assert is_rest_day(day) is rest


def test_roll_forward_keeps_a_working_day_and_skips_a_holiday_run() -> None:
    assert roll_forward(date(2026, 3, 5)) == date(2026, 3, 5)
    assert roll_forward(date(2026, 2, 15)) == date(2026, 2, 24)
    assert roll_forward(date(2025, 10, 1)) == date(2025, 10, 9)


def test_spring_festival_2026_last_day_in_holiday_rolls_to_first_workday() -> None:
    # Thu 2026-02-12 + 3 days → Sun 2026-02-15 (holiday) → Tue 2026-02-24
    assert due(local(2026, 2, 12), "3d") == end_of_day(date(2026, 2, 24))


def test_spring_festival_2026_holidays_inside_the_period_still_count() -> None:
    # Fri 2026-02-13 + 12 days → Wed 2026-02-25, the whole holiday counted, no roll
    assert due(local(2026, 2, 13), "12d") == end_of_day(date(2026, 2, 25))


def test_period_ending_on_a_makeup_saturday_does_not_roll() -> None:
    assert due(local(2026, 2, 11), "3d") == end_of_day(date(2026, 2, 14))
    assert due(local(2025, 10, 8), "3d") == end_of_day(date(2025, 10, 11))
    assert due(local(2026, 10, 7), "3d") == end_of_day(date(2026, 10, 10))


def test_period_ending_on_a_makeup_sunday_does_not_roll() -> None:
    assert due(local(2025, 9, 25), "3d") == end_of_day(date(2025, 9, 28))


def test_national_day_2025_rolls_to_9_october() -> None:
    # Thu 2025-09-25 + 7 days → Thu 2025-10-02 (holiday, Oct 1–8) → Thu 2025-10-09
    assert due(local(2025, 9, 25), "7d") == end_of_day(date(2025, 10, 9))


def test_national_day_2026_rolls_to_8_october() -> None:
    # Mon 2026-09-28 + 5 days → Sat 2026-10-03 (holiday, Oct 1–7) → Thu 2026-10-08
    assert due(local(2026, 9, 28), "5d") == end_of_day(date(2026, 10, 8))


def test_mid_autumn_2026_friday_rolls_over_the_weekend() -> None:
    # Thu 2026-09-24 + 1 day → Fri 2026-09-25 (Mid-Autumn) → Mon 2026-09-28
    assert due(local(2026, 9, 24), "1d") == end_of_day(date(2026, 9, 28))


# --- working-day limits ------------------------------------------------------------------------


def test_working_days_in_an_ordinary_week() -> None:
    # Mon 2026-03-02 + 5 working days: 3, 4, 5, 6, 9 March
    assert due(local(2026, 3, 2), "5wd") == end_of_day(date(2026, 3, 9))


def test_working_days_across_spring_festival_2026() -> None:
    # Thu 2026-02-12: Fri 13 (1), Sat 14 make-up (2), 15–23 holiday, 24 (3), 25 (4), 26 (5)
    assert due(local(2026, 2, 12), "5wd") == end_of_day(date(2026, 2, 26))


def test_working_days_across_national_day_2025() -> None:
    # Mon 2025-09-29: 30 (1), Oct 1–8 holiday, 9 (2), 10 (3), Sat 11 make-up (4), 13 (5)
    assert due(local(2025, 9, 29), "5wd") == end_of_day(date(2025, 10, 13))
    # Fri 2025-09-26: Sat 27 rest, Sun 28 make-up (1), 29 (2), 30 (3)
    assert due(local(2025, 9, 26), "3wd") == end_of_day(date(2025, 9, 30))


def test_working_days_across_national_day_2026_end_on_makeup_saturday() -> None:
    # Wed 2026-09-30: Oct 1–7 holiday, 8 (1), 9 (2), Sat 10 make-up (3)
    assert due(local(2026, 9, 30), "3wd") == end_of_day(date(2026, 10, 10))


# --- pauses ------------------------------------------------------------------------------------


def test_pause_adds_resume_minus_pause_days_then_rolls() -> None:
    # Mon 2026-03-02 + 3 days = Thu 5 March; paused 3rd, resumed 5th: +2 → Sat 7th → Mon 9th
    pauses = [(local(2026, 3, 3, 15), local(2026, 3, 5, 9))]
    assert due(local(2026, 3, 2), "3d", pauses=pauses) == end_of_day(date(2026, 3, 9))


def test_last_day_is_extended_before_rolling() -> None:
    # filed Mon 2026-03-30, 6 months → Wed 2026-09-30; paused 6–8 May (+2) → Fri 2026-10-02,
    # National Day → Thu 2026-10-08. (Rolling first would have given 2 October.)
    pauses = [(local(2026, 5, 6), local(2026, 5, 8))]
    assert due(local(2026, 3, 30), "6mo", pauses=pauses) == end_of_day(date(2026, 10, 8))


def test_conclusion_clock_net_of_a_thirty_day_appraisal() -> None:
    # filed 2026-01-05 → 2026-07-05; 30 days paused (10 March → 9 April) → Tue 2026-08-04
    pauses = [(local(2026, 3, 10), local(2026, 4, 9))]
    assert due(local(2026, 1, 5), "6mo", pauses=pauses) == end_of_day(date(2026, 8, 4))


def test_open_pause_leaves_the_due_date_undefined() -> None:
    assert due(local(2026, 3, 2), "3d", pauses=[(local(2026, 3, 3), None)]) is None
    assert due(local(2026, 3, 2), "5wd", pauses=[(local(2026, 3, 3), None)]) is None


def test_a_pause_begun_after_the_period_ran_out_changes_nothing() -> None:
    pauses = [(local(2026, 3, 10), None)]
    assert due(local(2026, 3, 2), "3d", pauses=pauses) == end_of_day(date(2026, 3, 5))


def test_overlapping_pauses_count_each_day_once() -> None:
    # two reasons for the same day (3 → 4 March) pause the clock one day, not two: Fri 6 March
    pauses = [(local(2026, 3, 3), local(2026, 3, 4)), (local(2026, 3, 3, 14), local(2026, 3, 4))]
    assert due(local(2026, 3, 2), "3d", pauses=pauses) == end_of_day(date(2026, 3, 6))


def test_the_uncounted_start_day_cannot_be_paused() -> None:
    # paused since February, resumed 4 March: only 3 March was a counted day lost → Fri 6 March
    pauses = [(local(2026, 2, 25), local(2026, 3, 4))]
    assert due(local(2026, 3, 2), "3d", pauses=pauses) == end_of_day(date(2026, 3, 6))


def test_a_same_day_pause_and_resume_adds_nothing() -> None:
    pauses = [(local(2026, 3, 3, 9), local(2026, 3, 3, 17))]
    assert due(local(2026, 3, 2), "3d", pauses=pauses) == end_of_day(date(2026, 3, 5))


def test_paused_days_are_skipped_in_working_day_limits() -> None:
    # Mon 2026-03-02, 5 working days; paused 4–5 March (resumed 6th): 3, 6, 9, 10, 11
    pauses = [(local(2026, 3, 4), local(2026, 3, 6))]
    assert due(local(2026, 3, 2), "5wd", pauses=pauses) == end_of_day(date(2026, 3, 11))


def test_a_pause_cannot_end_before_it_begins() -> None:
    with pytest.raises(InvalidInput) as error:
        due(local(2026, 3, 2), "3d", pauses=[(local(2026, 3, 5), local(2026, 3, 4))])
    assert error.value.field == "resumed_at"


def test_last_day_takes_local_day_spans() -> None:
    spans = [(date(2026, 3, 3), date(2026, 3, 5))]
    assert last_day(date(2026, 3, 2), Limit.parse("3d"), pauses=spans) == date(2026, 3, 9)


# --- hour limits: plain elapsed time -----------------------------------------------------------


def test_hour_limits_are_elapsed_time() -> None:
    assert due(utc(2026, 3, 2, 1, 0), "1h") == utc(2026, 3, 2, 2, 0)
    # no day rounding and no holiday rule on the first day of Spring Festival
    assert due(local(2026, 2, 15, 23, 30), "2h") == local(2026, 2, 16, 1, 30)


def test_hour_limits_are_lengthened_by_paused_time() -> None:
    pauses = [(utc(2026, 3, 2, 1, 20), utc(2026, 3, 2, 1, 30))]
    assert due(utc(2026, 3, 2, 1, 0), "1h", pauses=pauses) == utc(2026, 3, 2, 2, 10)
    assert due(utc(2026, 3, 2, 1, 0), "1h", pauses=[(utc(2026, 3, 2, 1, 20), None)]) is None


# --- a year the official calendar does not know ------------------------------------------------


def test_unknown_year_falls_back_to_weekends_with_a_warning() -> None:
    calendar = ChinaCalendar()
    with pytest.warns(CalendarFallbackWarning, match="2040"):
        # Mon 2040-01-02 + 5 days → Sat 2040-01-07 → Mon 2040-01-09
        result = due(local(2040, 1, 2), "5d", calendar=calendar)
    assert result == end_of_day(date(2040, 1, 9))


def test_unknown_year_warns_once_per_year() -> None:
    calendar = ChinaCalendar()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for day in range(1, 20):
            calendar.is_rest_day(date(2040, 3, day))
        calendar.is_rest_day(date(2041, 3, 1))
    fallback = [str(w.message) for w in caught if w.category is CalendarFallbackWarning]
    assert len(fallback) == 2
    assert "2040" in fallback[0] and "2041" in fallback[1]


def test_fallback_weekends() -> None:
    calendar = ChinaCalendar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarFallbackWarning)
        assert calendar.is_rest_day(date(2040, 1, 7)) is True  # Saturday
        assert calendar.is_rest_day(date(2040, 1, 8)) is True  # Sunday
        assert calendar.is_rest_day(date(2040, 1, 9)) is False  # Monday


def test_known_years_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        assert due(local(2026, 3, 2), "3d", calendar=ChinaCalendar()) == utc(2026, 3, 5, 16, 0)
