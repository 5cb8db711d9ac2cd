"""The lane of a Bluesky instance: Jetstream live, searchPosts where the stream cannot reach.

The checkpoint's ``since`` is the Jetstream cursor: the ``time_us`` up to which every frame
has been handed out. It moves with every page that has posts, and otherwise every 30 s of
stream time, so a quiet brand does not write a checkpoint a second.

- **Live.** The stream is opened ``rewind`` before ``since`` (Jetstream's advice for gapless
  playback: its times differ slightly between instances) and replays from there; the posts
  of the overlap were published already and the runner's ``seen`` list drops them.
- **Dropped.** A stream that fails, closes or falls silent is counted (``stream_dropped``),
  waited out with backoff and opened again from ``since``, on the next configured instance
  if connecting fails; nothing is missed, since Jetstream replays.
- **Backfill.** Jetstream keeps a limited history. When a replay starts more than a minute
  after the cursor asked for, the stretch in between is searched instead: each term's
  ``searchPosts`` from ``since - rewind`` to the replay's first frame (``walk_top``), page
  by page with its ``cursor`` (kept in the checkpoint, so a restart continues the walk),
  after which ``since`` becomes ``walk_top`` and the stream is opened again from there. A
  search the service refuses (or that keeps failing) is given up and counted as ``gap``:
  the live stream matters more than the hole.
- **Search only** (``stream: false``): every ``poll_interval``, the same walk over the
  time since the last one.

Only terms can be searched: posts by, replying to or mentioning ``accounts`` that name no
term come from Jetstream only (whose replay covers a restart, not a long outage).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Final

import orjson

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import parse_items
from listener.connectors.sources.bluesky.appview import AppView
from listener.connectors.sources.bluesky.config import BlueskyConfig
from listener.connectors.sources.bluesky.jetstream import Item, Stream
from listener.connectors.sources.bluesky.records import Selector, from_us, iso_us, view_post
from listener.connectors.wire.errors import (
    RateLimited,
    SourceError,
    SourceRejected,
    StreamDropped,
)

log = logging.getLogger(__name__)

#: With no post kept, the cursor is stored at most this often (of stream time).
CHECKPOINT_EVERY_US: Final = 30_000_000
#: How long a poll waits for the stream's first item before answering with an empty page.
IDLE: Final = 1.0
MAX_BATCH: Final = 500
#: A backfill search failing this many times in a row is given up.
WALK_TRIES: Final = 5
#: Post ids remembered to drop repeats: the posts of a rewind, or of terms searched in turn.
SEEN: Final = 500


def now_us() -> int:
    return time.time_ns() // 1000


def search_query(term: str) -> str:
    """A term as searchPosts' ``q``: a phrase in quotes, a word or #tag as it is."""
    return f'"{term}"' if " " in term else term


@dataclass(frozen=True, slots=True)
class WalkAt:
    """Where a backfill walk stands: the term being searched and its next page."""

    index: int
    page: str | None = None

    @classmethod
    def load(cls, cursor: str | None, terms: tuple[str, ...]) -> WalkAt:
        """From the checkpoint's ``cursor``; a term no longer configured starts over."""
        if cursor is None:
            return cls(0)
        try:
            data = orjson.loads(cursor)
            index = terms.index(data["term"])
            page = data.get("page")
        except (orjson.JSONDecodeError, TypeError, KeyError, ValueError):
            return cls(0)
        return cls(index, page if isinstance(page, str) else None)

    def dump(self, terms: tuple[str, ...]) -> str:
        return orjson.dumps({"term": terms[self.index], "page": self.page}).decode()


