"""The intake desk (接警): a tip is stored before anything else happens, then linked to open
cases, checked for repeats, triaged, and followed through its dispatch to an outcome."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from enforcement.city import City
from enforcement.clock import Clock
from enforcement.errors import InvalidInput, NotFound
from enforcement.masking import masked
from enforcement.matching import DebtorIndex, RepeatDetector, TipKey, match
from enforcement.model import CourtLevel
from enforcement.places import place_from_coordinates
from enforcement.tips import (
    LABELS,
    AssetKind,
    Channel,
    Tip,
    TipKind,
    TipStatus,
    advance,
    clean_text,
    parse_choice,
    parse_flag,
    parse_phone,
    triage,
)
from feeds.bus import Bus, Event
from feeds.casework import CaseDesk, instant
from feeds.geocoders import Geocoder
from storage.audit import AuditLog, Silent
from storage.tips import TipRepo

log = logging.getLogger(__name__)


def tip_json(tip: Tip, *, personal: bool) -> dict[str, Any]:
    """A tip as screens see it; callers' identities only for roles that need them (masked else)."""
    data = {
        "id": tip.id, "received_at": tip.received_at.isoformat(), "channel": str(tip.channel),
        "kind": str(tip.kind), "kind_label": LABELS[str(tip.kind)],
        "asset_kind": str(tip.asset_kind) if tip.asset_kind else None,
        "case_no": tip.case_no, "debtor_name": tip.debtor_name,
        "location": {"lat": tip.lat, "lon": tip.lon, "address": tip.address,
                     "resolved": tip.place_resolved, "district": tip.district},
        "description": tip.description, "urgent": tip.urgent,
        "reward_claimed": tip.reward_claimed, "status": str(tip.status),
        "status_label": LABELS[str(tip.status)], "court_id": tip.court_id,
        "linked_case_no": tip.linked_case_no, "decided_by": tip.decided_by,
        "decided_at": tip.decided_at.isoformat() if tip.decided_at else None,
        "reason": tip.reason, "repeat_of": list(tip.repeat_of), "outcome": tip.outcome,
        "caller_name": tip.caller_name, "caller_phone": tip.caller_phone,
        "debtor_id_no": tip.debtor_id_no,
    }
    return data if personal else masked(data)


