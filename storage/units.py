"""Field units (单兵): device keys, status, the latest fix per unit and the track history."""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from enforcement.clock import Clock, SimClock
from enforcement.credentials import digest, new_secret
from enforcement.errors import AuthError, Conflict, NotFound
from enforcement.model import Datum, Fix, Unit, UnitKind, UnitStatus
from enforcement.units import check_transition
from storage.schema import latest_positions, positions, units
from storage.times import aware
from storage.upsert import insert_for

KEY_CACHE_S = 10.0  # longest a key rotated by another process without a shared bus stays valid
FIX_COLUMNS = ("lat", "lon", "at", "received_at", "speed_kmh", "heading", "accuracy_m",
               "battery_pct")


@dataclass(frozen=True, slots=True)
class UnitView:
    """A unit with its last fix, as screens and the dispatcher see it."""

    unit: Unit
    last_fix: Fix | None


@dataclass(frozen=True, slots=True)
class _Keys:
    """A unit's accepted key digests as cached: the current one, and a rotated-out one with its
    grace period; ``loaded`` (monotonic seconds) bounds how stale the cache may get."""

    unit: Unit
    current: str
    previous: str | None
    previous_until: datetime | None
    loaded: float

    def accepts(self, key_hash: str, now: datetime) -> bool:
        if hmac.compare_digest(key_hash, self.current):
            return True
        return (self.previous is not None and self.previous_until is not None
                and now < self.previous_until and hmac.compare_digest(key_hash, self.previous))


