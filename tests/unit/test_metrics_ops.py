"""Lag, broker health, readiness and alert timing, against a stand-in for Faust's consumer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from factories import T0, make_scored
from faust.exceptions import ConsumerNotStarted
from faust.types import TP
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.errors import BrokerError
from listener.ops.health import BrokerWatch, assess
from listener.ops.lag import LagMonitor
from listener.ops.latency import AlertTiming
from listener.ops.metrics import Metrics
from listener.ops.monitor import OpsMonitor, matched_by_source, received_through
from listener.settings import Settings
from listener.windows.config import WindowConfig
from listener.windows.partition import PartitionState

NAMES = TopicNames.for_settings(Settings())
RAW0, RAW1 = TP(NAMES.raw, 0), TP(NAMES.raw, 1)
SCORED0, SCORED1 = TP(NAMES.scored, 0), TP(NAMES.scored, 1)


class Consumer:
    """Answers like Faust's consumer: an assignment, high watermarks, fetch positions."""

    def __init__(
        self,
        assigned: set[TP] | None = None,
        ends: Mapping[TP, int] | None = None,
        positions: Mapping[TP, int] | None = None,
    ) -> None:
        self.assigned = assigned
        self.ends = dict(ends or {})
        self.positions = dict(positions or {})
        self.error: BaseException | None = None
        self.hang = False
        self.asked: list[tuple[TP, ...]] = []

    def assignment(self) -> set[TP]:
        if self.assigned is None:
            raise ConsumerNotStarted("Consumer thread not yet started")
        return set(self.assigned)

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        self.asked.append(partitions)
        if self.hang:
            await asyncio.sleep(10)
        if self.error is not None:
            raise self.error
        return {tp: self.ends.get(tp, 0) for tp in partitions}

    async def position(self, tp: TP) -> int | None:
        return self.positions.get(tp)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> Metrics:
    return Metrics.create(registry)


def lag_of(registry: CollectorRegistry, tp: TP) -> float | None:
    labels = {"topic": tp.topic, "partition": str(tp.partition)}
    return registry.get_sample_value("listener_consumer_lag", labels)


