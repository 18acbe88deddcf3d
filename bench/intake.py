"""Tip intake throughput (tips/s, one process) beside a baseline measured in the same run.

Target: ``POST /api/v1/tips`` through the Flask test client (no socket, no HTTP server: the whole
Flask path — bearer-token check, JSON parsing, ``TipDesk.take``, the reply — but not werkzeug's
server), one tip per request, on (a) a SQLite file and (b) a scratch PostgreSQL database, each with
the in-process bus. The tips are the call simulator's (``simulators.calls``), about real open cases
of a caseload written first, so linking and repeat checks do their usual work.

Beside it, on the same store: ``TipDesk.take`` called directly (the same work without Flask), the
bearer-token check alone (``UserRepo.resolve``, once per request), and the baseline: a raw
SQLAlchemy insert of the same tip rows with their ``taken`` event, one transaction per tip (what
the desk's first write costs, and nothing else). The paths take turns on slices of the tips.

Run: ``.venv/bin/python -m bench.intake [--tips 1000] [--quick]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.common import postgres_reachable, scratch_postgres, table
from dashboard.app import CommandCenter, create_app
from dashboard.services import build_services
from dashboard.settings import load_settings
from enforcement.clock import SimClock
from enforcement.model import Role
from feeds.bus import MemoryBus
from simulators.calls import CallGenerator, CallRunner
from simulators.caseload_runner import demo_caseload
from storage.schema import tip_events, tips
from storage.tips import _row

SEED = 11
CASES_PER_YEAR, HISTORY = 4_000, timedelta(days=120)  # about 1,000 open cases to link against
PASSWORD = "bench-password-123"


def build_center(url: str, data_dir: Path) -> CommandCenter:
    settings = load_settings({"db": url, "data_dir": str(data_dir), "demo": "false"}, environ={})
    services = build_services(settings, clock=SimClock(), bus=MemoryBus())
    demo_caseload(services.desk, services.city, services.clock, seed=SEED,
                  per_year=CASES_PER_YEAR, history=HISTORY, ahead=timedelta(0))
    return create_app(settings, services=services, secret_key="bench")  # loads the debtor index


def payloads(center: CommandCenter, count: int) -> list[dict[str, Any]]:
    """``count`` calls of the simulator, received over the last day."""
    services = center.services
    cases = CallRunner(services.tips, services.clock, seed=SEED).cases()
    generator = CallGenerator(seed=SEED, cases=cases)
    start = services.clock.now() - timedelta(days=1)
    return [generator.draw(start + i * timedelta(days=1) / count).payload for i in range(count)]


def token(center: CommandCenter, client: Any) -> str:
    center.services.users.add("bench-intake", PASSWORD, Role.INTAKE, court_id=None,
                              now=center.services.clock.now())
    reply = client.post("/api/v1/auth/token", json={"username": "bench-intake", "password": PASSWORD})
    return reply.get_json()["token"]


ROUNDS = 4  # the paths take turns on slices of the work, so a store growing or a noisy
# neighbour does not favour whichever path runs last


def timed(paths: dict[str, Callable[[range], None]], count: int) -> dict[str, float]:
    """tips/s of each path over ``count`` tips, the paths taking turns on ``ROUNDS`` slices."""
    spent = dict.fromkeys(paths, 0.0)
    for r in range(ROUNDS):
        part = range(r, count, ROUNDS)
        for name, path in paths.items():
            started = time.perf_counter()
            path(part)
            spent[name] += time.perf_counter() - started
    return {name: count / seconds for name, seconds in spent.items()}


def measure(center: CommandCenter, work: list[dict[str, Any]]) -> dict[str, float]:
    """tips/s of each path, each taking the same tips, on a store warmed by one tip."""
    desk, engine, users = center.services.tips, center.services.db, center.services.users
    client = center.server.test_client()
    bearer = token(center, client)
    headers = {"Authorization": f"Bearer {bearer}"}
    client.post("/api/v1/tips", json=work[0], headers=headers)  # warm: pool, statements, caches
    now = center.services.clock.now()
    rows = [_row(desk.parse(p, actor="bench")) for p in work]

    def api(part: range) -> None:
        for i in part:
            reply = client.post("/api/v1/tips", json=work[i], headers=headers)
            assert reply.status_code == 201, reply.get_json()

    def direct(part: range) -> None:
        for i in part:
            desk.take(work[i], actor="bench")

    def auth_only(part: range) -> None:
        for _ in part:
            users.resolve(bearer, now=now)

    def raw_insert(part: range) -> None:
        for i in part:
            with engine.begin() as conn:
                tip_id = conn.execute(insert(tips).values(rows[i])).inserted_primary_key[0]
                conn.execute(insert(tip_events).values(tip_id=tip_id, type="taken", actor="bench",
                                                       at=now, note=""))

    return timed({"api": api, "desk": direct, "auth": auth_only, "raw": raw_insert}, len(work))


def report(store: str, rates: dict[str, float]) -> list[list[str]]:
    base = rates["raw"]
    names = {"api": "POST /api/v1/tips (Flask test client)", "desk": "  TipDesk.take directly",
             "auth": "  bearer-token check alone", "raw": "baseline: raw SQLAlchemy insert, 1 txn/tip"}
    return [[store, names[k], f"{r:,.0f}", f"{1e3 / r:.2f}", f"{r / base:.3f}"]
            for k, r in rates.items()]


def run(url: str, data_dir: Path, count: int) -> dict[str, float]:
    center = build_center(url, data_dir)
    try:
        return measure(center, payloads(center, count))
    finally:
        center.stop()
        center.services.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.intake", description=__doc__.split("\n")[0])
    parser.add_argument("--tips", type=int, default=1_000, help="tips per configuration")
    parser.add_argument("--quick", action="store_true", help="200 tips (a smoke run)")
    args = parser.parse_args()
    count = 200 if args.quick else args.tips
    print(f"{count:,} simulated calls per path; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    lines = []
    with tempfile.TemporaryDirectory(prefix="ecc-bench-") as tmp:
        lines += report("SQLite file", run(f"sqlite:///{Path(tmp) / 'ecc.sqlite3'}", Path(tmp),
                                           count))
    if postgres_reachable():
        with tempfile.TemporaryDirectory(prefix="ecc-bench-") as tmp, scratch_postgres() as url:
            lines += report("PostgreSQL", run(url, Path(tmp), count))
    else:
        print("PostgreSQL unreachable: skipped.\n")
    print(table(["store", "path", "tips/s", "ms/tip", "÷ baseline"], lines))


if __name__ == "__main__":
    main()
