"""The window stage reading a partition's state back: a broker that cannot be read is
tried again until it can, and a read that broke off leaves nothing behind; and how often it
writes a snapshot: a large state less often."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from factories import T0, make_scored

from listener.errors import BrokerError
from listener.records import ScoredBatch
from listener.windows import stage as stage_module
from listener.windows.partition import PartitionState, WindowConfig
from listener.windows.stage import WindowStage

CONFIG = WindowConfig(step=60, sizes=(120,), lateness=30, raw_partitions=1)


def judge(brand: str, view: Any, states: dict[str, Any], now: float) -> list[Any]:
    return []


def messages() -> list[bytes]:
    posts = [make_scored(str(n), ts=T0 + 20 * n) for n in range(12)]
    return [ScoredBatch("acme", (post,), {0: post.post.ts}).dumps() for post in posts]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_module, "RECOVERY_RETRY_SECONDS", (0.001, 0.004))


async def test_a_broker_that_cannot_be_read_is_tried_again_until_it_can(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []

    async def latest_snapshot(bootstrap: str, topic: str, partition: int) -> None:
        asked.append(partition)
        if len(asked) < 3:
            raise BrokerError("the broker is not answering")

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
    """The wall clock the stage reads, and a CPU clock on which every snapshot costs
    ``cost`` seconds to encode."""

    def __init__(self, cost: float) -> None:
        self.now, self.spent, self.cost, self._calls = 100.0, 0.0, cost, 0

    def wall(self) -> float:
        return self.now

    def cpu(self) -> float:
        # Asked before and after each encoding: the second asking finds it done.
        self._calls += 1
        if self._calls % 2 == 0:
            self.spent += self.cost
        return self.spent


def snapshotted_at(cost: float, times: list[float]) -> list[tuple[float, list[int]]]:
    """Which of two busy partitions are snapshotted when the stage is asked at ``times``."""
    clocks = Clocks(cost)
    stage = WindowStage(
        CONFIG, judge, "127.0.0.1:1", "scored", "snaps", 5.0, clock=clocks.wall, cpu=clocks.cpu
    )
    values = messages()
    stage.states = {0: PartitionState(CONFIG, judge), 1: PartitionState(CONFIG, judge)}
    taken = []
    for offset, at in enumerate(times):
        for state in stage.states.values():
            state.apply(ScoredBatch.loads(values[offset]), offset)
        clocks.now = at
        taken.append((at, [partition for partition, _ in stage.due_snapshots()]))
    return taken


def test_a_small_state_is_snapshotted_every_snapshot_seconds() -> None:
    assert snapshotted_at(0.001, [100, 103, 105, 108, 110]) == [
        (100, [0, 1]), (103, []), (105, [0, 1]), (108, []), (110, [0, 1]),
    ]  # fmt: skip


def test_a_state_slow_to_encode_is_snapshotted_less_often() -> None:
    # Two partitions at 0.3 s each: every 20 s keeps snapshots within 3% of the time.
    assert snapshotted_at(0.3, [100, 105, 110, 119, 120, 125, 141]) == [
        (100, [0, 1]), (105, []), (110, []), (119, []), (120, [0, 1]), (125, []), (141, [0, 1]),
    ]  # fmt: skip
