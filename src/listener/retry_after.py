"""The ``Retry-After`` header, read once for connectors and notifiers alike."""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime


def seconds_until(value: str, now: float) -> float | None:
    """Seconds from ``now`` (Unix time) that a ``Retry-After`` value asks for: delay-seconds
    or an HTTP date; negative when the date is past, None when it cannot be read. What to
    make of past, absurd or non-finite waits is the caller's policy."""
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - now
