"""The facts of one case that the KPIs (质效指标) need, and nothing more.

``facts_of(case)`` reduces a ``Case`` to a small immutable ``CaseFacts``: where it is (court, team),
what it is (case type, debtor group), when it was filed and closed (local dates, Asia/Shanghai), how
it ended (disposition, how 执行完毕 came about), its money, its net days, whether it met the 6-month
conclusion clock and every 终本 gate, and its petitions. The KPIs are sums over these facts, so a
change of a case is a change of its facts: subtract the old, add the new (``kpis.Aggregates``).

A case's facts depend on the case alone, never on the clock: an open case has no net days and its
pauses do not count until it closes, so an event that changes nothing the KPIs read (a node done, a
lead, a pause of an open case) leaves the facts equal and costs the aggregates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from enforcement.calendar import local_date
from enforcement.cases import Case, DebtorType, Disposition, Recovery
from enforcement.flow import zhongben_gates

ROLLED_UP = {DebtorType.INDIVIDUAL_BUSINESS.value: DebtorType.NATURAL_PERSON.value}  # 个体工商户 → 自然人
DEBTOR_GROUPS = ("natural_person", "for_profit", "non_profit", "special_legal_person", "unincorporated")
SECONDS_A_DAY = 86_400
RECOVERIES = tuple(r.value for r in Recovery)  # 自动履行, 强制执行, 和解履行完毕


def debtor_group(debtor_type: str) -> str:
    """The debtor group a debtor type counts under: 个体工商户 rolls up into 自然人."""
    return ROLLED_UP.get(str(debtor_type), str(debtor_type))


def month_of(day: date) -> str:
    """``"2026-03"``: months sort as text."""
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One case as the KPIs see it. Dates are local (Asia/Shanghai); amounts in yuan."""

    court_id: str
    team_id: str  # "" while no team holds the case
    case_type: str  # first (执) / resumed (执恢) / preservation (执保)
    debtor_group: str  # natural_person (个体工商户 included) / for_profit / non_profit / …
    filed: date
    amount: float  # applied for (申请执行标的)
    closed: date | None = None
    disposition: str | None = None
    recovery: str | None = None  # how 执行完毕 came about: voluntary / coercion / settlement
    recovered: float = 0.0  # actually recovered (实际到位)
    paused_days: int = 0  # days the case stood paused before it closed (0 while open)
    in_period: bool | None = None  # 执行完毕 within the conclusion clock net of pauses; None: n/a
    zhongben_ok: bool | None = None  # a 终本 closing that met every gate; None: not 终本
    petitions: tuple[tuple[str, bool], ...] = ()  # (month received, concluded) per petition

    @property
    def filed_month(self) -> str:
        return month_of(self.filed)

    @property
    def closed_month(self) -> str | None:
        return month_of(self.closed) if self.closed else None

    @property
    def net_days(self) -> int | None:
        """平均执行天数's term: closed − filed − paused days; None while open."""
        if self.closed is None:
            return None
        return max(0, (self.closed - self.filed).days - self.paused_days)

    @property
    def petitions_received(self) -> int:
        return len(self.petitions)

    @property
    def petitions_concluded(self) -> int:
        return sum(1 for _, done in self.petitions if done)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON for the bus (dates as ISO text)."""
        return {
            "court_id": self.court_id, "team_id": self.team_id, "case_type": self.case_type,
            "debtor_group": self.debtor_group, "filed": self.filed.isoformat(),
            "amount": self.amount, "closed": self.closed.isoformat() if self.closed else None,
            "disposition": self.disposition, "recovery": self.recovery, "recovered": self.recovered,
            "paused_days": self.paused_days, "in_period": self.in_period,
            "zhongben_ok": self.zhongben_ok, "petitions": [list(p) for p in self.petitions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseFacts:
        closed = data.get("closed")
        return cls(
            court_id=data["court_id"], team_id=data["team_id"], case_type=data["case_type"],
            debtor_group=data["debtor_group"], filed=date.fromisoformat(data["filed"]),
            amount=float(data["amount"]), closed=date.fromisoformat(closed) if closed else None,
            disposition=data.get("disposition"), recovery=data.get("recovery"),
            recovered=float(data.get("recovered", 0.0)), paused_days=int(data.get("paused_days", 0)),
            in_period=data.get("in_period"), zhongben_ok=data.get("zhongben_ok"),
            petitions=tuple((str(m), bool(done)) for m, done in data.get("petitions", ())),
        )


def facts_of(case: Case) -> CaseFacts:
    """The KPI facts of ``case`` as it stands."""
    closed = case.closed_at
    return CaseFacts(
        court_id=case.court_id, team_id=case.team_id or "", case_type=str(case.case_type),
        debtor_group=debtor_group(case.debtor_type), filed=local_date(case.filed_at),
        amount=float(case.amount), closed=local_date(closed) if closed else None,
        disposition=str(case.disposition) if case.disposition else None,
        recovery=str(case.recovery) if case.recovery else None, recovered=float(case.recovered),
        paused_days=paused_days(case), in_period=in_period(case), zhongben_ok=zhongben_ok(case),
        petitions=petitions(case),
    )


def paused_days(case: Case) -> int:
    """Whole days the case stood paused (overlapping pauses once) between filing and closing."""
    if case.closed_at is None:
        return 0
    spans = sorted((max(p.start, case.filed_at), min(p.end or case.closed_at, case.closed_at))
                   for p in case.pauses)
    total, reach = 0.0, case.filed_at
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            total += (end - start).total_seconds()
            reach = end
    return round(total / SECONDS_A_DAY)


def in_period(case: Case) -> bool | None:
    """法定期限内实际执结: a case executed in full (有财产可供执行, concluded with its property) met its
    conclusion clock (6 months, 3 if non-litigation, net of pauses); None for any other case."""
    if case.disposition != Disposition.EXECUTED_IN_FULL or case.closed_at is None:
        return None
    clock = case.clock("conclusion")
    if clock is None:
        return None
    concluded = clock.done_at or case.closed_at
    return clock.due_at is None or concluded <= clock.due_at  # no due date: paused, cannot run out


def zhongben_ok(case: Case) -> bool | None:
    """终本合格: a 终本 closing that met every gate of ``flow.zhongben_gates`` when it closed; a lead
    whose clock the closing itself ended was still unverified then. None when not closed 终本."""
    if case.disposition != Disposition.ZHONGBEN or case.closed_at is None:
        return None
    pending = any(c.node == "verify_lead" and _ended_by_close(c.done_at, case.closed_at)
                  for c in case.clocks)
    return not zhongben_gates(case, case.closed_at, leads_pending=pending)


def _ended_by_close(done_at: datetime | None, closed_at: datetime) -> bool:
    return done_at is None or done_at >= closed_at


def petitions(case: Case) -> tuple[tuple[str, bool], ...]:
    """(month received, concluded) for each petition (执行信访); one concluded by ``petition_close``
    before the case closed counts as concluded (closing the case only stops its clock)."""
    received: dict[str, datetime] = {}
    for clock in case.clocks:
        if clock.node == "petition_log":
            received.setdefault(clock.instance, clock.started_at)
    concluded = {c.instance for c in case.clocks if c.node == "petition_close" and c.done_at
                 and (case.closed_at is None or c.done_at < case.closed_at)}
    found = [(month_of(local_date(at)), petition in concluded) for petition, at in received.items()]
    return tuple(sorted(found))

