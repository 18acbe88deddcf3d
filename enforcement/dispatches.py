"""A dispatch (派单): one field unit sent to one place, against the clock of the rapid-response rule.

Lifecycle: assigned → acknowledged → arrived → completed; assigned or acknowledged → cancelled.
Arrival is detected by a geofence around the target (or reported by the officer). The SLA clock
(Shenyang practice: 1 hour inside the unit's own district in working hours, 2 hours within 60 km)
warns before it runs out and marks a breach when it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from enforcement.errors import Conflict, InvalidInput

ARRIVAL_RADIUS_M = 150.0  # a fix this close to the target counts as arrival
SLA_WARNING = timedelta(minutes=15)  # warn this long before the SLA runs out
MEASURES = ("detention", "search", "seizure", "impound", "freeze", "settlement", "summons", "other")
MEASURE_LABELS = {"detention": "拘留", "search": "搜查", "seizure": "查封", "impound": "扣押车辆",
                  "freeze": "冻结", "settlement": "达成和解", "summons": "传唤", "other": "其他"}
TARGET_KINDS = ("tip", "case", "incident")


class DispatchStatus(StrEnum):
    ASSIGNED = "assigned"  # 已派单
    ACKNOWLEDGED = "acknowledged"  # 已接单
    ARRIVED = "arrived"  # 已到场
    COMPLETED = "completed"  # 已处置
    CANCELLED = "cancelled"  # 已撤销


class SlaState(StrEnum):
    OPEN = "open"
    WARNED = "warned"  # less than SLA_WARNING left
    MET = "met"
    BREACHED = "breached"


ACTIVE = frozenset({DispatchStatus.ASSIGNED, DispatchStatus.ACKNOWLEDGED})
NEXT = {
    DispatchStatus.ASSIGNED: {DispatchStatus.ACKNOWLEDGED, DispatchStatus.ARRIVED,
                              DispatchStatus.CANCELLED},
    DispatchStatus.ACKNOWLEDGED: {DispatchStatus.ARRIVED, DispatchStatus.CANCELLED},
    DispatchStatus.ARRIVED: {DispatchStatus.COMPLETED},
    DispatchStatus.COMPLETED: set(),
    DispatchStatus.CANCELLED: set(),
}


@dataclass(frozen=True)
class Dispatch:
    id: int | None
    unit_id: str
    court_id: str
    target_kind: str
    target_ref: str
    lat: float
    lon: float
    note: str
    created_by: str
    created_at: datetime
    band: str
    sla_min: int | None
    eta_min: float
    distance_km: float
    status: DispatchStatus = DispatchStatus.ASSIGNED
    sla_state: SlaState = SlaState.OPEN
    acknowledged_at: datetime | None = None
    arrived_at: datetime | None = None
    completed_at: datetime | None = None
    outcome: dict[str, Any] = field(default_factory=dict)

    @property
    def due_at(self) -> datetime | None:
        return None if self.sla_min is None else self.created_at + timedelta(minutes=self.sla_min)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def move(dispatch: Dispatch, status: DispatchStatus, at: datetime) -> Dispatch:
    """The next state, or Conflict naming the states when the lifecycle forbids it."""
    if status not in NEXT[dispatch.status]:
        raise Conflict(f"a dispatch that is {dispatch.status} cannot become {status}",
                       field="status")
    stamp = {DispatchStatus.ACKNOWLEDGED: "acknowledged_at", DispatchStatus.ARRIVED: "arrived_at",
             DispatchStatus.COMPLETED: "completed_at", DispatchStatus.CANCELLED: "completed_at"}
    changed = replace(dispatch, status=status, **{stamp[status]: at})
    if status == DispatchStatus.ARRIVED:
        changed = replace(changed, sla_state=arrival_sla(changed, at))
    return changed


def arrival_sla(dispatch: Dispatch, at: datetime) -> SlaState:
    due = dispatch.due_at
    return SlaState.MET if due is None or at <= due else SlaState.BREACHED


def sla_state_at(dispatch: Dispatch, now: datetime) -> SlaState:
    """Where the SLA of a dispatch still on its way stands at ``now``."""
    due = dispatch.due_at
    if not dispatch.active or due is None:
        return dispatch.sla_state
    if now >= due:
        return SlaState.BREACHED
    if now >= due - SLA_WARNING:
        return SlaState.WARNED
    return SlaState.OPEN


def parse_outcome(payload: Any) -> dict[str, Any]:
    """What the officer reports: measures taken, money recovered, a note; 422 naming the field."""
    if not isinstance(payload, dict):
        raise InvalidInput("send the outcome as a JSON object", field="body")
    measures = payload.get("measures", [])
    if not isinstance(measures, list) or any(m not in MEASURES for m in measures):
        raise InvalidInput(f"measures are a list of {', '.join(MEASURES)}", field="measures")
    amount = payload.get("amount_recovered", 0)
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount < 1e12:
        raise InvalidInput("amount_recovered is a non-negative number of yuan",
                           field="amount_recovered")
    note = payload.get("note", "")
    if not isinstance(note, str) or len(note) > 1000:
        raise InvalidInput("note is a text of at most 1000 characters", field="note")
    return {"measures": measures, "amount_recovered": float(amount), "note": note.strip()}
