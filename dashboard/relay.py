"""The relay: the one place that knows Socket.IO event names.

It subscribes to the bus and emits to rooms named after topics on the ``/live`` namespace. Alerts,
tips and dispatches go out one event per message, each with its bus id; positions are coalesced into
a snapshot per room at ``snapshot_hz`` (the latest fix per unit since the last snapshot), which also
serves screens as a heartbeat carrying the center's clock.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask_socketio import SocketIO

from dashboard.ingest_views import latest_fixes
from dashboard.services import Services
from enforcement.masking import masked
from feeds.bus import Event, Subscription

log = logging.getLogger(__name__)

LIVE = "/live"
DEVICE = "/device"
EVENT_OF = {"positions": "position", "alerts": "alert", "tips": "tip",
            "dispatches": "dispatch", "kpis": "kpi", "units": "unit"}


def device_room(unit_id: str) -> str:
    return f"device:{unit_id}"


def screen_payload(event: Event) -> dict[str, Any]:
    """What a screen receives for a bus event: its data with personal fields masked (rooms are
    per topic and court, not per role; who may see more reads it over the API), and its id."""
    return masked(event.data) | {"id": event.id}


def screen_room(topic: str, court_id: str | None) -> str:
    """Screens join one room per topic and court of their scope, so a basic court's wall never
    receives another court's alerts, tips or units; events of no court go to city-wide screens."""
    return f"{topic}:{court_id or '-'}"


class Relay:
    def __init__(self, socketio: SocketIO, services: Services) -> None:
        self.socketio, self.services = socketio, services
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, Any]] = {}  # unit → its newest fix since the last tick
        self._last_position_id = "0"
        self._stop = threading.Event()
        self._subscription: Subscription | None = None
        self.snapshots_sent = 0

    def start(self) -> None:
        self._subscription = self.services.bus.subscribe(EVENT_OF, self.on_event)
        self.socketio.start_background_task(self._snapshot_loop)

    def on_event(self, event: Event) -> None:
        if event.topic == "positions":
            self._coalesce(event)
            return
        if event.topic == "units":
            self._merge_status(event.data)
        if event.topic == "dispatches":
            self._instruct(event.data)
        self.socketio.emit(EVENT_OF[event.topic], screen_payload(event),
                           to=screen_room(event.topic, event.data.get("court_id")), namespace=LIVE)

    def _instruct(self, dispatch: dict[str, Any]) -> None:
        """An assignment (or its cancellation) goes down to the unit's device."""
        if dispatch.get("event") not in {"assigned", "cancelled"}:
            return
        target = dispatch["target"]
        instruction = {"dispatch_id": dispatch["id"], "lat": target["lat"], "lon": target["lon"],
                       "note": target["note"], "ref": target["ref"],
                       "cancelled": dispatch["event"] == "cancelled", "due_at": dispatch["due_at"]}
        self.socketio.emit("instruction", instruction, to=device_room(dispatch["unit_id"]),
                           namespace=DEVICE)

    def _coalesce(self, event: Event) -> None:
        with self._lock:
            for fix in event.data["fixes"]:
                self._pending[fix["unit_id"]] = fix
            self._last_position_id = event.id

    def _merge_status(self, change: dict[str, Any]) -> None:
        with self._lock:
            pending = self._pending.get(change["unit_id"])
            if pending is not None:
                pending["status"] = change["status"]

    def _snapshot_loop(self) -> None:
        period = 1.0 / self.services.settings.snapshot_hz
        while not self._stop.wait(period):
            try:
                self.flush()
            except Exception:  # keep relaying; the log tells what broke
                log.exception("position snapshot failed")

    def flush(self) -> dict[str, Any]:
        """Emit the fixes gathered since the last snapshot to each court's positions room; every
        room gets one each tick, even empty: it is the screens' heartbeat and clock."""
        with self._lock:
            fixes, self._pending = list(self._pending.values()), {}
            last_id, now = self._last_position_id, self.services.clock.now().isoformat()
        by_court: dict[str, list[dict[str, Any]]] = {c.id: [] for c in self.services.city.courts}
        for fix in fixes:
            by_court.setdefault(fix["court_id"], []).append(fix)
        for court_id, court_fixes in by_court.items():
            snapshot = {"id": last_id, "now": now, "fixes": court_fixes, "full": False}
            self.socketio.emit("position", snapshot, to=screen_room("positions", court_id),
                               namespace=LIVE)
        self.snapshots_sent += 1
        return {"id": last_id, "now": now, "fixes": fixes, "full": False}

    def full_snapshot(self, court_ids: list[str]) -> dict[str, Any]:
        """Every unit's latest fix from the store: what a screen gets when it (re)subscribes."""
        fixes = latest_fixes(self.services, court_ids)
        with self._lock:
            last_id = self._last_position_id
        return {"id": last_id, "now": self.services.clock.now().isoformat(), "fixes": fixes,
                "full": True}

    def stop(self) -> None:
        self._stop.set()
        if self._subscription:
            self._subscription.stop()
