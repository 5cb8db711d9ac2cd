"""Slack's request signing, checked on every request its buttons send.

Slack signs each interactivity request with the app's signing secret: ``X-Slack-Signature``
is ``v0=`` and the hex HMAC-SHA256 of ``v0:<X-Slack-Request-Timestamp>:<raw body>``. A
request is taken only when the signature matches (compared in constant time), its
timestamp is within five minutes of our clock, and the same signature has not been seen
within those five minutes: a request captured on the way cannot be sent again, neither
later (stale) nor at once (replayed).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import Final

from listener.errors import ListenerError

#: How far a request's timestamp may be from our clock, either way (Slack's advice).
WINDOW: Final = 300.0
#: At most this many signatures are remembered; a flood of signed requests from Slack
#: beyond it within five minutes is refused rather than remembered without bound.
MAX_SEEN: Final = 100_000


class SlackRefused(ListenerError):
    """A request that does not come from Slack, or not now; ``reason`` is a short code
    (``unsigned``, ``bad_signature``, ``stale``, ``replayed``, ``busy``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` Slack sends for ``body`` sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()


class SlackVerifier:
    """Checks requests signed with one signing secret; remembers the signatures it took."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("the Slack signing secret is empty")
        self._secret = secret.encode()
        self._clock = clock
        self._seen: dict[str, float] = {}

    def check(self, headers: Mapping[str, str], body: bytes) -> None:
        """Return when the request (header names in lower case) is Slack's, signed now and
        not seen before; raise :class:`SlackRefused` otherwise."""
        stamp = headers.get("x-slack-request-timestamp", "")
        given = headers.get("x-slack-signature", "")
        if not stamp or not given:
            raise SlackRefused("unsigned", "the request carries no Slack signature")
        expected = signature(self._secret, stamp, body)
        # The signature is checked before the timestamp, so a refusal for a stale or
        # replayed request tells nothing to whoever does not hold the secret.
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise SlackRefused("bad_signature", "the Slack signature does not match")
        now = self._clock()
        try:
            sent = float(stamp)
        except ValueError:
            raise SlackRefused("stale", "the Slack timestamp is not a number") from None
        if not abs(now - sent) <= WINDOW:
            raise SlackRefused("stale", "the request was signed more than five minutes away")
        self._forget(now)
        if expected in self._seen:
            raise SlackRefused("replayed", "this request was already received")
        if len(self._seen) >= MAX_SEEN:
            raise SlackRefused("busy", "too many requests within five minutes")
        self._seen[expected] = sent

    def _forget(self, now: float) -> None:
        """Drop signatures whose timestamp is out of the window: they are refused as stale."""
        for key in [key for key, sent in self._seen.items() if now - sent > WINDOW]:
            del self._seen[key]