class TipDesk:
    def __init__(self, *, repo: TipRepo, case_desk: CaseDesk, geocoder: Geocoder, bus: Bus,
                 clock: Clock, city: City, audit: AuditLog | Silent | None = None) -> None:
        self.repo, self.case_desk, self.geocoder = repo, case_desk, geocoder
        self.audit = audit or Silent()
        self.bus, self.clock, self.city = bus, clock, city
        self.index = DebtorIndex.from_rows([])
        self.repeats = RepeatDetector()
        self._lock = threading.RLock()
        self._case_inbox: deque[Event] = deque()  # every process: keep its index current
        self._dispatch_inbox: deque[Event] = deque()  # the leader: move tips with dispatches
        self._court_of_district = {c.district: c.id for c in city.courts
                                   if c.level == CourtLevel.BASIC and c.short != "铁路法院"}
        # a tip nobody can place yet belongs to the center that took it: the intermediate court's
        self._center = next((c.id for c in city.courts if c.level == CourtLevel.INTERMEDIATE),
                            None)

    # ---- taking a tip ----------------------------------------------------------------------

    def parse(self, payload: Any, *, actor: str) -> Tip:
        if not isinstance(payload, Mapping):
            raise InvalidInput("send the tip as a JSON object", field="body")
        payload = dict(payload)
        now = self.clock.now()
        received = instant(payload["received_at"], "received_at") if payload.get("received_at") \
            else now
        if received > now + timedelta(minutes=5):
            raise InvalidInput("received_at is in the future", field="received_at")
        kind = parse_choice(TipKind, payload, "kind")
        if kind is None:
            raise InvalidInput("kind is required", field="kind")
        tip = Tip(
            id=None, received_at=received, kind=kind,
            channel=parse_choice(Channel, payload, "channel", "phone"),
            asset_kind=parse_choice(AssetKind, payload, "asset_kind"),
            description=clean_text(payload, "description"),
            caller_name=clean_text(payload, "caller_name"), caller_phone=parse_phone(payload),
            case_no=clean_text(payload, "case_no"), debtor_name=clean_text(payload, "debtor_name"),
            debtor_id_no=clean_text(payload, "debtor_id_no"), urgent=parse_flag(payload, "urgent"),
            reward_claimed=parse_flag(payload, "reward_claimed"), created_by=actor,
        )
        return self._place(tip, payload.get("location"), payload.get("address"))

    def _place(self, tip: Tip, location: Any, address: Any) -> Tip:
        if isinstance(location, Mapping) and ("lat" in location or "lon" in location):
            text = clean_text({"address": location.get("address", "")}, "address")
            place = place_from_coordinates(location.get("lat"), location.get("lon"),
                                           self.city.districts, text=text)
        else:
            text = address if address is not None else (
                location.get("address") if isinstance(location, Mapping) else location)
            text = clean_text({"address": text or ""}, "address")
            if not text:
                return tip  # no place given: kept as such, flagged on screen
            place = self.geocoder.geocode(text)
        return replace(tip, address=text, lat=place.lat, lon=place.lon,
                       place_resolved=place.resolved, district=place.district)

    def take(self, payload: Any, *, actor: str) -> tuple[Tip, list[Any]]:
        """Store the tip first; then link, flag repeats, and announce it."""
        tip = self.parse(payload, actor=actor)
        tip = replace(tip, court_id=self._court_for(tip))
        tip = self.repo.save(tip, event="taken", actor=actor, at=self.clock.now())
        candidates = self.candidates(tip)
        with self._lock:
            earlier = self.repeats.seen(
                TipKey(tip.id, id_no=tip.debtor_id_no or None, name=tip.debtor_name or None),
                tip.lat, tip.lon, tip.received_at)
        if earlier or (len(candidates) == 1 and not tip.linked_case_no):
            tip = replace(tip, repeat_of=tuple(earlier),
                          linked_case_no=candidates[0].case_no if len(candidates) == 1
                          else tip.linked_case_no)
            tip = self.repo.save(tip, event="linked", actor="system", at=self.clock.now(),
                                 note=f"repeat of {list(earlier)}" if earlier else "one candidate")
        self.announce(tip, "taken")
        self.audit.record("tip.take", str(tip.id), actor=actor, detail=_facts(tip))
        return tip, candidates

    def _court_for(self, tip: Tip) -> str | None:
        if tip.case_no:
            try:
                return self.case_desk.get(tip.case_no).court_id
            except NotFound:
                pass
        return self._court_of_district.get(tip.district, self._center)

    def candidates(self, tip: Tip) -> list[Any]:
        with self._lock:
            self._take_in()
            return match(self.index, case_no=tip.case_no or None,
                         id_no=tip.debtor_id_no or None, name=tip.debtor_name or None)

    # ---- triage and follow-up ---------------------------------------------------------------

    def decide(self, tip_id: int, payload: Any, *, actor: str) -> Tip:
        if not isinstance(payload, Mapping):
            raise InvalidInput("send {decision, reason, case_no}", field="body")
        payload = dict(payload)
        reason = clean_text(payload, "reason")
        linked = clean_text(payload, "case_no") or None
        tip = self.repo.get(tip_id)
        if linked:
            self.case_desk.get(linked)  # 404 for an unknown case number
        decided = triage(tip, str(payload.get("decision", "")), reason=reason, actor=actor,
                         at=self.clock.now(), linked_case_no=linked)
        if decided.status == TipStatus.ACCEPTED and decided.kind == TipKind.PROPERTY_LEAD \
                and decided.linked_case_no:
            self._start_verification(decided)
        saved = self.repo.save(decided, event=f"triage:{payload.get('decision')}", actor=actor,
                               at=self.clock.now(), note=reason)
        self.announce(saved, "triaged")
        self.audit.record("tip.triage", str(saved.id), actor=actor,
                          detail=_facts(saved) | {"decision": payload.get("decision"),
                                                  "reason": reason})
        return saved

    def _start_verification(self, tip: Tip) -> None:
        """An accepted property lead starts the case's verify_lead clock (7 days, 3 if urgent)."""
        self.case_desk.post_event(tip.linked_case_no, {
            "type": "lead_received", "lead_id": f"T{tip.id}", "urgent": tip.urgent,
            "at": self.clock.now().isoformat()}, actor=tip.decided_by)

    def on_dispatch(self, event: Event) -> None:
        """A dispatch for a tip moves the tip: sent → dispatched; completed → closed with outcome."""
        target = event.data.get("target", {})
        if target.get("kind") == "tip" and str(target.get("ref", "")).isdigit():
            self._dispatch_inbox.append(event)

    def lead(self) -> None:
        """Only the leader moves tips along with their dispatches (once, not once per process)."""
        self.bus.subscribe(["dispatches"], self.on_dispatch)

    def follow_dispatches(self) -> None:
        """Called on each tick of the live engine (the leader's)."""
        with self._lock:
            self._take_in()
            while self._dispatch_inbox:
                event = self._dispatch_inbox.popleft()
                try:
                    self._follow_dispatch(event.data)
                except Exception:
                    log.exception("intake desk could not follow dispatch %s", event.id)

    def _take_in(self) -> None:
        while self._case_inbox:
            event = self._case_inbox.popleft()
            try:
                self._index_case(event.data["case_no"])
            except Exception:
                log.exception("intake desk could not index case %s", event.id)

    def _follow_dispatch(self, data: dict[str, Any]) -> None:
        tip = self.repo.get(int(data["target"]["ref"]))
        moves = {"assigned": TipStatus.DISPATCHED, "completed": TipStatus.CLOSED,
                 "cancelled": TipStatus.ACCEPTED}
        status = moves.get(data.get("event"))
        if status is None or tip.status == status:
            return
        if tip.status == TipStatus.NEW:  # sent straight out: accepted by the dispatcher
            tip = triage(tip, "accept", reason="派警", actor=data["created_by"],
                         at=self.clock.now(), linked_case_no=None)
        changed = advance(tip, status, outcome=data.get("outcome", {}))
        self.repo.save(changed, event=str(data.get("event")), actor=data["created_by"],
                       at=self.clock.now(), note=f"dispatch {data['id']}")
        self.announce(changed, str(data.get("event")))
        self.audit.record(f"tip.{data.get('event')}", str(changed.id), actor=data["created_by"],
                          detail=_facts(changed) | {"dispatch_id": data["id"]})

    # ---- the index of open cases' debtors ----------------------------------------------------

    def load(self, cases: Any) -> int:
        rows = [(c.case_no, c.court_id, d.name, d.id_no) for c in cases for d in c.debtors
                if not c.closed]
        with self._lock:
            self.index = DebtorIndex.from_rows(rows)
        self.bus.subscribe(["cases"], self._case_inbox.append)
        return len(rows)

    def _index_case(self, case_no: str) -> None:
        case = self.case_desk.get(case_no)
        self.index.remove(case_no)
        if not case.closed:
            for debtor in case.debtors:
                self.index.add(case.case_no, case.court_id, debtor.name, debtor.id_no)

    def announce(self, tip: Tip, event: str) -> None:
        """Screens get tips masked; who may see callers reads them over the API."""
        self.bus.publish("tips", tip_json(tip, personal=False) | {"event": event})


def _facts(tip: Tip) -> dict[str, Any]:
    """What an audit entry keeps of a tip: its handling, never the caller's identity."""
    return {"kind": str(tip.kind), "channel": str(tip.channel), "status": str(tip.status),
            "court_id": tip.court_id, "urgent": tip.urgent, "linked_case_no": tip.linked_case_no}
