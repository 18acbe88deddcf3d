"""NMEA 0183 text (``POST /ingest/nmea/{unit_id}``): RMC and GGA sentences, any talker (GP, GN, BD).

Every line must carry a valid checksum; a bad line rejects the whole body (InvalidFix with
``field="lines[i]"``, 0-based over non-blank lines). Other sentence types are ignored. RMC with
status V (void) or mode N, and GGA with quality 0, are skipped: a receiver without a fix.
RMC and GGA of the same epoch (time of day) merge into one Fix: RMC gives the date, speed
(knots → km/h) and course; GGA gives altitude and, in ``extras``, ``hdop`` and ``satellites``.
A GGA-only epoch takes the UTC date that puts it closest to ``received_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pynmea2

from enforcement.errors import InvalidFix
from enforcement.model import Datum, Fix
from feeds.protocols.common import KNOTS_TO_KMH, DatumLookup, checked_fix, with_field_prefix

MAX_LINES = 5000  # per request
MAX_LINE_CHARS = 120  # NMEA says 82; leave room for proprietary talkers

Payload = str | bytes


@dataclass
class _Epoch:
    """The sentences of one fix epoch, keyed by time of day."""

    line: int
    rmc: Any = None
    gga: Any = None
    extras: dict[str, str] = field(default_factory=dict)


def decode_nmea(
    payload: Payload, *, unit_id: str, received_at: datetime, datum: Datum
) -> list[Fix]:
    """Decode NMEA text for ``unit_id`` into checked WGS-84 fixes, in the order received."""
    epochs: dict[time, _Epoch] = {}
    for index, sentence in enumerate(_sentences(payload)):
        _collect(epochs, index, sentence)
    fixes = []
    for epoch in epochs.values():
        raw = _epoch_fix(epoch, unit_id, received_at)
        if raw is None:
            continue
        try:
            fixes.append(checked_fix(raw, datum=datum))
        except InvalidFix as exc:
            raise with_field_prefix(exc, f"lines[{epoch.line}]") from None
    return fixes


class NmeaDecoder:
    """Registry adapter; ``unit_id`` is required (it comes from the URL, not the sentences)."""

    name = "nmea"

    def decode(
        self,
        payload: Payload,
        *,
        received_at: datetime,
        datum_of: DatumLookup,
        unit_id: str | None = None,
    ) -> list[Fix]:
        if not unit_id:
            raise InvalidFix("NMEA needs the unit id from the URL", field="unit_id")
        return decode_nmea(
            payload, unit_id=unit_id, received_at=received_at, datum=datum_of(unit_id)
        )


def _lines(payload: Payload) -> list[str]:
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidFix("NMEA text must be ASCII", field="body") from None
    lines = [line.strip() for line in payload.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise InvalidFix(f"at most {MAX_LINES} lines per request", field="body")
    return lines


def _sentences(payload: Payload) -> list[pynmea2.NMEASentence]:
    """Parse every line, strictly: a missing or wrong checksum is an error."""
    parsed = []
    for index, line in enumerate(_lines(payload)):
        if len(line) > MAX_LINE_CHARS:
            raise InvalidFix(f"line is longer than {MAX_LINE_CHARS}", field=f"lines[{index}]")
        try:
            parsed.append(pynmea2.parse(line, check=True))
        except pynmea2.ChecksumError:
            raise InvalidFix(f"bad checksum: {line!r}", field=f"lines[{index}]") from None
        except pynmea2.ParseError as exc:
            raise InvalidFix(f"not NMEA: {exc.args[0]}", field=f"lines[{index}]") from None
    return parsed


def _collect(epochs: dict[time, _Epoch], index: int, sentence: Any) -> None:
    """File a usable RMC or GGA under its epoch; ignore everything else."""
    if isinstance(sentence, pynmea2.RMC) and _rmc_valid(sentence):
        epochs.setdefault(sentence.timestamp, _Epoch(index)).rmc = sentence
    elif isinstance(sentence, pynmea2.GGA) and _gga_valid(sentence):
        epoch = epochs.setdefault(sentence.timestamp, _Epoch(index))
        epoch.gga = sentence
        epoch.extras.update(_gga_extras(sentence))


def _has_position(sentence: Any) -> bool:
    return bool(sentence.lat and sentence.lon and sentence.timestamp)


def _rmc_valid(rmc: Any) -> bool:
    mode = getattr(rmc, "mode_indicator", None) or ""
    return rmc.status == "A" and mode != "N" and _has_position(rmc) and rmc.datestamp is not None


def _gga_valid(gga: Any) -> bool:
    return _quality(gga) > 0 and _has_position(gga)


def _quality(gga: Any) -> int:
    try:
        return int(gga.gps_qual or 0)
    except (TypeError, ValueError):
        return 0


def _gga_extras(gga: Any) -> dict[str, str]:
    extras = {}
    if gga.horizontal_dil:
        extras["hdop"] = _number_text(gga.horizontal_dil, float)
    if gga.num_sats:
        extras["satellites"] = _number_text(gga.num_sats, int)
    return extras


def _number_text(value: str, kind: type[float] | type[int]) -> str:
    """Normalise '08' to '8' and '0.90' to '0.9'; keep odd text as sent."""
    try:
        return str(kind(value))
    except ValueError:
        return value


def _epoch_fix(epoch: _Epoch, unit_id: str, received_at: datetime) -> Fix | None:
    source = epoch.rmc or epoch.gga
    if source is None:
        return None
    at = _instant(epoch, received_at)
    rmc, gga = epoch.rmc, epoch.gga
    return Fix(
        unit_id=unit_id,
        lat=float(source.latitude),
        lon=float(source.longitude),
        at=at,
        received_at=received_at,
        speed_kmh=_optional(rmc, "spd_over_grnd", KNOTS_TO_KMH),
        heading=_optional(rmc, "true_course", 1.0),
        altitude_m=_optional(gga, "altitude", 1.0),
        extras=dict(epoch.extras),
    )


def _optional(sentence: Any, attr: str, scale: float) -> float | None:
    value = getattr(sentence, attr, None) if sentence is not None else None
    return None if value in (None, "") else float(value) * scale


def _instant(epoch: _Epoch, received_at: datetime) -> datetime:
    """RMC's own date and time, or GGA's time on the UTC date closest to ``received_at``."""
    if epoch.rmc is not None:
        return datetime.combine(epoch.rmc.datestamp, epoch.rmc.timestamp)
    day = received_at.astimezone(epoch.gga.timestamp.tzinfo).date()
    candidates = [_on(day + timedelta(days=d), epoch.gga.timestamp) for d in (-1, 0, 1)]
    return min(candidates, key=lambda at: abs(at - received_at))


def _on(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment)
