"""Emit-to-screen latency of a position fix, for N screens, beside a 1-second polling baseline.

A real ``ecc serve --no-demo`` runs in a subprocess with one user and one unit. Each of N
python-socketio clients (websocket transport, bearer token) subscribes to ``positions``; the bench
posts fixes through the real device ingest (``GET /ingest/osmand``), each with its own latitude, and
takes, per client, the time from the ingest request returning to the first snapshot carrying that
latitude. The relay coalesces positions into snapshots at ``snapshot_hz`` (2 Hz by default), so
about half a period of waiting plus jitter is the design, not a fault.

Baseline, same run, same server: a screen that polls ``GET /api/v1/units`` once a second on a fixed
schedule (a ``dcc.Interval`` of 1 s), timed from the ingest returning to the first poll answer that
shows the new fix.

Run: ``.venv/bin/python -m bench.push_latency [--screens 1 5 20] [--fixes 30] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
import socketio

from bench.common import free_port, percentile, table

UNIT_ID, COURT_ID = "U1", "210102"
USER, PASSWORD = "bench", "bench-password-1"
LAT0, LON0 = 41.80, 123.40  # Shenyang, degrees
LAT_STEP = 1e-5  # each posted fix gets its own latitude, so a screen can tell which one it sees
POLL_PERIOD_S = 1.0
SETTLE_S = 1.5  # after the last fix, wait this long for stragglers before counting them lost


@dataclass
class Server:
    url: str
    device_key: str
    process: subprocess.Popen

    def token(self) -> str:
        reply = requests.post(f"{self.url}/api/v1/auth/token", timeout=10,
                              json={"username": USER, "password": PASSWORD})
        reply.raise_for_status()
        return reply.json()["token"]


def _ecc(data_dir: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "dashboard", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ecc {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def running_server(data_dir: Path, snapshot_hz: float) -> Iterator[Server]:
    """``ecc serve --no-demo`` with one duty user and one unit; stopped however the bench ends."""
    _ecc(data_dir, "user", "add", USER, "--role", "duty", "--password", PASSWORD)
    device_key = _ecc(data_dir, "unit", "add", UNIT_ID, "--court", COURT_ID)
    port = free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    env = os.environ | {"PYTHONUNBUFFERED": "1", "ECC_SNAPSHOT_HZ": str(snapshot_hz)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "serve", "--no-demo", "--port", str(port),
         "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        server = Server(f"http://127.0.0.1:{port}", device_key, process)
        _wait_healthy(server, data_dir)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_healthy(server: Server, data_dir: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text())
        try:
            if requests.get(f"{server.url}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz within 60 s")


class Poster:
    """Posts fixes for U1 through the OsmAnd ingest, each with a fresh latitude."""

    def __init__(self, server: Server) -> None:
        self.server, self.session = server, requests.Session()
        self.counter = 0
        self.round_trips: list[float] = []

    def post(self) -> tuple[float, float]:
        """Send one fix; returns (its latitude, perf_counter when the request returned)."""
        self.counter += 1
        lat = round(LAT0 + self.counter * LAT_STEP, 6)
        params = {"id": UNIT_ID, "lat": f"{lat:.6f}", "lon": f"{LON0:.6f}",
                  "timestamp": f"{time.time():.3f}", "key": self.server.device_key}
        sent = time.perf_counter()
        reply = self.session.get(f"{self.server.url}/ingest/osmand", params=params, timeout=10)
        returned = time.perf_counter()
        reply.raise_for_status()
        self.round_trips.append(returned - sent)
        return lat, returned


@dataclass
class Screen:
    """One python-socketio client; remembers when it first saw each latitude of U1."""

    client: socketio.Client
    seen: dict[float, float] = field(default_factory=dict)
    snapshots: int = 0

    def on_position(self, snapshot: dict) -> None:
        arrived = time.perf_counter()
        self.snapshots += 1
        for fix in snapshot.get("fixes", []):
            if fix.get("unit_id") == UNIT_ID:
                self.seen.setdefault(round(fix["lat"], 6), arrived)


def connect_screen(server: Server, token: str) -> Screen:
    screen = Screen(socketio.Client(reconnection=False))
    screen.client.on("position", screen.on_position, namespace="/live")
    screen.client.connect(server.url, namespaces=["/live"], auth={"token": token},
                          transports=["websocket"], wait_timeout=10)
    ack = screen.client.call("subscribe", {"topics": ["positions"]}, namespace="/live", timeout=10)
    if not ack.get("ok"):
        raise RuntimeError(f"subscribe refused: {ack}")
    return screen


def disconnect_all(screens: list[Screen]) -> None:
    """In parallel: each websocket close waits about 3 s for the server's reply."""
    closers = [threading.Thread(target=s.client.disconnect, daemon=True) for s in screens]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join(timeout=10)


@dataclass(frozen=True)
class Outcome:
    name: str
    screens: int
    fixes: int
    latencies_s: list[float]  # one per (screen, fix) that arrived
    lost: int  # (screen, fix) pairs never seen: superseded by a later fix, or dropped
    spreads_s: list[float] = field(default_factory=list)  # per fix: last screen − first screen


