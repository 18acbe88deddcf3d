"""Device protocol decoders at the edge: bytes or parsed bodies in, checked WGS-84 fixes out.

Every decoder has the same call (``Decoder.decode``) and does the whole edge job itself:
parse, convert units (knots, m/s → km/h), convert the unit's datum to WGS-84, and run
``enforcement.fixes.check_fix`` with ``now=received_at`` on every fix. What it returns may be
stored as is. A request is all or nothing: the first bad field raises ``InvalidFix`` whose
``field`` names it as sent (``lat``, ``lines[2]``, ``positions[3].lat``). Sentences that merely
say "no fix yet" (NMEA void RMC) are skipped, so an empty list is a valid answer.
``datum_of(unit_id)`` may raise (e.g. ``NotFound`` for an unknown unit); that passes through.

The registry is explicit: ``DECODERS[name]`` with names ``osmand``, ``nmea``, ``json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from enforcement.model import Fix
from feeds.protocols.common import DatumLookup
from feeds.protocols.jsonbatch import JsonBatchDecoder, decode_batch
from feeds.protocols.nmea import NmeaDecoder, decode_nmea
from feeds.protocols.osmand import OsmAndDecoder, decode_osmand, osmand_device_id


class Decoder(Protocol):
    """One device protocol. ``unit_id`` is for protocols whose unit comes from the URL (NMEA)."""

    name: str

    def decode(
        self,
        payload: Any,
        *,
        received_at: datetime,
        datum_of: DatumLookup,
        unit_id: str | None = None,
    ) -> list[Fix]: ...


DECODERS: dict[str, Decoder] = {
    "osmand": OsmAndDecoder(),
    "nmea": NmeaDecoder(),
    "json": JsonBatchDecoder(),
}

__all__ = [
    "DECODERS",
    "DatumLookup",
    "Decoder",
    "decode_batch",
    "decode_nmea",
    "decode_osmand",
    "osmand_device_id",
]
