"""Fix-to-screen latency and wall-map cost with 2,000 units reporting every 5 s and 20 screens.

One real ``python -m dashboard serve --no-demo`` runs in a subprocess on a SQLite file in which the
bench registered ``--units`` (2,000) units and a duty user through the library beforehand. Phases,
all on that server, in this order:

A. **baseline, no load**: one unit posts fixes through ``POST /api/v1/positions`` at random gaps of
   1.1–1.9 snapshot periods; one python-socketio screen; latency from the POST returning to the
   first ``position`` snapshot carrying that fix.
B. **light load**: ``--light-units`` (120) units report every ``--period`` (5 s); the wall is opened
   in Chromium (1920×1080) and measured for ``--browser-s``: the browser baseline.
C. **fleet load**: all units report every 5 s (400 fixes/s) from a load generator of
   ``--load-procs`` processes × ``--load-threads`` threads, each thread a keep-alive
   ``requests.Session`` posting one unit's fix per request with that unit's own device key, on a
   fixed schedule (unit i at phase i·period/N). Every ``--mark-every``-th unit's fixes are marked:
   the generator notes when each POST returned. Then, with the load running:
   1. 20 screens subscribe to ``positions``; latency of the marked fixes to each screen;
      snapshot sizes; server CPU (``/proc/<pid>/stat``).
   2. the poll baseline: one client polling ``GET /api/v1/units`` every 1 s (duty token), timed
      from the marked POST returning to the first poll answer showing it.
   3. the wall in Chromium again, now with ~2,000 units on the map.

Run: ``.venv/bin/python -m bench.fleet_load [--quick] [--no-browser]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import requests
import socketio

from bench.common import free_port, percentile, table

USER, PASSWORD = "fleet-duty", "fleet-bench-password-1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAT_STEP = 1e-5  # each fix of a unit moves it 1e-5° north, so (unit, lat) names one fix
ROUND_BASE = {"light": 0, "fleet": 1000, "probe": 5000}  # keeps (unit, lat) unique per phase
SETTLE_S = 1.5  # marked fixes this close to a window's end are not counted (still in flight)
POLL_PERIOD_S = 1.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- processes and CPU ----

def _ticks(pid: int) -> int | None:
    """utime + stime of one process in clock ticks; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields_ = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields_[11]) + int(fields_[12])


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


def _descendants(root: int) -> dict[int, str]:
    """pid → comm of every live descendant of ``root``."""
    parent, comm = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        head, tail = text.rsplit(")", 1)
        parent[int(entry)] = int(tail.split()[1])
        comm[int(entry)] = head.split("(", 1)[1]
    found, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        for child, ppid in parent.items():
            if ppid == pid and child not in found:
                found[child] = comm[child]
                frontier.append(child)
    return found


@dataclass
class CpuWindow:
    """CPU used between start() and stop(), in cores (CPU seconds per wall second)."""

    server_pid: int
    load_pids: list[int] = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)
    _start: dict[str, Any] = field(default_factory=dict)

    def _sample(self) -> dict[str, Any]:
        chromium = {p: _ticks(p) for p, c in _descendants(os.getpid()).items() if "chrom" in c}
        times = os.times()
        return {"server": _ticks(self.server_pid) or 0,
                "load": {p: _ticks(p) or 0 for p in self.load_pids},
                "bench": (times.user + times.system) * CLK_TCK,
                "chromium": {p: t for p, t in chromium.items() if t is not None},
                "machine": _machine_ticks()[0]}

    def start(self) -> CpuWindow:
        self.started, self._start = time.monotonic(), self._sample()
        return self

    def stop(self) -> CpuWindow:
        end, self.seconds = self._sample(), time.monotonic() - self.started
        begin = self._start
        per_s = 1.0 / (CLK_TCK * self.seconds)
        chromium = sum(t - begin["chromium"].get(p, 0) for p, t in end["chromium"].items())
        self.cores = {
            "server": (end["server"] - begin["server"]) * per_s,
            "load": sum(end["load"][p] - begin["load"].get(p, 0) for p in end["load"]) * per_s,
            "bench": (end["bench"] - begin["bench"]) * per_s,
            "chromium": chromium * per_s,
            "machine": (end["machine"] - begin["machine"]) * per_s,
        }
        ours = sum(v for k, v in self.cores.items() if k != "machine")
        self.cores["other"] = max(0.0, self.cores["machine"] - ours)
        return self


# ---- the fleet and the server ----

@dataclass(frozen=True)
class FleetUnit:
    id: str
    key: str
    lat: float
    lon: float


