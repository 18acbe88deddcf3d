"""The case desk: cases and their events in from people and court systems, validated, stored with
the event that changed them, then announced on the ``cases`` topic (durable first)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from enforcement.cases import Case, CaseType, Debtor, DebtorType, parse_enum
from enforcement.clock import Clock
from enforcement.errors import Conflict, InvalidInput, NotFound
from enforcement.facts import facts_of
from enforcement.flow import Event, Flow
from enforcement.triage import triage
from feeds.bus import Bus
from storage.audit import AuditLog, Silent
from storage.cases import CaseRepo, RecordedEvent

MAX_DEBTORS = 50
SAVE_ATTEMPTS = 3
AUDITED_AS = {"filed": "case.create", "lock": "case.lock", "unlock": "case.unlock"}  # else case.event


def instant(value: Any, field: str) -> datetime:
    """An ISO 8601 instant with its offset; InvalidInput naming the field otherwise."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 instant", field=field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} {value!r} is not an ISO 8601 instant", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{field} needs a UTC offset, e.g. +08:00", field=field)
    return parsed


def _text(payload: Mapping[str, Any], name: str, *, limit: int = 64, required: bool = True) -> str:
    value = payload.get(name)
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidInput(f"{name} must be a text of 1–{limit} characters", field=name)
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput(f"{name} contains control characters", field=name)
    return value.strip()


def _flag(payload: Mapping[str, Any], name: str) -> bool:
    value = payload.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false", field=name)
    return value


def _debtors(payload: Mapping[str, Any]) -> tuple[Debtor, ...]:
    raw = payload.get("debtors")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_DEBTORS:
        raise InvalidInput(f"debtors must list 1–{MAX_DEBTORS} debtors", field="debtors")
    found = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidInput("each debtor is an object", field=f"debtors[{n}]")
        try:
            found.append(Debtor(
                name=_text(item, "name"),
                debtor_type=parse_enum(DebtorType, item.get("debtor_type"), "debtor_type"),
                id_no=_text(item, "id_no", limit=32, required=False) or None,
            ))
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"debtors[{n}].{exc.field}") from None
    return tuple(found)


def _amount(payload: Mapping[str, Any]) -> float:
    value = payload.get("amount")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e13:
        raise InvalidInput("amount must be a non-negative number of yuan", field="amount")
    return float(value)


def announcement(case: Case, before: Case | None) -> dict[str, Any]:
    """The ``cases`` topic's message: the case, its version and its facts before and after."""
    return {"case_no": case.case_no, "version": case.version, "court_id": case.court_id,
            "before": facts_of(before).as_dict() if before else None,
            "after": facts_of(case).as_dict()}


class CaseDesk:
    def __init__(self, *, cases: CaseRepo, flow: Flow, bus: Bus, clock: Clock,
                 courts: frozenset[str], audit: AuditLog | Silent | None = None) -> None:
        self.cases, self.flow, self.bus, self.clock, self.courts = cases, flow, bus, clock, courts
        self.audit = audit or Silent()

    def parse_case(self, payload: Mapping[str, Any]) -> Case:
        if not isinstance(payload, Mapping):
            raise InvalidInput("send the case as a JSON object", field="body")
        court_id = _text(payload, "court_id", limit=16)
        if court_id not in self.courts:
            raise InvalidInput(f"unknown court {court_id!r}", field="court_id")
        applicants = payload.get("applicants", [])
        if not isinstance(applicants, list) or not all(isinstance(a, str) for a in applicants):
            raise InvalidInput("applicants must be a list of names", field="applicants")
        case = Case(
            case_no=_text(payload, "case_no"), court_id=court_id,
            case_type=parse_enum(CaseType, payload.get("case_type", "first"), "case_type"),
            filed_at=instant(payload.get("filed_at"), "filed_at"), amount=_amount(payload),
            debtors=_debtors(payload), applicants=tuple(a[:64] for a in applicants[:50]),
            preserved=_flag(payload, "preserved"), non_litigation=_flag(payload, "non_litigation"),
            team_id=_text(payload, "team_id", limit=32, required=False) or None,
        )
        return self.flow.open_case(replace(case, track=triage(case)))

    def create(self, payload: Mapping[str, Any], *, actor: str | None) -> Case:
        case = self.parse_case(payload)
        if case.filed_at > self.clock.now():
            raise InvalidInput("filed_at is in the future", field="filed_at")
        event = RecordedEvent("filed", case.filed_at, dict(payload), actor)
        self.cases.create(case, event, recorded_at=self.clock.now())
        self.announce(case)
        self._audit(case, event)
        return case

    def create_many(self, items: Sequence[tuple[Case, list[RecordedEvent]]], *,
                    recorded_at: datetime) -> None:
        """Store a batch of cases with their history (a bulk load), then announce each as filed."""
        self.cases.create_many(items, recorded_at=recorded_at)
        self.bus.publish_many("cases", [announcement(case, None) for case, _ in items])

    def post_event(self, case_no: str, payload: Mapping[str, Any], *, actor: str | None) -> Case:
        event = self.parse_event(payload)
        if event.at > self.clock.now():
            raise InvalidInput("at is in the future", field="at")
        return self._change(case_no, lambda case: self.flow.apply(case, event),
                            RecordedEvent(event.type, event.at, dict(payload), actor))

    def parse_event(self, payload: Mapping[str, Any]) -> Event:
        if not isinstance(payload, Mapping):
            raise InvalidInput("send the event as a JSON object", field="body")
        kind = _text(payload, "type", limit=32)
        data = {k: v for k, v in payload.items() if k not in {"type", "at"}}
        return Event(kind, instant(payload.get("at"), "at"), data)

    def lock(self, case_no: str, at: datetime) -> Case:
        return self._change(case_no, lambda case: self.flow.lock(case, at),
                            RecordedEvent("lock", at, {}, "system"))

    def unlock(self, case_no: str, *, reason: str, actor: str) -> Case:
        if not reason.strip():
            raise InvalidInput("unlocking needs a reason", field="reason")
        now = self.clock.now()
        return self._change(case_no, self.flow.unlock,
                            RecordedEvent("unlock", now, {"reason": reason}, actor))

    def _change(self, case_no: str, step, event: RecordedEvent) -> Case:  # noqa: ANN001
        for attempt in range(SAVE_ATTEMPTS):
            before = self.cases.get(case_no)
            case = step(before)
            try:
                self.cases.save(case, event, recorded_at=self.clock.now())
                break
            except Conflict:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise
        self.announce(case, before)
        self._audit(case, event)
        return case

    def _audit(self, case: Case, event: RecordedEvent) -> None:
        """Who changed the case and how; a new case's parties stay out of the log (they are in the
        case itself), only what identifies the change goes in."""
        facts = {"court_id": case.court_id, "version": case.version, "type": event.type}
        if event.type == "filed":
            facts |= {"case_type": str(case.case_type), "track": str(case.track),
                      "amount": case.amount}
        else:
            facts |= {k: v for k, v in event.payload.items()
                      if k not in {"type", "at"} and isinstance(v, str | int | float | bool)}
        self.audit.record(AUDITED_AS.get(event.type, "case.event"), case.case_no,
                          actor=event.actor, detail=facts)

    def announce(self, case: Case, before: Case | None = None) -> None:
        """What changed, with the case's KPI facts before and after (none before a filing), so
        each process's analytics apply the difference without keeping the case."""
        self.bus.publish("cases", announcement(case, before))

    def get(self, case_no: str) -> Case:
        if not case_no:
            raise NotFound("no case number", field="case_no")
        return self.cases.get(case_no)
