"""Moving field units: where each simulated device is at any simulated instant.

Each unit wanders around its court inside its district: it walks (4–6 km/h) or drives (20–45 km/h)
along L-shaped, street-like legs to a waypoint, dwells there, and moves on. Position is a function of
time alone, so the same seed gives the same tracks however often the runner ticks. Reports add GPS
jitter, fall silent now and then (dropouts) and carry a draining battery.

A dispatch (派单) cuts the wander at the acknowledgement instant and inserts a drive to the target
(cars 25–45 km/h; a walker walks a short way, else takes a taxi) and a stay on scene until
released; what officers report on scene is drawn by ``draw_outcome``, calibrated to Shenyang.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from enforcement.dispatches import MEASURE_LABELS
from enforcement.geo import point_in_polygon
from enforcement.model import Court, Unit, UnitKind, UnitStatus

KNOTS_PER_KMH = 1 / 1.852
M_PER_DEG_LAT = 111_320.0
REPORT_EVERY_S = {UnitKind.FOOT: 15, UnitKind.CAR: 10}
SPEED_KMH = {UnitKind.FOOT: (4.0, 6.0), UnitKind.CAR: (20.0, 45.0)}
RANGE_KM = {UnitKind.FOOT: 1.5, UnitKind.CAR: 6.0}
DWELL_S = (60, 20 * 60)
JITTER_M = {UnitKind.FOOT: 6.0, UnitKind.CAR: 9.0}
DROPOUT_BLOCK = 40  # reports per dropout decision (~10 minutes)
DROPOUT_P = 0.03
BATTERY_DRAIN_PER_H = {UnitKind.FOOT: 7.0, UnitKind.CAR: 0.5}

# Answering a dispatch: planning guesses, not published figures.
ACK_DELAY_S = (20, 120)  # an officer reads the instruction and taps "accept"
SLOW_ACK_S = (5 * 60, 25 * 60)  # busy with something else first
ON_SCENE_S = (20 * 60, 90 * 60)
RESPONSE_KMH = {UnitKind.CAR: (25.0, 45.0), UnitKind.FOOT: (4.0, 6.0)}
TAXI_KMH = (22.0, 28.0)  # a walker sent farther than WALK_KM takes a taxi
WALK_KM = 1.0
TRAFFIC_KMH = (8.0, 14.0)  # a late response: stuck in traffic after waiting for a car
LATE_BY_S = (5 * 60, 30 * 60)  # how far past the SLA a late response arrives

# What happens on scene, per call-out. Shenyang's rapid response in its first three months
# (DOMAIN.md §6): 284 call-outs → 4 properties seized, 8 vehicles impounded, 30 accounts frozen,
# 119 settlements, 9.31 million yuan recovered. The other measures are not published: guesses.
CALL_OUTS = 284
MEASURE_SHARE = {"seizure": 4 / CALL_OUTS, "impound": 8 / CALL_OUTS, "freeze": 30 / CALL_OUTS,
                 "settlement": 119 / CALL_OUTS, "summons": 0.08, "search": 0.04, "detention": 0.02}
PAYING = ("settlement", "freeze")  # money may change hands only after these
PAID_SHARE = 0.8  # of call-outs with a paying measure
# Assumes all the recovered money came through call-outs; per paid call-out, lognormal.
RECOVERED_PER_CALL_OUT = 9_310_000 / CALL_OUTS  # yuan
AMOUNT_SIGMA = 1.0
_P_PAYING = 1 - (1 - MEASURE_SHARE["settlement"]) * (1 - MEASURE_SHARE["freeze"])
AMOUNT_MU = math.log(RECOVERED_PER_CALL_OUT / (_P_PAYING * PAID_SHARE)) - AMOUNT_SIGMA**2 / 2


@dataclass(frozen=True, slots=True)
class Leg:
    start: float  # unix seconds
    end: float
    points: tuple[tuple[float, float], ...]  # (lat, lon) corners, moving at constant speed
    speed_kmh: float


@dataclass(frozen=True, slots=True)
class ResponseMix:
    """Shares of dispatches an officer never acknowledges, acknowledges slowly, or reaches late."""

    never_ack: float = 0.03
    slow_ack: float = 0.07
    late: float = 0.12


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    """How one officer answers one dispatch, drawn once from (seed, unit, dispatch)."""

    ack_delay_s: float | None  # None: never acknowledges
    late: bool  # waits for a car, then crawls through traffic: arrives after the SLA
    late_by_s: float
    lat_first: bool  # which way round the L-shaped path goes
    speed_draw: float  # where in the speed range, 0–1
    on_scene_s: float
    outcome: dict[str, Any]


def plan_response(seed: int, unit_id: str, dispatch_id: int, mix: ResponseMix) -> ResponsePlan:
    rng = random.Random(f"{seed}:{unit_id}:dispatch:{dispatch_id}")
    roll, quick, slow = rng.random(), rng.uniform(*ACK_DELAY_S), rng.uniform(*SLOW_ACK_S)
    delay = None if roll < mix.never_ack else slow if roll < mix.never_ack + mix.slow_ack else quick
    return ResponsePlan(
        ack_delay_s=delay, late=rng.random() < mix.late, late_by_s=rng.uniform(*LATE_BY_S),
        lat_first=rng.random() < 0.5, speed_draw=rng.random(), on_scene_s=rng.uniform(*ON_SCENE_S),
        outcome=draw_outcome(rng),
    )


def draw_outcome(rng: random.Random) -> dict[str, Any]:
    """Measures taken and yuan recovered on one call-out, in Shenyang's proportions."""
    measures = [m for m, share in MEASURE_SHARE.items() if rng.random() < share]
    paid = any(m in PAYING for m in measures) and rng.random() < PAID_SHARE
    amount = round(rng.lognormvariate(AMOUNT_MU, AMOUNT_SIGMA), -2) if paid else 0.0
    return {"measures": measures, "amount_recovered": amount, "note": _note(measures, amount)}


