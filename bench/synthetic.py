"""A synthetic caseload of millions of cases as numpy arrays, for the analytics benches.

Shaped like the demo's caseload (``simulators.caseload``: court shares, case types, debtor types,
dispositions, recoveries, lognormal claims) but drawn vectorised, so 10M cases take seconds instead
of hours: filed over the 60 months up to ``TODAY``, closed after an exponential lag (mean 4 months)
if that lag has passed, a tenth paused for up to two months, 1.5 % with a petition.
Everything is a code into the category lists of ``Synthetic``; ``facts_at`` and ``row_columns`` turn cases
into what the product keeps (``CaseFacts``, rows of the ``cases`` table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timezone

import numpy as np
import pandas as pd

from enforcement.city import load_city
from enforcement.facts import debtor_group
from enforcement.kpi_frame import OPEN, FactFrames
from enforcement.kpis import CaseFacts
from simulators.caseload import BASIC_WEIGHTS, DEBTOR_TYPES, DISPOSITIONS, RECOVERIES, court_shares

TODAY = date(2026, 11, 23)
MONTHS = 60
TEAMS = 4
CASE_TYPES = (("first", 0.80), ("resumed", 0.08), ("preservation", 0.12))
UTC = timezone.utc


@dataclass
class Synthetic:
    courts: list[str]
    teams: list[str]  # court_index * TEAMS + team
    case_types: list[str]
    debtor_types: list[str]
    dispositions: list[str]  # "" for open
    recoveries: list[str]  # "" for none
    court: np.ndarray
    team: np.ndarray
    case_type: np.ndarray
    debtor_type: np.ndarray
    filed: np.ndarray  # date ordinals (local)
    closed: np.ndarray  # date ordinals, -1 while open
    disposition: np.ndarray
    recovery: np.ndarray
    amount: np.ndarray
    recovered: np.ndarray
    paused: np.ndarray  # days
    in_period: np.ndarray  # -1 n/a, 0 late, 1 in time
    zhongben_ok: np.ndarray  # -1 n/a, 0, 1
    petition_month: np.ndarray  # month number, -1 for none
    petition_done: np.ndarray

    def __len__(self) -> int:
        return len(self.court)


def generate(n: int, seed: int = 7) -> Synthetic:
    rng = np.random.default_rng(seed)
    shares = court_shares(load_city())
    courts = sorted(shares, key=lambda c: -BASIC_WEIGHTS.get(c, 0))
    court = rng.choice(len(courts), n, p=np.array([shares[c] for c in courts]) / sum(shares.values()))
    debtor_types = [t.value for t, _, _ in DEBTOR_TYPES]
    debtor = rng.choice(len(debtor_types), n, p=_p([s for _, s, _ in DEBTOR_TYPES]))
    first_day = date(TODAY.year - MONTHS // 12, TODAY.month, 1).toordinal()
    filed = rng.integers(first_day, TODAY.toordinal() + 1, n)
    lag = rng.exponential(120, n).astype(np.int64) + 1
    is_closed = filed + lag <= TODAY.toordinal()
    dispositions = ["", *(d for d, _ in DISPOSITIONS)]
    drawn = 1 + rng.choice(len(DISPOSITIONS), n, p=_p([w for _, w in DISPOSITIONS]))
    disposition = np.where(is_closed, drawn, 0)
    recoveries = ["", *(r for r, _ in RECOVERIES)]
    in_full = disposition == 1
    recovery = np.where(in_full, 1 + rng.choice(len(RECOVERIES), n, p=_p([w for _, w in RECOVERIES])), 0)
    medians = np.array([m for _, _, m in DEBTOR_TYPES], dtype=float)
    amount = np.round(np.clip(rng.lognormal(np.log(medians[debtor]), 1.5), 300, 2e9), 2)
    share = np.where(in_full, np.where(recovery == 3, rng.uniform(0.6, 1.0, n), 1.0),
                     np.where(rng.random(n) < 0.3, rng.uniform(0.02, 0.5, n), 0.0))
    paused = np.where(rng.random(n) < 0.1, rng.integers(0, 60, n), 0)
    paused = np.where(is_closed, np.minimum(paused, lag), 0)
    petition = rng.random(n) < 0.015
    return Synthetic(
        courts=courts, teams=[f"{c}-T{k + 1}" for c in courts for k in range(TEAMS)],
        case_types=[t for t, _ in CASE_TYPES], debtor_types=debtor_types, dispositions=dispositions,
        recoveries=recoveries, court=court.astype(np.int16),
        team=(court * TEAMS + rng.integers(0, TEAMS, n)).astype(np.int16),
        case_type=rng.choice(3, n, p=_p([w for _, w in CASE_TYPES])).astype(np.int8),
        debtor_type=debtor.astype(np.int8), filed=filed, closed=np.where(is_closed, filed + lag, -1),
        disposition=disposition.astype(np.int8), recovery=recovery.astype(np.int8), amount=amount,
        recovered=np.where(is_closed, np.round(amount * share, 2), 0.0), paused=paused,
        in_period=np.where(in_full, (lag - paused <= 182).astype(np.int8), -1).astype(np.int8),
        zhongben_ok=np.where(disposition == 2, (rng.random(n) < 0.98), -1).astype(np.int8),
        petition_month=np.where(petition, _month_numbers(filed) + rng.integers(0, 4, n), -1),
        petition_done=(rng.random(n) < 0.92).astype(np.int8))


def _p(weights: list[float]) -> np.ndarray:
    array = np.array(weights, dtype=float)
    return array / array.sum()


def _month_numbers(ordinals: np.ndarray) -> np.ndarray:
    """Month numbers (year × 12 + month − 1) of date ordinals, vectorised."""
    days = (ordinals - date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return months + 1970 * 12


def frames(s: Synthetic) -> FactFrames:
    """The categorical frames ``enforcement.kpi_frame`` reads, built from codes (no strings per row)."""
    group_names = sorted({debtor_group(t) for t in s.debtor_types})
    group_of = np.array([group_names.index(debtor_group(t)) for t in s.debtor_types])
    hows = sorted(set(s.dispositions) | set(s.recoveries))
    how = np.where(s.recovery > 0, np.array([hows.index(r) for r in s.recoveries])[s.recovery],
                   np.array([hows.index(d) for d in s.dispositions])[s.disposition])
    dims = {
        "court_id": pd.Categorical.from_codes(s.court, s.courts),
        "team_id": pd.Categorical.from_codes(s.team, s.teams),
        "case_type": pd.Categorical.from_codes(s.case_type, s.case_types),
        "debtor_group": pd.Categorical.from_codes(group_of[s.debtor_type], group_names),
        "disposition": pd.Categorical.from_codes(s.disposition, s.dispositions),
        "recovery": pd.Categorical.from_codes(s.recovery, s.recoveries),
        "how": pd.Categorical.from_codes(how, hows),
    }
    closed = s.closed >= 0
    cases = pd.DataFrame(dims | {
        "filed_m": _month_numbers(s.filed).astype(np.int32),
        "closed_m": np.where(closed, _month_numbers(np.where(closed, s.closed, s.filed)), OPEN)
        .astype(np.int32),
        "amount": s.amount, "recovered": s.recovered,
        "days": np.where(closed, np.maximum(s.closed - s.filed - s.paused, 0), 0).astype(np.int32),
        "due": (s.in_period >= 0).astype(np.int8), "met": (s.in_period == 1).astype(np.int8),
        "gated": (s.zhongben_ok == 1).astype(np.int8)})
    listed = np.flatnonzero(s.petition_month >= 0)
    petitions = cases.iloc[listed][[*dims]].reset_index(drop=True).assign(
        month=s.petition_month[listed].astype(np.int32), concluded=s.petition_done[listed])
    return FactFrames(cases, petitions)


def facts_at(s: Synthetic, i: int) -> CaseFacts:
    """Case ``i`` as the product's facts."""
    closed = int(s.closed[i])
    month = int(s.petition_month[i])
    return CaseFacts(
        court_id=s.courts[s.court[i]], team_id=s.teams[s.team[i]], case_type=s.case_types[s.case_type[i]],
        debtor_group=debtor_group(s.debtor_types[s.debtor_type[i]]),
        filed=date.fromordinal(int(s.filed[i])), amount=float(s.amount[i]),
        closed=date.fromordinal(closed) if closed >= 0 else None,
        disposition=s.dispositions[s.disposition[i]] or None,
        recovery=s.recoveries[s.recovery[i]] or None, recovered=float(s.recovered[i]),
        paused_days=int(s.paused[i]), in_period=None if s.in_period[i] < 0 else bool(s.in_period[i]),
        zhongben_ok=None if s.zhongben_ok[i] < 0 else bool(s.zhongben_ok[i]),
        petitions=((f"{month // 12:04d}-{month % 12 + 1:02d}", bool(s.petition_done[i])),)
        if month >= 0 else ())


