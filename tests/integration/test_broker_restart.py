"""The durable embedded broker restarted while a worker is counting and posts keep coming:
every post is counted once, none lost and none twice, once the broker is back."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from listener.broker.admin import ensure_topics
from listener.broker.process import WorkerProcess
from listener.broker.seaweed import durable_broker
from listener.broker.topics import TopicNames
from listener.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 2
BEFORE, DURING, AFTER = 80, 40, 80
START = datetime(2017, 10, 3, 14, 0, tzinfo=UTC)


def post(n: int) -> bytes:
    return orjson.dumps(
        {
            "id": f"restart-{n}",
            "source": "x",
            "created_at": (START + timedelta(seconds=2 * n)).isoformat(),
            "text": f"Intesa Sanpaolo, question number {n} about my account",
            "author_id": f"author-{n % 40}",
            "lang": "en",
        }
    )


async def send(bootstrap: str, topic: str, numbers: range, deadline: float) -> None:
    """Send each post until the broker has it, however long the broker is away."""
    producer: AIOKafkaProducer | None = None
    try:
        for n in numbers:
            while True:
                try:
                    if producer is None:
                        producer = AIOKafkaProducer(
                            bootstrap_servers=bootstrap, request_timeout_ms=3000
                        )
                        await producer.start()
                    await producer.send_and_wait(topic, post(n), key=str(n).encode())
                    break
                except (KafkaError, OSError):
                    assert time.monotonic() < deadline, f"post {n} was never taken"
                    if producer is not None:
                        await producer.stop()
                    producer = None
                    await asyncio.sleep(0.5)
    finally:
        if producer is not None:
            await producer.stop()


async def counted(url: str) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{url}/metrics")).text
    for family in text_string_to_metric_families(text):
        if family.name == "listener_window_posts_counted":
            return sum(s.value for s in family.samples if s.name.endswith("_total"))
    return 0.0


async def test_a_broker_restarted_under_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    settings = Settings(partitions=PARTITIONS)
    names = TopicNames.for_settings(settings)
    deadline = time.monotonic() + 200
    async with durable_broker(tmp_path / "broker") as broker:
        port, bootstrap = broker.port, broker.bootstrap
        await ensure_topics(bootstrap, names.all(), PARTITIONS)
        worker = WorkerProcess(
            bootstrap,
            tmp_path / "worker",
            env={"LISTENER_RULES_DIR": str(ROOT / "rules"), "LISTENER_PARTITIONS": "2"},
        )
        worker.start()
        await worker.wait_ready()
        await send(bootstrap, names.raw, range(BEFORE), deadline)
        # More posts on their way while the broker goes down and comes back.
        during = asyncio.create_task(
            send(bootstrap, names.raw, range(BEFORE, BEFORE + DURING), deadline)
        )
        await asyncio.sleep(0.2)
    try:
        await asyncio.sleep(2)  # both of the broker's processes are gone
        async with durable_broker(tmp_path / "broker", port=port):
            await during
            after = range(BEFORE + DURING, BEFORE + DURING + AFTER)
            await send(bootstrap, names.raw, after, deadline)
            total = BEFORE + DURING + AFTER
            while (seen := await counted(worker.url)) < total:
                assert time.monotonic() < deadline, f"{seen:.0f} of {total} posts counted"
                await asyncio.sleep(1)
            await asyncio.sleep(3)  # anything counted twice would show by now
            assert await counted(worker.url) == total
            print(f"\nbroker restarted with {DURING} posts on their way: {total} of {total}"
                  f" counted once, {time.monotonic() - deadline + 200:.0f} s in all")  # fmt: skip
            await worker.stop()  # while the broker is there to say goodbye to
    finally:
        during.cancel()
        worker.kill()  # if it is still running: the test failed