def _note(measures: list[str], amount: float) -> str:
    if not measures:
        return "被执行人不在现场，已留置通知"
    taken = "、".join(MEASURE_LABELS[m] for m in measures)
    return f"现场措施：{taken}" + (f"；执行到位 {amount:,.0f} 元" if amount else "")


def _response_kmh(kind: UnitKind, km: float, draw: float, *, late: bool) -> float:
    walks = kind == UnitKind.FOOT and km <= WALK_KM
    low, high = (RESPONSE_KMH[kind] if walks else TRAFFIC_KMH if late
                 else TAXI_KMH if kind == UnitKind.FOOT else RESPONSE_KMH[kind])
    return low + (high - low) * draw


@dataclass
class SimulatedUnit:
    unit: Unit
    home: tuple[float, float]
    district: list[list[list[float]]]  # GeoJSON polygons' outer rings
    seed: int
    legs: list[Leg] = field(default_factory=list)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.unit.id}")

    @property
    def moves(self) -> bool:
        return self.unit.status != UnitStatus.OFF_DUTY

    def position(self, t: float) -> tuple[float, float, float, float]:
        """(lat, lon, speed km/h, heading °) at unix time ``t``."""
        if not self.moves:
            return (*self.home, 0.0, 0.0)
        leg = self._leg_at(t)
        return _along(leg, t)

    def _leg_at(self, t: float) -> Leg:
        if not self.legs:
            self.legs.append(Leg(t - 1, t - 1, (self.home,), 0.0))
        while self.legs[-1].end < t:
            self.legs.append(self._next_leg(self.legs[-1]))
        if len(self.legs) > 64:
            del self.legs[:-8]
        return next(leg for leg in self.legs if leg.end >= t)

    def _next_leg(self, previous: Leg) -> Leg:
        here = previous.points[-1]
        if previous.speed_kmh > 0:  # arrived: dwell
            return Leg(previous.end, previous.end + self.rng.uniform(*DWELL_S), (here,), 0.0)
        target = self._waypoint()
        corner = (here[0], target[1]) if self.rng.random() < 0.5 else (target[0], here[1])
        speed = self.rng.uniform(*SPEED_KMH[self.unit.kind])
        length_km = _km(here, corner) + _km(corner, target)
        duration = max(length_km / speed * 3600, 1.0)
        return Leg(previous.end, previous.end + duration, (here, corner, target), speed)

    def respond(self, target: tuple[float, float], *, at: float, plan: ResponsePlan,
                due_at: float | None = None) -> float:
        """From ``at`` on: go along an L to ``target`` and stay there until released; returns the
        arrival instant. A late plan waits (for a car) so as to arrive ``late_by_s`` after due."""
        here = self._cut(at)
        corner = (here[0], target[1]) if plan.lat_first else (target[0], here[1])
        km = _km(here, corner) + _km(corner, target)
        late = plan.late and due_at is not None
        speed = _response_kmh(self.unit.kind, km, plan.speed_draw, late=late)
        drive_s = max(km / speed * 3600, 1.0)
        depart = max(at, due_at + plan.late_by_s - drive_s) if late and due_at else at
        if depart > at:
            self.legs.append(Leg(at, depart, (here,), 0.0))
        self.legs += [Leg(depart, depart + drive_s, (here, corner, target), speed),
                      Leg(depart + drive_s, math.inf, (target,), 0.0)]
        return depart + drive_s

    def release(self, at: float, *, tag: str) -> None:
        """Leave at ``at`` for a waypoint near the court, then wander again; reseeded by ``tag`` so
        the wander after a dispatch does not depend on how far the old one had been drawn."""
        here = self._cut(at)
        self.rng = random.Random(f"{self.seed}:{self.unit.id}:{tag}")
        target = self._waypoint()
        corner = (here[0], target[1]) if self.rng.random() < 0.5 else (target[0], here[1])
        km = _km(here, corner) + _km(corner, target)
        taxi = self.unit.kind == UnitKind.FOOT and km > WALK_KM
        speed = self.rng.uniform(*(TAXI_KMH if taxi else SPEED_KMH[self.unit.kind]))
        self.legs.append(Leg(at, at + max(km / speed * 3600, 1.0), (here, corner, target), speed))

    def _cut(self, at: float) -> tuple[float, float]:
        """Keep the legs up to ``at`` and drop the rest; where the unit is at ``at``."""
        leg = self._leg_at(at)
        index = next(i for i, kept in enumerate(self.legs) if kept is leg)
        self.legs[index:] = [replace(leg, end=at)]
        lat, lon, _, _ = _along(leg, at)
        return lat, lon

    def _waypoint(self) -> tuple[float, float]:
        radius_deg = RANGE_KM[self.unit.kind] / 111.32
        for _ in range(20):
            lat = self.home[0] + self.rng.uniform(-radius_deg, radius_deg)
            lon = self.home[1] + self.rng.uniform(-radius_deg, radius_deg) / math.cos(
                math.radians(lat))
            if any(point_in_polygon(lat, lon, ring) for ring in self.district):
                return lat, lon
        return self.home

    def report(self, slot: int) -> dict[str, str] | None:
        """The OsmAnd request this device sends at report ``slot``; None while silent."""
        noise = _slot_rng(self.seed, self.unit.id, slot)
        if not self.moves or _silent(self.seed, self.unit.id, slot):
            return None
        t = slot * REPORT_EVERY_S[self.unit.kind]
        lat, lon, speed, heading = self.position(t)
        sigma = JITTER_M[self.unit.kind]
        lat += noise.gauss(0, sigma) / M_PER_DEG_LAT
        lon += noise.gauss(0, sigma) / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
        return {
            "id": self.unit.id, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "timestamp": str(int(t)),
            "speed": f"{speed * KNOTS_PER_KMH:.2f}", "bearing": f"{heading:.0f}",
            "accuracy": f"{abs(noise.gauss(sigma, 2)):.1f}", "batt": f"{self._battery(t):.0f}",
        }

    def _battery(self, t: float) -> float:
        start = 40 + (int(hashlib.sha256(self.unit.id.encode()).hexdigest(), 16) % 60)
        used = BATTERY_DRAIN_PER_H[self.unit.kind] * (t % 86_400) / 3600
        return max(3.0, (start - used) % 100 or 100)


