"""Socket.IO handlers of the ``/device`` namespace: a field unit's own connection.

A device connects with ``auth={"unit_id", "key"}`` (its device key), joins its own room and gets
its current instruction at once if it has one; it may send ``position`` (the JSON batch shape, one
fix or several), ``ack`` and ``arrived`` for a dispatch. Everything goes through the same ingest
path and dispatch desk as HTTP.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import SocketIO, emit, join_room

from dashboard.relay import DEVICE, device_room
from dashboard.services import Services
from enforcement.errors import AuthError, DomainError, InvalidInput


def register(socketio: SocketIO, services: Services) -> dict[str, tuple[str, str]]:
    devices: dict[str, tuple[str, str]] = {}  # connection id → (unit id, device key)

    @socketio.on("connect", namespace=DEVICE)
    def connect(auth: Any = None) -> None:
        unit_id = auth.get("unit_id") if isinstance(auth, dict) else None
        key = auth.get("key") if isinstance(auth, dict) else None
        try:
            unit = services.units.authenticate(str(unit_id or ""), str(key or ""))
        except AuthError as exc:
            raise ConnectionRefusedError(exc.message) from None
        devices[request.sid] = (unit.id, str(key))
        join_room(device_room(unit.id))
        current = next((d for d in services.dispatch.active() if d.unit_id == unit.id), None)
        if current is not None:
            emit("instruction", {"dispatch_id": current.id, "lat": current.lat, "lon": current.lon,
                                 "note": current.note, "ref": current.target_ref,
                                 "cancelled": False,
                                 "due_at": current.due_at.isoformat() if current.due_at else None})

    @socketio.on("disconnect", namespace=DEVICE)
    def disconnect(*_: Any) -> None:
        devices.pop(request.sid, None)

    def guarded(action):  # noqa: ANN001, ANN202 - a handler that answers {ok, error}
        def handler(message: Any = None) -> dict[str, Any]:
            known = devices.get(request.sid)
            if known is None:
                return {"ok": False, "error": "not connected"}
            try:
                return {"ok": True} | action(known, message if isinstance(message, dict) else {})
            except DomainError as exc:
                return {"ok": False, "error": exc.as_dict()}
        return handler

    def position(known: tuple[str, str], message: dict[str, Any]) -> dict[str, Any]:
        unit_id, key = known
        fixes = message.get("fixes", [message])
        items = [f | {"unit_id": unit_id} for f in fixes if isinstance(f, dict)]
        return {"accepted": services.ingest.json_batch(items, key)}

    def ack(known: tuple[str, str], message: dict[str, Any]) -> dict[str, Any]:
        dispatch = services.dispatch.acknowledge(_dispatch_id(message), unit_id=known[0])
        return {"status": str(dispatch.status)}

    def arrived(known: tuple[str, str], message: dict[str, Any]) -> dict[str, Any]:
        dispatch = services.dispatch.arrive(_dispatch_id(message), unit_id=known[0])
        return {"status": str(dispatch.status)}

    socketio.on_event("position", guarded(position), namespace=DEVICE)
    socketio.on_event("ack", guarded(ack), namespace=DEVICE)
    socketio.on_event("arrived", guarded(arrived), namespace=DEVICE)
    return devices


def _dispatch_id(message: dict[str, Any]) -> int:
    value = message.get("dispatch_id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("dispatch_id is required", field="dispatch_id")
    return value
