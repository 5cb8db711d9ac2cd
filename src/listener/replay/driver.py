"""Replaying a file through the real pipeline: broker, worker process(es), rules.

Used by ``listener replay --run``, ``listener demo`` and the integration tests. When no
Kafka is named, an embedded broker is started for the run and stopped after it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from listener.broker.admin import ensure_topics
from listener.broker.kafka_client import client_kwargs
from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.errors import BrokerError, InvalidPost
from listener.eventtime import agreed_newest, door_problem
from listener.records import Alert, DeadLetter, parse_raw_message
from listener.replay.collect import read_alerts, read_all, read_dead_letters, read_stats
from listener.replay.publish import Line, ReplayReport, publish, read_lines
from listener.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ReplayResult:
    report: ReplayReport
    alerts: list[Alert]
    stats: list[dict[str, Any]]
    dead_letters: list[DeadLetter]
    timings: dict[str, float] = field(default_factory=dict)
    #: Every incident transition, in the order the incident agents made them: each a
    #: record of the ``incidents`` topic ({"incident": ..., "transition": ...}).
    transitions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Cluster:
    """A broker (embedded or not) and the worker processes running against it."""

    bootstrap: str
    settings: Settings
    workers: list[WorkerProcess]
    data_dir: Path
    #: Environment every worker of the cluster gets (notifier credentials, API key...).
    env: dict[str, str] = field(default_factory=dict)

    async def add_worker(self, env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(
            self.bootstrap, self.data_dir, env=self._env({**self.env, **(env or {})})
        )
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
            "LISTENER_LEARN_LATENESS": str(s.learn_lateness).lower(),
            "LISTENER_LATENESS_LEARNING_SECONDS": str(s.lateness_learning_seconds),
            "LISTENER_LIVE_DELAY_SECONDS": str(s.live_delay_seconds),
            "LISTENER_BATCH_SIZE": str(s.batch_size),
            **(extra or {}),
        }

    async def samples(self, name: str) -> list[tuple[dict[str, str], float]]:
        """Every sample of metric family ``name`` from the workers still running."""
        found: list[tuple[dict[str, str], float]] = []
        async with httpx.AsyncClient(timeout=5.0) as client:
            for worker in self.workers:
                found.extend(await _samples(client, worker, name))
        return found

    async def samples_of(self, worker: WorkerProcess, name: str, **labels: str) -> float:
        """The total of counter or gauge family ``name`` on one worker, over the samples
        carrying ``labels`` (0 if the worker is gone)."""
        async with httpx.AsyncClient(timeout=5.0) as client:
            found = await _samples(client, worker, name, values_only=True)
        return sum(v for have, v in found if labels.items() <= have.items())

    async def clocks(self) -> list[float]:
        """The event-time clock of every scored partition (the newest any worker has
        judged and published): ``listener_event_clock_seconds``, read from the workers'
        ``/health/windows``, which is far cheaper to serve and read than every metric."""
        return list((await self._clocks())[0].values())

    async def _clocks(self) -> tuple[dict[str, float], dict[str, Any]]:
        """The clocks by scored partition, and what each owner has heard from upstream."""
        clocks: dict[str, float] = {}
        upstream: dict[str, Any] = {}
        for data in await self._health("windows"):
            for partition, clock in data["clocks"].items():
                clocks[partition] = max(clocks.get(partition, clock), clock)
            upstream.update(data.get("upstream", {}))
        return clocks, upstream

    async def wait_clock(self, target: float, timeout: float = 120.0) -> float:
        """Wait until every scored partition has judged windows up to ``target``; give up
        when the clock has not moved for ``timeout`` seconds (a large replay may take
        longer than that in all, but never stands still that long)."""
        started = moved = time.perf_counter()
        reached = float("-inf")
        while time.perf_counter() - moved < timeout:
            self._some_worker_runs()
            clocks = await self.clocks()
            if len(clocks) >= self.settings.partitions and min(clocks) >= target:
                return time.perf_counter() - started
            if clocks and min(clocks) > reached:
                reached, moved = min(clocks), time.perf_counter()
            await asyncio.sleep(0.25)
        judged, upstream = await self._clocks()
        behind = {
            p: {"clock": judged.get(p), "upstream": upstream.get(p)}
            for p in map(str, range(self.settings.partitions))
            if judged.get(p, float("-inf")) < target
        }
        raise BrokerError(
            f"windows not judged up to {target}: no progress for {timeout:.0f}s; "
            f"behind it: {orjson.dumps(behind).decode()}; "
            f"worker logs: {', '.join(str(w.log_file) for w in self.workers)}"
        )

    def _some_worker_runs(self) -> None:
        """Raise at once when every worker started has ended: nothing will move now."""
        ended = [w.process.poll() for w in self.workers if w.process is not None]
        if ended and all(code is not None for code in ended):
            raise BrokerError(
                f"every worker has ended (exit status {', '.join(map(str, ended))}); "
                f"worker logs: {', '.join(str(w.log_file) for w in self.workers)}"
            )

    async def incident_progress(self) -> tuple[dict[tuple[str, int], int], int]:
        """What the running workers' incident and delivery agents have done: the last
        offset processed per (topic, partition), and deliveries still under way."""
        done: dict[tuple[str, int], int] = {}
        in_flight = 0
        for data in await self._health("incidents"):
            in_flight += int(data["in_flight"])
            for topic, offsets in data["done"].items():
                for partition, offset in offsets.items():
                    key = (topic, int(partition))
                    done[key] = max(done.get(key, -1), int(offset))
        return done, in_flight

    async def _health(self, page: str) -> list[dict[str, Any]]:
        """``/health/<page>`` of every worker still running and answering."""
        found: list[dict[str, Any]] = []
        async with httpx.AsyncClient(timeout=5.0) as client:
            for worker in self.workers:
                if worker.process is None or worker.process.poll() is not None:
                    continue
                try:
                    found.append((await client.get(f"{worker.url}/health/{page}")).json())
                except httpx.TransportError:
                    continue
        return found

    async def wait_incidents(self, timeout: float = 120.0, settle: int = 2) -> float:
        """Wait until the incident log and the notifications are processed to their ends
        and no delivery is under way, ``settle`` times in a row (a failed delivery writes
        to the incident log, which may notify again)."""
        names = TopicNames.for_settings(self.settings)
        topics = (names.incident_events, names.notifications)
        started = time.perf_counter()
        calm = 0
        while time.perf_counter() - started < timeout:
            done, in_flight = await self.incident_progress()
            ends = await last_offsets(self.bootstrap, topics, self.settings.partitions)
            drained = in_flight == 0 and all(done.get(tp, -1) >= last for tp, last in ends.items())
            calm = calm + 1 if drained else 0
            if calm >= settle:
                return time.perf_counter() - started
            await asyncio.sleep(0.2)
        raise BrokerError(f"incidents and deliveries not done after {timeout:.0f}s")


async def _samples(
    client: httpx.AsyncClient, worker: WorkerProcess, name: str, values_only: bool = False
) -> list[tuple[dict[str, str], float]]:
    """The samples of family ``name`` on ``worker``; with ``values_only``, without the
    ``_created`` timestamps counters carry beside their values."""
    if worker.process is None or worker.process.poll() is not None:
        return []
    try:
        text = (await client.get(f"{worker.url}/metrics")).text
    except httpx.TransportError:
        return []
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        if family.name == name
        for sample in family.samples
        if not (values_only and sample.name.endswith("_created"))
    ]


@asynccontextmanager
async def cluster(
    settings: Settings,
    data_dir: Path,
    workers: int = 1,
    bootstrap: str | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Cluster]:
    """Broker (embedded unless ``bootstrap``), topics, and ``workers`` ready workers, each
    started with ``env`` on top of this process's environment."""
    async with AsyncExitStack() as stack:
        if not bootstrap:
            broker = EmbeddedBroker(log_file=data_dir / "broker.log")
            data_dir.mkdir(parents=True, exist_ok=True)
            await stack.enter_async_context(broker)
            bootstrap = broker.bootstrap
        names = TopicNames.for_settings(settings)
        await ensure_topics(bootstrap, names.all(), settings.partitions)
        group = Cluster(bootstrap, settings, [], data_dir, dict(env or {}))
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


