"""The KPIs (质效指标): each formula against hand-computed values on a handmade caseload, the facts a
case yields, and the incremental aggregates against a full recomputation (Aggregates and pandas)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from enforcement.cases import Case, CaseType, Debtor, DebtorType, Disposition
from enforcement.catalog import load_catalog
from enforcement.flow import Event, Flow
from enforcement.kpi_frame import (
    aggregates_from_frame,
    breakdown_from_frame,
    facts_frame,
    frame_tallies,
    kpis_from_frame,
    trend_from_frame,
)
from enforcement.kpis import (
    TARGETS,
    Aggregates,
    AnalyticsFilter,
    CaseFacts,
    breakdown,
    closing_balance,
    facts_of,
    kpis,
    level_keys,
    ranking,
    ranking_rows,
    trend,
)

A, B = "210102", "210103"
PERIOD = AnalyticsFilter(start=date(2026, 1, 15), end=date(2026, 3, 10))  # whole months: Jan–Mar


def fact(court: str, filed: str, *, closed: str | None = None, team: str = "T1", **more) -> CaseFacts:
    fields = {"court_id": court, "team_id": f"{court}-{team}" if team else "", "case_type": "first",
              "debtor_group": "natural_person", "filed": date.fromisoformat(filed), "amount": 0.0,
              "closed": date.fromisoformat(closed) if closed else None} | more
    return CaseFacts(**fields)


CASELOAD = [
    fact(A, "2025-11-10"),  # 1: carried over, open
    fact(A, "2025-12-01", closed="2025-12-20", disposition="executed_in_full",  # 2: closed before
         recovery="voluntary", debtor_group="for_profit"),
    fact(A, "2025-10-01", closed="2026-02-10", team="T2", disposition="zhongben",  # 3: carried, closed
         amount=100_000, recovered=10_000, zhongben_ok=True,
         petitions=(("2025-12", True), ("2026-01", True))),
    fact(A, "2026-01-05", closed="2026-01-25", disposition="executed_in_full",  # 4
         recovery="coercion", amount=50_000, recovered=50_000, in_period=True),
    fact(B, "2026-02-03", closed="2026-03-05", disposition="executed_in_full",  # 5
         recovery="settlement", amount=200_000, recovered=150_000, in_period=False, paused_days=4,
         debtor_group="for_profit"),
    fact(B, "2026-03-01", debtor_group="unincorporated", petitions=(("2026-03", False),)),  # 6
    fact(B, "2026-02-20", closed="2026-03-20", team="", disposition="zhongben",  # 7
         amount=30_000, zhongben_ok=False),
    fact(A, "2026-01-10", closed="2026-01-30", case_type="resumed", disposition="terminated",  # 8
         petitions=(("2026-02", True),)),
    fact(B, "2026-02-01", case_type="preservation"),  # 9
    fact(A, "2026-04-02"),  # 10: after the period
    fact(B, "2025-12-15", closed="2026-04-10", disposition="withdrawn"),  # 11: carried, closed after
]


@pytest.fixture(scope="module")
def aggs() -> Aggregates:
    found = Aggregates()
    for facts in CASELOAD:
        found.apply(None, facts)
    return found


def test_every_kpi_by_hand(aggs) -> None:
    got = kpis(aggs, PERIOD)
    # population 执 only. carried over: 1, 3, 11 (2 closed before Jan). received: 4, 5, 6, 7.
    assert (got["carried_over"], got["received"], got["closed"]) == (3, 4, 4)  # closed: 3, 4, 5, 7
    assert got["closing_rate"] == pytest.approx(4 / (3 + 4))
    assert got["first_case_closing_rate"] == pytest.approx(4 / 7)
    assert got["actual_execution_rate"] == pytest.approx(2 / 4)  # 4 coercion, 5 settlement
    assert got["amount_applied"] == 100_000 + 50_000 + 200_000 + 30_000
    assert got["amount_recovered"] == 10_000 + 50_000 + 150_000 + 0
    assert got["recovery_rate"] == pytest.approx(210_000 / 380_000)
    assert got["executed_in_full_rate"] == pytest.approx(2 / 4)  # 4, 5
    assert got["zhongben_rate"] == pytest.approx(2 / 4)  # 3, 7
    assert got["in_period_closing_rate"] == pytest.approx(1 / 2)  # 4 in time, 5 late
    assert got["zhongben_compliance"] == pytest.approx(1 / 2)  # 3 met every gate, 7 did not
    # petitions received Jan–Mar, every case type: 3 (Jan, done), 6 (Mar, open), 8 (Feb, done)
    assert got["petition_closing_rate"] == pytest.approx(2 / 3)
    # net days: 3: 2025-10-01 → 2026-02-10 = 132; 4: 20; 5: 30 − 4 paused = 26; 7: 28
    assert got["average_days"] == pytest.approx((132 + 20 + 26 + 28) / 4)
    assert got["average_days_in_full"] == pytest.approx((20 + 26) / 2)
    # closings per month 1, 1, 2: mean 4/3, std √(2/9)
    assert got["closing_balance"] == pytest.approx(1 - (2 / 9) ** 0.5 / (4 / 3))
    assert got["closed_received_ratio"] == pytest.approx(4 / 4)


def test_rates_without_a_denominator_are_none(aggs) -> None:
    got = kpis(aggs, replace(PERIOD, court_ids=frozenset({"210181"})))
    assert got["closing_rate"] is None and got["recovery_rate"] is None
    assert got["closing_balance"] is None and got["received"] == 0
    assert closing_balance([]) is None and closing_balance([5, 5, 5]) == pytest.approx(1.0)
    assert TARGETS == {"in_period_closing_rate": 0.9, "zhongben_compliance": 0.9,
                       "petition_closing_rate": 0.9}


def test_filters(aggs) -> None:
    b_only = kpis(aggs, replace(PERIOD, court_ids=frozenset({B})))
    assert (b_only["carried_over"], b_only["received"], b_only["closed"]) == (1, 3, 2)
    zhongben = kpis(aggs, replace(PERIOD, disposition="zhongben"))
    assert (zhongben["carried_over"], zhongben["received"], zhongben["closed"]) == (1, 1, 2)
    resumed = kpis(aggs, replace(PERIOD, case_type="resumed"))
    assert (resumed["received"], resumed["closed"], resumed["first_case_closing_rate"]) == (1, 1, None)
    assert resumed["petition_closing_rate"] == 1.0  # only case 8's petition
    team = kpis(aggs, replace(PERIOD, team_id=f"{A}-T1"))
    assert (team["carried_over"], team["received"], team["closed"]) == (1, 1, 1)  # 1; 4; 4
    everything = kpis(aggs, AnalyticsFilter())  # all time: nothing carried over
    assert (everything["carried_over"], everything["received"], everything["closed"]) == (0, 9, 6)


def test_breakdown_by_debtor_group(aggs) -> None:
    rows = {r["debtor_group"]: r for r in breakdown(aggs, PERIOD, ("debtor_group",))}
    natural = rows["natural_person"]  # carried 1, 3, 11; received 4, 7; closed 3, 4, 7
    assert (natural["cases"], natural["closed"], natural["amount"], natural["recovered"]) == \
        (5, 3, 180_000, 60_000)
    assert natural["recovery_rate"] == pytest.approx(60_000 / 180_000)
    assert (rows["for_profit"]["cases"], rows["for_profit"]["closed"]) == (1, 1)
    assert (rows["unincorporated"]["cases"], rows["unincorporated"]["closed"]) == (1, 0)


def test_breakdown_by_how_and_case_type(aggs) -> None:
    how = {r["how"]: r["closed"] for r in breakdown(aggs, PERIOD, ("how",)) if r["closed"]}
    assert how == {"coercion": 1, "settlement": 1, "zhongben": 2}
    types = {r["case_type"]: r["cases"] for r in breakdown(aggs, PERIOD, ("case_type",))}
    assert types == {"first": 7, "resumed": 1, "preservation": 1}
    with pytest.raises(ValueError):
        breakdown(aggs, PERIOD, ("colour",))


def test_trend(aggs) -> None:
    assert trend(aggs, PERIOD) == [
        {"month": "2026-01", "received": 1, "closed": 1, "executed_in_full": 1, "zhongben": 0,
         "recovered": 50_000},
        {"month": "2026-02", "received": 2, "closed": 1, "executed_in_full": 0, "zhongben": 1,
         "recovered": 10_000},
        {"month": "2026-03", "received": 1, "closed": 2, "executed_in_full": 1, "zhongben": 1,
         "recovered": 150_000},
    ]


def test_ranking(aggs) -> None:
    courts = ranking(aggs, PERIOD, "court")
    assert [(r["id"], r["rank"]) for r in courts] == [(A, 1), (B, 2)]
    assert courts[0]["closing_rate"] == pytest.approx(2 / 3)  # carried 1, 3; received 4; closed 3, 4
    assert courts[0]["average_days"] == pytest.approx((132 + 20) / 2)
    assert courts[1]["closing_rate"] == pytest.approx(2 / 4)  # carried 11; received 5, 6, 7
    teams = ranking(aggs, PERIOD, "team")  # case 7 has no team: left out
    assert [(r["id"], r["closing_rate"]) for r in teams] == [
        (f"{A}-T2", 1.0), (f"{A}-T1", 0.5), (f"{B}-T1", pytest.approx(1 / 3))]


def test_pandas_agrees_on_the_handmade_caseload() -> None:
    frames = facts_frame(CASELOAD)
    scratch = Aggregates()
    for facts in CASELOAD:
        scratch.apply(None, facts)
    assert_same_kpis(kpis(scratch, PERIOD), kpis_from_frame(frames, PERIOD))


# ---- the facts of a case ------------------------------------------------------------------------

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 3, 2, 10, 0, tzinfo=CST)


@pytest.fixture(scope="module")
def flow() -> Flow:
    return Flow(load_catalog())


def run(flow: Flow, *events: tuple[float, str, dict]) -> Case:
    case = flow.open_case(Case("（2026）辽0102执1号", A, CaseType.FIRST, FILED, 80_000.0,
                               (Debtor("某个体店", DebtorType.INDIVIDUAL_BUSINESS),), team_id=f"{A}-T1"))
    for days, kind, data in events:
        case = flow.apply(case, Event(kind, FILED + timedelta(days=days), data))
    return case


def test_facts_of_a_case_executed_in_full_after_a_pause(flow) -> None:
    case = run(flow, (1, "handler_assigned", {"officer_id": "O1"}),
               (10, "pause", {"reason": "appraisal"}), (25, "resume", {"reason": "appraisal"}),
               (40, "petition_received", {"petition_id": "P1"}),
               (41, "petition_logged", {"petition_id": "P1"}),
               (50, "node_done", {"node": "petition_close", "instance": "P1"}),
               (60, "close", {"disposition": "执行完毕", "how": "强制执行", "recovered": 80_000}))
    facts = facts_of(case)
    assert facts.debtor_group == "natural_person"  # 个体工商户 rolls up to 自然人
    assert (facts.filed, facts.closed, facts.paused_days, facts.net_days) == \
        (date(2026, 3, 2), date(2026, 5, 1), 15, 60 - 15)
    assert (facts.disposition, facts.recovery, facts.in_period, facts.zhongben_ok) == \
        ("executed_in_full", "coercion", True, None)
    assert facts.petitions == (("2026-04", True),)
    assert CaseFacts.from_dict(facts.as_dict()) == facts


def test_a_zhongben_closing_is_compliant_only_with_every_gate(flow) -> None:
    steps = [(1, "handler_assigned", {"officer_id": "O1"}), (2, "node_done", {"node": "execution_notice"}),
             (3, "node_done", {"node": "network_query"}),
             (20, "node_done", {"node": "investigation_done"})]
    steps += [(30 + n, "action", {"step": s}) for n, s in enumerate(
        ("consumption_restriction", "dishonest_listing", "applicant_interview"))]
    case = run(flow, *steps, (100, "close", {"disposition": "终本"}))
    assert facts_of(case).zhongben_ok is True and facts_of(case).in_period is None
    forced = replace(case, steps=case.steps - {"applicant_interview"})  # e.g. an imported case
    assert facts_of(forced).zhongben_ok is False
    open_case = run(flow, *steps)
    assert facts_of(open_case).net_days is None and facts_of(open_case).closed is None


def test_late_conclusion_misses_the_period(flow) -> None:
    case = run(flow, (1, "handler_assigned", {"officer_id": "O1"}),
               (200, "close", {"disposition": "executed_in_full", "how": "voluntary"}))
    assert facts_of(case).in_period is False  # 6 months ran out on 2026-09-02
    assert facts_of(replace(case, disposition=Disposition.TERMINATED)).in_period is None


# ---- incremental = full recomputation -----------------------------------------------------------

COURTS = (A, B, "210104", "2101")
DISPOSITIONS = ("executed_in_full", "zhongben", "terminated", "withdrawn", "not_enforced", "rejected")


def random_facts(rng: random.Random) -> CaseFacts:
    filed = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
    court = rng.choice(COURTS)
    return CaseFacts(
        court_id=court, team_id=rng.choice(("", f"{court}-T1", f"{court}-T2")),
        case_type=rng.choices(("first", "resumed", "preservation"), (8, 1, 1))[0],
        debtor_group=rng.choice(("natural_person", "for_profit", "non_profit", "unincorporated")),
        filed=filed, amount=round(rng.lognormvariate(10, 1.5), 2))


def closed(rng: random.Random, facts: CaseFacts) -> CaseFacts:
    disposition = rng.choice(DISPOSITIONS)
    in_full = disposition == "executed_in_full"
    return replace(
        facts, closed=facts.filed + timedelta(days=rng.randrange(400)), disposition=disposition,
        recovery=rng.choice(("voluntary", "coercion", "settlement")) if in_full else None,
        recovered=round(facts.amount * rng.random(), 2), paused_days=rng.randrange(30),
        in_period=rng.random() < 0.8 if in_full else None,
        zhongben_ok=rng.random() < 0.9 if disposition == "zhongben" else None)


def changed(rng: random.Random, facts: CaseFacts) -> CaseFacts:
    """One event's change: a team, a petition, a close, a reopening (再次变更), or nothing."""
    roll = rng.random()
    if roll < 0.2:
        return replace(facts, team_id=f"{facts.court_id}-T{rng.randint(1, 3)}")
    if roll < 0.3:
        month = (facts.filed + timedelta(days=rng.randrange(200))).strftime("%Y-%m")
        return replace(facts, petitions=tuple(sorted((*facts.petitions, (month, rng.random() < 0.7)))))
    if roll < 0.6:
        return closed(rng, facts)
    if roll < 0.7:
        return replace(facts, closed=None, disposition=None, recovery=None, recovered=0.0,
                       paused_days=0, in_period=None, zhongben_ok=None)
    return facts


