"""The scoring stage: raw messages in, per-brand scored batches and dead letters out.

Pure apart from the wall clock used to notice idle partitions; the agent in app.py only
moves bytes between topics and this class.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from listener.broker.topics import partition_of
from listener.errors import InvalidPost
from listener.eventtime import (
    LATENESS_LEARNING_SECONDS,
    Lateness,
    agreed,
    door_problem,
    keep_newest,
    stream_problem,
)
from listener.eventtime import MAX_FUTURE_SECONDS as MAX_FUTURE_SECONDS
from listener.records import DeadLetter, Post, ScoredBatch, ScoredPost, parse_raw_message

#: Most post keys remembered per raw partition for dropping duplicates.
MAX_SEEN_PER_PARTITION = 500_000
#: A partition whose newest post was at most this old when it arrived is *live*: its source
#: is followed as it happens, not replayed or caught up.
LIVE_HORIZON_SECONDS = 900.0
#: Most scored posts in one scored message; a partition's posts from one batch are split
#: beyond it (500 posts are about 250 kB, far under a broker's message limit).
SCORED_CHUNK = 500


class Enricher(Protocol):
    def enrich_many(self, posts: Sequence[Post]) -> list[list[ScoredPost]]:
        """Called once per batch with its new posts; returns, for each, one scored record
        per brand it concerns."""
        ...


class Prepared:
    """An enricher built in a thread of its own: the language model, VADER's lexicon and
    the brand matcher take half a second to a second, which a starting worker spends
    joining its group, mostly waiting on the broker. :meth:`start` begins the build (the
    worker starts it as its app starts, not while the app is being made: the two would
    share one interpreter lock, and the app would take twice as long to make);
    :meth:`ready` (or the first batch) starts it if nothing did, waits for it and raises
    what building it raised."""

    def __init__(self, build: Callable[[], Enricher]) -> None:
        self._build = build
        self._built: Future[Enricher] = Future()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin building, in a thread of its own; once only."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="enricher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._built.set_result(self._build())
        except BaseException as exc:  # handed to whoever waits for it
            self._built.set_exception(exc)

    def ready(self) -> Enricher:
        self.start()
        return self._built.result()

    def enrich_many(self, posts: Sequence[Post]) -> list[list[ScoredPost]]:
        return self.ready().enrich_many(posts)


@dataclass(frozen=True, slots=True)
class RawMessage:
    topic: str
    partition: int
    offset: int
    value: bytes


@dataclass(slots=True)
class ScoreResult:
    """What one batch of raw messages turned into."""

    by_brand: dict[str, list[ScoredPost]] = field(default_factory=lambda: defaultdict(list))
    dead: list[DeadLetter] = field(default_factory=list)
    received: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    duplicates: int = 0
    unmatched: int = 0


class ScoringStage:
    """Parses, drops duplicates, enriches; tracks how far event time got in each partition."""

    def __init__(
        self,
        enricher: Enricher,
        dedupe_seconds: float,
        idle_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        empty_grace_seconds: float = 30.0,
        live_delay_seconds: float = 120.0,
        lateness_learning_seconds: float = LATENESS_LEARNING_SECONDS,
    ) -> None:
        self.enricher = enricher
        self.wall = wall
        self.live_delay_seconds = live_delay_seconds
        self.lateness_learning_seconds = lateness_learning_seconds
        self.dedupe_seconds = dedupe_seconds
        self.idle_seconds = idle_seconds
        self.empty_grace_seconds = empty_grace_seconds
        self.assigned_at: dict[int, float] = {}
        #: Next offset to process per raw partition, to tell a caught-up partition.
        self.positions: dict[int, int] = {}
        #: The consumer's position of partitions that delivered nothing since they were
        #: assigned (a worker taking over a partition its predecessor had finished).
        self.fetch_positions: dict[int, int] = {}
        self.clock = clock
        self.seen: dict[int, dict[str, float]] = defaultdict(dict)
        #: The keys of ``seen`` in the order they came, to forget the oldest first: a
        #: dict's first key is found by walking past every slot its deletions emptied,
        #: which grows with the posts a partition has had.
        self.arrivals: dict[int, deque[str]] = defaultdict(deque)
        #: Per raw partition: the time its posts agree on (see eventtime.agreed), and the
        #: newest distinct post times it is agreed from.
        self.marks: dict[int, float] = {}
        self.newest: dict[int, tuple[float, ...]] = {}
        self.last_message: dict[int, float] = {}
        #: Raw partitions whose newest post arrived live (see LIVE_HORIZON_SECONDS).
        self.live: dict[int, bool] = {}
        #: Per raw partition: how late its posts have lately arrived (see ``waits``).
        self.lateness: dict[int, Lateness] = {}

    def process(self, messages: Iterable[RawMessage]) -> ScoreResult:
        result = ScoreResult()
        now = self.clock()
        wall = self.wall()
        fresh: list[Post] = []
        before = dict(self.marks)
        for message in messages:
            partition = message.partition
            self.last_message[partition] = now
            self.positions[partition] = message.offset + 1
            # A message's posts arrive together (a page of a poll, newest first or not):
            # how late each came is measured against the mark before the message.
            mark = self.marks.get(partition)
            if mark is not None and partition not in self.lateness:
                self.lateness[partition] = Lateness(since=mark)
            for item in parse_raw_message(message.value):
                if not isinstance(item, InvalidPost):
                    item = self._plausible(message, item, wall)
                if isinstance(item, InvalidPost):
                    result.dead.append(_dead_letter(message, item))
                elif self._is_new(partition, item, result):
                    fresh.append(item)
                    if mark is not None and item.ts < mark:
                        self.lateness[partition].note(mark, item.ts)
        for partition, mark in self.marks.items():
            if mark != before.get(partition):
                self.live[partition] = wall - mark <= LIVE_HORIZON_SECONDS
        # Enriched together, once every post of the batch is known (see enrich_many).
        for scored in self.enricher.enrich_many(fresh):
            if not scored:
                result.unmatched += 1
            for record in scored:
                result.by_brand[record.brand].append(record)
        for partition in {m for m in self.seen}:
            self._evict(partition)
        return result

    def _plausible(self, message: RawMessage, post: Post, wall: float) -> Post | InvalidPost:
        """``post``, or why its date is refused: before any post, not written yet, or far
        behind what its partition's posts agree on (see listener.eventtime)."""
        ts = post.ts
        problem = door_problem(ts, wall) or stream_problem(ts, self.marks.get(message.partition))
        if problem is None:
            return post
        if message.value.lstrip()[:1] == b"[":
            problem.payload = post.dumps()  # only this post of the bundle is refused
        return problem

    def _is_new(self, partition: int, post: Post, result: ScoreResult) -> bool:
        """Count ``post``, move its partition's mark; False when it was seen before.

        The mark is the time :data:`~listener.eventtime.AGREEING` distinct posts reach, so
        one post dated ahead of the others, however plausible, does not move it; it never
        goes back.
        """
        result.received[post.source] += 1
        ts = post.ts
        newest = self.newest[partition] = keep_newest(self.newest.get(partition, ()), ts)
        mark = agreed(newest)
        if mark is not None and mark > self.marks.get(partition, mark - 1):
            self.marks[partition] = mark
        seen = self.seen[partition]
        key = post.key
        if key in seen:
            result.duplicates += 1
            return False
        seen[key] = ts
        self.arrivals[partition].append(key)
        return True

    def _evict(self, partition: int) -> None:
        seen = self.seen[partition]
        mark = self.marks.get(partition)
        if mark is None:
            return
        horizon = mark - self.dedupe_seconds
        # Keys were inserted in arrival order, which is close to event-time order: drop
        # from the front while they are old enough, and cap the size whatever happens.
        arrivals = self.arrivals[partition]
        while arrivals:
            key = arrivals[0]
            if seen[key] >= horizon and len(seen) <= MAX_SEEN_PER_PARTITION:
                break
            arrivals.popleft()
            del seen[key]

    def watermarks(
        self, owned: Iterable[int], highwater: Callable[[int], int | None] | None = None
    ) -> tuple[dict[int, float | None], frozenset[int]]:
        """How far event time got in each owned raw partition (the time its posts agree
        on, see listener.eventtime), and which of them are idle: an idle partition does not
        hold the event-time clock back, and never reports a post its others do not reach.

        A partition is idle once it has had posts and then nothing for ``idle_seconds``:
        posts arrive in about event-time order, so a quiet partition has nothing older
        to send. A partition that has never had a post is not idle, because its first
        posts may be old ones (a replay starting, another worker's partitions still being
        fetched); only after ``empty_grace_seconds`` of owning it empty does it stop
        holding the clock, so one unused partition cannot silence every alert.

        ``highwater`` (the broker's end offset of a partition, None if not known yet) makes
        quiet mean caught up: a partition whose posts wait behind a busy worker's backlog is
        quiet too, but it is not idle.

        An idle partition whose source was followed live reports the wall clock, less
        ``live_delay_seconds``, as its mark: nothing older can still come from it, beyond
        what a slow source delivers late. When every source falls silent, event time (and
        the escalation timers on it) keeps pace with real time instead of stopping at the
        last post. A replay, whose posts are old when they arrive, is never live.
        """
        now = self.clock()
        heartbeat = self.wall() - self.live_delay_seconds
        marks: dict[int, float | None] = {}
        idle: set[int] = set()
        for partition in owned:
            mark = marks[partition] = self.marks.get(partition)
            quiet = now - self.last_message.get(partition, self.assigned_at.get(partition, now))
            wait = self.idle_seconds if partition in self.newest else self.empty_grace_seconds
            if quiet >= wait and self._caught_up(partition, highwater):
                idle.add(partition)
                if mark is not None and self.live.get(partition) and heartbeat > mark:
                    marks[partition] = heartbeat
        return marks, frozenset(idle)

    def waits(self, owned: Iterable[int]) -> dict[int, float]:
        """How long the window clock should wait for late posts of each owned raw
        partition followed live, as its posts taught (see eventtime.Lateness); the window
        stage waits at most the allowed lateness. Partitions still learning, and those
        replayed or caught up, are left out: they get the allowed lateness, and a replay
        stays reproducible."""
        waits: dict[int, float] = {}
        for partition in owned:
            mark, lateness = self.marks.get(partition), self.lateness.get(partition)
            if mark is not None and lateness is not None and self.live.get(partition):
                wait = lateness.wait(mark, self.lateness_learning_seconds)
                if wait is not None:
                    waits[partition] = wait
        return waits

    def newest_of(self, owned: Iterable[int]) -> dict[int, tuple[float, ...]]:
        """The newest distinct post times of each owned raw partition that had posts: the
        window clock reads what all partitions together agree on once every one is idle."""
        return {p: self.newest[p] for p in owned if p in self.newest}

    def _caught_up(self, partition: int, highwater: Callable[[int], int | None] | None) -> bool:
        if highwater is None:
            return True  # no word from the broker: quietness alone decides
        end = highwater(partition)
        position = self.positions.get(partition, self.fetch_positions.get(partition))
        return end is not None and position is not None and position >= end

    def assigned(self, partitions: Iterable[int]) -> None:
        """Start the clocks that tell an empty or quiet partition from a busy one."""
        now = self.clock()
        for partition in partitions:
            self.assigned_at[partition] = now

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop what was kept for partitions this worker no longer owns."""
        for partition in partitions:
            self.seen.pop(partition, None)
            self.arrivals.pop(partition, None)
            self.marks.pop(partition, None)
            self.newest.pop(partition, None)
            self.last_message.pop(partition, None)
            self.assigned_at.pop(partition, None)
            self.positions.pop(partition, None)
            self.fetch_positions.pop(partition, None)
            self.live.pop(partition, None)
            self.lateness.pop(partition, None)


def _dead_letter(message: RawMessage, error: InvalidPost) -> DeadLetter:
    return DeadLetter(
        reason=error.reason,
        detail=error.detail,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        payload=error.payload if error.payload is not None else message.value,
    )


def counts(result: ScoreResult) -> Mapping[str, int]:
    return {brand: len(posts) for brand, posts in result.by_brand.items()}


def scored_messages(
    by_brand: Mapping[str, Sequence[ScoredPost]], partitions: int
) -> Iterable[tuple[int, list[ScoredBatch]]]:
    """What a batch's scored posts become on the scored topic: per scored partition, the
    batches of the brands whose name hashes there (:func:`~listener.broker.topics.partition_of`),
    in messages of at most :data:`SCORED_CHUNK` posts, a brand's posts in their order."""
    grouped: dict[int, list[ScoredBatch]] = defaultdict(list)
    for brand, posts in by_brand.items():
        partition = partition_of(brand.encode(), partitions)
        for i in range(0, len(posts), SCORED_CHUNK):
            grouped[partition].append(ScoredBatch(brand, tuple(posts[i : i + SCORED_CHUNK]), {}))
    for partition, batches in grouped.items():
        message: list[ScoredBatch] = []
        held = 0
        for batch in batches:
            if message and held + len(batch.posts) > SCORED_CHUNK:
                yield partition, message
                message, held = [], 0
            message.append(batch)
            held += len(batch.posts)
        yield partition, message