def register_fleet(data_dir: Path, count: int, seed: int) -> tuple[list[FleetUnit], float]:
    """Units and the duty user, written through the library into the SQLite file the server will use."""
    from dashboard.services import build_services
    from dashboard.settings import load_settings
    from enforcement.model import Unit, UnitKind

    started = time.perf_counter()
    services = build_services(load_settings({"data_dir": str(data_dir), "demo": "false"}, environ={}))
    rng = random.Random(seed)
    try:
        courts = list(services.city.courts)
        fleet = []
        for i in range(count):
            court = courts[i % len(courts)]
            unit = Unit(id=f"F{i:04d}", court_id=court.id,
                        kind=UnitKind.CAR if i % 3 == 0 else UnitKind.FOOT)
            key = services.units.add(unit)
            fleet.append(FleetUnit(unit.id, key, round(court.lat + rng.uniform(-0.05, 0.05), 6),
                                   round(court.lon + rng.uniform(-0.07, 0.07), 6)))
        services.users.add(USER, PASSWORD, "duty", court_id=None, now=services.clock.now())
    finally:
        services.bus.close()
        services.db.dispose()
    return fleet, time.perf_counter() - started


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def token(self) -> str:
        reply = requests.post(f"{self.url}/api/v1/auth/token", timeout=10,
                              json={"username": USER, "password": PASSWORD})
        reply.raise_for_status()
        return reply.json()["token"]


