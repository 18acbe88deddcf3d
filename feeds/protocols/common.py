"""Helpers shared by the protocol decoders: number and time parsing, building checked fixes."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from enforcement.errors import InvalidFix
from enforcement.fixes import check_fix
from enforcement.geo import to_wgs84
from enforcement.model import Datum, Fix

DatumLookup = Callable[[str], Datum]  # unit id -> the datum its device reports in

KNOTS_TO_KMH = 1.852
MPS_TO_KMH = 3.6
_EPOCH_MS_THRESHOLD = 1e12  # numbers above this are epoch milliseconds


def parse_number(value: Any, field: str) -> float:
    """A float from a JSON number or a query-string text; InvalidFix naming ``field`` if not."""
    if isinstance(value, bool) or value is None:
        raise InvalidFix(f"{field} must be a number, got {value!r}", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidFix(f"{field} must be a number, got {value!r}", field=field) from None
    if not math.isfinite(number):
        raise InvalidFix(f"{field} must be finite, got {value!r}", field=field)
    return number


def parse_optional(value: Any, field: str) -> float | None:
    """Like ``parse_number``, but absent or empty means None."""
    if value is None or value == "":
        return None
    return parse_number(value, field)


def parse_iso(text: Any, field: str, *, naive_is_utc: bool) -> datetime:
    """An ISO 8601 instant as aware UTC; a naive one is UTC only when ``naive_is_utc``."""
    if not isinstance(text, str):
        raise InvalidFix(f"{field} must be an ISO 8601 text, got {text!r}", field=field)
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidFix(f"{field} is not an ISO 8601 instant: {text!r}", field=field) from None
    if at.tzinfo is None:
        if not naive_is_utc:
            raise InvalidFix(f"{field} needs a UTC offset, e.g. Z or +08:00", field=field)
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def parse_epoch_or_iso(value: Any, field: str) -> datetime:
    """Unix seconds, milliseconds (> 1e12), or ISO 8601 (naive means UTC, as Traccar reads it)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return parse_iso(value, field, naive_is_utc=True)
    if not math.isfinite(seconds):
        raise InvalidFix(f"{field} must be finite, got {value!r}", field=field)
    if seconds > _EPOCH_MS_THRESHOLD:
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidFix(f"{field} is out of range: {value!r}", field=field) from None


def with_field_prefix(exc: InvalidFix, prefix: str) -> InvalidFix:
    """The same error with its field named inside a container, e.g. ``positions[3].lat``."""
    field = f"{prefix}.{exc.field}" if exc.field else prefix
    return InvalidFix(exc.message, field=field)


def checked_fix(raw: Fix, *, datum: Datum) -> Fix:
    """Check ``raw`` as reported, convert it to WGS-84, and check the result again.

    Checking before conversion catches (0, 0) and out-of-range garbage that a datum shift
    would otherwise move somewhere plausible.
    """
    check_fix(raw, now=raw.received_at)
    if datum is Datum.WGS84:
        return raw
    lat, lon = to_wgs84(raw.lat, raw.lon, datum)
    return check_fix(replace(raw, lat=lat, lon=lon), now=raw.received_at)
