"""The window stage: one :class:`PartitionState` per owned scored partition, recovered
exactly when a partition is (re)assigned, and snapshotted as it goes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from listener.errors import InvalidPost
from listener.records import DeadLetter, ScoredBatch
from listener.windows.config import WindowConfig
from listener.windows.judging import Judge, Outcome
from listener.windows.partition import PartitionState
from listener.windows.recovery import encode_snapshot, latest_snapshot, read_range, until_read

log = logging.getLogger(__name__)

#: What decoding a scored message can raise when the message is not what listener wrote.
_UNREADABLE = (orjson.JSONDecodeError, KeyError, IndexError, TypeError, ValueError, InvalidPost)
#: Boundaries judged between two turns of the event loop: a long catch-up (days of a
#: replay read at once) must not keep the worker's health page and heartbeats waiting.
CATCH_UP_STEPS = 60
#: Most of the work a snapshot may cost: a partition is saved again only once the CPU spent
#: applying its messages since its last snapshot, which a restarted worker would spend again
#: replaying them, is this many times what its last snapshot cost. A snapshot costs in
#: proportion to the state, not to what changed (a partition holding a busy hour, or a
#: thousand brands' learning, takes tens of milliseconds to encode), so a large state fed a
#: trickle of posts is saved rarely, and a busy one about as often as ``snapshot_seconds``:
#: the time a post costs stays the same however long the run and however many brands, and
#: a restarted worker replays at most about thirty snapshots' worth of work (any snapshot
#: is a consistent starting point, so never a wrong count).
SNAPSHOT_SHARE = 0.03
#: A partition that changed is saved at least this often (or every ``snapshot_seconds`` if
#: longer), however little work it saw: replays stay short and well within retention.
SNAPSHOT_LONGEST_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Recovered:
    """How a partition's state was brought back."""

    partition: int
    snapshot_offset: int
    replayed: int
    outcomes: tuple[Outcome, ...]


