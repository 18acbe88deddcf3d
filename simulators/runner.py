"""The only part of the simulators that sleeps: ticks the fleet and sends its reports onward.

A sink takes one OsmAnd request (a dict of parameters, device key included): in-process it is the
server's own ingest path (``PositionIngest.osmand``); for ``ecc simulate --url`` it is an HTTP GET to
``/ingest/osmand`` of a running server.

Given the dispatch desk, the simulated officers also answer dispatches the way real ones do:
``on_dispatch`` (a bus handler on the ``dispatches`` topic) only queues the event; on its own tick
the runner acknowledges after a delay, drives the unit to the target (its fixes trip the desk's
geofence), stays on scene, reports the outcome and goes back to wandering.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from enforcement.clock import Clock
from enforcement.dispatches import Dispatch
from enforcement.errors import DomainError
from feeds.bus import Event
from feeds.dispatching import dispatch_json
from simulators.ticking import Ticking
from simulators.units import FleetSimulator, ResponseMix, ResponsePlan, plan_response

log = logging.getLogger(__name__)

Sink = Callable[[Mapping[str, str]], object]


class Desk(Protocol):
    """What a field device may do with a dispatch (``feeds.dispatching.DispatchDesk``)."""

    def acknowledge(self, dispatch_id: int, *, unit_id: str | None = None) -> object: ...

    def complete(self, dispatch_id: int, payload: Any, *, actor: str) -> object: ...

    def active(self) -> list[Dispatch]: ...


class Dispatcher(Protocol):
    """Something that sends units out on the runner's tick (``simulators.dispatcher``)."""

    def tick(self, now: datetime) -> int: ...

    def note(self, data: Mapping[str, Any]) -> None: ...


@dataclass
class Response:
    """One dispatch a simulated unit is answering: waiting → driving → on_scene."""

    dispatch_id: int
    unit_id: str
    target: tuple[float, float]
    created_at: float  # unix seconds
    due_at: float | None
    plan: ResponsePlan
    stage: str = "waiting"
    leave_at: float | None = None


