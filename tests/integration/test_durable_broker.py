"""The durable embedded broker keeps topics, records and committed offsets across a full
restart of both of its processes; the in-memory one keeps none of them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]

from listener.broker.admin import ensure_topics
from listener.broker.seaweed import PORT_TAKEN, SeaweedFS, SeaweedPorts, durable_broker
from listener.broker.tansu import EmbeddedBroker
from listener.errors import BrokerError
from listener.replay.collect import read_all

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TOPIC = "posts.raw"
GROUP = "scorer"
PARTITIONS = 2
COUNT = 40


def sent_values() -> dict[int, list[bytes]]:
    """What each partition is given, in order; values differ so order can be checked."""
    values: dict[int, list[bytes]] = {p: [] for p in range(PARTITIONS)}
    for n in range(COUNT):
        values[n % PARTITIONS].append(f"post-{n:03d}".encode())
    return values


#: A different position per partition, neither 0 nor the end, so a default cannot pass.
COMMITTED = {0: 7, 1: 13}


async def fill(bootstrap: str) -> None:
    """Create the topic, produce every value, commit the group's offsets."""
    await ensure_topics(bootstrap, [TOPIC], PARTITIONS)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for partition, values in sent_values().items():
            for value in values:
                await producer.send_and_wait(TOPIC, value, partition=partition)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(TOPIC, p) for p in COMMITTED])
        await consumer.commit({TopicPartition(TOPIC, p): o for p, o in COMMITTED.items()})
    finally:
        await consumer.stop()


async def stored(bootstrap: str) -> dict[int, list[bytes]]:
    """Every value the broker holds now, per partition, in offset order."""
    held: dict[int, list[bytes]] = {}
    for tp, _, value in await read_all(bootstrap, TOPIC):
        held.setdefault(tp.partition, []).append(value)
    return held


async def committed(bootstrap: str) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(TOPIC, p)) for p in COMMITTED}
    finally:
        await consumer.stop()


async def topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


def listeners(pid: int) -> list[str]:
    """The local addresses a process listens on, from ``ss``."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return [line.split()[3] for line in out.splitlines() if re.search(rf"pid={pid},", line)]


async def test_durable_broker_keeps_records_and_offsets_across_restart(tmp_path: Path) -> None:
    directory = tmp_path / "broker"
    async with durable_broker(directory) as broker:
        first_port = broker.port
        await fill(broker.bootstrap)
        assert await stored(broker.bootstrap) == sent_values()
    # Both processes are gone: the Kafka port can be bound again.
    async with durable_broker(directory, port=first_port) as broker:
        assert TOPIC in await topics(broker.bootstrap)
        assert await stored(broker.bootstrap) == sent_values()
        assert await committed(broker.bootstrap) == COMMITTED


def children() -> list[int]:
    """Processes this one started that are still running (or not yet reaped)."""
    found: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        found.extend(int(pid) for pid in (task / "children").read_text().split())
    return found


async def test_records_and_offsets_survive_killing_both_processes(tmp_path: Path) -> None:
    directory = tmp_path / "broker"
    async with durable_broker(directory) as broker:
        await fill(broker.bootstrap)
        killed = children()
        assert len(killed) == 2  # the S3 store and Tansu
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
    async with durable_broker(directory) as broker:
        assert await stored(broker.bootstrap) == sent_values()
        assert await committed(broker.bootstrap) == COMMITTED


async def test_memory_broker_forgets_records_and_offsets_on_restart() -> None:
    async with EmbeddedBroker() as broker:
        port = broker.port
        await fill(broker.bootstrap)
        assert await stored(broker.bootstrap) == sent_values()
    async with EmbeddedBroker(port=port) as broker:
        assert TOPIC not in await topics(broker.bootstrap)
        assert await committed(broker.bootstrap) == {p: None for p in COMMITTED}


async def test_store_listens_on_loopback_only_and_stops(tmp_path: Path) -> None:
    store = SeaweedFS(tmp_path / "store")
    async with store:
        pid = store.pid
        assert pid is not None
        addresses = listeners(pid)
        assert f"127.0.0.1:{store.ports.s3}" in addresses
        assert all(address.startswith("127.0.0.1:") for address in addresses), addresses
    assert store.pid is None
    assert not Path(f"/proc/{pid}").exists()
    assert not any(path.exists() for path in store.ports.sockets())


async def test_a_directory_in_use_is_refused(tmp_path: Path) -> None:
    async with durable_broker(tmp_path) as broker:
        with pytest.raises(BrokerError, match="in use"):
            async with durable_broker(tmp_path):
                pass
        assert await topics(broker.bootstrap) == []  # the running one is undisturbed


async def test_a_port_taken_before_the_store_binds_it_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A free port is only free when picked: another process may bind it before weed."""
    picked = SeaweedPorts.pick()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", picked.admin))
        squatter.listen()
        picks = iter([picked])
        real_pick = SeaweedPorts.pick.__func__  # type: ignore[attr-defined]
        monkeypatch.setattr(
            SeaweedPorts, "pick", classmethod(lambda cls: next(picks, None) or real_pick(cls))
        )
        store = SeaweedFS(tmp_path / "store")
        async with store:
            assert store.ports != picked
            assert f"127.0.0.1:{store.ports.s3}" in listeners(store.pid or 0)
        log = store.log_file.read_bytes()
        # The squatted port was refused, once. A fresh port picked after it may, rarely, be
        # taken too by a test running beside this one before weed binds it: not counted.
        assert PORT_TAKEN in log
        assert log.count(f"port {picked.admin} for Admin".encode()) == 1, log[-2000:]
