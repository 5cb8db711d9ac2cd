"""Jetstream: the network's posts as JSON frames over a WebSocket, from a cursor.

``GET /subscribe?wantedCollections=app.bsky.feed.post[&wantedDids=...][&cursor=<time_us>]``
sends every new post of the network (or of the DIDs asked for) as it happens, each frame
stamped with ``time_us``, the instance's time in microseconds. Given a cursor, Jetstream
replays from that time before going live; without one it starts live.

A :class:`Stream` reads the socket in a task of its own and queues what the instance keeps
(see :class:`~listener.connectors.sources.bluesky.records.Selector`), with a time mark now and
then, so the lane's checkpoint follows the stream even when nothing is kept. Frames that
cannot be read are logged, counted as ``malformed_item`` and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.frames import CloseCode

from listener.connectors.base import SourceContext, cancel_and_wait
from listener.connectors.posts import ITEM_ERRORS
from listener.connectors.sources.bluesky.config import BlueskyConfig
from listener.connectors.sources.bluesky.records import (
    POST,
    Event,
    Selector,
    frame_post,
    parse_frame,
)
from listener.connectors.wire.errors import ResponseTooLarge, SourceUnavailable, StreamDropped
from listener.records import Post

log = logging.getLogger(__name__)

#: A replay whose first frame is this much later than the cursor asked for has a hole:
#: the instance no longer holds that stretch (the whole network never falls silent a minute).
GAP_US: Final = 60_000_000
#: With nothing kept, a time mark is queued at most this often (of stream time).
MARK_US: Final = 1_000_000
#: Items held before the reader waits for the lane (TCP then holds back the server).
QUEUE_SIZE: Final = 10_000
#: Longest wait for the server to answer our closing of the socket.
CLOSE_TIMEOUT: Final = 2.0


@dataclass(frozen=True, slots=True)
class Item:
    """What the reader hands the lane: a kept post, a bare time mark, or (``gap``) the news
    that the replay starts at ``time_us``, later than the cursor asked for."""

    time_us: int
    post: Post | None = None
    gap: bool = False


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Stream:
    """The instance's Jetstream connection, one at a time, rotating through the configured
    instances when one fails."""

    def __init__(
        self,
        config: BlueskyConfig,
        context: SourceContext,
        selector: Selector,
        on_identity: Callable[[str, str | None], None],
    ) -> None:
        self.config = config
        self.context = context
        self.selector = selector
        self.on_identity = on_identity
        #: Only accounts are watched: the server filters by DID, and silence is normal.
        self.by_did = not config.terms
        self.queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self._which = 0
        self._reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return self.config.jetstream[self._which % len(self.config.jetstream)]

    def address(self, cursor: int | None) -> str:
        query: list[tuple[str, str]] = [("wantedCollections", POST)]
        if self.by_did:
            query += [("wantedDids", did) for did in self.config.accounts]
        if cursor is not None:
            query.append(("cursor", str(cursor)))
        return f"{self.url}?{urlencode(query)}"

    @property
    def reading(self) -> bool:
        return self._reader is not None and not self._reader.done()

    def ended(self) -> BaseException | None:
        """Why the last reader stopped, once (None: it never ran, or stopped by itself on a
        gap); the reader is forgotten, so the next call to :meth:`open` starts a new one."""
        reader, self._reader = self._reader, None
        if reader is None or not reader.done():
            return None
        if reader.cancelled():
            return StreamDropped(f"stream {_host(self.url)} cancelled")
        return reader.exception()

    async def open(self, cursor: int | None) -> None:
        """Connect, from ``cursor`` (None: live); raises a SourceError when it cannot."""
        http, report = self.context.http, self.context.report
        await http.throttle.acquire()
        address = self.address(cursor)
        where = f"GET {_host(address)}"
        try:
            socket = await connect(
                address,
                user_agent_header=self.config.user_agent,
                open_timeout=self.config.timeout,
                # Counted after permessage-deflate, which inflates no further than this.
                max_size=self.config.max_message_bytes,
                close_timeout=CLOSE_TIMEOUT,
            )
        except InvalidStatus as exc:
            self._which += 1
            raise self._refused(where, exc) from exc
        except (OSError, TimeoutError, WebSocketException) as exc:
            self._which += 1
            report.request("network")
            raise SourceUnavailable(f"{where}: {type(exc).__name__} {exc}".strip()) from exc
        report.request("ok")
        log.info("%s: stream open at %s (cursor %s)", self.context.name, _host(address), cursor)
        self._reader = asyncio.create_task(
            self._read(socket, cursor), name=f"jetstream {self.context.name}"
        )

    def _refused(self, where: str, exc: InvalidStatus) -> Exception:
        """The error for a handshake the server answered with an HTTP status."""
        headers = exc.response.headers
        return self.context.http.refusal(
            exc.response.status_code, headers.get("Retry-After"), where
        )

    async def _read(self, socket: ClientConnection, cursor: int | None) -> None:
        where = _host(self.url)
        timeout = None if self.by_did else self.config.stream_timeout
        first = True
        marked = 0
        try:
            while True:
                try:
                    message = await asyncio.wait_for(socket.recv(), timeout)
                except TimeoutError:
                    raise StreamDropped(f"stream {where} silent for {timeout:.0f}s") from None
                except ConnectionClosed as exc:
                    raise self._closed(where, exc) from None
                try:
                    event = parse_frame(message)
                    post = self._post(event)
                except ITEM_ERRORS as exc:
                    self._malformed(message, exc)
                    continue
                if first and self._past(cursor, event.time_us):
                    await self.queue.put(Item(event.time_us, gap=True))
                    return
                first = False
                if post is not None:
                    await self.queue.put(Item(event.time_us, post))
                    marked = event.time_us
                elif event.time_us - marked >= MARK_US:
                    await self.queue.put(Item(event.time_us))
                    marked = event.time_us
        finally:
            with contextlib.suppress(Exception):
                await socket.close()

    def _closed(self, where: str, exc: ConnectionClosed) -> StreamDropped | ResponseTooLarge:
        """Why the socket closed: a frame over the limit (websockets closes with 1009,
        message too big, before reading it whole) or the stream's end."""
        if exc.sent is not None and exc.sent.code == CloseCode.MESSAGE_TOO_BIG:
            limit = self.config.max_message_bytes
            return ResponseTooLarge(
                f"stream {where}: a frame of more than {limit} bytes; the stream is dropped"
            )
        return StreamDropped(f"stream {where} closed: {exc}")

    def _past(self, cursor: int | None, first: int) -> bool:
        """Whether a replay asked for at ``cursor`` starts too late to be whole. Only the
        unfiltered stream can tell: a stream of a few accounts may be silent for hours."""
        return cursor is not None and not self.by_did and first - cursor > GAP_US

    def _post(self, event: Event) -> Post | None:
        if event.kind == "identity":
            self.on_identity(event.did, event.handle)
        return frame_post(event, self.selector)

    def _malformed(self, message: str | bytes, exc: BaseException) -> None:
        log.warning(
            "%s: frame of %s skipped: %s: %s: %s",
            self.context.name,
            _host(self.url),
            type(exc).__name__,
            exc,
            (message if isinstance(message, str) else repr(message))[:300],
        )
        self.context.report.error("malformed_item")

    def rotate(self) -> None:
        """Use the next instance from the next connection on."""
        self._which += 1

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        await cancel_and_wait(reader)
