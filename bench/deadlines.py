"""Deadline index: newly-due detection per tick, memory per open node and start-up load time.

Target: ``enforcement.deadlines.DeadlineIndex`` used as ``feeds.engine.AlertEngine`` uses it: one
``add_many`` of every open node at start, then ``pop_until(now)`` each tick and ``add`` for new
clocks. For each size (``--sizes``, default 100k, 1M and 5M entries, one per open node):

1. **ticks**: simulated ticks of 60 s (1 s ticks at speed 60). The first tick after loading takes
   the clocks already in some stage (the engine files them under ``now``); then ``--plain-ticks``
   ticks with no new clocks; then ``--add-ticks`` ticks each preceded by ``--adds`` single ``add``
   calls (a tenth due at once, so they pop from the side heap on that tick; the rest in the future,
   so the heap fills and merges every ``MERGE_AT`` adds). The ticks start at 21:00 Shanghai time,
   so one of them crosses local midnight, where day-counted clocks clump.
   After the ticks, ``--merge-repeats`` merges of ``MERGE_AT`` entries timed on their own (after
   a ``gc.collect()``): the heap is filled with untimed ``add`` calls and the ``add`` that reaches
   ``MERGE_AT`` (``_merge`` → ``_insert``) is timed, then ``_insert`` alone with another
   ``MERGE_AT`` sorted entries.
   Baselines, same run, same tick instants: a pandas full scan per tick,
   ``df[(df.due > last) & (df.due <= now)]`` on a ``datetime64[us, UTC]`` column with the key
   columns beside it, and the bare numpy scan ``flatnonzero((a > last) & (a <= now))``.
2. **memory**: tracemalloc around building the keys and then the index (sizes up to
   ``--traced-max``; tracing 5M entries would take minutes), and a ``sys.getsizeof`` count of the
   same structures for every size; pandas' ``memory_usage(deep=True)`` per row for the baseline.
3. **start-up**: the time to create the ``datetime`` objects, then ``add_many``, beside the
   pandas baseline's load of the same datetimes (``pd.to_datetime(..., utc=True)``, the due
   column its full scan needs); and ``add_many`` replayed step by step (the same statements as
   ``enforcement/deadlines.py``, checked to give the same result) to show where its time goes.

Run: ``.venv/bin/python -m bench.deadlines [--quick] [--sizes 100000 1000000 5000000]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from bench.common import percentile, table
from enforcement.deadlines import MERGE_AT, MERGE_SHARE, DeadlineIndex, _micros

# 21:00 Asia/Shanghai (UTC+8): the ticks cross local midnight, where day-counted clocks clump.
START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
LOCAL_MIDNIGHT_UTC_S = 16 * 3600  # 00:00 in Shanghai is 16:00 UTC
DAY_S = 86_400
TICK_S = 60  # one real second at speed 60
NODES = ("filing_review", "assign_handler", "execution_notice", "ask_leads", "network_query",
         "verify_lead", "investigation_done", "seizure_expiry", "reference_price_start",
         "online_inquiry_report", "appraisal_report", "sale_start", "auction_notice", "sale_ruling",
         "hand_over", "payout", "objection_ruling", "conclusion", "dishonest_listing", "petition_log")
CLOCKS_PER_CASE = 3  # open node clocks per case: they share the case_no string, as in the engine


# ---- workload ---------------------------------------------------------------------------------

def due_offsets(n: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds after START: 2 % already in some stage (filed under START itself), 73 % within
    six months, 20 % six months to two years, 5 % seizure expiries two to three years out; half of
    them on local day starts (day-counted clocks), the rest at any second."""
    kind = rng.choice(4, size=n, p=[0.02, 0.73, 0.20, 0.05])
    low = np.array([0, 0, 182, 730]) * DAY_S
    high = np.array([0, 182, 730, 1095]) * DAY_S
    offsets = low[kind] + (rng.random(n) * (high[kind] - low[kind])).astype(np.int64)
    on_day = (rng.random(n) < 0.5) & (kind > 0)
    start_s = int(START.timestamp())
    absolute = start_s + offsets
    day_start = (absolute - LOCAL_MIDNIGHT_UTC_S) // DAY_S * DAY_S + LOCAL_MIDNIGHT_UTC_S + DAY_S
    absolute = np.where(on_day, day_start, absolute)
    return (absolute - start_s).astype(np.int64)


