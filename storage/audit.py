"""The audit log (全程留痕): append-only, hash-chained, written one entry at a time.

Writers are serialised so the chain stays linear across threads and processes: on SQLite the
transaction starts with ``BEGIN IMMEDIATE`` (the database's write lock), on PostgreSQL it takes a
transaction-scoped advisory lock; the last hash is read inside that transaction. A unique
``prev_hash`` makes a fork impossible even if a writer bypassed the lock.

Who is acting travels in a context variable set by the web edge (``acting_as``), so a desk that
knows only a username still records the role, court and client address of the request.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from enforcement.audit import GENESIS, AuditEntry, Break, detail_text, entry_hash, first_break
from enforcement.clock import Clock
from storage.schema import audit_log
from storage.times import aware

ADVISORY_LOCK_KEY = 0x0ECC_A0D1  # pg_advisory_xact_lock key of the audit writer
VERIFY_PAGE = 2000  # entries read per round trip while verifying
MAX_PAGE = 500  # entries per search page


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a username (or ``system``, ``unit:…``, ``cli:…``) with role, court, address."""

    name: str
    role: str | None = None
    court_id: str | None = None
    address: str | None = None


SYSTEM = Actor("system")
_current: ContextVar[Actor | None] = ContextVar("ecc_audit_actor", default=None)


def set_actor(actor: Actor) -> Token:
    return _current.set(actor)


def reset_actor(token: Token) -> None:
    _current.reset(token)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = set_actor(actor)
    try:
        yield actor
    finally:
        reset_actor(token)


def current_actor() -> Actor | None:
    return _current.get()


def cli_actor() -> Actor:
    """The operator at the command line, named by their login."""
    try:
        return Actor(f"cli:{getpass.getuser()}"[:64])
    except (KeyError, OSError):
        return Actor("cli")


@dataclass(frozen=True, slots=True)
class AuditQuery:
    actor: str | None = None  # exact username, or a prefix ending in ``*``
    action: str | None = None  # exact, or a prefix ending in ``.`` (``auth.``)
    target: str | None = None  # a substring of the target
    since: datetime | None = None
    until: datetime | None = None
    offset: int = 0
    limit: int = 50


class Silent:
    """Records nothing: the audit log of a desk built outside a center (unit tests, benches)."""

    def record(self, action: str, target: str = "", *, actor: str | Actor | None = None,
               detail: Mapping[str, Any] | None = None) -> None:
        return None


class AuditLog:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def record(self, action: str, target: str = "", *, actor: str | Actor | None = None,
               detail: Mapping[str, Any] | None = None) -> AuditEntry:
        """Append one entry; call it after the write it describes has committed."""
        who = _who(actor)
        extra = {"ip": who.address} if who.address else {}
        with self.engine.begin() as conn:
            _serialise(conn)
            last = conn.execute(select(audit_log.c.id, audit_log.c.hash)
                                .order_by(audit_log.c.id.desc()).limit(1)).first()
            entry = AuditEntry(
                id=(last.id if last else 0) + 1, at=self.clock.now(), actor=who.name[:64],
                role=who.role, court_id=who.court_id, action=action[:40], target=str(target)[:128],
                detail=detail_text(dict(detail or {}) | extra),
                prev_hash=last.hash if last else GENESIS)
            entry = replace(entry, hash=entry_hash(entry))
            conn.execute(audit_log.insert().values(_row(entry)))
        return entry

    def verify(self) -> tuple[int, Break | None, str]:
        """Walk the whole chain page by page: (entries checked, first break or None, head hash)."""
        checked, previous = 0, None
        while page := self._page_after(previous.id if previous else 0):
            broken = first_break(page, after=previous)
            if broken:
                good = next(n for n, entry in enumerate(page) if entry.id == broken.entry_id)
                return checked + good, broken, ""
            checked, previous = checked + len(page), page[-1]
        return checked, None, previous.hash if previous else GENESIS

    def _page_after(self, entry_id: int) -> list[AuditEntry]:
        query = (select(audit_log).where(audit_log.c.id > entry_id)
                 .order_by(audit_log.c.id).limit(VERIFY_PAGE))
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query).mappings()]

    def search(self, query: AuditQuery) -> tuple[list[AuditEntry], int]:
        """Newest first, one page; with the number of entries that match in all."""
        where = _conditions(query)
        page = (select(audit_log).where(*where).order_by(audit_log.c.id.desc())
                .offset(max(0, query.offset)).limit(max(1, min(query.limit, MAX_PAGE))))
        total = select(func.count()).select_from(audit_log).where(*where)
        with self.engine.connect() as conn:
            return ([_entry(r) for r in conn.execute(page).mappings()],
                    conn.execute(total).scalar_one())

    def actions(self) -> list[str]:
        with self.engine.connect() as conn:
            found = conn.execute(select(audit_log.c.action).distinct().order_by(audit_log.c.action))
            return [a for (a,) in found]


def _who(actor: str | Actor | None) -> Actor:
    """An explicit actor wins; the request's context fills in role, court and address when it is
    the same person (or names the actor when the desk did not)."""
    context = current_actor()
    if isinstance(actor, Actor):
        return actor
    if actor is None:
        return context or SYSTEM
    if context is not None and context.name == actor:
        return context
    return Actor(actor)


def _serialise(conn: Connection) -> None:
    """Hold the single-writer lock for the rest of this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _conditions(query: AuditQuery) -> list[Any]:
    where: list[Any] = []
    if query.actor:
        actor = query.actor.strip()
        where.append(audit_log.c.actor.startswith(actor[:-1], autoescape=True)
                     if actor.endswith("*") else audit_log.c.actor == actor)
    if query.action:
        action = query.action.strip()
        where.append(audit_log.c.action.startswith(action, autoescape=True)
                     if action.endswith(".") else audit_log.c.action == action)
    if query.target:
        where.append(audit_log.c.target.contains(query.target.strip(), autoescape=True))
    if query.since:
        where.append(audit_log.c.at >= query.since)
    if query.until:
        where.append(audit_log.c.at < query.until)
    return where


def _row(entry: AuditEntry) -> dict[str, Any]:
    return asdict(entry)


def _entry(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(id=row["id"], at=aware(row["at"]), actor=row["actor"], role=row["role"],
                      court_id=row["court_id"], action=row["action"], target=row["target"],
                      detail=row["detail"], prev_hash=row["prev_hash"], hash=row["hash"])


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API and the audit page show it."""
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor, "role": entry.role,
            "court_id": entry.court_id, "action": entry.action, "target": entry.target,
            "detail": json.loads(entry.detail), "prev_hash": entry.prev_hash, "hash": entry.hash}
