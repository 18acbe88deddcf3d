"""Alerts and what people did about them: raised once per stage, resolved when the node is done.

Every acknowledgement, 督办 (chase), lock and unlock is appended to ``alert_actions`` with who,
when and why; nothing here is ever updated in place except an alert's ``resolved_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update

from enforcement.errors import NotFound
from storage.schema import alert_actions, alerts, scores
from storage.times import aware
from storage.upsert import insert_for

StageKey = tuple[str, str, str, datetime | None]  # case_no, node, instance, due_at


@dataclass(frozen=True, slots=True)
class AlertQuery:
    as_of: datetime
    court_ids: Sequence[str] | None = None
    levels: Sequence[str] | None = None
    acknowledged: bool | None = None
    limit: int = 500


class AlertRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def raise_alert(self, row: dict[str, Any]) -> int | None:
        """Insert an alert; None if this stage of this clock was raised before (no duplicates)."""
        return self.raise_many([row])[0]

    def raise_many(self, rows: list[dict[str, Any]]) -> list[int | None]:
        """Insert alerts in one transaction; each id, or None where it was raised before."""
        with self.engine.begin() as conn:
            statement = insert_for(conn, alerts).on_conflict_do_nothing(
                index_elements=["case_no", "node", "instance", "level", "reminder_days", "due_at"]
            ).returning(alerts.c.id)
            return [conn.execute(statement.values(row)).scalar() for row in rows]

    def resolve(self, case_no: str, node: str, instance: str, at: datetime) -> list[int]:
        """Close the open alerts of a clock that is done; returns their ids."""
        where = and_(alerts.c.case_no == case_no, alerts.c.node == node,
                     alerts.c.instance == instance, alerts.c.resolved_at.is_(None))
        with self.engine.begin() as conn:
            ids = list(conn.execute(select(alerts.c.id).where(where)).scalars())
            if ids:
                conn.execute(update(alerts).where(alerts.c.id.in_(ids)).values(resolved_at=at))
        return ids

    def open_stages(self) -> dict[StageKey, tuple[str, int]]:
        """The newest unresolved (level, reminder) per clock: what the engine already announced."""
        query = select(alerts.c.case_no, alerts.c.node, alerts.c.instance, alerts.c.due_at,
                       alerts.c.level, alerts.c.reminder_days).where(
            alerts.c.resolved_at.is_(None)).order_by(alerts.c.raised_at, alerts.c.id)
        found: dict[StageKey, tuple[str, int]] = {}
        with self.engine.connect() as conn:
            for case_no, node, instance, due, level, reminder in conn.execute(query):
                found[(case_no, node, instance, aware(due) if due else None)] = (level, reminder)
        return found

    def get(self, alert_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().first()
        if row is None:
            raise NotFound(f"no alert {alert_id}", field="id")
        return _aware_row(row)

    def record_action(self, *, alert_id: int | None, case_no: str, action: str, actor: str,
                      at: datetime, note: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(alert_actions).values(alert_id=alert_id, case_no=case_no,
                                                      action=action, actor=actor, at=at, note=note))

    def actions(self, case_no: str) -> list[dict[str, Any]]:
        query = select(alert_actions).where(alert_actions.c.case_no == case_no).order_by(
            alert_actions.c.id)
        with self.engine.connect() as conn:
            return [_aware_row(r) for r in conn.execute(query).mappings()]

    def as_of(self, query: AlertQuery) -> list[dict[str, Any]]:
        """Alerts as they stood at ``query.as_of``: per clock its newest stage raised by then,
        unless the clock was done by then; newest and most severe first."""
        newest = select(
            alerts, func.row_number().over(
                partition_by=(alerts.c.case_no, alerts.c.node, alerts.c.instance, alerts.c.due_at),
                order_by=(alerts.c.raised_at.desc(), alerts.c.id.desc())).label("rank"),
        ).where(alerts.c.raised_at <= query.as_of)
        if query.court_ids is not None:
            newest = newest.where(alerts.c.court_id.in_(query.court_ids))
        ranked = newest.subquery()
        standing = select(ranked).where(
            ranked.c.rank == 1,
            or_(ranked.c.resolved_at.is_(None), ranked.c.resolved_at > query.as_of))
        if query.levels:
            standing = standing.where(ranked.c.level.in_(query.levels))
        standing = standing.order_by(ranked.c.raised_at.desc()).limit(query.limit)
        with self.engine.connect() as conn:
            rows = [_aware_row(r) for r in conn.execute(standing).mappings()]
            acks = self._acks(conn, [r["id"] for r in rows], query.as_of)
        for row in rows:
            row["acknowledged"] = acks.get(row["id"])
        if query.acknowledged is not None:
            rows = [r for r in rows if (r["acknowledged"] is not None) == query.acknowledged]
        return rows

    def _acks(self, conn, ids: list[int], as_of: datetime) -> dict[int, dict[str, Any]]:  # noqa: ANN001
        if not ids:
            return {}
        query = select(alert_actions).where(alert_actions.c.alert_id.in_(ids),
                                            alert_actions.c.action == "ack",
                                            alert_actions.c.at <= as_of)
        return {r["alert_id"]: {"by": r["actor"], "at": aware(r["at"]).isoformat(),
                                "note": r["note"]} for r in conn.execute(query).mappings()}

    def add_scores(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(scores), rows)

    def score_totals(self) -> dict[str, int]:
        query = select(scores.c.owner, func.sum(scores.c.points)).group_by(scores.c.owner)
        with self.engine.connect() as conn:
            return {owner: int(total) for owner, total in conn.execute(query)}


def _aware_row(row) -> dict[str, Any]:  # noqa: ANN001
    out = dict(row)
    out.pop("rank", None)
    for key in ("due_at", "raised_at", "resolved_at", "at"):
        if out.get(key) is not None:
            out[key] = aware(out[key])
    return out
