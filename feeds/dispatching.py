"""The dispatch desk (调度): send the right unit, tell its device, watch it arrive within the SLA.

Every step is committed with the unit's status before it is announced on the ``dispatches`` topic;
the relay turns an assignment into an ``instruction`` on the unit's device. Arrival is detected from
the unit's own fixes by a geofence around the target, or reported by the officer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from enforcement.city import City
from enforcement.clock import Clock
from enforcement.dispatch import Candidate, Fleet, Ranking, rank
from enforcement.dispatches import (
    ARRIVAL_RADIUS_M,
    MEASURE_LABELS,
    TARGET_KINDS,
    Dispatch,
    DispatchStatus,
    SlaState,
    move,
    parse_outcome,
    sla_state_at,
)
from enforcement.errors import Conflict, Forbidden, InvalidInput
from enforcement.geo import district_of, haversine_km
from enforcement.model import Fix, UnitStatus
from feeds.bus import Bus, Event
from storage.audit import AuditLog, Silent
from storage.dispatches import DispatchRepo
from storage.units import UnitRepo

log = logging.getLogger(__name__)

UNIT_STATUS_AFTER = {DispatchStatus.ASSIGNED: UnitStatus.DISPATCHED,
                     DispatchStatus.ACKNOWLEDGED: UnitStatus.EN_ROUTE,
                     DispatchStatus.ARRIVED: UnitStatus.ON_SCENE,
                     DispatchStatus.COMPLETED: UnitStatus.AVAILABLE,
                     DispatchStatus.CANCELLED: UnitStatus.AVAILABLE}
SLA_LEVEL = {SlaState.WARNED: "due", SlaState.BREACHED: "overdue"}  # as alert levels
AUDITED_AS = {"assigned": "dispatch.assign", "acknowledged": "dispatch.ack",
              "arrived": "dispatch.arrive", "completed": "dispatch.outcome",
              "cancelled": "dispatch.cancel"}


def dispatch_json(dispatch: Dispatch) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": dispatch.id, "unit_id": dispatch.unit_id, "court_id": dispatch.court_id,
        "target": {"kind": dispatch.target_kind, "ref": dispatch.target_ref, "lat": dispatch.lat,
                   "lon": dispatch.lon, "note": dispatch.note},
        "status": str(dispatch.status), "band": dispatch.band, "sla_min": dispatch.sla_min,
        "sla_state": str(dispatch.sla_state), "eta_min": round(dispatch.eta_min, 1),
        "distance_km": round(dispatch.distance_km, 2), "created_by": dispatch.created_by,
        "created_at": iso(dispatch.created_at), "due_at": iso(dispatch.due_at),
        "acknowledged_at": iso(dispatch.acknowledged_at), "arrived_at": iso(dispatch.arrived_at),
        "completed_at": iso(dispatch.completed_at), "outcome": dispatch.outcome,
    }


def _number(payload: Mapping[str, Any], name: str, low: float, high: float) -> float:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(f"{name} must be a number between {low} and {high}", field=name)
    return float(value)


class DispatchDesk:
    def __init__(self, *, repo: DispatchRepo, units: UnitRepo, bus: Bus, clock: Clock, city: City,
                 stale_after_s: int, offline_after_s: int,
                 audit: AuditLog | Silent | None = None) -> None:
        self.repo, self.units, self.bus, self.clock, self.city = repo, units, bus, clock, city
        self.audit = audit or Silent()
        self.stale_after_s, self.offline_after_s = stale_after_s, offline_after_s
        self._active: dict[str, Dispatch] = {}  # unit → its dispatch on the way (for the geofence)
        self._lock = threading.RLock()

    # ---- who is nearest -----------------------------------------------------------------------

    def nearest(self, lat: float, lon: float, *, k: int, court_ids: Sequence[str],
                only: str | None = None) -> Ranking:
        """Free units ranked by ETA, with the SLA band that applies and the closer units skipped."""
        candidates = [
            Candidate(unit_id=v.unit.id, court_id=v.unit.court_id, kind=v.unit.kind,
                      status=v.unit.status, lat=v.last_fix.lat if v.last_fix else None,
                      lon=v.last_fix.lon if v.last_fix else None,
                      last_fix_at=v.last_fix.at if v.last_fix else None)
            for v in self.units.views(list(court_ids)) if only in (None, v.unit.id)
        ]
        return rank(Fleet.from_candidates(candidates), lat=lat, lon=lon, now=self.clock.now(), k=k,
                    district_of_court={c.id: c.district for c in self.city.courts},
                    target_district=district_of(lat, lon, self.city.districts),
                    stale_after_s=self.stale_after_s, offline_after_s=self.offline_after_s)

    # ---- the lifecycle ------------------------------------------------------------------------

    def assign(self, payload: Mapping[str, Any], *, actor: str,
               court_ids: Sequence[str]) -> Dispatch:
        if not isinstance(payload, Mapping):
            raise InvalidInput("send the dispatch as a JSON object", field="body")
        unit_id = payload.get("unit_id")
        if not isinstance(unit_id, str) or not unit_id:
            raise InvalidInput("unit_id is required", field="unit_id")
        target = self._target(payload.get("target"))
        unit = self.units.get(unit_id)
        if unit.court_id not in court_ids:
            raise Forbidden("this unit is outside your scope", field="unit_id")
        assessed = self._assess(unit_id, target["lat"], target["lon"], court_ids)
        dispatch = Dispatch(
            id=None, unit_id=unit_id, court_id=unit.court_id, target_kind=target["kind"],
            target_ref=target["ref"], lat=target["lat"], lon=target["lon"], note=target["note"],
            created_by=actor, created_at=self.clock.now(), band=str(assessed.band),
            sla_min=assessed.sla_min, eta_min=assessed.eta_min, distance_km=assessed.distance_km,
        )
        return self._commit(dispatch, "assigned", actor=actor)

    def _target(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise InvalidInput("target is {kind, ref, lat, lon, note}", field="target")
        kind = raw.get("kind", "incident")
        if kind not in TARGET_KINDS:
            raise InvalidInput(f"target.kind is one of {', '.join(TARGET_KINDS)}", field="target.kind")
        ref, note = raw.get("ref", ""), raw.get("note", "")
        if not isinstance(ref, str) or len(ref) > 64 or not isinstance(note, str) or len(note) > 500:
            raise InvalidInput("target.ref (≤64) and target.note (≤500) are texts", field="target")
        try:
            lat, lon = _number(raw, "lat", -90, 90), _number(raw, "lon", -180, 180)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"target.{exc.field}") from None
        return {"kind": kind, "ref": ref.strip(), "note": note.strip(), "lat": lat, "lon": lon}

    def _assess(self, unit_id: str, lat: float, lon: float, court_ids: Sequence[str]):  # noqa: ANN202
        ranking = self.nearest(lat, lon, k=1, court_ids=court_ids, only=unit_id)
        for found in [*ranking.ranked, *ranking.skipped]:
            if found.unit_id == unit_id:
                if found.skipped_because is not None:
                    raise Conflict(f"unit {unit_id} is {found.skipped_because}", field="unit_id")
                return found
        raise Conflict(f"unit {unit_id} has no usable position", field="unit_id")

    def acknowledge(self, dispatch_id: int, *, unit_id: str | None = None,
                    actor: str | None = None) -> Dispatch:
        return self._step(dispatch_id, DispatchStatus.ACKNOWLEDGED, unit_id=unit_id,
                          actor=actor or _unit_actor(unit_id))

    def arrive(self, dispatch_id: int, *, unit_id: str | None = None, source: str = "reported",
               at: datetime | None = None, actor: str | None = None) -> Dispatch:
        who = "system" if source == "geofence" else actor or _unit_actor(unit_id)
        return self._step(dispatch_id, DispatchStatus.ARRIVED, unit_id=unit_id, at=at,
                          extra={"arrival": source}, actor=who)

    def complete(self, dispatch_id: int, payload: Any, *, actor: str) -> Dispatch:
        outcome = parse_outcome(payload) | {"reported_by": actor}
        return self._step(dispatch_id, DispatchStatus.COMPLETED, extra=outcome, actor=actor)

    def cancel(self, dispatch_id: int, *, reason: str, actor: str) -> Dispatch:
        if not reason.strip():
            raise InvalidInput("cancelling needs a reason", field="reason")
        return self._step(dispatch_id, DispatchStatus.CANCELLED, actor=actor,
                          extra={"cancelled_by": actor, "reason": reason.strip()})

    def _step(self, dispatch_id: int, status: DispatchStatus, *, unit_id: str | None = None,
              at: datetime | None = None, extra: dict[str, Any] | None = None,
              actor: str | None = None) -> Dispatch:
        with self._lock:
            current = self.repo.get(dispatch_id)
            if unit_id is not None and current.unit_id != unit_id:
                raise Forbidden(f"dispatch {dispatch_id} is not for unit {unit_id}", field="unit_id")
            moved = move(current, status, at or self.clock.now())
            if extra:
                moved = replace(moved, outcome={**moved.outcome, **extra})
            return self._commit(moved, str(status), actor=actor)

    def _commit(self, dispatch: Dispatch, event: str, *, actor: str | None) -> Dispatch:
        saved = self.repo.save(dispatch, unit_status=UNIT_STATUS_AFTER[dispatch.status])
        self._track(saved)
        self.bus.publish("dispatches", dispatch_json(saved) | {"event": event})
        self.bus.publish("units", {"unit_id": saved.unit_id, "court_id": saved.court_id,
                                   "status": str(UNIT_STATUS_AFTER[saved.status])})
        self._announce_sla(saved)
        self.audit.record(AUDITED_AS[event], str(saved.id), actor=actor, detail=_facts(saved))
        return saved

    def _track(self, dispatch: Dispatch) -> None:
        with self._lock:
            if dispatch.active:
                self._active[dispatch.unit_id] = dispatch
            elif self._active.get(dispatch.unit_id, dispatch).id == dispatch.id:
                self._active.pop(dispatch.unit_id, None)

    # ---- following: other processes, fixes, the SLA clock -------------------------------------

    def load(self) -> int:
        for dispatch in self.repo.active():
            self._track(dispatch)
        self.bus.subscribe(["dispatches"], self._on_event)
        return len(self._active)

    def _on_event(self, event: Event) -> None:
        """A dispatch changed, maybe in another process: keep the geofence's map current."""
        self._track(dispatch_from_json(event.data))

    def on_fixes(self, fixes: Sequence[Fix]) -> None:
        """Geofence: a unit on its way whose fix lies within the arrival radius has arrived."""
        for fix in fixes:
            dispatch = self._active.get(fix.unit_id)
            if dispatch is None:
                continue
            metres = haversine_km(fix.lat, fix.lon, dispatch.lat, dispatch.lon) * 1000
            if metres <= ARRIVAL_RADIUS_M:
                # a fix can be older than the last step (a device buffers): never arrive before it
                at = max(fix.at, dispatch.acknowledged_at or dispatch.created_at)
                try:
                    self.arrive(dispatch.id, source="geofence", at=at)
                except Conflict:
                    self._active.pop(fix.unit_id, None)

    def check_sla(self) -> int:
        """Warn before and mark at breach (the live engine calls this on each tick)."""
        now, changed = self.clock.now(), 0
        for dispatch in list(self._active.values()):
            state = sla_state_at(dispatch, now)
            if state != dispatch.sla_state:
                saved = self.repo.save(replace(dispatch, sla_state=state),
                                       unit_status=None)
                self._track(saved)
                self.bus.publish("dispatches", dispatch_json(saved) | {"event": f"sla_{state}"})
                self._announce_sla(saved)
                changed += 1
        return changed

    def _announce_sla(self, dispatch: Dispatch) -> None:
        """The SLA as an alert on the wall's board: due (warned), overdue (breached), done."""
        level = SLA_LEVEL.get(dispatch.sla_state) if dispatch.active else "done"
        if level is None:
            return
        self.bus.publish("alerts", sla_alert(dispatch, level, self.clock.now()))

    def active(self) -> list[Dispatch]:
        return list(self._active.values())


