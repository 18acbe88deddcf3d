"""Dispatch end to end on the real app: nearest, assign, instruction to the device, ack over
/device, arrival by geofence, outcome; the SLA clock; bad input and roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dashboard.conftest import token_for

HOME = {"lat": 41.7750, "lon": 123.4000}  # 和平区人民法院
TARGET = {"lat": 41.7800, "lon": 123.4100}  # about 1 km away, in 和平区


def fix(client, key: str, center, lat: float, lon: float, seconds_ago: int = 0) -> None:
    at = int((center.services.clock.now() - timedelta(seconds=seconds_ago)).timestamp())
    reply = client.get("/ingest/osmand", query_string={
        "id": "DB0001", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "timestamp": str(at),
        "key": key})
    assert reply.status_code == 200, reply.get_data(as_text=True)


@pytest.fixture
def dispatcher(client, center) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, center, 'dispatcher', '2101')}"}


@pytest.fixture
def placed(client, center, device_key) -> str:
    fix(client, device_key, center, **HOME)
    return device_key


def assign(client, headers, **target) -> object:
    return client.post("/api/v1/dispatches", headers=headers, json={
        "unit_id": "DB0001", "target": {"kind": "incident", "ref": "线索 17", "note": "被执行人在家",
                                        **TARGET, **target}})


def test_nearest_ranks_with_band_and_eta(client, dispatcher, placed) -> None:
    reply = client.get("/api/v1/units/nearest", query_string=TARGET | {"k": 3}, headers=dispatcher)
    assert reply.status_code == 200
    [best] = reply.get_json()["ranked"]
    assert best["unit_id"] == "DB0001" and 0.5 < best["distance_km"] < 1.5
    assert best["band"] in {"district_1h", "within_60km_2h"} and best["meets_sla"]
    bad = client.get("/api/v1/units/nearest", query_string={"lat": 91, "lon": 123},
                     headers=dispatcher)
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "lat")


def test_the_whole_dispatch(client, center, dispatcher, placed) -> None:
    center.start()
    device = center.socketio.test_client(center.server, namespace="/device",
                                         auth={"unit_id": "DB0001", "key": placed})
    assert device.is_connected("/device")
    created = assign(client, dispatcher)
    assert created.status_code == 201, created.get_json()
    dispatch = created.get_json()
    assert center.services.units.get("DB0001").status == "dispatched"
    [instruction] = [m["args"][0] for m in device.get_received("/device")
                     if m["name"] == "instruction"]
    assert instruction["dispatch_id"] == dispatch["id"] and instruction["lat"] == TARGET["lat"]
    ack = device.emit("ack", {"dispatch_id": dispatch["id"]}, namespace="/device", callback=True)
    assert ack == {"ok": True, "status": "acknowledged"}
    assert center.services.units.get("DB0001").status == "en_route"
    fix(client, placed, center, TARGET["lat"] + 0.0005, TARGET["lon"])  # ~55 m away: arrived
    arrived = center.services.dispatch.repo.get(dispatch["id"])
    assert arrived.status == "arrived" and arrived.sla_state == "met"
    assert arrived.outcome["arrival"] == "geofence"
    assert center.services.units.get("DB0001").status == "on_scene"
    outcome = client.post(f"/api/v1/dispatches/{dispatch['id']}/outcome", headers=dispatcher,
                          json={"measures": ["seizure", "settlement"], "amount_recovered": 30000})
    assert outcome.status_code == 200 and outcome.get_json()["status"] == "completed"
    assert center.services.units.get("DB0001").status == "available"
    events = [e.data["event"] for e in center.services.bus.replay(["dispatches"], None)]
    assert events == ["assigned", "acknowledged", "arrived", "completed"]


def test_the_sla_warns_then_breaches(client, center, dispatcher, placed) -> None:
    dispatch = assign(client, dispatcher).get_json()
    desk = center.services.dispatch
    center.services.clock.advance(minutes=dispatch["sla_min"] - 10)
    assert desk.check_sla() == 1
    center.services.clock.advance(minutes=11)
    assert desk.check_sla() == 1
    assert desk.repo.get(dispatch["id"]).sla_state == "breached"
    levels = [e.data["level"] for e in center.services.bus.replay(["alerts"], None)
              if e.data["node"] == "tip_arrival"]
    assert levels == ["due", "overdue"]
    assert desk.check_sla() == 0  # nothing new


def test_a_busy_unit_cannot_be_sent_again(client, dispatcher, placed) -> None:
    assert assign(client, dispatcher).status_code == 201
    again = assign(client, dispatcher)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "unit_id"


@pytest.mark.parametrize(("body", "field"), [
    ({"target": {**TARGET}}, "unit_id"),
    ({"unit_id": "DB0001", "target": {"lat": 200, "lon": 123.4}}, "target.lat"),
    ({"unit_id": "DB0001", "target": {**TARGET, "kind": "rumour"}}, "target.kind"),
    ({"unit_id": "DB0001"}, "target"),
])
def test_bad_dispatches_are_named(client, center, dispatcher, placed, body, field) -> None:
    reply = client.post("/api/v1/dispatches", headers=dispatcher, json=body)
    assert (reply.status_code, reply.get_json()["error"]["field"]) == (422, field)
    assert center.services.units.get("DB0001").status == "available"


def test_roles_and_device_keys(client, center, placed) -> None:
    duty = {"Authorization": f"Bearer {token_for(client, center, 'duty', '2101')}"}
    assert assign(client, duty).status_code == 403
    other = {"Authorization": f"Bearer {token_for(client, center, 'dispatcher', '210103')}"}
    assert assign(client, other).status_code == 403
    refused = center.socketio.test_client(center.server, namespace="/device",
                                          auth={"unit_id": "DB0001", "key": "wrong"})
    assert not refused.is_connected("/device")


def test_a_device_sends_positions_over_its_socket(client, center, placed) -> None:
    device = center.socketio.test_client(center.server, namespace="/device",
                                         auth={"unit_id": "DB0001", "key": placed})
    at = center.services.clock.now().isoformat()
    reply = device.emit("position", {"lat": 41.78, "lon": 123.41, "at": at, "speed_kmh": 20},
                        namespace="/device", callback=True)
    assert reply == {"ok": True, "accepted": 1}
    bad = device.emit("position", {"lat": 141.78, "lon": 123.41, "at": at}, namespace="/device",
                      callback=True)
    assert bad["ok"] is False and bad["error"]["field"].endswith("lat")


def test_fixes_carry_the_status_the_dispatch_gave_the_unit(client, center, dispatcher,
                                                            placed) -> None:
    assign(client, dispatcher)
    fix(client, placed, center, HOME["lat"] + 0.001, HOME["lon"])
    last = center.services.bus.replay(["positions"], None)[-1]
    assert last.data["fixes"][0]["status"] == "dispatched"
