"""Field-unit rules: the status lifecycle and how fresh a last fix is.

Lifecycle (状态流转): off duty → available → dispatched → en route → on scene → available; a unit
can go off duty from available, and a dispatch can be called off back to available.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from enforcement.errors import Conflict
from enforcement.model import UnitStatus

S = UnitStatus
TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    S.OFF_DUTY: frozenset({S.AVAILABLE}),
    S.AVAILABLE: frozenset({S.OFF_DUTY, S.DISPATCHED}),
    S.DISPATCHED: frozenset({S.EN_ROUTE, S.ON_SCENE, S.AVAILABLE}),
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.AVAILABLE}),
    S.ON_SCENE: frozenset({S.AVAILABLE}),
}


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"  # silent past the stale limit: drawn grey, never as fresh
    OFFLINE = "offline"  # silent past the offline limit, or never heard from


def check_transition(current: UnitStatus, target: UnitStatus) -> UnitStatus:
    """Return ``target`` if the lifecycle allows it, else raise Conflict naming both states."""
    if target == current or target in TRANSITIONS[current]:
        return target
    allowed = ", ".join(sorted(TRANSITIONS[current]))
    raise Conflict(
        f"a unit that is {current} cannot become {target} (allowed: {allowed})", field="status"
    )


def freshness(
    last_fix_at: datetime | None, now: datetime, *, stale_after_s: float, offline_after_s: float
) -> Freshness:
    if last_fix_at is None:
        return Freshness.OFFLINE
    silent_s = (now - last_fix_at).total_seconds()
    if silent_s >= offline_after_s:
        return Freshness.OFFLINE
    if silent_s >= stale_after_s:
        return Freshness.STALE
    return Freshness.FRESH