def last_agreed(lines: Sequence[Line], wall: float) -> float | None:
    """The newest time the posts of ``lines`` agree on, as the pipeline reads them (see
    listener.eventtime): a post it refuses, or one dated ahead of all others, is not
    waited for."""
    return agreed_newest(
        post.ts
        for line in lines
        for post in parse_raw_message(line.value)
        if not isinstance(post, InvalidPost) and door_problem(post.ts, wall) is None
    )


async def replay_through(
    group: Cluster, path: Path, step: int, speed: float | None = None, bundle: int = 1
) -> ReplayResult:
    """Publish ``path`` into the running cluster and collect what it produced."""
    return await replay_lines(group, read_lines(path), step, speed, bundle)


async def replay_lines(
    group: Cluster,
    lines: Sequence[Line],
    step: int,
    speed: float | None = None,
    bundle: int = 1,
    on_sent: Callable[[int, float], None] | None = None,
    checked: bool = False,
) -> ReplayResult:
    """Publish ``lines`` into the running cluster and collect what it produced;
    ``on_sent`` hears of each message published (see :func:`publish`). ``checked``: every
    line is a post the pipeline accepts (replay.inputs checked them), so their times are
    the lines' own and need not be parsed again."""
    names = TopicNames.for_settings(group.settings)
    report = await publish(
        group.bootstrap, names.raw, lines, speed=speed, bundle=bundle, on_sent=on_sent
    )
    timings = {"publish_seconds": report.seconds}
    wall = time.time()
    last = agreed_newest(line.ts for line in lines) if checked else last_agreed(lines, wall)
    if last is not None:
        target = final_boundary(last, group.settings, step)
        timings["drain_seconds"] = await group.wait_clock(target)
        timings["incidents_seconds"] = await group.wait_incidents()
    return ReplayResult(
        report=report,
        alerts=await read_alerts(group.bootstrap, names.alerts),
        stats=await read_stats(group.bootstrap, names.stats),
        dead_letters=await read_dead_letters(group.bootstrap, names.dead_letter),
        timings=timings,
        transitions=await read_transitions(group.bootstrap, names.incidents),
    )


