"""The deadline index hands out each entry once, in time order, however entries arrived."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from enforcement.deadlines import MERGE_AT, DeadlineIndex

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_pop_until_returns_due_entries_in_order_once() -> None:
    index = DeadlineIndex()
    index.add_many([(T0 + timedelta(hours=h), f"bulk{h}") for h in (5, 1, 3)])
    index.add(T0 + timedelta(hours=2), "late")
    assert index.pop_until(T0 + timedelta(hours=3)) == ["bulk1", "late", "bulk3"]
    assert index.pop_until(T0 + timedelta(hours=3)) == []
    assert index.pop_until(T0 + timedelta(hours=9)) == ["bulk5"]
    assert len(index) == 0


def test_random_interleaving_matches_a_plain_sort() -> None:
    rng = random.Random(4)
    index = DeadlineIndex()
    expected = [(rng.randrange(100_000), n) for n in range(20_000)]
    index.add_many([(T0 + timedelta(minutes=m), (m, n)) for m, n in expected])
    for n in range(2 * MERGE_AT):  # enough to force merges of the side buffer
        minute = rng.randrange(100_000)
        index.add(T0 + timedelta(minutes=minute), (minute, 100_000 + n))
        expected.append((minute, 100_000 + n))
    popped = []
    for stop in range(0, 100_001, 7_919):
        popped += index.pop_until(T0 + timedelta(minutes=stop))
    popped += index.pop_until(T0 + timedelta(minutes=100_001))
    assert sorted(popped) == sorted(expected)
    assert [m for m, _ in popped] == sorted(m for m, _ in popped)


def test_next_at_points_at_the_earliest_pending_entry() -> None:
    index = DeadlineIndex()
    assert index.next_at() is None
    index.add(T0 + timedelta(hours=2), "a")
    index.add_many([(T0 + timedelta(hours=1), "b")])
    assert index.next_at() == int((T0 + timedelta(hours=1)).timestamp() * 1_000_000)
