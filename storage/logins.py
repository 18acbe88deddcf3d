"""Login attempts, kept in the store so a lockout holds across every web process."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from storage.schema import login_attempts
from storage.times import aware

KEEP = timedelta(days=1)  # older attempts no longer matter to any window
OK, FAILED, REFUSED = "ok", "failed", "refused"


class LoginAttempts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, *, username: str, address: str, outcome: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(login_attempts.insert().values(
                at=at, username=username[:64], address=address[:64], outcome=outcome))
            conn.execute(delete(login_attempts).where(login_attempts.c.at < at - KEEP))

    def account_failures(self, username: str, *, since: datetime, limit: int) -> list[datetime]:
        """Failures of this username since ``since`` and since its last success, newest first."""
        name = username[:64]
        last_ok = select(func.max(login_attempts.c.at)).where(
            login_attempts.c.username == name, login_attempts.c.outcome == OK)
        with self.engine.connect() as conn:
            succeeded = conn.execute(last_ok).scalar()
        since = max(since, aware(succeeded)) if succeeded else since
        query = (select(login_attempts.c.at)
                 .where(login_attempts.c.username == name, login_attempts.c.outcome == FAILED,
                        login_attempts.c.at > since)
                 .order_by(login_attempts.c.at.desc()).limit(limit))
        return self._instants(query)

    def address_failures(self, address: str, *, since: datetime, limit: int) -> list[datetime]:
        """Failures from this client address since ``since``, newest first."""
        query = (select(login_attempts.c.at)
                 .where(login_attempts.c.address == address[:64],
                        login_attempts.c.outcome == FAILED, login_attempts.c.at > since)
                 .order_by(login_attempts.c.at.desc()).limit(limit))
        return self._instants(query)

    def _instants(self, query) -> list[datetime]:  # noqa: ANN001 - a select of one column
        with self.engine.connect() as conn:
            return [aware(at) for (at,) in conn.execute(query)]
