"""The KPIs recomputed from scratch with pandas, from a frame of case facts (categorical columns).

For ad-hoc drill-down, and as the independent check of the incremental path: for the same filter
``frame_tallies`` gives the same ``Tally`` per group as ``kpis.tallies`` over ``Aggregates``, so the
KPIs, breakdowns and trends agree. Months are numbers here (year × 12 + month − 1); a case still open
closes in month ``OPEN``, after every period.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from enforcement.aggregates import CLOSED, DIMS, FIELDS, FILED, PETITIONS, Aggregates
from enforcement.facts import RECOVERIES, CaseFacts
from enforcement.kpis import (
    IN_FULL,
    ZHONGBEN,
    AnalyticsFilter,
    Tally,
    breakdown_rows,
    kpi_values,
    population_for,
    trend_months,
    trend_rows,
)

OPEN = 2**30
CATEGORIES = (*DIMS, "how")
NULLABLE = ("disposition", "recovery", "how")
CLOSED_SUMS = ("amount", "recovered", "days", "due", "met", "gated", "in_full", "in_full_days",
               "actual", "zhongben")


@dataclass(frozen=True)
class FactFrames:
    cases: pd.DataFrame  # one row per case
    petitions: pd.DataFrame  # one row per petition, with its case's dimensions


def month_number(text: str) -> int:
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def facts_frame(facts: Iterable[CaseFacts]) -> FactFrames:
    """The frames of these facts."""
    rows = list(facts)
    cases = {
        "court_id": [f.court_id for f in rows], "team_id": [f.team_id for f in rows],
        "case_type": [f.case_type for f in rows], "debtor_group": [f.debtor_group for f in rows],
        "disposition": [f.disposition or "" for f in rows], "recovery": [f.recovery or "" for f in rows],
        "filed_m": [month_number(f.filed_month) for f in rows],
        "closed_m": [month_number(f.closed_month) if f.closed_month else OPEN for f in rows],
        "amount": [f.amount for f in rows], "recovered": [f.recovered for f in rows],
        "days": [f.net_days or 0 for f in rows], "due": [f.in_period is not None for f in rows],
        "met": [f.in_period is True for f in rows], "gated": [f.zhongben_ok is True for f in rows],
    }
    petitions = [(f, month, done) for f in rows for month, done in f.petitions]
    return frames_of(cases, _petition_columns(petitions))


def _petition_columns(petitions: list[tuple[CaseFacts, str, bool]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {d: [] for d in (*DIMS, "month", "concluded")}
    for facts, month, done in petitions:
        for dim in DIMS:
            columns[dim].append(getattr(facts, dim) or "")
        columns["month"].append(month_number(month))
        columns["concluded"].append(done)
    return columns


def frames_of(cases: Mapping[str, Any], petitions: Mapping[str, Any]) -> FactFrames:
    """Frames from columns (lists or arrays, named as in ``facts_frame``): dimensions become
    categoricals, flags small integers."""
    frame = _categorical(pd.DataFrame(dict(cases)))
    frame = frame.astype({"due": "int8", "met": "int8", "gated": "int8", "filed_m": "int32",
                          "closed_m": "int32"})
    listed = _categorical(pd.DataFrame(dict(petitions)))
    return FactFrames(frame, listed.astype({"month": "int32", "concluded": "int8"}))


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """Dimensions as categoricals, with ``how`` (the disposition, 执行完毕 split by recovery)."""
    disposition, recovery = frame["disposition"].astype(str), frame["recovery"].astype(str)
    frame["how"] = np.where((disposition == IN_FULL) & (recovery != ""), recovery, disposition)
    for column in CATEGORIES:
        frame[column] = frame[column].astype("category")
    return frame


def _bounds(f: AnalyticsFilter) -> tuple[int, int]:
    first = month_number(f.first_month) if f.first_month else -1
    last = month_number(f.last_month) if f.last_month else OPEN - 1
    return first, last


def _selected(frame: pd.DataFrame, f: AnalyticsFilter) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    if f.court_ids is not None:
        mask &= frame["court_id"].isin(list(f.court_ids))
    for column, value in (("team_id", f.team_id), ("debtor_group", f.debtor_group),
                          ("disposition", f.disposition), ("case_type", f.case_type)):
        if value is not None:
            mask &= frame[column] == value
    return frame[mask]


def _value(dim: str, value: Any) -> str | None:
    """A frame's value as the aggregates key it: no disposition (open) is None, no team is ""."""
    return None if value == "" and dim in NULLABLE else str(value)


