"""JSON batch ingest throughput (fixes/s, one process) beside baselines measured in the same run.

Target: ``PositionIngest.json_batch`` called directly with batches of ``--batch`` fixes, one fix per
unit from ``--units`` units sharing one device key, on (a) a SQLite file + the in-process bus and
(b) PostgreSQL + the Redis bus when both are reachable. Beside it, on the same store and bus:

* baselines: a raw SQLAlchemy ``executemany`` of the same history rows (one transaction per batch),
  Redis ``XADD`` of the same payloads pipelined one round trip per batch, ``list.append`` of the same
  payloads (what an in-process bus can at best cost);
* components, to show where the time goes: decoding alone, ``UnitRepo.record_fixes`` once per batch
  and once per unit (as ``json_batch`` calls it), and ``Bus.publish`` once per unit.

Run: ``.venv/bin/python -m bench.ingest [--fixes 20000] [--quick]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from bench.common import (
    postgres_reachable,
    redis_reachable,
    scratch_postgres,
    scratch_redis,
    table,
)
from enforcement.city import load_city
from enforcement.clock import SimClock
from enforcement.model import Fix, Unit, UnitKind
from feeds.bus import Bus, MemoryBus
from feeds.ingest import PositionIngest, fix_payload
from feeds.protocols.jsonbatch import decode_batch
from storage.db import open_store_engine
from storage.reference import ReferenceRepo
from storage.schema import positions
from storage.units import UnitRepo, _fix_row

DEVICE_KEY = "bench-device-key-shared-by-every-unit-0000000"  # json_batch wants one key per batch
COURT_ID = "210102"
ORIGIN = (41.80, 123.40)  # Shenyang, degrees


@dataclass(frozen=True)
class Workload:
    bodies: list[list[dict[str, Any]]]  # JSON batches as a device would post them
    fixes: list[list[Fix]]  # the same batches decoded
    units: dict[str, Unit]

    @property
    def count(self) -> int:
        return sum(len(b) for b in self.bodies)


@dataclass(frozen=True)
class Result:
    name: str
    fixes: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.fixes / self.seconds


def make_workload(total: int, batch: int, unit_count: int) -> Workload:
    """``total`` fixes in batches of ``batch``; each batch cycles through the units, time moves on."""
    units = {f"B{i:04d}": Unit(id=f"B{i:04d}", court_id=COURT_ID, kind=UnitKind.FOOT)
             for i in range(unit_count)}
    ids = list(units)
    start = datetime.now(UTC) - timedelta(hours=2)
    bodies = []
    for b in range(0, total, batch):
        at = (start + timedelta(seconds=b // batch)).isoformat()
        bodies.append([
            {"unit_id": ids[(b + i) % unit_count], "lat": ORIGIN[0] + (b + i) % 997 * 1e-5,
             "lon": ORIGIN[1] + i * 1e-5, "at": at, "speed_kmh": 4.5, "heading": 90.0,
             "accuracy_m": 8.0, "battery_pct": 77.0}
            for i in range(min(batch, total - b))
        ])
    received = datetime.now(UTC)
    fixes = [decode_batch(body, received_at=received, datum_of=lambda u: units[u].datum)
             for body in bodies]
    return Workload(bodies, fixes, units)


def prepared_store(url: str, workload: Workload) -> Engine:
    engine = open_store_engine(url)
    ReferenceRepo(engine).save_courts(load_city().courts)
    repo = UnitRepo(engine)
    for unit in workload.units.values():
        repo.add(unit, device_key=DEVICE_KEY)
    return engine


def timed(name: str, count: int, run: Callable[[], None]) -> Result:
    started = time.perf_counter()
    run()
    return Result(name, count, time.perf_counter() - started)


def by_unit(fixes: list[Fix]) -> Iterator[list[Fix]]:
    grouped: dict[str, list[Fix]] = {}
    for fix in fixes:
        grouped.setdefault(fix.unit_id, []).append(fix)
    return iter(grouped.values())


def measure(label: str, engine: Engine, bus: Bus, workload: Workload,
            baseline_bus: tuple[str, Callable[[list[dict]], None]]) -> list[tuple[str, Result]]:
    """Every row of one store + bus pair, as (role, result); the target runs first on a warm store."""
    n = workload.count
    repo = UnitRepo(engine)
    ingest = PositionIngest(units=repo, bus=bus, clock=SimClock())
    units = workload.units
    payloads = [[fix_payload(f, units[f.unit_id]) for f in batch] for batch in workload.fixes]
    rows = [[_fix_row(f) | {"altitude_m": f.altitude_m} for f in batch] for batch in workload.fixes]
    ingest.json_batch(workload.bodies[0], DEVICE_KEY)  # warm: key cache, connection pool, statements

    def target() -> None:
        for body in workload.bodies:
            ingest.json_batch(body, DEVICE_KEY)

    def decode_only() -> None:
        now = datetime.now(UTC)
        for body in workload.bodies:
            decode_batch(body, received_at=now,
                         datum_of=lambda u: repo.authenticate(u, DEVICE_KEY).datum)

    def store_per_batch() -> None:
        for batch in workload.fixes:
            repo.record_fixes(batch)

    def store_per_unit() -> None:
        for batch in workload.fixes:
            for group in by_unit(batch):
                repo.record_fixes(group)

    def bus_per_unit() -> None:
        for batch in payloads:
            for payload in batch:
                bus.publish("positions", {"fixes": [payload]})

    def raw_executemany() -> None:
        for batch in rows:
            with engine.begin() as conn:
                conn.execute(positions.insert(), batch)

    bus_name, bus_baseline = baseline_bus
    return [
        ("target", timed(f"json_batch → {label}", n, target)),
        ("part", timed("  decode_batch + key check only", n, decode_only)),
        ("part", timed("  record_fixes, 1 commit per batch", n, store_per_batch)),
        ("part", timed("  record_fixes, 1 commit per unit (before the fix)", n, store_per_unit)),
        ("part", timed(f"  {bus.kind} bus publish, 1 per unit (before the fix)", n, bus_per_unit)),
        ("base", timed("baseline: raw SQLAlchemy executemany, 1 txn/batch", n, raw_executemany)),
        ("base", timed(f"baseline: {bus_name}", n, lambda: [bus_baseline(b) for b in payloads])),
    ]


def list_append_baseline() -> tuple[str, Callable[[list[dict]], None]]:
    sink: list[dict] = []
    return "list.append of the same payloads", lambda batch: [sink.append(p) for p in batch]


def xadd_baseline(client: Any) -> tuple[str, Callable[[list[dict]], None]]:
    def send(batch: list[dict]) -> None:
        pipe = client.pipeline(transaction=False)
        for payload in batch:
            pipe.xadd("bench:raw", {"d": orjson.dumps({"fixes": [payload]})},
                      maxlen=20_000, approximate=True)
        pipe.execute()

    return "Redis XADD pipelined, 1 round trip/batch", send


def report(rows: list[tuple[str, Result]]) -> str:
    """One line per row; ``target ÷ row`` is the target's fixes/s over the row's: against a baseline,
    how close the target comes to it; against a component, roughly its share of the target's time."""
    target = next(r for role, r in rows if role == "target")
    lines = [[r.name, f"{r.rate:,.0f}", f"{1e6 / r.rate:,.1f}", f"{target.rate / r.rate:.3f}"]
             for _, r in rows]
    return table(["configuration", "fixes/s", "µs/fix", "target ÷ row"], lines)