async def test_lag_is_the_high_watermark_less_the_next_offset_to_process(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    monitor = LagMonitor(metrics.health, (NAMES.raw, NAMES.scored))
    monitor.processed([(RAW0, 10), (RAW0, 41), (RAW0, 40), (SCORED0, 7)])
    leader = TP("listener-__assignor-__leader", 0)  # Faust's own: not an agent's
    consumer = Consumer({RAW0, RAW1, SCORED0, leader}, ends={RAW0: 50, RAW1: 9, SCORED0: 8})
    consumer.positions[RAW1] = 4  # nothing processed yet: the fetch position counts
    await monitor.measure(consumer, consumer.assignment())
    monitor.publish()
    assert lag_of(registry, RAW0) == 50 - 42
    assert lag_of(registry, RAW1) == 9 - 4
    assert lag_of(registry, SCORED0) == 0
    assert (
        registry.get_sample_value(
            "listener_partition_end_offset", {"topic": NAMES.raw, "partition": "0"}
        )
        == 50
    )
    assigned = {NAMES.raw: 2.0, NAMES.scored: 1.0}
    for topic, count in assigned.items():
        labels = {"topic": topic}
        assert registry.get_sample_value("listener_partitions_assigned", labels) == count
    assert monitor.caught_up(SCORED0) and not monitor.caught_up(RAW0)
    assert lag_of(registry, leader) is None
    assert [set(asked) for asked in consumer.asked] == [{RAW0, RAW1, SCORED0}]


async def test_a_broker_that_reports_an_end_short_of_the_position_gives_no_negative_lag(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    monitor = LagMonitor(metrics.health, (NAMES.raw,))
    monitor.processed([(RAW0, 99)])
    await monitor.measure(Consumer({RAW0}, ends={RAW0: 98}), {RAW0})
    monitor.publish()
    assert lag_of(registry, RAW0) == 0


async def test_revoked_partitions_disappear_from_the_lag(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    monitor = LagMonitor(metrics.health, (NAMES.raw,))
    consumer = Consumer({RAW0, RAW1}, ends={RAW0: 5, RAW1: 5})
    monitor.processed([(RAW0, 1), (RAW1, 1)])
    await monitor.measure(consumer, consumer.assignment())
    consumer.assigned = {RAW0}
    await monitor.measure(consumer, consumer.assignment())
    monitor.publish()
    assert lag_of(registry, RAW1) is None
    assert RAW1 not in monitor.positions
    assert registry.get_sample_value("listener_partitions_assigned", {"topic": NAMES.raw}) == 1


async def test_a_broker_that_does_not_answer_in_time_is_a_broker_error(metrics: Metrics) -> None:
    monitor = LagMonitor(metrics.health, (NAMES.raw,), timeout=0.05)
    consumer = Consumer({RAW0})
    consumer.hang = True
    with pytest.raises(BrokerError, match="high watermarks"):
        await monitor.measure(consumer, {RAW0})


def test_readiness_waits_for_every_assigned_scored_partition_with_work_to_recover() -> None:
    def caught_up(p: int) -> bool:
        return p == 2

    waiting = assess(True, True, [0, 1, 2], recovered={1}, caught_up=caught_up)
    assert not waiting.ready and waiting.waiting == (0,)
    ready = assess(True, True, [0, 1, 2], recovered={0, 1}, caught_up=caught_up)
    assert ready.ready
    assert ready.to_dict() == {"ready": True, "joined": True, "broker": True, "recovering": []}
    assert not assess(False, True, [], recovered=(), caught_up=caught_up).ready
    assert not assess(True, False, [], recovered=(), caught_up=caught_up).ready


def test_the_broker_going_away_is_said_once_and_its_return_too(
    metrics: Metrics, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    watch = BrokerWatch(metrics.health.broker_up, "kafka:9092", clock=lambda: now[0])
    watch.answered()
    assert registry.get_sample_value("listener_broker_up") == 1
    with caplog.at_level(logging.INFO, logger="listener.ops.health"):
        for _ in range(3):
            now[0] += 10
            watch.failed(OSError("connection refused"))
        assert registry.get_sample_value("listener_broker_up") == 0
        now[0] += 400
        watch.failed(OSError("connection refused"))
        watch.answered()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0].startswith("broker at kafka:9092 is unreachable (connection refused)")
    assert "still unreachable after 420s" in lines[1]
    assert lines[2] == "broker at kafka:9092 answers again after 420s"
    assert registry.get_sample_value("listener_broker_up") == 1


def test_alert_latency_counts_from_when_the_windows_posts_were_all_in(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    # Live: posts up to T0 + 30 were in at wall time T0 + 31, and so on.
    timing = AlertTiming(metrics.delivery)
    timing.progress(T0 + 30, at=T0 + 31)
    timing.progress(T0 + 20, at=T0 + 32)  # progress never goes back
    timing.progress(T0 + 90, at=T0 + 91)
    assert timing.received_at(T0) == T0 + 31
    assert timing.received_at(T0 + 60) == T0 + 91
    assert timing.received_at(T0 + 120) is None
    timing.sent(T0 + 60, now=T0 + 103.5)
    assert registry.get_sample_value("listener_alert_latency_seconds_sum") == 12.5
    assert registry.get_sample_value("listener_alert_latency_seconds_count") == 1
    assert registry.get_sample_value("listener_alert_event_lag_seconds_sum") == 43.5


def test_an_alert_sent_before_progress_reached_its_window_has_no_latency(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    timing = AlertTiming(metrics.delivery, wall=lambda: T0 + 200)
    timing.sent(T0 + 60)
    assert registry.get_sample_value("listener_alert_latency_seconds_count") == 0
    assert registry.get_sample_value("listener_alert_event_lag_seconds_count") == 1


def test_alert_timing_remembers_a_bounded_number_of_progress_points(metrics: Metrics) -> None:
    timing = AlertTiming(metrics.delivery, keep=3)
    for i in range(10):
        timing.progress(T0 + 60 * i, at=float(i))
    assert timing.received_at(T0) == 7.0  # the oldest kept stands for anything before it


def test_received_through_is_the_upstream_progress_before_lateness() -> None:
    config = WindowConfig(step=60, sizes=(300,), lateness=60, raw_partitions=2)
    state = PartitionState(config, judge=lambda *args: [])
    assert received_through([state]) is None
    state.upstream.marks = {0: (T0 + 600, False), 1: (T0 + 300, False)}
    assert received_through([state]) == T0 + 300


def test_posts_matched_are_counted_once_per_post_by_source() -> None:
    one = make_scored("1", brand="acme", source="x")
    by_brand = {
        "acme": [one, make_scored("2", brand="acme", source="rss")],
        "globex": [make_scored("1", brand="globex", source="x")],
    }
    assert matched_by_source(by_brand) == {"x": 1, "rss": 1}


async def ops(metrics: Metrics, consumer: Consumer, **kwargs: Any) -> OpsMonitor:
    monitor = OpsMonitor(metrics, NAMES, "kafka:9092", brand_limit=10)
    monitor.lag.timeout = 0.05
    await monitor.refresh(consumer)
    return monitor


async def test_a_worker_not_started_is_not_ready(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    consumer = Consumer(assigned=None)
    monitor = await ops(metrics, consumer)
    readiness = await monitor.readiness(consumer, recovered=set())
    assert not readiness.ready and not readiness.joined
    assert registry.get_sample_value("listener_ready") == 0
    assert consumer.asked == []


async def test_a_joined_worker_is_ready_once_its_scored_partitions_are_recovered(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    consumer = Consumer({RAW0, SCORED0, SCORED1}, ends={SCORED0: 10, SCORED1: 10})
    consumer.positions = {RAW0: 0, SCORED0: 4, SCORED1: 10}
    monitor = await ops(metrics, consumer)
    monitor.rebalanced()
    readiness = await monitor.readiness(consumer, recovered=set())
    assert readiness.waiting == (0,)  # partition 1 has nothing to read: nothing to recover
    assert registry.get_sample_value("listener_broker_up") == 1
    assert (await monitor.readiness(consumer, recovered={0})).ready
    assert registry.get_sample_value("listener_ready") == 1
    monitor.revoked([SCORED1], states={})
    assert not (await monitor.readiness(consumer, recovered={0})).ready


async def test_an_idle_worker_still_checks_the_broker_and_is_ready(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    consumer = Consumer(set())
    monitor = await ops(metrics, consumer)
    monitor.rebalanced()
    assert (await monitor.readiness(consumer, recovered=set())).ready
    assert consumer.asked == [(RAW0,)]
    assert registry.get_sample_value("listener_partitions_assigned", {"topic": NAMES.raw}) == 0


async def test_a_worker_whose_broker_is_gone_is_not_ready(
    metrics: Metrics, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = Consumer({RAW0})
    consumer.error = OSError("connection refused")
    with caplog.at_level(logging.ERROR, logger="listener.ops.health"):
        monitor = await ops(metrics, consumer)
    monitor.rebalanced()
    readiness = await monitor.readiness(consumer, recovered=set())
    assert not readiness.ready and not readiness.broker_up
    assert registry.get_sample_value("listener_broker_up") == 0
    assert "broker at kafka:9092 is unreachable" in caplog.text


async def test_readiness_answers_in_bounded_time_when_the_broker_hangs(
    metrics: Metrics, registry: CollectorRegistry
) -> None:
    """A broker call that ignores its cancellation (as a call handed to the consumer's
    thread can) must not hold /health/ready: it answers not ready within the bound."""
    released = asyncio.Event()
    consumer = Consumer({RAW0})
    monitor = OpsMonitor(metrics, NAMES, "kafka:9092", brand_limit=10)
    monitor.lag.timeout = 0.05
    monitor.ready_seconds = 0.3

    async def stubborn(*partitions: TP) -> Mapping[TP, int]:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue
        return {}

    consumer.highwaters = stubborn  # type: ignore[method-assign]
    monitor.rebalanced()
    started = asyncio.get_running_loop().time()
    readiness = await asyncio.wait_for(monitor.readiness(consumer, recovered=set()), 5.0)
    took = asyncio.get_running_loop().time() - started
    assert not readiness.ready and not readiness.broker_up and took < 1.0
    assert registry.get_sample_value("listener_broker_up") == 0
    released.set()
    assert monitor._refreshing is not None
    await monitor._refreshing