async def last_offsets(
    bootstrap: str, topics: tuple[str, ...], partitions: int
) -> dict[tuple[str, int], int]:
    """The offset of the last message of every partition of ``topics`` (-1: empty), from
    the high watermarks of fetch answers rather than the reported end offsets (which some
    brokers give as the start of the last batch)."""
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap), group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in range(partitions)]
        consumer.assign(tps)
        for tp, end in (await consumer.end_offsets(tps)).items():
            consumer.seek(tp, max(0, end - 1))
        for _ in range(100):
            if all(consumer.highwater(tp) is not None for tp in tps):
                break
            await consumer.getmany(*tps, timeout_ms=100)
        else:
            raise BrokerError(f"no fetch answer for every partition of {', '.join(topics)}")
        return {(tp.topic, tp.partition): int(consumer.highwater(tp)) - 1 for tp in tps}
    finally:
        await consumer.stop()


async def read_transitions(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every incident transition once (a worker that took over may have written some
    again), by event time, then in the order they were made."""
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for _, _, value in await read_all(bootstrap, topic):
        record = orjson.loads(value)
        position = len(record["incident"]["history"])
        seen.setdefault((record["incident"]["id"], position), record)
    order = sorted(seen, key=lambda k: (seen[k]["transition"]["event_at"], k[1], k[0]))
    return [seen[key] for key in order]