@contextmanager
def running_server(data_dir: Path, snapshot_hz: float) -> Iterator[Server]:
    port = free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECC_")}
    env |= {"PYTHONUNBUFFERED": "1", "ECC_SNAPSHOT_HZ": str(snapshot_hz)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "serve", "--no-demo", "--port", str(port),
         "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        server = Server(f"http://127.0.0.1:{port}", process)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError((data_dir / "server.log").read_text())
            with suppress(requests.ConnectionError):
                if requests.get(f"{server.url}/healthz", timeout=1).ok:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def fix_body(unit_id: str, lat: float, lon: float, rng: random.Random) -> bytes:
    return orjson.dumps({"positions": [{
        "unit_id": unit_id, "lat": lat, "lon": lon, "at": datetime.now(UTC).isoformat(),
        "speed_kmh": round(rng.uniform(0, 40), 1), "heading": rng.randrange(360),
        "accuracy_m": 8.0, "battery_pct": 80}]})


# ---- the load generator (separate processes, so it does not share the screens' GIL) ----

def _load_worker(url: str, units: list[tuple[str, str, float, float, float]], period: float,
                 t0: float, round_base: int, marked: frozenset[str], threads: int,
                 stop: Any, out: Any) -> None:
    lock = threading.Lock()
    records: list[tuple[float, float, float, bool]] = []  # (sent, round trip, lateness, ok)
    marks: list[tuple[str, float, float, float]] = []  # (unit, lat, sent, returned)
    errors: list[str] = []

    def run(chunk: list[tuple[str, str, float, float, float]], seed: int) -> None:
        session, rng = requests.Session(), random.Random(seed)
        mine, my_marks = [], []
        rnd = 0
        while not stop.is_set():
            for unit_id, key, lat0, lon0, phase in chunk:
                due = t0 + rnd * period + phase
                wait = due - time.monotonic()
                if wait > 0 and stop.wait(wait):
                    break
                lat = round(lat0 + (round_base + rnd) * LAT_STEP, 6)
                lon = round(lon0 + rng.uniform(-2e-5, 2e-5), 6)
                body = fix_body(unit_id, lat, lon, rng)
                sent = time.monotonic()
                try:
                    reply = session.post(url, data=body, timeout=15, headers={
                        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                    ok = reply.status_code == 202
                    if not ok and len(errors) < 5:
                        errors.append(f"{reply.status_code} {reply.text[:200]}")
                except requests.RequestException as exc:
                    ok = False
                    if len(errors) < 5:
                        errors.append(repr(exc)[:200])
                returned = time.monotonic()
                mine.append((sent, returned - sent, sent - due, ok))
                if ok and unit_id in marked:
                    my_marks.append((unit_id, lat, sent, returned))
            rnd += 1
        session.close()
        with lock:
            records.extend(mine)
            marks.extend(my_marks)

    workers = [threading.Thread(target=run, args=(units[i::threads], i), daemon=True)
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    times = os.times()
    out.put({"records": records, "marks": marks, "errors": errors,
             "cpu_s": times.user + times.system})


@dataclass
class LoadResult:
    records: list[tuple[float, float, float, bool]]
    marks: list[tuple[str, float, float, float]]
    errors: list[str]

    def between(self, start: float, end: float) -> list[tuple[float, float, float, bool]]:
        return [r for r in self.records if start <= r[0] < end]


class Load:
    """``units`` each posting one fix every ``period`` seconds, until stop()."""

    def __init__(self, url: str, units: list[FleetUnit], period: float, round_base: int,
                 marked: frozenset[str], procs: int, threads: int) -> None:
        self.url, self.period = f"{url}/api/v1/positions", period
        self.units, self.round_base, self.marked = units, round_base, marked
        self.procs, self.threads = procs, threads
        self.processes: list[mp.Process] = []
        self.result: LoadResult | None = None
        self.t0 = 0.0

    def start(self) -> Load:
        ctx = mp.get_context("spawn")
        self.stop_event, self.out = ctx.Event(), ctx.Queue()
        self.t0 = time.monotonic() + 2.5  # spawned workers need a moment to import
        # phases spread evenly over this load's own units, so the rate is smooth
        rows = [(u.id, u.key, u.lat, u.lon, i * self.period / len(self.units))
                for i, u in enumerate(self.units)]
        for p in range(self.procs):
            process = ctx.Process(target=_load_worker, daemon=True, args=(
                self.url, rows[p::self.procs], self.period, self.t0, self.round_base, self.marked,
                self.threads, self.stop_event, self.out))
            process.start()
            self.processes.append(process)
        return self

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid]

    def stop(self) -> LoadResult:
        if self.result is not None:
            return self.result
        self.stop_event.set()
        result = LoadResult([], [], [])
        try:
            for _ in self.processes:
                part = self.out.get(timeout=30)
                result.records += part["records"]
                result.marks += part["marks"]
                result.errors += part["errors"]
        finally:
            for process in self.processes:
                process.join(timeout=5)
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=5)
        self.result = result
        return result


# ---- screens (python-socketio) and the poller ----

class Screen:
    """One python-socketio client; first arrival of each marked (unit, lat), and snapshot sizes."""

    def __init__(self, marked: frozenset[str], measure_size: bool) -> None:
        self.client = socketio.Client(reconnection=False)
        self.marked, self.measure_size = marked, measure_size
        self.seen: dict[tuple[str, float], float] = {}
        self.sizes: list[tuple[float, int, int]] = []  # (arrived, bytes, fixes) of tick snapshots
        self.full: list[tuple[int, int]] = []  # (bytes, fixes) of the snapshot on subscribe

    def on_position(self, snapshot: dict) -> None:
        arrived = time.monotonic()
        fixes = snapshot.get("fixes", [])
        for fix in fixes:
            if fix["unit_id"] in self.marked:
                self.seen.setdefault((fix["unit_id"], round(fix["lat"], 6)), arrived)
        if self.measure_size:
            size = len(orjson.dumps(snapshot))  # the server's codec is orjson too
            (self.full.append((size, len(fixes))) if snapshot.get("full")
             else self.sizes.append((arrived, size, len(fixes))))


def connect_screens(server: Server, token: str, count: int, marked: frozenset[str]) -> list[Screen]:
    screens = []
    for i in range(count):
        screen = Screen(marked, measure_size=i == 0)
        screens.append(screen)
        screen.client.on("position", screen.on_position, namespace="/live")
        screen.client.connect(server.url, namespaces=["/live"], auth={"token": token},
                              transports=["websocket"], wait_timeout=20)
        ack = screen.client.call("subscribe", {"topics": ["positions"]}, namespace="/live", timeout=30)
        if not ack.get("ok"):
            raise RuntimeError(f"subscribe refused: {ack}")
    return screens


def disconnect_all(screens: list[Screen]) -> None:
    closers = [threading.Thread(target=s.client.disconnect, daemon=True) for s in screens]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join(timeout=10)


class Poller:
    """A 1 s ``dcc.Interval``: GET /api/v1/units on a fixed schedule."""

    def __init__(self, server: Server, token: str, marked: frozenset[str]) -> None:
        self.url, self.marked = f"{server.url}/api/v1/units", marked
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.seen: dict[tuple[str, float], float] = {}
        self.durations: list[float] = []
        self.sizes: list[int] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="poller", daemon=True)

    def _run(self) -> None:
        tick = time.monotonic()
        while not self._stop.is_set():
            asked = time.monotonic()
            reply = self.session.get(self.url, timeout=30)
            arrived = time.monotonic()
            self.durations.append(arrived - asked)
            self.sizes.append(len(reply.content))
            for unit in reply.json():
                if unit["id"] in self.marked and unit["last_fix"]:
                    self.seen.setdefault((unit["id"], round(unit["last_fix"]["lat"], 6)), arrived)
            tick += POLL_PERIOD_S
            self._stop.wait(max(0.0, tick - time.monotonic()))

    def __enter__(self) -> Poller:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self.thread.join(timeout=30)
        self.session.close()


@dataclass
class Latency:
    name: str
    fixes: int
    latencies_s: list[float]
    unseen: int
    from_sent_s: list[float] = field(default_factory=list)  # from the POST being sent


def latencies(name: str, marks: list[tuple[str, float, float, float]],
              seen_maps: list[dict[tuple[str, float], float]], start: float, end: float) -> Latency:
    counted = [m for m in marks if start <= m[3] <= end - SETTLE_S]
    values, from_sent, unseen = [], [], 0
    for unit_id, lat, sent, returned in counted:
        for seen in seen_maps:
            arrived = seen.get((unit_id, lat))
            if arrived is None:
                unseen += 1
            else:
                values.append(arrived - returned)
                from_sent.append(arrived - sent)
    return Latency(name, len(counted), values, unseen, from_sent)


# ---- phase A: one unit, one screen, no load ----

def probe_baseline(server: Server, token: str, unit: FleetUnit, fixes: int, period: float,
                   rng: random.Random) -> tuple[Latency, list[float]]:
    marked = frozenset([unit.id])
    screens = connect_screens(server, token, 1, marked)
    marks, round_trips = [], []
    session = requests.Session()
    try:
        time.sleep(2 * period)
        start = time.monotonic()
        for k in range(fixes):
            time.sleep(rng.uniform(1.1 * period, 1.9 * period))
            lat = round(unit.lat + (ROUND_BASE["probe"] + k) * LAT_STEP, 6)
            sent = time.monotonic()
            reply = session.post(f"{server.url}/api/v1/positions", data=fix_body(unit.id, lat, unit.lon, rng),
                                 headers={"Authorization": f"Bearer {unit.key}",
                                          "Content-Type": "application/json"}, timeout=10)
            returned = time.monotonic()
            reply.raise_for_status()
            marks.append((unit.id, lat, sent, returned))
            round_trips.append(returned - sent)
        time.sleep(SETTLE_S + 0.5)
        end = time.monotonic()
    finally:
        session.close()
        disconnect_all(screens)
    return (latencies("baseline: push, 1 unit / 1 screen, no load", marks,
                      [s.seen for s in screens], start, end), round_trips)


# ---- the wall in Chromium ----

INSTRUMENT = """() => {
  const b = window.__bench = {long: [], frames: [], t0: performance.now(),
                              s0: window.eccLive.stats()};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { b.long.push(e.duration); }
  }).observe({entryTypes: ["longtask"]});
  const frame = (t) => { b.frames.push(t); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
}"""

COLLECT = """() => {
  const b = window.__bench;
  return {long: b.long, frames: b.frames, seconds: (performance.now() - b.t0) / 1000,
          s0: b.s0, s1: window.eccLive.stats(),
          points: document.querySelectorAll(".js-plotly-plot .scatterlayer path.point").length,
          svgNodes: document.querySelectorAll(".js-plotly-plot svg *").length};
}"""

REDRAW = """async () => {
  // Plotly.react of each map with fresh x/y arrays (Plotly compares arrays by identity, so a
  // trace with new arrays is recomputed and redrawn, as after a patch that replaces its columns):
  // all traces at once, then all but one trace (that one emptied: its share of the cost)
  const out = [];
  if (!window.Plotly) { return out; }
  const fresh = (t) => Object.assign({}, t, {x: t.x && Array.from(t.x), y: t.y && Array.from(t.y)});
  for (const gd of document.querySelectorAll(".js-plotly-plot")) {
    const id = gd.closest("[id]") ? gd.closest("[id]").id : "?";
    let t = performance.now();
    await window.Plotly.react(gd, gd.data.map(fresh), gd.layout);
    const row = {map: id, all: performance.now() - t, traces: []};
    const saved = gd.data.map(fresh);
    for (let i = 0; i < saved.length; i++) {
      const n = saved[i].x ? saved[i].x.length : 0;
      if (!n) { continue; }
      await window.Plotly.react(gd, saved.map(fresh), gd.layout);  // everything back
      t = performance.now();
      const without = gd.data.map((tr, j) => (j === i ? Object.assign({}, tr, {x: [], y: []}) : fresh(tr)));
      await window.Plotly.react(gd, without, gd.layout);
      row.traces.push({i: i, mode: saved[i].mode || "", n: n, ms: performance.now() - t});
    }
    out.push(row);
  }
  return out;
}"""

CDP_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


@dataclass
class BrowserRun:
    name: str
    units: int = 0
    points: int = 0
    svg_nodes: int = 0
    seconds: float = 0.0
    load_s: float = 0.0  # goto /wall → eccLive.stats().units ≥ the threshold
    snapshots: int = 0
    patches: int = 0
    long_tasks: list[float] = field(default_factory=list)
    frame_gaps_ms: list[float] = field(default_factory=list)
    frames: int = 0
    busy: dict[str, float] = field(default_factory=dict)  # CDP metric → seconds in the window
    cpu: CpuWindow | None = None
    errors: list[str] = field(default_factory=list)
    redraw: list[list[dict]] = field(default_factory=list)  # per try: per map {all, traces}
    profile: dict[str, Any] = field(default_factory=dict)


def measure_wall(context: Any, server: Server, name: str, min_units: int, seconds: float,
                 log_in: bool, cpu: CpuWindow, profile_s: float = 0) -> BrowserRun:
    run = BrowserRun(name)
    page = context.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.on("console", lambda m: run.errors.append(m.text[:200]) if m.type == "error" else None)
    page.on("pageerror", lambda e: run.errors.append(str(e)[:200]))
    try:
        started = time.monotonic()
        if log_in:
            page.goto(f"{server.url}/login?next=/wall")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
        else:
            page.goto(f"{server.url}/wall")
        page.wait_for_function(f"() => window.eccLive && window.eccLive.stats().units >= {min_units}",
                               timeout=120_000, polling=250)
        run.load_s = time.monotonic() - started
        page.wait_for_timeout(2000)  # let the first full redraw finish
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        page.evaluate(INSTRUMENT)
        cpu.start()
        page.wait_for_timeout(seconds * 1000)
        got = page.evaluate(COLLECT)
        cpu.stop()
        after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        run.busy = {k: after.get(k, 0) - before.get(k, 0) for k in CDP_METRICS}
        run.cpu, run.seconds = cpu, got["seconds"]
        run.units, run.points, run.svg_nodes = got["s1"]["units"], got["points"], got["svgNodes"]
        run.snapshots = got["s1"]["snapshots"] - got["s0"]["snapshots"]
        run.patches = got["s1"]["patches"] - got["s0"]["patches"]
        run.long_tasks = got["long"]
        frames = got["frames"]
        run.frames = len(frames)
        run.frame_gaps_ms = [b - a for a, b in zip(frames, frames[1:], strict=False)]
        if profile_s:
            run.profile = cpu_profile(cdp, page, profile_s)
        run.redraw = [page.evaluate(REDRAW) for _ in range(3)]
    finally:
        page.close()
    return run


def cpu_profile(cdp: Any, page: Any, seconds: float) -> dict[str, Any]:
    """Sample the page's main thread (V8 CPU profiler, 1 ms); self and inclusive ms by function."""
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
    cdp.send("Profiler.start")
    page.wait_for_timeout(seconds * 1000)
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.send("Profiler.disable")
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}

    def name(node_id: int) -> str:
        frame = nodes[node_id]["callFrame"]
        where = frame["url"].rsplit("/", 1)[-1].split("?")[0]
        label = frame["functionName"] or "(anonymous)"
        return f"{label} {where}:{frame['lineNumber'] + 1}" if where else label

    self_ms: dict[str, float] = {}
    inclusive_ms: dict[str, float] = {}
    by_file: dict[str, float] = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        ms = delta / 1000
        self_ms[name(node_id)] = self_ms.get(name(node_id), 0) + ms
        url = nodes[node_id]["callFrame"]["url"].rsplit("/", 1)[-1].split("?")[0]
        file_ = url or nodes[node_id]["callFrame"]["functionName"] or "(native)"
        by_file[file_] = by_file.get(file_, 0) + ms
        on_stack, cursor = set(), node_id
        while cursor in nodes:
            on_stack.add(name(cursor))
            cursor = parent.get(cursor, -1)
        for label in on_stack:
            inclusive_ms[label] = inclusive_ms.get(label, 0) + ms
    return {"seconds": seconds, "self": self_ms, "inclusive": inclusive_ms, "files": by_file}


