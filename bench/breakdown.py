"""The breakdown by court, debtor type and disposition at 10M cases: SQL GROUP BY on SQLite and
PostgreSQL, beside the analytics desk's aggregates built from the same store.

Target: the SQL a drill-down (or an analytics desk without aggregates) runs on the ``cases`` table:
``GROUP BY court_id, debtor_type, disposition`` with the count, the closed count and the sums of the
amount applied for and recovered in closed cases, for first enforcement cases (the KPIs'
population), over all time and over the cases closed this year. Also timed: the desk's start-up on
that store (``AnalyticsRepo.cells``: three grouped passes, into ``Aggregates``).
Baseline, same run: ``kpis.breakdown(aggs, f, ("court_id", "debtor_group", "disposition"))`` on
those aggregates, checked to give the same numbers as the SQL (debtor types rolled up to groups).
The caseload is ``bench.synthetic`` (60 months up to 2026-11-23), written into a dedicated SQLite
file under /tmp (``executemany`` in batches, foreign keys off while loading) and a scratch
PostgreSQL database (``COPY``), both migrated by the product first, both removed afterwards.

Run: ``.venv/bin/python -m bench.breakdown [--cases 10000000] [--runs 3] [--stores sqlite postgresql]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

from bench.common import percentile, postgres_reachable, scratch_postgres, table
from bench.synthetic import ROW_COLUMNS, TODAY, generate, row_columns
from enforcement.city import load_city
from enforcement.facts import debtor_group
from enforcement.kpis import Aggregates, AnalyticsFilter, breakdown
from storage.analytics import AnalyticsRepo
from storage.db import open_store_engine
from storage.reference import ReferenceRepo

BY = ("court_id", "debtor_group", "disposition")
THIS_YEAR = AnalyticsFilter(start=date(TODAY.year, 1, 1), end=TODAY)
SQL = """SELECT court_id, debtor_type, disposition, COUNT(*), COUNT(closed_month),
 SUM(CASE WHEN closed_month IS NOT NULL THEN amount END),
 SUM(CASE WHEN closed_month IS NOT NULL THEN recovered END)