class WindowStage:
    """Owns the partition states of this worker."""

    def __init__(
        self,
        config: WindowConfig,
        judge: Judge,
        bootstrap: str,
        scored_topic: str,
        snapshot_topic: str,
        snapshot_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.thread_time,
    ) -> None:
        self.config = config
        self.judge = judge
        self.bootstrap = bootstrap
        self.scored_topic = scored_topic
        self.snapshot_topic = snapshot_topic
        self.snapshot_seconds = snapshot_seconds
        self.clock = clock
        self.cpu = cpu
        self.states: dict[int, PartitionState] = {}
        self._snapshotted: dict[int, tuple[float, int]] = {}
        #: CPU seconds the last snapshot of each partition took to encode.
        self._snapshot_cost: dict[int, float] = {}
        #: CPU seconds spent applying each partition's messages since its last snapshot.
        self._worked: dict[int, float] = {}

    async def ensure(self, partition: int, next_offset: int) -> Recovered | None:
        """Make sure the state of ``partition`` covers every offset before ``next_offset``.

        Called before the first message of a partition after it was assigned: loads the
        newest snapshot and replays the scored messages between it and ``next_offset``.
        A broker that cannot be read is tried again, with backoff, until it can: the
        agent waits instead of failing, and nothing is kept of a read that broke off.
        """
        if partition in self.states:
            return None
        return await until_read(
            f"window state of {self.scored_topic}[{partition}]",
            lambda: self._recover(partition, next_offset),
        )

    async def _recover(self, partition: int, next_offset: int) -> Recovered:
        data = await latest_snapshot(self.bootstrap, self.snapshot_topic, partition)
        state = (
            PartitionState(self.config, self.judge)
            if data is None
            else PartitionState.from_dict(self.config, self.judge, data)
        )
        start = state.offset + 1
        outcomes: list[Outcome] = []
        # The replay is work no snapshot holds yet: counted towards the next one, from
        # nothing again if a read that broke off is read again.
        self._worked[partition] = 0.0
        if start < next_offset:
            async for offset, value in read_range(
                self.bootstrap, self.scored_topic, partition, start, next_offset
            ):
                result = self._apply(state, partition, offset, value)
                if isinstance(result, Outcome):
                    outcomes.append(result)
                    outcomes.extend(await self._catch_up(state, partition, lambda: True))
        self.states[partition] = state
        self._snapshotted[partition] = (self.clock(), state.offset)
        log.info(
            "window state of %s[%d] recovered: snapshot at offset %d, %d messages replayed",
            self.scored_topic, partition, start - 1, len(outcomes),
        )  # fmt: skip
        return Recovered(partition, start - 1, len(outcomes), tuple(outcomes))

    def reconfigure(self, config: WindowConfig, judge: Judge) -> None:
        """Judge with reloaded rules from now on, keeping every window, baseline and rule
        state (the layout, ``step`` and ``sizes``, is the same: see listener.rules.live).
        Posts counted before read the old topic words; posts from now on the new ones."""
        self.config, self.judge = config, judge
        for state in self.states.values():
            state.config, state.judge = config, judge

    def apply(self, partition: int, offset: int, value: bytes) -> Outcome | DeadLetter:
        """Apply one message, judging at most CATCH_UP_STEPS boundaries: the caller awaits
        ``catch_up`` for the rest before the next message."""
        return self._apply(self.states[partition], partition, offset, value)

    async def catch_up(self, partition: int) -> list[Outcome]:
        """Judge the boundaries ``apply`` left, yielding to the event loop between steps;
        stops early if the partition is taken from this worker meanwhile."""
        state = self.states[partition]
        return await self._catch_up(state, partition, lambda: self.states.get(partition) is state)

    async def _catch_up(
        self, state: PartitionState, partition: int, owned: Callable[[], bool]
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        while state.behind:
            await asyncio.sleep(0)
            if not owned():
                break
            started = self.cpu()
            outcomes.append(state.catch_up(CATCH_UP_STEPS))
            self._count_work(partition, started)
        return outcomes

    def _apply(
        self, state: PartitionState, partition: int, offset: int, value: bytes
    ) -> Outcome | DeadLetter:
        started = self.cpu()
        try:
            batches = ScoredBatch.loads_many(value)
        except _UNREADABLE as exc:
            state.offset = max(state.offset, offset)
            return DeadLetter(
                reason="bad_scored_batch",
                detail=repr(exc)[:200],
                topic=self.scored_topic,
                partition=partition,
                offset=offset,
                payload=value,
            )
        outcome = state.apply_many(batches, offset, CATCH_UP_STEPS)
        self._count_work(partition, started)
        return outcome

    def _count_work(self, partition: int, started: float) -> None:
        self._worked[partition] = self._worked.get(partition, 0.0) + self.cpu() - started

    def due_snapshots(
        self, most: int | None = None, overdue: bool = False
    ) -> list[tuple[int, bytes]]:
        """Snapshots of the states that changed and are due (see :meth:`_due`), or, with
        ``overdue``, only of those not saved for :data:`SNAPSHOT_LONGEST_SECONDS`; ``most``
        of them at most, those waiting longest first (each snapshot holds the event loop
        while it is encoded: spread over the agent's batches, they hold it a partition at a
        time).

        Call only when every output of the messages applied so far has been delivered:
        a snapshot claims its offset is fully done.
        """
        now = self.clock()
        waiting = []
        for partition, state in self.states.items():
            when, offset = self._snapshotted.get(partition, (0.0, -1))
            if state.offset > offset and self._due(partition, now - when, overdue):
                waiting.append((when, partition))
        due = []
        for _, partition in sorted(waiting)[:most]:
            state = self.states[partition]
            started = self.cpu()
            due.append((partition, encode_snapshot(state.to_dict(encoded=True))))
            self._snapshot_cost[partition] = self.cpu() - started
            self._snapshotted[partition] = (now, state.offset)
            self._worked[partition] = 0.0
        return due

    def _due(self, partition: int, waited: float, overdue: bool) -> bool:
        """Whether ``partition``'s state, changed and last saved ``waited`` seconds ago, is to
        be saved now: not within ``snapshot_seconds``; then once the work since that
        snapshot is worth saving (:data:`SNAPSHOT_SHARE`), or :data:`SNAPSHOT_LONGEST_SECONDS`
        after it whatever the work (only then with ``overdue``)."""
        if waited < self.snapshot_seconds:
            return False
        if waited >= SNAPSHOT_LONGEST_SECONDS:
            return True
        cost = self._snapshot_cost.get(partition, 0.0)
        return not overdue and self._worked.get(partition, 0.0) * SNAPSHOT_SHARE >= cost

    def drop(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.states.pop(partition, None)
            self._snapshotted.pop(partition, None)
            self._snapshot_cost.pop(partition, None)
            self._worked.pop(partition, None)
