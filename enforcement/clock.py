"""The one clock (时钟): simulated time that can start anywhere and run faster than real time.

Domain code never calls ``datetime.now()``; it asks a ``Clock``. ``--start-at`` and ``--speed``
configure the live one; tests use ``FrozenClock`` and move it by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SimClock:
    """Starts at ``start_at`` and advances ``speed`` simulated seconds per real second."""

    def __init__(
        self,
        start_at: datetime | None = None,
        speed: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.start_at = (start_at or datetime.now(UTC)).astimezone(UTC)
        self.speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()

    def now(self) -> datetime:
        elapsed = (self._monotonic() - self._origin) * self.speed
        return self.start_at + timedelta(seconds=elapsed)


class FrozenClock:
    """A clock that moves only when told to; for tests and replays."""

    def __init__(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> datetime:
        self._at += timedelta(**delta)
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)
