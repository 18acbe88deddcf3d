"""The audit log (hash-chained), login attempts for lockout, and a rotated device key's grace.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=False),
        utc("at", False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("court_id", sa.String(16), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_table(
        "login_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        utc("at", False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
    )
    op.create_index("ix_login_attempts_username", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_address", "login_attempts", ["address", "at"])
    with op.batch_alter_table("units") as units:
        units.add_column(sa.Column("previous_key_hash", sa.String(64), nullable=True))
        units.add_column(utc("previous_key_until", True))


def downgrade() -> None:
    with op.batch_alter_table("units") as units:
        units.drop_column("previous_key_until")
        units.drop_column("previous_key_hash")
    op.drop_table("login_attempts")
    op.drop_table("audit_log")
