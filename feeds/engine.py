"""The live engine (实时引擎): on every tick of the clock, the clocks that changed stage since the
last tick — found through the deadline index, never by scanning cases — become alerts, which are
stored first and then announced on the ``alerts`` topic.

It keeps every open case in memory (its clocks are small), learns about changes from the ``cases``
topic, and on start-up compares what is due now with what the store says was already announced,
so a restart neither loses nor repeats an alert. Only the leader runs it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from enforcement.alerts import SEVERITY, Level, Stage, escalation, owner_of, stage_at, thresholds
from enforcement.cases import Case, Clock
from enforcement.catalog import Catalog
from enforcement.clock import Clock as TimeSource
from enforcement.deadlines import DeadlineIndex
from enforcement.errors import Conflict, Forbidden, InvalidInput
from feeds.bus import Bus, Event, Subscription
from feeds.casework import CaseDesk
from storage.alerts import AlertRepo
from storage.audit import AuditLog, Silent
from storage.cases import CaseRepo

log = logging.getLogger(__name__)

ClockKey = tuple[str, str, str]  # case_no, node, instance
QUIET_LEVELS = {Level.PAUSED, Level.DONE}  # kept on the case, not raised as alerts


def alert_payload(row: dict[str, Any], catalog: Catalog, now: datetime) -> dict[str, Any]:
    """An alert as the API and the screens see it."""
    due = row.get("due_at")
    spec = catalog.get(row["node"])
    return {
        "id": row["id"], "case_no": row["case_no"], "court_id": row["court_id"],
        "team_id": row.get("team_id"), "node": row["node"], "node_name": spec.name_zh,
        "kind": str(spec.kind), "instance": row["instance"], "level": row["level"],
        "reminder_days": row.get("reminder_days", 0),
        "due_at": due.isoformat() if due else None, "raised_at": row["raised_at"].isoformat(),
        "overdue_days": max(0, (now - due).days + 1) if due and now >= due else 0,
        "escalation": row["escalation"], "owner": row["owner"],
        "resolved_at": row["resolved_at"].isoformat() if row.get("resolved_at") else None,
        "acknowledged": row.get("acknowledged"),
    }


class AlertEngine:
    def __init__(self, *, cases: CaseRepo, alerts: AlertRepo, desk: CaseDesk, catalog: Catalog,
                 bus: Bus, clock: TimeSource, tick_s: float = 1.0,
                 audit: AuditLog | Silent | None = None) -> None:
        self.repo, self.alerts, self.desk, self.catalog = cases, alerts, desk, catalog
        self.audit = audit or Silent()
        self.bus, self.clock, self.tick_s = bus, clock, tick_s
        self.defaults = catalog.alerts
        self.index = DeadlineIndex()
        self.open: dict[str, Case] = {}
        self.announced: dict[tuple, tuple[str, int]] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._subscription: Subscription | None = None
        self._inbox: deque[Event] = deque()  # case changes and chases, taken in by the next tick
        self.raised = 0
        self.evaluations = 0  # clocks looked at by ticks: proof that ticks do not scan
        self.also_each_tick: list[Callable[[], object]] = []  # other clocks the leader keeps

    # ---- loading and following the cases ----------------------------------------------------

    def load(self) -> int:
        """Every open case into memory and its thresholds into the index; returns the count."""
        entries = []
        now = self.clock.now()
        with self._lock:
            self.announced = self.alerts.open_stages()
            for case in self.repo.open_cases():
                self.open[case.case_no] = case
                entries += self._entries(case, now)
            self.index.add_many(entries)
        self._subscription = self.bus.subscribe(["cases", "alerts"], self.on_event)
        return len(self.open)

    def _entries(self, case: Case, now: datetime) -> list[tuple[datetime, ClockKey]]:
        found = []
        for clock in case.open_clocks():
            key = (case.case_no, clock.node, clock.instance)
            marks = thresholds(self.catalog.get(clock.node), clock, self.defaults)
            found += [(at, key) for at in marks]
            if marks and marks[0] <= now:
                found.append((now, key))  # already in some stage: check on the next tick
        return found

    def on_event(self, event: Event) -> None:
        """Called from the publisher's thread: only queue it; the next tick takes it in. (Taking
        the engine's lock here would deadlock against a tick that is publishing.)"""
        if event.topic == "cases" or event.data.get("level") == Level.CHASED:
            self._inbox.append(event)

    def _take_in(self) -> None:
        while self._inbox:
            event = self._inbox.popleft()
            try:
                if event.topic == "cases":
                    self.follow(self.repo.get(event.data["case_no"]))
                else:
                    key = (event.data["case_no"], event.data["node"], event.data["instance"],
                           _instant(event.data["due_at"]))
                    self.announced[key] = (Level.CHASED.value, 0)
            except Exception:  # one bad case must not stop the engine
                log.exception("alert engine could not follow %s %s", event.topic, event.id)

    def follow(self, case: Case) -> None:
        """A case changed: resolve the alerts of clocks now done, index the new thresholds."""
        now = self.clock.now()
        with self._lock:
            before = self.open.get(case.case_no)
            self._resolve_finished(before, case)
            if case.closed and not case.open_clocks():
                self.open.pop(case.case_no, None)
                return
            self.open[case.case_no] = case
            for at, key in self._entries(case, now):
                self.index.add(at, key)

    def _resolve_finished(self, before: Case | None, after: Case) -> None:
        was_open = {c.key: c for c in (before.open_clocks() if before else [])}
        for clock in after.clocks:
            if clock.key in was_open and not clock.open:
                ids = self.alerts.resolve(after.case_no, clock.node, clock.instance, clock.done_at)
                for alert_id in ids:
                    self.bus.publish("alerts", {"alert_id": alert_id, "case_no": after.case_no,
                                                "node": clock.node, "instance": clock.instance,
                                                "level": Level.DONE.value,
                                                "court_id": after.court_id})

    # ---- ticking ------------------------------------------------------------------------------

    def tick(self) -> int:
        """Raise what became due since the last tick; returns how many alerts were raised.

        A clock that crossed several stages since it was last looked at (a restart, a fast clock)
        gets each stage stored with the instant it began, so history is exact; only its newest
        stage is announced.
        """
        now = self.clock.now()
        with self._lock:
            self._take_in()
            pending = [found for key in dict.fromkeys(self.index.pop_until(now))
                       for found in self._evaluate(key, now)]
            raised = self._raise(pending, now) if pending else 0
        self.raised += raised
        return raised

    def _evaluate(self, key: ClockKey, now: datetime) -> list[tuple[Case, Clock, Stage, bool]]:
        """The stages of one clock not yet raised, oldest first; the flag marks the newest."""
        self.evaluations += 1
        case = self.open.get(key[0])
        clock = case.clock(key[1], key[2]) if case else None
        if case is None or clock is None or not clock.open:
            return []
        spec = self.catalog.get(clock.node)
        marks = [m for m in thresholds(spec, clock, self.defaults) if m <= now] + [now]
        stages = _distinct(stage_at(spec, clock, self.defaults, m) for m in marks)
        stage_key = (case.case_no, clock.node, clock.instance, clock.due_at)
        fresh = _after(stages, self.announced.get(stage_key))
        if fresh:
            newest = fresh[-1]
            self.announced[stage_key] = (newest.level.value, newest.reminder_days)
        return [(case, clock, stage, stage is fresh[-1]) for stage in fresh]

    def _raise(self, pending: list[tuple[Case, Clock, Stage, bool]], now: datetime) -> int:
        rows = [self._row(case, clock, stage, now) for case, clock, stage, _ in pending]
        ids = self.alerts.raise_many(rows)
        for (case, clock, stage, newest), row, alert_id in zip(pending, rows, ids, strict=True):
            if alert_id is None:
                continue
            if stage.level == Level.OVERDUE:
                self._move_points(case, clock, row["raised_at"])
            if stage.level == Level.LOCKED and self.open[case.case_no].locked_at is None:
                self._lock_case(case, row["raised_at"], alert_id)
            if newest:
                self._announce(alert_payload(row | {"id": alert_id}, self.catalog, now))
        return sum(1 for alert_id in ids if alert_id is not None)

    def _announce(self, payload: dict[str, Any]) -> None:
        """On the bus the event's own ``id`` is the bus id; the alert's id travels as ``alert_id``."""
        self.bus.publish("alerts", {k: v for k, v in payload.items() if k != "id"}
                         | {"alert_id": payload["id"]})

    def _row(self, case: Case, clock: Clock, stage: Stage, now: datetime) -> dict[str, Any]:
        return {
            "case_no": case.case_no, "court_id": case.court_id, "team_id": case.team_id,
            "node": clock.node, "instance": clock.instance, "level": stage.level.value,
            "reminder_days": stage.reminder_days, "due_at": clock.due_at,
            "raised_at": min(stage.since or now, now),
            "escalation": escalation(case, now, self.defaults.escalation).stage,
            "owner": owner_of(case), "resolved_at": None,
        }

    def _move_points(self, case: Case, clock: Clock, at: datetime) -> None:
        """前减后加: the node's points leave its owner and go to whoever takes the case on."""
        points = self.catalog.get(clock.node).points
        ladder = self.defaults.escalation
        current = escalation(case, at, ladder)
        following = ladder[min(ladder.index(current) + 1, len(ladder) - 1)]
        self.alerts.add_scores([
            {"case_no": case.case_no, "node": clock.node, "owner": owner_of(case),
             "points": -points, "at": at},
            {"case_no": case.case_no, "node": clock.node,
             "owner": f"{case.court_id}:{following.holder}", "points": points, "at": at},
        ])

    def _lock_case(self, case: Case, at: datetime, alert_id: int) -> None:
        try:
            locked = self.desk.lock(case.case_no, at)
        except Conflict:
            log.warning("could not lock %s: it changed meanwhile", case.case_no)
            return
        self.open[case.case_no] = locked
        self.alerts.record_action(alert_id=alert_id, case_no=case.case_no, action="lock",
                                  actor="system", at=at, note="超期未办结，自动锁定 (overdue past grace)")

    # ---- what people do about alerts ----------------------------------------------------------

    def acknowledge(self, alert_id: int, *, actor: str, note: str) -> dict[str, Any]:
        row = self.alerts.get(alert_id)
        now = self.clock.now()
        self.alerts.record_action(alert_id=alert_id, case_no=row["case_no"], action="ack",
                                  actor=actor, at=now, note=_note(note))
        payload = alert_payload(row | {"acknowledged": {"by": actor, "at": now.isoformat(),
                                                       "note": note}}, self.catalog, now)
        self._announce(payload)
        self.audit.record("alert.ack", str(alert_id), actor=actor, detail=_facts(row, note))
        return payload

    def chase(self, alert_id: int, *, actor: str, note: str) -> dict[str, Any]:
        """督办: a supervisor chases an overdue alert; it becomes ``chased`` and stays so."""
        row = self.alerts.get(alert_id)
        if row["level"] not in {Level.OVERDUE, Level.CHASED, Level.LOCKED} or row["resolved_at"]:
            raise Forbidden("only an open overdue alert can be chased (督办)", field="level")
        now = self.clock.now()
        chased = {k: v for k, v in row.items() if k != "id"} | {"level": Level.CHASED.value,
                                                                 "raised_at": now}
        new_id = self.alerts.raise_alert(chased) or alert_id
        self.alerts.record_action(alert_id=new_id, case_no=row["case_no"], action="chase",
                                  actor=actor, at=now, note=_note(note))
        payload = alert_payload(chased | {"id": new_id}, self.catalog, now)
        self._announce(payload)
        self.audit.record("alert.chase", str(alert_id), actor=actor,
                          detail=_facts(row, note) | {"chased_alert_id": new_id})
        return payload

    # ---- running ------------------------------------------------------------------------------

    def start(self) -> None:
        thread = threading.Thread(target=self._run, name="alert-engine", daemon=True)
        thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            for step in (self.tick, *self.also_each_tick):
                try:
                    step()
                except Exception:
                    log.exception("live engine step %s failed", step)

    def stop(self) -> None:
        self._stop.set()
        if self._subscription:
            self._subscription.stop()