def redraw_table(runs: list[BrowserRun]) -> str:
    """Median ms of one Plotly.react per map and per trace redrawn alone."""
    rows = []
    for r in runs:
        if not r.redraw or not r.redraw[0]:
            continue
        for m, first in enumerate(r.redraw[0]):
            rows.append([r.name, first["map"], "all traces", "—",
                         f"{percentile([t[m]['all'] for t in r.redraw], 50):,.0f}"])
            for k, trace in enumerate(first["traces"]):
                samples = [t[m]["traces"][k]["ms"] for t in r.redraw if k < len(t[m]["traces"])]
                if not samples:  # the trace came and went between samples (trails switched off)
                    continue
                ms = percentile(samples, 50)
                rows.append(["", "", f"all but trace {trace['i']} ({trace['mode']}, emptied)",
                             f"{trace['n']:,}",
                             f"{ms:,.0f}"])
    return table(["page", "map", "redrawn", "points (of the emptied trace)",
                  "Plotly.react ms (median of 3)"], rows)


def profile_report(run: BrowserRun, top: int = 12) -> str:
    prof, seconds = run.profile, run.profile["seconds"]
    files = sorted(prof["files"].items(), key=lambda kv: -kv[1])[:8]
    lines = [f"V8 CPU profile of the page, {seconds:.0f} s after the window ({run.name}); "
             "ms per second of wall time\n",
             table(["script file", "self ms/s"], [[f, f"{ms / seconds:.0f}"] for f, ms in files]), ""]
    skip = {"(root)", "(program)", "(idle)"}
    self_top = [kv for kv in sorted(prof["self"].items(), key=lambda kv: -kv[1]) if kv[0] not in skip]
    lines += [table(["function (self time)", "ms/s"],
                    [[f"`{k}`", f"{v / seconds:.0f}"] for k, v in self_top[:top]]), ""]
    live = [kv for kv in prof["inclusive"].items() if "live.js" in kv[0]]
    live.sort(key=lambda kv: -kv[1])
    lines += [table(["live.js function (inclusive: it and what it calls)", "ms/s"],
                    [[f"`{k}`", f"{v / seconds:.0f}"] for k, v in live[:top]])]
    return "\n".join(lines)


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


