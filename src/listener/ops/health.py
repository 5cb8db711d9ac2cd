"""Liveness, readiness, and whether the broker answers.

``/health/live`` says only that the worker's event loop answers HTTP: restarting a worker
because Kafka is down would not bring Kafka back, so nothing else goes into it.

``/health/ready`` is 200 when all of these hold, 503 otherwise, with a JSON body saying
which one does not:

- **joined**: the worker is a member of its consumer group and its last rebalance is
  complete (it is not between a revocation and the next assignment);
- **recovered**: every scored partition assigned to it has its window state rebuilt
  (newest snapshot + the scored messages after it), or had nothing left to read at the last
  lag measure, in which case there is nothing to catch up and its state is loaded with its
  first message, before that message is counted;
- **broker**: the broker answered the last check (``listener_broker_up``).

A worker beyond the partition count has nothing assigned: it is ready, and idle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Gauge

log = logging.getLogger(__name__)

#: While the broker stays unreachable, the error line is repeated this often (seconds).
REPEAT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Readiness:
    """The three conditions of readiness, and the scored partitions still recovering."""

    joined: bool
    broker_up: bool
    waiting: tuple[int, ...]

    @property
    def ready(self) -> bool:
        return self.joined and self.broker_up and not self.waiting

    def to_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "joined": self.joined,
            "broker": self.broker_up,
            "recovering": list(self.waiting),
        }


def assess(
    joined: bool,
    broker_up: bool,
    assigned: Iterable[int],
    recovered: Collection[int],
    caught_up: Callable[[int], bool],
) -> Readiness:
    """Readiness from the worker's state: ``assigned`` are its scored partitions,
    ``recovered`` those whose window state is rebuilt, ``caught_up(p)`` whether ``p`` had
    nothing to read at the last measure."""
    waiting = tuple(sorted(p for p in assigned if p not in recovered and not caught_up(p)))
    return Readiness(joined=joined, broker_up=broker_up, waiting=waiting)


class BrokerWatch:
    """Keeps ``listener_broker_up`` and says, once per outage, that the broker is gone."""

    def __init__(
        self, gauge: Gauge, bootstrap: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.gauge = gauge
        self.bootstrap = bootstrap
        self.clock = clock
        #: None until the first check.
        self.up: bool | None = None
        self._down_since = 0.0
        self._said_at = 0.0

    def answered(self) -> None:
        """Called when a request to the broker succeeded."""
        if self.up is False:
            log.warning(
                "broker at %s answers again after %.0fs",
                self.bootstrap, self.clock() - self._down_since,
            )  # fmt: skip
        self.up = True
        self.gauge.set(1)

    def failed(self, error: BaseException) -> None:
        """Called when a request to the broker failed or timed out."""
        now = self.clock()
        if self.up is not False:
            self._down_since = self._said_at = now
            log.error(
                "broker at %s is unreachable (%s): this worker reports not ready until it "
                "answers; no post is processed meanwhile",
                self.bootstrap, error,
            )  # fmt: skip
        elif now - self._said_at >= REPEAT_SECONDS:
            self._said_at = now
            log.error(
                "broker at %s still unreachable after %.0fs (%s)",
                self.bootstrap, now - self._down_since, error,
            )  # fmt: skip
        self.up = False
        self.gauge.set(0)
