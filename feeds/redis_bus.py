"""The Redis bus: one stream per topic (``ecc:{bus}:stream:<topic>``) for history, replay and delivery.

A batch is published in one round trip by a small Lua script that numbers every message from one
global sequence (ids "<seq>-0"), so ids increase across topics, as on the in-process bus. Each
subscription runs one thread doing blocking XREADs from the last id it delivered; on a connection
error it logs, waits with capped exponential backoff and continues where it left off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import redis

from enforcement.errors import DomainError
from feeds.bus import DEFAULT_HISTORY, HISTORY, Event, Handler, check_topic, id_key

log = logging.getLogger(__name__)

STREAM_PREFIX = "ecc:{bus}:stream:"  # one hash tag: a Redis Cluster keeps all in one slot
SEQUENCE_KEY = "ecc:{bus}:sequence"  # one sequence for all topics, so ids compare across streams
# XADD each payload with the next global sequence number as its id ("<seq>-0"), atomically.
PUBLISH_LUA = """
local ids = {}
for i = 2, #ARGV do
  local seq = redis.call('INCR', KEYS[2])
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'd', ARGV[i])
end
return ids
"""
BLOCK_MS = 1000
MAX_BACKOFF_S = 10.0


class BusError(DomainError):
    code = "bus_unavailable"


def stream_of(topic: str) -> str:
    return STREAM_PREFIX + check_topic(topic)


class RedisBus:
    kind = "redis"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._publish = client.register_script(PUBLISH_LUA)

    @classmethod
    def from_url(cls, url: str) -> RedisBus:
        client = redis.Redis.from_url(url, socket_timeout=BLOCK_MS / 1000 + 5)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise BusError(f"cannot reach Redis at {url}: {exc}") from exc
        return cls(client)

    def publish(self, topic: str, data: dict[str, Any]) -> str:
        return self.publish_many(topic, [data])[0]

    def publish_many(self, topic: str, items: Sequence[dict[str, Any]]) -> list[str]:
        stream = stream_of(topic)
        maxlen = HISTORY.get(topic, DEFAULT_HISTORY)
        try:
            ids = self._publish(keys=[stream, SEQUENCE_KEY],
                                args=[maxlen, *(orjson.dumps(item) for item in items)])
            return [i.decode() for i in ids]
        except redis.RedisError as exc:
            raise BusError(f"cannot publish to {stream}: {exc}") from exc

    def replay(self, topics: Iterable[str], after: str | None, limit: int = 1000) -> list[Event]:
        start = f"({after}" if after else "-"
        found: list[Event] = []
        for topic in topics:
            entries = self.client.xrange(stream_of(topic), min=start, max="+", count=limit)
            found.extend(_event(topic, entry_id, fields) for entry_id, fields in entries)
        return sorted(found, key=lambda e: id_key(e.id))[:limit]

    def subscribe(self, topics: Iterable[str], handler: Handler) -> _RedisSubscription:
        return _RedisSubscription(self.client, [check_topic(t) for t in topics], handler)

    def close(self) -> None:
        self.client.close()


def _event(topic: str, entry_id: bytes, fields: dict[bytes, bytes]) -> Event:
    return Event(entry_id.decode(), topic, orjson.loads(fields[b"d"]))


class _RedisSubscription:
    def __init__(self, client: redis.Redis, topics: list[str], handler: Handler) -> None:
        self.client = client
        self.handler = handler
        self.cursors = {stream_of(t): "$" for t in topics}
        self.topics = {stream_of(t): t for t in topics}
        self._stopped = threading.Event()
        self._start_cursors()
        self.thread = threading.Thread(target=self._run, name="redis-bus-reader", daemon=True)
        self.thread.start()

    def _start_cursors(self) -> None:
        # resolve "$" now, so events published right after subscribe() are not missed
        for stream in self.cursors:
            entries = self.client.xrevrange(stream, count=1)
            self.cursors[stream] = entries[0][0].decode() if entries else "0-0"

    def _run(self) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                self._read_once()
                backoff = 0.5
            except redis.RedisError as exc:
                log.warning("bus reader lost Redis (%s); retrying in %.1fs", exc, backoff)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _read_once(self) -> None:
        batches = self.client.xread(self.cursors, block=BLOCK_MS, count=500)
        for stream, entries in batches or []:
            stream_name = stream.decode()
            for entry_id, fields in entries:
                self.cursors[stream_name] = entry_id.decode()
                self._deliver(_event(self.topics[stream_name], entry_id, fields))

    def _deliver(self, event: Event) -> None:
        try:
            self.handler(event)
        except Exception:  # a failing handler must not stop delivery to the others
            log.exception("bus handler failed on %s %s", event.topic, event.id)

    def stop(self) -> None:
        self._stopped.set()
        self.thread.join(timeout=BLOCK_MS / 1000 + 2)
