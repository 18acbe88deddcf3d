"""The KPIs (质效指标) of NODES.md §5, computed from running aggregates of case facts.

Who counts: most KPIs cover first enforcement cases (执) only and leave out resumed (执恢) and
preservation (执保) cases, as NODES.md §4 says; a ``case_type`` filter replaces that population.
Petitions (执行信访) count for every case type. Periods are whole months: ``start`` and ``end``
select the months containing them (the aggregates are monthly); "carried over" (旧存) means filed
before the period's first month and not closed before it. Rates are fractions 0–1, None when there
is nothing to divide by.

``kpis``, ``breakdown``, ``trend`` and ``ranking`` read an ``Aggregates``; ``kpi_frame`` computes the
same from a pandas frame of the facts (drill-down, and the check that both agree).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from enforcement.aggregates import BASE, BEFORE, DIMS, FILED, PERIOD, PETITIONS, Aggregates, Cell
from enforcement.facts import RECOVERIES, CaseFacts, facts_of, month_of

__all__ = ["TARGETS", "Aggregates", "AnalyticsFilter", "CaseFacts", "Tally", "breakdown",
           "facts_of", "kpis", "ranking", "trend"]

TARGETS = {"in_period_closing_rate": 0.9, "zhongben_compliance": 0.9,  # NODES.md §5, ≥ 90 % (T)
           "petition_closing_rate": 0.9}
FIRST, IN_FULL, ZHONGBEN = "first", "executed_in_full", "zhongben"
BY_KEYS = ("court_id", "team_id", "debtor_group", "disposition", "how", "case_type", "month")
LEVELS = ("court", "team")


@dataclass(frozen=True)
class AnalyticsFilter:
    """Which cases a KPI looks at; None everywhere means the whole store, all time."""

    court_ids: frozenset[str] | None = None
    team_id: str | None = None
    start: date | None = None
    end: date | None = None
    debtor_group: str | None = None
    disposition: str | None = None
    case_type: str | None = None

    @property
    def first_month(self) -> str | None:
        return month_of(self.start) if self.start else None

    @property
    def last_month(self) -> str | None:
        return month_of(self.end) if self.end else None

    def population(self) -> frozenset[str]:
        """The case types the case KPIs count: the one asked for, else 执 only."""
        return frozenset({self.case_type or FIRST})


# ---- the formulas (NODES.md §5) --------------------------------------------------------------


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class Tally:
    """The sums the KPIs divide, over one group of cases and one period."""

    received: int = 0
    carried_over: int = 0
    closed: int = 0
    amount: float = 0.0  # applied for, in cases closed
    recovered: float = 0.0  # recovered, in cases closed
    days: int = 0  # Σ net days of cases closed
    in_full: int = 0
    in_full_days: int = 0
    actual: int = 0  # closed by voluntary payment, coercion or performed settlement
    zhongben: int = 0
    zhongben_ok: int = 0
    due: int = 0  # cases with property concluded (执行完毕) …
    met: int = 0  # … of which within the conclusion clock
    petitions: int = 0
    petitions_done: int = 0
    monthly: dict[str, int] = field(default_factory=dict)  # closings per month
    months: set[str] = field(default_factory=set)  # months with any filing or closing

    def take(self, side: str, month: str, case_type: str, disposition: str | None,
             recovery: str | None, cell: Cell, population: frozenset[str], sign: int = 1) -> None:
        """Add one cell (see ``Aggregates.cells``); one of the month ``BEFORE`` counts towards
        carried over only, with its sign."""
        if side == PETITIONS:
            self.petitions += sign * int(cell[0])
            self.petitions_done += sign * int(cell[1])
        elif case_type not in population:
            return
        elif month == BEFORE:
            self.carried_over += sign * int(cell[0]) * (1 if side == FILED else -1)
        elif side == FILED:
            self.received += sign * int(cell[0])
            self._month(month, 0)
        else:
            self._closed(month, disposition, recovery, cell if sign > 0 else [-v for v in cell])

    def _month(self, month: str, closings: int) -> None:
        if month != PERIOD:
            self.months.add(month)
            self.monthly[month] = self.monthly.get(month, 0) + closings

    def _closed(self, month: str, disposition: str | None, recovery: str | None, cell: Cell) -> None:
        count = int(cell[0])
        self._month(month, count)
        self.closed += count
        self.amount += cell[1]
        self.recovered += cell[2]
        self.days += int(cell[3])
        self.due += int(cell[4])
        self.met += int(cell[5])
        if disposition == IN_FULL:
            self.in_full += count
            self.in_full_days += int(cell[3])
        if recovery in RECOVERIES:
            self.actual += count
        if disposition == ZHONGBEN:
            self.zhongben += count
            self.zhongben_ok += int(cell[6])


def closing_rate(t: Tally) -> float | None:
    """执结率: closed ÷ (carried over + received) in the period, first enforcement only (NODES.md §5, P)."""
    return ratio(t.closed, t.carried_over + t.received)


def first_case_closing_rate(t: Tally, population: frozenset[str]) -> float | None:
    """首执案件结案率: the closing rate of 首执 cases only (NODES.md §5, M); None when the filter
    looks at another case type. With the default population it equals ``closing_rate``."""
    return closing_rate(t) if FIRST in population else None


def actual_execution_rate(t: Tally) -> float | None:
    """实际执行率: closed by coercion + voluntary payment + performed settlement ÷ closed (§5, P)."""
    return ratio(t.actual, t.closed)


def recovery_rate(t: Tally) -> float | None:
    """执行标的到位率: yuan recovered ÷ yuan applied for, in the cases closed (NODES.md §5, P)."""
    return ratio(t.recovered, t.amount)


def executed_in_full_rate(t: Tally) -> float | None:
    """执行完毕率: closed as 执行完毕 ÷ closed (NODES.md §5, M)."""
    return ratio(t.in_full, t.closed)


def zhongben_rate(t: Tally) -> float | None:
    """终本率: closed as 终结本次执行程序 ÷ closed (NODES.md §5, M)."""
    return ratio(t.zhongben, t.closed)


def in_period_closing_rate(t: Tally) -> float | None:
    """法定期限内实际执结率: cases with property concluded (执行完毕) within the conclusion clock (6
    months, net of pauses) ÷ such cases concluded in the period (NODES.md §5, M; target ≥ 90 %)."""
    return ratio(t.met, t.due)


def zhongben_compliance(t: Tally) -> float | None:
    """终本合格率: 终本 closings that met every gate (终本规定 第1、5条) ÷ 终本 closings (§5, M; ≥ 90 %)."""
    return ratio(t.zhongben_ok, t.zhongben)


def petition_closing_rate(t: Tally) -> float | None:
    """执行信访办结率: petitions received in the period and concluded ÷ petitions received in it
    (NODES.md §5, M; target ≥ 90 %)."""
    return ratio(t.petitions_done, t.petitions)


def average_days(t: Tally) -> float | None:
    """平均执行天数: Σ (closed − filed − paused days) ÷ closed (NODES.md §5, P)."""
    return ratio(t.days, t.closed)


def average_days_in_full(t: Tally) -> float | None:
    """平均执行天数 of the cases closed as 执行完毕 only (NODES.md §5, P)."""
    return ratio(t.in_full_days, t.in_full)


def closing_balance(monthly: Iterable[int]) -> float | None:
    """结案均衡度: 1 − (standard deviation ÷ mean) of the monthly closings, every month of the
    period counted, quiet ones too (NODES.md §5, M). 1 is perfectly even."""
    counts = list(monthly)
    mean = sum(counts) / len(counts) if counts else 0
    if not mean:
        return None
    deviation = math.sqrt(sum((c - mean) ** 2 for c in counts) / len(counts))
    return 1 - deviation / mean


def closed_received_ratio(t: Tally) -> float | None:
    """结收比: closed ÷ received in the period (NODES.md §5, P)."""
    return ratio(t.closed, t.received)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included."""
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        found.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def span(t: Tally, f: AnalyticsFilter) -> list[str]:
    """The months of the period: as asked, open ends closed by the months the cases fill."""
    first = f.first_month or min(t.months, default=None)
    last = f.last_month or max(t.months, default=None)
    return months_between(first, last) if first and last and first <= last else []


