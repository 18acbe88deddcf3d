"""Dispatch ranking (调度派警): the nearest free field units to a tip, with ETA and the SLA band.

The rule (DOMAIN.md §6, Shenyang rapid response 快速反应): officers must arrive within 1 hour
inside their own district in working hours, or within 2 hours anywhere within 60 km.

How (ARCHITECTURE.md, "Distances"): a ``Fleet`` holds the units' numpy arrays, built once per
snapshot; a query runs a vectorised haversine over every unit, an ``np.argpartition`` shortlist
of a few × k, and geopy's ``geodesic`` only for the shortlist. The shortlist is widened until the
haversine error bound proves that no unit outside it could come before the k-th, so the answer is
the same as a geodesic ranking of every unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

import numpy as np
from geopy.distance import geodesic

from enforcement.calendar import CHINA, COURT_TZ, WorkCalendar
from enforcement.errors import InvalidInput
from enforcement.geo import EARTH_RADIUS_KM
from enforcement.model import Court, UnitKind, UnitStatus

# The SLA (DOMAIN.md §6, Shenyang practice).
DISTRICT_SLA_MIN = 60  # own district, working hours
RANGE_SLA_MIN = 120  # anywhere within RANGE_LIMIT_KM
RANGE_LIMIT_KM = 60.0  # straight line (geodesic)
WORK_STARTS = time(8, 30)  # working hours on a working day (CHINA calendar, make-up days count)
WORK_ENDS = time(17, 30)

# Travel model: planning assumptions for Shenyang traffic, not published figures; tune per city.
ROAD_FACTOR = 1.3  # road km per straight-line km (urban detour)
DISPATCH_OVERHEAD_MIN = 3.0  # from the order to moving: briefing, to the car
CAR_RUSH_KMH = 20.0  # 07:00–09:00 and 17:00–19:00 on working days
CAR_DAY_KMH = 30.0  # 06:00–22:00 otherwise
CAR_NIGHT_KMH = 45.0  # 22:00–06:00
FOOT_KMH = 4.5
RUSH_HOURS = ((time(7), time(9)), (time(17), time(19)))
DAY_STARTS, NIGHT_STARTS = time(6), time(22)

# Haversine (sphere of mean radius) against the WGS-84 geodesic: the ellipsoid's radii of
# curvature run 6335–6400 km against 6371 km, so they differ by at most ~0.56 %.
HAVERSINE_REL_ERROR = 0.006
# First geodesic pass: this many × k units. The widening guard makes the answer exact whatever
# the size; bench/nearest.py measured 1 × k fastest (1.05 ms vs 1.31 ms for 2 × k at 20,000 units).
SHORTLIST_PER_K = 1

_GEODESIC = geodesic(ellipsoid="WGS-84")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class SlaBand(StrEnum):
    DISTRICT_1H = "district_1h"  # target in the unit's own court district, in working hours
    WITHIN_60KM_2H = "within_60km_2h"  # ≤ 60 km straight line
    OUT_OF_RANGE = "out_of_range"


class SkipReason(StrEnum):
    BUSY = "busy"  # dispatched, en route or on scene
    OFF_DUTY = "off_duty"
    STALE = "stale"  # available, but silent past the stale limit
    OFFLINE = "offline"  # available, but silent past the offline limit (or no fix time)


SLA_MIN: dict[SlaBand, int | None] = {
    SlaBand.DISTRICT_1H: DISTRICT_SLA_MIN, SlaBand.WITHIN_60KM_2H: RANGE_SLA_MIN,
    SlaBand.OUT_OF_RANGE: None,
}
_REASONS: tuple[SkipReason | None, ...] = (None, SkipReason.BUSY, SkipReason.OFF_DUTY,
                                           SkipReason.STALE, SkipReason.OFFLINE)
_STATUS_CODE = {UnitStatus.AVAILABLE: 0, UnitStatus.DISPATCHED: 1, UnitStatus.EN_ROUTE: 1,
                UnitStatus.ON_SCENE: 1, UnitStatus.OFF_DUTY: 2}
_STALE_CODE, _OFFLINE_CODE = 3, 4


@dataclass(frozen=True, slots=True)
class Candidate:
    """A unit as dispatch sees it: its last fix (WGS-84; None if it never reported) and status."""

    unit_id: str
    court_id: str
    kind: UnitKind
    status: UnitStatus
    lat: float | None
    lon: float | None
    last_fix_at: datetime | None


@dataclass(frozen=True, slots=True)
class Ranked:
    """One unit's answer: straight-line and road km, ETA, the SLA band and whether it is met."""

    unit_id: str
    court_id: str
    kind: UnitKind
    distance_km: float  # geodesic, WGS-84
    road_km: float  # distance_km × ROAD_FACTOR
    eta_min: float
    band: SlaBand
    sla_min: int | None
    meets_sla: bool
    skipped_because: SkipReason | None = None  # None for an available unit