def run_sqlite_memory(workload: Workload) -> list[tuple[str, Result]]:
    with tempfile.TemporaryDirectory(prefix="ecc-bench-") as tmp:
        engine = prepared_store(f"sqlite:///{Path(tmp) / 'ecc.sqlite3'}", workload)
        try:
            return measure("SQLite file + memory bus", engine, MemoryBus(), workload,
                           list_append_baseline())
        finally:
            engine.dispose()


def run_postgres_redis(workload: Workload) -> list[tuple[str, Result]]:
    import redis

    from feeds.redis_bus import RedisBus

    with ExitStack() as stack:
        pg_url = stack.enter_context(scratch_postgres())
        redis_url = stack.enter_context(scratch_redis())
        engine = prepared_store(pg_url, workload)
        stack.callback(engine.dispose)
        bus = RedisBus.from_url(redis_url)
        stack.callback(bus.close)
        raw = redis.Redis.from_url(redis_url)
        stack.callback(raw.close)
        return measure("PostgreSQL + Redis bus", engine, bus, workload, xadd_baseline(raw))


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--fixes", type=int, default=20_000, help="fixes per configuration")
    parser.add_argument("--batch", type=int, default=100, help="fixes per JSON batch")
    parser.add_argument("--units", type=int, default=100, help="units the fixes come from")
    parser.add_argument("--quick", action="store_true", help="2,000 fixes (a smoke run)")
    args = parser.parse_args()
    total = 2_000 if args.quick else args.fixes
    workload = make_workload(total, args.batch, args.units)
    print(f"{workload.count:,} fixes in batches of {args.batch} from {args.units} units; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print("### SQLite file + in-process bus\n")
    print(report(run_sqlite_memory(workload)), "\n")
    if postgres_reachable() and redis_reachable():
        print("### PostgreSQL + Redis bus\n")
        print(report(run_postgres_redis(workload)), "\n")
    else:
        print("PostgreSQL or Redis unreachable: skipped PostgreSQL + Redis bus.\n")


if __name__ == "__main__":
    main()