def post_series(poster: Poster, count: int, gap_s: tuple[float, float], rng: random.Random
                ) -> list[tuple[float, float]]:
    """``count`` fixes at random gaps, so they land at every phase of the snapshot or poll tick."""
    posted = []
    for _ in range(count):
        time.sleep(rng.uniform(*gap_s))
        posted.append(poster.post())
    time.sleep(SETTLE_S)
    return posted


def measure_push(server: Server, token: str, poster: Poster, screens: int, fixes: int,
                 period_s: float, rng: random.Random) -> Outcome:
    connected: list[Screen] = []
    try:
        for _ in range(screens):
            connected.append(connect_screen(server, token))
        time.sleep(period_s * 2)  # let the full snapshot and a tick pass
        # gaps longer than a snapshot period, so no fix is coalesced away by the next one
        posted = post_series(poster, fixes, (1.1 * period_s, 1.9 * period_s), rng)
    finally:
        disconnect_all(connected)
    latencies, spreads, lost = [], [], 0
    for lat, returned in posted:
        arrivals = [s.seen[lat] for s in connected if lat in s.seen]
        lost += screens - len(arrivals)
        latencies.extend(a - returned for a in arrivals)
        if len(arrivals) > 1:
            spreads.append(max(arrivals) - min(arrivals))
    return Outcome(f"Socket.IO snapshot push, {screens} screen(s)", screens, fixes, latencies,
                   lost, spreads)


class Poller:
    """A 1 s ``dcc.Interval``: GET /api/v1/units on a fixed schedule, noting new latitudes of U1."""

    def __init__(self, server: Server, token: str) -> None:
        self.url = f"{server.url}/api/v1/units"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.seen: dict[float, float] = {}
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="poller", daemon=True)

    def _run(self) -> None:
        tick = time.perf_counter()
        while not self._stop.is_set():
            units = self.session.get(self.url, timeout=10).json()
            arrived = time.perf_counter()
            for unit in units:
                if unit["id"] == UNIT_ID and unit["last_fix"]:
                    self.seen.setdefault(round(unit["last_fix"]["lat"], 6), arrived)
            tick += POLL_PERIOD_S
            self._stop.wait(max(0.0, tick - time.perf_counter()))

    def __enter__(self) -> Poller:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self.thread.join(timeout=15)


def measure_poll(server: Server, token: str, poster: Poster, fixes: int, rng: random.Random
                 ) -> Outcome:
    # gaps longer than the period, so every fix is still the latest at some poll
    with Poller(server, token) as poller:
        time.sleep(POLL_PERIOD_S)
        posted = post_series(poster, fixes, (1.2 * POLL_PERIOD_S, 1.8 * POLL_PERIOD_S), rng)
    latencies = [poller.seen[lat] - returned for lat, returned in posted if lat in poller.seen]
    return Outcome("baseline: poll GET /api/v1/units every 1 s", 1, fixes, latencies,
                   fixes - len(latencies))


def report(outcomes: list[Outcome], baseline: Outcome) -> str:
    base50, base95 = percentile(baseline.latencies_s, 50), percentile(baseline.latencies_s, 95)
    rows = []
    for o in [*outcomes, baseline]:
        p50, p95 = percentile(o.latencies_s, 50), percentile(o.latencies_s, 95)
        spread = percentile(o.spreads_s, 95) * 1000 if o.spreads_s else float("nan")
        rows.append([o.name, o.fixes, len(o.latencies_s), o.lost, f"{p50 * 1000:.0f}",
                     f"{p95 * 1000:.0f}", f"{max(o.latencies_s, default=0) * 1000:.0f}",
                     "—" if spread != spread else f"{spread:.0f}",
                     f"{p50 / base50:.2f}", f"{p95 / base95:.2f}"])
    return table(["delivery", "fixes", "samples", "unseen", "p50 ms", "p95 ms", "max ms",
                  "fan-out spread p95 ms", "p50 ÷ poll p50", "p95 ÷ poll p95"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.push_latency", description=__doc__.split("\n")[0])
    parser.add_argument("--screens", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--fixes", type=int, default=24, help="fixes posted per screen count")
    parser.add_argument("--poll-fixes", type=int, default=20, help="fixes for the poll baseline")
    parser.add_argument("--snapshot-hz", type=float, default=2.0, help="ECC_SNAPSHOT_HZ of the server")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="8 fixes each, 1 and 5 screens")
    args = parser.parse_args()
    if args.quick:
        args.fixes, args.poll_fixes, args.screens = 8, 8, [1, 5]
    rng = random.Random(args.seed)
    period = 1.0 / args.snapshot_hz
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ecc-bench-") as tmp, \
            running_server(Path(tmp), args.snapshot_hz) as server:
        token, poster = server.token(), Poster(server)
        outcomes = [measure_push(server, token, poster, n, args.fixes, period, rng)
                    for n in args.screens]
        baseline = measure_poll(server, token, poster, args.poll_fixes, rng)
    print(f"snapshot_hz = {args.snapshot_hz:g} (ECC_SNAPSHOT_HZ; a snapshot every {period * 1000:.0f} ms);"
          f" {os.cpu_count()} CPUs; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
          f"ingest HTTP round trip p50 {percentile(poster.round_trips, 50) * 1000:.1f} ms; "
          f"whole run {time.monotonic() - started:.0f} s\n")
    print(report(outcomes, baseline))


if __name__ == "__main__":
    main()
