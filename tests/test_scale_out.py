"""Scale-out for real: two ``ecc serve`` processes sharing PostgreSQL and Redis.

A fix ingested by one process reaches a screen connected to the other: the bus is a Redis stream,
one elected leader relays it, and Socket.IO fans out through Redis as its message queue.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import socketio

from tests.conftest import start_server, stop_server


def ecc(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip()


def test_a_fix_taken_by_one_process_reaches_a_screen_on_the_other(
    tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    key = ecc("unit", "add", "DB0100", "--court", "210103", "--db", pg_url)
    password = ecc("user", "add", "watcher", "--role", "duty", "--db", pg_url)
    flags = ("--no-demo", "--db", pg_url, "--redis", redis_url)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = start_server(tmp_path / "a", *flags)
    second = start_server(tmp_path / "b", *flags)
    try:
        assert requests.get(f"{second.url}/healthz", timeout=5).json()["bus"] == "redis"
        token = requests.post(f"{second.url}/api/v1/auth/token", timeout=10,
                              json={"username": "watcher", "password": password}).json()["token"]
        seen = threading.Event()
        client = socketio.Client(reconnection=False)

        @client.on("position", namespace="/live")
        def on_position(snapshot: dict) -> None:
            if any(f["unit_id"] == "DB0100" for f in snapshot["fixes"]) and not snapshot["full"]:
                seen.set()

        client.connect(second.url, namespaces=["/live"], auth={"token": token},
                       transports=["websocket"], wait_timeout=10)
        client.call("subscribe", {"topics": ["positions"]}, namespace="/live", timeout=10)
        time.sleep(2)  # both processes running; one of them has won the leader election
        reply = requests.get(f"{first.url}/ingest/osmand", timeout=10, params={
            "id": "DB0100", "lat": "41.79", "lon": "123.45", "timestamp": str(int(time.time())),
            "key": key})
        assert reply.status_code == 200
        assert seen.wait(15), "the fix never reached the screen on the other process"
        client.disconnect()
    finally:
        stop_server(first)
        stop_server(second)
