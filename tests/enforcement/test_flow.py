"""The case flow: which clocks events start and stop, pauses, and the gates of 程序自控."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from enforcement.cases import Case, CaseType, Debtor, DebtorType, Disposition
from enforcement.catalog import load_catalog
from enforcement.errors import Conflict, InvalidInput
from enforcement.flow import Event, Flow, GateRefused

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 3, 2, 10, 0, tzinfo=CST)  # a Monday


@pytest.fixture(scope="module")
def flow() -> Flow:
    return Flow(load_catalog())


def make_case(flow: Flow, **overrides: object) -> Case:
    fields = {"case_no": "（2026）辽0102执1号", "court_id": "210102",
              "case_type": CaseType.FIRST, "filed_at": FILED, "amount": 80_000.0,
              "debtors": (Debtor("王某", DebtorType.NATURAL_PERSON),)} | overrides
    return flow.open_case(Case(**fields))


def at(days: float, hour: int = 10) -> datetime:
    return (FILED + timedelta(days=days)).replace(hour=hour)


def ev(event_type: str, when: datetime, **data: object) -> Event:
    return Event(event_type, when, data)


def run(flow: Flow, case: Case, *events: Event) -> Case:
    for event in events:
        case = flow.apply(case, event)
    return case


def open_nodes(case: Case) -> set[str]:
    return {c.node for c in case.open_clocks()}


def test_filing_starts_the_filing_clocks(flow) -> None:
    case = make_case(flow)
    assert open_nodes(case) == {"assign_handler", "execution_notice_legal", "network_query",
                                "conclusion", "higher_court_right"}
    # filed Monday 2026-03-02: 7 days → end of Monday 03-09 (local) = 03-09T16:00Z
    assert case.clock("assign_handler").due_at == datetime(2026, 3, 9, 16, tzinfo=timezone.utc)
    # 6 months → 2026-09-02 (a Wednesday), end of day
    assert case.clock("conclusion").due_at == datetime(2026, 9, 2, 16, tzinfo=timezone.utc)


def test_non_litigation_and_preservation_cases(flow) -> None:
    non_litigation = make_case(flow, non_litigation=True)
    assert non_litigation.clock("conclusion").due_at == datetime(2026, 6, 2, 16, tzinfo=timezone.utc)
    preservation = make_case(flow, case_type=CaseType.PRESERVATION)
    assert "conclusion" not in open_nodes(preservation)


def test_handler_assigned_ends_one_clock_and_starts_three(flow) -> None:
    case = run(flow, make_case(flow), ev("handler_assigned", at(2), officer_id="O1"))
    assert case.clock("assign_handler").done_at == at(2)
    assert {"execution_notice", "ask_leads", "investigation_done"} <= open_nodes(case)
    # handler assigned Wednesday 03-04: 3 days → Saturday 03-07, a rest day → Monday 03-09
    assert case.clock("execution_notice").due_at == datetime(2026, 3, 9, 16, tzinfo=timezone.utc)


def test_notice_done_also_ends_the_statutory_outer_limit(flow) -> None:
    case = run(flow, make_case(flow), ev("handler_assigned", at(1), officer_id="O1"),
               ev("node_done", at(2), node="execution_notice"))
    assert not {"execution_notice", "execution_notice_legal"} & open_nodes(case)
    assert "notice" in case.steps


def test_leads_and_measures_run_one_clock_each(flow) -> None:
    case = run(flow, make_case(flow),
               ev("lead_received", at(3), lead_id="L1", urgent=True),
               ev("lead_received", at(3), lead_id="L2"),
               ev("measure", at(4), measure_id="M1", kind="freeze", asset="deposit"),
               ev("measure", at(4), measure_id="M2", kind="seize", asset="real_estate"))
    assert case.clock("verify_lead", "L1").variant == "urgent"
    assert (case.clock("verify_lead", "L1").due_at
            < case.clock("verify_lead", "L2").due_at)
    deposit, house = case.clock("seizure_expiry", "M1"), case.clock("seizure_expiry", "M2")
    assert deposit.due_at.year == 2027 and house.due_at.year == 2029
    assert case.clock("reference_price_start", "M2") is not None
    assert case.clock("reference_price_start", "M1") is None  # a freeze is not a seizure


def test_renewing_a_seizure_restarts_its_clock(flow) -> None:
    case = run(flow, make_case(flow),
               ev("measure", at(4), measure_id="M1", kind="freeze", asset="deposit"),
               ev("measure_renewed", at(300), measure_id="M1"))
    clocks = [c for c in case.clocks if c.key == ("seizure_expiry", "M1")]
    assert len(clocks) == 2 and clocks[0].done_at == at(300) and clocks[1].open


def test_a_pause_stops_the_conclusion_clock_and_moves_it(flow) -> None:
    case = run(flow, make_case(flow), ev("pause", at(10), reason="评估"))
    assert case.clock("conclusion").due_at is None  # paused
    case = run(flow, case, ev("resume", at(40), reason="appraisal"))
    # 30 paused days: 2026-09-02 + 30 = 10-02, inside the National Day holiday → 10-08
    assert case.clock("conclusion").due_at == datetime(2026, 10, 8, 16, tzinfo=timezone.utc)
    assert case.clock("network_query").due_at is not None  # not pausable


def test_unknown_events_and_fields_are_named(flow) -> None:
    case = make_case(flow)
    with pytest.raises(InvalidInput) as unknown:
        flow.apply(case, ev("teleport", at(1)))
    assert unknown.value.field == "type"
    with pytest.raises(InvalidInput) as missing:
        flow.apply(case, ev("measure", at(1), measure_id="M1", kind="freeze"))
    assert missing.value.field == "asset"
    with pytest.raises(InvalidInput) as reason:
        flow.apply(case, ev("pause", at(1), reason="lunch"))
    assert reason.value.field == "reason"
    with pytest.raises(InvalidInput):
        flow.apply(case, ev("node_done", FILED - timedelta(days=1), node="network_query"))


def ready_for_zhongben(flow: Flow) -> Case:
    return run(flow, make_case(flow),
               ev("handler_assigned", at(1), officer_id="O1"),
               ev("node_done", at(2), node="execution_notice"),
               ev("node_done", at(3), node="network_query"),
               ev("node_done", at(20), node="investigation_done"),
               ev("action", at(21), step="consumption_restriction"),
               ev("action", at(21), step="dishonest_listing"),
               ev("action", at(60), step="applicant_interview"))


def test_zhongben_needs_three_months_and_every_step(flow) -> None:
    bare = make_case(flow)
    with pytest.raises(GateRefused) as refused:
        flow.apply(bare, ev("close", at(100), disposition="终本"))
    assert set(refused.value.gates) == {"notice_sent", "consumption_restricted", "dishonest_listed",
                                        "investigation_exhausted", "applicant_interviewed"}
    ready = ready_for_zhongben(flow)
    with pytest.raises(GateRefused) as early:
        flow.apply(ready, ev("close", at(80), disposition="zhongben"))
    assert early.value.gates == ["three_months"]
    closed = flow.apply(ready, ev("close", at(95), disposition="zhongben"))
    assert closed.disposition == Disposition.ZHONGBEN
    assert open_nodes(closed) == {"zhongben_requery", "dishonest_listing"}


def test_an_unverified_lead_blocks_zhongben(flow) -> None:
    case = run(flow, ready_for_zhongben(flow), ev("lead_received", at(70), lead_id="L9"))
    with pytest.raises(GateRefused) as refused:
        flow.apply(case, ev("close", at(95), disposition="zhongben"))
    assert refused.value.gates == ["investigation_exhausted"]


def test_no_closing_while_property_is_in_disposal_or_funds_unpaid(flow) -> None:
    case = run(flow, make_case(flow),
               ev("measure", at(4), measure_id="M1", kind="seize", asset="real_estate"),
               ev("funds_received", at(30), amount=5000))
    with pytest.raises(GateRefused) as refused:
        flow.apply(case, ev("close", at(40), disposition="执行完毕", how="coercion"))
    assert refused.value.gates == ["no_disposal_pending", "funds_paid_out"]
    case = run(flow, case, ev("measure_released", at(35), measure_id="M1"),
               ev("funds_paid", at(36), amount=5000))
    closed = flow.apply(case, ev("close", at(40), disposition="执行完毕", how="coercion",
                                 recovered=5000))
    assert closed.closed and closed.recovered == 5000 and not closed.open_clocks()


def test_paying_out_more_than_received_is_refused(flow) -> None:
    case = run(flow, make_case(flow), ev("funds_received", at(5), amount=100))
    with pytest.raises(Conflict) as refused:
        flow.apply(case, ev("funds_paid", at(6), amount=150))
    assert refused.value.field == "amount"


def test_a_suspended_case_cannot_close(flow) -> None:
    case = run(flow, make_case(flow), ev("pause", at(5), reason="中止"))
    with pytest.raises(GateRefused) as refused:
        flow.apply(case, ev("close", at(6), disposition="withdrawn"))
    assert refused.value.gates == ["not_paused"]


def test_executed_in_full_needs_how(flow) -> None:
    with pytest.raises(InvalidInput) as missing:
        flow.apply(make_case(flow), ev("close", at(6), disposition="executed_in_full"))
    assert missing.value.field == "how"


def test_a_locked_case_refuses_everything_until_unlocked(flow) -> None:
    locked = flow.lock(make_case(flow), at(20))
    with pytest.raises(GateRefused) as refused:
        flow.apply(locked, ev("handler_assigned", at(21), officer_id="O1"))
    assert refused.value.gates == ["locked"]
    unlocked = flow.unlock(locked)
    assert flow.apply(unlocked, ev("handler_assigned", at(21), officer_id="O1")).handler_id == "O1"


def test_a_closed_case_refuses_events(flow) -> None:
    closed = flow.apply(make_case(flow), ev("close", at(6), disposition="withdrawn"))
    with pytest.raises(GateRefused) as refused:
        flow.apply(closed, ev("funds_received", at(7), amount=1))
    assert refused.value.gates == ["closed"]


def test_every_event_bumps_the_version(flow) -> None:
    case = make_case(flow)
    assert run(flow, case, ev("handler_assigned", at(1), officer_id="O1")).version == case.version + 1


def test_a_preservation_case_keeps_property_safe_and_nothing_more(flow) -> None:
    case = run(flow, make_case(flow, case_type=CaseType.PRESERVATION),
               ev("handler_assigned", at(1), officer_id="O1"),
               ev("measure", at(1), measure_id="M1", kind="seize", asset="real_estate"))
    assert open_nodes(case) == {"network_query", "seizure_expiry"}


def test_listing_an_auction_ends_the_start_of_sale_clock(flow) -> None:
    case = run(flow, make_case(flow),
               ev("measure", at(4), measure_id="M1", kind="seize", asset="real_estate"),
               ev("appraisal_commissioned", at(10)), ev("price_fixed", at(40)),
               ev("auction_scheduled", at(45)))
    assert not {"sale_start", "appraisal_report", "reference_price_start"} & open_nodes(case)
