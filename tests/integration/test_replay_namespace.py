"""A replay on a cluster where a live worker runs stays in a namespace of its own.

It was once possible for ``listener replay --run --bootstrap`` to join the live workers'
consumer group: a worker went from 8 partitions to 4 and the replay hung. Here a live
worker runs on the same broker with the live settings; the replay is given those same
settings, runs twice (with one worker, then two), and the live worker must keep every
partition throughout, see none of the replay's posts, and both replays must give the same
alerts at the same times.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.replay.collect import read_all
from listener.replay.driver import Cluster, cluster
from listener.replay.inputs import check_file
from listener.replay.progress import Progress
from listener.replay.run import Options, replay_isolated
from listener.replay.scenarios import generate_intesa, write_jsonl
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ROME = ZoneInfo("Europe/Rome")
#: The afternoon of the wave and the morning before it: enough to alert, quick to replay.
FROM = datetime(2017, 10, 3, 8, 0, tzinfo=ROME).timestamp()
TO = datetime(2017, 10, 3, 19, 0, tzinfo=ROME).timestamp()
ASSIGNED = "listener_partitions_assigned"

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def live_settings(broker: EmbeddedBroker, tmp_path: Path) -> Settings:
    """The settings of the live deployment, as a person running a replay would have them."""
    return Settings(
        kafka_bootstrap=broker.bootstrap, rules_dir=ROOT / "rules", partitions=2,
        topic_prefix="live", app_id="live", data_dir=tmp_path / "live-data",
    )  # fmt: skip


async def holding(group: Cluster, topic: str, partitions: float) -> None:
    """Wait until the live worker's metrics say it holds ``partitions`` of ``topic`` (the
    gauge is refreshed every few seconds, so it reads 0 for a moment after start)."""
    for _ in range(100):
        if await group.samples_of(group.workers[0], ASSIGNED, topic=topic) == partitions:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the live worker never held {partitions} partitions of {topic}")


@asynccontextmanager
async def watched(group: Cluster, topic: str, seen: list[float]) -> AsyncIterator[None]:
    """Record the live worker's partitions of ``topic`` every 0.2 s while the body runs."""

    async def watch() -> None:
        while True:
            seen.append(await group.samples_of(group.workers[0], ASSIGNED, topic=topic))
            await asyncio.sleep(0.2)

    task = asyncio.create_task(watch())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_replay_never_touches_the_live_workers(
    live_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "afternoon.jsonl"
    write_jsonl((p for p in generate_intesa() if FROM <= p.ts < TO), path)
    lines = check_file(path).lines
    live = TopicNames.for_settings(live_settings)
    seen: list[float] = []
    outcomes = []
    async with cluster(live_settings, tmp_path / "live") as group:
        await holding(group, live.raw, 2.0)
        async with watched(group, live.raw, seen):
            for run in range(2):
                shown = io.StringIO()
                progress = Progress(True, len(lines), ROME, shown)
                outcomes.append(
                    await replay_isolated(
                        live_settings,
                        lines,
                        tmp_path / f"replay-{run}",
                        Options(workers=run + 1),
                        progress,
                    )
                )
        raw = await read_all(live_settings.kafka_bootstrap, live.raw)
        alerts = await read_all(live_settings.kafka_bootstrap, live.alerts)
    # The live worker held both raw partitions at every look, and was sent nothing.
    assert len(seen) > 20 and set(seen) == {2.0}, seen
    assert raw == [] and alerts == []
    # Each replay deleted its own topics from the cluster, and only those.
    for outcome in outcomes:
        assert set(outcome.dropped) >= set(
            TopicNames.for_settings(
                live_settings.model_copy(update={"topic_prefix": outcome.name})
            ).all()
        )
        assert all(t.startswith(f"{outcome.name}.") or t.startswith(f"{outcome.name}-")
                   for t in outcome.dropped)  # fmt: skip
    first, second = outcomes
    assert first.name != second.name and first.name.startswith("replay-")
    assert first.result.report.posts == len(lines)
    # Messages went to the stand-ins, not through the rules' notifiers.
    assert first.received is not None and first.received > 0
    assert (tmp_path / "replay-0" / "rules" / "notifiers.yaml").read_text().count("127.0.0.1")
    # The same replay twice, with one worker then two: the same alerts at the same times.
    assert first.result.alerts, "the afternoon raised no alert: nothing to compare"
    assert [(a.id, a.fired_at) for a in first.result.alerts] == [
        (a.id, a.fired_at) for a in second.result.alerts
    ]
    assert f"published {len(lines):,} of {len(lines):,} posts" in shown.getvalue()
