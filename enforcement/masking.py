"""Personal data (个人信息) and who may see it: callers' names and phones, debtors' id numbers.

Only the roles that act on a call need the caller and the debtor's id: the call-taker, the
dispatcher and the administrator. Every other screen (the wall, a kiosk, leaders, duty staff,
exports) gets them masked: enough to recognise a repeat caller or debtor, not enough to call or to
identify anyone. Masking is idempotent, so a record masked twice reads the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from enforcement.model import Role

PERSONAL_READERS = frozenset({Role.INTAKE, Role.DISPATCHER, Role.ADMIN})


def may_see_personal(role: str | None) -> bool:
    """Whether ``role`` sees callers' identities and debtors' id numbers unmasked."""
    return role in PERSONAL_READERS


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a repeat caller, not enough to call. The last four stay;
    the start (a mobile's network, a landline's area) only when enough is left hidden."""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep = 3 if len(phone) >= 11 else 2 if len(phone) >= 8 else 0
    return phone[:keep] + "*" * (len(phone) - keep - 4) + phone[-4:]


def mask_name(name: str) -> str:
    """张*丰 / 张* — a surname stays, the rest goes."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_no(id_no: str) -> str:
    """210102********1234 — the region and the last four, not the birth date."""
    if len(id_no) < 10:
        return "*" * len(id_no)
    return id_no[:6] + "*" * (len(id_no) - 10) + id_no[-4:]


MASKS: dict[str, Callable[[str], str]] = {  # a record's field → how it is masked
    "caller_name": mask_name, "caller_phone": mask_phone, "phone": mask_phone,
    "debtor_name": mask_name, "debtor_id_no": mask_id_no, "id_no": mask_id_no,
}


def masked(data: Any) -> Any:
    """A JSON-like value with every personal field (``MASKS``) masked, at any depth."""
    if isinstance(data, dict):
        return {key: _masked_field(key, value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [masked(item) for item in data]
    return data


def masked_for(role: str | None, data: Any) -> Any:
    """``data`` as ``role`` may see it."""
    return data if may_see_personal(role) else masked(data)


def _masked_field(key: str, value: Any) -> Any:
    mask = MASKS.get(key)
    if mask is not None and isinstance(value, str):
        return mask(value)
    return masked(value)
