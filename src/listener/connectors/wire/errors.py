"""Why a source could not be read this time.

httpx errors and the source's HTTP answers are translated into these at one boundary,
:mod:`listener.connectors.wire.http`, so the runner decides what to do from the class alone:
wait as the source asked (:class:`RateLimited`), back off and retry (:class:`SourceUnavailable`,
:class:`MalformedResponse`), or back off to the longest delay and tell a person
(:class:`SourceRejected`: credentials or a name in the YAML are wrong). None of them stops
a connector: it keeps trying, and the error counter shows what happens.

An answer, a stream line or a WebSocket message larger than the instance allows is a
:class:`ResponseTooLarge`: reading stops at the limit, before the rest is inflated.
"""

from __future__ import annotations

from typing import ClassVar

from listener.errors import ListenerError


class SourceError(ListenerError):
    """A request to a source failed; ``kind`` labels the error counter.

    ``retry_after`` is how many seconds the source asked us to wait (a ``Retry-After``
    header, an exhausted rate-limit window), None when it did not say; ``status`` is the
    HTTP status that caused it, if any.
    """

    kind: ClassVar[str] = "source"

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class RateLimited(SourceError):
    """The source answered 429, or its own rate-limit headers say the window is spent."""

    kind: ClassVar[str] = "rate_limited"


class SourceUnavailable(SourceError):
    """The network failed, the request timed out or the source answered 5xx: transient."""

    kind: ClassVar[str] = "unavailable"


class StreamDropped(SourceUnavailable):
    """A long-lived stream ended or went silent; the connector falls back to polling."""

    kind: ClassVar[str] = "stream_dropped"


class SourceRejected(SourceError):
    """The source refused the request (4xx other than 429): a credential, a name or a
    permission in the YAML is wrong. Retried slowly, since only a person can fix it."""

    kind: ClassVar[str] = "rejected"


class MalformedResponse(SourceError):
    """The answer was not in the source's documented format (bad JSON, bad XML, a field
    of the wrong shape). Nothing of it is published and the checkpoint does not move."""

    kind: ClassVar[str] = "malformed"


class ResponseTooLarge(MalformedResponse):
    """The answer (counted after decompression), a line of a stream or a message was
    larger than the instance's limit; reading stopped there and nothing of it is used."""

    kind: ClassVar[str] = "too_large"