def kpi_values(t: Tally, f: AnalyticsFilter) -> dict[str, Any]:
    """Every KPI of one tally, under the keys the API and the pages use."""
    population = f.population()
    return {
        "closing_rate": closing_rate(t), "first_case_closing_rate": first_case_closing_rate(t, population),
        "actual_execution_rate": actual_execution_rate(t), "recovery_rate": recovery_rate(t),
        "executed_in_full_rate": executed_in_full_rate(t), "zhongben_rate": zhongben_rate(t),
        "in_period_closing_rate": in_period_closing_rate(t),
        "zhongben_compliance": zhongben_compliance(t), "petition_closing_rate": petition_closing_rate(t),
        "average_days": average_days(t), "average_days_in_full": average_days_in_full(t),
        "closing_balance": closing_balance(t.monthly.get(m, 0) for m in span(t, f)),
        "closed_received_ratio": closed_received_ratio(t),
        "received": t.received, "carried_over": t.carried_over, "closed": t.closed,
        "amount_applied": round(t.amount, 2), "amount_recovered": round(t.recovered, 2),
    }


# ---- reading the aggregates ------------------------------------------------------------------


def where(aggs: Aggregates, f: AnalyticsFilter) -> dict[str, frozenset[str | None]]:
    """The filter as allowed values per dimension; a court list covering every court is no filter."""
    found: dict[str, frozenset[str | None]] = {}
    if f.court_ids is not None and not aggs.courts() <= f.court_ids:
        found["court_id"] = frozenset(f.court_ids)
    pairs = (("team_id", f.team_id), ("debtor_group", f.debtor_group),
             ("disposition", f.disposition), ("case_type", f.case_type))
    found |= {dim: frozenset({value}) for dim, value in pairs if value is not None}
    return found


