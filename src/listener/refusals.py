"""How often a client may be refused before it is held off: the one budget behind every
HTTP door listener serves (the connectors' endpoints, the incident API).

A client (an IP address) refused ``requests`` times within ``per`` seconds (a bad token or
signature, a malformed or oversized request) is answered 429 until the oldest of those
refusals is ``per`` seconds old. Guessing a key or a signature then costs minutes, not
milliseconds, and a client that behaves is never held off by another's failures.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

#: Client addresses remembered; the quietest are forgotten first.
MAX_CLIENTS: Final = 10_000


class Refusals:
    """The recent refusals of each client, and who is held off for how long."""

    def __init__(
        self, requests: int, per: float, clock: Callable[[], float] | None = None
    ) -> None:
        if requests < 1 or per <= 0:
            raise ValueError("a refusal budget needs requests >= 1 and per > 0")
        self.requests = requests
        self.per = per
        self._clock = clock
        self._stamps: dict[str, deque[float]] = {}

    def failed(self, client: str) -> bool:
        """Count one refusal of ``client``; True when this one starts holding it off."""
        already = self.blocked_for(client) > 0
        stamps = self._stamps.pop(client, None) or deque(maxlen=self.requests)
        self._stamps[client] = stamps  # the most recently refused is kept last
        stamps.append(self._now())
        while len(self._stamps) > MAX_CLIENTS:
            del self._stamps[next(iter(self._stamps))]
        return not already and self.blocked_for(client) > 0

    def blocked_for(self, client: str) -> float:
        """Seconds until ``client`` may be served again (0: it may now)."""
        stamps = self._stamps.get(client)
        if stamps is None or len(stamps) < self.requests:
            return 0.0
        return max(0.0, stamps[0] + self.per - self._now())

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.monotonic()
