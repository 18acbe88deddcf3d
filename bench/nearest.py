"""Nearest-unit ranking: ``enforcement.dispatch.rank`` per query beside a geopy loop over every unit.

Fleets of ``--sizes`` units (default 200, 2,000 and 20,000) are drawn around Shenyang's basic
courts (Gaussian, σ ≈ 4 km around each court), 60 % cars, with a realistic status mix: 55 %
available, 8 % dispatched, 7 % en route, 10 % on scene, 20 % off duty; last fixes 85 % fresh
(< 60 s), 10 % stale (5–30 min), 4 % offline (> 30 min), 1 % never reported. Query targets are
drawn around the city centre (σ ≈ 10 km) at 10:00, 08:00 (rush) and 23:00 on a working Monday.

Rows per size, each timed per query (p50 / p95):

* **target**: ``rank(fleet, ...)`` on a prebuilt ``Fleet`` (k = 5), what a dispatcher console
  does while the fleet snapshot holds;
* ``rank(candidates, ...)``, which builds the ``Fleet`` inside every query;
* ``Fleet.from_candidates`` alone (the one-off build per snapshot);
* **baseline**: geopy ``geodesic(a, b).km`` for every unit, then the same filters (status,
  ``units.freshness``) and sort. It runs ``clamp(60,000 / size, 10, --queries)`` queries (~1.5 s
  each at 20,000) on the same targets, and its answer is compared with ``rank``'s (ranked and
  skipped ids): the ``same answer`` column.

``÷ baseline`` is the row's p50 over the baseline's p50. ``geodesics/query`` is how many geopy
calls ``rank`` made on average (the shortlist and the units passed over).

Run: ``.venv/bin/python -m bench.nearest [--sizes 200 2000 20000] [--queries 300]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from geopy import __version__ as geopy_version
from geopy.distance import geodesic

import enforcement.dispatch as dispatch
from bench.common import percentile, table
from enforcement.city import load_city
from enforcement.dispatch import Candidate, Conditions, Fleet, Ranking, court_districts, rank
from enforcement.geo import district_of
from enforcement.model import UnitKind, UnitStatus
from enforcement.units import Freshness, freshness

K = 5
STALE_S, OFFLINE_S = 300.0, 1800.0
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # a working day
QUERY_TIMES = (MONDAY + timedelta(hours=2), MONDAY, MONDAY + timedelta(hours=15))  # 10:00, 08:00, 23:00
CENTRE = (41.8057, 123.4315)  # 市府广场
STATUS_MIX = {UnitStatus.AVAILABLE: 0.55, UnitStatus.DISPATCHED: 0.08, UnitStatus.EN_ROUTE: 0.07,
              UnitStatus.ON_SCENE: 0.10, UnitStatus.OFF_DUTY: 0.20}
CITY = load_city()
DISTRICTS = court_districts(CITY.courts)

Query = tuple[float, float, datetime, str | None]  # lat, lon, now, target district


def make_fleet(n: int, rng: np.random.Generator) -> list[Candidate]:
    """``n`` units around the basic courts; fix ages relative to the first query time."""
    courts = CITY.basic_courts()
    home = rng.integers(0, len(courts), n)
    lat = np.array([courts[i].lat for i in home]) + rng.normal(0, 0.036, n)
    lon = np.array([courts[i].lon for i in home]) + rng.normal(0, 0.048, n)
    statuses = rng.choice(list(STATUS_MIX), n, p=list(STATUS_MIX.values()))
    age_band = rng.choice(4, n, p=[0.85, 0.10, 0.04, 0.01])
    age_s = np.choose(age_band, [rng.uniform(0, 60, n), rng.uniform(STALE_S, OFFLINE_S, n),
                                 rng.uniform(OFFLINE_S, 8 * 3600, n), np.zeros(n)])
    return [Candidate(f"U{i:05d}", courts[home[i]].id, UnitKind.CAR if rng.random() < 0.6 else UnitKind.FOOT,
                      UnitStatus(statuses[i]), *_position(lat[i], lon[i], age_band[i]),
                      None if age_band[i] == 3 else QUERY_TIMES[0] - timedelta(seconds=float(age_s[i])))
            for i in range(n)]


def _position(lat: float, lon: float, age_band: int) -> tuple[float | None, float | None]:
    return (None, None) if age_band == 3 else (float(lat), float(lon))


def make_queries(count: int, rng: np.random.Generator) -> list[Query]:
    lats = CENTRE[0] + rng.normal(0, 0.09, count)
    lons = CENTRE[1] + rng.normal(0, 0.12, count)
    return [(float(la), float(lo), QUERY_TIMES[i % len(QUERY_TIMES)], district_of(la, lo, CITY.districts))
            for i, (la, lo) in enumerate(zip(lats, lons, strict=True))]


def run_rank(units: Sequence[Candidate] | Fleet, q: Query) -> Ranking:
    return rank(units, lat=q[0], lon=q[1], now=q[2], k=K, district_of_court=DISTRICTS,
                target_district=q[3], stale_after_s=STALE_S, offline_after_s=OFFLINE_S)


def brute_force(units: Sequence[Candidate], q: Query) -> tuple[list[str], list[str]]:
    """The baseline: geopy geodesic to every located unit, then filter and sort as rank does."""
    at, now, speed = (q[0], q[1]), q[2], Conditions.at(q[2]).speed_kmh
    located = [u for u in units if u.lat is not None]
    km = {u.unit_id: geodesic(at, (u.lat, u.lon)).km for u in located}
    free = [u.status == UnitStatus.AVAILABLE and freshness(
        u.last_fix_at, now, stale_after_s=STALE_S, offline_after_s=OFFLINE_S) == Freshness.FRESH
        for u in located]
    ranked = sorted((u for u, f in zip(located, free, strict=True) if f),
                    key=lambda u: (km[u.unit_id] / speed(u.kind), km[u.unit_id], u.unit_id))[:K]
    worst = max((km[u.unit_id] for u in ranked), default=float("inf"))
    skipped = sorted((u for u, f in zip(located, free, strict=True) if not f and km[u.unit_id] < worst),
                     key=lambda u: (km[u.unit_id], u.unit_id))[:K]
    return [u.unit_id for u in ranked], [u.unit_id for u in skipped]


def timed(call: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter_ns()
    out = call()
    return (time.perf_counter_ns() - began) / 1e3, out  # µs


def geodesics_per_query(fleet: Fleet, queries: list[Query]) -> float:
    """Run the queries once more with geopy's measure wrapped in a counter."""
    real, calls = dispatch._GEODESIC, [0]

    class Counting:
        def measure(self, a: tuple[float, float], b: tuple[float, float]) -> float:
            calls[0] += 1
            return real.measure(a, b)

    dispatch._GEODESIC = Counting()  # type: ignore[assignment]
    try:
        for q in queries:
            run_rank(fleet, q)
    finally:
        dispatch._GEODESIC = real
    return calls[0] / len(queries)


