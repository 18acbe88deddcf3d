"""Tips from the 24-hour line and their event log.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tips",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        utc("received_at", False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("asset_kind", sa.String(16), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("caller_name", sa.String(50), nullable=False),
        sa.Column("caller_phone", sa.String(32), nullable=False),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("debtor_name", sa.String(100), nullable=False),
        sa.Column("debtor_id_no", sa.String(32), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("place_resolved", sa.Boolean, nullable=False),
        sa.Column("district", sa.String(32), nullable=True),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("reward_claimed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("court_id", sa.String(16), nullable=True),
        sa.Column("linked_case_no", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        utc("decided_at", True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("repeat_of", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_index("ix_tips_court_id", "tips", ["court_id"])
    op.create_index("ix_tips_received", "tips", ["received_at"])
    op.create_table(
        "tip_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tip_id", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        utc("at", False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_tip_events_tip_id", "tip_events", ["tip_id"])


def downgrade() -> None:
    op.drop_table("tip_events")
    op.drop_table("tips")
