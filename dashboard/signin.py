"""Signing in, for the login form and the token endpoint alike: the lockout is checked before the
password, and every outcome (success, failure, lockout, refusal) goes to the audit log.

An account is locked after ``login_max_failures`` failures within ``login_window_min`` minutes
(423 on the API); a client address is throttled after ``login_address_max_failures`` (429).
Both are counted in the store, so they hold across every web process.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import request

from dashboard.services import Services
from dashboard.settings import Settings
from enforcement.errors import AuthError
from enforcement.lockout import LockoutPolicy, Verdict, just_locked, verdict
from storage.audit import Actor
from storage.logins import FAILED, OK, REFUSED
from storage.users import IssuedToken

STATUS = {"account_locked": 423, "address_throttled": 429}
MESSAGES = {
    "account_locked": "too many failed logins: this account is locked for a while",
    "address_throttled": "too many failed logins from this address: wait before trying again",
}
MESSAGES_ZH = {
    "account_locked": "登录失败次数过多，账户已临时锁定，请 {minutes} 分钟后再试",
    "address_throttled": "本终端登录失败次数过多，请 {minutes} 分钟后再试",
}


class LoginRefused(AuthError):
    """Refused before the password was checked: locked account (423) or throttled address (429)."""

    def __init__(self, refusal: Verdict) -> None:
        super().__init__(MESSAGES[refusal.reason], field="username")
        self.code = refusal.reason
        self.status = STATUS[refusal.reason]
        self.retry_after_s = refusal.retry_after_s

    def message_zh(self) -> str:
        return MESSAGES_ZH[self.code].format(minutes=max(1, -(-self.retry_after_s // 60)))

    def response(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        return {"error": self.as_dict()}, self.status, {"Retry-After": str(self.retry_after_s)}


def lockout_policy(settings: Settings) -> LockoutPolicy:
    return LockoutPolicy(max_failures=settings.login_max_failures,
                         window=timedelta(minutes=settings.login_window_min),
                         max_address_failures=settings.login_address_max_failures)


def client_address() -> str:
    """The client's address as this server sees it (behind a proxy: configure ProxyFix)."""
    return request.remote_addr or "unknown"


def sign_in(services: Services, username: str, password: str, *, via: str) -> IssuedToken:
    """A fresh bearer token for a correct password, unless the lockout refuses first."""
    address, now = client_address(), services.clock.now()
    policy = lockout_policy(services.settings)
    who = Actor(username[:64] or "?", address=address)
    refusal = _verdict(services, policy, username, address)
    if not refusal.allowed:
        services.logins.record(username=username, address=address, outcome=REFUSED, at=now)
        services.audit.record("auth.login_refused", username, actor=who, detail={
            "via": via, "reason": refusal.reason, "retry_after_s": refusal.retry_after_s})
        raise LoginRefused(refusal)
    try:
        issued = services.users.issue_token(username, password, now=now, ttl=services.token_ttl)
    except AuthError:
        _failed(services, policy, who, via)
        raise
    services.logins.record(username=username, address=address, outcome=OK, at=now)
    principal = services.users.resolve(issued.token, now=now)
    services.audit.record("auth.login", username, actor=Actor(
        principal.username, str(principal.role), principal.court_id, address),
        detail={"via": via, "token_expires_at": issued.expires_at.isoformat()})
    return issued


def _verdict(services: Services, policy: LockoutPolicy, username: str, address: str) -> Verdict:
    now = services.clock.now()
    since = policy.since(now)
    return verdict(policy, now=now,
                   account=services.logins.account_failures(username, since=since,
                                                             limit=policy.max_failures),
                   address=services.logins.address_failures(address, since=since,
                                                            limit=policy.max_address_failures))


def _failed(services: Services, policy: LockoutPolicy, who: Actor, via: str) -> None:
    now = services.clock.now()
    services.logins.record(username=who.name, address=who.address or "", outcome=FAILED, at=now)
    services.audit.record("auth.login_failed", who.name, actor=who, detail={"via": via})
    recent = services.logins.account_failures(who.name, since=policy.since(now),
                                              limit=policy.max_failures)
    if just_locked(policy, recent, now):
        services.audit.record("auth.lockout", who.name, actor=who, detail={
            "failures": len(recent), "window_min": int(policy.window.total_seconds() // 60)})
