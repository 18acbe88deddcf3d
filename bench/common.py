"""What the benchmarks share: scratch PostgreSQL databases, Redis db 15, free ports, tables, percentiles.

Targets are always reported as a ratio to a baseline measured in the same run, so the figures
travel between machines better than absolute numbers do.
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

PG_ADMIN_URL = os.environ.get("ECC_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ECC_BENCH_REDIS", "redis://127.0.0.1:6379/15")  # db 15: scratch only


def redis_reachable(url: str = REDIS_URL) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False


@contextmanager
def scratch_redis(url: str = REDIS_URL) -> Iterator[str]:
    """Redis db 15, flushed before and after."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def postgres_reachable(admin_url: str = PG_ADMIN_URL) -> bool:
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def scratch_postgres(admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A database of our own, created now and dropped afterwards (even if the bench fails)."""
    import psycopg

    name = f"ecc_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so the output pastes straight into bench/README.md."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = lambda values: "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])
