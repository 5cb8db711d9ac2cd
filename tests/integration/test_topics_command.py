"""``listener topics`` creates every topic of the deployment on the broker, with the
partitions asked, and running it again changes nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]

from listener.broker.admin import ensure_topics
from listener.broker.kafka_client import topic_configs
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.cli import main
from listener.settings import Settings


async def partitions(bootstrap: str, prefix: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(
            [name for name in await admin.list_topics() if name.startswith(prefix + ".")]
        )
    finally:
        await admin.close()
    return {topic["topic"]: len(topic["partitions"]) for topic in described}


@pytest.mark.timeout(120)
async def test_topics_creates_every_topic_once(
    broker: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("LISTENER_TOPIC_PREFIX", prefix)
    monkeypatch.setenv("LISTENER_PARTITIONS", "3")
    args = ["topics", "--bootstrap", broker.bootstrap]
    # main runs its own event loop: off this test's.
    assert await asyncio.to_thread(main, args) == 0
    names = TopicNames.for_settings(Settings(topic_prefix=prefix)).all()
    assert await partitions(broker.bootstrap, prefix) == dict.fromkeys(names, 3)
    assert await asyncio.to_thread(main, args) == 0
    assert f"{len(names)} topics present" in capsys.readouterr().out


@pytest.mark.timeout(60)
async def test_an_existing_snapshot_topic_without_compaction_is_reported(
    broker: EmbeddedBroker, caplog: pytest.LogCaptureFixture
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings = Settings(topic_prefix=prefix, kafka_bootstrap=broker.bootstrap)
    names = TopicNames.for_settings(settings)
    # Created by hand, without configs, before any worker ran.
    await ensure_topics(broker.bootstrap, [names.snapshots, names.incident_snapshots], 1)
    await ensure_topics(broker.bootstrap, names.all(), 1, configs=topic_configs(settings, names))
    warned = [r.getMessage() for r in caplog.records if "not compact" in r.getMessage()]
    assert len(warned) == 2 and names.snapshots in warned[0] + warned[1]
    caplog.clear()
    # Those the worker created itself are compacted: nothing to say the next time.
    others = [n for n in names.all() if n not in (names.snapshots, names.incident_snapshots)]
    await ensure_topics(broker.bootstrap, others, 1, configs=topic_configs(settings, names))
    assert not [r for r in caplog.records if "not compact" in r.getMessage()]
