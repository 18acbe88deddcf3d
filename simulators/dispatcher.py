"""A demo dispatcher (演示调度): now and then an incident near a basic court, and the best unit sent.

It works the desk as a person at the console does (nearest → assign; cancel a dispatch nobody
acknowledged once its SLA has run out), on the fleet runner's tick, so the demo shows dispatches
without a human. Seeded: the same seed and the same fleet give the same incidents.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from enforcement.calendar import COURT_TZ
from enforcement.city import City
from enforcement.dispatch import Ranking
from enforcement.errors import DomainError
from enforcement.geo import point_in_polygon
from enforcement.model import Court
from simulators.units import district_rings

log = logging.getLogger(__name__)

ACTOR = "demo-dispatcher"
PER_HOUR_DAY, PER_HOUR_NIGHT = 3.0, 0.5  # incidents per simulated hour, Poisson
DAY_HOURS = range(7, 22)  # Asia/Shanghai
RADIUS_KM = 3.0  # incidents fall within this of a basic court, inside its district
MAX_PER_TICK = 5  # a clock that jumps does not flood the desk
NOTES = ("举报：被执行人在此出现", "举报：被执行人车辆停放于此", "申请人反映被执行人正在转移财产",
         "举报：被执行人经营场所正常营业", "网格员反映被执行人回到住所")


class Desk(Protocol):
    def nearest(self, lat: float, lon: float, *, k: int, court_ids: Sequence[str]) -> Ranking: ...

    def assign(self, payload: Mapping[str, Any], *, actor: str,
               court_ids: Sequence[str]) -> object: ...

    def cancel(self, dispatch_id: int, *, reason: str, actor: str) -> object: ...


class DemoDispatcher:
    def __init__(self, desk: Desk, city: City, *, seed: int,
                 per_hour: tuple[float, float] = (PER_HOUR_DAY, PER_HOUR_NIGHT)) -> None:
        self.desk, self.per_hour = desk, per_hour
        self.rng = random.Random(f"{seed}:demo-dispatcher")
        self.courts = city.basic_courts()
        self.rings = {c.id: district_rings(city.districts, c.district) for c in self.courts}
        self.court_ids = [c.id for c in city.courts]
        self.next_at: datetime | None = None
        self.incidents = self.assigned = self.unanswered = self.refused = self.cancelled = 0
        self._overdue: list[int] = []  # never acknowledged, past the SLA: to cancel

    def note(self, data: Mapping[str, Any]) -> None:
        """A ``dispatches`` event, read on the runner's tick (never from the bus thread)."""
        if (data.get("event") == "sla_breached" and data.get("status") == "assigned"
                and data.get("created_by") == ACTOR):
            self._overdue.append(data["id"])

    def tick(self, now: datetime) -> int:
        """Cancel the unanswered, raise the incidents that fell due; returns how many were raised."""
        self._cancel_overdue()
        if self.next_at is None or now - self.next_at > timedelta(hours=1):
            self.next_at = self._after(now)
        raised = 0
        while now >= self.next_at and raised < MAX_PER_TICK:
            self._incident()
            raised += 1
            self.next_at = self._after(self.next_at)
        return raised

    def _after(self, t: datetime) -> datetime:
        rate = self.per_hour[0] if t.astimezone(COURT_TZ).hour in DAY_HOURS else self.per_hour[1]
        return t + timedelta(hours=self.rng.expovariate(rate))

    def _incident(self) -> None:
        self.incidents += 1
        court = self.rng.choice(self.courts)
        lat, lon = self._near(court)
        note = self.rng.choice(NOTES)
        ranking = self.desk.nearest(lat, lon, k=3, court_ids=self.court_ids)
        if not ranking.ranked:
            self.unanswered += 1
            log.info("demo incident %d near %s: no free unit", self.incidents, court.name)
            return
        target = {"kind": "incident", "ref": f"演示线索 {self.incidents}", "lat": lat, "lon": lon,
                  "note": note}
        try:
            self.desk.assign({"unit_id": ranking.ranked[0].unit_id, "target": target},
                             actor=ACTOR, court_ids=self.court_ids)
            self.assigned += 1
        except DomainError as exc:
            self.refused += 1
            log.info("demo incident %d refused: %s", self.incidents, exc.message)

    def _near(self, court: Court) -> tuple[float, float]:
        rings = self.rings[court.id]
        for _ in range(20):
            km, angle = RADIUS_KM * math.sqrt(self.rng.random()), self.rng.uniform(0, 2 * math.pi)
            lat = court.lat + km * math.cos(angle) / 111.32
            lon = court.lon + km * math.sin(angle) / (111.32 * math.cos(math.radians(court.lat)))
            if not rings or any(point_in_polygon(lat, lon, ring) for ring in rings):
                return round(lat, 6), round(lon, 6)
        return court.lat, court.lon

    def _cancel_overdue(self) -> None:
        while self._overdue:
            dispatch_id = self._overdue.pop(0)
            try:
                self.desk.cancel(dispatch_id, reason="未接单，超时撤销", actor=ACTOR)
                self.cancelled += 1
            except DomainError as exc:  # acknowledged or cancelled meanwhile
                self.refused += 1
                log.info("demo cancel of dispatch %d refused: %s", dispatch_id, exc.message)