ROW_COLUMNS = ("case_no", "court_id", "team_id", "case_type", "debtor_type", "track", "filed_at",
               "closed_at", "disposition", "amount", "recovered", "locked", "version", "state",
               "recovery", "filed_month", "closed_month", "paused_days", "net_days", "in_period",
               "zhongben_ok", "petitions")


def _texts(codes: np.ndarray, names: list[str]) -> list[str | None]:
    """Codes as their names, ``""`` names as None."""
    lookup = [name or None for name in names]
    return [lookup[code] for code in codes.tolist()]


def _instants(ordinals: np.ndarray, dialect: str) -> list[str | None]:
    """10:00 local (02:00 UTC) of each day as the store's text; None where the ordinal is -1."""
    valid = ordinals[ordinals >= 0]
    first, last = (int(valid.min()), int(valid.max())) if valid.size else (1, 0)
    days = range(first, last + 1)
    shape = "{} 02:00:00.000000" if dialect == "sqlite" else "{}T02:00:00+00:00"
    lookup = [shape.format(date.fromordinal(day).isoformat()) for day in days]
    return [lookup[o - first] if o >= 0 else None for o in ordinals.tolist()]


def _months(numbers: np.ndarray) -> list[str | None]:
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" if m >= 0 else None for m in numbers.tolist()]


