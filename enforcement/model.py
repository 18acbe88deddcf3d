"""The nouns of the command center: courts, teams, officers, field units and their fixes.

Coordinates are WGS-84 degrees everywhere inside the product; sources in GCJ-02 or BD-09 are
converted at the edge (see ``enforcement.geo``). Instants are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CourtLevel(StrEnum):
    HIGH = "high"  # 高级人民法院
    INTERMEDIATE = "intermediate"  # 中级人民法院
    BASIC = "basic"  # 基层人民法院


class Role(StrEnum):
    DUTY = "duty"  # 指挥中心值班人员
    LEADER = "leader"  # 院领导 / 执行局长
    DISPATCHER = "dispatcher"  # 调度员
    INTAKE = "intake"  # 接警员
    ADMIN = "admin"
    DEVICE = "device"  # 单兵设备
    KIOSK = "kiosk"  # 大屏只读


class UnitKind(StrEnum):
    FOOT = "foot"
    CAR = "car"


class UnitStatus(StrEnum):
    OFF_DUTY = "off_duty"  # 未在岗
    AVAILABLE = "available"  # 待命
    DISPATCHED = "dispatched"  # 已派
    EN_ROUTE = "en_route"  # 途中
    ON_SCENE = "on_scene"  # 到场


class Datum(StrEnum):
    WGS84 = "wgs84"  # GPS
    GCJ02 = "gcj02"  # 高德 / 腾讯 (国测局坐标)
    BD09 = "bd09"  # 百度


@dataclass(frozen=True, slots=True)
class Court:
    id: str
    name: str
    name_en: str
    level: CourtLevel
    parent_id: str | None
    lat: float
    lon: float
    district: str | None = None  # the county-level district it serves (辖区)
    short: str | None = None  # the name on crowded screens: 和平, 沈阳中院


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    court_id: str
    name: str
    kind: str  # fast / ordinary / special / 110 / zhongben / police


@dataclass(frozen=True, slots=True)
class Officer:
    id: str
    court_id: str
    team_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Unit:
    """A single-soldier device (单兵) carried by an officer or mounted in a car."""

    id: str
    court_id: str
    kind: UnitKind
    officer_id: str | None = None
    datum: Datum = Datum.WGS84
    status: UnitStatus = UnitStatus.AVAILABLE


@dataclass(frozen=True, slots=True)
class Fix:
    """One position report, after decoding and datum conversion (WGS-84).

    Three times, as Traccar keeps them: ``at`` is the device's fix time, ``received_at`` when the
    server took it. Speeds in km/h, heading in degrees from north, accuracy in metres.
    """

    unit_id: str
    lat: float
    lon: float
    at: datetime
    received_at: datetime
    speed_kmh: float | None = None
    heading: float | None = None
    altitude_m: float | None = None
    accuracy_m: float | None = None
    battery_pct: float | None = None
    extras: dict[str, str] = field(default_factory=dict)
