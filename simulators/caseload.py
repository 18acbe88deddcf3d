"""The caseload simulator (案件模拟): a seeded, deterministic stream of enforcement cases for the demo city.

``generate_scripts`` draws the cases filed in ``[start, end)`` and, for each, the events it will go
through (``CaseScript``): exactly the JSON that ``POST /api/v1/cases`` and
``POST /api/v1/cases/{case_no}/events`` take, so replaying a script is the real path. Calibrated to
``DOMAIN.md`` / ``NODES.md``:

* volume: ``per_year`` cases (Shenyang ≈ 40,000) filed on working days; the intermediate court takes
  3 %, the high court none, the basic courts the rest by size (big urban districts more);
* case types: 执 80 %, 执恢 8 %, 执保 12 %; debtors: natural persons ≈ 66 % (individual businesses
  included), legal persons ≈ 31 % (mostly for-profit), unincorporated ≈ 3 %;
* amounts: lognormal with a heavy tail, about half under 50,000 yuan;
* dispositions of 执/执恢: executed in full ≈ 55 % (voluntary / coercion / settlement ≈ 35 / 45 / 20),
  终本 ≈ 32 % (after > 3 months, every gate step done first), terminated ≈ 8 %, the rest withdrawn,
  not enforced or rejected; 执保 cases are carried out (a freeze) within days;
* about 13 % of cases miss an urge/remind node's limit by days (20 % are drawn late; a close may
  come first); about 1 % conclude a day or two after the 6-month clock. Hard nodes (the 10-day
  statutory notice, objection rulings, seizure expiry) are always met, so no script locks a case.

Every case is drawn from its own seed (``seed``, court, day, number), so any window of the same seed
holds the same cases with the same numbers (numbered per court, year and case type).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from enforcement.calendar import COURT_TZ, add_months, due_at, is_rest_day, local_date
from enforcement.cases import Case, CaseType, Debtor, DebtorType, Track
from enforcement.catalog import Catalog, load_catalog
from enforcement.city import City
from enforcement.model import CourtLevel, Officer
from enforcement.triage import triage
from simulators.city import GIVEN, SURNAMES, build_organisation

INTERMEDIATE_SHARE = 0.03
BASIC_WEIGHTS = {  # relative caseload of the basic courts: bigger urban districts take more
    "210102": 11.0, "210103": 10.0, "210104": 8.5, "210105": 9.5, "210106": 12.5, "210111": 5.0,
    "210112": 10.0, "210113": 6.0, "210114": 8.0, "210115": 3.5, "210123": 2.5, "210124": 2.5,
    "210181": 4.5, "2171": 1.5,
}
DEFAULT_BASIC_WEIGHT = 4.0
PROVINCE = {"11": "京", "21": "辽", "22": "吉", "23": "黑", "31": "沪", "37": "鲁", "44": "粤"}
TYPE_MARK = {CaseType.FIRST: "执", CaseType.RESUMED: "执恢", CaseType.PRESERVATION: "执保"}
CASE_TYPES = ((CaseType.FIRST, 0.80), (CaseType.RESUMED, 0.08), (CaseType.PRESERVATION, 0.12))
DEBTOR_TYPES = (  # (type, share, median claim in yuan)
    (DebtorType.NATURAL_PERSON, 0.58, 28_000), (DebtorType.INDIVIDUAL_BUSINESS, 0.08, 45_000),
    (DebtorType.FOR_PROFIT, 0.295, 160_000), (DebtorType.NON_PROFIT, 0.01, 80_000),
    (DebtorType.SPECIAL_LEGAL_PERSON, 0.005, 300_000), (DebtorType.UNINCORPORATED, 0.03, 60_000),
)
AMOUNT_SIGMA = 1.5  # of the lognormal claim; a heavy tail
INTERMEDIATE_MEDIAN = 2_500_000  # the intermediate court takes the big claims
DISPOSITIONS = (("executed_in_full", 0.55), ("zhongben", 0.32), ("terminated", 0.08),
                ("withdrawn", 0.03), ("not_enforced", 0.01), ("rejected", 0.01))
RECOVERIES = (("voluntary", 0.35), ("coercion", 0.45), ("settlement", 0.20))
LATE_SHARE = 0.2  # cases drawn to miss a node's limit (≈ 14 % do: a close may come first)
LATE_CONCLUSION_SHARE = 0.02  # cases with property concluded a day or two late
LATE_NODES = ("assign_handler", "execution_notice", "ask_leads", "network_query",
              "investigation_done", "verify_lead", "payout", "reference_price_start",
              "appraisal_report", "sale_ruling", "hand_over")
SUSPENSION_SHARE = 0.04
PETITION_SHARE = 0.015
OBJECTION_SHARE = 0.01
WORK_START_MIN, WORK_END_MIN = 8 * 60 + 30, 17 * 60 + 30  # local minutes of a working day
APPLICANT_BODIES = (
    "中国建设银行股份有限公司沈阳分行", "中国工商银行股份有限公司沈阳分行", "盛京银行股份有限公司",
    "中国农业银行股份有限公司沈阳分行", "沈阳农村商业银行股份有限公司",
)
FIRM_WORDS = "华盛泰鑫恒通达宏远兴隆瑞丰金源佳禾德顺汇海嘉诚天辰博"
FIRM_TRADES = ("商贸", "建筑工程", "房地产开发", "物流", "机械制造", "餐饮管理", "科技", "装饰工程")


@dataclass(frozen=True)
class CaseScript:
    """One case: the filing payload and the (instant, event payload) pairs it will go through."""

    payload: dict[str, Any]
    events: tuple[tuple[datetime, dict[str, Any]], ...]

    @property
    def case_no(self) -> str:
        return self.payload["case_no"]

    @property
    def filed_at(self) -> datetime:
        return datetime.fromisoformat(self.payload["filed_at"])

    @property
    def closed_at(self) -> datetime | None:
        return next((at for at, e in self.events if e["type"] == "close"), None)

    @property
    def disposition(self) -> str | None:
        return next((e["disposition"] for _, e in self.events if e["type"] == "close"), None)


# ---- volumes and numbers -------------------------------------------------------------------


def court_shares(city: City) -> dict[str, float]:
    """Each court's share of the caseload: 3 % intermediate, none for the high court."""
    basic = {c.id: BASIC_WEIGHTS.get(c.id, DEFAULT_BASIC_WEIGHT) for c in city.basic_courts()}
    total = sum(basic.values())
    shares = {c.id: INTERMEDIATE_SHARE for c in city.courts if c.level == CourtLevel.INTERMEDIATE}
    rest = 1.0 - sum(shares.values())
    return shares | {court: rest * weight / total for court, weight in basic.items()}


