"""Socket.IO handlers of the ``/live`` namespace: check who connects, join rooms, replay."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import SocketIO, emit, join_room

from dashboard.policy import TOPICS, may_subscribe, scope_of, whole_city
from dashboard.relay import EVENT_OF, LIVE, Relay, screen_payload, screen_room
from dashboard.services import Services
from enforcement.city import City
from enforcement.errors import AuthError
from feeds.bus import id_key
from storage.users import Principal

SCREEN_TOPICS = ("positions", "alerts", "tips", "dispatches", "kpis", "units")
REPLAY_LIMIT = 5000

def register(socketio: SocketIO, services: Services, relay: Relay) -> dict[str, Principal]:
    """Install the handlers; returns the live map of connection id → principal (for tests)."""
    principals: dict[str, Principal] = {}

    @socketio.on("connect", namespace=LIVE)
    def connect(auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            principal = services.users.resolve(token or "", now=services.clock.now())
        except AuthError as exc:
            raise ConnectionRefusedError(exc.message) from None
        if not any(may_subscribe(principal.role, topic) for topic in TOPICS):
            raise ConnectionRefusedError(f"role {principal.role} follows no screen topic")
        principals[request.sid] = principal

    @socketio.on("disconnect", namespace=LIVE)
    def disconnect(*_: Any) -> None:
        principals.pop(request.sid, None)

    @socketio.on("subscribe", namespace=LIVE)
    def subscribe(message: Any) -> dict[str, Any]:
        principal = principals.get(request.sid)
        if principal is None:
            return {"ok": False, "error": "not connected"}
        topics, last_id, error = _parse_subscribe(message)
        error = error or _refused(principal, topics)
        if error:
            return {"ok": False, "error": error}
        scope = scope_of(services.city, principal)
        rooms_of = rooms_for(services.city, principal)
        for topic in topics:
            for court_id in rooms_of:
                join_room(screen_room(topic, court_id))
        if "positions" in topics:
            emit("position", relay.full_snapshot(scope))
        replayed = _replay(services, [t for t in topics if t != "positions"], last_id,
                           frozenset(rooms_of))
        return {"ok": True, "topics": topics, "replayed": replayed}

    return principals


def rooms_for(city: City, principal: Principal) -> list[str | None]:
    """The courts whose rooms a screen joins: its scope, and events of no court if city-wide."""
    scope: list[str | None] = list(scope_of(city, principal))
    return [*scope, None] if whole_city(city, principal) else scope


def _refused(principal: Principal, topics: list[str]) -> str | None:
    refused = [t for t in topics if not may_subscribe(principal.role, t)]
    return f"role {principal.role} may not follow {', '.join(refused)}" if refused else None


def _parse_subscribe(message: Any) -> tuple[list[str], str | None, str | None]:
    if not isinstance(message, dict):
        return [], None, "send {topics: [...], last_id}"
    topics = message.get("topics") or []
    unknown = [t for t in topics if t not in SCREEN_TOPICS] if isinstance(topics, list) else [topics]
    if unknown or not topics:
        return [], None, f"unknown topics {unknown} (one of {', '.join(SCREEN_TOPICS)})"
    last_id = message.get("last_id")
    if last_id is not None:
        try:
            id_key(str(last_id))
        except ValueError:
            return [], None, f"last_id {last_id!r} is not an event id"
    return list(dict.fromkeys(topics)), (str(last_id) if last_id else None), None


def _replay(services: Services, topics: list[str], last_id: str | None,
            courts: frozenset[str | None]) -> int:
    """Send what a reconnecting screen missed, oldest first — of its own courts only."""
    if not topics or last_id is None:
        return 0
    events = [e for e in services.bus.replay(topics, last_id, limit=REPLAY_LIMIT)
              if e.data.get("court_id") in courts]
    for event in events:
        emit(EVENT_OF[event.topic], screen_payload(event))
    return len(events)
