"""Checkpoints kept durably in ``<prefix>.connector-checkpoints``, one record per page.

A record is keyed by the lane's key (the instance name, ``instance/lane`` when the instance
has several lanes) and holds the lane's :class:`~listener.connectors.base.Checkpoint` as JSON.
The latest record of a key wins. The topic has one partition and asks for compaction, so
on a Kafka cluster it stays small; the embedded broker does not compact, so it is read back
by scanning it to the end with :func:`~listener.windows.recovery.read_range`, once, when
the connectors start.

A record is written only after the broker acknowledged every post of its page, so the
stored checkpoint never runs ahead of what was published.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import orjson
from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.broker.admin import ensure_topics
from listener.broker.kafka_client import client_kwargs
from listener.connectors.base import Checkpoint
from listener.errors import BrokerError
from listener.settings import Settings
from listener.windows.recovery import read_range

log = logging.getLogger(__name__)

VERSION: Final = 1
_FIELDS: Final = ("since", "cursor", "walk_top", "etag", "last_modified")


def checkpoint_topic(settings: Settings) -> str:
    return f"{settings.topic_prefix}.connector-checkpoints"


def encode(key: str, checkpoint: Checkpoint) -> bytes:
    """The record value; it names its key too, since the scan reads values only."""
    data: dict[str, Any] = {"v": VERSION, "key": key}
    data.update({name: getattr(checkpoint, name) for name in _FIELDS})
    data["seen"] = list(checkpoint.seen)
    return orjson.dumps(data)


def decode(raw: bytes) -> tuple[str, Checkpoint]:
    """The key and checkpoint of a record; raises ValueError for a record that is not one."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise ValueError("not a checkpoint of this version")
    key = data.get("key")
    if not isinstance(key, str) or not key:
        raise ValueError("no key")
    values: dict[str, str | None] = {}
    for name in _FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} is not a string")
        values[name] = value
    seen = data.get("seen", [])
    if not isinstance(seen, list) or not all(isinstance(item, str) for item in seen):
        raise ValueError("seen is not a list of strings")
    return key, Checkpoint(**values, seen=tuple(seen))


async def ensure_checkpoint_topic(
    bootstrap: str, topic: str, replication_factor: int, min_insync: int | None = None
) -> None:
    """Create the checkpoint topic (one partition, compacted) unless it exists."""
    config = {"cleanup.policy": "compact"}
    if min_insync is not None:
        config["min.insync.replicas"] = str(min_insync)
    await ensure_topics(bootstrap, [topic], 1, replication_factor, configs={topic: config})


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    consumer = AIOKafkaConsumer(topic, **client_kwargs(bootstrap), group_id=None)
    try:
        await consumer.start()
        return sorted(consumer.partitions_for_topic(topic) or {0})
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} at {bootstrap}: {exc!r}") from exc
    finally:
        await consumer.stop()


async def load_checkpoints(bootstrap: str, topic: str) -> dict[str, Checkpoint]:
    """The latest readable checkpoint of every key in the topic.

    A record that cannot be read is logged and skipped, so its key keeps the checkpoint
    before it: going back one page repeats posts the scoring agent drops as duplicates,
    whereas starting afresh could skip some.
    """
    latest: dict[str, Checkpoint] = {}
    for partition in await _partitions(bootstrap, topic):
        async for offset, value in read_range(bootstrap, topic, partition, 0, None):
            try:
                key, checkpoint = decode(value)
            except ValueError as exc:
                log.error("checkpoint %s[%d]@%d unreadable: %s", topic, partition, offset, exc)
                continue
            latest[key] = checkpoint
    return latest
