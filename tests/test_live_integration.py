"""End to end without a browser: a real ``ecc serve`` in demo mode, a python-socketio client with a
token, and position events that the simulator produced through the real ingest path."""

from __future__ import annotations

import threading

import pytest
import requests
import socketio

from feeds.bus import id_key


def collect_positions(url: str, token: str, *, snapshots: int, timeout: float = 20.0) -> list[dict]:
    got: list[dict] = []
    enough = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("position", namespace="/live")
    def on_position(snapshot: dict) -> None:
        got.append(snapshot)
        if len(got) >= snapshots:
            enough.set()

    client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"],
                   wait_timeout=10)
    ack = client.call("subscribe", {"topics": ["positions"]}, namespace="/live", timeout=10)
    assert ack["ok"] is True
    enough.wait(timeout)
    client.disconnect()
    return got


def test_simulated_units_reach_a_subscribed_client(demo_server) -> None:
    # one snapshot per court of the scope each tick: 80 is about three ticks for 15 courts
    snapshots = collect_positions(demo_server.url, demo_server.token("duty"), snapshots=80)
    assert snapshots[0]["full"] is True and snapshots[0]["fixes"]
    live = [s for s in snapshots[1:] if s["fixes"]]
    assert live, "no live fixes arrived after the first snapshot"
    ids = [s["id"] for s in snapshots[1:]]
    assert [id_key(i) for i in ids] == sorted(id_key(i) for i in ids)
    units = {f["unit_id"] for s in live for f in s["fixes"]}
    assert all(u.startswith("DB") for u in units)
    first = {f["unit_id"]: (f["lat"], f["lon"]) for f in snapshots[0]["fixes"]}
    moved = [f for s in live for f in s["fixes"] if first.get(f["unit_id"], (0, 0)) != (f["lat"], f["lon"])]
    assert moved, "no unit moved"


def test_the_same_fixes_are_in_the_store(demo_server) -> None:
    token = demo_server.token("duty")
    units = requests.get(f"{demo_server.url}/api/v1/units", timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert len(units) == 60
    reporting = [u for u in units if u["last_fix"]]
    assert len(reporting) > 30
    assert {u["freshness"] for u in reporting} <= {"fresh", "stale", "offline"}


def test_a_bad_token_is_refused(demo_server) -> None:
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(demo_server.url, namespaces=["/live"], auth={"token": "forged"},
                       transports=["websocket"], wait_timeout=5)
