"""The fleet simulator: deterministic, plausible, and it speaks the OsmAnd protocol."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from enforcement.city import load_city
from enforcement.geo import haversine_km
from enforcement.model import Datum
from feeds.protocols import decode_osmand
from simulators.city import build_organisation
from simulators.units import REPORT_EVERY_S, FleetSimulator

START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def city():
    return load_city()


def run(city, *, seed: int, minutes: int = 30, units: int = 40) -> list[dict[str, str]]:
    organisation = build_organisation(city, seed=seed, units=units)
    fleet = FleetSimulator(organisation.units, city.by_id, city.districts, seed=seed)
    reports = []
    for second in range(0, minutes * 60, 5):
        reports.extend(fleet.due(START + timedelta(seconds=second)))
    return reports


def test_the_same_seed_gives_the_same_tracks(city) -> None:
    assert run(city, seed=3) == run(city, seed=3)
    assert run(city, seed=3) != run(city, seed=4)


def test_the_organisation_is_deterministic_and_complete(city) -> None:
    one, two = (build_organisation(city, seed=9, units=50) for _ in range(2))
    assert one == two
    assert {t.court_id for t in one.teams} == {c.id for c in city.courts}
    assert len(one.units) == 50 and len({u.id for u in one.units}) == 50


def test_reports_decode_and_stay_plausible(city) -> None:
    reports = run(city, seed=5)
    by_unit: dict[str, list] = {}
    for report in reports:
        [fix] = decode_osmand(report, received_at=START + timedelta(hours=1),
                              datum_of=lambda _: Datum.WGS84)
        by_unit.setdefault(fix.unit_id, []).append(fix)
    for fixes in by_unit.values():
        for a, b in zip(fixes, fixes[1:], strict=False):
            hours = (b.at - a.at).total_seconds() / 3600
            assert haversine_km(a.lat, a.lon, b.lat, b.lon) / hours < 60  # km/h, jitter included
        assert all(f.speed_kmh is None or f.speed_kmh <= 45.01 for f in fixes)


def test_units_keep_near_their_court(city) -> None:
    organisation = build_organisation(city, seed=5, units=40)
    home = {u.id: city.by_id[u.court_id] for u in organisation.units}
    for report in run(city, seed=5):
        court = home[report["id"]]
        assert haversine_km(court.lat, court.lon, float(report["lat"]), float(report["lon"])) < 12


def test_walkers_walk_and_drivers_drive(city) -> None:
    speeds = {"foot": [], "car": []}
    organisation = build_organisation(city, seed=2, units=40)
    kind = {u.id: str(u.kind) for u in organisation.units}
    for report in run(city, seed=2, minutes=60):
        speeds[kind[report["id"]]].append(float(report["speed"]) * 1.852)
    assert max(speeds["foot"]) <= 6.01 and max(speeds["car"]) > 15


def test_devices_fall_silent_now_and_then(city) -> None:
    reports = run(city, seed=1, minutes=240, units=40)
    organisation = build_organisation(city, seed=1, units=40)
    moving = [u for u in organisation.units if u.status != "off_duty"]
    expected = sum(240 * 60 // REPORT_EVERY_S[u.kind] for u in moving)
    assert 0.80 * expected < len(reports) < expected