class UnitRepo:
    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SimClock()
        self._key_cache: dict[str, _Keys] = {}

    def add(self, unit: Unit, *, device_key: str | None = None) -> str:
        """Register a unit; returns its device key (shown once, stored only as a digest)."""
        key = device_key or new_secret()
        row = {
            "id": unit.id, "court_id": unit.court_id, "kind": str(unit.kind),
            "officer_id": unit.officer_id, "datum": str(unit.datum),
            "status": str(unit.status), "device_key_hash": digest(key),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(units.insert().values(row))
        except IntegrityError as exc:
            raise Conflict(f"unit {unit.id!r} exists or its court is unknown", field="unit_id") from exc
        return key

    def authenticate(self, unit_id: str, key: str) -> Unit:
        """The unit whose device key this is; AuthError otherwise. Cached for ``KEY_CACHE_S``
        (ingest is hot); a rotation in this process, or announced on the bus, drops it at once."""
        key_hash, now = digest(key or ""), self.clock.now()
        cached = self._key_cache.get(unit_id)
        if cached is not None and time.monotonic() - cached.loaded <= KEY_CACHE_S and \
                cached.accepts(key_hash, now):
            return cached.unit
        fresh = self._key_cache[unit_id] = self._load_key(unit_id)  # a new key works at once
        if not key or not fresh.accepts(key_hash, now):
            raise AuthError(f"wrong device key for unit {unit_id!r}", field="key")
        return fresh.unit

    def forget(self, unit_id: str) -> None:
        """Drop a unit from the key cache (its status or key changed, maybe in another process)."""
        self._key_cache.pop(unit_id, None)

    def _load_key(self, unit_id: str) -> _Keys:
        with self.engine.connect() as conn:
            row = conn.execute(select(units).where(units.c.id == unit_id)).mappings().first()
        if row is None:
            raise AuthError(f"unknown unit {unit_id!r}", field="id")
        until = row["previous_key_until"]
        return _Keys(unit=_unit(row), current=row["device_key_hash"],
                     previous=row["previous_key_hash"], previous_until=aware(until) if until else None,
                     loaded=time.monotonic())

    def rotate_key(self, unit_id: str, *, grace: timedelta = timedelta(0)) -> str:
        """A new device key for the unit (returned once). The old key stops working at once, or
        at the end of ``grace`` so a device can be reconfigured without a gap."""
        key = new_secret()
        with self.engine.begin() as conn:
            row = conn.execute(select(units.c.device_key_hash).where(units.c.id == unit_id)
                               .with_for_update()).first()
            if row is None:
                raise NotFound(f"no unit {unit_id!r}", field="unit_id")
            kept = grace > timedelta(0)
            conn.execute(update(units).where(units.c.id == unit_id).values(
                device_key_hash=digest(key),
                previous_key_hash=row.device_key_hash if kept else None,
                previous_key_until=self.clock.now() + grace if kept else None))
        self.forget(unit_id)
        return key

    def get(self, unit_id: str) -> Unit:
        with self.engine.connect() as conn:
            row = conn.execute(select(units).where(units.c.id == unit_id)).mappings().first()
        if row is None:
            raise NotFound(f"no unit {unit_id!r}", field="unit_id")
        return _unit(row)

    def set_status(self, unit_id: str, status: UnitStatus, *, at: datetime) -> Unit:
        """Move a unit along its lifecycle; 409 (Conflict) on a forbidden transition."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(units).where(units.c.id == unit_id).with_for_update()
            ).mappings().first()
            if row is None:
                raise NotFound(f"no unit {unit_id!r}", field="unit_id")
            check_transition(UnitStatus(row["status"]), status)
            conn.execute(
                update(units).where(units.c.id == unit_id)
                .values(status=str(status), status_changed_at=at)
            )
        self.forget(unit_id)
        return _unit(dict(row) | {"status": str(status)})

    def record_fixes(self, fixes: Sequence[Fix]) -> None:
        """Append fixes to the history and move each unit's latest fix forward, in one commit."""
        if not fixes:
            return
        history = [_fix_row(f) | {"altitude_m": f.altitude_m} for f in fixes]
        latest = _latest_rows(fixes)
        with self.engine.begin() as conn:
            conn.execute(positions.insert(), history)
            statement = insert_for(conn, latest_positions)
            statement = statement.on_conflict_do_update(
                index_elements=[latest_positions.c.unit_id],
                set_={c: statement.excluded[c] for c in FIX_COLUMNS},
                where=latest_positions.c.at <= statement.excluded.at,
            )
            conn.execute(statement, latest)

    def views(self, court_ids: Sequence[str] | None = None) -> list[UnitView]:
        query = select(units, *[latest_positions.c[c] for c in FIX_COLUMNS]).outerjoin(
            latest_positions, latest_positions.c.unit_id == units.c.id
        ).order_by(units.c.id)
        if court_ids is not None:
            query = query.where(units.c.court_id.in_(court_ids))
        with self.engine.connect() as conn:
            return [_view(r) for r in conn.execute(query).mappings()]

    def track(self, unit_id: str, *, since: datetime, until: datetime) -> list[Fix]:
        query = (
            select(positions)
            .where(positions.c.unit_id == unit_id, positions.c.at >= since, positions.c.at <= until)
            .order_by(positions.c.at)
        )
        with self.engine.connect() as conn:
            return [_fix(r) for r in conn.execute(query).mappings()]

    def count_positions(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(positions)).scalar_one()


def _fix_row(fix: Fix) -> dict:
    return {"unit_id": fix.unit_id} | {c: getattr(fix, c) for c in FIX_COLUMNS}


def _latest_rows(fixes: Sequence[Fix]) -> list[dict]:
    newest: dict[str, Fix] = {}
    for fix in fixes:
        known = newest.get(fix.unit_id)
        if known is None or fix.at >= known.at:
            newest[fix.unit_id] = fix
    return [_fix_row(f) for f in newest.values()]


def _unit(row) -> Unit:  # noqa: ANN001 - a row mapping
    return Unit(
        id=row["id"], court_id=row["court_id"], kind=UnitKind(row["kind"]),
        officer_id=row["officer_id"], datum=Datum(row["datum"]), status=UnitStatus(row["status"]),
    )


def _fix(row) -> Fix:  # noqa: ANN001
    return Fix(
        unit_id=row["unit_id"], lat=row["lat"], lon=row["lon"], at=aware(row["at"]),
        received_at=aware(row["received_at"]), speed_kmh=row["speed_kmh"], heading=row["heading"],
        altitude_m=row.get("altitude_m"), accuracy_m=row["accuracy_m"],
        battery_pct=row["battery_pct"],
    )


def _view(row) -> UnitView:  # noqa: ANN001
    last = _fix(dict(row) | {"unit_id": row["id"]}) if row["at"] is not None else None
    return UnitView(unit=_unit(row), last_fix=last)
