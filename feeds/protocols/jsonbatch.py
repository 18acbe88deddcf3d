"""The JSON position batch of ``POST /api/v1/positions``.

A list ``[{"unit_id", "lat", "lon", "at", "speed_kmh", "heading", "accuracy_m"}]`` or
``{"positions": [...]}``, at most 1000 items; optional ``altitude_m`` and ``battery_pct`` too.
``at`` is ISO 8601 with an offset (a naive time is refused: UTC or Shanghai would be a guess);
numbers must be JSON numbers. Each unit's datum comes from ``datum_of``. The batch is all or
nothing: the first bad item raises InvalidFix with ``field="positions[3].lat"`` (0-based).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from enforcement.errors import InvalidFix
from enforcement.model import Fix
from feeds.protocols.common import (
    DatumLookup,
    checked_fix,
    parse_iso,
    parse_optional,
    with_field_prefix,
)

MAX_BATCH = 1000
OPTIONAL_FIELDS = ("speed_kmh", "heading", "accuracy_m", "altitude_m", "battery_pct")

Payload = list[Any] | Mapping[str, Any] | str | bytes


def decode_batch(payload: Payload, *, received_at: datetime, datum_of: DatumLookup) -> list[Fix]:
    """Decode a batch into checked WGS-84 fixes, in input order; each carries its unit id."""
    items = _items(payload)
    return [_decode_item(item, i, received_at, datum_of) for i, item in enumerate(items)]


class JsonBatchDecoder:
    """Registry adapter; ``unit_id`` is ignored because each item names its unit."""

    name = "json"

    def decode(
        self,
        payload: Payload,
        *,
        received_at: datetime,
        datum_of: DatumLookup,
        unit_id: str | None = None,
    ) -> list[Fix]:
        return decode_batch(payload, received_at=received_at, datum_of=datum_of)


def _items(payload: Payload) -> list[Any]:
    if isinstance(payload, str | bytes):
        try:
            payload = json.loads(payload)
        except ValueError:
            raise InvalidFix("body is not valid JSON", field="body") from None
    if isinstance(payload, Mapping):
        payload = payload.get("positions")
    if not isinstance(payload, list):
        raise InvalidFix("expected a list of positions", field="positions")
    if len(payload) > MAX_BATCH:
        raise InvalidFix(f"at most {MAX_BATCH} positions per request", field="positions")
    return payload


def _decode_item(item: Any, index: int, received_at: datetime, datum_of: DatumLookup) -> Fix:
    prefix = f"positions[{index}]"
    if not isinstance(item, Mapping):
        raise InvalidFix("each position must be an object", field=prefix)
    try:
        unit_id = _unit_id(item.get("unit_id"))
        raw = Fix(
            unit_id=unit_id,
            lat=_required_number(item, "lat"),
            lon=_required_number(item, "lon"),
            at=parse_iso(item.get("at"), "at", naive_is_utc=False),
            received_at=received_at,
            **{name: _optional_number(item, name) for name in OPTIONAL_FIELDS},
        )
        return checked_fix(raw, datum=datum_of(unit_id))
    except InvalidFix as exc:
        raise with_field_prefix(exc, prefix) from None


def _unit_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidFix(f"unit_id must be a non-empty text, got {value!r}", field="unit_id")
    return value.strip()


def _is_json_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _required_number(item: Mapping[str, Any], name: str) -> float:
    value = item.get(name)
    if value is None:
        raise InvalidFix(f"{name} is missing", field=name)
    return _optional_number(item, name)  # type: ignore[return-value]


def _optional_number(item: Mapping[str, Any], name: str) -> float | None:
    value = item.get(name)
    if value is not None and not _is_json_number(value):
        raise InvalidFix(f"{name} must be a JSON number, got {value!r}", field=name)
    return parse_optional(value, name)
