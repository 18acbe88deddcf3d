"""The analytics side of the cases table: KPI facts grouped for loading, and the cases behind a number.

``snapshot()`` opens a read transaction that sees the store as of one instant (REPEATABLE READ on
PostgreSQL, an explicit ``BEGIN`` on SQLite, whose driver would otherwise run each SELECT on its
own), so a loader reads the summed facts and then the versions of the few cases that changed
meanwhile as of the same instant. Periods are whole months, as in ``enforcement.kpis``: a case counts
in the months of its ``filed_month`` and ``closed_month`` columns, the same months its facts carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Engine, and_, case, false, func, or_, select

from enforcement.aggregates import CLOSED, FILED, PETITIONS, Key
from enforcement.cases import DebtorType
from enforcement.facts import debtor_group
from enforcement.kpis import AnalyticsFilter
from storage.schema import cases

STATUSES = ("active", "received", "carried_over", "closed", "open")
c = cases.c
DIMS = (c.court_id, c.team_id, c.case_type, c.debtor_type, c.disposition, c.recovery)
CASE_COLUMNS = (c.case_no, c.court_id, c.team_id, c.case_type, c.debtor_type, c.disposition,
                c.recovery, c.filed_at, c.closed_at, c.filed_month, c.closed_month, c.amount,
                c.recovered, c.net_days, c.in_period, c.zhongben_ok)
CHUNK = 500  # case numbers per IN (…)


def _flag(column: ColumnElement) -> ColumnElement:
    return func.sum(case((column, 1), else_=0))


def _key(court: str, team: str | None, case_type: str, debtor_type: str, disposition: str | None,
         recovery: str | None) -> Key:
    """A row's dimensions as the aggregates key them (no team: ""; 个体工商户 as 自然人)."""
    return court, team or "", case_type, debtor_group(debtor_type), disposition, recovery


class AnalyticsRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction on one consistent state of the store."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("BEGIN")
                try:
                    yield conn
                finally:
                    conn.exec_driver_sql("ROLLBACK")
            else:
                conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn

    def cells(self, conn: Connection) -> Iterator[tuple[str, str, Key, tuple[float, ...]]]:
        """Every case summed per key and month of each side (``aggregates.FIELDS``): the filing
        months, the closing months, then each petition; three passes of a few hundred thousand
        rows at most, whatever the caseload."""
        filed = select(*DIMS, c.filed_month, func.count(), func.sum(c.amount)).group_by(
            *DIMS, c.filed_month)
        for *dims, month, count, amount in conn.execute(filed):
            yield FILED, month, _key(*dims), (count, amount or 0.0)
        closed = select(*DIMS, c.closed_month, func.count(), func.sum(c.amount),
                        func.sum(c.recovered), func.sum(c.net_days),
                        func.sum(case((c.in_period.is_not(None), 1), else_=0)),
                        _flag(c.in_period), _flag(c.zhongben_ok)
                        ).where(c.closed_month.is_not(None)).group_by(*DIMS, c.closed_month)
        for row in conn.execute(closed):
            yield CLOSED, row[6], _key(*row[:6]), tuple(value or 0 for value in row[7:])
        listed = select(*DIMS, c.petitions).where(c.petitions.is_not(None))
        for *dims, petitions in conn.execute(listed):
            for month, done in orjson.loads(petitions):
                yield PETITIONS, month, _key(*dims), (1, int(done))

    def versions(self, conn: Connection, case_nos: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(case_nos))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), CHUNK):
            query = select(c.case_no, c.version).where(c.case_no.in_(wanted[start:start + CHUNK]))
            found.update({no: version for no, version in conn.execute(query)})
        return found

    def case_rows(self, f: AnalyticsFilter, *, status: str = "active", limit: int = 200,
                  offset: int = 0) -> list[dict[str, Any]]:
        """The cases behind a number, newest filing first."""
        query = (select(*CASE_COLUMNS).where(*conditions(f, status))
                 .order_by(c.filed_at.desc(), c.case_no).limit(limit).offset(offset))
        with self.engine.connect() as conn:
            return [_case_json(row) for row in conn.execute(query).mappings()]

    def case_count(self, f: AnalyticsFilter, *, status: str = "active") -> int:
        query = select(func.count()).select_from(cases).where(*conditions(f, status))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def fact_rows(self, f: AnalyticsFilter, *, status: str = "active") -> tuple[list[str], list[Sequence]]:
        """Column names and rows of the selected cases' facts (for a pandas frame)."""
        query = select(*CASE_COLUMNS).where(*conditions(f, status))
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return list(result.keys()), [tuple(row) for row in result]


def conditions(f: AnalyticsFilter, status: str = "active") -> list[ColumnElement]:
    """The filter as SQL: its dimensions, the case types counted, and which cases of the period."""
    found = [c.case_type.in_(sorted(f.population()))]
    if f.court_ids is not None:
        found.append(c.court_id.in_(sorted(f.court_ids)))
    if f.team_id is not None:
        found.append(c.team_id == f.team_id if f.team_id else c.team_id.is_(None))
    if f.debtor_group is not None:
        found.append(c.debtor_type.in_([t.value for t in DebtorType
                                        if debtor_group(t.value) == f.debtor_group]))
    if f.disposition is not None:
        found.append(c.disposition == f.disposition)
    return found + [_period(f.first_month, f.last_month, status)]


def _period(first: str | None, last: str | None, status: str) -> ColumnElement:
    """Which cases of the period: ``active`` ones (carried over or received), those ``received``,
    ``carried_over`` or ``closed`` in it as the KPIs count them, or those still ``open`` at its end."""
    if status not in STATUSES:
        raise ValueError(f"status is one of {', '.join(STATUSES)}")
    if status == "received":
        return _within(c.filed_month, first, last)
    if status == "closed":
        return _within(c.closed_month, first, last)
    if status == "carried_over":
        return and_(c.filed_month < first, _open_in(first)) if first else false()
    filed = _within(c.filed_month, None, last)
    if status == "open":
        return and_(filed, _open_in(last, after=True) if last else c.closed_month.is_(None))
    return and_(filed, _open_in(first)) if first else filed


def _within(column: ColumnElement, first: str | None, last: str | None) -> ColumnElement:
    parts = [column.is_not(None)]
    parts += [column >= first] if first else []
    parts += [column <= last] if last else []
    return and_(*parts)


def _open_in(month: str, *, after: bool = False) -> ColumnElement:
    """Not closed before ``month`` (with ``after``: not closed in it or before)."""
    closed_later = c.closed_month > month if after else c.closed_month >= month
    return or_(c.closed_month.is_(None), closed_later)


def _case_json(row: Any) -> dict[str, Any]:
    return {
        "case_no": row["case_no"], "court_id": row["court_id"], "team_id": row["team_id"],
        "case_type": row["case_type"], "debtor_type": row["debtor_type"],
        "debtor_group": debtor_group(row["debtor_type"]), "disposition": row["disposition"],
        "how": row["recovery"], "filed_at": row["filed_at"].isoformat(),
        "closed_at": row["closed_at"].isoformat() if row["closed_at"] else None,
        "amount": row["amount"], "recovered": row["recovered"], "net_days": row["net_days"],
    }