# ---- reports ----

def _ms(seconds: float) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:,.0f}"


def latency_table(rows: list[Latency], base: Latency, poll: Latency) -> str:
    b95, p95_poll = percentile(base.latencies_s, 95), percentile(poll.latencies_s, 95)
    out = []
    for row in rows:
        p95 = percentile(row.latencies_s, 95)
        out.append([row.name, row.fixes, len(row.latencies_s), row.unseen,
                    _ms(percentile(row.latencies_s, 50)), _ms(p95),
                    _ms(max(row.latencies_s, default=float("nan"))),
                    f"{p95 / b95:.2f}", f"{p95 / p95_poll:.2f}",
                    _ms(percentile(row.from_sent_s, 95))])
    return table(["delivery", "marked fixes", "samples", "unseen", "p50 ms", "p95 ms", "max ms",
                  "p95 ÷ no-load p95", "p95 ÷ poll p95", "p95 ms from POST sent"], out)


def load_row(name: str, target_per_s: float, load: LoadResult | None, cpu: CpuWindow) -> list:
    start, end = cpu.started, cpu.started + cpu.seconds
    records = load.between(start, end) if load else []
    ok = [r for r in records if r[3]]
    rtts, lags = [r[1] for r in ok], [r[2] for r in records]
    c = cpu.cores
    return [name, f"{cpu.seconds:.0f}",
            f"{target_per_s:,.0f}" if target_per_s else "—",
            f"{len(ok) / cpu.seconds:,.0f}" if load else "—",
            str(len(records) - len(ok)) if load else "—",
            _ms(percentile(rtts, 50)), _ms(percentile(rtts, 95)),
            _ms(percentile(lags, 95)), _ms(max(lags, default=float("nan"))),
            f"{c['server']:.2f}", f"{c['load']:.2f}", f"{c['bench']:.2f}", f"{c['chromium']:.2f}",
            f"{c['other']:.2f}", f"{c['machine']:.2f}"]