@dataclass(frozen=True, slots=True)
class Ranking:
    """``ranked``: available units, best ETA first, at most k. ``skipped``: closer than the worst
    ranked unit (any distance if none is ranked) but not available, nearest first, at most k."""

    ranked: tuple[Ranked, ...]
    skipped: tuple[Ranked, ...]


@dataclass(frozen=True, eq=False)
class Fleet:
    """Numpy arrays of the units that have a position, built once so repeated queries reuse them.

    A snapshot: rebuild it when statuses or fixes change. Units without a position are left out
    (``unreported`` counts them).
    """

    candidates: tuple[Candidate, ...]
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    cos_lat: np.ndarray
    is_car: np.ndarray  # bool
    status_code: np.ndarray  # int8: 0 available, 1 busy, 2 off duty
    fix_us: np.ndarray  # int64 µs since the epoch; meaningless where ~has_fix_time
    has_fix_time: np.ndarray  # bool
    unreported: int

    @classmethod
    def from_candidates(cls, candidates: Iterable[Candidate]) -> Fleet:
        every = tuple(candidates)
        located = tuple(c for c in every if _located(c))
        lat_rad = np.radians(np.fromiter((c.lat for c in located), np.float64, len(located)))
        return cls(
            candidates=located, lat_rad=lat_rad, cos_lat=np.cos(lat_rad),
            lon_rad=np.radians(np.fromiter((c.lon for c in located), np.float64, len(located))),
            is_car=np.fromiter((c.kind == UnitKind.CAR for c in located), bool, len(located)),
            status_code=np.fromiter((_STATUS_CODE[c.status] for c in located), np.int8, len(located)),
            fix_us=np.fromiter((_micros(c.last_fix_at) for c in located), np.int64, len(located)),
            has_fix_time=np.fromiter((c.last_fix_at is not None for c in located), bool, len(located)),
            unreported=len(every) - len(located),
        )

    def __len__(self) -> int:
        return len(self.candidates)


@dataclass(frozen=True, slots=True)
class Conditions:
    """What ``now`` means for dispatch: working time (for the 1 h band) and the car speed."""

    working_time: bool
    car_kmh: float

    @classmethod
    def at(cls, now: datetime, calendar: WorkCalendar = CHINA) -> Conditions:
        local = _aware(now, "now").astimezone(COURT_TZ)
        working_day = not calendar.is_rest_day(local.date())
        clock = local.time()
        return cls(working_day and WORK_STARTS <= clock < WORK_ENDS, _car_kmh(clock, working_day))

    def speed_kmh(self, kind: UnitKind) -> float:
        return self.car_kmh if kind == UnitKind.CAR else FOOT_KMH


def is_working_time(now: datetime, calendar: WorkCalendar = CHINA) -> bool:
    """08:30–17:30 Asia/Shanghai on a working day (make-up days count, holidays do not)."""
    return Conditions.at(now, calendar).working_time


def eta_min(road_km: float, speed_kmh: float) -> float:
    """Minutes to arrive: the dispatch overhead plus road km at the given speed."""
    return DISPATCH_OVERHEAD_MIN + road_km / speed_kmh * 60.0


def sla_band(
    *, distance_km: float, unit_district: str | None, target_district: str | None, working_time: bool
) -> SlaBand:
    """The Shenyang bands: own district in working hours → 1 h; within 60 km → 2 h; else none."""
    if working_time and target_district is not None and unit_district == target_district:
        return SlaBand.DISTRICT_1H
    if distance_km <= RANGE_LIMIT_KM:
        return SlaBand.WITHIN_60KM_2H
    return SlaBand.OUT_OF_RANGE


def court_districts(courts: Iterable[Court]) -> dict[str, str | None]:
    """court id → the district it serves (辖区), the ``district_of_court`` that ``rank`` wants."""
    return {c.id: c.district for c in courts}


def rank(
    units: Sequence[Candidate] | Fleet,
    *,
    lat: float,
    lon: float,
    now: datetime,
    k: int = 5,
    district_of_court: Mapping[str, str | None],
    target_district: str | None,
    stale_after_s: float,
    offline_after_s: float,
    shortlist: int | None = None,
    calendar: WorkCalendar = CHINA,
) -> Ranking:
    """The k available units with the best ETA to (lat, lon), and the closer ones passed over.

    ``shortlist`` is how many units get a geodesic in the first pass (default
    ``SHORTLIST_PER_K`` × k); it is widened when that cannot yet prove the top k.
    """
    _check_query(lat, lon, k)
    fleet = units if isinstance(units, Fleet) else Fleet.from_candidates(units)
    conditions = Conditions.at(now, calendar)
    approx_km = _haversine_km(fleet, lat, lon)
    codes = _reason_codes(fleet, _micros(now, "now"), stale_after_s, offline_after_s)
    kmh = np.where(fleet.is_car, conditions.car_kmh, FOOT_KMH)
    km = _GeodesicCache(fleet, lat, lon)
    first = shortlist if shortlist is not None else SHORTLIST_PER_K * k

    free = np.flatnonzero(codes == 0)
    best = _exact_smallest(free, approx_km[free] / kmh[free], lambda i: km(i) / kmh[i], k, first)
    best.sort(key=lambda i: (km(i) / kmh[i], km(i), fleet.candidates[i].unit_id))
    worst_km = max((km(i) for i in best), default=math.inf)

    passed = np.flatnonzero((codes != 0) & (approx_km * (1.0 - HAVERSINE_REL_ERROR) < worst_km))
    closer = [i for i in _exact_smallest(passed, approx_km[passed], km, k, first) if km(i) < worst_km]
    closer.sort(key=lambda i: (km(i), fleet.candidates[i].unit_id))

    def answer(i: int) -> Ranked:
        return _ranked(fleet.candidates[i], km(i), conditions, district_of_court, target_district,
                       _REASONS[codes[i]])

    return Ranking(tuple(answer(i) for i in best), tuple(answer(i) for i in closer))


