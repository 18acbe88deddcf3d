"""Distances, datum conversion and district lookup (enforcement.geo)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from geopy.distance import geodesic

from enforcement.geo import (
    EARTH_RADIUS_KM,
    bd09_to_gcj02,
    district_of,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_km,
    point_in_polygon,
    to_wgs84,
    wgs84_to_gcj02,
)
from enforcement.model import Datum

SHENYANG = (41.8057, 123.4315)  # near 沈阳 市府广场, WGS-84
DISTRICTS = Path(__file__).resolve().parents[2] / "data" / "shenyang-districts.geojson"


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(*a, *b) * 1000.0


# --- haversine -------------------------------------------------------------------------------


def test_haversine_zero_and_quarter_circumference() -> None:
    assert haversine_km(*SHENYANG, *SHENYANG) == 0.0
    assert haversine_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(np.pi / 2 * EARTH_RADIUS_KM)


def test_haversine_returns_float_for_scalars() -> None:
    assert isinstance(haversine_km(41.8, 123.4, 41.9, 123.5), float)


@pytest.mark.parametrize(
    "other",
    [(41.7648, 123.4210), (41.8302, 123.4011), (41.7441, 123.2876), (42.0, 123.0), (41.5, 123.9)],
)
def test_haversine_close_to_geodesic_at_city_scale(other: tuple[float, float]) -> None:
    expected = geodesic(SHENYANG, other).km
    assert haversine_km(*SHENYANG, *other) == pytest.approx(expected, rel=0.005)


def test_vectorised_equals_scalar() -> None:
    rng = np.random.default_rng(7)
    lats = rng.uniform(41.5, 42.2, 200)
    lons = rng.uniform(122.8, 123.9, 200)
    vector = haversine_km(SHENYANG[0], SHENYANG[1], lats, lons)
    assert isinstance(vector, np.ndarray) and vector.shape == (200,)
    scalar = [haversine_km(*SHENYANG, float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
    np.testing.assert_allclose(vector, scalar, rtol=1e-12)


def test_vectorised_broadcasts_pairwise() -> None:
    lats, lons = np.array([41.8, 41.9]), np.array([123.4, 123.5])
    matrix = haversine_km(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    assert matrix.shape == (2, 2)
    assert matrix[0, 1] == pytest.approx(matrix[1, 0]) and matrix[0, 0] == 0.0


# --- datums ----------------------------------------------------------------------------------


def test_gcj02_shift_in_shenyang_is_a_few_hundred_metres() -> None:
    shifted = wgs84_to_gcj02(*SHENYANG)
    assert 300.0 < metres(SHENYANG, shifted) < 800.0


def test_gcj02_round_trip_within_a_metre() -> None:
    back = to_wgs84(*wgs84_to_gcj02(*SHENYANG), Datum.GCJ02)
    assert metres(SHENYANG, back) < 1.0


def test_bd09_round_trip_within_a_metre() -> None:
    bd = from_wgs84(*SHENYANG, Datum.BD09)
    assert bd == gcj02_to_bd09(*wgs84_to_gcj02(*SHENYANG))
    assert metres(SHENYANG, to_wgs84(*bd, Datum.BD09)) < 1.0


def test_bd09_to_gcj02_inverts_baidu_shift() -> None:
    gcj = wgs84_to_gcj02(*SHENYANG)
    assert metres(gcj, bd09_to_gcj02(*gcj02_to_bd09(*gcj))) < 0.01


@pytest.mark.parametrize(
    "point", [(39.9087, 116.3975), (31.2304, 121.4737), (22.5431, 114.0579), (45.75, 126.65)]
)
def test_round_trips_across_china(point: tuple[float, float]) -> None:
    for datum in (Datum.GCJ02, Datum.BD09):
        assert metres(point, to_wgs84(*from_wgs84(*point, datum), datum)) < 0.5


def test_outside_china_gcj02_is_wgs84() -> None:
    paris = (48.8566, 2.3522)
    assert wgs84_to_gcj02(*paris) == paris
    assert gcj02_to_wgs84(*paris) == paris


def test_wgs84_is_identity() -> None:
    assert to_wgs84(*SHENYANG, Datum.WGS84) == SHENYANG
    assert from_wgs84(*SHENYANG, Datum.WGS84) == SHENYANG


# --- polygons --------------------------------------------------------------------------------

SQUARE = [[123.0, 41.0], [124.0, 41.0], [124.0, 42.0], [123.0, 42.0], [123.0, 41.0]]
HOLE = [[123.4, 41.4], [123.6, 41.4], [123.6, 41.6], [123.4, 41.6], [123.4, 41.4]]


def test_point_in_polygon_square() -> None:
    assert point_in_polygon(41.5, 123.5, SQUARE)
    assert not point_in_polygon(42.5, 123.5, SQUARE)
    assert not point_in_polygon(41.5, 122.9, SQUARE)
    assert point_in_polygon(41.5, 123.5, SQUARE[:-1])  # an unclosed ring works too


def test_point_in_concave_polygon() -> None:
    u_shape = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]]
    assert point_in_polygon(2.0, 0.5, u_shape)  # inside a prong
    assert not point_in_polygon(2.0, 1.5, u_shape)  # in the notch


def test_degenerate_ring_contains_nothing() -> None:
    assert not point_in_polygon(0.0, 0.0, [[0, 0], [1, 1]])


def feature(name: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"district": name}, "geometry": geometry}


def test_district_of_polygon_with_hole_and_multipolygon() -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature("ring", {"type": "Polygon", "coordinates": [SQUARE, HOLE]}),
            feature("islands", {"type": "MultiPolygon", "coordinates": [[HOLE]]}),
        ],
    }
    assert district_of(41.2, 123.2, collection) == "ring"
    assert district_of(41.5, 123.5, collection) == "islands"
    assert district_of(10.0, 10.0, collection) is None


def test_district_of_custom_name_key() -> None:
    collection = {
        "features": [
            {"properties": {"name": "A"}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}
        ]
    }
    assert district_of(41.5, 123.5, collection, name_key="name") == "A"


def test_district_of_shenyang_basemap() -> None:
    collection = json.loads(DISTRICTS.read_text(encoding="utf-8"))
    assert district_of(*SHENYANG, collection) == "沈河区"
    assert district_of(41.79, 123.39, collection) == "和平区"
    assert district_of(31.23, 121.47, collection) is None