class FleetRunner(Ticking):

    thread_name = "fleet-simulator"
    def __init__(
        self,
        fleet: FleetSimulator,
        keys: Mapping[str, str],
        sink: Sink,
        clock: Clock,
        *,
        tick_s: float = 1.0,
        desk: Desk | None = None,
        dispatcher: Dispatcher | None = None,
        mix: ResponseMix | None = None,
    ) -> None:
        self.fleet, self.keys, self.sink, self.clock = fleet, keys, sink, clock
        self.tick_s = tick_s
        self.desk, self.dispatcher, self.mix = desk, dispatcher, mix or ResponseMix()
        self.sent = 0
        self.rejected = 0
        self.refused = 0  # desk steps refused (DomainError)
        self.responses: dict[int, Response] = {}
        self._inbox: deque[dict[str, Any]] = deque()
        self._inbox_lock = threading.Lock()
        for dispatch in desk.active() if desk is not None else ():  # left by an earlier run
            self._inbox.append(dispatch_json(dispatch) | {"event": str(dispatch.status)})

    def on_dispatch(self, event: Event) -> None:
        """Bus handler: queue only; the desk is called back from the runner's own tick."""
        with self._inbox_lock:
            self._inbox.append(event.data)

    def tick(self) -> int:
        """Answer dispatches, send every report that fell due, let the demo dispatcher act;
        returns how many reports were taken so far."""
        now = self.clock.now()
        self._answer(now)
        for report in self.fleet.due(now):
            self._send(report | {"key": self.keys[report["id"]]})
        if self.dispatcher is not None:  # after the reports: the desk ranks on fresh fixes
            self.dispatcher.tick(now)
            self._read_inbox()
        return self.sent

    def _send(self, report: Mapping[str, str]) -> None:
        try:
            self.sink(report)
            self.sent += 1
        except DomainError as exc:
            self.rejected += 1
            log.info("simulated report from %s refused: %s", report["id"], exc.message)

    # ---- answering dispatches -----------------------------------------------------------------

    def _answer(self, now: datetime) -> None:
        self._read_inbox()
        t = now.astimezone(UTC).timestamp()
        for response in sorted(self.responses.values(), key=lambda r: r.dispatch_id):
            if response.stage == "waiting":
                self._maybe_acknowledge(response, t)
            elif response.stage == "on_scene" and t >= (response.leave_at or 0.0):
                self._complete(response, t)
        self._read_inbox()  # our own steps, announced synchronously by an in-process bus

    def _read_inbox(self) -> None:
        while True:
            with self._inbox_lock:
                if not self._inbox:
                    return
                data = self._inbox.popleft()
            if self.dispatcher is not None:
                self.dispatcher.note(data)
            if data.get("unit_id") in self.fleet.by_id:
                self._follow(data)

    def _follow(self, data: Mapping[str, Any]) -> None:
        """Keep each response in step with what the desk says (whoever made the change)."""
        event, dispatch_id = data.get("event"), data["id"]
        response = self.responses.get(dispatch_id)
        if event in ("completed", "cancelled"):
            if response is not None:
                self._leave(response, self._not_before(response, _now_s(self.clock)))
            return
        if event not in ("assigned", "acknowledged", "arrived"):
            return
        if response is None:
            response = self.responses[dispatch_id] = self._response(data)
        if event != "assigned" and response.stage == "waiting":  # acknowledged by someone else
            self._drive(response, self._not_before(response, _now_s(self.clock)))
        if event == "arrived" and response.stage == "driving":
            arrived = _instant(data.get("arrived_at")) or _now_s(self.clock)
            response.stage, response.leave_at = "on_scene", arrived + response.plan.on_scene_s

    def _response(self, data: Mapping[str, Any]) -> Response:
        target = data["target"]
        return Response(
            dispatch_id=data["id"], unit_id=data["unit_id"],
            target=(float(target["lat"]), float(target["lon"])),
            created_at=_instant(data["created_at"]) or _now_s(self.clock),
            due_at=_instant(data.get("due_at")),
            plan=plan_response(self.fleet.seed, data["unit_id"], data["id"], self.mix),
        )

    def _maybe_acknowledge(self, response: Response, t: float) -> None:
        delay = response.plan.ack_delay_s
        if self.desk is None or delay is None or t < response.created_at + delay:
            return
        if self._step(response, lambda: self.desk.acknowledge(response.dispatch_id,
                                                               unit_id=response.unit_id)):
            self._drive(response, self._not_before(response, t))

    def _complete(self, response: Response, t: float) -> None:
        self._step(response, lambda: self.desk.complete(
            response.dispatch_id, dict(response.plan.outcome), actor=response.unit_id))
        self._leave(response, self._not_before(response, t))

    def _step(self, response: Response, call: Callable[[], object]) -> bool:
        try:
            call()
            return True
        except DomainError as exc:
            self.refused += 1
            log.info("desk refused %s on dispatch %s: %s", response.unit_id,
                     response.dispatch_id, exc.message)
            self._leave(response, self._not_before(response, _now_s(self.clock)))
            return False

    def _drive(self, response: Response, at: float) -> None:
        member = self.fleet.by_id[response.unit_id]
        member.respond(response.target, at=at, plan=response.plan, due_at=response.due_at)
        response.stage = "driving"

    def _leave(self, response: Response, at: float) -> None:
        if self.responses.pop(response.dispatch_id, None) is None:
            return
        if response.stage != "waiting":  # a waiting unit is still wandering
            self.fleet.by_id[response.unit_id].release(at, tag=f"after:{response.dispatch_id}")

    def _not_before(self, response: Response, t: float) -> float:
        """A new plan may not rewrite what the device has already reported."""
        return max(t, self.fleet.last_report_at(response.unit_id))


def _instant(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def _now_s(clock: Clock) -> float:
    return clock.now().timestamp()
