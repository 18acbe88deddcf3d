"""The tables. Instants are stored as UTC; coordinates as WGS-84 degrees."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData()

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER keys


class UtcDateTime(TypeDecorator):
    """An instant stored as UTC and read back timezone-aware, whatever the database (SQLite keeps
    no offset, so an instant written with +08:00 would otherwise compare wrongly)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; give it an offset")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(
            timezone.utc)


def _utc(name: str, **kwargs: object) -> Column:
    return Column(name, UtcDateTime(), **kwargs)


courts = Table(
    "courts",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(128), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_id", String(16), ForeignKey("courts.id"), nullable=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("district", String(32), nullable=True),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("court_id", String(16), ForeignKey("courts.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
)

officers = Table(
    "officers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("court_id", String(16), ForeignKey("courts.id"), nullable=False, index=True),
    Column("team_id", String(32), ForeignKey("teams.id"), nullable=False),
    Column("name", String(32), nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("court_id", String(16), ForeignKey("courts.id"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),
    Column("officer_id", String(32), ForeignKey("officers.id"), nullable=True),
    Column("datum", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("device_key_hash", String(64), nullable=False),
    _utc("status_changed_at", nullable=True),
    Column("previous_key_hash", String(64), nullable=True),  # still accepted until …
    _utc("previous_key_until", nullable=True),  # … this instant (a rotation's grace period)
)

latest_positions = Table(
    "latest_positions",
    metadata,
    Column("unit_id", String(32), ForeignKey("units.id"), primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    _utc("at", nullable=False),
    _utc("received_at", nullable=False),
    Column("speed_kmh", Float),
    Column("heading", Float),
    Column("accuracy_m", Float),
    Column("battery_pct", Float),
)

positions = Table(
    "positions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_id", String(32), ForeignKey("units.id"), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    _utc("at", nullable=False),
    _utc("received_at", nullable=False),
    Column("speed_kmh", Float),
    Column("heading", Float),
    Column("altitude_m", Float),
    Column("accuracy_m", Float),
    Column("battery_pct", Float),
    Index("ix_positions_unit_at", "unit_id", "at"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("court_id", String(16), ForeignKey("courts.id"), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    _utc("created_at", nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    _utc("issued_at", nullable=False),
    _utc("expires_at", nullable=False),
    _utc("revoked_at", nullable=True),
)

cases = Table(
    "cases",
    metadata,
    Column("case_no", String(64), primary_key=True),
    Column("court_id", String(16), ForeignKey("courts.id"), nullable=False, index=True),
    Column("team_id", String(32), nullable=True),
    Column("case_type", String(16), nullable=False),
    Column("debtor_type", String(24), nullable=False),
    Column("track", String(12), nullable=False),
    _utc("filed_at", nullable=False),
    _utc("closed_at", nullable=True),
    Column("disposition", String(20), nullable=True),
    Column("amount", Float, nullable=False),
    Column("recovered", Float, nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", Text, nullable=False),  # the whole Case as JSON
    # the KPI facts (enforcement.facts), so analytics load with a GROUP BY, not a JSON parse:
    Column("recovery", String(12), nullable=True),  # how 执行完毕 came about
    Column("filed_month", String(7), nullable=True),  # "2026-03", local (Asia/Shanghai)
    Column("closed_month", String(7), nullable=True),
    Column("paused_days", Integer, nullable=True),
    Column("net_days", Integer, nullable=True),  # closed − filed − paused days; NULL while open
    Column("in_period", Boolean, nullable=True),  # 执行完毕 within the conclusion clock
    Column("zhongben_ok", Boolean, nullable=True),  # a 终本 closing that met every gate
    Column("petitions", Text, nullable=True),  # JSON [[month received, concluded], …]; NULL: none
    Index("ix_cases_open", "closed_at"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_no", String(64), ForeignKey("cases.case_no"), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    _utc("at", nullable=False),
    Column("payload", Text, nullable=False),
    Column("actor", String(64), nullable=True),
    _utc("recorded_at", nullable=False),
    Column("version", Integer, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_no", String(64), ForeignKey("cases.case_no"), nullable=False),
    Column("court_id", String(16), nullable=False, index=True),
    Column("team_id", String(32), nullable=True),
    Column("node", String(40), nullable=False),
    Column("instance", String(64), nullable=False),
    Column("level", String(12), nullable=False),
    Column("reminder_days", Integer, nullable=False),
    _utc("due_at", nullable=True),
    _utc("raised_at", nullable=False),
    Column("escalation", String(32), nullable=False),
    Column("owner", String(64), nullable=False),
    _utc("resolved_at", nullable=True),
    UniqueConstraint("case_no", "node", "instance", "level", "reminder_days", "due_at",
                     name="uq_alerts_stage"),
    Index("ix_alerts_raised", "raised_at"),
)

alert_actions = Table(  # 全程留痕: every acknowledgement, 督办, lock and unlock, with who and why
    "alert_actions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, nullable=True, index=True),
    Column("case_no", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("actor", String(64), nullable=False),
    _utc("at", nullable=False),
    Column("note", Text, nullable=False),
)

scores = Table(  # 前减后加: points moved from the owner who ran out of time to the next owner
    "scores",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_no", String(64), nullable=False),
    Column("node", String(40), nullable=False),
    Column("owner", String(64), nullable=False, index=True),
    Column("points", Integer, nullable=False),
    _utc("at", nullable=False),
)

dispatches = Table(
    "dispatches",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_id", String(32), ForeignKey("units.id"), nullable=False, index=True),
    Column("court_id", String(16), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),
    Column("target_ref", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    _utc("created_at", nullable=False),
    Column("band", String(20), nullable=False),
    Column("sla_min", Integer, nullable=True),
    Column("eta_min", Float, nullable=False),
    Column("distance_km", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sla_state", String(12), nullable=False),
    _utc("acknowledged_at", nullable=True),
    _utc("arrived_at", nullable=True),
    _utc("completed_at", nullable=True),
    Column("outcome", Text, nullable=False),
)

tips = Table(
    "tips",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    _utc("received_at", nullable=False),
    Column("channel", String(12), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("asset_kind", String(16), nullable=True),
    Column("description", Text, nullable=False),
    Column("caller_name", String(50), nullable=False),
    Column("caller_phone", String(32), nullable=False),
    Column("case_no", String(64), nullable=False),
    Column("debtor_name", String(100), nullable=False),
    Column("debtor_id_no", String(32), nullable=False),
    Column("address", String(200), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("place_resolved", Boolean, nullable=False),
    Column("district", String(32), nullable=True),
    Column("urgent", Boolean, nullable=False),
    Column("reward_claimed", Boolean, nullable=False),
    Column("status", String(12), nullable=False),
    Column("court_id", String(16), nullable=True, index=True),
    Column("linked_case_no", String(64), nullable=True),
    Column("decided_by", String(64), nullable=True),
    _utc("decided_at", nullable=True),
    Column("reason", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("repeat_of", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Index("ix_tips_received", "received_at"),
)

tip_events = Table(  # 全程留痕 for tips: taken, triaged, dispatched, closed — who and when
    "tip_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tip_id", BigInteger, nullable=False, index=True),
    Column("type", String(16), nullable=False),
    Column("actor", String(64), nullable=False),
    _utc("at", nullable=False),
    Column("note", Text, nullable=False),
)

audit_log = Table(  # 全程留痕: every write, hash-chained; the product never updates or deletes a row
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=False),  # 1, 2, 3…: given by the writer
    _utc("at", nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=True),
    Column("court_id", String(16), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", String(128), nullable=False),
    Column("detail", Text, nullable=False),  # JSON text, hashed as stored
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),  # the chain cannot fork
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor", "actor"),
)

login_attempts = Table(  # failed and refused logins: lockout and throttling work across processes
    "login_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    _utc("at", nullable=False),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("outcome", String(12), nullable=False),  # ok | failed | refused
    Index("ix_login_attempts_username", "username", "at"),
    Index("ix_login_attempts_address", "address", "at"),
)
