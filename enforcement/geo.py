"""Geometry for the map and for dispatch: distances, datum conversion, district lookup.

Everything inside the product is WGS-84. Chinese map providers publish shifted coordinates:
AMap/Gaode and Tencent use GCJ-02 (国测局坐标), Baidu uses BD-09 (百度坐标), which is GCJ-02
shifted once more. ``to_wgs84`` undoes those shifts at the edge; ``from_wgs84`` applies them
(for simulators and tests). GCJ-02 has no closed-form inverse, so it is inverted by fixed-point
iteration of the published forward transform, which converges to well under a centimetre.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from enforcement.model import Datum

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_GCJ_A_M = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0

# A rough box around mainland China; outside it GCJ-02 is plain WGS-84.
_CHINA_LON_DEG = (72.004, 137.8347)
_CHINA_LAT_DEG = (0.8293, 55.8271)

_INVERSE_ITERATIONS = 12
_INVERSE_TOLERANCE_DEG = 1e-10  # about 0.01 mm

Point = tuple[float, float]  # (lat, lon) in degrees
Ring = Sequence[Sequence[float]]  # GeoJSON ring: [lon, lat] pairs


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> Any:
    """Great-circle distance in km; floats in, float out; arrays in, array out (broadcast)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(km) if np.ndim(km) == 0 else km


# --- datum conversion -------------------------------------------------------------------------


def in_mainland_china(lat: float, lon: float) -> bool:
    """True inside the box where GCJ-02 differs from WGS-84."""
    return (_CHINA_LON_DEG[0] <= lon <= _CHINA_LON_DEG[1]) and (
        _CHINA_LAT_DEG[0] <= lat <= _CHINA_LAT_DEG[1]
    )


def _shift_lat(x: float, y: float) -> float:
    """The published GCJ-02 latitude polynomial; x = lon - 105, y = lat - 35."""
    s = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    s += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    s += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    s += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return s


def _shift_lon(x: float, y: float) -> float:
    """The published GCJ-02 longitude polynomial; x = lon - 105, y = lat - 35."""
    s = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    s += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    s += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    s += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return s


def wgs84_to_gcj02(lat: float, lon: float) -> Point:
    """The forward GCJ-02 obfuscation; identity outside mainland China."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    rad_lat = math.radians(lat)
    magic = 1.0 - _GCJ_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = _shift_lat(lon - 105.0, lat - 35.0)
    dlon = _shift_lon(lon - 105.0, lat - 35.0)
    dlat = dlat * 180.0 / ((_GCJ_A_M * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = dlon * 180.0 / (_GCJ_A_M / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + dlat, lon + dlon


def gcj02_to_bd09(lat: float, lon: float) -> Point:
    """Baidu's extra shift on top of GCJ-02."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _bd09_to_gcj02_approx(lat: float, lon: float) -> Point:
    """The usual closed-form reversal of Baidu's shift (good to about a metre)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def _invert(forward: Callable[[float, float], Point], target: Point, start: Point) -> Point:
    """Solve forward(p) == target by fixed-point iteration p -= forward(p) - target."""
    lat, lon = start
    for _ in range(_INVERSE_ITERATIONS):
        f_lat, f_lon = forward(lat, lon)
        d_lat, d_lon = f_lat - target[0], f_lon - target[1]
        lat, lon = lat - d_lat, lon - d_lon
        if abs(d_lat) < _INVERSE_TOLERANCE_DEG and abs(d_lon) < _INVERSE_TOLERANCE_DEG:
            break
    return lat, lon


def gcj02_to_wgs84(lat: float, lon: float) -> Point:
    """Invert GCJ-02 iteratively; identity outside mainland China."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    return _invert(wgs84_to_gcj02, (lat, lon), (lat, lon))


def bd09_to_gcj02(lat: float, lon: float) -> Point:
    """Invert Baidu's shift: closed-form start, refined iteratively."""
    return _invert(gcj02_to_bd09, (lat, lon), _bd09_to_gcj02_approx(lat, lon))


def to_wgs84(lat: float, lon: float, datum: Datum) -> Point:
    """Convert a (lat, lon) in ``datum`` to WGS-84."""
    if datum is Datum.GCJ02:
        return gcj02_to_wgs84(lat, lon)
    if datum is Datum.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    return float(lat), float(lon)


def from_wgs84(lat: float, lon: float, datum: Datum) -> Point:
    """Convert a WGS-84 (lat, lon) to ``datum`` (what an AMap or Baidu device would report)."""
    if datum is Datum.GCJ02:
        return wgs84_to_gcj02(lat, lon)
    if datum is Datum.BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    return float(lat), float(lon)


# --- polygons and districts -------------------------------------------------------------------


def point_in_polygon(lat: float, lon: float, ring: Ring) -> bool:
    """Ray casting against one GeoJSON ring of [lon, lat] pairs (closed or not)."""
    pts = np.asarray(ring, dtype=np.float64)
    if pts.ndim != 2 or len(pts) < 3:
        return False
    xs, ys = pts[:, 0], pts[:, 1]
    xj, yj = np.roll(xs, 1), np.roll(ys, 1)
    straddles = (ys > lat) != (yj > lat)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = xs + (lat - ys) * (xj - xs) / (yj - ys)
    crossings = np.count_nonzero(straddles & (lon < x_cross))
    return bool(crossings % 2)


def _in_rings(lat: float, lon: float, rings: Sequence[Ring]) -> bool:
    """Inside the outer ring and outside every hole."""
    if not rings or not point_in_polygon(lat, lon, rings[0]):
        return False
    return not any(point_in_polygon(lat, lon, hole) for hole in rings[1:])


def in_geometry(lat: float, lon: float, geometry: Mapping[str, Any]) -> bool:
    """Point in a GeoJSON Polygon or MultiPolygon geometry (other types: False)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return _in_rings(lat, lon, coords)
    if kind == "MultiPolygon":
        return any(_in_rings(lat, lon, polygon) for polygon in coords)
    return False


def district_of(
    lat: float, lon: float, features: Mapping[str, Any], *, name_key: str = "district"
) -> str | None:
    """The ``name_key`` property of the first feature containing the point, or None.

    ``features`` is a GeoJSON FeatureCollection dict, e.g. ``data/shenyang-districts.geojson``.
    """
    for feature in features.get("features", []):
        geometry = feature.get("geometry") or {}
        if in_geometry(lat, lon, geometry):
            return (feature.get("properties") or {}).get(name_key)
    return None