class BlueskyLane:
    """The one lane of a Bluesky instance."""

    def __init__(self, config: BlueskyConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self.selector = Selector(config.terms, config.accounts)
        self.appview = AppView(config, context)
        self.stream = Stream(config, context, self.selector, self.appview.learn_handle)
        self.rewind_us = round(config.rewind * 1_000_000)
        self._walk_failures = 0
        context.cleanup.push_async_callback(self.stream.close)

    async def poll(self, checkpoint: Checkpoint) -> Page:
        if checkpoint.walk_top is not None:
            return await self._walk(checkpoint)
        if not self.config.stream:
            return await self._search_window(checkpoint)
        if not self.stream.reading and self.stream.queue.empty():
            why = self.stream.ended()
            if isinstance(why, SourceError):
                raise why  # counted and waited out by the runner, then opened again
            if why is not None:
                log.error("%s: stream reader failed", self.context.name, exc_info=why)
                raise StreamDropped(f"stream reader failed: {why!r}")
            since = int(checkpoint.since) if checkpoint.since is not None else None
            await self.stream.open(None if since is None else max(since - self.rewind_us, 1))
        return await self._gather(checkpoint)

    async def _gather(self, checkpoint: Checkpoint) -> Page:
        """The stream's items, gathered for up to ``batch`` seconds after the first."""
        queue = self.stream.queue
        try:
            items = [await asyncio.wait_for(queue.get(), IDLE)]
        except TimeoutError:
            return Page((), checkpoint, more=True)
        deadline = time.monotonic() + self.config.batch
        while not items[-1].gap and len(items) < MAX_BATCH:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                items.append(await asyncio.wait_for(queue.get(), left))
            except TimeoutError:
                break
        after = self._advance(checkpoint, items)
        if items[-1].gap:
            after = self._gap(after, items[-1].time_us)
        posts = [item.post for item in items if item.post is not None]
        posts = await self.appview.with_authors(posts)
        return Page(tuple(posts), after, more=True)

    def _advance(self, checkpoint: Checkpoint, items: list[Item]) -> Checkpoint:
        """The checkpoint with ``since`` moved to the newest item, when worth storing."""
        marks = [item.time_us for item in items if not item.gap]
        if not marks:
            return checkpoint
        newest = max(marks)
        since = int(checkpoint.since) if checkpoint.since is not None else None
        if since is not None and newest <= since:
            return checkpoint  # the rewound overlap
        kept = any(item.post is not None for item in items)
        if since is None or kept or newest - since >= CHECKPOINT_EVERY_US:
            return replace(checkpoint, since=str(newest))
        return checkpoint

    def _gap(self, checkpoint: Checkpoint, resumes_at: int) -> Checkpoint:
        since = int(checkpoint.since or resumes_at)
        log.warning(
            "%s: the stream resumes at %s, %.0fs after the cursor asked for (%s): "
            "searching the terms for the posts in between",
            self.context.name,
            from_us(resumes_at).isoformat(),
            (resumes_at - since) / 1e6,
            from_us(since).isoformat(),
        )
        return replace(checkpoint, walk_top=str(resumes_at), cursor=None)

    async def _search_window(self, checkpoint: Checkpoint) -> Page:
        """Search only: walk the time since the last window (listening starts now)."""
        if checkpoint.since is None:
            return Page((), replace(checkpoint, since=str(now_us())))
        return await self._walk(replace(checkpoint, walk_top=str(now_us()), cursor=None))

    async def _walk(self, checkpoint: Checkpoint) -> Page:
        """One page of the search from ``since - rewind`` to ``walk_top``, term by term."""
        terms = self.config.terms
        assert checkpoint.walk_top is not None
        top = int(checkpoint.walk_top)
        if not terms:
            return Page((), self._walked(checkpoint), more=self.config.stream)
        at = WalkAt.load(checkpoint.cursor, terms)
        low = int(checkpoint.since or top) - self.rewind_us
        try:
            results = await self.appview.search(
                search_query(terms[at.index]), iso_us(low), iso_us(top), at.page
            )
        except SourceError as exc:
            return self._walk_failed(checkpoint, exc)
        self._walk_failures = 0
        report = self.context.report
        posts = parse_items(
            results.posts, lambda view: view_post(view, self.selector), report, results.reply.where
        )
        posts.reverse()  # oldest first, as they were written
        posts = await self.appview.with_authors(posts)
        if results.cursor and results.posts and results.cursor != at.page:
            after = replace(checkpoint, cursor=WalkAt(at.index, results.cursor).dump(terms))
            more = True
        elif at.index + 1 < len(terms):
            after = replace(checkpoint, cursor=WalkAt(at.index + 1).dump(terms))
            more = True
        else:
            after, more = self._walked(checkpoint), self.config.stream
        return Page(tuple(posts), after, more, self.context.http.last_rate)

    @staticmethod
    def _walked(checkpoint: Checkpoint) -> Checkpoint:
        return replace(checkpoint, since=checkpoint.walk_top, walk_top=None, cursor=None)

    def _walk_failed(self, checkpoint: Checkpoint, exc: SourceError) -> Page:
        """Raise ``exc`` to retry the page later, or, when the stream waits behind a search
        that cannot succeed, give the stretch up (``gap``) and go back to the stream."""
        if not self.config.stream or isinstance(exc, RateLimited):
            raise exc
        self._walk_failures += 1
        if not isinstance(exc, SourceRejected) and self._walk_failures < WALK_TRIES:
            raise exc
        self._walk_failures = 0
        log.error(
            "%s: %s; posts from %s to %s that Jetstream no longer holds are lost",
            self.context.name,
            exc,
            from_us(int(checkpoint.since or checkpoint.walk_top or 0)).isoformat(),
            from_us(int(checkpoint.walk_top or 0)).isoformat(),
        )
        self.context.report.error(exc.kind)
        self.context.report.error("gap")
        return Page((), self._walked(checkpoint), more=True)


def lanes(config: BlueskyConfig, context: SourceContext) -> list[Lane]:
    return [Lane("", BlueskyLane(config, context), seen_capacity=SEEN)]
