"""The admin desk: accounts and credentials (users, device keys, kiosk tokens), for the command
line and the admin API alike. Each change is stored, announced where other processes cache it,
then written to the audit log."""

from __future__ import annotations

import secrets
from datetime import timedelta

from enforcement.clock import Clock
from enforcement.errors import InvalidInput
from enforcement.model import Unit
from feeds.bus import Bus
from storage.audit import Actor, AuditLog
from storage.kiosks import IssuedKiosk, Kiosk, KioskRepo
from storage.units import UnitRepo
from storage.users import UserRepo

MAX_GRACE = timedelta(days=7)

Who = str | Actor | None  # None: whoever the request context names


class AdminDesk:
    def __init__(self, *, users: UserRepo, units: UnitRepo, kiosks: KioskRepo, bus: Bus,
                 clock: Clock, audit: AuditLog, courts: frozenset[str]) -> None:
        self.users, self.units, self.kiosks = users, units, kiosks
        self.bus, self.clock, self.audit, self.courts = bus, clock, audit, courts

    def add_user(self, username: str, password: str, role: str, *, court_id: str | None,
                 actor: Who) -> int:
        self._court(court_id, required=False)
        user_id = self.users.add(username, password, role, court_id=court_id, now=self.clock.now())
        self.audit.record("user.add", username, actor=actor,
                          detail={"role": role, "court_id": court_id, "user_id": user_id})
        return user_id

    def revoke_tokens(self, username: str, *, actor: Who) -> int:
        """Every live token of the user stops working (pages and API alike)."""
        count = self.users.revoke_all(username, now=self.clock.now())
        self.audit.record("token.revoke_all", username, actor=actor, detail={"revoked": count})
        return count

    def add_unit(self, unit: Unit, *, actor: Who) -> str:
        self._court(unit.court_id, required=True)
        key = self.units.add(unit)
        self.audit.record("unit.add", unit.id, actor=actor, detail={
            "court_id": unit.court_id, "kind": str(unit.kind), "datum": str(unit.datum),
            "device_key": "issued"})
        return key

    def rotate_key(self, unit_id: str, *, grace: timedelta = timedelta(0), actor: Who) -> str:
        """A new device key; the old one stops at once (or after ``grace``), in every process:
        the ``units`` topic tells the others to drop their cached key."""
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise InvalidInput("the grace period is 0 s to 7 days", field="grace_s")
        unit = self.units.get(unit_id)
        key = self.units.rotate_key(unit_id, grace=grace)
        self.bus.publish("units", {"unit_id": unit.id, "court_id": unit.court_id,
                                   "status": str(unit.status), "event": "key_rotated"})
        self.audit.record("unit.key_rotate", unit_id, actor=actor, detail={
            "court_id": unit.court_id, "grace_s": int(grace.total_seconds())})
        return key

    def issue_kiosk(self, *, court_id: str, name: str | None, days: int,
                    actor: Who) -> IssuedKiosk:
        """A kiosk token for a wall display of ``court_id`` (named ``wall-<court>-<hex>`` unless
        given a name), valid ``days`` days."""
        self._court(court_id, required=True)
        name = name or f"wall-{court_id}-{secrets.token_hex(2)}"
        issued = self.kiosks.issue(name, court_id=court_id, days=days, now=self.clock.now())
        self.audit.record("kiosk.issue", issued.kiosk.name, actor=actor, detail={
            "kiosk_id": issued.kiosk.id, "court_id": court_id, "days": days,
            "expires_at": issued.kiosk.expires_at.isoformat()})
        return issued

    def revoke_kiosk(self, kiosk_id: int, *, actor: Who) -> Kiosk:
        kiosk = self.kiosks.revoke(kiosk_id, now=self.clock.now())
        self.audit.record("kiosk.revoke", kiosk.name, actor=actor,
                          detail={"kiosk_id": kiosk.id, "court_id": kiosk.court_id})
        return kiosk

    def _court(self, court_id: str | None, *, required: bool) -> None:
        if court_id is None and not required:
            return
        if court_id not in self.courts:
            raise InvalidInput(f"no such court {court_id!r}", field="court_id")
