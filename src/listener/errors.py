"""The one exception tree of listener.

Everything listener raises on purpose derives from :class:`ListenerError`. Library
errors (aiokafka, httpx, SMTP) are translated at the boundary with ``raise ... from``
so callers only ever catch these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ListenerError(Exception):
    """Base of every error listener raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem found in a configuration file: where it is and what is wrong."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class ConfigError(ListenerError):
    """Configuration was refused at load; carries every problem found, not just the first."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} configuration error(s):\n{lines}")


class InvalidPost(ListenerError):
    """A raw post could not be accepted; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        #: The offending element when it came inside a bundle; None means the whole message.
        self.payload: bytes | None = None
        super().__init__(f"{reason}: {detail}")


class BrokerError(ListenerError):
    """The embedded broker could not be started, or a Kafka cluster could not be reached."""


class ScenarioError(ListenerError):
    """A replay file or scenario could not be read."""
