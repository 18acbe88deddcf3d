"""OsmAnd / Traccar Client protocol (``GET/POST /ingest/osmand``).

Two shapes arrive on the same path, as the Traccar server accepts them:

* query or form parameters: ``id``/``deviceid``, ``lat`` + ``lon`` or ``location=lat,lon``,
  ``timestamp`` (unix s, ms if > 1e12, or ISO 8601; naive means UTC), ``speed`` in KNOTS,
  ``bearing``/``heading``, ``altitude``, ``accuracy``, ``batt`` (percent); ``hdop``, ``charge``,
  ``motion``, ``event``, ``activity`` and ``odometer`` go to ``Fix.extras``; ``key`` (the device
  key) is ignored here, authentication happens before decoding.
* the newer Traccar Client JSON body: ``{"device_id", "location": {"timestamp", "coords":
  {"latitude", "longitude", "accuracy", "speed" (m/s), "heading", "altitude"}, "battery":
  {"level": 0..1, "is_charging"}, "is_moving", "event", "activity": {"type"}, "odometer"}}``;
  ``location`` may also be a list (batch sync). Negative speed/heading/battery mean unknown.

Errors name the field as the device sent it: ``lat``, ``timestamp``, ``location.coords.speed``,
``location[2].timestamp``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from enforcement.errors import InvalidFix
from enforcement.model import Datum, Fix
from feeds.protocols.common import (
    KNOTS_TO_KMH,
    MPS_TO_KMH,
    DatumLookup,
    checked_fix,
    parse_epoch_or_iso,
    parse_iso,
    parse_number,
    parse_optional,
    with_field_prefix,
)

QUERY_EXTRAS = ("hdop", "charge", "motion", "event", "activity", "odometer")
MAX_LOCATIONS = 1000  # per JSON body

Payload = Mapping[str, Any] | str | bytes


def as_params(payload: Payload) -> Mapping[str, Any]:
    """A query/form mapping or a parsed JSON body, from a mapping or a raw request body."""
    if isinstance(payload, Mapping):
        return payload
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    if text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            raise InvalidFix("body is not valid JSON", field="body") from None
        if not isinstance(body, dict):
            raise InvalidFix("body must be a JSON object", field="body")
        return body
    return dict(parse_qsl(text, keep_blank_values=True))


def is_json_body(params: Mapping[str, Any]) -> bool:
    """True for the Traccar Client JSON shape (a ``location`` object or list)."""
    return isinstance(params.get("location"), dict | list)


def osmand_device_id(payload: Payload) -> str:
    """The device id the report claims (for looking up its key before decoding)."""
    params = as_params(payload)
    names = ("device_id",) if is_json_body(params) else ("id", "deviceid")
    field = names[0]
    value = next((params[n] for n in names if params.get(n) not in (None, "")), None)
    if value is None:
        raise InvalidFix(f"device id is missing ({' or '.join(names)})", field=field)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidFix(f"device id must be a text, got {value!r}", field=field)
    return str(value).strip()


def decode_osmand(payload: Payload, *, received_at: datetime, datum_of: DatumLookup) -> list[Fix]:
    """Decode one OsmAnd report (query/form or Traccar Client JSON) into checked WGS-84 fixes."""
    params = as_params(payload)
    unit_id = osmand_device_id(params)
    datum = datum_of(unit_id)
    if is_json_body(params):
        return _decode_json(params, unit_id, received_at, datum)
    return [_decode_query(params, unit_id, received_at, datum)]


class OsmAndDecoder:
    """Registry adapter; ``unit_id`` is ignored because the report carries its own."""

    name = "osmand"

    def decode(
        self,
        payload: Payload,
        *,
        received_at: datetime,
        datum_of: DatumLookup,
        unit_id: str | None = None,
    ) -> list[Fix]:
        return decode_osmand(payload, received_at=received_at, datum_of=datum_of)


# --- query / form ------------------------------------------------------------------------------


def _query_position(params: Mapping[str, Any]) -> tuple[float, float, str, str]:
    """(lat, lon, lat field, lon field) from ``lat``/``lon`` or ``location=lat,lon``."""
    if params.get("lat") in (None, "") and params.get("location") not in (None, ""):
        parts = str(params["location"]).split(",")
        if len(parts) != 2:
            raise InvalidFix("location must be 'lat,lon'", field="location")
        lat = parse_number(parts[0], "location")
        return lat, parse_number(parts[1], "location"), "location", "location"
    lat = parse_number(params.get("lat"), "lat")
    return lat, parse_number(params.get("lon"), "lon"), "lat", "lon"


def _first_present(params: Mapping[str, Any], *names: str) -> tuple[Any, str]:
    for name in names:
        if params.get(name) not in (None, ""):
            return params[name], name
    return None, names[0]


def _decode_query(
    params: Mapping[str, Any], unit_id: str, received_at: datetime, datum: Datum
) -> Fix:
    lat, lon, lat_field, lon_field = _query_position(params)
    if params.get("timestamp") in (None, ""):
        raise InvalidFix("timestamp is missing", field="timestamp")
    knots = parse_optional(params.get("speed"), "speed")
    heading, heading_field = _first_present(params, "bearing", "heading")
    raw = Fix(
        unit_id=unit_id,
        lat=lat,
        lon=lon,
        at=parse_epoch_or_iso(params["timestamp"], "timestamp"),
        received_at=received_at,
        speed_kmh=None if knots is None else knots * KNOTS_TO_KMH,
        heading=parse_optional(heading, heading_field),
        altitude_m=parse_optional(params.get("altitude"), "altitude"),
        accuracy_m=parse_optional(params.get("accuracy"), "accuracy"),
        battery_pct=parse_optional(params.get("batt"), "batt"),
        extras={k: str(params[k]) for k in QUERY_EXTRAS if params.get(k) not in (None, "")},
    )
    wire = {"unit_id": "id", "lat": lat_field, "lon": lon_field, "at": "timestamp",
            "speed_kmh": "speed", "heading": heading_field, "altitude_m": "altitude",
            "accuracy_m": "accuracy", "battery_pct": "batt"}  # fmt: skip
    return _checked(raw, datum, wire)


def _checked(raw: Fix, datum: Datum, wire: Mapping[str, str]) -> Fix:
    """``checked_fix`` with errors renamed from Fix attributes to the names on the wire."""
    try:
        return checked_fix(raw, datum=datum)
    except InvalidFix as exc:
        raise InvalidFix(exc.message, field=wire.get(exc.field or "", exc.field)) from None


# --- Traccar Client JSON -----------------------------------------------------------------------

_JSON_WIRE = {"lat": "coords.latitude", "lon": "coords.longitude", "at": "timestamp",
              "speed_kmh": "coords.speed", "heading": "coords.heading",
              "altitude_m": "coords.altitude", "accuracy_m": "coords.accuracy",
              "battery_pct": "battery.level"}  # fmt: skip


def _decode_json(
    body: Mapping[str, Any], unit_id: str, received_at: datetime, datum: Datum
) -> list[Fix]:
    location = body["location"]
    if isinstance(location, dict):
        return [_decode_location(location, "location", body, unit_id, received_at, datum)]
    if len(location) > MAX_LOCATIONS:
        raise InvalidFix(f"at most {MAX_LOCATIONS} locations per request", field="location")
    return [
        _decode_location(item, f"location[{i}]", body, unit_id, received_at, datum)
        for i, item in enumerate(location)
    ]


def _decode_location(
    location: Any,
    prefix: str,
    body: Mapping[str, Any],
    unit_id: str,
    received_at: datetime,
    datum: Datum,
) -> Fix:
    if not isinstance(location, dict):
        raise InvalidFix("location must be an object", field=prefix)
    try:
        raw = _raw_location(location, body, unit_id, received_at)
        return _checked(raw, datum, {**_JSON_WIRE, "unit_id": "device_id"})
    except InvalidFix as exc:
        if exc.field == "device_id":
            raise
        raise with_field_prefix(exc, prefix) from None


def _raw_location(
    location: Mapping[str, Any], body: Mapping[str, Any], unit_id: str, received_at: datetime
) -> Fix:
    coords = location.get("coords")
    if not isinstance(coords, dict):
        raise InvalidFix("coords is missing", field="coords")
    if location.get("timestamp") in (None, ""):
        raise InvalidFix("timestamp is missing", field="timestamp")
    speed_mps = _known(parse_optional(coords.get("speed"), "coords.speed"))
    battery = location.get("battery", body.get("battery"))
    level = battery.get("level") if isinstance(battery, dict) else None
    battery_frac = _known(parse_optional(level, "battery.level"))
    return Fix(
        unit_id=unit_id,
        lat=parse_number(coords.get("latitude"), "coords.latitude"),
        lon=parse_number(coords.get("longitude"), "coords.longitude"),
        at=parse_iso(location["timestamp"], "timestamp", naive_is_utc=True),
        received_at=received_at,
        speed_kmh=None if speed_mps is None else speed_mps * MPS_TO_KMH,
        heading=_known(parse_optional(coords.get("heading"), "coords.heading")),
        altitude_m=parse_optional(coords.get("altitude"), "coords.altitude"),
        accuracy_m=parse_optional(coords.get("accuracy"), "coords.accuracy"),
        battery_pct=None if battery_frac is None else battery_frac * 100.0,
        extras=_json_extras(location, battery),
    )


def _known(value: float | None) -> float | None:
    """The transistorsoft convention: -1 (any negative) means 'not measured'."""
    return None if value is None or value < 0 else value


def _json_extras(location: Mapping[str, Any], battery: Any) -> dict[str, str]:
    activity = location.get("activity")
    found = {
        "motion": location.get("is_moving"),
        "event": location.get("event"),
        "odometer": location.get("odometer"),
        "activity": activity.get("type") if isinstance(activity, dict) else None,
        "charge": battery.get("is_charging") if isinstance(battery, dict) else None,
    }
    return {k: _text(v) for k, v in found.items() if v is not None}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
