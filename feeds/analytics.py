"""The analytics desk (决策分析): the KPI aggregates of every case, kept live from the ``cases`` topic.

Each process holds one ``Aggregates``. ``load()`` builds it from the store in one grouped pass, then
follows the ``cases`` topic, whose announcements carry each change's facts before and after
(``CaseDesk.announce``): applying the difference needs no per-case state, so every process (the
Redis bus delivers to all) keeps the same numbers. Events that arrive while loading wait in a buffer
and are applied only if the snapshot did not already hold them (the case's version tells).

``publish_kpis()`` (the leader calls it every engine tick) announces the current year's KPIs on the
``kpis`` topic at most once a second and only after a change: one event for the whole city
(``court_id`` None) and one per court whose scope (itself and the courts below it) changed, so a
screen joined to its courts' rooms reads the event of its own court.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from enforcement import kpis as formulas
from enforcement.aggregates import Aggregates
from enforcement.calendar import local_date
from enforcement.city import City
from enforcement.clock import Clock
from enforcement.facts import CaseFacts, debtor_group
from enforcement.kpis import AnalyticsFilter
from feeds.bus import Bus, Event, Subscription
from storage.analytics import AnalyticsRepo

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 1.0  # between two kpi announcements
MAX_CASES = 1000  # per drill-down page


class _Follower:
    """One load's aggregates and its subscription; buffers events until the load has finished."""

    def __init__(self, bus: Bus, on_change: Any) -> None:
        self.aggs = Aggregates()
        self.buffer: list[dict[str, Any]] | None = []
        self.lock = threading.Lock()
        self.on_change = on_change
        self.subscription: Subscription = bus.subscribe(["cases"], self.on_event)

    def on_event(self, event: Event) -> None:
        data = event.data
        if "after" not in data:  # an announcement without facts (an older process): nothing to do
            return
        with self.lock:
            if self.buffer is not None:
                self.buffer.append(data)
                return
            self.apply(data)

    def apply(self, data: dict[str, Any]) -> None:
        """Apply one announced change (the caller holds the lock)."""
        before, after = (CaseFacts.from_dict(data[k]) if data.get(k) else None
                         for k in ("before", "after"))
        if self.aggs.apply(before, after):
            self.on_change(f.court_id for f in (before, after) if f is not None)


