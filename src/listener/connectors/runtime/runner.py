"""Running the configured connectors: one supervised task per lane (and per endpoint).

A lane's loop is: poll, publish the page's new posts and wait for the broker's
acknowledgement, store the page's checkpoint and wait for that too, then sleep the poll
interval (or not, when the page says there is more). A failure is counted by kind and
waited out (as the source asked, or with backoff) and the loop goes on; publishing and
storing are retried until the broker takes them, so a page is never dropped between a
poll and its checkpoint. Each lane has its own task, so one failing source, or a bug in
one connector, never stops the others.

Stopping is graceful: lanes finish the page they are delivering and exit before their
next poll, so the stored checkpoints match what was published, and a new process resumes
without missing or repeating a post. (A process killed between a page's acknowledgement
and its checkpoint repeats that page once; the scoring agent drops the copies by
source and id.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

import httpx

from listener.connectors.base import (
    Checkpoint,
    Connector,
    Endpoint,
    EndpointContext,
    Page,
    SourceContext,
    cancel_and_wait,
    lane_key,
)
from listener.connectors.config import SourceConfig
from listener.connectors.loader import Instance
from listener.connectors.registry import KINDS, Kind
from listener.connectors.runtime.metrics import ConnectorMetrics, Report
from listener.connectors.runtime.publish import Sink
from listener.connectors.wire.bounded import ACCEPT_ENCODING
from listener.connectors.wire.errors import RateLimited, SourceError, SourceRejected
from listener.connectors.wire.http import SourceHttp
from listener.connectors.wire.ratelimit import Throttle
from listener.errors import BrokerError
from listener.retry import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Stopped(Exception):
    """The runner is stopping: leave the loop without starting anything new."""


@dataclass(frozen=True)
class LaneRun:
    """One lane as the runner drives it."""

    instance: str
    key: str
    connector: Connector
    report: Report
    interval: float
    seen_capacity: int
    backoff: Backoff


def fresh_posts(checkpoint: Checkpoint, page: Page, capacity: int) -> tuple[Page, int]:
    """The page without the posts already published, with ``seen`` brought up to date,
    and how many were dropped."""
    seen = set(checkpoint.seen)
    fresh = []
    for post in page.posts:
        if post.id not in seen:
            seen.add(post.id)
            fresh.append(post)
    ids = (*checkpoint.seen, *(post.id for post in fresh))
    after = replace(page.checkpoint, seen=ids[-capacity:] if capacity else ())
    return replace(page, posts=tuple(fresh), checkpoint=after), len(page.posts) - len(fresh)


def spacing(page: Page) -> float:
    """Seconds to leave before the next poll so that the requests the source says are left
    last until its window resets, instead of being spent at once and then waited for."""
    rate = page.rate
    if rate is None or rate.remaining is None or rate.reset_after is None:
        return 0.0
    return rate.reset_after / max(rate.remaining, 1.0)


class Runner:
    """The tasks of one connectors process, publishing through one :class:`Sink`."""

    def __init__(
        self,
        sink: Sink,
        checkpoints: dict[str, Checkpoint],
        metrics: ConnectorMetrics,
    ) -> None:
        self._sink = sink
        self._checkpoints = checkpoints
        self._metrics = metrics
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stack = AsyncExitStack()

    def checkpoint(self, key: str) -> Checkpoint | None:
        """The latest checkpoint of a lane as this runner knows it."""
        return self._checkpoints.get(key)

    def start(self, instances: Sequence[Instance]) -> None:
        """Start every enabled instance; returns at once, the tasks run on."""
        for instance in instances:
            if not instance.config.enabled:
                continue
            try:
                self._start(instance)
            except Exception:  # one instance that cannot start must not keep the rest off
                log.exception("%s could not be started", instance.name)
                self._metrics.report(instance.name, instance.config.kind).error("crash")

    def _start(self, instance: Instance) -> None:
        config = instance.config
        kind = KINDS[config.kind]
        report = self._metrics.report(instance.name, config.kind)
        if kind.endpoint is not None:
            context = EndpointContext(instance.name, report, self._sink.publish)
            endpoint = kind.endpoint(config, context)
            backoff = Backoff(config.backoff.initial, config.backoff.max)
            self._spawn(instance.name, report, backoff, partial(self._serve, endpoint))
            return
        if kind.lanes is None or not isinstance(config, SourceConfig):
            raise TypeError(f"kind {config.kind!r} has neither lanes nor an endpoint")
        source = SourceContext(instance.name, self._http(config, kind, report), report, self._stack)
        for lane in kind.lanes(config, source):
            run = LaneRun(
                instance.name,
                lane_key(instance.name, lane.name),
                lane.connector,
                report,
                config.poll_interval,
                lane.seen_capacity,
                Backoff(config.backoff.initial, config.backoff.max),
            )
            self._spawn(run.key, report, run.backoff, partial(self._run_lane, run))

    def _http(self, config: SourceConfig, kind: Kind[Any], report: Report) -> SourceHttp:
        client = httpx.AsyncClient(
            timeout=config.timeout,
            # Only encodings the bounded reader can inflate a piece at a time.
            headers={"User-Agent": config.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=True,
        )
        self._stack.push_async_callback(client.aclose)
        budget = config.budget
        throttle = Throttle(budget.requests, budget.per) if budget else Throttle(None, 1.0)
        return SourceHttp(client, throttle, report, kind.rate_headers, config.max_bytes)

    def _spawn(
        self, name: str, report: Report, backoff: Backoff, run: Callable[[], Awaitable[None]]
    ) -> None:
        task = asyncio.create_task(self._supervise(name, report, backoff, run), name=name)
        self._tasks.append(task)

    async def _supervise(
        self, name: str, report: Report, backoff: Backoff, run: Callable[[], Awaitable[None]]
    ) -> None:
        """Run ``run`` again, after a backoff, whenever it crashes, until stopped."""
        while not self._stopping.is_set():
            try:
                await run()
                return
            except Exception:
                log.exception("%s crashed; restarting it", name)
                report.error("crash")
                report.failure()
                await self._pause(backoff.next())

    async def _serve(self, endpoint: Endpoint) -> None:
        with contextlib.suppress(_Stopped):
            await self._unless_stopped(endpoint.serve())

    async def _run_lane(self, run: LaneRun) -> None:
        checkpoint = self._checkpoints.get(run.key, Checkpoint())
        try:
            while not self._stopping.is_set():
                page = await self._poll(run, checkpoint)
                if page is None:
                    continue
                checkpoint = await self._deliver(run, checkpoint, page)
                run.backoff.reset()
                pace = spacing(page)
                await self._pause(pace if page.more else max(pace, run.interval))
        except _Stopped:
            return

    async def _poll(self, run: LaneRun, checkpoint: Checkpoint) -> Page | None:
        """The next page, or None after a failure has been counted and waited out."""
        try:
            return await self._unless_stopped(run.connector.poll(checkpoint))
        except SourceError as exc:
            run.report.error(exc.kind)
            run.report.failure()
            if isinstance(exc, RateLimited):
                delay = 0.0  # the throttle holds the next request as long as asked
                log.info("%s: %s", run.key, exc)
            elif isinstance(exc, SourceRejected):
                delay = run.backoff.longest()
                log.error("%s: %s (retrying in %.0fs)", run.key, exc, delay)
            else:
                delay = run.backoff.next()
                log.warning("%s: %s (retrying in %.1fs)", run.key, exc, delay)
        except _Stopped:
            raise
        except Exception:
            log.exception("%s: poll failed", run.key)
            run.report.error("bug")
            run.report.failure()
            delay = run.backoff.next()
        await self._pause(delay)
        return None

    async def _deliver(self, run: LaneRun, checkpoint: Checkpoint, page: Page) -> Checkpoint:
        """Publish the page's new posts, then store its checkpoint, each once acknowledged."""
        page, repeated = fresh_posts(checkpoint, page, run.seen_capacity)
        if page.posts:
            await self._until_done(run, lambda: self._sink.publish(run.instance, page.posts))
        if page.checkpoint != checkpoint:
            await self._until_done(run, lambda: self._sink.save(run.key, page.checkpoint))
            self._checkpoints[run.key] = page.checkpoint
        run.report.fetched(page.posts, repeated)
        run.report.success()
        if page.posts:
            log.debug("%s: %d posts published", run.key, len(page.posts))
        return page.checkpoint

    async def _until_done(self, run: LaneRun, send: Callable[[], Awaitable[None]]) -> None:
        """Retry ``send`` with backoff until the broker acknowledges it."""
        while True:
            try:
                await send()
                return
            except BrokerError as exc:
                delay = run.backoff.next()
                log.error("%s: %s (retrying in %.1fs)", run.key, exc, delay)
                run.report.error("broker")
                await asyncio.sleep(delay)

    async def _unless_stopped(self, work: Coroutine[Any, Any, T]) -> T:
        """``work``'s result, or :class:`_Stopped` (``work`` cancelled) if the runner stops."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            stop.cancel()
        if task.done():
            return task.result()
        await cancel_and_wait(task)
        raise _Stopped

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if the runner stops meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def stop(self, timeout: float = 10.0) -> None:
        """Let lanes finish the page in hand, then cancel whatever is left and close."""
        self._stopping.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
        await self._stack.aclose()
