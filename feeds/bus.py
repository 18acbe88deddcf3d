"""The bus (消息总线): "what changed", with ids that increase, for live delivery and replay.

One interface, two implementations chosen by configuration (see ``make_bus``):

* ``MemoryBus`` – in-process; ids are "<start ms>-<sequence>", so ids after a restart still sort
  after every id a screen saw before it.
* ``RedisBus`` (``feeds.redis_bus``) – a Redis stream per topic for history and replay, blocking
  stream reads for delivery; ids are Redis stream ids ("1732350000000-0").

Every message is written to the store first; the bus only announces it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

TOPICS = ("positions", "alerts", "tips", "dispatches", "kpis", "units", "cases")
HISTORY = {"positions": 20_000}  # per-topic history kept for replay; others use DEFAULT_HISTORY
DEFAULT_HISTORY = 100_000


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    topic: str
    data: dict[str, Any]


Handler = Callable[[Event], None]


class Subscription(Protocol):
    def stop(self) -> None: ...


class Bus(Protocol):
    kind: str

    def publish(self, topic: str, data: dict[str, Any]) -> str: ...

    def publish_many(self, topic: str, items: Sequence[dict[str, Any]]) -> list[str]: ...

    def replay(self, topics: Iterable[str], after: str | None, limit: int = 1000) -> list[Event]:
        """Events on these topics with ids after ``after`` (all kept if None), oldest first."""
        ...

    def subscribe(self, topics: Iterable[str], handler: Handler) -> Subscription:
        """Deliver every later event on these topics to ``handler``, in id order."""
        ...

    def close(self) -> None: ...


class UnknownTopic(ValueError):
    pass


def check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise UnknownTopic(f"unknown topic {topic!r} (one of {', '.join(TOPICS)})")
    return topic


def id_key(event_id: str) -> tuple[int, int]:
    """Sort key of an event id: "12" and "1732350000000-3" both compare numerically."""
    head, _, tail = event_id.partition("-")
    return int(head), int(tail or 0)


class _MemorySubscription:
    def __init__(self, bus: MemoryBus, topics: frozenset[str], handler: Handler) -> None:
        self.bus, self.topics, self.handler = bus, topics, handler

    def stop(self) -> None:
        self.bus._unsubscribe(self)


class MemoryBus:
    """In-process bus: a global sequence, a bounded history per topic, delivery in id order.

    Handlers run outside the bus's lock, one delivering thread at a time: a publisher that finds
    another thread delivering leaves its events to that thread and returns, so a handler that
    takes locks of its own can never deadlock against a publisher holding them.
    """

    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._delivering = threading.Lock()
        self._pending: deque[Event] = deque()
        self._epoch = time.time_ns() // 1_000_000
        self._sequence = 0
        self._history: dict[str, deque[Event]] = {
            t: deque(maxlen=HISTORY.get(t, DEFAULT_HISTORY)) for t in TOPICS
        }
        self._subscriptions: list[_MemorySubscription] = []

    def publish(self, topic: str, data: dict[str, Any]) -> str:
        return self.publish_many(topic, [data])[0]

    def publish_many(self, topic: str, items: Sequence[dict[str, Any]]) -> list[str]:
        check_topic(topic)
        with self._lock:
            events = [self._append(topic, item) for item in items]
            self._pending.extend(events)
        self._drain()
        return [e.id for e in events]

    def _append(self, topic: str, data: dict[str, Any]) -> Event:
        self._sequence += 1
        event = Event(f"{self._epoch}-{self._sequence}", topic, data)
        self._history[topic].append(event)
        return event

    def _drain(self) -> None:
        while self._delivering.acquire(blocking=False):
            try:
                while (event := self._next_pending()) is not None:
                    self._deliver(event)
            finally:
                self._delivering.release()
            with self._lock:
                if not self._pending:
                    return

    def _next_pending(self) -> Event | None:
        with self._lock:
            return self._pending.popleft() if self._pending else None

    def _deliver(self, event: Event) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            if event.topic in subscription.topics:
                try:
                    subscription.handler(event)
                except Exception:  # a failing subscriber must not fail the publisher
                    log.exception("bus handler failed on %s %s", event.topic, event.id)

    def replay(self, topics: Iterable[str], after: str | None, limit: int = 1000) -> list[Event]:
        floor = id_key(after) if after else (0, 0)
        with self._lock:
            found = [
                e for t in map(check_topic, topics) for e in self._history[t] if id_key(e.id) > floor
            ]
        return sorted(found, key=lambda e: id_key(e.id))[:limit]

    def subscribe(self, topics: Iterable[str], handler: Handler) -> Subscription:
        subscription = _MemorySubscription(self, frozenset(map(check_topic, topics)), handler)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def _unsubscribe(self, subscription: _MemorySubscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def close(self) -> None:
        with self._lock:
            self._subscriptions.clear()


def make_bus(redis_url: str | None) -> Bus:
    """The bus the settings ask for: Redis when a URL is given, else in-process."""
    if redis_url:
        from feeds.redis_bus import RedisBus

        return RedisBus.from_url(redis_url)
    return MemoryBus()