FILTERS = [
    AnalyticsFilter(),
    AnalyticsFilter(start=date(2025, 1, 1), end=date(2025, 12, 31)),
    AnalyticsFilter(start=date(2025, 6, 3), court_ids=frozenset({A, B})),
    AnalyticsFilter(end=date(2025, 3, 1), debtor_group="for_profit", disposition="zhongben"),
    AnalyticsFilter(start=date(2024, 7, 1), end=date(2026, 1, 1), team_id=f"{A}-T1"),
    AnalyticsFilter(start=date(2025, 2, 1), case_type="resumed", court_ids=frozenset({"2101"})),
]
BYS = [("debtor_group", "disposition"), ("court_id",), ("how", "month"), ("team_id", "case_type"),
       ("court_id", "team_id", "debtor_group", "disposition", "how", "case_type", "month")]


@pytest.fixture(scope="module")
def random_caseload() -> tuple[Aggregates, list[CaseFacts]]:
    """3,000 cases, each through a random sequence of changes, applied as deltas (one in ten is
    withdrawn from the store again at the end: before = its facts, after = None)."""
    rng = random.Random(20261123)
    incremental, final = Aggregates(), []
    for _ in range(3000):
        facts = random_facts(rng)
        incremental.apply(None, facts)
        for _ in range(rng.randint(0, 6)):
            facts, before = changed(rng, facts), facts
            incremental.apply(before, facts)
        if rng.random() < 0.1:
            incremental.apply(facts, None)
        else:
            final.append(facts)
    return incremental, final


