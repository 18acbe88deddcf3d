"""The invariants every decoded position (Fix) must hold before it is stored.

Decoders call ``check_fix`` with ``now`` set to the server's receive time. A violation raises
``InvalidFix`` whose ``field`` is the Fix attribute at fault (``lat``, ``at``, ``speed_kmh`` ...).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from enforcement.errors import InvalidFix
from enforcement.model import Fix

LAT_LIMIT_DEG = 90.0
LON_LIMIT_DEG = 180.0
MAX_FUTURE_MIN = 10  # device clock ahead of the server
MAX_AGE_DAYS = 30  # older fixes are stale replays, not news
MAX_SPEED_KMH = 300.0
MAX_HEADING_DEG = 360.0
MAX_ACCURACY_M = 10_000.0
MAX_BATTERY_PCT = 100.0

_OPTIONAL_RANGES: tuple[tuple[str, float, float], ...] = (
    ("speed_kmh", 0.0, MAX_SPEED_KMH),
    ("heading", 0.0, MAX_HEADING_DEG),
    ("accuracy_m", 0.0, MAX_ACCURACY_M),
    ("battery_pct", 0.0, MAX_BATTERY_PCT),
)


def check_fix(fix: Fix, *, now: datetime) -> Fix:
    """Return ``fix`` unchanged if it may be stored; otherwise raise InvalidFix naming the field."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(fix.unit_id, str) or not fix.unit_id.strip():
        raise InvalidFix("unit id is missing", field="unit_id")
    _check_position(fix.lat, fix.lon)
    _check_time(fix.at, now)
    for name, low, high in _OPTIONAL_RANGES:
        value = getattr(fix, name)
        if value is not None:
            _check_range(name, value, low, high)
    if fix.altitude_m is not None:
        _check_finite("altitude_m", fix.altitude_m)
    return fix


def _check_finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFix(f"{name} must be a number, got {value!r}", field=name)
    if not math.isfinite(value):
        raise InvalidFix(f"{name} must be finite, got {value!r}", field=name)
    return float(value)


def _check_range(name: str, value: object, low: float, high: float) -> None:
    number = _check_finite(name, value)
    if not low <= number <= high:
        raise InvalidFix(f"{name} {number} is outside [{low:g}, {high:g}]", field=name)


def _check_position(lat: object, lon: object) -> None:
    _check_range("lat", lat, -LAT_LIMIT_DEG, LAT_LIMIT_DEG)
    _check_range("lon", lon, -LON_LIMIT_DEG, LON_LIMIT_DEG)
    if lat == 0 and lon == 0:
        raise InvalidFix("position (0, 0) is a receiver without a fix", field="lat")


def _check_time(at: object, now: datetime) -> None:
    if not isinstance(at, datetime):
        raise InvalidFix(f"fix time must be a datetime, got {at!r}", field="at")
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidFix("fix time has no time zone", field="at")
    if at > now + timedelta(minutes=MAX_FUTURE_MIN):
        raise InvalidFix(
            f"fix time {at.isoformat()} is more than {MAX_FUTURE_MIN} min in the future",
            field="at",
        )
    if at < now - timedelta(days=MAX_AGE_DAYS):
        raise InvalidFix(
            f"fix time {at.isoformat()} is more than {MAX_AGE_DAYS} days old", field="at"
        )
