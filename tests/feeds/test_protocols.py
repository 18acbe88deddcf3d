"""Device protocol decoders: golden samples, garbage rejection, unit and datum conversion."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import reduce
from pathlib import Path
from typing import Any

import pytest

from enforcement.errors import InvalidFix, NotFound
from enforcement.geo import from_wgs84, haversine_km
from enforcement.model import Datum, Fix
from feeds.protocols import (
    DECODERS,
    decode_batch,
    decode_nmea,
    decode_osmand,
    osmand_device_id,
)

SAMPLES = Path(__file__).parent / "samples"
RECEIVED = datetime(2025, 3, 14, 2, 0, 30, tzinfo=UTC)
SHENYANG = (41.8057, 123.4315)


def wgs84(_unit_id: str) -> Datum:
    return Datum.WGS84


def nmea(body: str) -> str:
    """A sentence with its real checksum."""
    checksum = reduce(lambda acc, ch: acc ^ ord(ch), body, 0)
    return f"${body}*{checksum:02X}"


def fix_as_json(fix: Fix) -> dict[str, Any]:
    return {
        "unit_id": fix.unit_id,
        "lat": fix.lat,
        "lon": fix.lon,
        "at": fix.at,
        "speed_kmh": fix.speed_kmh,
        "heading": fix.heading,
        "altitude_m": fix.altitude_m,
        "accuracy_m": fix.accuracy_m,
        "battery_pct": fix.battery_pct,
        "extras": fix.extras,
    }


def expected_json(item: dict[str, Any]) -> dict[str, Any]:
    approx = {k: pytest.approx(v, abs=1e-6) for k, v in item.items() if isinstance(v, float)}
    return {**item, **approx, "at": datetime.fromisoformat(item["at"])}


# --- golden samples --------------------------------------------------------------------------


def sample_requests(name: str) -> list[Any]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    if name == "osmand_get.txt":
        return [line for line in text.splitlines() if line.strip()]
    if name == "traccar_client.json":
        return json.loads(text)
    return [text]


@pytest.mark.parametrize(
    "name", ["osmand_get.txt", "traccar_client.json", "nmea.txt", "batch.json"]
)
def test_golden_sample(name: str) -> None:
    expected = json.loads((SAMPLES / f"{name.rsplit('.', 1)[0]}.expected.json").read_text())
    datums = {unit: Datum(d) for unit, d in expected["datums"].items()}
    decoder = DECODERS[expected["decoder"]]
    received_at = datetime.fromisoformat(expected["received_at"])
    requests = sample_requests(name)
    assert len(requests) == len(expected["requests"])
    for request, wanted in zip(requests, expected["requests"], strict=True):
        fixes = decoder.decode(
            request,
            received_at=received_at,
            datum_of=lambda unit: datums.get(unit, Datum.WGS84),
            unit_id=expected.get("unit_id"),
        )
        assert [fix_as_json(f) for f in fixes] == [expected_json(w) for w in wanted]
        assert all(f.received_at == received_at and f.at.tzinfo is not None for f in fixes)


def test_sample_nmea_checksums_are_real() -> None:
    pynmea2 = pytest.importorskip("pynmea2")
    for line in (SAMPLES / "nmea.txt").read_text().splitlines():
        pynmea2.parse(line, check=True)


def test_registry_names_and_interface() -> None:
    assert set(DECODERS) == {"osmand", "nmea", "json"}
    for name, decoder in DECODERS.items():
        assert decoder.name == name and callable(decoder.decode)


# --- OsmAnd query ----------------------------------------------------------------------------

GOOD_QUERY = {
    "id": "sy-hp-001",
    "lat": "41.8057",
    "lon": "123.4315",
    "timestamp": "1741917600",
    "speed": "10",
    "bearing": "90",
    "altitude": "48",
    "accuracy": "12",
    "batt": "87",
    "key": "secret-device-key",
}


def osmand(params: Any, datum_of: Any = wgs84) -> list[Fix]:
    return decode_osmand(params, received_at=RECEIVED, datum_of=datum_of)


def test_osmand_query_converts_knots_and_ignores_key() -> None:
    [fix] = osmand(GOOD_QUERY)
    assert fix.speed_kmh == pytest.approx(18.52)
    assert fix.at == datetime(2025, 3, 14, 2, 0, tzinfo=UTC)
    assert "key" not in fix.extras and fix.unit_id == "sy-hp-001"


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("1741917600", datetime(2025, 3, 14, 2, 0, tzinfo=UTC)),
        ("1741917600500", datetime(2025, 3, 14, 2, 0, 0, 500000, tzinfo=UTC)),
        ("2025-03-14T10:00:00+08:00", datetime(2025, 3, 14, 2, 0, tzinfo=UTC)),
        ("2025-03-14 02:00:00", datetime(2025, 3, 14, 2, 0, tzinfo=UTC)),
        ("2025-03-14T02:00:00Z", datetime(2025, 3, 14, 2, 0, tzinfo=UTC)),
    ],
)
def test_osmand_timestamp_forms(timestamp: str, expected: datetime) -> None:
    [fix] = osmand({**GOOD_QUERY, "timestamp": timestamp})
    assert fix.at == expected


def test_osmand_location_and_deviceid_alternatives() -> None:
    params = {k: v for k, v in GOOD_QUERY.items() if k not in ("id", "lat", "lon")}
    [fix] = osmand({**params, "deviceid": "sy-x", "location": "41.80,123.40"})
    assert (fix.unit_id, fix.lat, fix.lon) == ("sy-x", 41.80, 123.40)


def test_osmand_raw_body_forms() -> None:
    body = "id=sy-hp-001&lat=41.8057&lon=123.4315&timestamp=1741917600&key=x"
    assert osmand(body)[0].lat == 41.8057
    assert osmand(body.encode())[0].lon == 123.4315
    assert osmand_device_id(body) == "sy-hp-001"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": ""}, "id"),
        ({"lat": "abc"}, "lat"),
        ({"lat": ""}, "lat"),
        ({"lon": "nan"}, "lon"),
        ({"lat": "91"}, "lat"),
        ({"lon": "-190"}, "lon"),
        ({"lat": "0", "lon": "0"}, "lat"),
        ({"timestamp": ""}, "timestamp"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": "1e30"}, "timestamp"),
        ({"timestamp": str(int(RECEIVED.timestamp()) + 3600)}, "timestamp"),
        ({"timestamp": "1600000000"}, "timestamp"),
        ({"speed": "fast"}, "speed"),
        ({"speed": "200"}, "speed"),  # 370 km/h
        ({"bearing": "400"}, "bearing"),
        ({"bearing": "", "heading": "-3"}, "heading"),
        ({"altitude": "inf"}, "altitude"),
        ({"accuracy": "-1"}, "accuracy"),
        ({"batt": "150"}, "batt"),
        ({"location": "41.8", "lat": ""}, "location"),
    ],
)
def test_osmand_garbage_names_the_parameter(overrides: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidFix) as caught:
        osmand({**GOOD_QUERY, **overrides})
    assert caught.value.field == field


def test_osmand_missing_device_id() -> None:
    params = {k: v for k, v in GOOD_QUERY.items() if k != "id"}
    with pytest.raises(InvalidFix) as caught:
        osmand(params)
    assert caught.value.field == "id"


def test_osmand_null_island_in_shifted_datum_still_rejected() -> None:
    with pytest.raises(InvalidFix):
        osmand({**GOOD_QUERY, "lat": "0", "lon": "0"}, datum_of=lambda _u: Datum.BD09)


def test_osmand_converts_device_datum() -> None:
    lat, lon = from_wgs84(*SHENYANG, Datum.GCJ02)
    [fix] = osmand({**GOOD_QUERY, "lat": str(lat), "lon": str(lon)}, lambda _u: Datum.GCJ02)
    assert haversine_km(fix.lat, fix.lon, *SHENYANG) * 1000 < 0.5


def test_unknown_unit_error_passes_through() -> None:
    def unknown(unit_id: str) -> Datum:
        raise NotFound(f"no unit {unit_id}", field="id")

    with pytest.raises(NotFound):
        osmand(GOOD_QUERY, unknown)


# --- Traccar Client JSON ---------------------------------------------------------------------


def client_body(**coords: Any) -> dict[str, Any]:
    return {
        "device_id": "sy-hp-007",
        "location": {
            "timestamp": "2025-03-14T01:59:30Z",
            "coords": {"latitude": 41.83, "longitude": 123.40, "speed": 10.0, **coords},
            "battery": {"level": 0.5},
        },
    }


def test_traccar_json_speed_is_metres_per_second() -> None:
    [fix] = osmand(client_body())
    assert fix.speed_kmh == pytest.approx(36.0)
    assert fix.battery_pct == pytest.approx(50.0)


def test_traccar_json_text_body() -> None:
    assert osmand(json.dumps(client_body()))[0].unit_id == "sy-hp-007"


@pytest.mark.parametrize(
    ("coords", "field"),
    [
        ({"latitude": "x"}, "location.coords.latitude"),
        ({"longitude": None}, "location.coords.longitude"),
        ({"latitude": 95.0}, "location.coords.latitude"),
        ({"speed": 120.0}, "location.coords.speed"),  # 432 km/h
        ({"heading": 361}, "location.coords.heading"),
        ({"accuracy": 1e6}, "location.coords.accuracy"),
    ],
)
def test_traccar_json_garbage_names_the_field(coords: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFix) as caught:
        osmand(client_body(**coords))
    assert caught.value.field == field


def test_traccar_json_list_names_the_item() -> None:
    body = client_body()
    good = body["location"]
    bad = {**good, "timestamp": "2024-01-01T00:00:00Z"}
    with pytest.raises(InvalidFix) as caught:
        osmand({"device_id": "sy-hp-007", "location": [good, bad]})
    assert caught.value.field == "location[1].timestamp"


def test_traccar_json_missing_device_id() -> None:
    body = client_body()
    del body["device_id"]
    with pytest.raises(InvalidFix) as caught:
        osmand(body)
    assert caught.value.field == "device_id"


def test_traccar_json_bad_body() -> None:
    with pytest.raises(InvalidFix) as caught:
        osmand("{not json")
    assert caught.value.field == "body"


# --- NMEA ------------------------------------------------------------------------------------

RMC = "GPRMC,015959.00,A,4148.3420,N,12325.8900,E,10.0,45.0,140325,,,A"
GGA = "GPGGA,015959.00,4148.3420,N,12325.8900,E,1,08,1.1,50.0,M,8.1,M,,"


def decode_lines(*lines: str, received_at: datetime = RECEIVED, datum: Datum = Datum.WGS84):
    text = "\r\n".join(lines) + "\r\n"
    return decode_nmea(text, unit_id="sy-n-1", received_at=received_at, datum=datum)


def test_nmea_rmc_and_gga_of_one_epoch_merge() -> None:
    [fix] = decode_lines(nmea(RMC), nmea(GGA))
    assert (fix.lat, fix.lon) == pytest.approx(SHENYANG)
    assert fix.speed_kmh == pytest.approx(18.52) and fix.heading == 45.0
    assert fix.altitude_m == 50.0 and fix.extras == {"hdop": "1.1", "satellites": "8"}
    assert fix.at == datetime(2025, 3, 14, 1, 59, 59, tzinfo=UTC)


def test_nmea_bad_checksum_names_the_line() -> None:
    good = nmea(RMC)
    with pytest.raises(InvalidFix) as caught:
        decode_lines(good, good[:-2] + ("00" if not good.endswith("00") else "01"))
    assert caught.value.field == "lines[1]"


@pytest.mark.parametrize("line", ["$GPRMC,015959.00,A,4148.3420,N", "hello", "$GPGGA,,*ZZ"])
def test_nmea_garbage_or_missing_checksum_rejected(line: str) -> None:
    with pytest.raises(InvalidFix) as caught:
        decode_lines(nmea(GGA), line)
    assert caught.value.field == "lines[1]"


def test_nmea_void_rmc_and_no_fix_gga_are_skipped() -> None:
    void = nmea("GPRMC,015959.00,V,,,,,,,140325,,,N")
    no_fix = nmea("GPGGA,015959.00,,,,,0,00,99.99,,,,,,")
    assert decode_lines(void, no_fix) == []


def test_nmea_other_sentences_ignored() -> None:
    gsa = nmea("GNGSA,A,3,05,13,15,18,,,,,,,,,1.85,1.02,1.54")
    assert len(decode_lines(gsa, nmea(RMC))) == 1


def test_nmea_gga_takes_received_date_across_midnight() -> None:
    gga = nmea("GPGGA,235958.00,4148.3420,N,12325.8900,E,1,08,1.1,50.0,M,8.1,M,,")
    received = datetime(2025, 3, 15, 0, 0, 3, tzinfo=UTC)
    [fix] = decode_lines(gga, received_at=received)
    assert fix.at == datetime(2025, 3, 14, 23, 59, 58, tzinfo=UTC)


def test_nmea_invariant_errors_name_the_line() -> None:
    stale = nmea("GPRMC,015959.00,A,4148.3420,N,12325.8900,E,10.0,45.0,140324,,,A")
    with pytest.raises(InvalidFix) as caught:
        decode_lines(nmea(GGA.replace("015959", "020000")), stale)
    assert caught.value.field == "lines[1].at"


def test_nmea_needs_unit_id_through_registry() -> None:
    with pytest.raises(InvalidFix) as caught:
        DECODERS["nmea"].decode(nmea(RMC), received_at=RECEIVED, datum_of=wgs84)
    assert caught.value.field == "unit_id"


def test_nmea_datum_conversion() -> None:
    [fix] = decode_lines(nmea(RMC), datum=Datum.GCJ02)
    assert 300 < haversine_km(fix.lat, fix.lon, *SHENYANG) * 1000 < 800


# --- JSON batch ------------------------------------------------------------------------------


def item(**overrides: Any) -> dict[str, Any]:
    return {
        "unit_id": "sy-hp-001",
        "lat": 41.8057,
        "lon": 123.4315,
        "at": "2025-03-14T01:59:55Z",
        "speed_kmh": 30,
        "heading": 90,
        "accuracy_m": 8,
        **overrides,
    }


def batch(payload: Any, datum_of: Any = wgs84) -> list[Fix]:
    return decode_batch(payload, received_at=RECEIVED, datum_of=datum_of)


def test_batch_list_and_wrapped_forms_agree() -> None:
    assert batch([item()]) == batch({"positions": [item()]}) == batch(json.dumps([item()]))


def test_batch_datum_per_unit() -> None:
    lat, lon = from_wgs84(*SHENYANG, Datum.BD09)
    datums = {"sy-bd": Datum.BD09}
    fixes = batch(
        [item(), item(unit_id="sy-bd", lat=lat, lon=lon)],
        lambda unit: datums.get(unit, Datum.WGS84),
    )
    assert haversine_km(fixes[1].lat, fixes[1].lon, *SHENYANG) * 1000 < 0.5
    assert fixes[0].lat == 41.8057


def test_batch_empty_is_empty() -> None:
    assert batch([]) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit_id": ""}, "positions[3].unit_id"),
        ({"unit_id": 7}, "positions[3].unit_id"),
        ({"lat": None}, "positions[3].lat"),
        ({"lat": "41.8"}, "positions[3].lat"),
        ({"lat": 91}, "positions[3].lat"),
        ({"lon": float("nan")}, "positions[3].lon"),
        ({"lat": 0, "lon": 0}, "positions[3].lat"),
        ({"at": "2025-03-14T01:59:55"}, "positions[3].at"),
        ({"at": 1741917595}, "positions[3].at"),
        ({"at": "2025-03-14T03:00:00Z"}, "positions[3].at"),
        ({"speed_kmh": -4}, "positions[3].speed_kmh"),
        ({"speed_kmh": True}, "positions[3].speed_kmh"),
        ({"heading": 720}, "positions[3].heading"),
        ({"accuracy_m": 20_000}, "positions[3].accuracy_m"),
        ({"battery_pct": 101}, "positions[3].battery_pct"),
    ],
)
def test_batch_errors_name_item_and_field(overrides: dict[str, Any], field: str) -> None:
    items = [item(), item(), item(), item(**overrides)]
    with pytest.raises(InvalidFix) as caught:
        batch(items)
    assert caught.value.field == field


@pytest.mark.parametrize("payload", [{"nope": []}, "{}", 5, {"positions": "x"}])
def test_batch_shape_errors(payload: Any) -> None:
    with pytest.raises(InvalidFix) as caught:
        batch(payload)
    assert caught.value.field == "positions"


def test_batch_item_not_object() -> None:
    with pytest.raises(InvalidFix) as caught:
        batch([item(), "x"])
    assert caught.value.field == "positions[1]"


def test_batch_limit() -> None:
    assert len(batch([item()] * 1000)) == 1000
    with pytest.raises(InvalidFix) as caught:
        batch([item()] * 1001)
    assert caught.value.field == "positions"


def test_batch_fix_times_are_aware_utc() -> None:
    [fix] = batch([item(at="2025-03-14T09:59:55+08:00")])
    assert fix.at == RECEIVED - timedelta(seconds=35) and fix.at.utcoffset() == timedelta(0)
