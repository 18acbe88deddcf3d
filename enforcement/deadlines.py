"""The deadline index (到期索引): the instants where some clock changes stage, in time order.

Each tick asks for what fell due since the last one and touches only that, never every case.
Entries live in a sorted numpy array with a cursor (found by binary search); new entries go to a
small heap merged into the array now and then by binary-searched insertion (copying slices, never
re-sorting), because inserting one entry at a time into a sorted array is O(N) each.
Entries are hints: whoever pops one recomputes the clock's stage, so an entry made stale by a
later event (the node was done, a pause moved the due date) costs one check and nothing more.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable
from datetime import datetime

import numpy as np

MERGE_AT = 4096  # smallest side-buffer size that triggers a merge into the sorted array
MERGE_SHARE = 50  # … or 1/50 of the array, whichever is larger: a merge copies the whole array,
                  # so it must come rarely enough that its cost per added entry stays flat


def _micros(at: datetime) -> int:
    return round(at.timestamp() * 1_000_000)  # as add_many rounds, so ties stay ties


class DeadlineIndex:
    def __init__(self) -> None:
        self._times = np.empty(0, dtype=np.int64)
        self._keys: list[Hashable] = []
        self._cursor = 0
        self._buffer: list[tuple[int, int, Hashable]] = []
        self._sequence = 0  # tie-breaker: keys need not be comparable

    def __len__(self) -> int:
        return len(self._times) - self._cursor + len(self._buffer)

    def add(self, at: datetime, key: Hashable) -> None:
        self._sequence += 1
        heapq.heappush(self._buffer, (_micros(at), self._sequence, key))
        if len(self._buffer) >= max(MERGE_AT, len(self._times) // MERGE_SHARE):
            self._merge()

    def add_many(self, entries: Iterable[tuple[datetime, Hashable]]) -> None:
        """Bulk load (start-up): one vectorised sort instead of many heap pushes."""
        pairs = list(entries)
        seconds = np.fromiter((at.timestamp() for at, _ in pairs), dtype=np.float64,
                              count=len(pairs))
        times = np.round(seconds * 1_000_000).astype(np.int64)
        order = np.argsort(times, kind="stable")
        self._insert(times[order], [pairs[i][1] for i in order.tolist()])

    def pop_until(self, until: datetime) -> list[Hashable]:
        """Every key whose instant is at or before ``until``, oldest first, each handed out once."""
        limit = _micros(until)
        end = max(self._cursor, int(np.searchsorted(self._times, limit, side="right")))
        found = self._keys[self._cursor:end]
        due_buffered = []
        while self._buffer and self._buffer[0][0] <= limit:
            due_buffered.append(heapq.heappop(self._buffer))
        if due_buffered:
            timed = zip(self._times[self._cursor:end].tolist(), found, strict=True)
            found = [k for _, k in heapq.merge(timed, ((t, k) for t, _, k in due_buffered),
                                               key=lambda pair: pair[0])]
        self._cursor = end
        return found

    def next_at(self) -> int | None:
        """Microseconds of the earliest pending instant, or None."""
        candidates = []
        if self._cursor < len(self._times):
            candidates.append(int(self._times[self._cursor]))
        if self._buffer:
            candidates.append(self._buffer[0][0])
        return min(candidates) if candidates else None

    def _merge(self) -> None:
        buffered = sorted(self._buffer)
        self._buffer = []
        times = np.fromiter((t for t, _, _ in buffered), dtype=np.int64, count=len(buffered))
        self._insert(times, [k for _, _, k in buffered])

    def _insert(self, times: np.ndarray, keys: list[Hashable]) -> None:
        """Merge sorted (times, keys) into what is still pending: binary-search where each goes
        and copy the long sorted run around them in slices (O(N) copying, no re-sort)."""
        rest_times, rest_keys = self._times[self._cursor:], self._keys[self._cursor:]
        self._cursor = 0
        if not len(rest_times):
            self._times, self._keys = times, list(keys)
            return
        at = np.searchsorted(rest_times, times, side="right")  # ties: older entries first
        merged_keys: list[Hashable] = []
        previous = 0
        for position, key in zip(at.tolist(), keys, strict=True):
            merged_keys += rest_keys[previous:position]
            merged_keys.append(key)
            previous = position
        merged_keys += rest_keys[previous:]
        self._times = np.insert(rest_times, at, times)
        self._keys = merged_keys
