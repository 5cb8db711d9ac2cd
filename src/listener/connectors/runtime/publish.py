"""Publishing a page: its posts as bundles to the raw topic, then its checkpoint.

A bundle is one raw-topic message holding a JSON array of posts (see
docs/record-format.md), keyed by the connector instance's name. Every send waits for the
broker's acknowledgement from all in-sync replicas (``acks="all"``): the runner stores a
page's checkpoint only once its posts are safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Final

from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.connectors.base import Checkpoint
from listener.connectors.runtime.checkpoint import encode
from listener.errors import BrokerError
from listener.records import MAX_BUNDLE_POSTS, Post

log = logging.getLogger(__name__)

#: Largest bundle in bytes, under Kafka's default 1 MiB message limit.
MAX_BUNDLE_BYTES: Final = 900 * 1024


def bundles(
    posts: Sequence[Post], max_posts: int = MAX_BUNDLE_POSTS, max_bytes: int = MAX_BUNDLE_BYTES
) -> list[bytes]:
    """``posts`` as JSON arrays of at most ``max_posts`` posts and about ``max_bytes`` bytes
    (a single post larger than that still travels, alone)."""
    out: list[bytes] = []
    group: list[bytes] = []
    size = 2
    for post in posts:
        encoded = post.dumps()
        if group and (len(group) >= max_posts or size + len(encoded) + 1 > max_bytes):
            out.append(b"[" + b",".join(group) + b"]")
            group, size = [], 2
        group.append(encoded)
        size += len(encoded) + 1
    if group:
        out.append(b"[" + b",".join(group) + b"]")
    return out


class Sink:
    """The producer of one connectors process, shared by every instance."""

    def __init__(self, bootstrap: str, raw_topic: str, checkpoint_topic: str) -> None:
        self.raw_topic = raw_topic
        self.checkpoint_topic = checkpoint_topic
        self._bootstrap = bootstrap
        self._producer = AIOKafkaProducer(
            **client_kwargs(bootstrap), acks="all", linger_ms=5, request_timeout_ms=30_000
        )

    async def __aenter__(self) -> Sink:
        try:
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            raise BrokerError(f"cannot reach Kafka at {self._bootstrap}: {exc!r}") from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._producer.stop()

    async def publish(self, key: str, posts: Sequence[Post]) -> None:
        """Send ``posts`` as bundles keyed ``key``; returns once all are acknowledged."""
        if not posts:
            return
        encoded_key = key.encode()
        try:
            pending = [
                await self._producer.send(self.raw_topic, value, key=encoded_key)
                for value in bundles(posts)
            ]
            for meta in await asyncio.gather(*pending):
                log.debug("%s: bundle at %s[%d]@%d", key, meta.topic, meta.partition, meta.offset)
        except KafkaError as exc:
            raise BrokerError(f"cannot publish to {self.raw_topic}: {exc!r}") from exc

    async def save(self, key: str, checkpoint: Checkpoint) -> None:
        """Store ``checkpoint`` for the lane ``key``; returns once it is acknowledged."""
        try:
            await self._producer.send_and_wait(
                self.checkpoint_topic, encode(key, checkpoint), key=key.encode()
            )
        except KafkaError as exc:
            raise BrokerError(
                f"cannot store a checkpoint in {self.checkpoint_topic}: {exc!r}"
            ) from exc
