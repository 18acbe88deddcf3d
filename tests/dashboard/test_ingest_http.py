"""Device ingest over HTTP: good fixes are stored then announced; garbage is refused, never stored."""

from __future__ import annotations

import pytest

FIX = {"id": "DB0001", "lat": "41.7900", "lon": "123.3900", "timestamp": "1795399140",
       "speed": "10.0", "bearing": "90", "accuracy": "8", "batt": "77"}  # 2026-11-23T01:59Z


def stored(center) -> int:
    return center.services.units.count_positions()


def test_osmand_get_is_stored_then_announced(client, center, device_key) -> None:
    reply = client.get("/ingest/osmand", query_string=FIX | {"key": device_key})
    assert reply.status_code == 200
    [view] = center.services.units.views()
    assert view.last_fix.lat == pytest.approx(41.79)
    assert view.last_fix.speed_kmh == pytest.approx(18.52)  # 10 knots
    [event] = center.services.bus.replay(["positions"], None)
    assert event.data["fixes"][0]["unit_id"] == "DB0001"


def test_osmand_post_form_works_like_get(client, center, device_key) -> None:
    assert client.post("/ingest/osmand", data=FIX | {"key": device_key}).status_code == 200
    assert stored(center) == 1


@pytest.mark.parametrize(("field", "value"), [
    ("lat", "91"), ("lon", "abc"), ("timestamp", "4102444800"), ("speed", "900"),
])
def test_garbage_is_refused_with_the_field_and_not_stored(client, center, device_key, field,
                                                           value) -> None:
    reply = client.get("/ingest/osmand", query_string=FIX | {"key": device_key, field: value})
    assert 400 <= reply.status_code < 500
    assert reply.get_json()["error"]["field"] == field
    assert stored(center) == 0
    assert center.services.bus.replay(["positions"], None) == []


def test_wrong_or_missing_device_key_is_401(client, center, device_key) -> None:
    assert client.get("/ingest/osmand", query_string=FIX | {"key": "wrong"}).status_code == 401
    assert client.get("/ingest/osmand", query_string=FIX).status_code == 401
    unknown = FIX | {"id": "NOPE", "key": device_key}
    assert client.get("/ingest/osmand", query_string=unknown).status_code == 401
    assert stored(center) == 0


def test_json_batch_is_all_or_nothing(client, center, device_key) -> None:
    good = {"unit_id": "DB0001", "lat": 41.79, "lon": 123.39, "at": "2026-11-23T01:59:00Z",
            "speed_kmh": 30}
    headers = {"Authorization": f"Bearer {device_key}"}
    bad = client.post("/api/v1/positions", json=[good, good | {"lat": 123.0}], headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "positions[1].lat"
    assert stored(center) == 0
    ok = client.post("/api/v1/positions", json=[good, good | {"at": "2026-11-23T01:59:30Z"}],
                     headers=headers)
    assert (ok.status_code, ok.get_json()) == (202, {"accepted": 2})
    assert stored(center) == 2


def test_json_batch_cannot_speak_for_another_unit(client, center, device_key) -> None:
    other = {"unit_id": "DB9999", "lat": 41.79, "lon": 123.39, "at": "2026-11-23T01:59:00Z"}
    reply = client.post("/api/v1/positions", json=[other],
                        headers={"Authorization": f"Bearer {device_key}"})
    assert reply.status_code == 401
    assert stored(center) == 0


def test_nmea_text(client, center, device_key) -> None:
    body = ("$GNRMC,015959.00,A,4148.3420,N,12325.8900,E,0.12,,231126,,,A*")
    checksum = 0
    for char in body[1:-1]:
        checksum ^= ord(char)
    reply = client.post(f"/ingest/nmea/DB0001?key={device_key}", data=f"{body}{checksum:02X}\r\n")
    assert reply.status_code == 202, reply.get_data(as_text=True)
    assert stored(center) == 1
    bad = client.post(f"/ingest/nmea/DB0001?key={device_key}", data=f"{body}00\r\n")
    assert bad.status_code == 422
    assert stored(center) == 1