FROM cases WHERE case_type = 'first' {period} GROUP BY court_id, debtor_type, disposition"""
CLOSED_THIS_YEAR = f"AND closed_month BETWEEN '{TODAY.year}-01' AND '{TODAY:%Y-%m}'"


@contextlib.contextmanager
def sqlite_store() -> Iterator[str]:
    path = Path("/tmp") / f"ecc_bench_breakdown_{uuid.uuid4().hex[:8]}.sqlite3"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{path}{suffix}")


def rows(s, start: int, stop: int, dialect: str) -> Iterator[tuple]:  # noqa: ANN001 - a Synthetic
    columns = row_columns(s, start, stop, dialect=dialect)
    return zip(*(columns[name] for name in ROW_COLUMNS), strict=True)


def load_sqlite(engine: Engine, s, batch: int) -> None:  # noqa: ANN001 - a Synthetic
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        insert = (f"INSERT INTO cases ({', '.join(ROW_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(ROW_COLUMNS))})")
        for start in range(0, len(s), batch):
            cursor.executemany(insert, rows(s, start, min(start + batch, len(s)), "sqlite"))
            raw.commit()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def load_postgres(url: str, s, batch: int) -> None:  # noqa: ANN001 - a Synthetic
    import psycopg

    with psycopg.connect(url) as conn:
        copy_sql = f"COPY cases ({', '.join(ROW_COLUMNS)}) FROM STDIN"
        for start in range(0, len(s), batch):
            with conn.cursor().copy(copy_sql) as copy:
                for row in rows(s, start, min(start + batch, len(s)), "postgresql"):
                    copy.write_row(row)
            conn.commit()
        conn.execute("ANALYZE cases")
        conn.commit()


def sql_breakdown(engine: Engine, period: str) -> dict[tuple, list[float]]:
    """The SQL's rows rolled up by debtor group: (court, group, disposition) → [cases, closed,
    amount, recovered]."""
    found: dict[tuple, list[float]] = {}
    with engine.connect() as conn:
        for court, debtor, disposition, *sums in conn.execute(text(SQL.format(period=period))):
            row = found.setdefault((court, debtor_group(debtor), disposition), [0, 0, 0.0, 0.0])
            for n, value in enumerate(sums):
                row[n] += value or 0
    return found


def desk_breakdown(aggs: Aggregates, f: AnalyticsFilter, closed_only: bool) -> dict[tuple, list[float]]:
    rows = breakdown(aggs, f, BY)
    return {(r["court_id"], r["debtor_group"], r["disposition"]):
            [r["cases"], r["closed"], r["amount"], r["recovered"]] for r in rows
            if r["closed"] or not closed_only}


def agree(one: dict[tuple, list[float]], other: dict[tuple, list[float]], *, closed_only: bool) -> bool:
    if one.keys() != other.keys():
        return False
    skip = 1 if closed_only else 0  # "cases" means carried over + received in the desk's rows
    return all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for k in one
               for a, b in zip(one[k][skip:], other[k][skip:], strict=True))


def desk_load(engine: Engine) -> Aggregates:
    repo, aggs = AnalyticsRepo(engine), Aggregates()
    with repo.snapshot() as conn:
        for side, month, key, values in repo.cells(conn):
            aggs.add_cell(side, month, key, values)
    return aggs


def timings(call, runs: int) -> tuple[float, object]:  # noqa: ANN001
    found, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        found.append(time.perf_counter() - began)
    return percentile(found, 50), result


def measure(name: str, url: str, s, runs: int, batch: int) -> list[list[object]]:  # noqa: ANN001
    engine = open_store_engine(url)
    ReferenceRepo(engine).save_courts(load_city().courts)
    began = time.perf_counter()
    (load_sqlite(engine, s, batch) if name == "SQLite" else load_postgres(url, s, batch))
    loading = time.perf_counter() - began
    print(f"{name}: {len(s):,} cases loaded in {loading:.0f} s ({len(s) / loading:,.0f} rows/s)",
          flush=True)
    try:
        all_time, sql_all = timings(lambda: sql_breakdown(engine, ""), runs)
        this_year, sql_year = timings(lambda: sql_breakdown(engine, CLOSED_THIS_YEAR), runs)
        starting, aggs = timings(lambda: desk_load(engine), 1)
        desk_all, rows_all = timings(lambda: desk_breakdown(aggs, AnalyticsFilter(), False), runs)
        desk_year, rows_year = timings(lambda: desk_breakdown(aggs, THIS_YEAR, True), runs)
        ok_all = agree(rows_all, sql_all, closed_only=False)
        ok_year = agree(rows_year, sql_year, closed_only=True)
        print(f"{name}: same answer all time {ok_all}, this year {ok_year}; desk start-up "
              f"{starting:.1f} s, {aggs.size():,} cells", flush=True)
    finally:
        engine.dispose()
    return [[name, "all time", f"{all_time * 1e3:,.0f}", f"{desk_all * 1e3:,.1f}",
             f"{all_time / desk_all:,.0f}×", ok_all, f"{starting:,.1f}", f"{loading:,.0f}"],
            [name, "closed this year", f"{this_year * 1e3:,.0f}", f"{desk_year * 1e3:,.1f}",
             f"{this_year / desk_year:,.0f}×", ok_year, "", ""]]


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.breakdown", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=200_000)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    s = generate(args.cases, args.seed)
    print(f"{args.cases:,} synthetic cases in {time.perf_counter() - began:.0f} s", flush=True)
    rows = []
    if "sqlite" in args.stores:
        with sqlite_store() as url:
            rows += measure("SQLite", url, s, args.runs, args.batch)
    if "postgresql" in args.stores and postgres_reachable():
        with scratch_postgres() as url:
            rows += measure("PostgreSQL", url, s, args.runs, args.batch)
    print()
    print(table(["store", "breakdown", "SQL p50 ms", "aggregates p50 ms", "SQL ÷ aggregates",
                 "same answer", "desk start-up s", "bulk load s"], rows))


if __name__ == "__main__":
    main()
