"""The delivery stage: every notification on the ``notifications`` topic sent through the
configured notifiers, each in a task of its own, with retries; failures dead-lettered and
reported back to the incident log, so the engine tells the next level.

Never twice: what was delivered (or given up on) is kept in a
:class:`~listener.notifiers.delivery.DeliveryLedger` per partition, saved with the Slack
threads in a snapshot as soon as each (channel, target) of a notification settles, not when
the whole notification has: a slow channel does not leave the fast ones unsaved. The
snapshot's offset is the last offset below which every notification has settled; a worker
that takes the partition over loads the snapshot and goes through the topic from that
offset, at once, not waiting for the next notification: what was settled is skipped by the
ledger, what was still in flight is sent. A crash between a message being accepted and its
snapshot reaching the broker sends that one message again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson

from listener.errors import ListenerError
from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.events import DeliveryFailed
from listener.incidents.runtime.notices import Composer
from listener.notifiers.delivery import (
    DeliveryAttempt,
    DeliveryLedger,
    DeliveryResult,
    RetryPolicy,
)
from listener.notifiers.fanout import Notifiers, Route, deliver_all, unreached_people
from listener.notifiers.slack.notifier import SlackThreads, Thread
from listener.ops.metrics import DeliveryMetrics
from listener.records import DeadLetter
from listener.windows.recovery import encode_snapshot, latest_snapshot, read_range, until_read

log = logging.getLogger(__name__)

#: How long (wall clock) the ledger keeps the keys of a resolved incident: long enough that
#: no replay of the incident log can emit its notifications again.
LEDGER_RETENTION: Final = 86_400.0


class Outlet(Protocol):
    """Where the courier writes; the worker implements it on its topics."""

    async def dead_letter(self, letter: DeadLetter) -> None:
        """Called once per delivery given up on; returns once the broker has it."""
        ...

    async def failed(self, brand: str, failures: Sequence[DeliveryFailed]) -> None:
        """Called when people could not be reached: the failures go on the incident log."""
        ...

    async def snapshot(self, partition: int, data: bytes) -> None:
        """Called after a notification settled, with the partition's delivery state."""
        ...


