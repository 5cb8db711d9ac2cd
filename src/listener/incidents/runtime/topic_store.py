"""The worker's :class:`~listener.incidents.access.api.IncidentStore`: every incident of every
partition as the ``incidents`` topic tells it, whichever worker owns the partition, every
silence as the incident log's commands left it, and commands sent to the incident log,
keyed by brand, for the owner to apply in order.

The ``incidents`` topic carries each transition with the incident as it is after it. A
worker that takes a partition over replays part of the log and writes some transitions
again; an incident's history only grows, so the copy with the longer history is the
newer one and a replay never shows an incident going back in time.

Silences are read from the incident log itself (:class:`SilenceBook`): only entries that
hold a silence or its end are decoded, and only when their seal holds. Silences whose
entries the log's retention has dropped are no longer listed, though the books that
applied them keep them in their snapshots until they end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.incidents.lifecycle.events import Command, Expire, InvalidEvent, Silence, routing_key
from listener.incidents.lifecycle.log import Entry, Seal
from listener.incidents.lifecycle.model import Incident
from listener.incidents.lifecycle.policy import DEFAULT_RETENTION
from listener.incidents.lifecycle.silences import SilenceBook, SilenceChanged

log = logging.getLogger(__name__)

#: Sends an entry to the incident log: with a key, or to one partition by number.
Send = Callable[[Entry, bytes | None, int | None], Awaitable[None]]
#: How long a poll of a topic waits for records (milliseconds).
POLL_MS: Final = 200
#: An entry is decoded for the silences only when it holds one of these.
_SILENCE_KINDS: Final = (b'"kind":"silence"', b'"kind":"expire"')


class TopicStore:
    """Incidents read from the ``incidents`` topic, silences from the incident log;
    commands written to the incident log."""

    def __init__(
        self,
        bootstrap: str,
        topics: tuple[str, str],
        partitions: int,
        send: Send,
        retention: int = DEFAULT_RETENTION,
        seal: Seal | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        #: The ``incidents`` topic and the incident log.
        self.topic, self.log_topic = topics
        self.partitions = partitions
        self.send = send
        self.retention = retention
        self.seal = seal
        self.known: dict[str, Incident] = {}
        self.silenced = SilenceBook()

    async def incidents(self) -> Sequence[Incident]:
        return list(self.known.values())

    async def incident(self, incident_id: str) -> Incident | None:
        return self.known.get(incident_id)

    async def silences(self) -> Sequence[SilenceChanged]:
        return list(self.silenced.changed.values())

    async def submit(self, command: Command) -> None:
        """Put ``command`` on the incident log; a silence not limited to one brand, and
        the end of a silence, go to every partition, since any may hold its incidents."""
        entry = Entry((command,), command.at)
        key = routing_key(command)
        if key is None and isinstance(command, Silence | Expire):
            for partition in range(self.partitions):
                await self.send(entry, None, partition)
            return
        await self.send(entry, key, None)

    def take(self, raw: bytes) -> None:
        """Keep the incident of one record of the ``incidents`` topic if it is newer."""
        incident = Incident.from_dict(orjson.loads(raw)["incident"])
        held = self.known.get(incident.id)
        if held is None or len(incident.history) >= len(held.history):
            self.known[incident.id] = incident
        if incident.resolved_at is not None:
            self._evict(incident.resolved_at - self.retention)

    def take_entry(self, raw: bytes) -> None:
        """Keep the silences and ends of silences of one entry of the incident log."""
        if not any(kind in raw for kind in _SILENCE_KINDS):
            return
        entry = Entry.loads(raw, self.seal)
        for event in entry.events:
            if isinstance(event, Silence | Expire):
                self.silenced.take(event)
        self.silenced.forget_before(entry.written_at - self.retention)

    def _evict(self, horizon: float) -> None:
        old = [
            key
            for key, kept in self.known.items()
            if kept.resolved_at is not None and kept.resolved_at < horizon
        ]
        for key in old:
            del self.known[key]

    async def follow(self) -> None:
        """Read both topics from their start, then follow them while the worker runs."""
        await asyncio.gather(self._keep_following(self.topic), self._keep_following(self.log_topic))

    async def _keep_following(self, topic: str) -> None:
        while True:
            try:
                await self._follow(topic)
            except KafkaError as exc:
                log.warning("reading %s failed (%r); starting again in 1s", topic, exc)
                await asyncio.sleep(1.0)

    async def _follow(self, topic: str) -> None:
        consumer = AIOKafkaConsumer(
            **client_kwargs(self.bootstrap),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        await consumer.start()
        try:
            tps = [TopicPartition(topic, p) for p in range(self.partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            if topic == self.topic:
                self.known.clear()
            else:
                self.silenced = SilenceBook()
            while True:
                batches = await consumer.getmany(*tps, timeout_ms=POLL_MS)
                for records in batches.values():
                    for record in records:
                        self._take_logged(topic, record.value, record.partition, record.offset)
        finally:
            await consumer.stop()

    def _take_logged(self, topic: str, raw: bytes | None, partition: int, offset: int) -> None:
        if raw is None:
            return
        try:
            if topic == self.topic:
                self.take(raw)
            else:
                self.take_entry(raw)
        except (InvalidEvent, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            # The incident stage dead-letters what cannot be read; here it is only skipped.
            log.warning("%s[%d]@%d skipped: %r", topic, partition, offset, exc)