# --- internals -------------------------------------------------------------------------------


class _GeodesicCache:
    """geopy geodesic km from the target to unit i, computed at most once per query."""

    def __init__(self, fleet: Fleet, lat: float, lon: float) -> None:
        self._fleet, self._target, self._km = fleet, (lat, lon), {}

    def __call__(self, i: int) -> float:
        km = self._km.get(i)
        if km is None:
            c = self._fleet.candidates[i]
            km = self._km[i] = _GEODESIC.measure(self._target, (c.lat, c.lon))
        return km


def _exact_smallest(
    pool: np.ndarray, approx: np.ndarray, exact: Callable[[int], float], k: int, first: int
) -> list[int]:
    """The (up to) k pool members with the smallest exact key, where exact = approx × (1 ± ε).

    Measures the ``first`` smallest by approx and doubles that until the k-th exact key is below
    every unmeasured approx key × (1 − ε): then no unmeasured member can come before it.
    """
    measured: dict[int, float] = {}
    size = min(max(first, k, 1), len(pool))
    while True:
        order = np.argpartition(approx, size) if size < len(pool) else np.arange(len(pool))
        for j in order[:size].tolist():
            if j not in measured:
                measured[j] = exact(int(pool[j]))
        top = sorted(measured, key=lambda j: (measured[j], int(pool[j])))[:k]
        if size >= len(pool) or measured[top[-1]] < approx[order[size]] * (1.0 - HAVERSINE_REL_ERROR):
            return [int(pool[j]) for j in top]
        size = min(2 * size, len(pool))


def _ranked(
    unit: Candidate,
    distance_km: float,
    conditions: Conditions,
    district_of_court: Mapping[str, str | None],
    target_district: str | None,
    reason: SkipReason | None,
) -> Ranked:
    road_km = distance_km * ROAD_FACTOR
    eta = eta_min(road_km, conditions.speed_kmh(unit.kind))
    band = sla_band(distance_km=distance_km, unit_district=district_of_court.get(unit.court_id),
                    target_district=target_district, working_time=conditions.working_time)
    sla = SLA_MIN[band]
    return Ranked(unit.unit_id, unit.court_id, unit.kind, distance_km, road_km, eta, band, sla,
                  sla is not None and eta <= sla, reason)


def _haversine_km(fleet: Fleet, lat: float, lon: float) -> np.ndarray:
    """enforcement.geo.haversine_km's formula on the fleet's prebuilt radians and cosines."""
    p2, l2 = math.radians(lat), math.radians(lon)
    h = np.sin((p2 - fleet.lat_rad) / 2.0) ** 2
    h += fleet.cos_lat * math.cos(p2) * np.sin((l2 - fleet.lon_rad) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _reason_codes(fleet: Fleet, now_us: int, stale_after_s: float, offline_after_s: float) -> np.ndarray:
    """Per unit: 0 available and fresh, else a _REASONS index (same rule as units.freshness)."""
    silent_us = now_us - fleet.fix_us
    offline = ~fleet.has_fix_time | (silent_us >= offline_after_s * 1e6)
    fresh_code = np.where(offline, _OFFLINE_CODE, np.where(silent_us >= stale_after_s * 1e6, _STALE_CODE, 0))
    return np.where(fleet.status_code > 0, fleet.status_code, fresh_code)


def _car_kmh(clock: time, working_day: bool) -> float:
    if working_day and any(start <= clock < end for start, end in RUSH_HOURS):
        return CAR_RUSH_KMH
    return CAR_DAY_KMH if DAY_STARTS <= clock < NIGHT_STARTS else CAR_NIGHT_KMH


def _located(c: Candidate) -> bool:
    return c.lat is not None and c.lon is not None and math.isfinite(c.lat) and math.isfinite(c.lon)


def _micros(instant: datetime | None, name: str = "last_fix_at") -> int:
    return 0 if instant is None else (_aware(instant, name) - _EPOCH) // _US


def _aware(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime", field=name)
    return instant


def _check_query(lat: float, lon: float, k: int) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"target ({lat}, {lon}) is not a WGS-84 latitude and longitude", field="lat")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInput(f"k must be a whole number of at least 1, not {k!r}", field="k")
