"""People and their credentials: users with roles, bearer tokens that expire and can be revoked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from enforcement.credentials import digest, hash_password, new_secret, verify_password
from enforcement.errors import AuthError, Conflict, InvalidInput, NotFound
from enforcement.model import Role
from storage.schema import tokens, users
from storage.times import aware


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user, their role and the court their scope starts at."""

    user_id: int
    username: str
    role: Role
    court_id: str | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    role: Role
    expires_at: datetime


class UserRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self, username: str, password: str, role: str, *, court_id: str | None, now: datetime
    ) -> int:
        if not username.strip():
            raise InvalidInput("username must not be empty", field="username")
        if len(password) < 8:
            raise InvalidInput("password needs at least 8 characters", field="password")
        row = {
            "username": username.strip(),
            "password_hash": hash_password(password),
            "role": str(_role(role)),
            "court_id": court_id,
            "disabled": False,
            "created_at": now,
        }
        try:
            with self.engine.begin() as conn:
                return conn.execute(users.insert().values(row)).inserted_primary_key[0]
        except IntegrityError as exc:
            raise Conflict(f"user {username!r} exists or court unknown", field="username") from exc

    def set_password(self, username: str, password: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(password_hash=hash_password(password))
            )

    def court_of(self, username: str) -> str | None:
        """The court a user is bound to (None: the whole city); NotFound for no such user."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users.c.court_id).where(users.c.username == username)).first()
        if row is None:
            raise NotFound(f"no user {username!r}", field="username")
        return row.court_id

    def exists(self, username: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(users.c.id).where(users.c.username == username))
            return found.first() is not None

    def issue_token(
        self, username: str, password: str, *, now: datetime, ttl: timedelta
    ) -> IssuedToken:
        """Check the password and hand out a fresh bearer token (wrong name or password: 401)."""
        with self.engine.begin() as conn:
            user = conn.execute(select(users).where(users.c.username == username)).mappings().first()
            if user is None or user["disabled"] or not verify_password(password, user["password_hash"]):
                raise AuthError("wrong username or password", field="password")
            token = new_secret()
            conn.execute(
                tokens.insert().values(
                    token_hash=digest(token), user_id=user["id"], issued_at=now, expires_at=now + ttl
                )
            )
        return IssuedToken(token=token, role=Role(user["role"]), expires_at=now + ttl)

    def resolve(self, token: str, *, now: datetime) -> Principal:
        """The principal behind a bearer token, or AuthError if it is unknown, expired or revoked."""
        query = (
            select(users, tokens.c.expires_at, tokens.c.revoked_at)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(tokens.c.token_hash == digest(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or row["revoked_at"] is not None or row["disabled"]:
            raise AuthError("unknown or revoked token", field="token")
        if aware(row["expires_at"]) <= now:
            raise AuthError("token expired", field="token")
        return Principal(row["id"], row["username"], Role(row["role"]), row["court_id"])

    def revoke(self, token: str, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(tokens).where(tokens.c.token_hash == digest(token)).values(revoked_at=now)
            )

    def revoke_all(self, username: str, *, now: datetime) -> int:
        """Revoke every live token of a user (a lost laptop, a leaver); returns how many."""
        owner = select(users.c.id).where(users.c.username == username).scalar_subquery()
        with self.engine.begin() as conn:
            if not conn.execute(select(users.c.id).where(users.c.username == username)).first():
                raise NotFound(f"no user {username!r}", field="username")
            done = conn.execute(update(tokens).where(tokens.c.user_id == owner,
                                                     tokens.c.revoked_at.is_(None),
                                                     tokens.c.expires_at > now)
                                .values(revoked_at=now))
        return done.rowcount


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {value!r} (one of {allowed})", field="role") from None
