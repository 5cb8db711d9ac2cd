"""Durations as people write them in rules/*.yaml: ``"90s"``, ``"5m"``, ``"1h"``, ``"1h30m"``.

Kept as text in the YAML so a window reads ``"15m"`` rather than ``900``; turned into whole
seconds once, at load.
"""

from __future__ import annotations

import re
from typing import Final

_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_PART: Final = re.compile(r"(\d+)([smhd])")
_WHOLE: Final = re.compile(r"^(?:\d+[smhd])+$")

#: The hint shown whenever a duration cannot be read.
DURATION_HINT: Final = 'write a duration such as "90s", "5m", "1h", "1h30m" or "1d"'


def parse_duration(text: object) -> int:
    """Seconds in ``text``; raises ValueError with a hint the user can act on.

    Only strings are accepted: a bare ``5`` in the YAML could mean seconds or minutes, and
    guessing wrong would silently change when an alert fires.
    """
    if not isinstance(text, str):
        # ValueError, not TypeError: pydantic reports only ValueError as a validation error.
        raise ValueError(f"{DURATION_HINT}, got {text!r}")
    compact = text.strip()
    if not _WHOLE.match(compact):
        raise ValueError(f"{DURATION_HINT}, got {text!r}")
    units = [unit for _, unit in _PART.findall(compact)]
    if len(set(units)) != len(units):
        raise ValueError(f"unit repeated in duration {text!r}")
    return sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _PART.findall(compact))


def format_duration(seconds: int) -> str:
    """The shortest text :func:`parse_duration` reads back as ``seconds`` (for messages)."""
    if seconds == 0:
        return "0s"
    parts = []
    rest = seconds
    for unit in ("d", "h", "m", "s"):
        amount, rest = divmod(rest, _UNIT_SECONDS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