def make_keys(n: int, rng: np.random.Generator, first_case: int = 0) -> list[tuple[str, str, str]]:
    """(case_no, node, instance) as the engine builds them: case_no ~20 characters shared by the
    clocks of one case, node names from the catalog (shared), instance "" or a measure id."""
    nodes = rng.integers(0, len(NODES), size=n).tolist()
    measure = (rng.random(n) < 0.2).tolist()  # seizures and leads: one clock per measure
    keys = []
    case_no = ""
    for i in range(n):
        if i % CLOCKS_PER_CASE == 0:
            case_no = f"（2026）辽0102执{first_case + i // CLOCKS_PER_CASE:07d}号"
        keys.append((case_no, NODES[nodes[i]], f"M{i:08d}" if measure[i] else ""))
    return keys


def to_datetimes(offsets: np.ndarray) -> list[datetime]:
    return [START + timedelta(seconds=s) for s in offsets.tolist()]


# ---- 1. ticks --------------------------------------------------------------------------------

@dataclass
class TickRun:
    first: float = 0.0  # the catch-up tick right after loading
    first_popped: int = 0
    plain: list[float] = field(default_factory=list)
    with_adds: list[float] = field(default_factory=list)
    after_merge: list[float] = field(default_factory=list)  # pop_until on ticks whose adds merged
    popped: list[int] = field(default_factory=list)
    add_each: list[float] = field(default_factory=list)  # single add() calls that did not merge
    merges: list[float] = field(default_factory=list)  # single add() calls that merged
    scan_pandas: list[float] = field(default_factory=list)
    scan_numpy: list[float] = field(default_factory=list)
    scan_pandas_first: float = 0.0
    scan_numpy_first: float = 0.0
    merge_add: list[float] = field(default_factory=list)  # add() reaching MERGE_AT, on its own
    merge_insert: list[float] = field(default_factory=list)  # `_insert` of MERGE_AT sorted, alone
    merge_ok: bool = False  # array sorted, keys aligned, nothing lost


def baseline_frame(offsets: np.ndarray, keys: list) -> pd.DataFrame:
    due = pd.to_datetime((int(START.timestamp()) + offsets) * 1_000_000, unit="us", utc=True)
    return pd.DataFrame({"due": due.astype("datetime64[us, UTC]"),
                         "case_no": [key[0] for key in keys], "node": [key[1] for key in keys],
                         "instance": [key[2] for key in keys]})


