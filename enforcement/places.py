"""Where an address is (地址定位): an offline gazetteer of the city's districts, streets and landmarks.

A caller on the 24-hour line says "沈阳市和平区太原街12号" or "北陵公园东门"; the gazetteer finds the
most specific name it knows inside that text (a landmark beats a street, a street beats a district,
and a longer name beats one it contains) and returns that name's point. An address it cannot place
comes back unresolved with its text kept, so the call-taker can still store the tip.
Data: ``data/gazetteer.yaml``. Everything is WGS-84.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from enforcement.city import DATA_DIR
from enforcement.errors import InvalidInput
from enforcement.geo import district_of

Precision = Literal["point", "street", "district"]

DEFAULT_GAZETTEER = DATA_DIR / "gazetteer.yaml"
MAX_ADDRESS_CHARS = 200
# Leading parts of an address that say nothing about where in the city it is, dropped in order.
CITY_PREFIXES = ("辽宁省", "辽宁", "沈阳市", "沈阳")

_SECTIONS: dict[str, Precision] = {"districts": "district", "streets": "street", "landmarks": "point"}
_RANK: dict[Precision, int] = {"district": 0, "street": 1, "point": 2}
_DROPPED_CATEGORIES = ("P", "Z", "S", "C")  # punctuation, spaces, symbols, controls


@dataclass(frozen=True, slots=True)
class Place:
    """An address placed on the map, or not: ``resolved`` False means lat/lon are None."""

    lat: float | None
    lon: float | None
    resolved: bool
    matched: str | None  # the gazetteer name (or remote result) the point comes from
    district: str | None
    precision: Precision | None
    text: str  # the address as given

    @classmethod
    def unresolved(cls, text: str) -> Place:
        return cls(None, None, resolved=False, matched=None, district=None, precision=None, text=text)


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer name: a district, a street or area, or a landmark."""

    name: str
    district: str
    lat: float
    lon: float
    precision: Precision
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def place(self, text: str) -> Place:
        return Place(self.lat, self.lon, resolved=True, matched=self.name, district=self.district,
                     precision=self.precision, text=text)


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    entry: Entry

    def inside(self, other: _Match) -> bool:
        """True when this match is part of a longer one (北陵 within 北陵大街)."""
        longer = other.end - other.start > self.end - self.start
        return longer and other.start <= self.start and self.end <= other.end

    @property
    def rank(self) -> tuple[int, int, int]:
        return _RANK[self.entry.precision], self.end - self.start, -self.start


class Gazetteer:
    """Known names of the city, searched inside free-text addresses."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = tuple(entries)
        self._by_name: dict[str, Entry] = {}
        for entry in self.entries:
            for name in entry.names:
                key = normalise(name)
                if not key or key in self._by_name:
                    raise InvalidInput(f"gazetteer name {name!r} is empty or repeated",
                                       field="gazetteer")
                self._by_name[key] = entry

    @classmethod
    def load(cls, path: Path = DEFAULT_GAZETTEER) -> Gazetteer:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls(_entry(row, precision) for section, precision in _SECTIONS.items()
                   for row in raw.get(section) or [])

    def get(self, name: str) -> Entry | None:
        """The entry known by ``name`` or one of its aliases."""
        return self._by_name.get(normalise(name))

    def resolve(self, address: str) -> Place:
        """The point of the most specific known name in ``address``; unresolved if none."""
        text = check_address(address)
        match = self._best(self._strip_city(normalise(text)))
        return match.entry.place(text) if match else Place.unresolved(text)

    def _strip_city(self, text: str) -> str:
        """Drop 辽宁省/沈阳市/沈阳 in front, unless a known name begins there (沈阳站, 辽宁大学)."""
        for prefix in CITY_PREFIXES:
            if text.startswith(prefix) and not self._name_at_start(text, len(prefix)):
                text = text[len(prefix):]
        return text

    def _name_at_start(self, text: str, longer_than: int) -> bool:
        return any(len(name) > longer_than and text.startswith(name) for name in self._by_name)

    def _best(self, text: str) -> _Match | None:
        found = list(self._matches(text))
        kept = [m for m in found if not any(m.inside(other) for other in found)]
        return max(kept, key=lambda m: m.rank, default=None)

    def _matches(self, text: str) -> Iterable[_Match]:
        for name, entry in self._by_name.items():
            start = text.find(name)
            while start != -1:
                yield _Match(start, start + len(name), entry)
                start = text.find(name, start + 1)


def normalise(text: str) -> str:
    """Half-width (NFKC), lower case, without spaces, punctuation or symbols: "（１２号）" → "12号"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROPPED_CATEGORIES)


def check_address(address: Any) -> str:
    """The address trimmed; InvalidInput(field="address") if empty, too long or with control codes."""
    if not isinstance(address, str):
        raise InvalidInput("address must be text", field="address")
    text = address.strip()
    if not text:
        raise InvalidInput("address is empty", field="address")
    if len(text) > MAX_ADDRESS_CHARS:
        raise InvalidInput(f"address is longer than {MAX_ADDRESS_CHARS} characters", field="address")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidInput("address contains control characters", field="address")
    return text


def place_from_coordinates(lat: Any, lon: Any, districts: Mapping[str, Any], *, text: str = "") -> Place:
    """A place reported as coordinates (WGS-84 degrees), with the district that contains it."""
    lat_deg = _degrees(lat, "location.lat", 90.0)
    lon_deg = _degrees(lon, "location.lon", 180.0)
    return Place(lat_deg, lon_deg, resolved=True, matched=None,
                 district=district_of(lat_deg, lon_deg, districts), precision="point", text=text)


def _degrees(value: Any, field: str, limit: float) -> float:
    """A finite number of degrees within ±limit, from a number or numeric text."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{field} must be a number of degrees, got {value!r}", field=field)
    try:
        degrees = float(value)
    except ValueError:
        raise InvalidInput(f"{field} must be a number of degrees, got {value!r}", field=field) from None
    if not math.isfinite(degrees) or abs(degrees) > limit:
        raise InvalidInput(f"{field} must be between -{limit:g} and {limit:g}, got {value!r}",
                           field=field)
    return degrees


def _entry(row: Mapping[str, Any], precision: Precision) -> Entry:
    try:
        return Entry(name=str(row["name"]), district=str(row.get("district") or row["name"]),
                     lat=float(row["lat"]), lon=float(row["lon"]), precision=precision,
                     aliases=tuple(str(a) for a in row.get("aliases") or ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"gazetteer row {row!r}: {exc!r}", field="gazetteer") from exc
