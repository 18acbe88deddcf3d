"""The demo city's reference data: every court sits in the district it serves; scopes nest."""

from __future__ import annotations

from enforcement.city import load_city
from enforcement.geo import district_of
from enforcement.model import CourtLevel


def test_sixteen_courts_in_three_levels() -> None:
    city = load_city()
    assert len(city.courts) == 16
    levels = [c.level for c in city.courts]
    assert levels.count(CourtLevel.HIGH) == 1 and levels.count(CourtLevel.INTERMEDIATE) == 1


def test_every_court_lies_in_its_district() -> None:
    city = load_city()
    for court in city.courts:
        assert district_of(court.lat, court.lon, city.districts) == court.district, court.name


def test_scopes_nest_downwards() -> None:
    city = load_city()
    assert city.scope("21") == frozenset(city.by_id)
    assert city.scope("2101") == frozenset(city.by_id) - {"21"}
    assert city.scope("210102") == {"210102"}
    assert city.scope(None) == frozenset(city.by_id)
