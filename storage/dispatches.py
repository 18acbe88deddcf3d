"""Dispatches, and the unit's status moving with them, committed together."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update

from enforcement.dispatches import Dispatch, DispatchStatus, SlaState
from enforcement.errors import NotFound
from enforcement.model import UnitStatus
from enforcement.units import check_transition
from storage.schema import dispatches, units


def _row(dispatch: Dispatch) -> dict[str, Any]:
    row = asdict(dispatch)
    row.pop("id")
    return row | {"status": str(dispatch.status), "sla_state": str(dispatch.sla_state),
                  "outcome": orjson.dumps(dispatch.outcome).decode()}


def _dispatch(row: Any) -> Dispatch:
    values = dict(row)
    return Dispatch(**(values | {"status": DispatchStatus(values["status"]),
                                 "sla_state": SlaState(values["sla_state"]),
                                 "outcome": orjson.loads(values["outcome"])}))


class DispatchRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, dispatch: Dispatch, *, unit_status: UnitStatus | None) -> Dispatch:
        """Insert or update a dispatch and, in the same transaction, move its unit's status."""
        with self.engine.begin() as conn:
            if unit_status is not None:
                current = conn.execute(select(units.c.status).where(units.c.id == dispatch.unit_id)
                                       .with_for_update()).scalar()
                if current is None:
                    raise NotFound(f"no unit {dispatch.unit_id}", field="unit_id")
                check_transition(UnitStatus(current), unit_status)
                conn.execute(update(units).where(units.c.id == dispatch.unit_id)
                             .values(status=str(unit_status), status_changed_at=_changed_at(dispatch)))
            if dispatch.id is None:
                new_id = conn.execute(insert(dispatches).values(_row(dispatch))).inserted_primary_key[0]
                return replace(dispatch, id=new_id)
            conn.execute(update(dispatches).where(dispatches.c.id == dispatch.id)
                         .values(_row(dispatch)))
            return dispatch

    def get(self, dispatch_id: int) -> Dispatch:
        with self.engine.connect() as conn:
            row = conn.execute(select(dispatches).where(dispatches.c.id == dispatch_id)).mappings().first()
        if row is None:
            raise NotFound(f"no dispatch {dispatch_id}", field="id")
        return _dispatch(row)

    def active(self) -> list[Dispatch]:
        query = select(dispatches).where(dispatches.c.status.in_(
            [str(DispatchStatus.ASSIGNED), str(DispatchStatus.ACKNOWLEDGED)]))
        with self.engine.connect() as conn:
            return [_dispatch(r) for r in conn.execute(query).mappings()]

    def recent(self, court_ids: list[str], limit: int = 100) -> list[Dispatch]:
        query = (select(dispatches).where(dispatches.c.court_id.in_(court_ids))
                 .order_by(dispatches.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [_dispatch(r) for r in conn.execute(query).mappings()]


def _changed_at(dispatch: Dispatch):  # noqa: ANN202
    return dispatch.completed_at or dispatch.arrived_at or dispatch.acknowledged_at or \
        dispatch.created_at
