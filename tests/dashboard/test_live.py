"""The /live namespace with Flask-SocketIO's in-memory test client: auth, subscribe, relay, replay."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import token_for


def connect(center, token: str | None):
    auth = {"token": token} if token else None
    return center.socketio.test_client(center.server, namespace="/live", auth=auth)


def received(client, name: str) -> list[dict]:
    return [m["args"][0] for m in client.get_received("/live") if m["name"] == name]


def test_connections_need_a_valid_token(center, client) -> None:
    assert not connect(center, None).is_connected("/live")
    assert not connect(center, "forged").is_connected("/live")
    assert connect(center, token_for(client, center)).is_connected("/live")


def test_subscribing_to_positions_sends_a_full_snapshot_first(center, client, device_key) -> None:
    client.get("/ingest/osmand", query_string={"id": "DB0001", "lat": "41.79", "lon": "123.39",
                                               "timestamp": "1795399140", "key": device_key})
    live = connect(center, token_for(client, center))
    ack = live.emit("subscribe", {"topics": ["positions"]}, namespace="/live", callback=True)
    assert ack["ok"] is True
    [snapshot] = received(live, "position")
    assert snapshot["full"] is True
    assert [f["unit_id"] for f in snapshot["fixes"]] == ["DB0001"]


def test_the_relay_coalesces_positions_into_snapshots(center, client, device_key) -> None:
    center.start()
    live = connect(center, token_for(client, center))
    live.emit("subscribe", {"topics": ["positions"]}, namespace="/live")
    live.get_received("/live")
    for second in (0, 10, 20):
        client.get("/ingest/osmand", query_string={
            "id": "DB0001", "lat": f"{41.79 + second / 10_000:.5f}", "lon": "123.39",
            "timestamp": str(1795399100 + second), "key": device_key})
    snapshot = center.relay.flush()
    assert [f["lat"] for f in snapshot["fixes"]] == pytest.approx([41.792])  # only the latest
    [delivered] = [s for s in received(live, "position") if s["fixes"]]
    assert delivered["id"] == snapshot["id"]


def test_events_are_relayed_live_with_their_ids(center, client) -> None:
    center.start()
    live = connect(center, token_for(client, center))
    live.emit("subscribe", {"topics": ["alerts"]}, namespace="/live")
    event_id = center.services.bus.publish("alerts", {"case_no": "（2026）辽0102执1号",
                                                      "court_id": "210102"})
    assert received(live, "alert") == [{"case_no": "（2026）辽0102执1号", "court_id": "210102",
                                        "id": event_id}]


def test_a_screen_gets_only_its_own_courts(center, client) -> None:
    center.start()
    basic = connect(center, token_for(client, center, "duty", "210102"))
    basic.emit("subscribe", {"topics": ["alerts", "tips"]}, namespace="/live")
    city = connect(center, token_for(client, center, "admin", None))
    city.emit("subscribe", {"topics": ["alerts", "tips"]}, namespace="/live")
    bus = center.services.bus
    bus.publish("alerts", {"n": 1, "court_id": "210102"})
    bus.publish("alerts", {"n": 2, "court_id": "210103"})
    bus.publish("tips", {"n": 3, "court_id": None})
    assert [a["n"] for a in received(basic, "alert")] == [1]
    assert received(basic, "tip") == []
    got = city.get_received("/live")
    assert sorted(m["args"][0]["n"] for m in got) == [1, 2, 3]


def test_a_reconnecting_screen_gets_what_it_missed_in_order(center, client) -> None:
    bus = center.services.bus
    seen = bus.publish("alerts", {"n": 1, "court_id": "210102"})
    bus.publish("tips", {"n": 2, "court_id": "210102"})
    bus.publish("alerts", {"n": 3, "court_id": "210104"})
    bus.publish("alerts", {"n": 4, "court_id": "21"})  # the high court: outside 2101's scope
    live = connect(center, token_for(client, center))
    ack = live.emit("subscribe", {"topics": ["alerts", "tips"], "last_id": seen},
                    namespace="/live", callback=True)
    assert ack["replayed"] == 2
    messages = [(m["name"], m["args"][0]["n"]) for m in live.get_received("/live")]
    assert messages == [("tip", 2), ("alert", 3)]


@pytest.mark.parametrize("message", [
    None, {"topics": []}, {"topics": ["gossip"]}, {"topics": ["alerts"], "last_id": "x-y"},
])
def test_bad_subscriptions_are_refused_with_a_reason(center, client, message) -> None:
    live = connect(center, token_for(client, center))
    ack = live.emit("subscribe", message, namespace="/live", callback=True)
    assert ack["ok"] is False and ack["error"]
