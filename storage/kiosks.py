"""Kiosk tokens (大屏令牌): a wall display's long-lived, read-only credential bound to one court.

A kiosk is a user named ``kiosk:<name>`` with the ``kiosk`` role and no usable password; its
tokens are ordinary bearer tokens that last days instead of hours, so every check that holds for
a token (expiry, revocation) holds for a kiosk too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from enforcement.credentials import digest, new_secret
from enforcement.errors import Conflict, InvalidInput, NotFound
from enforcement.model import Role
from storage.schema import tokens, users
from storage.times import aware

PREFIX = "kiosk:"
NO_PASSWORD = "!"  # matches no password: a kiosk never logs in with one
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Kiosk:
    """One kiosk token as listed: its id (for revoking), the display's name and court."""

    id: int
    name: str
    court_id: str | None
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedKiosk:
    kiosk: Kiosk
    token: str  # shown once, stored only as a digest


class KioskRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(self, name: str, *, court_id: str, days: int, now: datetime) -> IssuedKiosk:
        """A new token for display ``name`` (created on first use, bound to ``court_id``)."""
        name = _name(name)
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days must be 1–{MAX_DAYS}", field="days")
        token = new_secret()
        with self.engine.begin() as conn:
            user_id = self._kiosk_user(conn, name, court_id, now)
            token_id = conn.execute(tokens.insert().values(
                token_hash=digest(token), user_id=user_id, issued_at=now,
                expires_at=now + timedelta(days=days))).inserted_primary_key[0]
        return IssuedKiosk(self.get(token_id), token)

    def _kiosk_user(self, conn, name: str, court_id: str, now: datetime) -> int:  # noqa: ANN001
        row = conn.execute(select(users.c.id, users.c.role, users.c.court_id)
                           .where(users.c.username == PREFIX + name)).first()
        if row is None:
            return conn.execute(users.insert().values(
                username=PREFIX + name, password_hash=NO_PASSWORD, role=str(Role.KIOSK),
                court_id=court_id, disabled=False, created_at=now)).inserted_primary_key[0]
        if row.role != Role.KIOSK or row.court_id != court_id:
            raise Conflict(f"kiosk {name!r} exists for court {row.court_id}", field="name")
        return row.id

    def get(self, token_id: int) -> Kiosk:
        found = [k for k in self._select(tokens.c.id == token_id)]
        if not found:
            raise NotFound(f"no kiosk token {token_id}", field="id")
        return found[0]

    def all(self) -> list[Kiosk]:
        return self._select()

    def revoke(self, token_id: int, *, now: datetime) -> Kiosk:
        kiosk = self.get(token_id)
        if kiosk.revoked_at is None:
            with self.engine.begin() as conn:
                conn.execute(update(tokens).where(tokens.c.id == token_id).values(revoked_at=now))
        return self.get(token_id)

    def _select(self, *where) -> list[Kiosk]:  # noqa: ANN002 - SQL conditions
        query = (select(tokens.c.id, users.c.username, users.c.court_id, tokens.c.issued_at,
                        tokens.c.expires_at, tokens.c.revoked_at)
                 .join(users, users.c.id == tokens.c.user_id)
                 .where(users.c.role == str(Role.KIOSK), *where).order_by(tokens.c.id))
        with self.engine.connect() as conn:
            return [Kiosk(id=r.id, name=r.username.removeprefix(PREFIX), court_id=r.court_id,
                          issued_at=aware(r.issued_at), expires_at=aware(r.expires_at),
                          revoked_at=aware(r.revoked_at) if r.revoked_at else None)
                    for r in conn.execute(query)]


def _name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 48 or any(ord(ch) < 33 for ch in name):
        raise InvalidInput("a kiosk name is 1–48 characters without spaces", field="name")
    return name
