"""The day's numbers of the 24-hour line (Shenyang's account: calls, tips, call-outs, arrivals in
time, and what was done on the spot), computed from tips and their dispatches."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from enforcement.calendar import COURT_TZ
from enforcement.tips import Tip, TipStatus

MEASURE_KEYS = {"seizure": "properties_seized", "impound": "vehicles_impounded",
                "freeze": "accounts_frozen", "settlement": "settlements",
                "detention": "detentions"}


def intake_numbers(tips: Sequence[Tip], dispatches: Sequence[dict[str, Any]], *,
                   since: datetime, until: datetime) -> dict[str, Any]:
    outcomes: Counter = Counter()
    recovered = 0.0
    for row in dispatches:
        outcome = row["outcome"] if isinstance(row["outcome"], dict) else _json(row["outcome"])
        for measure in outcome.get("measures", []):
            if measure in MEASURE_KEYS:
                outcomes[MEASURE_KEYS[measure]] += 1
        outcomes["cases_closed"] += bool(outcome.get("case_closed"))
        recovered += float(outcome.get("amount_recovered", 0) or 0)
    arrived = [d for d in dispatches if d["arrived_at"] is not None]
    return {
        "from": since.isoformat(), "to": until.isoformat(),
        "calls": len(tips), "tips": sum(1 for t in tips if t.actionable),
        "accepted": sum(1 for t in tips if t.decided_at and t.status != TipStatus.REJECTED),
        "rejected": sum(1 for t in tips if t.status == TipStatus.REJECTED),
        "dispatched": len({d["target_ref"] for d in dispatches}),
        "arrivals": len(arrived),
        "arrivals_within_sla": sum(1 for d in arrived if d["sla_state"] == "met"),
        "outcomes": {key: outcomes.get(key, 0) for key in [*MEASURE_KEYS.values(), "cases_closed"]},
        "amount_recovered": round(recovered, 2),
        "per_hour": per_hour(tips, since=since, until=until),
    }


def per_hour(tips: Sequence[Tip], *, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Calls and tips in each local hour of the window, oldest first."""
    start = since.astimezone(COURT_TZ).replace(minute=0, second=0, microsecond=0)
    hours = []
    while start <= until:
        hours.append(start)
        start += timedelta(hours=1)
    calls: Counter = Counter()
    actionable: Counter = Counter()
    for tip in tips:
        hour = tip.received_at.astimezone(COURT_TZ).replace(minute=0, second=0, microsecond=0)
        calls[hour] += 1
        actionable[hour] += tip.actionable
    return [{"hour": h.isoformat(), "calls": calls.get(h, 0), "tips": actionable.get(h, 0)}
            for h in hours]


def _json(text: str) -> dict[str, Any]:
    return json.loads(text or "{}")