def _distinct(stages) -> list[Stage]:  # noqa: ANN001 - an iterable of Stage | None
    """Alert-worthy stages in order, each change once."""
    found: list[Stage] = []
    for stage in stages:
        if stage is None or stage.level in QUIET_LEVELS:
            continue
        if not found or (found[-1].level, found[-1].reminder_days) != (stage.level,
                                                                       stage.reminder_days):
            found.append(stage)
    return found


def _after(stages: list[Stage], known: tuple[str, int] | None) -> list[Stage]:
    """The stages past the one already announced. Once chased (督办), an overdue clock stays
    chased: only a later lock is news."""
    if known is None:
        return stages
    if known[0] == Level.CHASED:
        return [s for s in stages if SEVERITY[s.level] > SEVERITY[Level.CHASED]][-1:]
    for n, stage in enumerate(stages):
        if (stage.level.value, stage.reminder_days) == known:
            return stages[n + 1:]
    newest = stages[-1:] if stages else []
    return [s for s in newest if SEVERITY[s.level] >= SEVERITY[Level(known[0])]]


def _facts(row: dict[str, Any], note: str) -> dict[str, Any]:
    """What an audit entry keeps of an alert acted on."""
    return {"case_no": row["case_no"], "node": row["node"], "level": row["level"],
            "court_id": row["court_id"], "note": note.strip()}


def _note(note: str) -> str:
    if not isinstance(note, str) or len(note) > 500:
        raise InvalidInput("note must be a text of at most 500 characters", field="note")
    return note.strip()


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)