def how_of(disposition: str | None, recovery: str | None) -> str | None:
    """The disposition with 执行完毕 split by how it came about (voluntary / coercion / settlement)."""
    return recovery if disposition == IN_FULL and recovery else disposition


def tallies(aggs: Aggregates, f: AnalyticsFilter, by: tuple[str, ...] = (), *,
            population: frozenset[str] | None = None, per_month: bool = True) -> dict[tuple, Tally]:
    """One tally per group of ``by`` (names of ``BY_KEYS``). With ``month`` in ``by`` a group holds
    the filings and closings of its month only (nothing is carried over into a month). Without
    ``per_month`` the tallies know no months (no closing balance) and read fewer cells."""
    dims = tuple(dict.fromkeys([*(d for d in by if d in DIMS), *BASE]))
    at = {d: n for n, d in enumerate(dims)}
    case_type, disposition, recovery = at["case_type"], at["disposition"], at["recovery"]
    group = _grouping(by, at)
    population = population or f.population()
    skip_before = "month" in by
    found: dict[tuple, Tally] = {}
    for side, month, values, cell, sign in aggs.cells(dims, where(aggs, f), f.first_month, f.last_month,
                                                      per_month=per_month or "month" in by):
        if skip_before and month == BEFORE:
            continue
        named = group(month, values)
        tally = found.get(named)
        if tally is None:
            tally = found[named] = Tally()
        tally.take(side, month, values[case_type], values[disposition], values[recovery], cell,
                   population, sign)
    return found


def _grouping(by: tuple[str, ...], at: Mapping[str, int]) -> Any:
    """A cell's group: the values of ``by`` (``month`` and ``how`` included)."""
    if not by:
        return lambda month, values: ()
    disposition, recovery = at["disposition"], at["recovery"]
    getters = [(lambda month, values: month) if name == "month"
               else (lambda month, values: how_of(values[disposition], values[recovery]))
               if name == "how" else (lambda month, values, n=at[name]: values[n]) for name in by]
    return lambda month, values: tuple(get(month, values) for get in getters)