def test_incremental_aggregates_equal_a_scratch_rebuild(random_caseload) -> None:
    incremental, final = random_caseload
    scratch = Aggregates()
    for facts in final:
        scratch.apply(None, facts)
    assert_same_cells(incremental, scratch)
    assert_same_cells(aggregates_from_frame(facts_frame(final)), scratch)
    assert incremental.cases() == len(final)


@pytest.mark.parametrize("f", FILTERS)
def test_incremental_kpis_equal_pandas(random_caseload, f) -> None:
    incremental, final = random_caseload
    frames = facts_frame(final)
    assert_same_kpis(kpis(incremental, f), kpis_from_frame(frames, f))
    assert_same_rows(trend(incremental, f), trend_from_frame(frames, f))
    for by in BYS:
        assert_same_rows(breakdown(incremental, f, by), breakdown_from_frame(frames, f, by))
    for level in ("court", "team"):
        expected = ranking_rows(frame_tallies(frames, f, level_keys(level)))
        assert_same_rows(ranking(incremental, f, level), expected)


def assert_same_cells(one: Aggregates, other: Aggregates) -> None:
    left, right = one.snapshot(), other.snapshot()
    for dims in left:
        assert left[dims].keys() == right[dims].keys(), dims
        for slot, cells in left[dims].items():
            assert cells.keys() == right[dims][slot].keys(), (dims, slot)
            for key, cell in cells.items():
                assert cell == pytest.approx(right[dims][slot][key], rel=1e-9, abs=1e-6)


def assert_same_kpis(one: dict, other: dict) -> None:
    assert one.keys() == other.keys()
    for key, value in one.items():
        expected = other[key]
        if isinstance(expected, float):
            expected = pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert value == expected, key


def assert_same_rows(one: list[dict], other: list[dict]) -> None:
    assert len(one) == len(other)
    for left, right in zip(one, other, strict=True):
        assert_same_kpis(left, right)