def court_code(court_id: str) -> str:
    """辽0102 for 210102, 辽01 for 2101, 辽71 for 2171."""
    return PROVINCE.get(court_id[:2], "辽") + court_id[2:]


def case_number(court_id: str, year: int, case_type: CaseType, number: int) -> str:
    return f"（{year}）{court_code(court_id)}{TYPE_MARK[case_type]}{number}号"


@lru_cache(maxsize=4096)
def roll_forward(day: date) -> date:
    """The day itself if a working day, else the next one (the official calendar, cached)."""
    while is_rest_day(day):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=32)
def working_days(year: int) -> int:
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    return sum(1 for n in range(days) if not is_rest_day(first + timedelta(days=n)))


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; fine for the daily means here (< 100)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@dataclass(frozen=True, slots=True)
class Filing:
    court_id: str
    filed_at: datetime
    case_type: CaseType
    case_no: str


def filings(city: City, *, seed: int, start: datetime, end: datetime,
            per_year: int) -> Iterator[Filing]:
    """The filings of ``[start, end)``, numbered from 1 January of each year, per court and type."""
    shares = court_shares(city)
    first_day, last_day = local_date(start), local_date(end)
    for court_id, share in shares.items():
        counters: dict[tuple[int, CaseType], int] = {}
        day = date(first_day.year, 1, 1)
        while day <= last_day:
            for at, kind in _day_filings(seed, court_id, day, per_year * share):
                key = (day.year, kind)
                counters[key] = counters.get(key, 0) + 1
                if start <= at < end:
                    yield Filing(court_id, at, kind, case_number(court_id, day.year, kind, counters[key]))
            day += timedelta(days=1)


def _day_filings(seed: int, court_id: str, day: date, yearly: float) -> list[tuple[datetime, CaseType]]:
    if roll_forward(day) != day:
        return []
    rng = random.Random(f"{seed}/filings/{court_id}/{day.isoformat()}")
    count = poisson(rng, yearly / working_days(day.year))
    kinds, weights = zip(*CASE_TYPES, strict=True)
    drawn = [(_local(day, rng.randint(WORK_START_MIN, WORK_END_MIN)), rng.choices(kinds, weights)[0])
             for _ in range(count)]
    return sorted(drawn, key=lambda d: d[0])


