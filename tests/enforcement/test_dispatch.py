"""Dispatch ranking: ETA order, SLA bands, units passed over and why (enforcement.dispatch)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from geopy.distance import geodesic

from enforcement.city import load_city
from enforcement.dispatch import (
    Candidate,
    Conditions,
    Fleet,
    Ranked,
    Ranking,
    SkipReason,
    SlaBand,
    court_districts,
    is_working_time,
    rank,
)
from enforcement.errors import InvalidInput
from enforcement.geo import district_of
from enforcement.model import UnitKind, UnitStatus
from enforcement.units import Freshness, freshness

CITY = load_city()
DISTRICTS = court_districts(CITY.courts)
HEPING = CITY.by_id["210102"]  # 和平区人民法院, inside 和平区
TARGET = (HEPING.lat, HEPING.lon)
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shenyang, a working day
STALE_S, OFFLINE_S = 300.0, 1800.0
CAR, FOOT = UnitKind.CAR, UnitKind.FOOT
S = UnitStatus


def local(day: str, hh_mm: str) -> datetime:
    """A Shenyang wall-clock time (UTC+8, no DST) as a UTC instant."""
    return datetime.fromisoformat(f"{day}T{hh_mm}:00+08:00").astimezone(UTC)


def north(km: float, east_km: float = 0.0) -> tuple[float, float]:
    """The point ``km`` north (then ``east_km`` east) of TARGET along geodesics."""
    point = geodesic(kilometers=km).destination(TARGET, 0.0) if km else None
    lat, lon = (point.latitude, point.longitude) if point else TARGET
    if east_km:
        point = geodesic(kilometers=east_km).destination((lat, lon), 90.0)
        lat, lon = point.latitude, point.longitude
    return lat, lon


def unit(uid: str, km: float, *, kind: UnitKind = CAR, status: UnitStatus = S.AVAILABLE,
         court: str = "210102", silent_s: float = 10.0, now: datetime = MONDAY_10) -> Candidate:
    lat, lon = north(km)
    return Candidate(uid, court, kind, status, lat, lon, now - timedelta(seconds=silent_s))


def ranking(units: list[Candidate] | Fleet, *, now: datetime = MONDAY_10, k: int = 5,
            at: tuple[float, float] = TARGET, **kw: object) -> Ranking:
    return rank(units, lat=at[0], lon=at[1], now=now, k=k, district_of_court=DISTRICTS,
                target_district=district_of(*at, CITY.districts), stale_after_s=STALE_S,
                offline_after_s=OFFLINE_S, **kw)


def ids(rows: tuple[Ranked, ...]) -> list[str]:
    return [r.unit_id for r in rows]


# --- ETA and order ---------------------------------------------------------------------------


def test_a_car_3_km_away_beats_a_walker_1_km_away() -> None:
    result = ranking([unit("walker", 1.0, kind=FOOT), unit("car", 3.0)])
    assert ids(result.ranked) == ["car", "walker"]
    car, walker = result.ranked
    assert car.eta_min == pytest.approx(3 + 3 * 1.3 / 30 * 60, abs=0.01)  # 10.8 min, daytime
    assert walker.eta_min == pytest.approx(3 + 1 * 1.3 / 4.5 * 60, abs=0.01)  # 20.3 min


def test_eta_follows_the_time_of_day_for_cars_only() -> None:
    units = [unit("car", 10.0), unit("foot", 1.0, kind=FOOT)]
    times = {
        local("2026-11-23", "08:00"): 3 + 13 / 20 * 60,  # Monday rush: 42 min
        local("2026-11-23", "10:00"): 3 + 13 / 30 * 60,  # daytime: 29 min
        local("2026-11-22", "08:00"): 3 + 13 / 30 * 60,  # Sunday, no rush
        local("2026-11-23", "23:00"): 3 + 13 / 45 * 60,  # night: 20.3 min
    }
    for now, car_eta in times.items():
        units_now = [replace(u, last_fix_at=now) for u in units]
        by_id = {r.unit_id: r for r in ranking(units_now, now=now).ranked}
        assert by_id["car"].eta_min == pytest.approx(car_eta, abs=0.02), now
        assert by_id["foot"].eta_min == pytest.approx(3 + 1.3 / 4.5 * 60, abs=0.01)


def test_distances_are_geodesic_and_road_km_carries_the_factor() -> None:
    (r,) = ranking([unit("car", 10.0)]).ranked
    assert r.distance_km == pytest.approx(10.0, abs=1e-6)
    assert r.road_km == pytest.approx(13.0, abs=1e-5)


# --- SLA bands -------------------------------------------------------------------------------


def test_the_target_is_in_heping_district() -> None:
    assert district_of(*TARGET, CITY.districts) == HEPING.district == "和平区"


def test_own_district_in_working_hours_is_the_1_hour_band() -> None:
    own, other = unit("heping", 2.0), unit("tiexi", 2.0, court="210106")
    by_id = {r.unit_id: r for r in ranking([own, other]).ranked}
    assert (by_id["heping"].band, by_id["heping"].sla_min) == (SlaBand.DISTRICT_1H, 60)
    assert (by_id["tiexi"].band, by_id["tiexi"].sla_min) == (SlaBand.WITHIN_60KM_2H, 120)
    assert by_id["heping"].meets_sla and by_id["tiexi"].meets_sla


@pytest.mark.parametrize("now", [
    local("2026-11-22", "10:00"),  # Sunday
    local("2026-11-23", "22:00"),  # Monday night
    local("2026-10-01", "10:00"),  # National Day, a Thursday
    local("2026-11-23", "17:30"),  # working hours end at 17:30
])
def test_outside_working_hours_the_same_unit_has_the_2_hour_band(now: datetime) -> None:
    (r,) = ranking([unit("heping", 2.0, now=now)], now=now).ranked
    assert (r.band, r.sla_min, r.meets_sla) == (SlaBand.WITHIN_60KM_2H, 120, True)


def test_a_make_up_sunday_is_a_working_day() -> None:
    now = local("2026-01-04", "10:00")  # Sunday worked for the New Year holiday
    (r,) = ranking([unit("heping", 2.0, now=now)], now=now).ranked
    assert r.band == SlaBand.DISTRICT_1H


def test_working_hours_are_0830_to_1730_local() -> None:
    assert not is_working_time(local("2026-11-23", "08:29"))
    assert is_working_time(local("2026-11-23", "08:30"))
    assert is_working_time(local("2026-11-23", "17:29"))
    assert not is_working_time(local("2026-11-23", "17:30"))


def test_70_km_away_is_out_of_range_and_never_meets_an_sla() -> None:
    (r,) = ranking([unit("far", 70.0, court="210106")]).ranked
    assert (r.band, r.sla_min, r.meets_sla) == (SlaBand.OUT_OF_RANGE, None, False)


def test_a_unit_in_band_can_still_miss_its_sla() -> None:
    (r,) = ranking([unit("walker", 12.0, kind=FOOT)]).ranked  # 3 + 15.6 / 4.5 × 60 ≈ 211 min
    assert r.band == SlaBand.DISTRICT_1H and not r.meets_sla


# --- who is passed over, and why -------------------------------------------------------------


def test_closer_units_passed_over_are_listed_with_their_reasons() -> None:
    units = [
        unit("free", 5.0),
        unit("dispatched", 1.0, status=S.DISPATCHED),
        unit("off", 2.0, status=S.OFF_DUTY),
        unit("stale", 3.0, silent_s=STALE_S),  # exactly at the limit counts as stale
        unit("offline", 4.0, silent_s=OFFLINE_S + 1),
        unit("on_scene_far", 8.0, status=S.ON_SCENE),  # farther than the worst ranked: not listed
    ]
    result = ranking(units)
    assert ids(result.ranked) == ["free"]
    assert [(r.unit_id, r.skipped_because) for r in result.skipped] == [
        ("dispatched", "busy"), ("off", "off_duty"), ("stale", "stale"), ("offline", "offline"),
    ]
    assert result.ranked[0].skipped_because is None


def test_every_busy_status_reads_busy() -> None:
    units = [unit("free", 5.0)] + [unit(s.value, 1.0 + i, status=s)
                                   for i, s in enumerate([S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE])]
    assert {r.skipped_because for r in ranking(units).skipped} == {SkipReason.BUSY}


def test_off_duty_wins_over_silence_as_the_reason() -> None:
    units = [unit("free", 5.0), unit("off", 1.0, status=S.OFF_DUTY, silent_s=OFFLINE_S * 10)]
    assert ranking(units).skipped[0].skipped_because == SkipReason.OFF_DUTY


@pytest.mark.parametrize("silent_s", [0, STALE_S - 1, STALE_S, OFFLINE_S - 1, OFFLINE_S, 10 * OFFLINE_S])
def test_stale_and_offline_follow_units_freshness(silent_s: float) -> None:
    u = unit("u", 1.0, silent_s=silent_s)
    result = ranking([u, unit("free", 5.0)])
    expected = freshness(u.last_fix_at, MONDAY_10, stale_after_s=STALE_S, offline_after_s=OFFLINE_S)
    reason = {r.unit_id: r.skipped_because for r in result.ranked + result.skipped}["u"]
    assert reason == {Freshness.FRESH: None, Freshness.STALE: "stale", Freshness.OFFLINE: "offline"}[expected]


def test_a_position_without_a_fix_time_is_offline() -> None:
    units = [unit("free", 5.0), replace(unit("no_time", 1.0), last_fix_at=None)]
    assert [(r.unit_id, r.skipped_because) for r in ranking(units).skipped] == [("no_time", "offline")]


def test_units_that_never_reported_are_left_out() -> None:
    never = Candidate("never", "210102", CAR, S.AVAILABLE, None, None, None)
    never_busy = replace(never, unit_id="never_busy", status=S.DISPATCHED)
    units = [never, never_busy, unit("free", 5.0)]
    result = ranking(units)
    assert ids(result.ranked) == ["free"] and result.skipped == ()
    assert Fleet.from_candidates(units).unreported == 2


def test_with_no_one_free_the_nearest_unavailable_are_shown() -> None:
    units = [unit(f"busy{i}", 1.0 + i, status=S.EN_ROUTE) for i in range(8)]
    result = ranking(units, k=3)
    assert result.ranked == () and ids(result.skipped) == ["busy0", "busy1", "busy2"]


def test_k_limits_both_lists() -> None:
    units = [unit(f"free{i}", 10.0 + i) for i in range(10)]
    units += [unit(f"busy{i}", 1.0 + i, status=S.ON_SCENE) for i in range(8)]
    result = ranking(units, k=3)
    assert ids(result.ranked) == ["free0", "free1", "free2"]
    assert ids(result.skipped) == ["busy0", "busy1", "busy2"]


def test_bad_queries_are_refused_with_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        ranking([unit("a", 1.0)], now=datetime(2026, 11, 23, 10, 0))
    assert err.value.field == "now"
    with pytest.raises(InvalidInput) as err:
        ranking([unit("a", 1.0)], k=0)
    assert err.value.field == "k"
    with pytest.raises(InvalidInput):
        ranking([unit("a", 1.0)], at=(91.0, 123.4))


# --- the prefilter against a brute-force geopy ranking ---------------------------------------


def random_fleet(seed: int, n: int, now: datetime) -> list[Candidate]:
    rng = random.Random(seed)
    courts = [c.id for c in CITY.basic_courts()]
    statuses = [S.AVAILABLE] * 6 + [S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.OFF_DUTY]
    fleet = []
    for i in range(n):
        silent_s = rng.choice([rng.uniform(0, STALE_S), rng.uniform(0, 2 * OFFLINE_S)])
        fleet.append(Candidate(
            f"u{i:04d}", rng.choice(courts), rng.choice([CAR, CAR, FOOT]), rng.choice(statuses),
            41.8 + rng.gauss(0, 0.15), 123.43 + rng.gauss(0, 0.2), now - timedelta(seconds=silent_s),
        ))
    return fleet


def brute_force(units: list[Candidate], at: tuple[float, float], now: datetime, k: int) -> tuple[list, list]:
    """Geodesic to every unit; available and fresh ranked by ETA; the rest closer than the worst."""
    kmh = Conditions.at(now).speed_kmh
    km = {u.unit_id: geodesic(at, (u.lat, u.lon)).km for u in units}

    def free(u: Candidate) -> bool:
        fresh = freshness(u.last_fix_at, now, stale_after_s=STALE_S, offline_after_s=OFFLINE_S)
        return u.status == S.AVAILABLE and fresh == Freshness.FRESH

    ranked = sorted((u for u in units if free(u)),
                    key=lambda u: (km[u.unit_id] / kmh(u.kind), km[u.unit_id], u.unit_id))[:k]
    worst = max(km[u.unit_id] for u in ranked)
    skipped = sorted((u for u in units if not free(u) and km[u.unit_id] < worst),
                     key=lambda u: (km[u.unit_id], u.unit_id))[:k]
    return [u.unit_id for u in ranked], [u.unit_id for u in skipped]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("shortlist", [None, 1, 1000])
def test_the_prefilter_agrees_with_geodesic_for_every_unit(seed: int, shortlist: int | None) -> None:
    rng = random.Random(seed)
    now = MONDAY_10 + timedelta(hours=rng.choice([0, 7, 13]))  # daytime, rush, night
    units = random_fleet(seed, 400, now)
    fleet = Fleet.from_candidates(units)
    for _ in range(5):
        at = (41.8 + rng.gauss(0, 0.1), 123.43 + rng.gauss(0, 0.12))
        result = ranking(fleet, now=now, at=at, shortlist=shortlist)
        assert (ids(result.ranked), ids(result.skipped)) == brute_force(units, at, now, k=5)


def test_the_shortlist_widens_when_haversine_would_pick_the_wrong_unit() -> None:
    # At 41.8° N the sphere overstates north–south and understates east–west distances (~0.2 %):
    # haversine puts "east" (10.02 km geodesic) ahead of "north" (10.00 km); geodesic does not.
    east = geodesic(kilometers=10.02).destination(TARGET, 90.0)
    units = [unit("north", 10.0), Candidate("east", "210102", CAR, S.AVAILABLE, east.latitude,
                                            east.longitude, MONDAY_10)]
    assert ids(ranking(units, k=1, shortlist=1).ranked) == ["north"]


def test_a_prebuilt_fleet_gives_the_same_answer_as_the_list() -> None:
    units = random_fleet(7, 300, MONDAY_10)
    assert ranking(Fleet.from_candidates(units)) == ranking(units)


def test_the_ranking_is_deterministic_and_ignores_input_order() -> None:
    units = random_fleet(11, 300, MONDAY_10)
    shuffled = units[:]
    random.Random(0).shuffle(shuffled)
    first = ranking(units, k=8)
    assert ranking(units, k=8) == first
    assert ranking(shuffled, k=8) == first


def test_ties_break_by_unit_id() -> None:
    units = [unit(uid, 2.0) for uid in ("c", "a", "b")]
    assert ids(ranking(units).ranked) == ["a", "b", "c"]
