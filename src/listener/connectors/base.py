"""What a connector is: one method that turns a checkpoint into a page of posts.

A connector instance (one file in connectors/) has one or more **lanes**: one feed, one
search query, one subreddit, one hashtag. Each lane is a :class:`Connector` with its own
:class:`Checkpoint`, polled in its own task by :mod:`listener.connectors.runtime.runner`, which
publishes the page's posts, waits for the broker to acknowledge them and only then stores
the page's checkpoint. A connector therefore never publishes and never stores anything
itself: it fetches, turns what it got into :class:`~listener.records.Post` records and says
where to continue.

Sources that push rather than answer (the webhook ingest) are an :class:`Endpoint` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Protocol

from listener.connectors.runtime.metrics import Report
from listener.connectors.wire.http import SourceHttp
from listener.connectors.wire.ratelimit import RateInfo
from listener.records import Post


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a lane stands at its source; each source uses the fields it needs.

    ``since`` is the newest mark (an id, or POSIX seconds) of everything fetched so far.
    Newest-first listings are walked downwards page by page (see
    :mod:`listener.connectors.wire.walk`): while a walk is under way ``cursor`` says where it
    continues and ``walk_top`` is the mark it started from, which becomes ``since`` once the
    walk reaches the old ``since``. ``etag`` and ``last_modified`` are the validators of a
    conditional GET. ``seen`` holds the ids most recently published, newest last: the runner
    never publishes one of them again, which covers feeds that repeat their items and marks
    that are only seconds.
    """

    since: str | None = None
    cursor: str | None = None
    walk_top: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    seen: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """What one poll brought: posts, where to continue, and what the source said about
    its rate limit. ``more`` asks to be polled again at once (the walk has more pages, or
    the stream is live) instead of after the poll interval."""

    posts: tuple[Post, ...]
    checkpoint: Checkpoint
    more: bool = False
    rate: RateInfo | None = None


class Connector(Protocol):
    """One lane of a source."""

    async def poll(self, checkpoint: Checkpoint) -> Page:
        """Fetch what is new after ``checkpoint``; called by the runner in a loop.

        The checkpoint given is the one of the last page the broker acknowledged, so a
        restarted process continues exactly there. Raising
        :class:`~listener.connectors.wire.errors.SourceError` means "nothing this time": the runner
        counts it by kind, waits (as the source asked, or with backoff) and calls again with
        the same checkpoint. Any other exception is a bug: it is logged with its traceback,
        counted as ``bug`` and retried the same way. Items of a response that cannot be read
        are skipped, logged and counted by the connector (``malformed_item``); the page
        carries the rest.
        """
        ...


class Endpoint(Protocol):
    """A source that pushes posts to listener (an HTTP endpoint it calls)."""

    async def serve(self) -> None:
        """Serve until cancelled; called once by the runner, and again after a crash."""
        ...


#: Publish posts for a connector instance; returns once the broker acknowledged them all.
Publish = Callable[[str, Sequence[Post]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Lane:
    """One lane of an instance. ``seen_capacity`` bounds :attr:`Checkpoint.seen`: it must
    exceed the number of items a source can return again (a feed's length)."""

    name: str
    connector: Connector
    seen_capacity: int = 200


@dataclass(frozen=True)
class SourceContext:
    """What a polling instance's lanes share: its name, HTTP door, metrics, and a stack on
    which long-lived resources (a stream reader) register their cleanup."""

    name: str
    http: SourceHttp
    report: Report
    cleanup: AsyncExitStack


@dataclass(frozen=True)
class EndpointContext:
    """What an endpoint needs: its instance name, metrics and the way to publish."""

    name: str
    report: Report
    publish: Publish


def lane_key(instance: str, lane: str) -> str:
    """The checkpoint key of a lane: the instance name, then ``/lane`` when it has several."""
    return f"{instance}/{lane}" if lane else instance


async def cancel_and_wait(task: asyncio.Future[Any] | None) -> None:
    """Cancel ``task`` (a stream reader, a poll) and wait until it has stopped, whatever it
    raised on the way out: it is being dropped, and so is what it was doing."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