def _local(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=COURT_TZ)


# ---- parties --------------------------------------------------------------------------------


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _firm(rng: random.Random, trade: bool = True) -> str:
    words = "".join(rng.sample(FIRM_WORDS, 2))
    return f"沈阳{words}{rng.choice(FIRM_TRADES) if trade else ''}有限公司"


def _id_card(rng: random.Random, region: str) -> str:
    """A well-formed (fictitious) 18-digit resident id: region, birth date, sequence, check digit."""
    born = date(1955, 1, 1) + timedelta(days=rng.randint(0, 45 * 365))
    body = f"{region[:6].ljust(6, '0')}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _credit_code(rng: random.Random, region: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91" + region[:6].ljust(6, "0") + "".join(rng.choice(alphabet) for _ in range(10))


def _debtor(rng: random.Random, kind: DebtorType, region: str) -> dict[str, str]:
    if kind == DebtorType.NATURAL_PERSON:
        return {"name": _person(rng), "debtor_type": kind.value, "id_no": _id_card(rng, region)}
    names = {
        DebtorType.INDIVIDUAL_BUSINESS: lambda: f"{_person(rng)}{rng.choice(('餐馆', '超市', '汽修部'))}",
        DebtorType.NON_PROFIT: lambda: f"沈阳市{rng.choice(('民办', '康养'))}{_person(rng)}服务中心",
        DebtorType.SPECIAL_LEGAL_PERSON: lambda: f"沈阳市某{rng.choice(('街道办事处', '村民委员会'))}",
        DebtorType.UNINCORPORATED: lambda: f"{_firm(rng, trade=False)[:-4]}合伙企业",
    }
    name = names.get(kind, lambda: _firm(rng))()
    return {"name": name, "debtor_type": kind.value, "id_no": _credit_code(rng, region)}


def _amount(rng: random.Random, kind: DebtorType, intermediate: bool) -> float:
    median = INTERMEDIATE_MEDIAN if intermediate else dict((t, m) for t, _, m in DEBTOR_TYPES)[kind]
    sigma = 1.2 if intermediate else AMOUNT_SIGMA
    return round(min(max(rng.lognormvariate(math.log(median), sigma), 300.0), 2e9), 2)


