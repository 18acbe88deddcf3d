"""The KPI facts kept beside each case row: written with every save, filled in by migration 0006 for
cases stored before it, and summed back by ``AnalyticsRepo`` into the same aggregates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, update

from enforcement.cases import Case, CaseType, Debtor, DebtorType
from enforcement.catalog import load_catalog
from enforcement.city import load_city
from enforcement.flow import Event, Flow
from enforcement.kpis import Aggregates, AnalyticsFilter, facts_of, kpis
from storage.analytics import AnalyticsRepo
from storage.cases import CaseRepo, RecordedEvent
from storage.db import MIGRATIONS, open_store_engine
from storage.reference import ReferenceRepo
from storage.schema import cases

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 3, 2, 10, tzinfo=CST)


@pytest.fixture
def engine(store_url: str):
    engine = open_store_engine(store_url)
    ReferenceRepo(engine).save_courts(load_city().courts)
    yield engine
    engine.dispose()


def stored_cases(engine) -> list[Case]:
    flow, repo, made = Flow(load_catalog()), CaseRepo(engine), []
    for n, kind in enumerate((DebtorType.NATURAL_PERSON, DebtorType.INDIVIDUAL_BUSINESS,
                              DebtorType.FOR_PROFIT)):
        case = flow.open_case(Case(f"（2026）辽0102执{n + 1}号", "210102", CaseType.FIRST, FILED,
                                   10_000.0 * (n + 1), (Debtor("某", kind),), team_id="210102-T1"))
        repo.create(case, RecordedEvent("filed", FILED, {}, "t"), recorded_at=FILED)
        if n:
            closed = flow.apply(case, Event("close", FILED + timedelta(days=20 * n), {
                "disposition": "executed_in_full", "how": "voluntary", "recovered": 5_000.0}))
            repo.save(closed, RecordedEvent("close", FILED, {}, "t"), recorded_at=FILED)
            case = closed
        made.append(case)
    return made


def loaded(engine) -> Aggregates:
    repo, aggs = AnalyticsRepo(engine), Aggregates()
    with repo.snapshot() as conn:
        for side, month, key, values in repo.cells(conn):
            aggs.add_cell(side, month, key, values)
    return aggs


def test_grouped_rows_rebuild_the_aggregates_of_the_facts(engine) -> None:
    made = stored_cases(engine)
    expected = Aggregates()
    for case in made:
        expected.apply(None, facts_of(case))
    assert loaded(engine).snapshot() == expected.snapshot()
    assert kpis(loaded(engine), AnalyticsFilter())["closed"] == 2


def test_migration_0006_fills_in_the_facts_of_cases_stored_before_it(engine) -> None:
    made = stored_cases(engine)
    with engine.begin() as conn:  # as if written before the facts were kept
        conn.execute(update(cases).values(filed_month=None, closed_month=None, net_days=None,
                                          recovery=None, paused_days=None))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
        command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(cases.c.case_no, cases.c.filed_month, cases.c.closed_month,
                                   cases.c.net_days, cases.c.recovery).order_by(cases.c.case_no)).all()
    assert [tuple(r) for r in rows] == [
        (c.case_no, "2026-03", facts_of(c).closed_month, facts_of(c).net_days, facts_of(c).recovery)
        for c in made]
