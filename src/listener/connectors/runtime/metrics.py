"""The connectors' Prometheus metrics, built against a registry passed in.

They answer one question above all: is a quiet brand quiet, or is its source down? A
quiet source still polls successfully, so ``listener_connector_last_success_timestamp_seconds``
keeps moving and ``listener_connector_up`` stays 1 while the lag grows; an outage stops the
first, drops the second to 0 and counts errors by kind. Alert on
``time() - listener_connector_last_success_timestamp_seconds`` rather than on the lag.

Labels are bounded: ``connector`` is an instance name from connectors/*.yaml, ``kind`` a
source kind, ``outcome`` and ``error`` come from closed vocabularies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from listener.records import Post

#: Outcomes of one HTTP request, as counted by ``listener_connector_requests_total``.
OUTCOMES = (
    "ok",
    "not_modified",
    "rate_limited",
    "server_error",
    "client_error",
    "network",
    "too_large",
    "malformed",
)


@dataclass(frozen=True)
class ConnectorMetrics:
    posts: Counter
    repeated: Counter
    requests: Counter
    errors: Counter
    last_success: Gauge
    newest_post: Gauge
    lag: Gauge
    up: Gauge
    rate_remaining: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ConnectorMetrics:
        def counter(name: str, doc: str, *labels: str) -> Counter:
            return Counter(
                f"listener_connector_{name}", doc, ("connector", *labels), registry=registry
            )

        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(f"listener_connector_{name}", doc, ("connector",), registry=registry)

        return cls(
            posts=counter(
                "posts_fetched_total", "New posts fetched from a source and published", "kind"
            ),
            repeated=counter(
                "posts_repeated_total", "Posts a source returned again, not published twice"
            ),
            requests=counter("requests_total", "Requests made to a source, by outcome", "outcome"),
            errors=counter(
                "errors_total",
                "Failures by kind: rate_limited, unavailable, rejected, malformed, "
                "malformed_item, stream_dropped, broker, bug, crash, ...",
                "error",
            ),
            last_success=gauge(
                "last_success_timestamp_seconds",
                "When a poll of the source last succeeded (POSIX seconds)",
            ),
            newest_post=gauge(
                "newest_post_timestamp_seconds",
                "Event time of the newest post fetched (POSIX seconds)",
            ),
            lag=gauge(
                "lag_seconds", "Now minus the newest post's event time (NaN before the first post)"
            ),
            up=gauge("up", "1 if the last poll of the source succeeded"),
            rate_remaining=gauge("rate_limit_remaining", "Requests left, as the source said"),
        )

    def report(self, connector: str, kind: str) -> Report:
        """The view one connector instance updates."""
        return Report(self, connector, kind)


class Report:
    """The metrics of one connector instance; its lanes and HTTP client update them."""

    def __init__(self, metrics: ConnectorMetrics, connector: str, kind: str) -> None:
        self.connector = connector
        self.kind = kind
        self._metrics = metrics
        self._newest: float | None = None
        self._posts = metrics.posts.labels(connector, kind)
        self._repeated = metrics.repeated.labels(connector)
        metrics.lag.labels(connector).set_function(self._lag)
        # Declared at zero so a dashboard shows the series before anything happens.
        for outcome in OUTCOMES:
            metrics.requests.labels(connector, outcome)

    def _lag(self) -> float:
        return math.nan if self._newest is None else time.time() - self._newest

    def request(self, outcome: str) -> None:
        self._metrics.requests.labels(self.connector, outcome).inc()

    def error(self, kind: str, count: int = 1) -> None:
        self._metrics.errors.labels(self.connector, kind).inc(count)

    def fetched(self, posts: Sequence[Post], repeated: int = 0) -> None:
        """``posts`` were published; ``repeated`` more were dropped as already published."""
        self._posts.inc(len(posts))
        if repeated:
            self._repeated.inc(repeated)
        if posts:
            newest = max(post.ts for post in posts)
            if self._newest is None or newest > self._newest:
                self._newest = newest
                self._metrics.newest_post.labels(self.connector).set(newest)

    def success(self) -> None:
        self._metrics.last_success.labels(self.connector).set(time.time())
        self._metrics.up.labels(self.connector).set(1)

    def failure(self) -> None:
        self._metrics.up.labels(self.connector).set(0)

    def rate(self, remaining: float | None) -> None:
        if remaining is not None:
            self._metrics.rate_remaining.labels(self.connector).set(remaining)