def _applicants(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.55:
        return [_person(rng)]
    if roll < 0.75:
        return [rng.choice(APPLICANT_BODIES)]
    return [_firm(rng)] + ([_person(rng)] if rng.random() < 0.15 else [])


# ---- the scripts ----------------------------------------------------------------------------


def generate_scripts(city: City, *, seed: int, start: datetime, end: datetime,
                     per_year: int = 40_000, catalog: Catalog | None = None) -> list[CaseScript]:
    """Every case filed in ``[start, end)`` with its events, ordered by filing time."""
    catalog = catalog or load_catalog()
    officers = _officers_by_team(city, seed)
    scripts = []
    for filing in filings(city, seed=seed, start=start, end=end, per_year=per_year):
        rng = random.Random(f"{seed}/case/{filing.case_no}")
        payload = _payload(rng, filing, city)
        events = draw_events(rng, payload, officers.get(payload["team_id"], []),
                             catalog=catalog, horizon=end)
        scripts.append(CaseScript(payload, events))
    scripts.sort(key=lambda s: (s.payload["filed_at"], s.case_no))
    return scripts


def _officers_by_team(city: City, seed: int) -> dict[str, list[Officer]]:
    found: dict[str, list[Officer]] = {}
    for officer in build_organisation(city, seed=seed, units=0).officers:
        found.setdefault(officer.team_id, []).append(officer)
    return found


def _payload(rng: random.Random, filing: Filing, city: City) -> dict[str, Any]:
    intermediate = city.by_id[filing.court_id].level == CourtLevel.INTERMEDIATE
    kinds, shares, _ = zip(*DEBTOR_TYPES, strict=True)
    kind = DebtorType.FOR_PROFIT if intermediate and rng.random() < 0.6 else rng.choices(kinds, shares)[0]
    region = filing.court_id if len(filing.court_id) == 6 else "210100"
    debtors = [_debtor(rng, kind, region)]
    debtors += [_debtor(rng, rng.choices(kinds, shares)[0], region)
                for _ in range(rng.choices((0, 1, 2), (0.72, 0.2, 0.08))[0])]
    first = filing.case_type == CaseType.FIRST
    payload = {
        "case_no": filing.case_no, "court_id": filing.court_id, "case_type": filing.case_type.value,
        "filed_at": filing.filed_at.isoformat(), "amount": _amount(rng, kind, intermediate),
        "applicants": _applicants(rng), "debtors": debtors,
        "preserved": first and rng.random() < (0.25 if kind == DebtorType.FOR_PROFIT else 0.1),
        "non_litigation": first and rng.random() < 0.04,
    }
    track = triage(Case(filing.case_no, filing.court_id, filing.case_type, filing.filed_at,
                        payload["amount"], tuple(Debtor(d["name"], DebtorType(d["debtor_type"]))
                                                 for d in debtors), preserved=payload["preserved"]))
    payload["team_id"] = _team(rng, filing.court_id, track, intermediate)
    return payload


def _team(rng: random.Random, court_id: str, track: Track, intermediate: bool) -> str:
    if track == Track.SPECIAL:
        return f"{court_id}-T3"
    if track == Track.ORDINARY:
        return f"{court_id}-T2"
    return f"{court_id}-T4" if not intermediate and rng.random() < 0.3 else f"{court_id}-T1"




# ---- a case's events ------------------------------------------------------------------------

LATE_WEIGHTS = (2, 2, 2, 2, 2, 1, 1.5, 0.5, 0.5, 0.5, 0.5)  # of LATE_NODES: the common nodes more
MAX_OVERDUE_AT_CLOSE = timedelta(days=2, hours=12)  # stay inside the 3-day lock grace


class _Plan:
    """One case's timeline while it is drawn: (instant, order, payload, optional) items.

    Optional items (node completions, leads, petitions) are dropped if they would fall after the
    close; the close waits for every required item.
    """

    def __init__(self, rng: random.Random, filed_at: datetime, late: frozenset[str]) -> None:
        self.rng, self.filed_at, self.late = rng, filed_at, late
        self.items: list[tuple[datetime, int, dict[str, Any], bool]] = []
        self.pauses: list[list[Any]] = []  # [reason, start, end]
        self.ids: dict[str, int] = {}

    def later(self, after: datetime, days: int) -> datetime:
        """Some minutes after ``after`` (days 0), or working hours ``days`` later, rolled to a working day."""
        if days <= 0:
            return after + timedelta(minutes=self.rng.randint(5, 60))
        day = roll_forward(local_date(after) + timedelta(days=days))
        return _local(day, self.rng.randint(WORK_START_MIN, WORK_END_MIN))

    def within(self, after: datetime, node: str, lo: int, hi: int, limit: int) -> datetime:
        """On time (``lo``–``hi`` days), or 1–8 days past the node's limit for a late node."""
        late = node in self.late
        return self.later(after, limit + self.rng.randint(1, 8) if late else self.rng.randint(lo, hi))

    def add(self, at: datetime, event_type: str, /, *, optional: bool = False, **fields: Any) -> datetime:
        at = at.astimezone(COURT_TZ)
        payload = {"type": event_type, "at": at.isoformat(), **fields}
        self.items.append((at, len(self.items), payload, optional))
        if event_type == "pause":
            self.pauses.append([fields["reason"], at, None])
        elif event_type == "resume":
            next(p for p in self.pauses if p[0] == fields["reason"] and p[2] is None)[2] = at
        return at

    def new_id(self, prefix: str) -> str:
        self.ids[prefix] = self.ids.get(prefix, 0) + 1
        return f"{prefix}{self.ids[prefix]}"

    def last(self, *, optional: bool) -> datetime:
        return max((at for at, _, _, opt in self.items if optional or not opt), default=self.filed_at)

    def close(self, at: datetime, disposition: str, *, how: str | None = None,
              recovered: float = 0.0) -> datetime:
        floor = self.last(optional=False)
        at = at if at > floor else self.later(floor, 0)
        self.items = [i for i in self.items if not (i[3] and i[0] >= at)]
        fields = {"disposition": disposition, "recovered": round(recovered, 2)}
        return self.add(at, "close", **fields | ({"how": how} if how else {}))

    def events(self) -> tuple[tuple[datetime, dict[str, Any]], ...]:
        return tuple((at, payload) for at, _, payload, _ in sorted(self.items, key=lambda i: i[:2]))


@dataclass(frozen=True, slots=True)
class _Start:
    handler: datetime
    notice: datetime
    network: datetime
    ready: datetime  # when the outcome may begin: after the notice, or after a suspension


@dataclass(frozen=True, slots=True)
class _Outcome:
    at: datetime
    disposition: str
    how: str | None = None
    recovered: float = 0.0
    with_property: bool = False


def draw_events(rng: random.Random, payload: dict[str, Any], officers: list[Officer], *,
                catalog: Catalog, horizon: datetime) -> tuple[tuple[datetime, dict[str, Any]], ...]:
    """The events of one case, in time order, every one of them acceptable to ``Flow``."""
    filed_at = datetime.fromisoformat(payload["filed_at"])
    late = frozenset()
    if rng.random() < LATE_SHARE:
        late = frozenset(rng.choices(LATE_NODES, LATE_WEIGHTS, k=1 if rng.random() < 0.75 else 2))
    plan = _Plan(rng, filed_at, late)
    officer = rng.choice(officers).id if officers else f"{payload['team_id']}-O1"
    if payload["case_type"] == CaseType.PRESERVATION.value:
        _preservation(plan, payload, officer)
    else:
        _enforcement(plan, payload, officer, catalog, horizon)
    return plan.events()


def _preservation(plan: _Plan, payload: dict[str, Any], officer: str) -> None:
    """执保: a freeze carried out the day the handler takes it, closed within a working day."""
    rng = plan.rng
    handler = plan.add(plan.later(plan.filed_at, rng.choice((0, 0, 1))), "handler_assigned",
                       officer_id=officer, team_id=payload["team_id"])
    plan.add(plan.within(plan.filed_at, "network_query", 0, 2, 5), "node_done", optional=True,
             node="network_query")
    at = handler
    for _ in range(rng.choice((1, 1, 1, 2))):
        at = plan.add(plan.later(at, 0), "measure", measure_id=plan.new_id("M"), kind="freeze",
                      asset="deposit")
    plan.close(plan.later(at, rng.choice((0, 1))), "executed_in_full", how="coercion")


def _enforcement(plan: _Plan, payload: dict[str, Any], officer: str, catalog: Catalog,
                 horizon: datetime) -> None:
    rng = plan.rng
    disposition = _disposition(rng, payload)
    gated = disposition == "zhongben"  # the investigation steps are 终本 gates: never dropped
    start = _start(plan, payload, officer, gated)
    _leads(plan, start, gated)
    if rng.random() < PETITION_SHARE:
        _petition(plan)
    if rng.random() < OBJECTION_SHARE:
        _objection(plan, start)
    if disposition in ("zhongben", "terminated") or (disposition.startswith("executed_in_full")
                                                     and rng.random() < 0.5):
        start = _maybe_suspend(plan, start)
    outcome = OUTCOMES[disposition](plan, start, payload)
    at = _in_time(plan, payload, catalog, outcome)
    if outcome.with_property and rng.random() < LATE_CONCLUSION_SHARE:
        at = _late_conclusion(plan, payload, catalog, at)
    closed = plan.close(at, outcome.disposition, how=outcome.how, recovered=outcome.recovered)
    if outcome.disposition == "zhongben":
        _requeries(plan, closed, horizon)


def _disposition(rng: random.Random, payload: dict[str, Any]) -> str:
    names, weights = zip(*DISPOSITIONS, strict=True)
    drawn = rng.choices(names, weights)[0]
    if drawn == "zhongben" and payload["non_litigation"]:
        return "terminated"  # a 3-month clock cannot wait the 3 months 终本 needs (see report)
    if drawn == "executed_in_full":
        return "executed_in_full:" + rng.choices(*zip(*RECOVERIES, strict=True))[0]
    return drawn


def _start(plan: _Plan, payload: dict[str, Any], officer: str, gated: bool) -> _Start:
    """Handler, notice (always inside the statutory 10 days), leads asked, network query, survey."""
    rng, filed = plan.rng, plan.filed_at
    handler_days = rng.randint(8, 9) if "assign_handler" in plan.late else rng.randint(0, 3)
    handler = plan.add(plan.later(filed, handler_days), "handler_assigned", officer_id=officer,
                       team_id=payload["team_id"])
    notice = plan.within(handler, "execution_notice", 0, 2, 3)
    if local_date(notice) > roll_forward(local_date(filed) + timedelta(days=10)):
        notice = plan.later(handler, 0)
    plan.add(notice, "node_done", node="execution_notice")
    plan.add(plan.within(handler, "ask_leads", 0, 2, 3), "node_done", optional=True, node="ask_leads")
    network = plan.add(plan.within(filed, "network_query", 0, 4, 5), "node_done", optional=not gated,
                       node="network_query")
    plan.add(plan.within(handler, "investigation_done", 10, 28, 31), "node_done", optional=not gated,
             node="investigation_done")
    return _Start(handler, notice, network, ready=max(notice, network))


def _leads(plan: _Plan, start: _Start, gated: bool) -> None:
    rng = plan.rng
    for _ in range(rng.choices((0, 1, 2, 3), (0.55, 0.3, 0.1, 0.05))[0]):
        lead, urgent = plan.new_id("L"), rng.random() < 0.2
        received = plan.add(plan.later(start.handler, rng.randint(1, 50)), "lead_received",
                            optional=not gated, lead_id=lead, urgent=urgent)
        checked = plan.within(received, "verify_lead", *((0, 2, 3) if urgent else (1, 6, 7)))
        plan.add(checked, "node_done", optional=not gated, node="verify_lead", instance=lead)


def _petition(plan: _Plan) -> None:
    petition = plan.new_id("P")
    received = plan.add(plan.later(plan.filed_at, plan.rng.randint(10, 150)), "petition_received",
                        optional=True, petition_id=petition)
    logged = plan.add(plan.later(received, plan.rng.randint(1, 4)), "petition_logged", optional=True,
                      petition_id=petition)
    plan.add(plan.later(logged, plan.rng.randint(5, 25)), "node_done", optional=True,
             node="petition_close", instance=petition)


def _objection(plan: _Plan, start: _Start) -> None:
    objection = plan.new_id("O")
    received = plan.add(plan.later(start.handler, plan.rng.randint(5, 60)), "objection_received",
                        optional=True, objection_id=objection)
    docketed = plan.add(plan.later(received, plan.rng.randint(0, 2)), "node_done", optional=True,
                        node="objection_docket", instance=objection)
    ruled = max(plan.later(received, plan.rng.randint(5, 14)), plan.later(docketed, 0))
    plan.add(ruled, "node_done", optional=True, node="objection_ruling", instance=objection)


def _maybe_suspend(plan: _Plan, start: _Start) -> _Start:
    """中止执行 for a few cases (a bankruptcy, a pending objection): the outcome waits for the resume."""
    if plan.rng.random() >= SUSPENSION_SHARE / 0.7:
        return start
    paused = plan.add(plan.later(start.ready, plan.rng.randint(5, 40)), "pause", reason="suspension")
    resumed = plan.add(plan.later(paused, plan.rng.randint(30, 150)), "resume", reason="suspension")
    return _Start(start.handler, start.notice, start.network, ready=resumed)


# ---- outcomes -------------------------------------------------------------------------------


def _funds(plan: _Plan, after: datetime, amount: float, days: tuple[int, int]) -> datetime:
    """Money in (案款到账) and paid out (发放) in full; returns when it was paid out."""
    amount = round(max(amount, 1.0), 2)
    received = plan.add(plan.later(after, plan.rng.randint(*days)), "funds_received", amount=amount)
    return plan.add(plan.within(received, "payout", 2, 20, 30), "funds_paid", amount=amount)


def _freeze(plan: _Plan, after: datetime) -> tuple[str, datetime]:
    measure = plan.new_id("M")
    at = plan.add(plan.later(after, plan.rng.randint(0, 3)), "measure", measure_id=measure,
                  kind="freeze", asset="deposit")
    return measure, at


def _voluntary(plan: _Plan, start: _Start, payload: dict[str, Any]) -> _Outcome:
    amount, rng = payload["amount"], plan.rng
    if rng.random() < 0.7:
        done = _funds(plan, start.ready, amount, (2, 40))
    else:  # paid straight to the applicant, who confirms it
        done = plan.later(start.ready, rng.randint(3, 40))
    return _Outcome(plan.later(done, rng.randint(0, 5)), "executed_in_full", "voluntary", amount, True)


def _settlement(plan: _Plan, start: _Start, payload: dict[str, Any]) -> _Outcome:
    rng = plan.rng
    agreed = plan.later(start.ready, rng.randint(7, 60))
    settled = round(payload["amount"] * rng.uniform(0.6, 1.0), 2)
    if rng.random() < 0.5 or payload["non_litigation"]:
        done = _funds(plan, agreed, settled, (1, 15))
    else:  # paid in instalments while enforcement is suspended (和解中止)
        plan.add(agreed, "pause", reason="suspension")
        count = rng.randint(2, 4)
        parts = [round(settled / count, 2)] * (count - 1)
        parts.append(round(settled - sum(parts), 2))
        done = agreed
        for part in parts:
            done = _funds(plan, done, part, (20, 40))
        done = plan.add(plan.later(done, 0), "resume", reason="suspension")
    return _Outcome(plan.later(done, rng.randint(0, 5)), "executed_in_full", "settlement", settled, True)


def _coercion(plan: _Plan, start: _Start, payload: dict[str, Any]) -> _Outcome:
    amount, rng = payload["amount"], plan.rng
    asset = _asset(rng, amount, payload["non_litigation"])
    if asset == "deposit":
        _, frozen = _freeze(plan, start.network)
        done = _funds(plan, max(frozen, start.ready), amount, (3, 30))
    else:
        kind = "seize" if asset == "real_estate" else "impound"
        seized = plan.add(plan.later(start.ready, rng.randint(5, 45)), "measure",
                          measure_id=plan.new_id("M"), kind=kind, asset=asset)
        done = _disposal(plan, seized, asset, amount)
    return _Outcome(plan.later(done, rng.randint(0, 5)), "executed_in_full", "coercion", amount, True)


def _asset(rng: random.Random, amount: float, non_litigation: bool) -> str:
    if non_litigation:
        return "deposit"  # a disposal would outrun the 3-month clock
    if amount < 100_000:
        return rng.choices(("deposit", "movable"), (0.8, 0.2))[0]
    weights = (0.5, 0.15, 0.35) if amount < 1_000_000 else (0.35, 0.1, 0.55)
    return rng.choices(("deposit", "movable", "real_estate"), weights)[0]


def _disposal(plan: _Plan, seized: datetime, asset: str, amount: float) -> datetime:
    """Reference price, online auction (a first one fails now and then), ruling, hand-over, payout."""
    rng = plan.rng
    if asset == "real_estate" and rng.random() < 0.6:
        commissioned = plan.add(plan.within(seized, "reference_price_start", 5, 25, 30),
                                "appraisal_commissioned")
        plan.add(plan.later(commissioned, 0), "pause", reason="appraisal")
        reported = plan.within(commissioned, "appraisal_report", 12, 28, 30)
        plan.add(reported, "resume", reason="appraisal")
        priced = plan.add(plan.later(reported, 0), "price_fixed")
    else:
        commissioned = plan.add(plan.within(seized, "reference_price_start", 3, 20, 30),
                                "inquiry_commissioned")
        priced = plan.add(plan.later(commissioned, rng.randint(1, 3)), "price_fixed")
    listed = plan.add(plan.later(priced, rng.randint(2, 8)), "node_done", node="sale_start")
    plan.add(plan.later(listed, 0), "pause", reason="auction_sale")
    notice_days = 30 if asset == "real_estate" else 15
    sold = plan.later(listed, notice_days + rng.randint(1, 10))
    if rng.random() < 0.4:
        plan.add(sold, "auction_failed")
        relisted = plan.add(plan.later(sold, rng.randint(3, 15)), "node_done", node="reauction")
        sold = plan.later(relisted, notice_days // 2 + rng.randint(1, 8))
    plan.add(sold, "paid_in_full")
    plan.add(plan.later(sold, 0), "resume", reason="auction_sale")
    served = plan.add(plan.within(sold, "sale_ruling", 2, 8, 10), "sale_ruling_served")
    handed = plan.add(plan.within(served, "hand_over", 3, 13, 15), "node_done", node="hand_over")
    paid = _funds(plan, sold, amount, (1, 5))
    return max(handed, paid)


def _zhongben(plan: _Plan, start: _Start, payload: dict[str, Any]) -> _Outcome:
    """终本: every gate step first, then closed more than 3 months after filing."""
    rng, recovered = plan.rng, 0.0
    if rng.random() < 0.3:  # a frozen account yields a little before it runs dry
        measure, frozen = _freeze(plan, start.network)
        recovered = round(payload["amount"] * rng.uniform(0.02, 0.3), 2)
        paid = _funds(plan, max(frozen, start.ready), recovered, (3, 20))
        plan.add(plan.later(paid, rng.randint(1, 10)), "measure_released", measure_id=measure)
    restricted = plan.add(plan.later(start.notice, rng.randint(1, 20)), "action",
                          step="consumption_restriction")
    steps = plan.add(plan.later(restricted, rng.randint(0, 30)), "action", step="dishonest_listing")
    if rng.random() < 0.15:
        steps = _missing_debtor(plan, start)
    due = _local(roll_forward(_zhongben_day(plan) + timedelta(days=rng.randint(0, 60))),
                 rng.randint(WORK_START_MIN, WORK_END_MIN))
    interviewed = plan.later(max(plan.last(optional=False), steps, start.ready), rng.randint(1, 10))
    if interviewed < due - timedelta(days=25):
        interviewed = plan.later(due - timedelta(days=rng.randint(5, 25)), 0)
    plan.add(interviewed, "action", step="applicant_interview")
    return _Outcome(max(due, plan.later(interviewed, rng.randint(1, 5))), "zhongben",
                    recovered=recovered)


def _zhongben_day(plan: _Plan) -> date:
    """The first local day a case may be closed 终本: more than 3 months after filing."""
    return add_months(local_date(plan.filed_at), 3) + timedelta(days=1)


def _missing_debtor(plan: _Plan, start: _Start) -> datetime:
    """下落不明: searched for, with service by publication (公告) pausing the clocks meanwhile."""
    rng = plan.rng
    missing = plan.add(plan.later(start.notice, rng.randint(5, 30)), "action", step="debtor_missing")
    paused = plan.add(plan.later(missing, 0), "pause", reason="publication")
    plan.add(plan.later(paused, rng.randint(30, 60)), "resume", reason="publication")
    return plan.add(plan.later(missing, rng.randint(5, 30)), "action", step="debtor_search")


def _terminated(plan: _Plan, start: _Start, payload: dict[str, Any]) -> _Outcome:
    rng, recovered, floor = plan.rng, 0.0, start.ready
    if rng.random() < 0.3:
        measure, frozen = _freeze(plan, start.network)
        recovered = round(payload["amount"] * rng.uniform(0.05, 0.5), 2)
        paid = _funds(plan, max(frozen, start.ready), recovered, (3, 20))
        floor = plan.add(plan.later(paid, rng.randint(1, 5)), "measure_released", measure_id=measure)
    return _Outcome(plan.later(floor, rng.randint(10, 90)), "terminated", recovered=recovered)


def _early(disposition: str, days: tuple[int, int]):  # noqa: ANN202 - a small outcome factory
    def outcome(plan: _Plan, start: _Start, payload: dict[str, Any]) -> _Outcome:
        return _Outcome(plan.later(plan.filed_at, plan.rng.randint(*days)), disposition)

    return outcome


OUTCOMES = {
    "executed_in_full:voluntary": _voluntary, "executed_in_full:coercion": _coercion,
    "executed_in_full:settlement": _settlement, "zhongben": _zhongben, "terminated": _terminated,
    "withdrawn": _early("withdrawn", (5, 60)), "not_enforced": _early("not_enforced", (10, 40)),
    "rejected": _early("rejected", (5, 30)),
}


def _in_time(plan: _Plan, payload: dict[str, Any], catalog: Catalog, outcome: _Outcome) -> datetime:
    """Keep the close inside the conclusion clock wherever the required steps leave room."""
    due = conclusion_due(catalog, plan, payload["non_litigation"])
    if due is None or outcome.at < due - timedelta(days=1):
        return outcome.at
    floor = plan.later(plan.last(optional=False), 0)
    if outcome.disposition == "zhongben":
        floor = max(floor, _local(roll_forward(_zhongben_day(plan)), WORK_START_MIN))
    return floor if floor < due - timedelta(days=1) else outcome.at


def _late_conclusion(plan: _Plan, payload: dict[str, Any], catalog: Catalog, at: datetime) -> datetime:
    """Close a day or two after the conclusion clock ran out, but inside the lock grace."""
    due = conclusion_due(catalog, plan, payload["non_litigation"])
    if due is None:
        return at
    late = plan.later(due - timedelta(minutes=1), 1)
    return late if at < late <= due + MAX_OVERDUE_AT_CLOSE else at


def conclusion_due(catalog: Catalog, plan: _Plan, non_litigation: bool) -> datetime | None:
    spec = catalog.get("conclusion")
    pauses = [(start, end) for reason, start, end in plan.pauses if spec.pauses_on(reason)]
    limit = spec.limit("non_litigation" if non_litigation else "default")
    return due_at(plan.filed_at, limit, pauses=pauses)


def _requeries(plan: _Plan, closed: datetime, horizon: datetime) -> None:
    """终本 re-queries every 6 months (done a little early), up to the horizon."""
    at, until = closed, min(horizon, closed + timedelta(days=5 * 365))
    while True:
        at = plan.later(at, plan.rng.randint(150, 175))
        if at >= until:
            return
        plan.add(at, "node_done", node="zhongben_requery")
