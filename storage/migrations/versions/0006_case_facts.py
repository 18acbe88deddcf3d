"""The KPI facts of each case beside its state, so analytics load with one GROUP BY.

Existing cases get their facts from their stored state, in batches.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    ("recovery", sa.String(12)), ("filed_month", sa.String(7)), ("closed_month", sa.String(7)),
    ("paused_days", sa.Integer()), ("net_days", sa.Integer()), ("in_period", sa.Boolean()),
    ("zhongben_ok", sa.Boolean()), ("petitions", sa.Text()),
)
BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("cases") as cases:
        for name, kind in COLUMNS:
            cases.add_column(sa.Column(name, kind, nullable=True))
    _fill_existing(op.get_bind())


def _fill_existing(conn: sa.Connection) -> None:
    """Derive the facts of the cases already stored from their state (the code of this revision)."""
    from enforcement.facts import facts_of
    from storage.cases import case_from_json, fact_columns
    from storage.schema import cases

    last = ""
    while True:
        rows = conn.execute(sa.select(cases.c.case_no, cases.c.state).where(cases.c.case_no > last)
                            .order_by(cases.c.case_no).limit(BATCH)).all()
        if not rows:
            return
        changes = [{"key": no} | fact_columns(facts_of(case_from_json(state))) for no, state in rows]
        conn.execute(sa.update(cases).where(cases.c.case_no == sa.bindparam("key")), changes)
        last = rows[-1][0]


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): rebuilding the table would trip the
    # foreign keys of case_events and alerts
    with op.batch_alter_table("cases", recreate="never") as cases:
        for name, _ in reversed(COLUMNS):
            cases.drop_column(name)