def _along(leg: Leg, t: float) -> tuple[float, float, float, float]:
    if leg.speed_kmh == 0 or len(leg.points) < 2:
        return (*leg.points[-1], 0.0, 0.0)
    travelled_km = leg.speed_kmh * max(t - leg.start, 0) / 3600
    for a, b in zip(leg.points, leg.points[1:], strict=False):
        segment = _km(a, b)
        if travelled_km <= segment or b == leg.points[-1]:
            share = min(travelled_km / segment, 1.0) if segment else 1.0
            lat = a[0] + (b[0] - a[0]) * share
            lon = a[1] + (b[1] - a[1]) * share
            return lat, lon, leg.speed_kmh, _heading(a, b)
        travelled_km -= segment
    return (*leg.points[-1], 0.0, 0.0)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (b[0] - a[0]) * 111.32
    dlon = (b[1] - a[1]) * 111.32 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dlat, dlon)


def _heading(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = b[0] - a[0]
    dlon = (b[1] - a[1]) * math.cos(math.radians(a[0]))
    return math.degrees(math.atan2(dlon, dlat)) % 360


def _slot_rng(seed: int, unit_id: str, slot: int) -> random.Random:
    return random.Random(f"{seed}:{unit_id}:{slot}")


def _silent(seed: int, unit_id: str, slot: int) -> bool:
    return random.Random(f"{seed}:{unit_id}:drop:{slot // DROPOUT_BLOCK}").random() < DROPOUT_P


def district_rings(districts: dict, name: str | None) -> list[list[list[float]]]:
    """Outer rings of a district's polygons ([lon, lat] pairs), from the city's GeoJSON."""
    for feature in districts["features"]:
        if feature["properties"]["district"] == name:
            geometry = feature["geometry"]
            polygons = geometry["coordinates"]
            if geometry["type"] == "Polygon":
                polygons = [polygons]
            return [polygon[0] for polygon in polygons]
    return []


class FleetSimulator:
    """All simulated units; ``due(now)`` gives the reports that fell due since the last call."""

    def __init__(self, units: list[Unit], courts: dict[str, Court], districts: dict, *, seed: int):
        self.members = [
            SimulatedUnit(u, (courts[u.court_id].lat, courts[u.court_id].lon),
                          district_rings(districts, courts[u.court_id].district), seed)
            for u in units
        ]
        self.seed = seed
        self.by_id = {m.unit.id: m for m in self.members}
        self._last_slot: dict[str, int] = {}

    def last_report_at(self, unit_id: str) -> float:
        """Unix time of the newest slot already sent (or lost); a new plan may start no earlier."""
        slot = self._last_slot.get(unit_id)
        return -math.inf if slot is None else slot * REPORT_EVERY_S[self.by_id[unit_id].unit.kind]

    def due(self, now: datetime) -> list[dict[str, str]]:
        """At most one report per unit: the newest whose slot has come (skipped ones are lost,
        as a device that only sends its latest fix)."""
        t = now.astimezone(UTC).timestamp()
        reports = []
        for member in self.members:
            slot = int(t // REPORT_EVERY_S[member.unit.kind])
            if self._last_slot.get(member.unit.id) == slot:
                continue
            self._last_slot[member.unit.id] = slot
            report = member.report(slot)
            if report is not None:
                reports.append(report)
        return reports
