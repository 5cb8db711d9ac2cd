"""How every command logs: to stderr, at ``LISTENER_LOG_LEVEL`` (or ``--log-level``), as
text or as one JSON object per line (``LISTENER_LOG_FORMAT``), and never a flood.

A broker that goes away makes the Kafka client log the same few lines many times a
second (over a hundred lines a second were measured). :class:`RepeatFilter` lets the first
line of a kind through and then at most one line per interval, which doubles while the
lines keep coming (1 s, 2 s, 4 s... up to :data:`MAX_QUIET` s): each says how many like it
were held back. A kind is its logger, level and message template, so lines about different
things never hold each other back.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from listener.errors import ListenerError

LEVELS: Final = ("debug", "info", "warning", "error")
FORMATS: Final = ("text", "json")
#: The longest a repeated line is held back.
MAX_QUIET: Final = 300.0
#: These libraries log every fetch at DEBUG: shown only when listener's level is debug.
CHATTY: Final = ("aiokafka", "faust", "mode", "httpx", "httpcore")
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(slots=True)
class _Kind:
    next_at: float
    interval: float
    held: int = 0


class RepeatFilter(logging.Filter):
    """Holds back lines of a kind already logged within its current interval."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self._kinds: dict[tuple[str, int, str], _Kind] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        key = (record.name, record.levelno, str(record.msg))
        kind = self._kinds.get(key)
        if kind is None or now >= kind.next_at + MAX_QUIET:
            # New, or quiet for long enough to count as new again.
            self._kinds[key] = _Kind(next_at=now + 1.0, interval=1.0)
            return True
        if now < kind.next_at:
            kind.held += 1
            return False
        if kind.held:
            record.msg = f"{record.msg} (and {kind.held} more like it in {kind.interval:.0f}s)"
        kind.interval = min(MAX_QUIET, kind.interval * 2)
        kind.next_at, kind.held = now + kind.interval, 0
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    exception's traceback as one string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` configuration: the root logger at ``level``
    writes to stderr in ``fmt``, through a :class:`RepeatFilter`; the chatty libraries
    say only warnings unless ``level`` is debug."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if fmt == "json" else {"format": TEXT_FORMAT}
    library = "DEBUG" if level == "debug" else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"listener": formatter},
        "filters": {"repeats": {"()": RepeatFilter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "listener",
                "filters": ["repeats"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {name: {"level": library} for name in CHATTY},
    }


def choice(flag: str | None, variable: str, allowed: tuple[str, ...], default: str) -> str:
    """``flag`` if given, else the environment's ``variable``, else ``default``; raises
    ListenerError naming the variable for a value not in ``allowed``."""
    value = flag or os.environ.get(variable, "").strip().lower() or default
    if value not in allowed:
        raise ListenerError(f"{variable}={value!r}: must be one of {', '.join(allowed)}")
    return value


def setup_logging(level: str, fmt: str) -> None:
    """Configure logging for a command; called once, by the entry point."""
    import logging.config

    logging.config.dictConfig(logging_config(level, fmt))