def _unit_actor(unit_id: str | None) -> str | None:
    """A step reported by the unit's own device is the unit's doing."""
    return f"unit:{unit_id}" if unit_id else None


def _facts(dispatch: Dispatch) -> dict[str, Any]:
    """What an audit entry keeps of a dispatch step (the outcome's measures, not its notes)."""
    return {"unit_id": dispatch.unit_id, "court_id": dispatch.court_id,
            "target": f"{dispatch.target_kind}:{dispatch.target_ref}",
            "status": str(dispatch.status), "sla_state": str(dispatch.sla_state),
            "measures": list(dispatch.outcome.get("measures", [])),
            "arrival": dispatch.outcome.get("arrival")}


def dispatch_from_json(data: Mapping[str, Any]) -> Dispatch:
    """The inverse of ``dispatch_json`` (what other processes announce on the bus)."""
    def instant(name: str) -> datetime | None:
        return datetime.fromisoformat(data[name]) if data.get(name) else None

    target = data["target"]
    return Dispatch(
        id=data["id"], unit_id=data["unit_id"], court_id=data["court_id"],
        target_kind=target["kind"], target_ref=target["ref"], lat=target["lat"],
        lon=target["lon"], note=target["note"], created_by=data["created_by"],
        created_at=instant("created_at"), band=data["band"], sla_min=data["sla_min"],
        eta_min=data["eta_min"], distance_km=data["distance_km"],
        status=DispatchStatus(data["status"]), sla_state=SlaState(data["sla_state"]),
        acknowledged_at=instant("acknowledged_at"), arrived_at=instant("arrived_at"),
        completed_at=instant("completed_at"), outcome=data["outcome"],
    )


def sla_alert(dispatch: Dispatch, level: str, now: datetime) -> dict[str, Any]:
    due = dispatch.due_at
    late = max(0, int((now - due).total_seconds() // 86400) + 1) if due and now >= due else 0
    return {
        "alert_id": f"D{dispatch.id}", "case_no": dispatch.target_ref or f"派单{dispatch.id}",
        "court_id": dispatch.court_id, "team_id": None, "node": "tip_arrival",
        "node_name": "指令到达现场", "kind": "hard", "instance": f"D{dispatch.id}", "level": level,
        "reminder_days": 0, "due_at": due.isoformat() if due else None,
        "raised_at": now.isoformat(), "overdue_days": late, "escalation": "dispatch",
        "owner": dispatch.unit_id, "resolved_at": None, "acknowledged": None,
        "measures": [MEASURE_LABELS[m] for m in dispatch.outcome.get("measures", [])],
    }
