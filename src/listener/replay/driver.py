"""Replaying a file through the real pipeline: broker, worker process(es), rules.

Used by ``listener replay --run``, ``listener demo`` and the integration tests. When no
Kafka is named, an embedded broker is started for the run and stopped after it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from listener.broker.admin import ensure_topics
from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker
from listener.errors import BrokerError
from listener.records import Alert, DeadLetter
from listener.replay.collect import read_alerts, read_dead_letters, read_stats
from listener.replay.publish import ReplayReport, publish, read_lines
from listener.settings import Settings
from listener.topics import TopicNames

log = logging.getLogger(__name__)


@dataclass
class ReplayResult:
    report: ReplayReport
    alerts: list[Alert]
    stats: list[dict[str, Any]]
    dead_letters: list[DeadLetter]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Cluster:
    """A broker (embedded or not) and the worker processes running against it."""

    bootstrap: str
    settings: Settings
    workers: list[WorkerProcess]
    data_dir: Path

    async def add_worker(self, env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(self.bootstrap, self.data_dir, env=self._env(env))
        worker.start()
        self.workers.append(worker)
        return worker

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        """The settings a worker must share with this process to work on the same topics."""
        s = self.settings
        return {
            "LISTENER_RULES_DIR": str(s.rules_dir.resolve()),
            "LISTENER_APP_ID": s.app_id,
            "LISTENER_TOPIC_PREFIX": s.topic_prefix,
            "LISTENER_PARTITIONS": str(s.partitions),
            "LISTENER_SNAPSHOT_SECONDS": str(s.snapshot_seconds),
            "LISTENER_ALLOWED_LATENESS_SECONDS": str(s.allowed_lateness_seconds),
            "LISTENER_BATCH_SIZE": str(s.batch_size),
            **(extra or {}),
        }

    async def samples(self, name: str) -> list[tuple[dict[str, str], float]]:
        """Every sample of metric family ``name`` from the workers still running."""
        found: list[tuple[dict[str, str], float]] = []
        async with httpx.AsyncClient(timeout=5.0) as client:
            for worker in self.workers:
                if worker.process is None or worker.process.poll() is not None:
                    continue
                try:
                    text = (await client.get(f"{worker.url}/metrics")).text
                except httpx.TransportError:
                    continue
                for family in text_string_to_metric_families(text):
                    if family.name == name:
                        found.extend((s.labels, s.value) for s in family.samples)
        return found

    async def clocks(self) -> list[float]:
        """The event-time clock of every scored partition, from the workers' metrics."""
        clocks: dict[str, float] = {}
        for labels, value in await self.samples("listener_event_clock_seconds"):
            clocks[labels["partition"]] = max(clocks.get(labels["partition"], 0.0), value)
        return list(clocks.values())

    async def wait_clock(self, target: float, timeout: float = 120.0) -> float:
        """Wait until every scored partition has judged windows up to ``target``."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            clocks = await self.clocks()
            if len(clocks) >= self.settings.partitions and min(clocks) >= target:
                return time.perf_counter() - started
            await asyncio.sleep(0.25)
        raise BrokerError(f"windows not judged up to {target} after {timeout:.0f}s")


@asynccontextmanager
async def cluster(
    settings: Settings, data_dir: Path, workers: int = 1, bootstrap: str | None = None
) -> AsyncIterator[Cluster]:
    """Broker (embedded unless ``bootstrap``), topics, and ``workers`` ready workers."""
    async with AsyncExitStack() as stack:
        if not bootstrap:
            broker = EmbeddedBroker(log_file=data_dir / "broker.log")
            data_dir.mkdir(parents=True, exist_ok=True)
            await stack.enter_async_context(broker)
            bootstrap = broker.bootstrap
        names = TopicNames.for_settings(settings)
        await ensure_topics(bootstrap, names.all(), settings.partitions)
        group = Cluster(bootstrap, settings, [], data_dir)
        try:
            for _ in range(workers):
                await group.add_worker()
            await asyncio.gather(*(w.wait_ready() for w in group.workers))
            yield group
        finally:
            await asyncio.gather(*(w.stop() for w in group.workers))


def final_boundary(last_ts: float, settings: Settings, step: int) -> float:
    """The last window end the clock reaches once every upstream partition is idle."""
    return ((last_ts - settings.allowed_lateness_seconds) // step) * step


async def replay_through(
    group: Cluster, path: Path, step: int, speed: float | None = None, bundle: int = 1
) -> ReplayResult:
    """Publish ``path`` into the running cluster and collect what it produced."""
    names = TopicNames.for_settings(group.settings)
    lines = read_lines(path)
    report = await publish(group.bootstrap, names.raw, lines, speed=speed, bundle=bundle)
    timings = {"publish_seconds": report.seconds}
    if report.last_ts is not None:
        target = final_boundary(report.last_ts, group.settings, step)
        timings["drain_seconds"] = await group.wait_clock(target)
    return ReplayResult(
        report=report,
        alerts=await read_alerts(group.bootstrap, names.alerts),
        stats=await read_stats(group.bootstrap, names.stats),
        dead_letters=await read_dead_letters(group.bootstrap, names.dead_letter),
        timings=timings,
    )