def run_ticks(index: DeadlineIndex, offsets: np.ndarray, frame: pd.DataFrame, plain: int,
              add_ticks: int, adds: int, repeats: int, rng: np.random.Generator) -> TickRun:
    run = TickRun()
    perf = time.perf_counter
    total = 1 + plain + add_ticks
    instants = [START + timedelta(seconds=TICK_S * k) for k in range(total + 1)]
    new_keys = make_keys(adds * add_ticks, rng, first_case=10_000_000)
    new_offsets = due_offsets(adds * add_ticks, rng)
    for k in range(1, total + 1):
        now = instants[k]
        merged = False
        if k > 1 + plain:
            base = (k - 2 - plain) * adds
            for j in range(base, base + adds):
                # a tenth due at once (a clock already in some stage), the rest later on
                at = now if j % 10 == 0 else now + timedelta(seconds=int(new_offsets[j]))
                before = len(index._buffer)
                t0 = perf()
                index.add(at, new_keys[j])
                spent = perf() - t0
                if len(index._buffer) < before:  # this add merged the heap into the array
                    run.merges.append(spent)
                    merged = True
                else:
                    run.add_each.append(spent)
        t0 = perf()
        found = index.pop_until(now)
        spent = perf() - t0
        if k == 1:
            run.first, run.first_popped = spent, len(found)
            continue
        run.popped.append(len(found))
        (run.after_merge if merged else run.with_adds if k > 1 + plain else run.plain).append(spent)

    # baselines: the same N instants scanned in full at the same tick instants
    micros = (int(START.timestamp()) + offsets) * 1_000_000
    stamps = [pd.Timestamp(at) for at in instants]
    # the first tick takes everything at or before START (no "last" yet)
    t0 = perf()
    frame[frame.due <= stamps[1]]
    run.scan_pandas_first = perf() - t0
    t0 = perf()
    np.flatnonzero(micros <= _micros(instants[1]))
    run.scan_numpy_first = perf() - t0
    for k in range(2, total + 1):
        t0 = perf()
        frame[(frame.due > stamps[k - 1]) & (frame.due <= stamps[k])]
        run.scan_pandas.append(perf() - t0)
        last, now_us = _micros(instants[k - 1]), _micros(instants[k])
        t0 = perf()
        np.flatnonzero((micros > last) & (micros <= now_us))
        run.scan_numpy.append(perf() - t0)

    # real merges of MERGE_AT entries, on their own (`repeats` times each, after a gc.collect()):
    # fill the heap with untimed adds (all due later), time the add that reaches MERGE_AT; then
    # `_insert` alone with MERGE_AT more sorted entries
    later = instants[-1]
    # the side buffer merges at MERGE_AT or 1/MERGE_SHARE of the array, whichever is larger
    threshold = max(MERGE_AT, len(index._times) // MERGE_SHARE)
    extra_offsets = due_offsets((threshold + MERGE_AT) * repeats, rng) + DAY_S  # none due early
    extra_keys = make_keys((threshold + MERGE_AT) * repeats, rng, first_case=20_000_000)
    extra_at = [later + timedelta(seconds=s) for s in extra_offsets.tolist()]
    ok = True
    j = 0
    for _ in range(repeats):
        while len(index._buffer) < max(MERGE_AT, len(index._times) // MERGE_SHARE) - 1:
            index.add(extra_at[j], extra_keys[j])
            j += 1
        expected = len(index) + 1
        gc.collect()
        t0 = perf()
        index.add(extra_at[j], extra_keys[j])
        run.merge_add.append(perf() - t0)
        j += 1
        ok = ok and not index._buffer and len(index) == expected
        pairs = sorted(zip((_micros(at) for at in extra_at[j:j + MERGE_AT]),
                           extra_keys[j:j + MERGE_AT], strict=True), key=lambda p: p[0])
        j += MERGE_AT
        insert_times = np.fromiter((t for t, _ in pairs), dtype=np.int64, count=len(pairs))
        insert_keys = [key for _, key in pairs]
        expected = len(index) + len(pairs)
        gc.collect()
        t0 = perf()
        index._insert(insert_times, insert_keys)
        run.merge_insert.append(perf() - t0)
        pending = index._times[index._cursor:]
        ok = (ok and len(index) == expected and len(index._keys) == len(index._times)
              and bool(np.all(pending[1:] >= pending[:-1])))
    run.merge_ok = ok
    return run


def us(seconds: float) -> str:
    value = seconds * 1e6
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def tick_rows(n: int, run: TickRun) -> list[list[object]]:
    target = run.plain + run.with_adds + run.after_merge
    base_p50 = percentile(run.scan_pandas, 50)
    base_p95 = percentile(run.scan_pandas, 95)

    def row(name: str, values: list[float], popped: str) -> list[object]:
        if not values:
            return [f"{n:,}", name, 0, "—", "—", "—", "—", "—", "—"]
        p50, p95 = percentile(values, 50), percentile(values, 95)
        return [f"{n:,}", name, len(values), popped, us(p50), us(p95), us(max(values)),
                f"{p50 / base_p50:.5f}", f"{p95 / base_p95:.5f}"]

    def one(name: str, seconds: float, popped: str, base: float) -> list[object]:
        return [f"{n:,}", name, 1, popped, us(seconds), "—", "—", f"{seconds / base:.3f}", "—"]

    pops = f"{percentile(run.popped, 50):.0f} / {max(run.popped):,}"
    check = "" if run.merge_ok else " (CHECK FAILED)"
    return [
        row("pop_until, all steady ticks", target, pops),
        row("  ticks with no new clocks", run.plain, "—"),
        row("  ticks after adds, no merge", run.with_adds, "—"),
        row("  ticks after adds with a merge", run.after_merge, "—"),
        one("pop_until, first tick after load", run.first, f"{run.first_popped:,}",
            run.scan_pandas_first),
        row("add() one entry, no merge", run.add_each, "—"),
        row("add() that merges, during the ticks", run.merges, "—"),
        row(f"merge {MERGE_AT:,}: add() reaching MERGE_AT, alone{check}", run.merge_add, "—"),
        row(f"merge {MERGE_AT:,}: `_insert` alone{check}", run.merge_insert, "—"),
        row("baseline: pandas full scan", run.scan_pandas, pops),
        one("baseline: pandas, first tick", run.scan_pandas_first, f"{run.first_popped:,}",
            run.scan_pandas_first),
        row("baseline: numpy full scan", run.scan_numpy, pops),
    ]


# ---- 2. memory -------------------------------------------------------------------------------

def sizeof_index(index: DeadlineIndex) -> tuple[int, int, int]:
    """(numpy bytes, key list bytes, bytes of the key tuples and their distinct strings)."""
    seen: set[int] = set()
    owned = 0
    for key in index._keys:
        owned += sys.getsizeof(key)
        for part in key:
            if id(part) not in seen:
                seen.add(id(part))
                owned += sys.getsizeof(part)
    return index._times.nbytes, sys.getsizeof(index._keys), owned


@dataclass
class Traced:
    keys: int
    index: int
    index_peak: int


def traced_build(offsets: np.ndarray, rng_seed: int) -> Traced:
    """tracemalloc around the keys, then the index built from datetimes made outside the trace."""
    n = len(offsets)
    gc.collect()
    entries_at = to_datetimes(offsets)
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    keys = make_keys(n, np.random.default_rng(rng_seed))
    after_keys = tracemalloc.get_traced_memory()[0]
    entries = list(zip(entries_at, keys, strict=True))
    after_entries = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    index = DeadlineIndex()
    index.add_many(entries)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del entries, entries_at
    result = Traced(keys=after_keys - before, index=current - after_entries,
                    index_peak=peak - after_entries)
    del index, keys
    gc.collect()
    return result


# ---- 3. start-up -----------------------------------------------------------------------------

def add_many_steps(entries: list[tuple[datetime, Hashable]]) -> tuple[list[tuple[str, float]],
                                                                       bool, DeadlineIndex]:
    """``DeadlineIndex.add_many`` on an empty index, one statement at a time (same code as
    ``enforcement/deadlines.py``); the result is checked against a real ``add_many``."""
    perf = time.perf_counter
    steps = []
    t0 = perf()
    pairs = list(entries)
    steps.append(("`list(entries)`", perf() - t0))
    t0 = perf()
    seconds = np.fromiter((at.timestamp() for at, _ in pairs), dtype=np.float64, count=len(pairs))
    steps.append(("`np.fromiter` of `at.timestamp()`", perf() - t0))
    t0 = perf()
    times = np.round(seconds * 1_000_000).astype(np.int64)
    steps.append(("round to int64 µs", perf() - t0))
    t0 = perf()
    order = np.argsort(times, kind="stable")
    steps.append(("stable `argsort`", perf() - t0))
    t0 = perf()
    sorted_times = times[order]
    keys = [pairs[i][1] for i in order.tolist()]
    steps.append(("keys permuted over `order.tolist()` (+ times[order])", perf() - t0))
    del pairs, seconds, times, order
    index = DeadlineIndex()
    t0 = perf()
    index._insert(sorted_times, keys)
    steps.append(("`_insert` into the empty index (list copy)", perf() - t0))
    reference = DeadlineIndex()
    reference.add_many(entries)
    same = bool(np.array_equal(reference._times, index._times)) and reference._keys == index._keys
    return steps, same, reference


@dataclass
class Load:
    datetimes: float
    pairs: float
    add_many: float
    pandas: float  # baseline: pd.to_datetime of the same datetimes
    steps: list[tuple[str, float]]
    same: bool


def run_load(offsets: np.ndarray, keys: list) -> tuple[Load, DeadlineIndex]:
    perf = time.perf_counter
    gc.collect()
    t0 = perf()
    made = to_datetimes(offsets)
    spent_dt = perf() - t0
    t0 = perf()
    entries = list(zip(made, keys, strict=True))
    spent_pairs = perf() - t0
    index = DeadlineIndex()
    gc.collect()
    t0 = perf()
    index.add_many(entries)
    spent_add = perf() - t0
    gc.collect()
    t0 = perf()
    due = pd.to_datetime(made, utc=True)
    spent_pandas = perf() - t0
    del due
    gc.collect()
    steps, same, reference = add_many_steps(entries)
    same = same and bool(np.array_equal(reference._times, index._times))
    del entries, made, reference
    gc.collect()
    return Load(spent_dt, spent_pairs, spent_add, spent_pandas, steps, same), index


# ---- report ----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.deadlines", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--quick", action="store_true", help="sizes 100k and 1M only")
    parser.add_argument("--plain-ticks", type=int, default=150, help="ticks with no new clocks")
    parser.add_argument("--add-ticks", type=int, default=250, help="ticks preceded by adds")
    parser.add_argument("--adds", type=int, default=300, help="single add() calls before each")
    parser.add_argument("--merge-repeats", type=int, default=5,
                        help="merges of MERGE_AT timed on their own after the ticks")
    parser.add_argument("--traced-max", type=int, default=1_000_000,
                        help="largest size measured under tracemalloc")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [100_000, 1_000_000] if args.quick else args.sizes
    began = time.perf_counter()
    print(f"DeadlineIndex (MERGE_AT = {MERGE_AT}); ticks of {TICK_S} s simulated from "
          f"{START:%Y-%m-%d %H:%M} UTC (21:00 Shanghai): 1 catch-up + {args.plain_ticks} plain + "
          f"{args.add_ticks} × {args.adds} adds; {os.cpu_count()} CPUs; Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")

    tick_table, memory_table, load_table, step_table = [], [], [], []
    for n in sizes:
        rng = np.random.default_rng(args.seed)
        offsets = due_offsets(n, rng)
        keys = make_keys(n, np.random.default_rng(args.seed + 1))
        load, index = run_load(offsets, keys)
        numpy_b, list_b, key_b = sizeof_index(index)
        frame = baseline_frame(offsets, keys)
        due_only = frame["due"].memory_usage(index=True, deep=True)
        whole = frame.memory_usage(index=True, deep=True).sum()
        traced = traced_build(offsets, args.seed + 1) if n <= args.traced_max else None
        memory_table += [
            [f"{n:,}", "index: numpy int64 times", f"{numpy_b / n:.1f}", "sizeof"],
            [f"{n:,}", "index: key list (pointers)", f"{list_b / n:.1f}", "sizeof"],
            [f"{n:,}", "index: key tuples + distinct strings", f"{key_b / n:.1f}", "sizeof"],
            [f"{n:,}", "**index total**", f"**{(numpy_b + list_b + key_b) / n:.1f}**", "sizeof"],
        ]
        if traced:
            memory_table += [
                [f"{n:,}", "keys as built (tuples + strings)", f"{traced.keys / n:.1f}", "tracemalloc"],
                [f"{n:,}", "index after add_many (array + list)", f"{traced.index / n:.1f}",
                 "tracemalloc"],
                [f"{n:,}", "add_many transient peak", f"{traced.index_peak / n:.1f}", "tracemalloc"],
            ]
        memory_table += [
            [f"{n:,}", "baseline: pandas, due column only", f"{due_only / n:.1f}", "deep"],
            [f"{n:,}", "baseline: pandas, due + key columns", f"{whole / n:.1f}", "deep"],
        ]
        total_load = load.datetimes + load.pairs + load.add_many
        load_table.append([f"{n:,}", f"{load.datetimes:.2f}", f"{load.pairs:.2f}",
                           f"{load.add_many:.2f}", f"{total_load:.2f}",
                           f"{load.add_many / n * 1e6:.2f}", f"{load.pandas:.2f}",
                           f"{load.add_many / load.pandas:.2f}"])
        step_total = sum(s for _, s in load.steps)
        step_table += [[f"{n:,}", name, f"{s:.3f}", f"{s / n * 1e6:.2f}", f"{s / step_total:.0%}",
                        "yes" if load.same else "NO"] for name, s in load.steps]
        run = run_ticks(index, offsets, frame, args.plain_ticks, args.add_ticks, args.adds,
                        args.merge_repeats, np.random.default_rng(args.seed + 2))
        tick_table += tick_rows(n, run)
        del index, keys, offsets, frame
        gc.collect()
        print(f"[{n:,} done at {time.perf_counter() - began:.0f} s]", file=sys.stderr)

    print("### 1. Newly-due detection per tick (µs)\n")
    print(table(["entries", "operation", "samples", "popped p50 / max", "p50 µs", "p95 µs",
                 "max µs", "p50 ÷ pandas p50", "p95 ÷ pandas p95"], tick_table), "\n")
    print("### 2. Memory per open node (bytes per entry)\n")
    print(table(["entries", "structure", "bytes/entry", "measured by"], memory_table), "\n")
    print("### 3. Start-up load (seconds)\n")
    print(table(["entries", "create datetimes", "zip (at, key)", "add_many", "total",
                 "add_many µs/entry", "baseline: pandas to_datetime", "add_many ÷ pandas"],
                load_table), "\n")
    print("`add_many` step by step\n")
    print(table(["entries", "step", "s", "µs/entry", "share", "same as add_many"], step_table),
          "\n")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"whole run {time.perf_counter() - began:.0f} s; peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
