"""Dispatches: a field unit sent to a place, with its SLA and outcome.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dispatches",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(32), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("court_id", sa.String(16), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_ref", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        utc("created_at", False),
        sa.Column("band", sa.String(20), nullable=False),
        sa.Column("sla_min", sa.Integer, nullable=True),
        sa.Column("eta_min", sa.Float, nullable=False),
        sa.Column("distance_km", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sla_state", sa.String(12), nullable=False),
        utc("acknowledged_at", True),
        utc("arrived_at", True),
        utc("completed_at", True),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_index("ix_dispatches_unit_id", "dispatches", ["unit_id"])
    op.create_index("ix_dispatches_court_id", "dispatches", ["court_id"])


def downgrade() -> None:
    op.drop_table("dispatches")
