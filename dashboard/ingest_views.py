"""Read-side helpers shared by pages and the relay."""

from __future__ import annotations

from typing import Any

from dashboard.services import Services
from feeds.ingest import fix_payload
from storage.units import UnitView


def fixes_of(views: list[UnitView]) -> list[dict[str, Any]]:
    """Each unit's latest fix in the payload shape screens receive live."""
    return [fix_payload(v.last_fix, v.unit) for v in views if v.last_fix is not None]


def latest_fixes(services: Services, court_ids: list[str] | None = None) -> list[dict[str, Any]]:
    return fixes_of(services.units.views(court_ids))
