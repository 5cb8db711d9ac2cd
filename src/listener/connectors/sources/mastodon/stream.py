"""A hashtag heard live on the streaming API (server-sent events), with the REST timeline
behind it.

The order of things makes the stream gap-free. The stream is opened first and its events
queue up; then the REST timeline is walked from the checkpoint's ``since_id`` to the
present; then the queued events are handed out. A status seen by both is published once
(the runner's ``seen`` list). When the stream drops (an error, its end, or silence longer
than ``stream_timeout`` though servers send heartbeats), the lane counts
``stream_dropped``, polls the REST timeline every ``poll_interval``, and tries the stream
again after a backoff, catching up through REST once more when it is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Final
from urllib.parse import quote

import orjson

from listener.connectors.base import Checkpoint, Page, SourceContext, cancel_and_wait
from listener.connectors.posts import parse_items
from listener.connectors.sources.mastodon.config import MastodonConfig
from listener.connectors.sources.mastodon.timeline import (
    TimelineConnector,
    auth_headers,
    status_post,
)
from listener.connectors.wire.errors import SourceError, StreamDropped
from listener.connectors.wire.sse import events
from listener.records import Post
from listener.retry import Backoff

log = logging.getLogger(__name__)

#: Most posts in one page of stream events.
MAX_BATCH: Final = 500
#: How long a poll waits for a first event before answering with an empty page.
IDLE: Final = 1.0
#: Events held while the REST catch-up runs; beyond it the reader waits (TCP pushes back).
QUEUE_SIZE: Final = 10_000


class HashtagStream:
    """One hashtag's lane when streaming."""

    def __init__(self, config: MastodonConfig, context: SourceContext, tag: str) -> None:
        self.config = config
        self.context = context
        self.rest = TimelineConnector(config, context, tag)
        base = config.streaming_url or config.instance
        self.url = f"{base}/api/v1/streaming/hashtag{'/local' if config.local else ''}"
        self.tag = tag
        self._queue: asyncio.Queue[Post] = asyncio.Queue(QUEUE_SIZE)
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._backoff = Backoff(config.backoff.initial, config.backoff.max)
        self._retry_at = 0.0
        self._catching_up = True
        context.cleanup.push_async_callback(self.close)

    async def poll(self, checkpoint: Checkpoint) -> Page:
        if self._reader is None or self._reader.done():
            self._note_drop()
            if time.monotonic() < self._retry_at or not await self._connect():
                return await self.rest.poll(checkpoint)  # the fallback: plain polling
        if self._catching_up:
            page = await self.rest.poll(checkpoint)
            self._catching_up = page.more
            return replace(page, more=True)
        return await self._gather(checkpoint)

    async def _connect(self) -> bool:
        """Open the stream; True once the server accepted it."""
        self._connected = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name=f"stream {self.context.name}")
        waiter = asyncio.create_task(self._connected.wait())
        try:
            await asyncio.wait(
                {waiter, self._reader},
                timeout=self.config.timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiter.cancel()
        if self._connected.is_set():
            log.info("%s: stream of #%s open", self.context.name, self.tag)
            self._catching_up = True
            return True
        await cancel_and_wait(self._reader)
        self._note_drop()
        return False

    def _note_drop(self) -> None:
        """Count and log a reader that ended, and schedule the next try."""
        reader, self._reader = self._reader, None
        if reader is None:
            return
        cause = None if reader.cancelled() else reader.exception()
        log.warning(
            "%s: stream of #%s dropped (%s); polling until it is back",
            self.context.name,
            self.tag,
            "it timed out" if cause is None else repr(cause),
        )
        self.context.report.error(StreamDropped.kind)
        if isinstance(cause, SourceError) and not isinstance(cause, StreamDropped):
            self.context.report.error(cause.kind)  # why it dropped: too_large, say
        self._retry_at = time.monotonic() + self._backoff.next()

    async def _read(self) -> None:
        http = self.context.http
        async with http.stream(
            self.url,
            params={"tag": self.tag},
            headers=auth_headers(self.config),
            read_timeout=self.config.stream_timeout,
            max_line=self.config.max_message_bytes,
        ) as lines:
            self._connected.set()
            async for event in events(lines, self.config.max_message_bytes):
                if event.event != "update":
                    continue  # deletions and edits change nothing already published
                for _, post in parse_items(
                    [event.data],
                    lambda data: status_post(orjson.loads(data)),
                    self.context.report,
                    f"stream {self.url}",
                ):
                    self._backoff.reset()
                    await self._queue.put(post)
        raise StreamDropped(f"stream {self.url}?tag={quote(self.tag)} ended")

    async def _gather(self, checkpoint: Checkpoint) -> Page:
        """The events that arrived, gathered for up to ``batch`` seconds after the first."""
        try:
            posts = [await asyncio.wait_for(self._queue.get(), IDLE)]
        except TimeoutError:
            return Page((), checkpoint, more=True)
        deadline = time.monotonic() + self.config.batch
        while len(posts) < MAX_BATCH and (left := deadline - time.monotonic()) > 0:
            try:
                posts.append(await asyncio.wait_for(self._queue.get(), left))
            except TimeoutError:
                break
        marks = [int(post.id) for post in posts]
        if checkpoint.since is not None:
            marks.append(int(checkpoint.since))
        return Page(tuple(posts), replace(checkpoint, since=str(max(marks))), more=True)

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        await cancel_and_wait(reader)