def bench_size(n: int, queries: list[Query], seed: int) -> tuple[list[list[object]], str]:
    units = make_fleet(n, np.random.default_rng(seed))
    build = [timed(lambda: Fleet.from_candidates(units))[0] for _ in range(max(5, 2000 // max(1, n // 100)))]
    fleet = Fleet.from_candidates(units)
    run_rank(fleet, queries[0])  # warm the calendar cache and geopy
    target = [timed(lambda q=q: run_rank(fleet, q)) for q in queries]
    with_build = [timed(lambda q=q: run_rank(units, q))[0] for q in queries[: max(10, len(queries) // 4)]]
    base_count = min(len(queries), max(10, 60_000 // n))
    base = [timed(lambda q=q: brute_force(units, q)) for q in queries[:base_count]]
    same = sum(
        ([r.unit_id for r in ranking.ranked], [r.unit_id for r in ranking.skipped]) == answer
        for (_, ranking), (_, answer) in zip(target, base, strict=False)
    )
    base_p50 = percentile([t for t, _ in base], 50)
    rows = [
        _row(n, "**target**: rank(prebuilt Fleet)", [t for t, _ in target], base_p50),
        _row(n, "rank(candidates), Fleet built per query", with_build, base_p50),
        _row(n, "Fleet.from_candidates alone", build, base_p50),
        _row(n, "baseline: geopy geodesic loop, all units", [t for t, _ in base], base_p50),
    ]
    rows[0].append(f"{geodesics_per_query(fleet, queries):.1f}")
    rows[-1].append(f"{len(fleet)}")
    for row in rows[1:-1]:
        row.append("—")
    note = f"{n:,} units ({fleet.unreported} never reported): same answer {same}/{base_count}"
    return rows, note


def _row(n: int, label: str, samples_us: list[float], base_p50_us: float) -> list[object]:
    p50, p95 = percentile(samples_us, 50), percentile(samples_us, 95)
    return [f"{n:,}", label, len(samples_us), _ms(p50), _ms(p95), f"{p50 / base_p50_us:.5f}",
            f"{base_p50_us / p50:,.0f}×"]


def _ms(us: float) -> str:
    return f"{us / 1e3:,.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.nearest", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2_000, 20_000])
    parser.add_argument("--queries", type=int, default=300, help="rank queries per size")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    queries = make_queries(args.queries, np.random.default_rng(args.seed + 1))
    print(f"k = {K}; {args.queries} queries per size at 10:00 / 08:00 / 23:00 Shanghai on a working "
          f"Monday; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"geopy {geopy_version}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    rows, notes = [], []
    for n in args.sizes:
        size_rows, note = bench_size(n, queries, args.seed)
        rows += size_rows
        notes.append(note)
    print(table(["units", "per query", "queries", "p50 ms", "p95 ms", "p50 ÷ baseline",
                 "baseline ÷ p50", "geodesics/query (baseline: units)"], rows))
    print("\n" + "\n".join(notes))
    print(f"\nwhole run {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
