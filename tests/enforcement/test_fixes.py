"""The invariants of a stored position (enforcement.fixes.check_fix)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from enforcement.errors import InvalidFix
from enforcement.fixes import (
    MAX_AGE_DAYS,
    MAX_FUTURE_MIN,
    check_fix,
)
from enforcement.model import Fix

NOW = datetime(2025, 3, 14, 2, 0, tzinfo=UTC)


def make_fix(**overrides: Any) -> Fix:
    fields: dict[str, Any] = {
        "unit_id": "sy-hp-001",
        "lat": 41.8057,
        "lon": 123.4315,
        "at": NOW - timedelta(seconds=5),
        "received_at": NOW,
        "speed_kmh": 30.0,
        "heading": 90.0,
        "altitude_m": 48.0,
        "accuracy_m": 10.0,
        "battery_pct": 80.0,
    }
    return Fix(**{**fields, **overrides})


def test_valid_fix_is_returned_unchanged() -> None:
    fix = make_fix()
    assert check_fix(fix, now=NOW) is fix


def test_optional_fields_may_be_absent() -> None:
    fix = make_fix(speed_kmh=None, heading=None, altitude_m=None, accuracy_m=None, battery_pct=None)
    assert check_fix(fix, now=NOW) is fix


@pytest.mark.parametrize(
    "values",
    [
        {"lat": 90.0, "lon": 180.0},
        {"lat": -90.0, "lon": -180.0},
        {"lat": 0.0, "lon": 12.0},
        {"speed_kmh": 0.0, "heading": 0.0, "accuracy_m": 0.0, "battery_pct": 0.0},
        {"speed_kmh": 300.0, "heading": 360.0, "accuracy_m": 10_000.0, "battery_pct": 100.0},
        {"at": NOW + timedelta(minutes=MAX_FUTURE_MIN)},
        {"at": NOW - timedelta(days=MAX_AGE_DAYS)},
        {"altitude_m": -30.0},
    ],
)
def test_limits_are_inclusive(values: dict[str, Any]) -> None:
    check_fix(make_fix(**values), now=NOW)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"unit_id": ""}, "unit_id"),
        ({"unit_id": "  "}, "unit_id"),
        ({"lat": 90.0001}, "lat"),
        ({"lat": -91.0}, "lat"),
        ({"lon": 180.5}, "lon"),
        ({"lon": -181.0}, "lon"),
        ({"lat": 0.0, "lon": 0.0}, "lat"),
        ({"lat": math.nan}, "lat"),
        ({"lon": math.inf}, "lon"),
        ({"lat": "41.8"}, "lat"),
        ({"lat": True}, "lat"),
        ({"at": NOW + timedelta(minutes=MAX_FUTURE_MIN, seconds=1)}, "at"),
        ({"at": NOW - timedelta(days=MAX_AGE_DAYS, seconds=1)}, "at"),
        ({"at": datetime(2025, 3, 14, 1, 59)}, "at"),
        ({"at": "2025-03-14T01:59:00Z"}, "at"),
        ({"speed_kmh": -0.1}, "speed_kmh"),
        ({"speed_kmh": 300.1}, "speed_kmh"),
        ({"speed_kmh": math.nan}, "speed_kmh"),
        ({"heading": -1.0}, "heading"),
        ({"heading": 360.5}, "heading"),
        ({"accuracy_m": -5.0}, "accuracy_m"),
        ({"accuracy_m": 10_001.0}, "accuracy_m"),
        ({"battery_pct": 101.0}, "battery_pct"),
        ({"battery_pct": -1.0}, "battery_pct"),
        ({"altitude_m": math.inf}, "altitude_m"),
    ],
)
def test_each_violation_names_its_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFix) as caught:
        check_fix(make_fix(**values), now=NOW)
    assert caught.value.field == field
    assert caught.value.message


def test_at_in_another_zone_is_compared_as_an_instant() -> None:
    check_fix(make_fix(at=datetime.fromisoformat("2025-03-14T10:09:00+08:00")), now=NOW)
    with pytest.raises(InvalidFix):
        check_fix(make_fix(at=datetime.fromisoformat("2025-03-14T10:11:00+08:00")), now=NOW)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_fix(make_fix(), now=NOW.replace(tzinfo=None))


def test_error_carries_code_for_http() -> None:
    with pytest.raises(InvalidFix) as caught:
        check_fix(replace(make_fix(), lat=95.0), now=NOW)
    assert caught.value.as_dict()["code"] == "invalid_fix"
