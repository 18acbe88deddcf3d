"""Foundation: courts, teams, officers, units, positions, users, tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "courts",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(16), sa.ForeignKey("courts.id"), nullable=True),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("district", sa.String(32), nullable=True),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("court_id", sa.String(16), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_teams_court_id", "teams", ["court_id"])
    op.create_table(
        "officers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("court_id", sa.String(16), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
    )
    op.create_index("ix_officers_court_id", "officers", ["court_id"])
    op.create_table(
        "units",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("court_id", sa.String(16), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("officer_id", sa.String(32), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("datum", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("device_key_hash", sa.String(64), nullable=False),
        utc("status_changed_at", True),
    )
    op.create_index("ix_units_court_id", "units", ["court_id"])
    op.create_table(
        "latest_positions",
        sa.Column("unit_id", sa.String(32), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        utc("at", False),
        utc("received_at", False),
        sa.Column("speed_kmh", sa.Float),
        sa.Column("heading", sa.Float),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("battery_pct", sa.Float),
    )
    op.create_table(
        "positions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(32), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        utc("at", False),
        utc("received_at", False),
        sa.Column("speed_kmh", sa.Float),
        sa.Column("heading", sa.Float),
        sa.Column("altitude_m", sa.Float),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("battery_pct", sa.Float),
    )
    op.create_index("ix_positions_unit_at", "positions", ["unit_id", "at"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("court_id", sa.String(16), sa.ForeignKey("courts.id"), nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        utc("created_at", False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        utc("issued_at", False),
        utc("expires_at", False),
        utc("revoked_at", True),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])


def downgrade() -> None:
    for table in ("tokens", "users", "positions", "latest_positions", "units", "officers",
                  "teams", "courts"):
        op.drop_table(table)
