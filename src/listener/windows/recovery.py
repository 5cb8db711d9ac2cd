"""Snapshots of window state, and the reads that bring a partition's state back exactly.

A snapshot is ``PartitionState.to_dict()`` as JSON (written from ``to_dict(encoded=True)``,
whose buckets are kept as JSON from one snapshot to the next: the same bytes), compressed (a
zstd frame; zlib streams written by earlier versions are still read), on the snapshot
topic's partition of the same number as the scored partition it covers; it records the
offset it covers.
Recovery = the newest snapshot + the scored messages after its offset. Any snapshot is a
consistent starting point (state and offset are taken together), so a stale one written
by a worker that lost the partition costs only a longer replay, never a wrong count.

End offsets are not trusted to be exact (some brokers report the start of the last batch
instead of the end): every read goes on until the broker has nothing more to give.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import orjson
import zstandard
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.errors import BrokerError
from listener.retry import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long one poll of a read waits for records.
IDLE_MS = 100
#: Longest a whole read may take before it is an error.
READ_TIMEOUT = 120.0


#: How a zstd frame starts; a zlib stream never does (its first byte is 0x78 or so).
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


#: Waits before reading a partition's state again when the broker cannot be read: from the
#: first, doubling up to the last. Nothing of the partition can be processed before it is read.
RECOVERY_RETRY_SECONDS = (1.0, 30.0)


async def until_read(what: str, read: Callable[[], Awaitable[T]]) -> T:
    """What ``read()`` (a partition's state read back from the broker) gives, tried again,
    with backoff, while the broker cannot be read: the agent taking the partition over waits
    instead of failing (which would end the worker, listener/batching.py). ``read`` keeps
    nothing of an attempt that broke off. ``what`` names the state in the log."""
    backoff = Backoff(*RECOVERY_RETRY_SECONDS)
    while True:
        try:
            return await read()
        except BrokerError as exc:
            delay = backoff.next()
            log.warning("%s not read (%s); trying again in %.1f s", what, exc, delay)
            await asyncio.sleep(delay)


def encode_snapshot(state: dict[str, Any]) -> bytes:
    """``state`` as JSON in a zstd frame: level 1 is several times faster than zlib's
    fastest and smaller, and snapshots are taken every few seconds of a busy worker."""
    return zstandard.ZstdCompressor(level=1).compress(orjson.dumps(state))


def decode_snapshot(raw: bytes) -> dict[str, Any]:
    if raw[:4] == _ZSTD_MAGIC:
        text = zstandard.ZstdDecompressor().decompress(raw)
    else:
        text = zlib.decompress(raw)  # a snapshot written before snapshots were zstd
    data: dict[str, Any] = orjson.loads(text)
    return data


@asynccontextmanager
async def _reader(bootstrap: str, tp: TopicPartition) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=32 * 1024 * 1024,
        fetch_max_wait_ms=50,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        await consumer.start()
        consumer.assign([tp])
        yield consumer
    except KafkaError as exc:
        raise BrokerError(f"cannot read {tp.topic}[{tp.partition}]: {exc!r}") from exc
    finally:
        await consumer.stop()


async def read_range(
    bootstrap: str,
    topic: str,
    partition: int,
    start: int,
    stop: int | None,
    timeout: float = READ_TIMEOUT,
) -> AsyncIterator[tuple[int, bytes]]:
    """Yield (offset, value) of ``topic[partition]`` from ``start`` up to, not including,
    ``stop`` (None: up to the end the broker reports in its fetch answers).

    A slow answer never passes for the end: with ``stop`` the read goes on until the
    position reaches it; without, until the position reaches the fetch's high watermark.
    """
    tp = TopicPartition(topic, partition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with _reader(bootstrap, tp) as consumer:
        consumer.seek(tp, start)
        while True:
            records = (await consumer.getmany(tp, timeout_ms=IDLE_MS)).get(tp, [])
            for record in records:
                if stop is not None and record.offset >= stop:
                    return
                if record.value is not None:
                    yield record.offset, record.value
            position = await consumer.position(tp)
            end = stop if stop is not None else consumer.highwater(tp)
            if end is not None and position >= end:
                return
            if loop.time() > deadline:
                raise BrokerError(f"reading {topic}[{partition}] stopped at offset {position}")


async def latest_snapshot(bootstrap: str, topic: str, partition: int) -> dict[str, Any] | None:
    """The newest snapshot of a partition, or None if it has never been snapshotted."""
    tp = TopicPartition(topic, partition)
    async with _reader(bootstrap, tp) as consumer:
        end = (await consumer.end_offsets([tp]))[tp]
    newest: bytes | None = None
    # Start a little before the reported end, so an end that points at the start of the
    # last batch, rather than past it, still finds the last record.
    async for _, value in read_range(bootstrap, topic, partition, max(0, end - 2), None):
        newest = value
    if newest is None and end > 0:
        async for _, value in read_range(bootstrap, topic, partition, 0, None):
            newest = value
    if newest is None:
        return None
    try:
        return decode_snapshot(newest)
    except (zlib.error, orjson.JSONDecodeError) as exc:
        log.error(
            "snapshot of %s[%d] unreadable (%s); rebuilding from the start", topic, partition, exc
        )
        return None
