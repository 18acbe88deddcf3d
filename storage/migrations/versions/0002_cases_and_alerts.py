"""Cases, their events, alerts with their actions, and scores.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_no", sa.String(64), primary_key=True),
        sa.Column("court_id", sa.String(16), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("case_type", sa.String(16), nullable=False),
        sa.Column("debtor_type", sa.String(24), nullable=False),
        sa.Column("track", sa.String(12), nullable=False),
        utc("filed_at", False),
        utc("closed_at", True),
        sa.Column("disposition", sa.String(20), nullable=True),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("recovered", sa.Float, nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_index("ix_cases_court_id", "cases", ["court_id"])
    op.create_index("ix_cases_open", "cases", ["closed_at"])
    op.create_table(
        "case_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(64), sa.ForeignKey("cases.case_no"), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        utc("at", False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        utc("recorded_at", False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_case_events_case_no", "case_events", ["case_no"])
    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(64), sa.ForeignKey("cases.case_no"), nullable=False),
        sa.Column("court_id", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("node", sa.String(40), nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("reminder_days", sa.Integer, nullable=False),
        utc("due_at", True),
        utc("raised_at", False),
        sa.Column("escalation", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        utc("resolved_at", True),
        sa.UniqueConstraint("case_no", "node", "instance", "level", "reminder_days", "due_at",
                            name="uq_alerts_stage"),
    )
    op.create_index("ix_alerts_court_id", "alerts", ["court_id"])
    op.create_index("ix_alerts_raised", "alerts", ["raised_at"])
    op.create_table(
        "alert_actions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.BigInteger, nullable=True),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        utc("at", False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_alert_actions_alert_id", "alert_actions", ["alert_id"])
    op.create_index("ix_alert_actions_case_no", "alert_actions", ["case_no"])
    op.create_table(
        "scores",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("node", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        utc("at", False),
    )
    op.create_index("ix_scores_owner", "scores", ["owner"])


def downgrade() -> None:
    for table in ("scores", "alert_actions", "alerts", "case_events", "cases"):
        op.drop_table(table)
