"""The ingest path every position takes, from a real device or a simulated one.

decode (feeds.protocols) → check invariants → store history + latest (one commit) → announce on the
``positions`` topic. Garbage raises InvalidFix before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from enforcement.clock import Clock
from enforcement.errors import AuthError, InvalidInput
from enforcement.model import Fix, Unit
from feeds.bus import Bus
from feeds.protocols import decode_batch, decode_nmea, decode_osmand
from storage.units import UnitRepo

log = logging.getLogger(__name__)


def fix_payload(fix: Fix, unit: Unit) -> dict[str, Any]:
    """A fix as it travels on the bus and reaches screens."""
    return {
        "unit_id": fix.unit_id,
        "court_id": unit.court_id,
        "status": str(unit.status),
        "kind": str(unit.kind),
        "lat": round(fix.lat, 6),
        "lon": round(fix.lon, 6),
        "at": fix.at.isoformat(),
        "speed_kmh": fix.speed_kmh,
        "heading": fix.heading,
        "battery_pct": fix.battery_pct,
    }


class PositionIngest:
    def __init__(self, *, units: UnitRepo, bus: Bus, clock: Clock) -> None:
        self.units, self.bus, self.clock = units, bus, clock
        self.listeners: list[Callable[[Sequence[Fix]], None]] = []  # e.g. the arrival geofence

    def accept(self, unit: Unit, fixes: Sequence[Fix]) -> int:
        """Store, then announce. Returns how many fixes were taken."""
        return self.accept_many({unit.id: unit}, fixes)

    def accept_many(self, units: Mapping[str, Unit], fixes: Sequence[Fix]) -> int:
        """Fixes of several units: one commit and one bus message for the whole batch."""
        self.units.record_fixes(fixes)
        if fixes:
            payloads = [fix_payload(f, units[f.unit_id]) for f in fixes]
            self.bus.publish("positions", {"fixes": payloads})
        for listener in self.listeners:
            try:
                listener(fixes)
            except Exception:  # the fixes are stored; a listener's bug must not refuse them
                log.exception("position listener failed")
        return len(fixes)

    def osmand(self, params: Mapping[str, Any]) -> int:
        """One OsmAnd / Traccar Client request (query, form or JSON body)."""
        device_id, key = _osmand_identity(params)
        unit = self.units.authenticate(device_id, key)
        fixes = decode_osmand(params, received_at=self.clock.now(), datum_of=lambda _: unit.datum)
        return self.accept(unit, [_own(f, unit) for f in fixes])

    def nmea(self, unit_id: str, key: str, text: str) -> int:
        unit = self.units.authenticate(unit_id, key)
        fixes = decode_nmea(text, unit_id=unit_id, received_at=self.clock.now(), datum=unit.datum)
        return self.accept(unit, fixes)

    def json_batch(self, body: Any, key: str) -> int:
        """A JSON batch; every unit in it must be the one the device key belongs to."""
        received_at = self.clock.now()
        fixes = decode_batch(body, received_at=received_at, datum_of=self._datum_of(key))
        units = {f.unit_id: self.units.authenticate(f.unit_id, key) for f in fixes}
        return self.accept_many(units, fixes)

    def _datum_of(self, key: str):  # noqa: ANN202 - Callable[[str], Datum]
        return lambda unit_id: self.units.authenticate(unit_id, key).datum


def _osmand_identity(params: Mapping[str, Any]) -> tuple[str, str]:
    device_id = params.get("id") or params.get("deviceid") or params.get("device_id")
    if not device_id:
        raise InvalidInput("the device id is missing", field="id")
    key = params.get("key") or ""
    if not key:
        raise AuthError("the device key is missing", field="key")
    return str(device_id), str(key)


def _own(fix: Fix, unit: Unit) -> Fix:
    if fix.unit_id != unit.id:
        raise AuthError(f"fix for {fix.unit_id!r} sent with {unit.id!r}'s key", field="id")
    return fix
