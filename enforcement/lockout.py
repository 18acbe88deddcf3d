"""When to refuse a login before checking the password: an account locked after repeated
failures, and a client address throttled after many failures across accounts.

Pure: it takes the recent failures (as the store finds them) and the time, and returns a verdict.
The limit is a sliding window: at most ``max_failures`` failures per ``window``; reaching it locks
the account until the oldest of those failures leaves the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5  # failed logins of one username within the window lock it
    window: timedelta = timedelta(minutes=15)  # the sliding window, so also the longest lock
    max_address_failures: int = 20  # failed logins from one client address within the window

    def since(self, now: datetime) -> datetime:
        return now - self.window


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str = ""  # "account_locked" | "address_throttled"
    retry_after_s: int = 0


ALLOWED = Verdict(allowed=True)


def verdict(policy: LockoutPolicy, *, account: Sequence[datetime], address: Sequence[datetime],
            now: datetime) -> Verdict:
    """Refuse while an account or an address has too many failures in the window. ``account`` and
    ``address`` are recent failure instants, newest first (refused attempts are not failures,
    so hammering a locked account does not extend its lock)."""
    locked = _limited(account, policy.max_failures, policy.window, now)
    if locked:
        return Verdict(allowed=False, reason="account_locked", retry_after_s=locked)
    throttled = _limited(address, policy.max_address_failures, policy.window, now)
    if throttled:
        return Verdict(allowed=False, reason="address_throttled", retry_after_s=throttled)
    return ALLOWED


def just_locked(policy: LockoutPolicy, account: Sequence[datetime], now: datetime) -> bool:
    """Did the failure just recorded (the newest in ``account``) lock the account?"""
    recent = [at for at in account if at > now - policy.window]
    return len(recent) == policy.max_failures


def _limited(failures: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until the limit frees up again; 0 when under it."""
    recent = [at for at in failures if at > now - window]
    if len(recent) < limit:
        return 0
    until = sorted(recent, reverse=True)[limit - 1] + window
    return max(1, int((until - now).total_seconds() + 0.999))
