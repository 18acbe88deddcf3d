"""The audit log on SQLite and PostgreSQL: a linear hash chain, even with two writing processes,
that ``ecc audit verify`` checks — an edited or deleted row is named."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from dashboard.cli import run
from enforcement.audit import GENESIS, AuditEntry, entry_hash, first_break
from enforcement.clock import SimClock
from storage.audit import Actor, AuditLog, AuditQuery, acting_as
from storage.db import make_engine, open_store_engine


@pytest.fixture
def engine(store_url: str):
    engine = open_store_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine, clock) -> AuditLog:
    return AuditLog(engine, clock)


def fill(log: AuditLog, count: int = 5) -> None:
    for n in range(count):
        log.record("case.event", f"（2026）辽0102执{n}号", actor="duty", detail={"n": n, "名": "张"})


def write_entries(url: str, count: int, tag: str, start_at: float) -> int:
    """One writer process: its own engine and clock; from ``start_at`` (epoch seconds, so both
    writers start together whatever their start-up took), ``count`` entries as fast as it can."""
    engine = make_engine(url)
    log = AuditLog(engine, SimClock())
    with engine.connect():
        pass  # connected before the start
    time.sleep(max(0.0, start_at - time.time()))
    for n in range(count):
        log.record("test.write", f"{tag}-{n}", actor=tag)
    engine.dispose()
    return count


def sql(engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement))


# ---- the chain itself ---------------------------------------------------------------------------

def test_the_hash_covers_every_field_and_the_previous_hash(clock) -> None:
    entry = AuditEntry(id=1, at=clock.now(), actor="duty", role="duty", court_id="2101",
                       action="alert.ack", target="17", detail='{"note":"已联系"}',
                       prev_hash=GENESIS)
    digest = entry_hash(entry)
    assert len(digest) == 64 and digest == entry_hash(entry)
    for change in ({"actor": "leader"}, {"target": "18"}, {"detail": "{}"},
                   {"at": clock.now() + timedelta(microseconds=1)}, {"prev_hash": "1" * 64}):
        assert entry_hash(replace(entry, **change)) != digest


def test_a_fresh_log_is_intact_and_entries_chain(log) -> None:
    assert log.verify() == (0, None, GENESIS)
    fill(log, 5)
    checked, broken, head = log.verify()
    assert (checked, broken) == (5, None)
    entries, total = log.search(AuditQuery(limit=10))
    assert total == 5 and [e.id for e in entries] == [5, 4, 3, 2, 1]
    assert entries[-1].prev_hash == GENESIS and entries[0].hash == head
    assert all(a.prev_hash == b.hash for a, b in zip(entries, entries[1:], strict=False))
    assert first_break(reversed(entries)) is None


def test_the_request_context_names_role_court_and_address(log) -> None:
    with acting_as(Actor("li", "leader", "2101", "10.0.0.7")):
        chased = log.record("alert.chase", "9", actor="li")
        other = log.record("case.lock", "X", actor="system")
        unnamed = log.record("dispatch.ack", "3")
    assert (chased.role, chased.court_id, '"ip":"10.0.0.7"' in chased.detail) == (
        "leader", "2101", True)
    assert (other.actor, other.role) == ("system", None)
    assert (unnamed.actor, unnamed.role) == ("li", "leader")
    assert log.record("x.y", "z").actor == "system"


def test_search_by_actor_action_target_and_time(log, clock) -> None:
    log.record("auth.login", "zhang", actor="zhang")
    clock.advance(hours=1)
    log.record("alert.ack", "17", actor="zhang", detail={"case_no": "A"})
    log.record("dispatch.ack", "3", actor="unit:DB0001")
    clock.advance(hours=1)
    log.record("auth.logout", "zhang", actor="zhang")

    def found(**filters: object) -> list[str]:
        return [e.action for e in log.search(AuditQuery(**filters))[0]]

    assert found(actor="zhang") == ["auth.logout", "alert.ack", "auth.login"]
    assert found(actor="unit:*") == ["dispatch.ack"]
    assert found(action="auth.") == ["auth.logout", "auth.login"]
    assert found(target="zha") == ["auth.logout", "auth.login"]
    start = clock.now() - timedelta(hours=1)
    assert found(since=start, until=clock.now()) == ["dispatch.ack", "alert.ack"]
    assert found(limit=1, offset=1) == ["dispatch.ack"]
    assert log.actions() == ["alert.ack", "auth.login", "auth.logout", "dispatch.ack"]


# ---- tampering is found -------------------------------------------------------------------------

def test_an_edited_row_breaks_the_chain_at_that_row(engine, log) -> None:
    fill(log, 5)
    sql(engine, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3")
    checked, broken, _ = log.verify()
    assert (checked, broken.entry_id) == (2, 3) and "edited" in broken.reason


def test_rehashing_an_edited_row_breaks_the_next_link(engine, log) -> None:
    fill(log, 5)
    [third] = [e for e in log.search(AuditQuery())[0] if e.id == 3]
    forged = replace(third, target="forged")
    sql(engine, f"UPDATE audit_log SET target = 'forged', hash = '{entry_hash(forged)}' "
                "WHERE id = 3")
    assert log.verify()[1].entry_id == 4


@pytest.mark.parametrize(("deleted", "named"), [(3, 4), (1, 2)])
def test_a_deleted_row_is_found(engine, log, deleted: int, named: int) -> None:
    fill(log, 5)
    sql(engine, f"DELETE FROM audit_log WHERE id = {deleted}")
    assert log.verify()[1].entry_id == named


def test_ecc_audit_verify_exits_1_naming_the_row(engine, log, store_url: str,
                                                 capsys: pytest.CaptureFixture) -> None:
    fill(log, 4)
    assert run(["audit", "verify", "--db", store_url]) == 0
    assert "intact: 4 entries" in capsys.readouterr().out
    sql(engine, "UPDATE audit_log SET detail = '[]' WHERE id = 2")
    assert run(["audit", "verify", "--db", store_url]) == 1
    assert "entry 2" in capsys.readouterr().err


# ---- concurrent writers -------------------------------------------------------------------------

def test_two_processes_writing_at_once_keep_one_linear_chain(engine, store_url: str) -> None:
    per_writer = 150
    spawn = multiprocessing.get_context("spawn")
    start_at = time.time() + 4  # spawning and importing takes a couple of seconds
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        written = list(pool.map(write_entries, [store_url] * 2, [per_writer] * 2, ["A", "B"],
                                [start_at] * 2))
    assert written == [per_writer, per_writer]
    checked, broken, _ = AuditLog(engine, SimClock()).verify()
    assert (checked, broken) == (2 * per_writer, None)
    entries, _ = AuditLog(engine, SimClock()).search(AuditQuery(limit=500))
    assert {e.actor for e in entries} == {"A", "B"}
