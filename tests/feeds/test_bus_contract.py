"""One contract, two buses: the in-process bus and Redis streams behave the same."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from feeds.bus import Bus, Event, MemoryBus, UnknownTopic, id_key
from feeds.redis_bus import RedisBus


@pytest.fixture(params=["memory", "redis"])
def bus(request: pytest.FixtureRequest) -> Iterator[Bus]:
    if request.param == "memory":
        made: Bus = MemoryBus()
    else:
        made = RedisBus.from_url(request.getfixturevalue("redis_url"))
    yield made
    made.close()


class Inbox:
    """Collects delivered events; waits until it has ``n`` of them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Event]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.events) >= n, timeout=timeout)
        return list(self.events)


def test_ids_increase_across_topics(bus: Bus) -> None:
    ids = [bus.publish("alerts", {"n": 1}), bus.publish("tips", {"n": 2}),
           *bus.publish_many("alerts", [{"n": 3}, {"n": 4}])]
    assert [id_key(i) for i in ids] == sorted(id_key(i) for i in ids)
    assert len(set(ids)) == 4


def test_replay_gives_what_came_after_an_id_in_order(bus: Bus) -> None:
    first = bus.publish("alerts", {"n": 1})
    bus.publish("tips", {"n": 2})
    bus.publish("alerts", {"n": 3})
    bus.publish("positions", {"n": 4})
    replayed = bus.replay(["alerts", "tips"], first)
    assert [(e.topic, e.data["n"]) for e in replayed] == [("tips", 2), ("alerts", 3)]
    assert [e.data["n"] for e in bus.replay(["alerts"], None)] == [1, 3]


def test_replay_limit_keeps_the_oldest(bus: Bus) -> None:
    bus.publish_many("alerts", [{"n": n} for n in range(10)])
    assert [e.data["n"] for e in bus.replay(["alerts"], None, limit=3)] == [0, 1, 2]


def test_subscribers_get_every_later_event_in_order(bus: Bus) -> None:
    bus.publish("alerts", {"n": "before"})
    inbox = Inbox()
    subscription = bus.subscribe(["alerts", "dispatches"], inbox)
    try:
        bus.publish_many("alerts", [{"n": n} for n in range(50)])
        bus.publish("tips", {"n": "other topic"})
        bus.publish("dispatches", {"n": "last"})
        events = inbox.wait_for(51)
    finally:
        subscription.stop()
    assert [e.data["n"] for e in events] == [*range(50), "last"]
    assert all(e.topic in {"alerts", "dispatches"} for e in events)


def test_a_stopped_subscription_gets_nothing_more(bus: Bus) -> None:
    inbox = Inbox()
    subscription = bus.subscribe(["alerts"], inbox)
    bus.publish("alerts", {"n": 1})
    inbox.wait_for(1)
    subscription.stop()
    bus.publish("alerts", {"n": 2})
    assert [e.data["n"] for e in inbox.wait_for(2, timeout=0.5)] == [1]


def test_unknown_topics_are_refused(bus: Bus) -> None:
    with pytest.raises(UnknownTopic):
        bus.publish("gossip", {})
    with pytest.raises(UnknownTopic):
        bus.subscribe(["gossip"], lambda e: None)


def test_a_failing_subscriber_does_not_fail_the_publisher(bus: Bus) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    inbox = Inbox()
    failing = bus.subscribe(["alerts"], broken)
    healthy = bus.subscribe(["alerts"], inbox)
    try:
        bus.publish("alerts", {"n": 1})
        assert [e.data["n"] for e in inbox.wait_for(1)] == [1]
    finally:
        failing.stop()
        healthy.stop()


def test_memory_ids_after_a_restart_sort_after_the_old_ones() -> None:
    import time

    before = MemoryBus().publish("alerts", {"n": 1})
    time.sleep(0.002)
    after = MemoryBus().publish("alerts", {"n": 1})
    assert id_key(after) > id_key(before)
