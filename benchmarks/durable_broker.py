"""Start-up, stop and produce/consume rates of the durable broker against the in-memory one.

For each storage: the time until the broker answers (for the durable one on an empty
directory and again on the filled one), then one-at-a-time produce (each send waits
for its acknowledgement: the latency a connector sees), batched produce (the producer
groups records: the rate a replay reaches), a full read from the start, and the stop.

    .venv/bin/python benchmarks/durable_broker.py [--messages 5000] [--size 200]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # type: ignore[import-untyped]

from listener.broker.admin import ensure_topics
from listener.broker.seaweed import durable_broker
from listener.broker.tansu import EmbeddedBroker

TOPIC = "bench"
PARTITIONS = 4
Opener = Callable[[], AbstractAsyncContextManager[EmbeddedBroker]]


async def produce_one_by_one(bootstrap: str, payloads: list[bytes]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        started = time.perf_counter()
        for payload in payloads:
            await producer.send_and_wait(TOPIC, payload)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def produce_batched(bootstrap: str, payloads: list[bytes]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    try:
        started = time.perf_counter()
        pending = [await producer.send(TOPIC, payload) for payload in payloads]
        await asyncio.gather(*pending)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def consume(bootstrap: str, expected: int) -> float:
    """Seconds to read ``expected`` records from the start of every partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=100)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(TOPIC, p) for p in range(PARTITIONS)])
        await consumer.seek_to_beginning()
        started, read = time.perf_counter(), 0
        while read < expected:
            batches = await consumer.getmany(timeout_ms=5000)
            if not batches:
                raise RuntimeError(f"only {read} of {expected} records came back")
            read += sum(len(records) for records in batches.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def measure(opener: Opener, messages: int, size: int) -> dict[str, float]:
    single = [b"s" * size] * max(1, messages // 10)
    batch = [b"b" * size] * messages
    figures: dict[str, float] = {}
    started = time.perf_counter()
    async with opener() as broker:
        figures["start_s"] = time.perf_counter() - started
        await ensure_topics(broker.bootstrap, [TOPIC], PARTITIONS)
        figures["one_by_one_msg_s"] = len(single) / await produce_one_by_one(
            broker.bootstrap, single
        )
        figures["batched_msg_s"] = len(batch) / await produce_batched(broker.bootstrap, batch)
        total = len(single) + len(batch)
        figures["read_msg_s"] = total / await consume(broker.bootstrap, total)
        started = time.perf_counter()
    figures["stop_s"] = time.perf_counter() - started
    return figures


async def restart_time(directory: Path) -> tuple[float, float]:
    """Start and stop of the durable pair on a directory that already holds the data."""
    started = time.perf_counter()
    async with durable_broker(directory):
        up = time.perf_counter() - started
        started = time.perf_counter()
    return up, time.perf_counter() - started


@asynccontextmanager
async def memory() -> AsyncIterator[EmbeddedBroker]:
    async with EmbeddedBroker() as broker:
        yield broker


async def main(messages: int, size: int) -> None:
    with tempfile.TemporaryDirectory(prefix="listener-durable-") as tmp:
        directory = Path(tmp) / "broker"
        results = {
            "memory": await measure(memory, messages, size),
            "durable": await measure(lambda: durable_broker(directory), messages, size),
        }
        warm_up, warm_stop = await restart_time(directory)
        disk = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    print(f"{messages} batched + {max(1, messages // 10)} one-by-one messages of {size} bytes")
    print(f"{'':26}{'memory':>12}{'durable':>12}{'ratio':>8}")
    for key in results["memory"]:
        mem, dur = results["memory"][key], results["durable"][key]
        print(f"{key:26}{mem:12.2f}{dur:12.2f}{dur / mem:8.2f}")
    print(f"{'durable restart start_s':26}{'':12}{warm_up:12.2f}")
    print(f"{'durable restart stop_s':26}{'':12}{warm_stop:12.2f}")
    print(f"durable directory: {disk / 1e6:.1f} MB on disk")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.size))
