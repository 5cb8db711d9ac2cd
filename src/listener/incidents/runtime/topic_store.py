"""The worker's :class:`~listener.incidents.access.api.IncidentStore`: every incident of every
partition as the ``incidents`` topic tells it, whichever worker owns the partition, and
commands sent to the incident log, keyed by brand, for the owner to apply in order.

The ``incidents`` topic carries each transition with the incident as it is after it. A
worker that takes a partition over replays part of the log and writes some transitions
again; an incident's history only grows, so the copy with the longer history is the
newer one and a replay never shows an incident going back in time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.incidents.lifecycle.actions import SilenceChanged
from listener.incidents.lifecycle.events import Command, Expire, Silence, routing_key
from listener.incidents.lifecycle.log import Entry
from listener.incidents.lifecycle.model import Incident
from listener.incidents.lifecycle.policy import DEFAULT_RETENTION
from listener.kafka_client import client_kwargs

log = logging.getLogger(__name__)

#: Sends an entry to the incident log: with a key, or to one partition by number.
Send = Callable[[Entry, bytes | None, int | None], Awaitable[None]]
#: How long a poll of the incidents topic waits for records (milliseconds).
POLL_MS: Final = 200


class TopicStore:
    """Incidents read from the ``incidents`` topic; commands written to the incident log."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partitions: int,
        send: Send,
        retention: int = DEFAULT_RETENTION,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.partitions = partitions
        self.send = send
        self.retention = retention
        self.known: dict[str, Incident] = {}
        #: Every silence by id, as last changed (an end only comes earlier).
        self.silenced: dict[str, SilenceChanged] = {}

    async def incidents(self) -> Sequence[Incident]:
        return list(self.known.values())

    async def incident(self, incident_id: str) -> Incident | None:
        return self.known.get(incident_id)

    async def silences(self) -> Sequence[SilenceChanged]:
        return list(self.silenced.values())

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
        """Keep the incident of one record of the ``incidents`` topic if it is newer, or
        the silence it tells of."""
        data = orjson.loads(raw)
        if "silence" in data:
            self._take_silence(SilenceChanged.loads(raw))
            return
        incident = Incident.from_dict(data["incident"])
        held = self.known.get(incident.id)
        if held is None or len(incident.history) >= len(held.history):
            self.known[incident.id] = incident
        if incident.resolved_at is not None:
            self._evict(incident.resolved_at - self.retention)

    def _take_silence(self, news: SilenceChanged) -> None:
        # Sent to every partition, a silence comes back once per partition; an end only
        # moves earlier, so the earliest end is the newest news, in whatever order.
        held = self.silenced.get(news.silence.id)
        if held is None or news.silence.end < held.silence.end:
            self.silenced[news.silence.id] = news
        horizon = news.at - self.retention
        for key in [k for k, n in self.silenced.items() if n.silence.end < horizon]:
            del self.silenced[key]

    def _evict(self, horizon: float) -> None:
        old = [
            key
            for key, kept in self.known.items()
            if kept.resolved_at is not None and kept.resolved_at < horizon
        ]
        for key in old:
            del self.known[key]

    async def follow(self) -> None:
        """Read the topic from its start, then follow it for as long as the worker runs."""
        while True:
            try:
                await self._follow()
            except KafkaError as exc:
                log.warning("reading %s failed (%r); starting again in 1s", self.topic, exc)
                await asyncio.sleep(1.0)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            **client_kwargs(self.bootstrap),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        await consumer.start()
        try:
            tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            self.known.clear()
            self.silenced.clear()
            while True:
                batches = await consumer.getmany(*tps, timeout_ms=POLL_MS)
                for records in batches.values():
                    for record in records:
                        self._take_logged(record.value, record.partition, record.offset)
        finally:
            await consumer.stop()

    def _take_logged(self, raw: bytes | None, partition: int, offset: int) -> None:
        if raw is None:
            return
        try:
            self.take(raw)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            log.warning(
                "%s[%d]@%d is not an incident record: %r", self.topic, partition, offset, exc
            )
