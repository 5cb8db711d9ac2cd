"""Reading what the pipeline produced: alerts, judged windows, dead letters."""

from __future__ import annotations

from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.records import Alert, DeadLetter
from listener.windows.recovery import read_range


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    consumer = AIOKafkaConsumer(topic, **client_kwargs(bootstrap), group_id=None)
    await consumer.start()
    try:
        return sorted(consumer.partitions_for_topic(topic) or set())
    finally:
        await consumer.stop()


async def read_all(bootstrap: str, topic: str) -> list[tuple[TopicPartition, int, bytes]]:
    """Every message of a topic now, partition by partition."""
    out = []
    for partition in await partitions_of(bootstrap, topic):
        tp = TopicPartition(topic, partition)
        async for offset, value in read_range(bootstrap, topic, partition, 0, None):
            out.append((tp, offset, value))
    return out


async def read_alerts(bootstrap: str, topic: str) -> list[Alert]:
    """Distinct alerts (a re-emitted alert has the same id), in event-time order."""
    alerts: dict[str, Alert] = {}
    for _, _, value in await read_all(bootstrap, topic):
        alert = Alert.loads(value)
        alerts.setdefault(alert.id, alert)
    return sorted(alerts.values(), key=lambda a: (a.fired_at, a.brand, a.rule))


async def read_stats(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Judged windows, one per (brand, end), in event-time order (each message holds the
    windows of the brands judged together: see listener.windows.stats.stats_messages)."""
    stats: dict[tuple[str, float], dict[str, Any]] = {}
    for _, _, value in await read_all(bootstrap, topic):
        for record in orjson.loads(value):
            stats.setdefault((record["brand"], record["end"]), record)
    return [stats[k] for k in sorted(stats, key=lambda k: (k[1], k[0]))]


async def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    return [DeadLetter.loads(value) for _, _, value in await read_all(bootstrap, topic)]
