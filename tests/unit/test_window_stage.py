"""The window stage reading a partition's state back: a broker that cannot be read is
tried again until it can, and a read that broke off leaves nothing behind; and how often it
writes a snapshot: once the work since the last one is worth saving, and at least every five
minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from factories import T0, make_scored, unreadable_snapshots

from listener.errors import BrokerError
from listener.records import ScoredBatch
from listener.windows import recovery as recovery_module
from listener.windows import stage as stage_module
from listener.windows.config import WindowConfig
from listener.windows.partition import PartitionState
from listener.windows.stage import WindowStage

CONFIG = WindowConfig(step=60, sizes=(120,), lateness=30, raw_partitions=1)


def judge(brand: str, view: Any, states: dict[str, Any], now: float) -> list[Any]:
    return []


def messages() -> list[bytes]:
    posts = [make_scored(str(n), ts=T0 + 20 * n) for n in range(12)]
    return [ScoredBatch("acme", (post,), {0: post.post.ts}).dumps() for post in posts]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery_module, "RECOVERY_RETRY_SECONDS", (0.001, 0.004))


async def test_a_broker_that_cannot_be_read_is_tried_again_until_it_can(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked, latest_snapshot = unreadable_snapshots(2)
    monkeypatch.setattr(stage_module, "latest_snapshot", latest_snapshot)
    stage = WindowStage(CONFIG, judge, "127.0.0.1:1", "scored", "snaps", 5.0)
    recovered = await stage.ensure(2, 0)
    assert asked == [2, 2, 2]
    assert recovered is not None and (recovered.partition, recovered.replayed) == (2, 0)
    assert stage.states[2].offset == -1


async def test_a_read_that_broke_off_is_read_again_from_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = messages()
    reads: list[int] = []

    async def latest_snapshot(bootstrap: str, topic: str, partition: int) -> None:
        return None

    async def read_range(
        bootstrap: str, topic: str, partition: int, start: int, end: int
    ) -> AsyncIterator[tuple[int, bytes]]:
        reads.append(start)
        for offset in range(start, end):
            if len(reads) == 1 and offset == 7:
                raise BrokerError("the connection was reset")
            yield offset, values[offset]

    monkeypatch.setattr(stage_module, "latest_snapshot", latest_snapshot)
    monkeypatch.setattr(stage_module, "read_range", read_range)
    stage = WindowStage(CONFIG, judge, "127.0.0.1:1", "scored", "snaps", 5.0)
    recovered = await stage.ensure(0, len(values))
    assert reads == [0, 0] and recovered is not None and recovered.replayed == len(values)
    # Every message counted once: the same state as reading them without a break.
    whole = PartitionState(CONFIG, judge)
    for offset, value in enumerate(values):
        whole.apply(ScoredBatch.loads(value), offset)
    assert stage.states[0].to_dict() == whole.to_dict()


class Clocks:
    """The wall clock the stage reads, and a CPU clock on which whatever the stage measures
    (between two askings) costs ``charge`` seconds: applying a message, or a snapshot."""

    def __init__(self) -> None:
        self.now, self.spent, self.charge, self._calls = 100.0, 0.0, 0.0, 0

    def wall(self) -> float:
        return self.now

    def cpu(self) -> float:
        # Asked before and after each measured step: the second asking finds it done.
        self._calls += 1
        if self._calls % 2 == 0:
            self.spent += self.charge
        return self.spent


def snapshotted_at(
    work: float,
    cost: float,
    times: list[float],
    fed: tuple[int, ...] = (0, 1),
    **asked: Any,
) -> list[tuple[float, list[int]]]:
    """Which of two partitions are snapshotted when the stage is asked at ``times`` (with
    the arguments ``asked``), the partitions ``fed`` each applying one message, of
    ``work`` CPU seconds, before each asking (the first asking: both), and each snapshot
    costing ``cost``."""
    clocks = Clocks()
    stage = WindowStage(
        CONFIG, judge, "127.0.0.1:1", "scored", "snaps", 5.0, clock=clocks.wall, cpu=clocks.cpu
    )
    values = messages() * 10
    stage.states = {0: PartitionState(CONFIG, judge), 1: PartitionState(CONFIG, judge)}
    taken = []
    for offset, at in enumerate(times):
        clocks.charge = work
        for partition in stage.states:
            if partition in fed or not offset:
                stage.apply(partition, offset, values[offset])
        clocks.now, clocks.charge = at, cost
        taken.append((at, [partition for partition, _ in stage.due_snapshots(**asked)]))
    return taken


def test_a_busy_state_cheap_to_encode_is_snapshotted_every_snapshot_seconds() -> None:
    assert snapshotted_at(0.05, 0.001, [100, 103, 105, 108, 110]) == [
        (100, [0, 1]), (103, []), (105, [0, 1]), (108, []), (110, [0, 1]),
    ]  # fmt: skip


def test_a_state_is_snapshotted_again_once_replaying_its_work_would_cost_far_more() -> None:
    # A snapshot of 0.3 s is worth taking again after 10 s of work (SNAPSHOT_SHARE, 3%):
    # twenty messages of a little more than half a second each.
    times = [100.0 + second for second in range(45)]
    taken = [(at, which) for at, which in snapshotted_at(0.51, 0.3, times) if which]
    assert taken == [(100, [0, 1]), (120, [0, 1]), (140, [0, 1])]


def test_a_state_that_sees_little_work_is_snapshotted_every_five_minutes() -> None:
    assert stage_module.SNAPSHOT_LONGEST_SECONDS == 300
    taken = snapshotted_at(0.001, 0.3, [100, 105, 200, 399, 400, 405, 699, 700])
    assert [(at, which) for at, which in taken if which] == [
        (100, [0, 1]), (400, [0, 1]), (700, [0, 1]),
    ]  # fmt: skip


def test_a_state_that_did_not_change_is_not_snapshotted_again() -> None:
    taken = snapshotted_at(0.5, 0.001, [100, 110, 400, 800], fed=(1,))
    assert taken == [(100, [0, 1]), (110, [1]), (400, [1]), (800, [1])]


def test_snapshots_taken_one_at_a_time_go_to_the_partition_waiting_longest() -> None:
    taken = snapshotted_at(0.05, 0.001, [100, 101, 105, 106, 107, 110, 111], most=1)
    assert taken == [
        (100, [0]), (101, [1]), (105, [0]), (106, [1]), (107, []), (110, [0]), (111, [1]),
    ]  # fmt: skip


def test_a_batch_that_raised_alerts_takes_only_an_overdue_snapshot() -> None:
    # Work enough to be worth saving at every asking, but only five minutes after the last
    # snapshot is one taken (a partition never saved is overdue).
    taken = snapshotted_at(0.05, 0.001, [400, 405, 500, 699, 700, 705], overdue=True)
    assert [(at, which) for at, which in taken if which] == [(400, [0, 1]), (700, [0, 1])]


async def test_the_work_a_recovery_replayed_is_saved_at_the_next_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = messages()

    async def latest_snapshot(bootstrap: str, topic: str, partition: int) -> None:
        return None

    async def read_range(
        bootstrap: str, topic: str, partition: int, start: int, end: int
    ) -> AsyncIterator[tuple[int, bytes]]:
        for offset in range(start, end):
            yield offset, values[offset]

    monkeypatch.setattr(stage_module, "latest_snapshot", latest_snapshot)
    monkeypatch.setattr(stage_module, "read_range", read_range)
    clocks = Clocks()
    stage = WindowStage(
        CONFIG, judge, "127.0.0.1:1", "scored", "snaps", 5.0, clock=clocks.wall, cpu=clocks.cpu
    )
    stage._snapshot_cost[0] = 0.3  # what the partition's last snapshot cost, elsewhere
    clocks.charge = 1.0  # each message replayed: 11 s of work for 11 messages
    await stage.ensure(0, len(values) - 1)
    clocks.charge = 0.0  # one more message, costing nothing
    stage.apply(0, len(values) - 1, values[-1])
    clocks.now += 5
    assert [partition for partition, _ in stage.due_snapshots()] == [0]
