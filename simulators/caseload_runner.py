"""The caseload runner: loads the simulated history in bulk, then lets the cases live on the clock.

``backfill(now)`` is the fast path for history: each case filed before ``now`` is replayed in
memory through the desk's own domain code (``parse_case``, ``flow.apply``, ``parse_event``) and
written with its recorded events by ``CaseDesk.create_many``, one transaction per batch, each case
then announced as filed with its facts (so live analytics count it). To start
in seconds it keeps only what a command center looks at: cases still open at ``now`` and cases
closed within ``keep_closed`` (30 days) before it. Cases closed earlier are left out for good —
neither stored nor ticked later (their remaining 终本 re-queries included). A case already in the
store (an earlier run of the same data directory) is not written again; its script resumes after the
events the simulator recorded for it, through the live path.

``tick()`` (every second on a thread, like ``FleetRunner``) is the real path: a newly filed case
goes through ``desk.create`` and each due event through ``desk.post_event`` (stored first, then
announced). A refusal (``DomainError``) is logged and counted, never raised.

The bulk write is announced case by case, as filed with its facts: live analytics count it, an
alert engine already running follows each case from its announcement, and one that loads later (the
demo calls ``backfill`` before the center starts) finds the cases in the store.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from enforcement.cases import Case
from enforcement.city import City
from enforcement.clock import Clock
from enforcement.errors import DomainError
from feeds.casework import CaseDesk
from simulators.caseload import CaseScript, generate_scripts
from simulators.ticking import Ticking
from storage.cases import RecordedEvent
from storage.schema import case_events

log = logging.getLogger(__name__)

ACTOR = "caseload-simulator"
KEEP_CLOSED = timedelta(days=30)

Pending = deque[tuple[datetime, dict[str, Any]]]


class CaseloadRunner(Ticking):

    thread_name = "caseload-simulator"
    def __init__(self, desk: CaseDesk, scripts: Iterable[CaseScript], clock: Clock, *,
                 tick_s: float = 1.0, keep_closed: timedelta = KEEP_CLOSED, actor: str = ACTOR) -> None:
        self.desk, self.clock, self.tick_s = desk, clock, tick_s
        self.keep_closed, self.actor = keep_closed, actor
        self._unfiled = deque(sorted(scripts, key=lambda s: (s.filed_at, s.case_no)))
        self._due: list[tuple[datetime, int, str]] = []  # heap: next event of each live case
        self._pending: dict[str, Pending] = {}
        self._order = itertools.count()
        self.backfilled = self.dropped = self.skipped = 0  # history: written, left out, already stored
        self.created = self.posted = self.refused = 0  # live: filed, events taken, refusals
        self._lock = threading.Lock()

    # ---- history --------------------------------------------------------------------------------

    def backfill(self, now: datetime, batch: int = 500) -> int:
        """Write every kept case filed by ``now`` with its events up to ``now``; returns how many."""
        with self._lock:
            stored = self._recorded_so_far()
            items: list[tuple[Case, list[RecordedEvent]]] = []
            while self._unfiled and self._unfiled[0].filed_at <= now:
                script = self._unfiled.popleft()
                if script.case_no in stored:  # an earlier run of this data directory wrote it
                    self.skipped += 1
                    self._follow(script.case_no, deque(script.events[stored[script.case_no] - 1:]))
                elif self._closed_long_ago(script, now):
                    self.dropped += 1
                elif (item := self._replay(script, now)) is not None:
                    items.append(item)
                if len(items) >= batch:
                    self._write(items, now)
                    items = []
            if items:
                self._write(items, now)
            return self.backfilled

    def _closed_long_ago(self, script: CaseScript, now: datetime) -> bool:
        closed = script.closed_at
        return closed is not None and closed <= now - self.keep_closed

    def _replay(self, script: CaseScript, now: datetime) -> tuple[Case, list[RecordedEvent]] | None:
        try:
            case = self.desk.parse_case(script.payload)
        except DomainError as exc:
            self._refused(script.case_no, "filing", exc)
            return None
        recorded = [RecordedEvent("filed", case.filed_at, dict(script.payload), self.actor)]
        events = deque(script.events)
        while events and events[0][0] <= now:
            _, payload = events.popleft()
            try:
                event = self.desk.parse_event(payload)
                case = self.desk.flow.apply(case, event)
            except DomainError as exc:
                self._refused(script.case_no, payload.get("type"), exc)
                continue
            recorded.append(RecordedEvent(event.type, event.at, dict(payload), self.actor))
        self._follow(script.case_no, events)
        return case, recorded

    def _write(self, items: list[tuple[Case, list[RecordedEvent]]], now: datetime) -> None:
        self.desk.create_many(items, recorded_at=now)
        self.backfilled += len(items)

    def _recorded_so_far(self) -> dict[str, int]:
        """Case number → how many of its script's items (filing included) the store holds."""
        query = (select(case_events.c.case_no, func.count()).where(case_events.c.actor == self.actor)
                 .group_by(case_events.c.case_no))
        with self.desk.cases.engine.connect() as conn:
            return {case_no: count for case_no, count in conn.execute(query)}

    # ---- live -----------------------------------------------------------------------------------

    def tick(self) -> int:
        """File the cases and post the events that fell due; returns how many were taken now."""
        now, before = self.clock.now(), self.created + self.posted
        with self._lock:
            while self._unfiled and self._unfiled[0].filed_at <= now:
                self._file(self._unfiled.popleft())
            while self._due and self._due[0][0] <= now:
                _, _, case_no = heapq.heappop(self._due)
                self._post(case_no)
        return self.created + self.posted - before

    def _file(self, script: CaseScript) -> None:
        try:
            self.desk.create(script.payload, actor=self.actor)
        except DomainError as exc:
            self._refused(script.case_no, "filing", exc)
            return
        self.created += 1
        self._follow(script.case_no, deque(script.events))

    def _post(self, case_no: str) -> None:
        events = self._pending[case_no]
        _, payload = events.popleft()
        try:
            self.desk.post_event(case_no, payload, actor=self.actor)
            self.posted += 1
        except DomainError as exc:
            self._refused(case_no, payload.get("type"), exc)
        self._follow(case_no, events)

    def _follow(self, case_no: str, events: Pending) -> None:
        """Queue the case's next event, or forget the case once it has none left."""
        if not events:
            self._pending.pop(case_no, None)
            return
        self._pending[case_no] = events
        heapq.heappush(self._due, (events[0][0], next(self._order), case_no))

    def _refused(self, case_no: str, what: object, exc: DomainError) -> None:
        self.refused += 1
        log.info("simulated %s of %s refused: %s", what, case_no, exc.message)

    def stats(self) -> Mapping[str, int]:
        return {"backfilled": self.backfilled, "dropped": self.dropped, "skipped": self.skipped,
                "created": self.created, "posted": self.posted, "refused": self.refused,
                "unfiled": len(self._unfiled), "live": len(self._pending)}


HISTORY = timedelta(days=240)  # how far back the demo's caseload starts
AHEAD = timedelta(days=60)  # how far ahead cases are drawn for the live run (simulated time)


def demo_caseload(desk: CaseDesk, city: City, clock: Clock, *, seed: int, per_year: int = 40_000,
                  history: timedelta = HISTORY, ahead: timedelta = AHEAD) -> CaseloadRunner:
    """The demo's caseload with its history already written; call ``start()`` (and let the alert
    engine load the open cases) afterwards."""
    now = clock.now()
    scripts = generate_scripts(city, seed=seed, start=now - history, end=now + ahead,
                               per_year=per_year, catalog=desk.flow.catalog)
    runner = CaseloadRunner(desk, scripts, clock)
    began = time.perf_counter()
    runner.backfill(now)
    log.info("caseload: %d cases of %d drawn written in %.1f s (%d closed earlier left out)",
             runner.backfilled, len(scripts), time.perf_counter() - began, runner.dropped)
    return runner
