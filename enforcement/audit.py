"""The audit log's hash chain (全程留痕): each entry's hash covers its own fields and the hash of
the entry before it, so editing, deleting or reordering an entry breaks the chain from there on.

Pure: canonical serialisation, hashing and checking a sequence of entries; storing them is the
store's business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64  # the prev_hash of the first entry


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded write: who (actor, role, court), what (action on target), with what detail."""

    id: int
    at: datetime
    actor: str
    role: str | None
    court_id: str | None
    action: str
    target: str
    detail: str  # JSON text, hashed as stored
    prev_hash: str
    hash: str = ""


@dataclass(frozen=True, slots=True)
class Break:
    """Where a chain stops holding: the first entry that fails, and why."""

    entry_id: int
    reason: str


def detail_text(detail: Mapping[str, Any] | None) -> str:
    """The canonical JSON of an entry's detail (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), default=str)


def canonical(entry: AuditEntry) -> bytes:
    """Every field but the hash itself, as one canonical JSON document."""
    fields = {
        "id": entry.id, "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor, "role": entry.role, "court_id": entry.court_id,
        "action": entry.action, "target": entry.target, "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 (hex) over the canonical serialisation, which includes the previous hash."""
    return hashlib.sha256(canonical(entry)).hexdigest()


def first_break(entries: Iterable[AuditEntry], *, after: AuditEntry | None = None) -> Break | None:
    """The first entry, in id order, whose link or content does not hold; None when intact.

    ``after`` is the entry the sequence continues from (checking page by page)."""
    prev_id, prev_hash = (after.id, after.hash) if after else (0, GENESIS)
    for entry in entries:
        if entry.prev_hash != prev_hash:
            return Break(entry.id, "prev_hash does not match the entry before it "
                                   "(an entry was deleted, inserted or edited)")
        if entry.id != prev_id + 1:
            return Break(entry.id, f"entries {prev_id + 1}–{entry.id - 1} are missing")
        if entry_hash(entry) != entry.hash:
            return Break(entry.id, "its content no longer matches its hash (edited)")
        prev_id, prev_hash = entry.id, entry.hash
    return None
