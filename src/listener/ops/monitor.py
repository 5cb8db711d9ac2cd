"""The one object the pipeline tells what it did, and asks whether the worker is ready.

The agents call the plain methods as they go (they only record); :meth:`OpsMonitor.refresh`
does the work that asks the broker or ranks brands, on a timer and before answering
``/health/ready``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

from faust.exceptions import ConsumerNotStarted
from faust.types import TP

from listener.broker.topics import TopicNames
from listener.errors import BrokerError
from listener.ops.brand_metrics import BrandBoard
from listener.ops.health import BrokerWatch, Readiness, assess
from listener.ops.lag import ConsumerView, LagMonitor
from listener.ops.latency import AlertTiming
from listener.ops.metrics import Metrics
from listener.records import Alert, ScoredPost
from listener.windows.judging import Outcome
from listener.windows.partition import PartitionState

log = logging.getLogger(__name__)

#: How often the ops timer should call :meth:`OpsMonitor.refresh` (seconds).
REFRESH_SECONDS = 2.0
#: The longest ``/health/ready`` waits for the broker before answering not ready: a probe
#: that hangs while the broker is down gets the worker restarted for nothing.
READY_SECONDS = 5.0


def matched_by_source(by_brand: Mapping[str, Sequence[ScoredPost]]) -> dict[str, int]:
    """Posts that matched at least one brand, by source: a post about two brands once."""
    keys = {scored.post.key: scored.post.source for posts in by_brand.values() for scored in posts}
    return dict(Counter(keys.values()))


def received_through(states: Iterable[PartitionState]) -> float | None:
    """Event time up to which every raw partition has delivered its posts, as far as the
    best-informed of ``states`` knows: its clock input before the lateness is taken off."""
    marks = [mark for mark in (s.received for s in states) if mark is not None]
    return max(marks) if marks else None


class OpsMonitor:
    """Brand gauges, consumer lag, broker health, readiness and alert timing of one worker."""

    def __init__(
        self, metrics: Metrics, names: TopicNames, bootstrap: str, brand_limit: int
    ) -> None:
        self.metrics = metrics
        self.names = names
        self.brands = BrandBoard(metrics.brands, brand_limit)
        self.lag = LagMonitor(metrics.health, (names.raw, names.scored))
        self.broker = BrokerWatch(metrics.health.broker_up, bootstrap)
        self.timing = AlertTiming(metrics.delivery)
        #: Set when a rebalance completes, cleared when partitions are revoked.
        self.joined = False
        self.assigned: set[TP] = set()
        self._refreshed = float("-inf")
        self._ready: bool | None = None
        self._lock = asyncio.Lock()
        #: The refresh a readiness check started, which may outlive the check.
        self._refreshing: asyncio.Task[None] | None = None
        self.ready_seconds = READY_SECONDS

    # What the agents report.

    def processed(self, messages: Iterable[tuple[TP, int]]) -> None:
        """Called by each agent with the (partition, offset) of the messages it finished."""
        self.lag.processed(messages)

    def window_batch(self, states: Mapping[int, PartitionState], received_at: float) -> None:
        """Called after the window agent applied a batch received at wall time
        ``received_at``, before its alerts are sent."""
        through = received_through(states.values())
        if through is not None:
            self.timing.progress(through, received_at)

    def outcome(self, outcome: Outcome) -> None:
        """Called with each outcome published: its judged windows feed the brand gauges."""
        for stats in outcome.judged:
            self.brands.judged(stats)
        for brand, end in outcome.steady:
            self.brands.steady(brand, end)

    def alert_sent(self, alert: Alert) -> None:
        """Called once the broker has an alert."""
        end = alert.fired_at.timestamp()
        self.timing.sent(end)
        self.brands.alerted(alert.brand, alert.rule, alert.severity, end)

    # Group membership.

    def rebalanced(self) -> None:
        """Called when a rebalance is complete: the worker has joined its group."""
        self.joined = True

    def revoked(self, partitions: Iterable[TP], states: Mapping[int, PartitionState]) -> None:
        """Called when partitions are taken away, before their window states are dropped."""
        self.joined = False
        partitions = list(partitions)
        self.lag.forget(partitions)
        for tp in partitions:
            state = states.get(tp.partition) if tp.topic == self.names.scored else None
            if state is not None:
                self.brands.forget(state.brands)

    # The periodic work.

    async def refresh(self, consumer: ConsumerView) -> None:
        """Measure lag (asking the broker), then publish the lag and brand gauges."""
        async with self._lock:
            self._refreshed = time.monotonic()
            try:
                self.assigned = set(consumer.assignment())
            except ConsumerNotStarted:
                return  # not started: nothing to measure, and not joined anyway
            try:
                await self.lag.measure(consumer, self.assigned)
                if not self.assigned:  # an idle worker still says whether the broker answers
                    await self.lag.ping(consumer, TP(self.names.raw, 0))
            except BrokerError as exc:
                self.broker.failed(exc.__cause__ or exc)
            else:
                self.broker.answered()
            self.lag.publish()
            self.brands.publish()

    async def readiness(
        self, consumer: ConsumerView, recovered: Collection[int], max_age: float = 1.0
    ) -> Readiness:
        """For ``/health/ready``: refreshes if the last refresh is older than ``max_age``
        seconds; ``recovered`` are the scored partitions whose window state is rebuilt."""
        if time.monotonic() - self._refreshed > max_age:
            await self._bounded_refresh(consumer)
        scored = self.names.scored
        readiness = assess(
            joined=self.joined,
            broker_up=self.broker.up is True,
            assigned=[tp.partition for tp in self.assigned if tp.topic == scored],
            recovered=recovered,
            caught_up=lambda p: self.lag.caught_up(TP(scored, p)),
        )
        self._note(readiness)
        return readiness

    async def _bounded_refresh(self, consumer: ConsumerView) -> None:
        """Refresh, waiting at most ``ready_seconds``. A broker call that does not give up
        when cancelled (the consumer's calls cross to its thread) may outlive this wait:
        it is left running, not awaited, and the next check waits on it again."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self.refresh(consumer))
        done, _ = await asyncio.wait({self._refreshing}, timeout=self.ready_seconds)
        if not done:
            self.broker.failed(TimeoutError(f"no answer within {self.ready_seconds:.0f}s"))

    def _note(self, readiness: Readiness) -> None:
        self.metrics.health.ready.set(1 if readiness.ready else 0)
        if readiness.ready == self._ready:
            return
        self._ready = readiness.ready
        if readiness.ready:
            log.info("worker ready: %d partitions assigned", len(self.assigned))
        else:
            log.info("worker not ready: %s", readiness.to_dict())
