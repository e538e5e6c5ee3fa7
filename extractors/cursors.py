"""Incremental cursors taken from source data, guarded against poisoning: one record stamped in 2099
would move the cursor to 2099 and every later change would be skipped for good. A timestamp further in
the future than the tolerance is refused with a warning and never stored (the record itself still lands)."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from extractors.secrets import get_logger

log = get_logger(__name__)

# clocks of regional servers drift and some stamp local time as UTC (WIB/WITA/WIT are UTC+7..+9)
FUTURE_TOLERANCE = timedelta(hours=float(os.environ.get("SMARTCITY_CURSOR_FUTURE_TOLERANCE_H", "24")))


def parse_time(value) -> datetime | None:
    """An ISO-8601 timestamp (naive = UTC) or epoch seconds as an aware datetime; None when not a time."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return datetime.max.replace(tzinfo=timezone.utc)
    text = str(value).strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def future_cursor(value, where: str, now: datetime | None = None) -> bool:
    """True (and a warning naming the source) when `value` lies beyond now + the tolerance."""
    when = parse_time(value)
    now = now or datetime.now(timezone.utc)
    if when is None or when <= now + FUTURE_TOLERANCE:
        return False
    log.warning("%s: cursor value %s is in the future (beyond %g h of tolerance); refused, the cursor "
                "stays where it was", where, value, FUTURE_TOLERANCE.total_seconds() / 3600)
    return True
