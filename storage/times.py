"""SQLite returns naive datetimes; everything the product stores is UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