def _grouped(frame: pd.DataFrame, by: tuple[str, ...], month: str,
             sums: tuple[str, ...]) -> Iterator[tuple[tuple, str, dict[str, float]]]:
    """(group in ``by`` order, month text, count and sums) per group and month."""
    dims = [d for d in by if d != "month"]
    grouped = frame.groupby([*dims, month], observed=True, sort=False)
    table = grouped[list(sums)].sum() if sums else grouped.size().to_frame("size").iloc[:, :0]
    table["cases"] = grouped.size()
    for index, row in zip(table.index, table.to_dict("records"), strict=True):
        values = index if isinstance(index, tuple) else (index,)
        named = {d: _value(d, v) for d, v in zip(dims, values[:-1], strict=True)}
        text = month_text(int(values[-1]))
        named["month"] = text
        yield tuple(named[k] for k in by), text, row


def frame_tallies(frames: FactFrames, f: AnalyticsFilter, by: tuple[str, ...] = (), *,
                  population: frozenset[str] | None = None) -> dict[tuple, Tally]:
    """One tally per group of ``by``, by a full pass over the frames (see ``kpis.tallies``)."""
    population = population or f.population()
    first, last = _bounds(f)
    cases = _selected(frames.cases, f)
    cases = cases[cases["case_type"].isin(list(population))]
    found: dict[tuple, Tally] = {}
    _received(found, cases[cases["filed_m"].between(first, last)], by)
    if f.first_month and "month" not in by:
        carried = cases[(cases["filed_m"] < first) & (cases["closed_m"] >= first)]
        for group, _, row in _grouped(carried, by, "filed_m", ()):
            found.setdefault(group, Tally()).carried_over += int(row["cases"])
    _closed(found, cases[cases["closed_m"].between(first, last)], by)
    petitions = _selected(frames.petitions, f)
    _petitions(found, petitions[petitions["month"].between(first, last)], by)
    return found


def _received(found: dict[tuple, Tally], frame: pd.DataFrame, by: tuple[str, ...]) -> None:
    for group, month, row in _grouped(frame, by, "filed_m", ()):
        tally = found.setdefault(group, Tally())
        tally.received += int(row["cases"])
        tally.months.add(month)


def _closed(found: dict[tuple, Tally], frame: pd.DataFrame, by: tuple[str, ...]) -> None:
    in_full = (frame["disposition"] == IN_FULL).astype("int64")
    frame = frame.assign(in_full=in_full, in_full_days=frame["days"] * in_full,
                         actual=frame["recovery"].isin(RECOVERIES).astype("int64"),
                         zhongben=(frame["disposition"] == ZHONGBEN).astype("int64"))
    for group, month, row in _grouped(frame, by, "closed_m", CLOSED_SUMS):
        tally = found.setdefault(group, Tally())
        count = int(row["cases"])
        tally.closed += count
        tally.monthly[month] = tally.monthly.get(month, 0) + count
        tally.months.add(month)
        tally.amount += row["amount"]
        tally.recovered += row["recovered"]
        for name in ("days", "due", "met", "in_full", "in_full_days", "actual", "zhongben"):
            setattr(tally, name, getattr(tally, name) + int(row[name]))
        tally.zhongben_ok += int(row["gated"])


def _petitions(found: dict[tuple, Tally], frame: pd.DataFrame, by: tuple[str, ...]) -> None:
    for group, _, row in _grouped(frame, by, "month", ("concluded",)):
        tally = found.setdefault(group, Tally())
        tally.petitions += int(row["cases"])
        tally.petitions_done += int(row["concluded"])


def kpis_from_frame(frames: FactFrames, f: AnalyticsFilter) -> dict[str, Any]:
    return kpi_values(frame_tallies(frames, f).get((), Tally()), f)


def breakdown_from_frame(frames: FactFrames, f: AnalyticsFilter,
                         by: tuple[str, ...]) -> list[dict[str, Any]]:
    return breakdown_rows(frame_tallies(frames, f, by, population=population_for(f, by)), by)


def trend_from_frame(frames: FactFrames, f: AnalyticsFilter) -> list[dict[str, Any]]:
    groups = frame_tallies(frames, f, ("month",))
    return trend_rows(groups, trend_months(groups, f))


def aggregates_from_frame(frames: FactFrames) -> Aggregates:
    """The aggregates of every case in the frames, from one grouped pass per side (no per-case
    work): how a frame, like the store, is loaded."""
    aggs = Aggregates()
    cases = frames.cases.assign(cases=1)
    closed = cases[cases["closed_m"] != OPEN]
    petitions = frames.petitions.assign(received=1)
    for side, frame, month, sums in ((FILED, cases, "filed_m", FIELDS[FILED]),
                                     (CLOSED, closed, "closed_m", FIELDS[CLOSED]),
                                     (PETITIONS, petitions, "month", FIELDS[PETITIONS])):
        grouped = frame.groupby([*DIMS, month], observed=True, sort=False)[list(sums)].sum()
        for index, values in zip(grouped.index, grouped.itertuples(index=False, name=None),
                                 strict=True):
            key = tuple(_value(d, v) for d, v in zip(DIMS, index[:-1], strict=True))
            aggs.add_cell(side, month_text(int(index[-1])), key, values)
    return aggs
