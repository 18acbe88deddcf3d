"""Tips (举报线索) from the 24-hour line: what a call-taker captures and the triage that follows
(who may see the caller: ``enforcement.masking``).

Lifecycle: new → accepted | rejected; accepted → dispatched → closed. Accepted property leads
start the case's ``verify_lead`` clock (7 days, 3 if urgent); whereabouts tips go to the dispatcher.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from enforcement.errors import Conflict, InvalidInput

MAX_TEXT = {"caller_name": 50, "case_no": 64, "debtor_name": 100, "debtor_id_no": 32,
            "description": 2000, "reason": 500}
FUTURE_SLACK = timedelta(minutes=5)
PHONE = re.compile(r"^(\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|12368|\d{5,8})$")


class TipKind(StrEnum):
    DEBTOR_WHEREABOUTS = "debtor_whereabouts"  # 被执行人下落
    PROPERTY_LEAD = "property_lead"  # 财产线索
    COMPLAINT = "complaint"  # 投诉
    CONSULTATION = "consultation"  # 咨询
    OTHER = "other"


class AssetKind(StrEnum):
    VEHICLE = "vehicle"  # 车辆
    REAL_ESTATE = "real_estate"  # 不动产
    DEPOSIT = "deposit"  # 存款
    GOODS = "goods"  # 动产/货物
    EQUITY = "equity"  # 股权


class Channel(StrEnum):
    PHONE = "phone"  # 值班电话
    HOTLINE_12368 = "12368"  # 诉讼服务热线转来
    WALK_IN = "walk_in"  # 来访
    ONLINE = "online"  # 网上
    OTHER = "other"


class TipStatus(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    CLOSED = "closed"


LABELS = {
    "debtor_whereabouts": "下落线索", "property_lead": "财产线索", "complaint": "投诉",
    "consultation": "咨询", "other": "其他", "vehicle": "车辆", "real_estate": "不动产",
    "deposit": "存款", "goods": "动产", "equity": "股权", "phone": "值班电话",
    "12368": "12368", "walk_in": "来访", "online": "网上", "new": "待研判", "accepted": "已受理",
    "rejected": "不予受理", "dispatched": "已派警", "closed": "已办结",
}
ACTIONABLE = frozenset({TipKind.DEBTOR_WHEREABOUTS, TipKind.PROPERTY_LEAD})  # counted as tips
NEXT = {TipStatus.NEW: {TipStatus.ACCEPTED, TipStatus.REJECTED},
        TipStatus.ACCEPTED: {TipStatus.DISPATCHED, TipStatus.CLOSED},
        TipStatus.DISPATCHED: {TipStatus.CLOSED, TipStatus.ACCEPTED},
        TipStatus.REJECTED: set(), TipStatus.CLOSED: set()}


@dataclass(frozen=True)
class Tip:
    id: int | None
    received_at: datetime
    channel: Channel
    kind: TipKind
    description: str
    caller_name: str = ""
    caller_phone: str = ""
    asset_kind: AssetKind | None = None
    case_no: str = ""
    debtor_name: str = ""
    debtor_id_no: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    place_resolved: bool = False
    district: str | None = None
    urgent: bool = False
    reward_claimed: bool = False
    status: TipStatus = TipStatus.NEW
    court_id: str | None = None
    linked_case_no: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    created_by: str = ""
    repeat_of: tuple[int, ...] = ()
    outcome: dict[str, Any] = field(default_factory=dict)

    @property
    def actionable(self) -> bool:
        return self.kind in ACTIONABLE


def clean_text(payload: dict[str, Any], name: str, *, required: bool = False) -> str:
    """A text field: NFC, trimmed, no control characters but newlines and tabs, within its limit."""
    value = payload.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a text", field=name)
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise InvalidInput(f"{name} is required", field=name)
    if len(value) > MAX_TEXT.get(name, 200):
        raise InvalidInput(f"{name} is longer than {MAX_TEXT.get(name, 200)} characters",
                           field=name)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{name} contains control characters", field=name)
    return value


def parse_phone(payload: dict[str, Any]) -> str:
    phone = re.sub(r"[\s()（）]", "", clean_text(payload, "caller_phone"))
    if phone and not PHONE.match(phone):
        raise InvalidInput("caller_phone is not a phone number", field="caller_phone")
    return phone


def parse_choice(kind: type, payload: dict[str, Any], name: str, default: Any = None) -> Any:
    value = payload.get(name, default)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(k.value for k in kind)
        raise InvalidInput(f"{name} {value!r} is not one of {choices}", field=name) from None


def parse_flag(payload: dict[str, Any], name: str) -> bool:
    value = payload.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false", field=name)
    return value


def triage(tip: Tip, decision: str, *, reason: str, actor: str, at: datetime,
           linked_case_no: str | None) -> Tip:
    """研判: accept (optionally linking a case) or reject with a reason."""
    if decision not in {"accept", "reject"}:
        raise InvalidInput("decision is accept or reject", field="decision")
    status = TipStatus.ACCEPTED if decision == "accept" else TipStatus.REJECTED
    if status not in NEXT[tip.status]:
        raise Conflict(f"a tip that is {tip.status} cannot be {status}", field="decision")
    if status == TipStatus.REJECTED and not reason:
        raise InvalidInput("rejecting a tip needs a reason", field="reason")
    return replace(tip, status=status, reason=reason, decided_by=actor, decided_at=at,
                   linked_case_no=linked_case_no or tip.linked_case_no)


def advance(tip: Tip, status: TipStatus, **changes: Any) -> Tip:
    if status not in NEXT[tip.status]:
        raise Conflict(f"a tip that is {tip.status} cannot become {status}", field="status")
    return replace(tip, status=status, **changes)
