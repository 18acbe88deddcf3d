"""``ecc simulate --url``: drive a running center from outside, the way real devices and callers do.

The fleet reports over the OsmAnd / Traccar Client protocol (``GET /ingest/osmand`` with each unit's
own device key) and the 24-hour call generator posts tips to ``POST /api/v1/tips``. Nothing here
touches the center's store or bus: only its public HTTP interface, so a simulated morning exercises
the same path as a real one. Registering the units needs an administrator's account.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from enforcement.city import City
from enforcement.clock import Clock, SimClock
from enforcement.errors import AuthError, Conflict, DomainError, Forbidden, InvalidInput, NotFound
from enforcement.model import Unit
from simulators.calls import CallGenerator
from simulators.city import build_organisation
from simulators.runner import FleetRunner
from simulators.ticking import Ticking
from simulators.units import FleetSimulator

log = logging.getLogger(__name__)

ERRORS = {401: AuthError, 403: Forbidden, 404: NotFound, 409: Conflict}
MAX_CALLS_PER_TICK = 20


class RemoteError(DomainError):
    """The center could not be reached, or answered with a server error."""


@dataclass
class RemoteCenter:
    """A running center seen over HTTP: JSON in and out, errors mapped to the domain's."""

    url: str
    token: str | None = None
    timeout_s: float = 10.0

    @classmethod
    def login(cls, url: str, username: str, password: str) -> RemoteCenter:
        center = cls(url.rstrip("/"))
        center.token = center.post("/api/v1/auth/token",
                                   {"username": username, "password": password})["token"]
        return center

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._send(urllib.request.Request(self.url + path + query))

    def post(self, path: str, body: object) -> Any:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Any:
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as exc:
            raise _mapped(exc) from None
        except OSError as exc:
            raise RemoteError(f"{self.url}: {exc}") from exc
        return json.loads(raw) if raw else None

    # ---- what the simulator does with it ------------------------------------------------------
    def register(self, unit: Unit) -> str:
        """The unit's device key: a new unit is registered, a known one gets a fresh key."""
        body = {"unit_id": unit.id, "court_id": unit.court_id, "kind": str(unit.kind)}
        try:
            return self.post("/api/v1/units", body)["key"]
        except Conflict:
            return self.post(f"/api/v1/units/{urllib.parse.quote(unit.id)}/key", {})["key"]

    def osmand(self, report: Mapping[str, str]) -> None:
        """One OsmAnd report, sent as the Traccar Client app sends it (query string, no token)."""
        query = urllib.parse.urlencode(report)
        request = urllib.request.Request(f"{self.url}/ingest/osmand?{query}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                reply.read()
        except urllib.error.HTTPError as exc:
            raise _mapped(exc) from None
        except OSError as exc:
            raise RemoteError(f"{self.url}: {exc}") from exc


def _mapped(exc: urllib.error.HTTPError) -> DomainError:
    try:
        error = json.loads(exc.read() or b"{}").get("error", {})
    except ValueError:
        error = {}
    message = error.get("message") or f"HTTP {exc.code}"
    if exc.code >= 500:
        return RemoteError(message)
    return ERRORS.get(exc.code, InvalidInput)(message, field=error.get("field"))


@dataclass
class RemoteCalls(Ticking):
    """The seeded 24-hour call generator, posting each call as the 12368 line's system would."""

    center: RemoteCenter
    clock: Clock
    seed: int
    rate_scale: float = 1.0
    tick_s: float = 1.0
    thread_name = "remote-calls"
    taken: int = 0
    refused: int = 0
    next_at: datetime | None = None
    generator: CallGenerator = field(init=False)

    def __post_init__(self) -> None:
        self.generator = CallGenerator(seed=self.seed, cases=[], rate_scale=self.rate_scale)

    def tick(self) -> int:
        now = self.clock.now()
        if self.next_at is None or now - self.next_at > timedelta(hours=1):
            self.next_at = self.generator.next_at(now)
        sent = 0
        while self.next_at <= now and sent < MAX_CALLS_PER_TICK:
            self._post(self.generator.draw(self.next_at).payload)
            sent += 1
            self.next_at = self.generator.next_at(self.next_at)
        return sent

    def _post(self, payload: Mapping[str, Any]) -> None:
        try:
            self.center.post("/api/v1/tips", dict(payload))
            self.taken += 1
        except DomainError as exc:
            self.refused += 1
            log.info("simulated call refused: %s", exc.message)


def check_same_city(center: RemoteCenter, city: City) -> None:
    """The server must know the courts the simulated units belong to."""
    known = {court["id"] for court in center.get("/api/v1/courts")}
    missing = sorted(set(city.by_id) - known)
    if missing:
        raise InvalidInput(f"the server does not know the courts {', '.join(missing[:5])}",
                           field="url")


def pick_units(units: list[Unit], count: int, *, seed: int) -> list[Unit]:
    """``count`` of the organisation's units, the same ones for the same seed."""
    if count >= len(units):
        return units
    return sorted(random.Random(f"{seed}:remote").sample(units, count), key=lambda u: u.id)


@dataclass(frozen=True)
class RemotePlan:
    """What ``ecc simulate`` was asked to do."""

    url: str
    username: str
    password: str
    units: int = 40
    seed: int = 7
    speed: float = 1.0
    duration_s: float = 0.0  # 0: until interrupted


def run_remote(plan: RemotePlan, city: City, *, stop: threading.Event | None = None) -> dict[str, int]:
    """Register the units (admin), then report their fixes and post calls until ``duration_s``
    passes or ``stop`` is set; returns what was sent and refused."""
    center = RemoteCenter.login(plan.url, plan.username, plan.password)
    check_same_city(center, city)
    organisation = build_organisation(city, seed=plan.seed, units=max(plan.units, 1))
    units = pick_units(organisation.units, plan.units, seed=plan.seed)
    keys = {unit.id: center.register(unit) for unit in units}
    clock = SimClock(datetime.now(UTC), plan.speed)
    fleet = FleetSimulator(units, city.by_id, city.districts, seed=plan.seed)
    runner = FleetRunner(fleet, keys, center.osmand, clock)
    calls = RemoteCalls(center, clock, plan.seed)
    stop = stop or threading.Event()
    deadline = time.monotonic() + plan.duration_s if plan.duration_s else None
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        runner.tick()
        calls.tick()
        stop.wait(1.0)
    return {"units": len(units), "fixes_sent": runner.sent, "fixes_refused": runner.rejected,
            "calls_taken": calls.taken, "calls_refused": calls.refused}