def kpis(aggs: Aggregates, f: AnalyticsFilter) -> dict[str, Any]:
    """Every KPI of NODES.md §5 for the cases ``f`` selects, with the counts behind them."""
    return kpi_values(tallies(aggs, f).get((), Tally()), f)


def breakdown_rows(groups: Mapping[tuple, Tally], by: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per group that has cases: its keys, cases (carried over + received), closed, the
    money of the cases closed and their recovery rate."""
    rows = []
    for group, t in sorted(groups.items(), key=lambda item: _sort_key(item[0])):
        if t.carried_over + t.received or t.closed:
            rows.append(dict(zip(by, group, strict=True)) | {
                "cases": t.carried_over + t.received, "received": t.received,
                "carried_over": t.carried_over, "closed": t.closed, "amount": round(t.amount, 2),
                "recovered": round(t.recovered, 2), "recovery_rate": recovery_rate(t)})
    return rows


def breakdown(aggs: Aggregates, f: AnalyticsFilter, by: tuple[str, ...]) -> list[dict[str, Any]]:
    """The cases ``f`` selects, grouped by ``by`` (any of ``BY_KEYS``); all case types when
    ``case_type`` is one of them and no filter picks one."""
    unknown = [k for k in by if k not in BY_KEYS]
    if unknown or not by:
        raise ValueError(f"group by some of {', '.join(BY_KEYS)}, not {unknown or 'nothing'}")
    groups = tallies(aggs, f, by, population=population_for(f, by), per_month=False)
    return breakdown_rows(groups, by)


def population_for(f: AnalyticsFilter, by: tuple[str, ...]) -> frozenset[str]:
    """The case types a breakdown counts: every type when it groups by case type, else as ``f``."""
    if "case_type" in by and f.case_type is None:
        return frozenset({"first", "resumed", "preservation"})
    return f.population()


def trend_rows(groups: Mapping[tuple, Tally], months: list[str]) -> list[dict[str, Any]]:
    empty = Tally()
    return [{"month": m, "received": (t := groups.get((m,), empty)).received, "closed": t.closed,
             "executed_in_full": t.in_full, "zhongben": t.zhongben,
             "recovered": round(t.recovered, 2)} for m in months]


def trend(aggs: Aggregates, f: AnalyticsFilter) -> list[dict[str, Any]]:
    """Month by month over the period: received, closed, executed in full, 终本, yuan recovered."""
    groups = tallies(aggs, f, ("month",))
    return trend_rows(groups, trend_months(groups, f))


def trend_months(groups: Mapping[tuple, Tally], f: AnalyticsFilter) -> list[str]:
    return span(Tally(months=set().union(*(t.months for t in groups.values()))), f)


def ranking_rows(groups: Mapping[tuple, Tally]) -> list[dict[str, Any]]:
    rows = [{"id": group[-1], "court_id": group[0], "closed": t.closed, "received": t.received,
             "carried_over": t.carried_over, "closing_rate": closing_rate(t),
             "actual_execution_rate": actual_execution_rate(t), "recovery_rate": recovery_rate(t),
             "average_days": average_days(t)}
            for group, t in groups.items() if group[-1] and (t.carried_over + t.received or t.closed)]
    rows.sort(key=_best_first)
    return [row | {"rank": n} for n, row in enumerate(rows, start=1)]


def ranking(aggs: Aggregates, f: AnalyticsFilter, level: str) -> list[dict[str, Any]]:
    """Courts or teams ranked best first: by closing rate, then actual execution, then recovery
    (cases without a team are left out of a team ranking)."""
    return ranking_rows(tallies(aggs, f, level_keys(level), per_month=False))


def level_keys(level: str) -> tuple[str, ...]:
    if level not in LEVELS:
        raise ValueError(f"level is court or team, not {level!r}")
    return ("court_id",) if level == "court" else ("court_id", "team_id")


def _best_first(row: Mapping[str, Any]) -> tuple:
    rates = [row["closing_rate"], row["actual_execution_rate"], row["recovery_rate"]]
    return (row["closing_rate"] is None, *(-(r or 0.0) for r in rates), row["id"])


def _sort_key(group: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in group)