LOAD_HEADERS = ["window", "s", "fixes/s target", "fixes/s done", "errors", "POST p50 ms",
                "POST p95 ms", "schedule lag p95 ms", "lag max ms", "server CPU", "load gen CPU",
                "bench CPU", "chromium CPU", "other CPU", "machine busy"]


def browser_table(runs: list[BrowserRun]) -> str:
    base = runs[0]
    base_fps = base.frames / base.seconds
    rows = []
    for r in runs:
        fps = r.frames / r.seconds
        long_total = sum(r.long_tasks)
        rows.append([
            r.name, r.units, r.points, f"{r.svg_nodes:,}", f"{r.load_s:.1f}", f"{r.seconds:.0f}",
            f"{r.snapshots / r.seconds:.1f}", f"{r.patches / r.seconds:.2f}",
            len(r.long_tasks), f"{long_total:,.0f} ({long_total / 10 / r.seconds:.0f} %)",
            f"{max(r.long_tasks, default=0):,.0f}",
            f"{fps:.1f}", f"{percentile(r.frame_gaps_ms, 95):,.0f}",
            f"{max(r.frame_gaps_ms, default=0):,.0f}",
            f"{r.busy['TaskDuration'] / r.seconds * 100:.0f} %",
            f"{r.busy['ScriptDuration'] / r.seconds * 100:.0f} %",
            f"{(r.busy['LayoutDuration'] + r.busy['RecalcStyleDuration']) / r.seconds * 100:.0f} %",
            f"{r.cpu.cores['chromium']:.2f}" if r.cpu else "—",
            " / ".join(f"{percentile([t[i]['all'] for t in r.redraw], 50):,.0f}"
                       for i in range(len(r.redraw[0]))) if r.redraw and r.redraw[0] else "—",
            f"{fps / base_fps:.2f}"])
    return table(["page", "units", "SVG points", "SVG nodes", "load s", "window s", "snapshots/s",
                  "patches/s", "long tasks", "long-task ms (% of window)", "longest ms", "frames/s",
                  "frame gap p95 ms", "frame gap max ms", "CDP TaskDuration / s", "script",
                  "layout + style", "chromium CPU", "one Plotly.react ms (city / urban map)",
                  "fps ÷ baseline fps"], rows)


