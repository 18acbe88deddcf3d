"""One leader runs the clocks and the relay (ARCHITECTURE.md §4).

In-process there is one process, so it always leads. With Redis, a process leads while it holds
``ecc:leader`` (SET NX PX), renewing it at a third of its lifetime; another takes over when it lapses.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

LEADER_KEY = "ecc:leader"
LEASE_MS = 6000
RENEW_LUA = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class AlwaysLeader:
    """The in-process default: leads at once, for as long as it runs."""

    def run(self, on_elected: Callable[[], None]) -> None:
        on_elected()

    def stop(self) -> None:
        pass


class RedisLeader:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.identity = uuid.uuid4().hex
        self.leading = False
        self._stop = threading.Event()

    def run(self, on_elected: Callable[[], None]) -> None:
        """Campaign in the background; call ``on_elected`` once, when the lease is first won."""
        thread = threading.Thread(target=self._campaign, args=(on_elected,), daemon=True,
                                  name="leader-election")
        thread.start()

    def _campaign(self, on_elected: Callable[[], None]) -> None:
        renew = self.client.register_script(RENEW_LUA)
        while not self._stop.wait(0 if not self.leading else LEASE_MS / 3000):
            try:
                self._step(renew, on_elected)
            except redis.RedisError as exc:
                log.warning("leader election lost Redis: %s", exc)
                self.leading = False
                self._stop.wait(1)

    def _step(self, renew, on_elected: Callable[[], None]) -> None:  # noqa: ANN001
        if self.leading:
            self.leading = bool(renew(keys=[LEADER_KEY], args=[self.identity, LEASE_MS]))
            return
        if self.client.set(LEADER_KEY, self.identity, nx=True, px=LEASE_MS):
            self.leading = True
            log.info("this process now leads (runs the relay and the clocks)")
            on_elected()
        else:
            self._stop.wait(LEASE_MS / 3000)

    def stop(self) -> None:
        self._stop.set()
        if self.leading:
            self.client.delete(LEADER_KEY)