def _flags(values: np.ndarray) -> list[bool | None]:
    return [None if v < 0 else bool(v) for v in values.tolist()]


def row_columns(s: Synthetic, start: int, stop: int, *, dialect: str) -> dict[str, list]:
    """Rows ``start``–``stop`` of the ``cases`` table as Python lists per column (``ROW_COLUMNS``),
    instants as the text SQLite (as SQLAlchemy writes it) or PostgreSQL reads; the state JSON is a
    stub, the analytics never read it."""
    part = slice(start, stop)
    closed, filed = s.closed[part], s.filed[part]
    is_closed = closed >= 0
    net_days = np.where(is_closed, np.maximum(closed - filed - s.paused[part], 0), -1)
    petition, done = s.petition_month[part].tolist(), s.petition_done[part].tolist()
    return {
        "case_no": [f"（B）{i}" for i in range(start, stop)],
        "court_id": _texts(s.court[part], s.courts), "team_id": _texts(s.team[part], s.teams),
        "case_type": _texts(s.case_type[part], s.case_types),
        "debtor_type": _texts(s.debtor_type[part], s.debtor_types),
        "track": ["ordinary"] * (stop - start), "filed_at": _instants(filed, dialect),
        "closed_at": _instants(closed, dialect),
        "disposition": _texts(s.disposition[part], s.dispositions),
        "amount": s.amount[part].tolist(), "recovered": s.recovered[part].tolist(),
        "locked": [False] * (stop - start), "version": [1] * (stop - start),
        "state": ["{}"] * (stop - start), "recovery": _texts(s.recovery[part], s.recoveries),
        "filed_month": _months(_month_numbers(filed)),
        "closed_month": _months(np.where(is_closed, _month_numbers(np.where(is_closed, closed, filed)),
                                         -1)),
        "paused_days": s.paused[part].tolist(),
        "net_days": [None if d < 0 else d for d in net_days.tolist()],
        "in_period": _flags(s.in_period[part]), "zhongben_ok": _flags(s.zhongben_ok[part]),
        "petitions": [None if m < 0 else f'[["{m // 12:04d}-{m % 12 + 1:02d}",{"true" if d else "false"}]]'
                      for m, d in zip(petition, done, strict=True)]}


def closed_today(s: Synthetic, i: int, rng: np.random.Generator) -> None:
    """An event: case ``i`` closes today (executed in full, 终本 or terminated), in the arrays."""
    today = TODAY.toordinal()
    kind = int(rng.choice((1, 2, 3), p=(0.55, 0.35, 0.10)))
    s.closed[i], s.disposition[i] = today, kind
    s.recovery[i] = int(rng.integers(1, 4)) if kind == 1 else 0
    s.recovered[i] = s.amount[i] if kind == 1 else 0.0
    s.paused[i] = 0
    s.in_period[i] = int(today - s.filed[i] <= 182) if kind == 1 else -1
    s.zhongben_ok[i] = 1 if kind == 2 else -1