@dataclass
class Desk:
    """The delivery state of one partition of the notifications topic."""

    ledger: DeliveryLedger = field(default_factory=DeliveryLedger)
    #: The highest offset taken in, and those still being delivered.
    offset: int = -1
    pending: set[int] = field(default_factory=set)
    #: Incidents seen (for their Slack threads), and when each resolved one was closed.
    incidents: set[str] = field(default_factory=set)
    closed: dict[str, float] = field(default_factory=dict)
    #: One save at a time, each encoded when its turn comes: the newest snapshot on the
    #: topic is always the newest state.
    saving: asyncio.Lock = field(default_factory=asyncio.Lock)

    def settled(self, done: int | None = None) -> int:
        """The offset up to which every notification has settled, counting ``done`` (one
        whose deliveries have all ended) as settled."""
        pending = self.pending - {done}
        return min(pending) - 1 if pending else self.offset

    def to_dict(self, threads: SlackThreads, done: int | None = None) -> dict[str, Any]:
        mine = {k: v for k, v in threads.to_dict().items() if k in self.incidents}
        return {
            "offset": self.settled(done),
            "ledger": self.ledger.to_dict(),
            "threads": mine,
            "closed": dict(self.closed),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], threads: SlackThreads) -> Desk:
        for incident_id, where in data["threads"].items():
            threads.start(incident_id, Thread(str(where["channel"]), str(where["ts"])))
        return cls(
            ledger=DeliveryLedger.from_dict(data["ledger"]),
            offset=int(data["offset"]),
            incidents=set(data["threads"]),
            closed={str(k): float(v) for k, v in data["closed"].items()},
        )

    def forget_closed(self, now: float, threads: SlackThreads) -> None:
        for incident_id, at in list(self.closed.items()):
            if now - at >= LEDGER_RETENTION:
                self.ledger.forget_incident(incident_id)
                threads.forget(incident_id)
                self.incidents.discard(incident_id)
                del self.closed[incident_id]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the courier needs to send: the notifiers, how to build each message, how hard
    to try. ``notifiers`` is None when none are configured: messages are only logged."""

    composer: Composer
    notifiers: Notifiers | None
    policy: RetryPolicy
    threads: SlackThreads


class Courier:
    """Delivers the notifications of the partitions this worker owns."""

    def __init__(
        self,
        delivery: Delivery,
        outlet: Outlet,
        metrics: DeliveryMetrics,
        bootstrap: str,
        topics: tuple[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.delivery = delivery
        self.outlet = outlet
        self.metrics = metrics
        self.bootstrap = bootstrap
        self.topic, self.snapshot_topic = topics
        self.clock = clock
        self.desks: dict[int, Desk] = {}
        self._recovering: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return sum(len(desk.pending) for desk in self.desks.values()) + len(self._recovering)

    def assigned(self, partitions: Iterable[int]) -> None:
        """Start bringing back each newly assigned partition's state, and sending what it
        had not settled; called when partitions are assigned (does not wait)."""
        for partition in partitions:
            if partition not in self.desks and partition not in self._recovering:
                self._recovering[partition] = asyncio.create_task(self._recover(partition))

    def _recovered(self, partition: int, task: asyncio.Task[None]) -> None:
        if self._recovering.get(partition) is task:
            del self._recovering[partition]

    def revoked(self, partitions: Iterable[int]) -> None:
        """Forget revoked partitions; deliveries under way finish, but save nothing."""
        for partition in partitions:
            task = self._recovering.pop(partition, None)
            if task is not None:
                task.cancel()
            self.desks.pop(partition, None)

    async def take(self, partition: int, offset: int, value: bytes) -> None:
        """Start delivering the notification at ``offset`` unless already taken in."""
        recovering = self._recovering.get(partition)
        if recovering is not None:
            await asyncio.shield(recovering)
        desk = self.desks.get(partition)
        if desk is None:  # delivered before the assignment was announced
            self.assigned([partition])
            await asyncio.shield(self._recovering[partition])
            desk = self.desks[partition]
        self._start(partition, desk, offset, value)

    async def _recover(self, partition: int) -> None:
        desk, unsettled = await until_read(
            f"deliveries of {self.topic}[{partition}]", lambda: self._read(partition)
        )
        start = desk.offset + 1
        self.desks[partition] = desk
        for offset, value in unsettled:
            self._start(partition, desk, offset, value)
        replayed = len(unsettled)
        task = asyncio.current_task()
        if task is not None:
            self._recovered(partition, task)
        log.info(
            "deliveries of %s[%d] recovered: snapshot at offset %d, %d notifications again",
            self.topic, partition, start - 1, replayed,
        )  # fmt: skip

    async def _read(self, partition: int) -> tuple[Desk, list[tuple[int, bytes]]]:
        """The partition's desk as last saved, and the notifications after it: all read
        before any is started, so a read that broke off starts nothing twice."""
        data = await latest_snapshot(self.bootstrap, self.snapshot_topic, partition)
        desk = Desk() if data is None else Desk.from_dict(data, self.delivery.threads)
        after = read_range(self.bootstrap, self.topic, partition, desk.offset + 1, None)
        return desk, [(offset, value) async for offset, value in after]

    def _start(self, partition: int, desk: Desk, offset: int, value: bytes) -> None:
        if offset <= desk.offset:
            return
        desk.offset = offset
        desk.pending.add(offset)
        task = asyncio.create_task(self._deliver(partition, desk, offset, value))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, partition: int, desk: Desk, offset: int, value: bytes) -> None:
        """One notification, start to end. Cancelled (the worker stops), it stays pending:
        the next owner sends it."""
        try:
            await self._handle(partition, desk, offset, value)
        except ListenerError as exc:  # the broker refused a dead letter or a failure report
            log.error("notification at %s[%d]@%d: %s", self.topic, partition, offset, exc)
        try:
            if self.desks.get(partition) is desk:  # else revoked: the new owner saves its own
                await self._save(partition, desk, offset)
        finally:
            # Only now: until its ledger is saved, a notification counts as under way.
            desk.pending.discard(offset)

    async def _save(self, partition: int, desk: Desk, done: int | None = None) -> None:
        """Save the partition's delivery state, counting ``done`` as settled."""
        async with desk.saving:
            desk.forget_closed(self.clock(), self.delivery.threads)
            data = encode_snapshot(desk.to_dict(self.delivery.threads, done))
            try:
                await self.outlet.snapshot(partition, data)
            except ListenerError as exc:
                log.error("delivery state of %s[%d] not saved: %s", self.topic, partition, exc)

    async def _handle(self, partition: int, desk: Desk, offset: int, value: bytes) -> None:
        try:
            notify = Notify.loads(value)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            letter = DeadLetter("bad_notification", repr(exc)[:200], self.topic, partition,
                                offset, value)  # fmt: skip
            await self.outlet.dead_letter(letter)
            return
        desk.incidents.add(notify.incident.id)
        await self._send(notify, desk, partition, offset)
        if notify.kind == "resolved":
            desk.closed[notify.incident.id] = self.clock()

    async def _send(self, notify: Notify, desk: Desk, partition: int, offset: int) -> None:
        notifiers = self.delivery.notifiers
        people = ", ".join(notify.people)
        if notifiers is None:
            log.warning(
                "notification %s: %s of %s, level %d, for %s (no notifiers configured)",
                notify.id, notify.kind, notify.incident.id, notify.level, people,
            )  # fmt: skip
            return
        routes = self.delivery.composer.routes(notify, notifiers, self.clock())

        async def settled(route: Route, result: DeliveryResult) -> None:
            try:
                await self._settled(notify, route, result, partition, offset)
            except ListenerError as exc:  # the broker refused the dead letter
                log.error("notification at %s[%d]@%d: %s", self.topic, partition, offset, exc)
            if result.attempts and self.desks.get(partition) is desk:
                await self._save(partition, desk)  # this (channel, target) is settled

        results = await deliver_all(
            routes, notifiers, desk.ledger, self.delivery.policy,
            on_attempt=self._attempted, on_settled=settled,
        )  # fmt: skip
        await self._report_unreached(notify, routes, results)

    def _attempted(self, attempt: DeliveryAttempt) -> None:
        """Count each attempt as it ends: an outage shows in the metrics while the
        retries are under way, not once the delivery settles."""
        self.metrics.notification_attempts.labels(attempt.channel, attempt.outcome).inc()
        if attempt.outcome == "retrying":
            self.metrics.notifications_retried.labels(attempt.channel).inc()

    async def _settled(
        self, notify: Notify, route: Route, result: DeliveryResult, partition: int, offset: int
    ) -> None:
        """Log, count and dead-letter one (channel, target) that settled; nothing for one
        settled before (a duplicate, or a failure already dead-lettered)."""
        channel = route.where.channel
        if not result.attempts:
            return
        log.info(
            "notification %s (%s of %s, level %d) %s by %s to %s after %d attempt(s) in %.1fs%s",
            notify.id, notify.kind, notify.incident.id, notify.level, result.status, channel,
            route.where.target, len(result.attempts), result.took,
            f": {result.error}" if result.error else "",
        )  # fmt: skip
        if result.delivered:
            self.metrics.notifications_sent.labels(channel).inc()
            self.metrics.notification_delay.labels(channel).observe(result.took)
            return
        self.metrics.notifications_failed.labels(channel).inc()
        payload = orjson.dumps(
            {
                "notification": notify.id,
                "incident": notify.incident.id,
                "kind": notify.kind,
                "level": notify.level,
                "channel": channel,
                "target": route.where.target,
                "attempts": [attempt.to_dict() for attempt in result.attempts],
            }
        )
        detail = (result.error or "failed")[:200]
        letter = DeadLetter("notification_failed", detail, self.topic, partition, offset, payload)
        await self.outlet.dead_letter(letter)

    async def _report_unreached(
        self, notify: Notify, routes: Sequence[Route], results: Sequence[DeliveryResult]
    ) -> None:
        missed = unreached_people(routes, results)
        if not missed:
            return
        failures = [
            DeliveryFailed(
                incident_id=notify.incident.id,
                notification_id=notify.id,
                level=notify.level,
                person=person,
                reason=_reasons(person, routes, results),
                at=self.clock(),
            )
            for person in missed
        ]
        await self.outlet.failed(notify.brand, failures)

    async def close(self) -> None:
        """Wait for the deliveries under way (at shutdown, or at the end of a test)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _reasons(person: str, routes: Sequence[Route], results: Sequence[DeliveryResult]) -> str:
    """Why ``person`` was not reached, one channel after the other."""
    reasons = [
        f"{route.where.channel}: {result.error or 'failed'}"
        for route, result in zip(routes, results, strict=True)
        if result.failed and any(r.id == person for r in route.message.recipients)
    ]
    return "; ".join(reasons)[:300]