def payload_table(screen: Screen, start: float, end: float, units: int) -> str:
    ticks = [s for s in screen.sizes if start <= s[0] <= end]
    sizes, fixes = [s[1] for s in ticks], [s[2] for s in ticks]
    seconds = end - start
    rows = [["tick snapshot (fixes since the last tick)", f"{len(ticks) / seconds:.2f}",
             f"{percentile(fixes, 50):.0f} / {max(fixes, default=0)}",
             f"{percentile(sizes, 50):,.0f} / {max(sizes, default=0):,}",
             f"{sum(sizes) / max(sum(fixes), 1):.0f}", f"{sum(sizes) / seconds / 1024:,.1f}"]]
    for size, count in screen.full:
        rows.append([f"full snapshot on subscribe ({units:,} units registered)", "once",
                     str(count), f"{size:,}", f"{size / max(count, 1):.0f}", "—"])
    return table(["message", "per s per screen", "fixes p50 / max", "JSON bytes p50 / max",
                  "bytes per fix", "KiB/s per screen"], rows)


# ---- main ----

def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.fleet_load", description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--period", type=float, default=5.0, help="seconds between a unit's fixes")
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument("--snapshot-hz", type=float, default=2.0, help="ECC_SNAPSHOT_HZ of the server")
    parser.add_argument("--push-s", type=float, default=30, help="latency window with the screens")
    parser.add_argument("--poll-s", type=float, default=20, help="poll-baseline window")
    parser.add_argument("--browser-s", type=float, default=20, help="each browser window")
    parser.add_argument("--probe-fixes", type=int, default=20, help="fixes of the no-load baseline")
    parser.add_argument("--light-units", type=int, default=120, help="units of the browser baseline")
    parser.add_argument("--mark-every", type=int, default=25, help="mark every n-th unit's fixes")
    parser.add_argument("--load-procs", type=int, default=2)
    parser.add_argument("--load-threads", type=int, default=16, help="threads per load process")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--profile-s", type=float, default=6,
                        help="V8 profile of the 2,000-unit page after its window (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="short windows (~1.5 min)")
    args = parser.parse_args()
    if args.quick:
        args.push_s, args.poll_s, args.browser_s, args.probe_fixes = 12, 8, 8, 8
    rng = random.Random(args.seed)
    snapshot_period = 1.0 / args.snapshot_hz
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="ecc-fleet-"))
    loads: list[Load] = []
    browser_runs: list[BrowserRun] = []
    try:
        fleet, register_s = register_fleet(tmp, args.units, args.seed)
        marked = frozenset(u.id for i, u in enumerate(fleet) if i % args.mark_every == 0)
        with running_server(tmp, args.snapshot_hz) as server, contextmanager_or_none(
                not args.no_browser, tmp / "chromium-profile") as context:
            token = server.token()
            # A. one unit, one screen, no load
            idle = CpuWindow(server.process.pid).start()
            base, probe_rtts = probe_baseline(server, token, fleet[0], args.probe_fixes,
                                              snapshot_period, rng)
            idle.stop()
            load_rows = [load_row("A. no load: 1 unit, 1 screen", 0, None, idle)]
            # B. light load: the browser baseline
            light = Load(server.url, fleet[:args.light_units], args.period, ROUND_BASE["light"],
                         frozenset(), args.load_procs, max(1, min(args.load_threads, 4))).start()
            loads.append(light)
            time.sleep(max(0.0, light.t0 + args.period + 0.5 - time.monotonic()))
            if context is not None:
                cpu = CpuWindow(server.process.pid, light.pids)
                run = measure_wall(context, server, f"/wall, {args.light_units} units (baseline)",
                                   int(args.light_units * 0.95), args.browser_s, True, cpu)
                browser_runs.append(run)
                load_rows.append(load_row(f"B. {args.light_units} units, wall in Chromium",
                                          args.light_units / args.period, light.stop(), cpu))
            light.stop()
            # C. the fleet
            fleet_load = Load(server.url, fleet, args.period, ROUND_BASE["fleet"], marked,
                              args.load_procs, args.load_threads).start()
            loads.append(fleet_load)
            rate = args.units / args.period
            time.sleep(max(0.0, fleet_load.t0 + args.period + 1.0 - time.monotonic()))
            connect_started = time.monotonic()
            screens = connect_screens(server, token, args.screens, marked)
            connect_s = time.monotonic() - connect_started
            try:
                time.sleep(2 * snapshot_period + 1)
                push_cpu = CpuWindow(server.process.pid, fleet_load.pids).start()
                time.sleep(args.push_s)
                push_cpu.stop()
            finally:
                disconnect_all(screens)
            poll_cpu = CpuWindow(server.process.pid, fleet_load.pids).start()
            with Poller(server, token, marked) as poller:
                time.sleep(args.poll_s)
            poll_cpu.stop()
            if context is not None:
                cpu = CpuWindow(server.process.pid, fleet_load.pids)
                browser_runs.append(measure_wall(
                    context, server, f"/wall, {args.units:,} units", int(args.units * 0.95),
                    args.browser_s, False, cpu, args.profile_s))
            result = fleet_load.stop()
            push_end = push_cpu.started + push_cpu.seconds
            pushed = latencies(f"push, {args.units:,} units @ {args.period:g} s, {args.screens} screens",
                               result.marks, [s.seen for s in screens], push_cpu.started, push_end)
            polled = latencies(f"baseline: poll GET /api/v1/units every 1 s, {args.units:,} units",
                               result.marks, [poller.seen], poll_cpu.started,
                               poll_cpu.started + poll_cpu.seconds)
            load_rows += [
                load_row(f"C1. {args.units:,} units, {args.screens} screens", rate, result, push_cpu),
                load_row(f"C2. {args.units:,} units, 1 poller (1 s)", rate, result, poll_cpu)]
            if context is not None and len(browser_runs) > 1:
                load_rows.append(load_row(f"C3. {args.units:,} units, wall in Chromium", rate,
                                          result, browser_runs[-1].cpu))
        # --- report ---
        print(f"{args.units:,} units every {args.period:g} s ({rate:,.0f} fixes/s target) from "
              f"{args.load_procs} processes × {args.load_threads} threads (one keep-alive session "
              f"and one fix per POST each); snapshot_hz {args.snapshot_hz:g}; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.2f} at the end; "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {len(fleet):,} units registered in "
              f"{register_s:.1f} s; {args.screens} screens connected in {connect_s:.1f} s; "
              f"no-load POST p50 {percentile(probe_rtts, 50) * 1000:.1f} ms; "
              f"code {_revision()}; whole run {time.monotonic() - started:.0f} s\n")
        print("#### Fix-to-screen latency (from the POST returning to the snapshot at the screen)\n")
        print(latency_table([base, pushed, polled], base, polled))
        print(f"\npoll answer ({args.units:,} units): p50 {_ms(percentile(poller.durations, 50))} ms, "
              f"max {_ms(max(poller.durations, default=float('nan')))} ms, "
              f"{percentile(poller.sizes, 50) / 1024:,.0f} KiB; {len(poller.durations)} polls\n")
        print("#### Load generator and CPU (cores = CPU seconds per second; 'other' = machine busy"
              " minus the processes listed)\n")
        print(table(LOAD_HEADERS, load_rows))
        if result.errors:
            print("\nload errors (first few):", *result.errors[:5], sep="\n  ")
        print(f"\n#### Snapshot payload at {args.units:,} units (screen 1 of {args.screens}, window C1)\n")
        print(payload_table(screens[0], push_cpu.started, push_end, args.units))
        if browser_runs:
            print("\n#### The wall in Chromium (1920×1080, CPU only)\n")
            print(browser_table(browser_runs))
            print("\n" + redraw_table(browser_runs))
            if browser_runs[-1].profile:
                print("\n" + profile_report(browser_runs[-1]))
            for r in browser_runs:
                if r.errors:
                    print(f"\n{r.name}: {len(r.errors)} console/page errors, first: {r.errors[0]}")
    finally:
        for load in loads:
            with suppress(Exception):
                load.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                              cwd=Path(__file__).resolve().parent).stdout.strip()

    dirty = git("status", "--porcelain", "--", "dashboard", "feeds", "storage")
    return (git("rev-parse", "--short", "HEAD") or "?") + (" + uncommitted app changes" if dirty else "")


@contextmanager
def contextmanager_or_none(enabled: bool, profile: Path) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    with chromium(profile) as context:
        yield context


if __name__ == "__main__":
    main()
