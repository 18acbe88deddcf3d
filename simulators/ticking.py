"""The one thread shape every simulator runner shares: call ``tick()`` every ``tick_s`` real
seconds until stopped, logging (not raising) what a tick breaks, so the demo stays alive."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Ticking:
    """Mix into a runner that defines ``tick()``, ``tick_s`` and ``thread_name``."""

    thread_name = "simulator"
    tick_s: float

    def tick(self) -> object:  # pragma: no cover - every runner defines its own
        raise NotImplementedError

    def start(self) -> None:
        self._stop_ticking = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop_ticking.wait(self.tick_s):
            try:
                self.tick()
            except Exception:  # keep the demo alive; the log says what broke
                log.exception("%s tick failed", self.thread_name)

    def stop(self) -> None:
        if getattr(self, "_thread", None) is not None:
            self._stop_ticking.set()
            self._thread.join(timeout=5)
