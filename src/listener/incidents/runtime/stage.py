"""The incident stage: one :class:`~listener.incidents.lifecycle.model.Book` per owned
partition of the incident log, recovered exactly when a partition is (re)assigned, and
snapshotted as it goes.

Recovery is the window stage's (:mod:`listener.windows.recovery`): the newest snapshot of
the partition, then the log between the snapshot's offset and the first offset Faust
delivers. A book is a pure function of its log, so the recovered book, and the actions of
the replayed entries, are exactly those of a worker that never stopped; the notifications
among them keep their ids, and the delivery ledger drops those already sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from listener.incidents.lifecycle.actions import Action
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Event, InvalidEvent, Tick
from listener.incidents.lifecycle.log import Entry, Seal, event_time, expand
from listener.incidents.lifecycle.model import Book
from listener.records import DeadLetter
from listener.windows.recovery import encode_snapshot, latest_snapshot, read_range, until_read

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recovered:
    """How a partition's book was brought back."""

    partition: int
    snapshot_offset: int
    replayed: int
    actions: tuple[Action, ...]


class IncidentStage:
    """Owns the books of this worker's partitions of the incident log."""

    def __init__(
        self,
        engine: Engine,
        step: int,
        bootstrap: str,
        topics: tuple[str, str],
        snapshot_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        seal: Seal | None = None,
    ) -> None:
        self.engine = engine
        self.step = step
        self.bootstrap = bootstrap
        self.log_topic, self.snapshot_topic = topics
        self.snapshot_seconds = snapshot_seconds
        self.clock = clock
        #: Checks every entry's signature when set: an unsigned or forged one is refused.
        self.seal = seal
        self.books: dict[int, Book] = {}
        self._snapshotted: dict[int, tuple[float, int]] = {}

    async def ensure(self, partition: int, next_offset: int) -> Recovered | None:
        """Make sure the book of ``partition`` covers every offset before ``next_offset``;
        called before the first message of a partition after it was assigned. A broker that
        cannot be read is tried again, with backoff, until it can (``until_read``)."""
        if partition in self.books:
            return None
        return await until_read(
            f"incident book of {self.log_topic}[{partition}]",
            lambda: self._recover(partition, next_offset),
        )

    async def _recover(self, partition: int, next_offset: int) -> Recovered:
        data = await latest_snapshot(self.bootstrap, self.snapshot_topic, partition)
        book = Book() if data is None else Book.from_dict(data)
        start = book.offset + 1
        actions: list[Action] = []
        replayed = 0
        if start < next_offset:
            async for offset, value in read_range(
                self.bootstrap, self.log_topic, partition, start, next_offset
            ):
                book, result = self._apply(book, partition, offset, value)
                replayed += 1
                if not isinstance(result, DeadLetter):
                    actions.extend(result)
        self.books[partition] = book
        self._snapshotted[partition] = (self.clock(), book.offset)
        log.info(
            "incident book of %s[%d] recovered: snapshot at offset %d, %d entries replayed",
            self.log_topic, partition, start - 1, replayed,
        )  # fmt: skip
        return Recovered(partition, start - 1, replayed, tuple(actions))

    def apply(self, partition: int, offset: int, value: bytes) -> list[Action] | DeadLetter:
        """Apply the entry at ``offset``: its actions, or why it could not be read."""
        book, result = self._apply(self.books[partition], partition, offset, value)
        self.books[partition] = book
        return result

    def _apply(
        self, book: Book, partition: int, offset: int, value: bytes
    ) -> tuple[Book, list[Action] | DeadLetter]:
        if offset <= book.offset:
            return book, []  # a redelivery: already in the book
        try:
            entry = Entry.loads(value, self.seal)
        except InvalidEvent as exc:
            letter = DeadLetter(
                exc.reason, str(exc)[:200], self.log_topic, partition, offset, value
            )
            return replace(book, offset=offset), letter
        book, actions = self.entry(book, entry)
        return replace(book, offset=offset), actions

    def entry(self, book: Book, entry: Entry) -> tuple[Book, list[Action]]:
        """Every event of ``entry`` in order, each preceded by the boundaries it passes."""
        actions: list[Action] = []
        for event in entry.events:
            at = event_time(event)
            if at is not None:
                book = self._catch_up(book, at, False, entry.written_at, actions)
            book = self._step(book, event, entry.written_at, actions)
        if entry.clock is not None:
            book = self._catch_up(book, entry.clock, True, entry.written_at, actions)
        return book, actions

    def _catch_up(
        self, book: Book, until: float, inclusive: bool, now: float, actions: list[Action]
    ) -> Book:
        """Tick every boundary between the book's clock and ``until``. While no incident
        is active a boundary changes nothing but the clock, so only the last is applied."""
        for tick in expand(book.clock, until, self.step, inclusive):
            if not any(incident.active for incident in book.incidents.values()):
                last = _last_boundary(until, self.step, inclusive)
                return self._step(book, Tick(last), now, actions)
            book = self._step(book, tick, now, actions)
        return book

    def _step(self, book: Book, event: Event, now: float, actions: list[Action]) -> Book:
        book, out = self.engine.step(book, event, now)
        actions.extend(out)
        return book

    def due_snapshots(self, force: bool = False) -> list[tuple[int, bytes]]:
        """Snapshots of the books that changed and were not saved for ``snapshot_seconds``.

        Call only when every action of the entries applied so far has been delivered to
        its topic: a snapshot claims its offset is fully done.
        """
        now = self.clock()
        due = []
        for partition, book in self.books.items():
            when, offset = self._snapshotted.get(partition, (0.0, -1))
            if book.offset > offset and (force or now - when >= self.snapshot_seconds):
                due.append((partition, encode_snapshot(book.to_dict())))
                self._snapshotted[partition] = (now, book.offset)
        return due

    def open_by_severity(self) -> dict[str, int]:
        """Active incidents of every owned book, by severity."""
        counts: dict[str, int] = {}
        for book in self.books.values():
            for incident in book.incidents.values():
                if incident.active:
                    counts[incident.severity] = counts.get(incident.severity, 0) + 1
        return counts

    def drop(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.books.pop(partition, None)
            self._snapshotted.pop(partition, None)


def _last_boundary(until: float, step: int, inclusive: bool) -> float:
    last = (until // step) * step
    return last if inclusive or last < until else last - step
