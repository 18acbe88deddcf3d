"""Placing addresses: the offline gazetteer (enforcement.places) and the geocoders (feeds.geocoders)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from geopy.exc import GeocoderServiceError, GeocoderTimedOut
from geopy.location import Location

from enforcement.city import load_city
from enforcement.errors import InvalidInput
from enforcement.geo import district_of, from_wgs84, haversine_km
from enforcement.model import Datum
from enforcement.places import (
    DEFAULT_GAZETTEER,
    Entry,
    Gazetteer,
    Place,
    normalise,
    place_from_coordinates,
)
from feeds.geocoders import GazetteerGeocoder, GeopyGeocoder, make_geocoder

DISTRICTS = load_city().districts
GAZETTEER = Gazetteer.load()
TAIYUAN_JIE = (41.7918, 123.4010)  # the gazetteer's point for 太原街


def resolve(address: str) -> Place:
    return GAZETTEER.resolve(address)


# --- the data ---------------------------------------------------------------------------------


def test_the_gazetteer_knows_the_thirteen_districts_and_many_places() -> None:
    by_precision = {p: [e for e in GAZETTEER.entries if e.precision == p]
                    for p in ("district", "street", "point")}
    assert {e.name for e in by_precision["district"]} == {
        f["properties"]["district"] for f in DISTRICTS["features"]}
    assert len(by_precision["district"]) == 13
    assert 60 <= len(by_precision["street"]) + len(by_precision["point"]) <= 130


@pytest.mark.parametrize("entry", GAZETTEER.entries, ids=lambda e: e.name)
def test_every_entry_lies_inside_its_declared_district(entry: Entry) -> None:
    assert district_of(entry.lat, entry.lon, DISTRICTS) == entry.district


def test_every_court_is_known_by_name_near_where_courts_yaml_puts_it() -> None:
    for court in load_city().courts:
        place = resolve(court.name)
        assert place.matched == court.name and place.district == court.district
        assert haversine_km(place.lat, place.lon, court.lat, court.lon) < 0.5


def test_a_repeated_name_in_the_data_is_refused_naming_it(tmp_path: Any) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text(yaml.safe_dump({"streets": [
        {"name": "中街", "district": "沈河区", "lat": 41.8, "lon": 123.45},
        {"name": "中街步行街", "district": "沈河区", "lat": 41.8, "lon": 123.45, "aliases": ["中街"]},
    ]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InvalidInput, match="中街") as caught:
        Gazetteer.load(path)
    assert caught.value.field == "gazetteer"


def test_the_default_path_is_the_shipped_file() -> None:
    assert DEFAULT_GAZETTEER.name == "gazetteer.yaml" and DEFAULT_GAZETTEER.exists()


# --- resolving addresses ----------------------------------------------------------------------


def test_a_street_address_resolves_to_the_street_not_the_district() -> None:
    place = resolve("沈阳市和平区太原街xx号")
    assert place == Place(*TAIYUAN_JIE, resolved=True, matched="太原街", district="和平区",
                          precision="street", text="沈阳市和平区太原街xx号")


@pytest.mark.parametrize(("address", "matched", "district", "precision"), [
    ("北陵公园东门", "北陵公园", "皇姑区", "point"),
    ("浑南区某小区", "浑南区", "浑南区", "district"),
    ("沈阳北站附近", "沈阳北站", "沈河区", "point"),
    ("北站南出口", "沈阳北站", "沈河区", "point"),
    ("故宫西侧胡同", "沈阳故宫", "沈河区", "point"),
    ("辽宁省沈阳市皇姑区北陵大街99号", "北陵大街", "皇姑区", "street"),
    ("沈阳站", "沈阳站", "和平区", "point"),
    ("辽宁大学崇山校区", "辽宁大学", "皇姑区", "point"),
    ("沈阳市中级人民法院执行局", "沈阳市中级人民法院", "沈河区", "point"),
    ("桃仙机场T3航站楼", "沈阳桃仙国际机场", "浑南区", "point"),
    ("东陵区李相镇", "浑南区", "浑南区", "district"),  # the district's former name
    ("新民市某村", "新民市", "新民市", "district"),
])
def test_real_looking_addresses(address: str, matched: str, district: str, precision: str) -> None:
    place = resolve(address)
    assert (place.resolved, place.matched, place.district, place.precision) == (
        True, matched, district, precision)
    assert place.text == address


def test_full_width_digits_letters_and_spaces_do_not_matter() -> None:
    place = resolve("沈阳市　和平区 太原街（１２号）Ａ座")
    assert (place.matched, place.precision) == ("太原街", "street")
    assert place.text == "沈阳市　和平区 太原街（１２号）Ａ座"  # kept as given
    assert normalise("太原街（１２号）Ａ座，３楼") == "太原街12号a座3楼"


def test_an_unknown_place_comes_back_unresolved_with_its_text() -> None:
    assert resolve("火星路1号") == Place.unresolved("火星路1号")
    assert resolve("沈阳市") == Place.unresolved("沈阳市")


@pytest.mark.parametrize(("address", "matched"), [
    ("北陵大街12号", "北陵大街"),  # a street containing the alias 北陵 (北陵公园)
    ("中街大悦城三楼", "中街大悦城"),  # a mall containing the street 中街
    ("和平区人民法院门口", "和平区人民法院"),  # a court containing the district 和平区
    ("太原街万达广场", "太原街万达广场"),
])
def test_the_longest_name_wins_over_names_inside_it(address: str, matched: str) -> None:
    assert resolve(address).matched == matched


def test_a_landmark_beats_a_street_beats_a_district() -> None:
    assert resolve("和平区三好街盛京医院").matched == "中国医科大学附属盛京医院"
    assert resolve("沈河区青年大街").matched == "青年大街"
    assert resolve("皇姑区").precision == "district"


def test_a_city_prefix_is_dropped_but_not_from_names_that_begin_with_it() -> None:
    assert resolve("沈阳站西广场").matched == "沈阳站"
    assert resolve("辽宁省高级人民法院").matched == "辽宁省高级人民法院"
    assert resolve("辽宁省沈阳市").resolved is False


@pytest.mark.parametrize("address", ["", "   ", "太原街\x00", "太原街\x1b[0m", "街" * 201, None, 12])
def test_bad_address_text_is_refused_naming_the_field(address: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve(address)
    assert caught.value.field == "address"


def test_an_address_of_exactly_the_limit_is_accepted() -> None:
    assert resolve("太原街" + "号" * 197).matched == "太原街"


# --- coordinates ------------------------------------------------------------------------------


def test_coordinates_get_their_district() -> None:
    place = place_from_coordinates(41.8057, 123.4315, DISTRICTS)
    assert (place.resolved, place.precision, place.district) == (True, "point", "沈河区")
    assert place_from_coordinates("39.9", "116.4", DISTRICTS).district is None  # Beijing


@pytest.mark.parametrize(("lat", "lon", "field"), [
    (91, 123.4, "location.lat"), (None, 123.4, "location.lat"), ("north", 123.4, "location.lat"),
    (float("nan"), 123.4, "location.lat"), (True, 123.4, "location.lat"),
    (41.8, 181, "location.lon"), (41.8, None, "location.lon"), (41.8, float("inf"), "location.lon"),
])
def test_bad_coordinates_are_refused_naming_the_field(lat: Any, lon: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        place_from_coordinates(lat, lon, DISTRICTS)
    assert caught.value.field == field


# --- geocoders --------------------------------------------------------------------------------


class FakeRemote:
    """A geopy-like geocoder: answers from a table, or raises what it is told to."""

    def __init__(self, answers: dict[str, tuple[float, float]] | None = None,
                 error: Exception | None = None) -> None:
        self.answers, self.error = answers or {}, error
        self.queries: list[tuple[str, float]] = []

    def geocode(self, query: str, *, exactly_one: bool, timeout: float) -> Location | None:
        assert exactly_one
        self.queries.append((query, timeout))
        if self.error is not None:
            raise self.error
        if query not in self.answers:
            return None
        lat, lon = self.answers[query]
        return Location(f"{query}, 沈阳市, 辽宁省, 中国", (lat, lon), {})


def geopy_geocoder(remote: FakeRemote, datum: Datum = Datum.WGS84) -> GeopyGeocoder:
    return GeopyGeocoder(remote, gazetteer=GAZETTEER, districts=DISTRICTS, datum=datum, timeout_s=2.0)


def test_the_remote_answer_is_used_when_it_is_in_the_city() -> None:
    remote = FakeRemote({"沈阳市和平区太原街12号": (41.7925, 123.4003)})
    place = geopy_geocoder(remote).geocode("和平区太原街12号")
    assert (place.lat, place.lon, place.district, place.precision) == (41.7925, 123.4003, "和平区", "point")
    assert place.matched == "沈阳市和平区太原街12号, 沈阳市, 辽宁省, 中国"
    assert remote.queries == [("沈阳市和平区太原街12号", 2.0)]  # the city added, the timeout passed


def test_a_baidu_answer_is_converted_from_bd09_to_wgs84() -> None:
    truth = (41.7966, 123.4505)
    remote = FakeRemote({"沈阳故宫": from_wgs84(*truth, Datum.BD09)})
    place = geopy_geocoder(remote, Datum.BD09).geocode("沈阳故宫")
    assert haversine_km(place.lat, place.lon, *truth) < 0.001


@pytest.mark.parametrize("error", [
    GeocoderTimedOut("timed out"), GeocoderServiceError("502"), ConnectionRefusedError(), TimeoutError(),
])
def test_the_gazetteer_answers_when_the_remote_fails(error: Exception) -> None:
    place = geopy_geocoder(FakeRemote(error=error)).geocode("沈阳市和平区太原街12号")
    assert (place.lat, place.lon, place.matched) == (*TAIYUAN_JIE, "太原街")


def test_the_gazetteer_answers_when_the_remote_finds_nothing_or_a_place_elsewhere() -> None:
    remote = FakeRemote({"沈阳市太原街1号": (37.87, 112.55)})  # 太原, Shanxi
    assert geopy_geocoder(remote).geocode("太原街1号").matched == "太原街"
    assert geopy_geocoder(FakeRemote()).geocode("北陵公园").matched == "北陵公园"


def test_an_unknown_place_is_never_an_error_even_when_the_remote_fails() -> None:
    place = geopy_geocoder(FakeRemote(error=GeocoderTimedOut())).geocode("火星路1号")
    assert place == Place.unresolved("火星路1号")


def test_bad_text_is_refused_before_any_remote_call() -> None:
    remote = FakeRemote()
    with pytest.raises(InvalidInput):
        geopy_geocoder(remote).geocode("\x00")
    assert remote.queries == []


def test_make_geocoder_builds_what_the_spec_names() -> None:
    assert isinstance(make_geocoder(None, gazetteer=GAZETTEER), GazetteerGeocoder)
    assert make_geocoder("gazetteer").geocode("北站").matched == "沈阳北站"
    nominatim = make_geocoder("nominatim:https://geo.court.example", districts=DISTRICTS)
    assert isinstance(nominatim, GeopyGeocoder) and nominatim.datum is Datum.WGS84
    assert nominatim.remote.api == "https://geo.court.example/search"
    baidu = make_geocoder("baidu:court-key", districts=DISTRICTS)
    assert isinstance(baidu, GeopyGeocoder) and baidu.datum is Datum.BD09


@pytest.mark.parametrize(("spec", "message"), [
    ("google", "unknown geocoder 'google'"), ("nominatim", "server's URL"),
    ("nominatim:geo.court.example", "server's URL"), ("baidu:", "API key"), ("gazetteer:x", "no argument"),
])
def test_a_bad_spec_says_what_is_expected(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_geocoder(spec, gazetteer=GAZETTEER, districts=DISTRICTS)
