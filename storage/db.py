"""Engines and migrations: one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from enforcement.errors import DomainError
from storage.schema import case_events, latest_positions

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(DomainError):
    """The store cannot be reached or migrated; the message says which URL and why."""

    code = "store_unavailable"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite gets WAL and a data directory, PostgreSQL uses psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (Alembic ``upgrade head``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate {engine.url!r}: {exc.__class__.__name__}: {exc}") from exc


def open_store_engine(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


def latest_instant(engine: Engine) -> datetime | None:
    """The newest instant the store has seen (a fix, a recorded case event): a restarted simulated
    clock resumes from here instead of running backwards over its own history."""
    with engine.connect() as conn:
        found = [conn.execute(select(func.max(latest_positions.c.at))).scalar(),
                 conn.execute(select(func.max(case_events.c.recorded_at))).scalar()]
    return max((f for f in found if f is not None), default=None)
