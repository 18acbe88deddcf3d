"""Geocoders: an address in, a ``Place`` out, chosen by configuration (``make_geocoder``).

    gazetteer                 offline, the default: data/gazetteer.yaml (enforcement.places)
    nominatim:<url>           the court's own Nominatim server, e.g. nominatim:https://geo.court.example
    baidu:<api key>           Baidu Maps (百度地图), for a court licensed to use it; answers in BD-09

A remote geocoder never stands alone: when it fails, times out, finds nothing or answers with a
point outside the city, the gazetteer answers instead, so an unknown place is never an error.
Remote points in GCJ-02 or BD-09 are converted to WGS-84 on arrival.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from geopy.exc import GeopyError
from geopy.geocoders import BaiduV3, Nominatim

from enforcement.city import load_city
from enforcement.geo import district_of, to_wgs84
from enforcement.model import Datum
from enforcement.places import Gazetteer, Place

log = logging.getLogger(__name__)

USER_AGENT = "enforcement-command-center"
DEFAULT_TIMEOUT_S = 5.0
CITY_HINT = "沈阳市"  # prefixed to queries that do not name the city, so 太原街 is not sought in 太原


class Geocoder(Protocol):
    def geocode(self, address: str) -> Place: ...


class RemoteGeocoder(Protocol):
    """What we use of a geopy geocoder (``geopy.geocoders.Nominatim`` and friends)."""

    def geocode(self, query: str, *, exactly_one: bool, timeout: float) -> Any: ...


class GazetteerGeocoder:
    """Offline: the city's gazetteer and nothing else."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def geocode(self, address: str) -> Place:
        return self.gazetteer.resolve(address)


class GeopyGeocoder:
    """A geopy geocoder first, the gazetteer whenever it cannot give a point inside the city."""

    def __init__(self, remote: RemoteGeocoder, *, gazetteer: Gazetteer, districts: Mapping[str, Any],
                 datum: Datum = Datum.WGS84, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.remote, self.gazetteer, self.districts = remote, gazetteer, districts
        self.datum, self.timeout_s = datum, timeout_s

    def geocode(self, address: str) -> Place:
        offline = self.gazetteer.resolve(address)  # also checks the address (InvalidInput)
        found = self._ask(offline.text)
        return found if found is not None else offline

    def _ask(self, text: str) -> Place | None:
        query = text if "沈阳" in text else CITY_HINT + text
        try:
            location = self.remote.geocode(query, exactly_one=True, timeout=self.timeout_s)
        except (GeopyError, OSError, ValueError) as exc:
            log.warning("remote geocoder failed for %r, using the gazetteer: %r", query, exc)
            return None
        return self._place(location, text) if location is not None else None

    def _place(self, location: Any, text: str) -> Place | None:
        try:
            lat, lon = to_wgs84(float(location.latitude), float(location.longitude), self.datum)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("remote geocoder gave an unreadable answer for %r: %r", text, exc)
            return None
        district = district_of(lat, lon, self.districts)
        if district is None:
            log.info("remote geocoder placed %r outside the city (%.5f, %.5f); ignored", text, lat, lon)
            return None
        matched = str(getattr(location, "address", "") or "") or None
        return Place(lat, lon, resolved=True, matched=matched, district=district, precision="point",
                     text=text)


# --- the registry -----------------------------------------------------------------------------

Factory = Callable[[str, Gazetteer, Mapping[str, Any]], Geocoder]


def _gazetteer(argument: str, gazetteer: Gazetteer, districts: Mapping[str, Any]) -> Geocoder:
    if argument:
        raise ValueError("gazetteer takes no argument")
    return GazetteerGeocoder(gazetteer)


def _nominatim(argument: str, gazetteer: Gazetteer, districts: Mapping[str, Any]) -> Geocoder:
    url = urlsplit(argument)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError("nominatim needs the server's URL, e.g. nominatim:https://geo.court.example")
    remote = Nominatim(domain=url.netloc + url.path.rstrip("/"), scheme=url.scheme,
                       user_agent=USER_AGENT, timeout=DEFAULT_TIMEOUT_S)
    return GeopyGeocoder(remote, gazetteer=gazetteer, districts=districts, datum=Datum.WGS84)


def _baidu(argument: str, gazetteer: Gazetteer, districts: Mapping[str, Any]) -> Geocoder:
    if not argument:
        raise ValueError("baidu needs the court's API key, e.g. baidu:<key>")
    remote = BaiduV3(api_key=argument, user_agent=USER_AGENT, timeout=DEFAULT_TIMEOUT_S)
    return GeopyGeocoder(remote, gazetteer=gazetteer, districts=districts, datum=Datum.BD09)


GEOCODERS: dict[str, Factory] = {"gazetteer": _gazetteer, "nominatim": _nominatim, "baidu": _baidu}


def make_geocoder(spec: str | None, *, gazetteer: Gazetteer | None = None,
                  districts: Mapping[str, Any] | None = None) -> Geocoder:
    """The geocoder ``spec`` names ("gazetteer", "nominatim:<url>", "baidu:<key>"; None = offline).

    A bad spec raises ValueError saying what is expected, for the settings to report.
    """
    kind, _, argument = (spec or "gazetteer").strip().partition(":")
    factory = GEOCODERS.get(kind.strip().lower())
    if factory is None:
        raise ValueError(f"unknown geocoder {kind!r}; expected one of {', '.join(GEOCODERS)}")
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    districts = districts if districts is not None else load_city().districts
    return factory(argument.strip(), gazetteer, districts)
