"""KPIs after one case event: incremental aggregates vs a full pandas recompute, at 1M and 10M cases.

Target: what the analytics desk does when a case changes: ``Aggregates.apply(before, after)`` with
the case's facts, then ``kpis(aggs, f)`` for the city this year (本年度: 1 January to today, every
court). The events close an open case today (executed in full, 终本 or terminated) or, for a case
already closed, move it to another team. Also timed: the three KPI sets one change announces (the
city, the intermediate court's scope, the case's own court).
Baseline, same run, same cases: ``kpi_frame.kpis_from_frame`` on the categorical DataFrame of the
cases (the same filter; a full pass, as pandas without aggregates would do on every change).
Checks: the two agree before the events, and again after them (the frame rebuilt from the changed
cases). The caseload is ``bench.synthetic`` (60 months up to 2026-11-23, shaped like the demo's).

Run: ``.venv/bin/python -m bench.kpis [--cases 1000000 10000000] [--events 2000] [--quick]``.
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace
from datetime import date

import numpy as np

from bench.common import percentile, table
from bench.synthetic import TODAY, Synthetic, closed_today, facts_at, frames, generate
from enforcement.city import load_city
from enforcement.kpi_frame import FactFrames, aggregates_from_frame, kpis_from_frame
from enforcement.kpis import Aggregates, AnalyticsFilter, kpis

CITY = AnalyticsFilter(start=date(TODAY.year, 1, 1), end=TODAY)


def timed(call, *args):  # noqa: ANN001, ANN201 - any callable
    began = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - began


def same(one: dict, other: dict) -> bool:
    return all(abs((one[k] or 0) - (other[k] or 0)) <= 1e-6 * max(1.0, abs(other[k] or 0))
               for k in one)


def event(s: Synthetic, aggs: Aggregates, rng: np.random.Generator) -> tuple[float, float, str]:
    """One case changes: (seconds to apply, seconds to recompute the city's KPIs, court)."""
    i = int(rng.integers(len(s)))
    before = facts_at(s, i)
    if s.closed[i] < 0:
        closed_today(s, i, rng)
    else:
        s.team[i] = s.court[i] * 4 + (s.team[i] + 1) % 4
    after = facts_at(s, i)
    _, applying = timed(aggs.apply, before, after)
    _, computing = timed(kpis, aggs, CITY)
    return applying, computing, after.court_id


CITY_COURTS = load_city()


def announced(aggs: Aggregates, court_id: str) -> float:
    """The KPI sets one change publishes: the city's, the intermediate court's, the court's own."""
    city = CITY_COURTS
    began = time.perf_counter()
    kpis(aggs, CITY)
    for court in {"2101", court_id}:
        kpis(aggs, replace(CITY, court_ids=city.scope(court)))
    return time.perf_counter() - began


def run(size: int, events: int, baseline_runs: int, seed: int) -> list[list[object]]:
    s, generating = timed(generate, size, seed)
    built, framing = timed(frames, s)
    aggs, loading = timed(aggregates_from_frame, built)
    ok_before = same(kpis(aggs, CITY), kpis_from_frame(built, CITY))
    baseline = [timed(kpis_from_frame, built, CITY)[1] for _ in range(baseline_runs)]
    rng = np.random.default_rng(seed + 1)
    applied, computed, publishing = [], [], []
    for _ in range(events):
        applying, computing, court = event(s, aggs, rng)
        applied.append(applying)
        computed.append(computing)
        if len(publishing) < 200:
            publishing.append(announced(aggs, court))
    rebuilt: FactFrames = frames(s)
    ok_after = same(kpis(aggs, CITY), kpis_from_frame(rebuilt, CITY))
    total = [a + c for a, c in zip(applied, computed, strict=True)]
    target, base = percentile(total, 50), percentile(baseline, 50)
    print(f"{size:,} cases: generated {generating:.1f} s, frame {framing:.1f} s, aggregates "
          f"loaded from the frame in {loading:.1f} s ({aggs.size():,} cells); same answer before "
          f"the events: {ok_before}, after {events:,} events: {ok_after}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB", flush=True)
    return [[f"{size:,}", f"{target * 1e6:,.0f}", f"{percentile(total, 95) * 1e6:,.0f}",
             f"{percentile(applied, 50) * 1e6:,.1f}", f"{percentile(computed, 50) * 1e6:,.0f}",
             f"{percentile(publishing, 50) * 1e6:,.0f}", f"{base * 1e3:,.0f}",
             f"{percentile(baseline, 95) * 1e3:,.0f}", f"{base / target:,.0f}×"]]


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.kpis", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="200,000 cases, 500 events")
    args = parser.parse_args()
    sizes, events = ([200_000], 500) if args.quick else (args.cases, args.events)
    rows = []
    for size in sizes:
        rows += run(size, events, args.baseline_runs, args.seed)
    print()
    print(table(["cases", "event p50 µs", "event p95 µs", "apply p50 µs", "city KPIs p50 µs",
                 "3 KPI sets p50 µs", "pandas p50 ms", "pandas p95 ms", "pandas ÷ event"], rows))


if __name__ == "__main__":
    main()
