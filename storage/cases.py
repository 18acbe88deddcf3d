"""Cases and their event log (全程留痕): a case row with its state as JSON, and every event applied.

A case and the event that changed it are written in one transaction, guarded by the case's
version, so two concurrent changes cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from enforcement.cases import (
    Case,
    CaseType,
    Clock,
    Debtor,
    DebtorType,
    Disposition,
    Measure,
    Pause,
    Recovery,
    Track,
)
from enforcement.errors import Conflict, NotFound
from enforcement.facts import CaseFacts, facts_of
from storage.schema import case_events, cases
from storage.times import aware


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    type: str
    at: datetime
    payload: dict[str, Any]
    actor: str | None


def _instant(value: str | None) -> datetime | None:
    return None if value is None else aware(datetime.fromisoformat(value))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def case_to_json(case: Case) -> bytes:
    return orjson.dumps({
        "case_no": case.case_no, "court_id": case.court_id, "case_type": case.case_type,
        "filed_at": _iso(case.filed_at), "amount": case.amount,
        "debtors": [[d.name, d.debtor_type, d.id_no] for d in case.debtors],
        "applicants": list(case.applicants), "preserved": case.preserved,
        "non_litigation": case.non_litigation, "track": case.track, "team_id": case.team_id,
        "handler_id": case.handler_id,
        "clocks": [[c.node, c.instance, _iso(c.started_at), c.variant, _iso(c.done_at),
                    _iso(c.due_at)] for c in case.clocks],
        "pauses": [[p.reason, _iso(p.start), _iso(p.end)] for p in case.pauses],
        "measures": [[m.id, m.kind, m.asset, _iso(m.taken_at), _iso(m.released_at)]
                     for m in case.measures],
        "steps": sorted(case.steps), "received": case.received, "paid": case.paid,
        "locked_at": _iso(case.locked_at), "closed_at": _iso(case.closed_at),
        "disposition": case.disposition, "recovery": case.recovery, "recovered": case.recovered,
        "version": case.version, "extras": case.extras,
    })


def case_from_json(raw: str | bytes) -> Case:
    d = orjson.loads(raw)
    return Case(
        case_no=d["case_no"], court_id=d["court_id"], case_type=CaseType(d["case_type"]),
        filed_at=_instant(d["filed_at"]), amount=d["amount"],
        debtors=tuple(Debtor(n, DebtorType(t), i) for n, t, i in d["debtors"]),
        applicants=tuple(d["applicants"]), preserved=d["preserved"],
        non_litigation=d["non_litigation"], track=Track(d["track"]), team_id=d["team_id"],
        handler_id=d["handler_id"],
        clocks=tuple(Clock(n, i, _instant(s), v, _instant(done), _instant(due))
                     for n, i, s, v, done, due in d["clocks"]),
        pauses=tuple(Pause(r, _instant(s), _instant(e)) for r, s, e in d["pauses"]),
        measures=tuple(Measure(i, k, a, _instant(t), _instant(r)) for i, k, a, t, r in d["measures"]),
        steps=frozenset(d["steps"]), received=d["received"], paid=d["paid"],
        locked_at=_instant(d["locked_at"]), closed_at=_instant(d["closed_at"]),
        disposition=Disposition(d["disposition"]) if d["disposition"] else None,
        recovery=Recovery(d["recovery"]) if d["recovery"] else None, recovered=d["recovered"],
        version=d["version"], extras=d["extras"],
    )


def _row(case: Case) -> dict[str, Any]:
    return {
        "case_no": case.case_no, "court_id": case.court_id, "team_id": case.team_id,
        "case_type": str(case.case_type), "debtor_type": str(case.debtor_type),
        "track": str(case.track), "filed_at": case.filed_at, "closed_at": case.closed_at,
        "disposition": str(case.disposition) if case.disposition else None,
        "amount": case.amount, "recovered": case.recovered, "locked": case.locked_at is not None,
        "version": case.version, "state": case_to_json(case).decode(),
    } | fact_columns(facts_of(case))


def fact_columns(facts: CaseFacts) -> dict[str, Any]:
    """The KPI facts a case row keeps beside its state (see ``storage.analytics``)."""
    return {
        "recovery": facts.recovery, "filed_month": facts.filed_month,
        "closed_month": facts.closed_month, "paused_days": facts.paused_days,
        "net_days": facts.net_days, "in_period": facts.in_period, "zhongben_ok": facts.zhongben_ok,
        "petitions": orjson.dumps(facts.petitions).decode() if facts.petitions else None,
    }


def _event_row(case: Case, event: RecordedEvent, recorded_at: datetime,
               version: int | None = None) -> dict[str, Any]:
    """``version``: the case's version right after this event (the newest, unless given)."""
    return {"case_no": case.case_no, "type": event.type, "at": event.at,
            "payload": orjson.dumps(event.payload).decode(), "actor": event.actor,
            "recorded_at": recorded_at, "version": version or case.version}


class CaseRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, case: Case, event: RecordedEvent, *, recorded_at: datetime) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(cases).values(_row(case)))
                conn.execute(insert(case_events).values(_event_row(case, event, recorded_at)))
        except IntegrityError as exc:
            raise Conflict(f"case {case.case_no} exists", field="case_no") from exc

    def create_many(self, items: Sequence[tuple[Case, list[RecordedEvent]]], *,
                    recorded_at: datetime) -> None:
        """Bulk load (the caseload simulator's history), each case with every event that made it
        (filing first, one version each): all or nothing."""
        with self.engine.begin() as conn:
            conn.execute(insert(cases), [_row(case) for case, _ in items])
            rows = [_event_row(case, e, recorded_at, n)
                    for case, events in items for n, e in enumerate(events, start=1)]
            if rows:
                conn.execute(insert(case_events), rows)

    def save(self, case: Case, event: RecordedEvent, *, recorded_at: datetime,
             conn: Connection | None = None) -> None:
        """Store the next state of a case with the event that made it, if nobody else did first."""
        if conn is None:
            with self.engine.begin() as own:
                return self.save(case, event, recorded_at=recorded_at, conn=own)
        done = conn.execute(
            update(cases).where(cases.c.case_no == case.case_no,
                                cases.c.version == case.version - 1).values(_row(case))
        )
        if done.rowcount != 1:
            raise Conflict(f"case {case.case_no} changed meanwhile; try again", field="version")
        conn.execute(insert(case_events).values(_event_row(case, event, recorded_at)))

    def get(self, case_no: str) -> Case:
        with self.engine.connect() as conn:
            state = conn.execute(select(cases.c.state).where(cases.c.case_no == case_no)).scalar()
        if state is None:
            raise NotFound(f"no case {case_no}", field="case_no")
        return case_from_json(state)

    def open_cases(self, batch: int = 2000) -> Iterator[Case]:
        """Every case not yet closed, plus closed 终本 cases whose clocks still run."""
        query = select(cases.c.state).where(
            (cases.c.closed_at.is_(None)) | (cases.c.disposition == Disposition.ZHONGBEN.value))
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            for (state,) in result:
                yield case_from_json(state)

    def events(self, case_no: str) -> list[RecordedEvent]:
        query = select(case_events).where(case_events.c.case_no == case_no).order_by(case_events.c.id)
        with self.engine.connect() as conn:
            return [RecordedEvent(r["type"], aware(r["at"]), orjson.loads(r["payload"]), r["actor"])
                    for r in conn.execute(query).mappings()]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(cases)).scalar_one()
