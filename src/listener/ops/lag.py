"""Consumer lag per topic and partition: how far this worker is behind what was produced.

``lag = high watermark - position``, never below zero, for every partition assigned to the
worker. The position is the next offset the worker will process: one past the last offset
its agents finished with (see :meth:`LagMonitor.processed`), or, for a partition it has not
processed anything from since it was assigned, the consumer's fetch position, which starts
at the group's committed offset. The high watermarks are asked of the broker on every
measure: one ListOffsets request, which also tells whether the broker answers at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from faust.types import TP

from listener.errors import BrokerError
from listener.ops.metrics import HealthMetrics

#: Longest a measure waits for the broker before calling it unreachable.
TIMEOUT_SECONDS = 3.0


class ConsumerView(Protocol):
    """The little of Faust's consumer the lag needs (``app.consumer`` satisfies it)."""

    def assignment(self) -> set[TP]:
        """The partitions assigned to this worker now."""
        ...

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        """The broker's high watermark of each partition; raises if it cannot be asked."""
        ...

    async def position(self, tp: TP) -> int | None:
        """The next offset the consumer will fetch from ``tp``."""
        ...


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """One partition's figures at one measure."""

    topic: str
    partition: int
    end: int
    position: int

    @property
    def lag(self) -> int:
        return max(0, self.end - self.position)


class LagMonitor:
    """Remembers what the agents processed and measures the lag of the worker's partitions."""

    def __init__(
        self, gauges: HealthMetrics, topics: Sequence[str], timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.gauges = gauges
        #: The topics the agents consume: their assignment is exported even when empty.
        self.topics = tuple(topics)
        self.timeout = timeout
        #: Next offset to process, per partition processed from since its assignment.
        self.positions: dict[TP, int] = {}
        #: The last measure, per partition.
        self.last: dict[TP, PartitionLag] = {}

    def processed(self, messages: Iterable[tuple[TP, int]]) -> None:
        """Called by an agent with the (partition, offset) of each message it finished."""
        positions = self.positions
        for tp, offset in messages:
            if offset + 1 > positions.get(tp, 0):
                positions[tp] = offset + 1

    def forget(self, partitions: Iterable[TP]) -> None:
        """Called with the partitions taken away from this worker."""
        for tp in partitions:
            self.positions.pop(tp, None)
            self.last.pop(tp, None)

    async def measure(self, consumer: ConsumerView, assigned: set[TP]) -> dict[TP, PartitionLag]:
        """Ask the broker for the high watermarks of ``assigned`` (raises BrokerError if it
        cannot be asked within the timeout) and work out each partition's lag. Partitions of
        other topics (Faust's own) are left out."""
        assigned = {tp for tp in assigned if tp.topic in self.topics}
        for tp in [tp for tp in self.positions if tp not in assigned]:
            del self.positions[tp]  # revoked without news: the new owner measures it
        ends = await self._highwaters(consumer, assigned) if assigned else {}
        lags = {}
        for tp in assigned:
            end = ends.get(tp, 0)
            position = self.positions.get(tp)
            if position is None:
                position = await self._fetch_position(consumer, tp)
            lags[tp] = PartitionLag(
                tp.topic, tp.partition, end, end if position is None else position
            )
        self.last = lags
        return lags

    async def ping(self, consumer: ConsumerView, tp: TP) -> None:
        """Ask the broker for one high watermark, only to know that it answers."""
        await self._highwaters(consumer, {tp})

    async def _highwaters(self, consumer: ConsumerView, tps: set[TP]) -> Mapping[TP, int]:
        try:
            return await asyncio.wait_for(consumer.highwaters(*tps), self.timeout)
        except (KafkaError, TimeoutError, OSError) as exc:
            raise BrokerError(
                f"cannot read the high watermarks of {len(tps)} partitions: {exc!r}"
            ) from exc

    async def _fetch_position(self, consumer: ConsumerView, tp: TP) -> int | None:
        # Unknown rather than a broker failure: the partition may have just been revoked.
        try:
            return await asyncio.wait_for(consumer.position(tp), self.timeout)
        except (KafkaError, TimeoutError):
            return None

    def publish(self) -> None:
        """Set the lag, end-offset and assignment gauges from the last measure."""
        g = self.gauges
        g.consumer_lag.clear()
        g.end_offset.clear()
        g.partitions_assigned.clear()
        per_topic = dict.fromkeys(self.topics, 0)
        for figures in self.last.values():
            labels = (figures.topic, str(figures.partition))
            g.consumer_lag.labels(*labels).set(figures.lag)
            g.end_offset.labels(*labels).set(figures.end)
            per_topic[figures.topic] = per_topic.get(figures.topic, 0) + 1
        for topic, count in per_topic.items():
            g.partitions_assigned.labels(topic).set(count)

    def caught_up(self, tp: TP) -> bool:
        """Whether the last measure found nothing left to read in ``tp``."""
        figures = self.last.get(tp)
        return figures is not None and figures.lag == 0
