"""Tips and their event log, written together; the day's numbers read straight from them."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, insert, select, update

from enforcement.errors import NotFound
from enforcement.tips import AssetKind, Channel, Tip, TipKind, TipStatus
from storage.schema import dispatches, tip_events, tips


def _row(tip: Tip) -> dict[str, Any]:
    row = asdict(tip)
    row.pop("id")
    return row | {"channel": str(tip.channel), "kind": str(tip.kind),
                  "asset_kind": str(tip.asset_kind) if tip.asset_kind else None,
                  "status": str(tip.status), "repeat_of": orjson.dumps(list(tip.repeat_of)).decode(),
                  "outcome": orjson.dumps(tip.outcome).decode()}


def _tip(row: Any) -> Tip:
    values = dict(row)
    return Tip(**(values | {
        "channel": Channel(values["channel"]), "kind": TipKind(values["kind"]),
        "asset_kind": AssetKind(values["asset_kind"]) if values["asset_kind"] else None,
        "status": TipStatus(values["status"]),
        "repeat_of": tuple(orjson.loads(values["repeat_of"])),
        "outcome": orjson.loads(values["outcome"])}))


class TipRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, tip: Tip, *, event: str, actor: str, at: datetime, note: str = "") -> Tip:
        """Insert or update a tip with the event that changed it, in one transaction."""
        with self.engine.begin() as conn:
            if tip.id is None:
                tip_id = conn.execute(insert(tips).values(_row(tip))).inserted_primary_key[0]
                tip = replace(tip, id=tip_id)
            else:
                conn.execute(update(tips).where(tips.c.id == tip.id).values(_row(tip)))
            conn.execute(insert(tip_events).values(tip_id=tip.id, type=event, actor=actor, at=at,
                                                   note=note))
        return tip

    def get(self, tip_id: int) -> Tip:
        with self.engine.connect() as conn:
            row = conn.execute(select(tips).where(tips.c.id == tip_id)).mappings().first()
        if row is None:
            raise NotFound(f"no tip {tip_id}", field="id")
        return _tip(row)

    def recent(self, *, since: datetime, court_ids: list[str] | None, limit: int = 200,
               status: str | None = None) -> list[Tip]:
        query = select(tips).where(tips.c.received_at >= since)
        if court_ids is not None:
            query = query.where(tips.c.court_id.in_(court_ids) | tips.c.court_id.is_(None))
        if status:
            query = query.where(tips.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(tips.c.id.desc()).limit(limit)).mappings()
            return [_tip(r) for r in rows]

    def events(self, tip_id: int) -> list[dict[str, Any]]:
        query = select(tip_events).where(tip_events.c.tip_id == tip_id).order_by(tip_events.c.id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def window(self, *, since: datetime, until: datetime,
               court_ids: list[str] | None) -> tuple[list[Tip], list[dict[str, Any]]]:
        """The tips received in a window, and the dispatches made for tips in it."""
        query = select(tips).where(tips.c.received_at >= since, tips.c.received_at <= until)
        sent = select(dispatches).where(dispatches.c.target_kind == "tip",
                                        dispatches.c.created_at >= since,
                                        dispatches.c.created_at <= until)
        if court_ids is not None:
            query = query.where(tips.c.court_id.in_(court_ids) | tips.c.court_id.is_(None))
            sent = sent.where(dispatches.c.court_id.in_(court_ids))
        with self.engine.connect() as conn:
            found = [_tip(r) for r in conn.execute(query).mappings()]
            made = [dict(r) for r in conn.execute(sent).mappings()]
        return found, made

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(tips)).scalar_one()