class AnalyticsDesk:
    def __init__(self, *, repo: AnalyticsRepo, bus: Bus, clock: Clock, city: City,
                 min_interval_s: float = MIN_INTERVAL_S) -> None:
        self.repo, self.bus, self.clock, self.city = repo, bus, clock, city
        self.min_interval_s = min_interval_s
        self._follower: _Follower | None = None
        self._loading = threading.Lock()
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._last_published = float("-inf")

    # ---- loading and following ---------------------------------------------------------------

    def load(self) -> int:
        """(Re)build the aggregates from the store and follow the ``cases`` topic; returns how
        many cases they hold. Safe to call again (after an import that did not announce, say)."""
        with self._loading:
            return self._load()

    def _load(self) -> int:
        follower = _Follower(self.bus, self._changed)
        with self.repo.snapshot() as conn:
            for side, month, key, values in self.repo.cells(conn):
                follower.aggs.add_cell(side, month, key, values)
            self._catch_up(follower, conn)
        previous, self._follower = self._follower, follower
        if previous is not None:
            previous.subscription.stop()
        self._changed(self.city.by_id)
        return follower.aggs.cases()

    def _catch_up(self, follower: _Follower, conn: Any) -> None:
        """Apply what was announced while loading, unless the snapshot already held it; then go
        live. Still inside the snapshot's transaction, so versions are read as of the snapshot."""
        while True:
            with follower.lock:
                pending, follower.buffer = follower.buffer or [], []
                if not pending:
                    follower.buffer = None
                    return
            seen = self.repo.versions(conn, [d["case_no"] for d in pending])
            with follower.lock:
                for data in pending:
                    if data["version"] > seen.get(data["case_no"], 0):
                        follower.apply(data)

    def _changed(self, court_ids: Iterable[str]) -> None:
        with self._dirty_lock:
            self._dirty.update(court_ids)

    def _ensure_loaded(self) -> _Follower:
        """The live follower, loading first if nobody has (a process that did not ``start``)."""
        if self._follower is None:
            with self._loading:
                if self._follower is None:
                    self._load()
        assert self._follower is not None
        return self._follower

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.subscription.stop()

    # ---- reading -----------------------------------------------------------------------------

    def _read(self, compute: Any, *args: Any) -> Any:
        follower = self._ensure_loaded()
        with follower.lock:
            return compute(follower.aggs, *args)

    def kpis(self, f: AnalyticsFilter) -> dict[str, Any]:
        """Every KPI of NODES.md §5 for ``f`` (see ``enforcement.kpis.kpis``)."""
        return self._read(formulas.kpis, f)

    def breakdown(self, f: AnalyticsFilter, by: tuple[str, ...]) -> list[dict[str, Any]]:
        return self._read(formulas.breakdown, f, by)

    def trend(self, f: AnalyticsFilter) -> list[dict[str, Any]]:
        return self._read(formulas.trend, f)

    def ranking(self, f: AnalyticsFilter, level: str) -> list[dict[str, Any]]:
        return self._read(formulas.ranking, f, level)

    def cases(self) -> int:
        """How many cases the aggregates hold."""
        return self._read(Aggregates.cases)

    def case_list(self, f: AnalyticsFilter, limit: int = 200, offset: int = 0, *,
                  status: str = "active") -> list[dict[str, Any]]:
        """The cases behind a number (drill-down), from the store; ``status`` picks the cases
        active in the period, or those received, carried over, closed or still open."""
        return self.repo.case_rows(f, status=status, limit=min(limit, MAX_CASES), offset=offset)

    def case_count(self, f: AnalyticsFilter, *, status: str = "active") -> int:
        return self.repo.case_count(f, status=status)

    def frame(self, f: AnalyticsFilter, *, status: str = "active") -> pd.DataFrame:
        """The selected cases' facts as a DataFrame (categorical dimensions) for ad-hoc drill-down."""
        columns, rows = self.repo.fact_rows(f, status=status)
        frame = pd.DataFrame.from_records(rows, columns=columns)
        frame.insert(5, "debtor_group", frame["debtor_type"].map(debtor_group))
        for column in ("court_id", "team_id", "case_type", "debtor_type", "debtor_group",
                       "disposition", "recovery"):
            frame[column] = frame[column].astype("category")
        return frame

    # ---- announcing ----------------------------------------------------------------------------

    def year_to_date(self) -> AnalyticsFilter:
        """本年度: from 1 January of the clock's (local) year to today."""
        today = local_date(self.clock.now())
        return AnalyticsFilter(start=date(today.year, 1, 1), end=today)

    def publish_kpis(self) -> int:
        """Announce the KPIs that changed since the last call (at most once per ``min_interval_s``);
        returns how many events went out."""
        if time.monotonic() - self._last_published < self.min_interval_s:
            return 0
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        if not dirty:
            return 0
        events = self.kpi_events(dirty)
        self.bus.publish_many("kpis", events)
        self._last_published = time.monotonic()
        return len(events)

    def kpi_events(self, changed: Iterable[str]) -> list[dict[str, Any]]:
        """The city's event, then one per court whose scope holds a changed court (the city-wide
        court's scope is the city's: its screens read the city's event)."""
        period = self.year_to_date()
        meta = {"from": period.start.isoformat(), "to": period.end.isoformat(),
                "as_of": self.clock.now().isoformat()}
        events = [meta | {"court_id": None, "kpis": self.kpis(period)}]
        everything = frozenset(self.city.by_id)
        for court_id in self._with_ancestors(changed):
            scope = self.city.scope(court_id)
            if scope != everything:
                events.append(meta | {"court_id": court_id,
                                      "kpis": self.kpis(replace(period, court_ids=scope))})
        return events

    def _with_ancestors(self, court_ids: Iterable[str]) -> list[str]:
        found: set[str] = set()
        for court_id in court_ids:
            while court_id in self.city.by_id and court_id not in found:
                found.add(court_id)
                court_id = self.city.by_id[court_id].parent_id or ""
        return sorted(found)
