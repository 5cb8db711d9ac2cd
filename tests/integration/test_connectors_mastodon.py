"""Mastodon against a local server with the hashtag timeline (since_id/max_id, Link headers)
and the streaming API (server-sent events): live posts, a dropped stream and a silent one
with the REST fallback, malformed events, a restart, and every status exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.connectors import Checkpoint, connectors_running, load_connectors
from listener.connectors.testing import LocalServer, eventually, raw_posts
from listener.settings import Settings

BASE_ID = 110_000_000_000_000_000
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


class FakeMastodon:
    """A server with one hashtag: its timeline and its stream."""

    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = []
        self.timeline_requests: list[dict[str, str]] = []
        self.streams: list[asyncio.Queue[bytes | None]] = []
        self.connections = 0
        self.refuse = False
        self.heartbeat: float | None = 0.1
        self.app = web.Application()
        self.app.router.add_get("/api/v1/timelines/tag/acme", self.timeline)
        self.app.router.add_get("/api/v1/streaming/hashtag", self.stream)

    def add(self, n: int, push: bool = False) -> list[str]:
        """``n`` new statuses on the server; ``push`` also sends them down open streams."""
        made = []
        for _ in range(n):
            number = len(self.statuses) + 1
            status: dict[str, Any] = {
                "id": str(BASE_ID + number),
                "created_at": (T0 + timedelta(seconds=number)).isoformat().replace("+00:00", "Z"),
                "in_reply_to_id": None,
                "spoiler_text": "",
                "language": "it",
                "reblog": None,
                "url": f"https://m.example/@u{number}/{BASE_ID + number}",
                "uri": f"https://m.example/users/u{number}/statuses/{BASE_ID + number}",
                "content": f"<p>#acme status {number}</p>",
                "reblogs_count": 0,
                "favourites_count": number,
                "account": {
                    "id": str(number),
                    "username": f"u{number}",
                    "acct": f"u{number}",
                    "followers_count": 10 * number,
                },
            }
            self.statuses.append(status)
            made.append(str(BASE_ID + number))
            if push:
                self.send(b"event: update\ndata: " + orjson.dumps(status) + b"\n\n")
        return made

    def send(self, chunk: bytes | None) -> None:
        for queue in self.streams:
            queue.put_nowait(chunk)

    async def timeline(self, request: web.Request) -> web.Response:
        query = request.query
        self.timeline_requests.append(dict(query))
        ids = sorted((int(s["id"]) for s in self.statuses), reverse=True)
        if "since_id" in query:
            ids = [i for i in ids if i > int(query["since_id"])]
        if "max_id" in query:
            ids = [i for i in ids if i < int(query["max_id"])]
        page = ids[: int(query.get("limit", "20"))]
        by_id = {int(s["id"]): s for s in self.statuses}
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "299",
            "X-RateLimit-Reset": self.reset(),
        }
        if page:
            base = f"https://m.example/api/v1/timelines/tag/acme?limit={query.get('limit', 20)}"
            headers["Link"] = (
                f'<{base}&max_id={page[-1]}>; rel="next", <{base}&min_id={page[0]}>; rel="prev"'
            )
        return web.json_response([by_id[i] for i in page], headers=headers)

    @staticmethod
    def reset() -> str:
        """Mastodon's windows are five minutes long; this one ends in a second."""
        return (datetime.now(UTC) + timedelta(seconds=1)).isoformat()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        assert request.query["tag"] == "acme"
        if self.refuse:
            return web.json_response({"error": "unavailable"}, status=503)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.streams.append(queue)
        self.connections += 1
        try:
            await response.write(b":)\n\n")
            while True:
                try:
                    chunk = await asyncio.wait_for(queue.get(), self.heartbeat)
                except TimeoutError:
                    await response.write(b":thump\n\n")
                    continue
                if chunk is None:
                    break  # dropped by the test
                await response.write(chunk)
        finally:
            self.streams.remove(queue)
        return response


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def mastodon() -> AsyncIterator[tuple[FakeMastodon, str]]:
    fake = FakeMastodon()
    async with LocalServer(fake.app) as server:
        yield fake, server.url


def write(tmp_path: Path, url: str, extra: str) -> Path:
    (tmp_path / "masto.yaml").write_text(
        f"kind: mastodon\ninstance: {url}\nhashtags: ['#acme']\npoll_interval: 200ms\n"
        f"batch: 100ms\nbackoff: {{initial: 300ms, max: 600ms}}\n{extra}\n"
    )
    return tmp_path


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": "masto", **labels}) or 0.0


async def published(settings: Settings) -> Counter[str]:
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    return Counter(post.id for post in posts)


async def test_stream_with_catch_up_drop_fallback_and_restart(
    settings: Settings, mastodon: tuple[FakeMastodon, str], tmp_path: Path
) -> None:
    fake, url = mastodon
    everything = fake.add(3)
    instances = load_connectors(write(tmp_path, url, "stream: true"))
    key = "masto/#acme"
    registry = CollectorRegistry()

    def posted() -> float:
        return sample(registry, "listener_connector_posts_fetched_total", kind="mastodon")

    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: fake.connections == 1 and posted() == 3)
        polled = len(fake.timeline_requests)
        everything += fake.add(3, push=True)  # live
        fake.send(b"event: update\ndata: {not json\n\n")  # a malformed event costs only itself
        fake.send(b"event: delete\ndata: 110000000000000001\n\n")
        await eventually(lambda: posted() == 6, what="the streamed statuses")
        assert len(fake.timeline_requests) == polled  # they came down the stream
        fake.refuse = True
        fake.send(None)  # the stream drops and cannot reconnect for now
        everything += fake.add(2)  # written meanwhile: only REST can tell
        await eventually(lambda: posted() == 8, what="the REST fallback")
        assert sample(registry, "listener_connector_errors_total", error="stream_dropped") >= 1
        fake.refuse = False
        await eventually(lambda: fake.connections == 2, timeout=5, what="a new stream")
        everything += fake.add(1, push=True)
        await eventually(lambda: posted() == 9)
        since = (runner.checkpoint(key) or Checkpoint()).since
    assert since == everything[-1]
    assert sample(registry, "listener_connector_errors_total", error="malformed_item") == 1
    before = len(fake.timeline_requests)
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: fake.connections == 3)
        everything += fake.add(1, push=True)
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == everything[-1])
    assert fake.timeline_requests[before]["since_id"] == since  # caught up from the checkpoint
    assert await published(settings) == Counter(everything)


async def test_a_silent_stream_is_dropped_and_polling_carries_on(
    settings: Settings, mastodon: tuple[FakeMastodon, str], tmp_path: Path
) -> None:
    fake, url = mastodon
    fake.heartbeat = None  # no heartbeats: the connection looks alive but says nothing
    everything = fake.add(1)
    registry = CollectorRegistry()
    instances = load_connectors(write(tmp_path, url, "stream: true\nstream_timeout: 300ms"))
    async with connectors_running(settings, instances, registry):
        await eventually(lambda: fake.connections >= 1)
        everything += fake.add(2)  # never pushed: only the fallback finds them
        await eventually(
            lambda: (
                sample(registry, "listener_connector_errors_total", error="stream_dropped") >= 1
                and sample(registry, "listener_connector_posts_fetched_total", kind="mastodon") == 3
            ),
            timeout=5,
        )
    assert await published(settings) == Counter(everything)


async def test_rest_paging_follows_the_link_header_down_to_since_id(
    settings: Settings, mastodon: tuple[FakeMastodon, str], tmp_path: Path
) -> None:
    fake, url = mastodon
    everything = fake.add(2)
    registry = CollectorRegistry()
    instances = load_connectors(write(tmp_path, url, "stream: false\nlimit: 2"))
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: runner.checkpoint("masto/#acme") is not None)
        everything += fake.add(5)
        await eventually(
            lambda: (runner.checkpoint("masto/#acme") or Checkpoint()).since == everything[-1]
        )
    walk = [q for q in fake.timeline_requests if "max_id" in q]
    assert [q["max_id"] for q in walk[:2]] == [everything[5], everything[3]]
    assert all(q["since_id"] == everything[1] for q in walk)
    assert await published(settings) == Counter(everything)
    assert sample(registry, "listener_connector_rate_limit_remaining") == 299
    assert fake.connections == 0


async def test_an_endless_stream_line_drops_the_stream_and_polling_carries_on(
    settings: Settings, mastodon: tuple[FakeMastodon, str], tmp_path: Path
) -> None:
    fake, url = mastodon
    registry = CollectorRegistry()
    extra = "stream: true\nmax_message_bytes: 65536"
    async with connectors_running(settings, load_connectors(write(tmp_path, url, extra)), registry):
        await eventually(lambda: fake.connections >= 1)
        fake.send(b"event: update\ndata: " + b"x" * (1 << 20))  # a line that never ends

        def errors(error: str) -> float:
            return sample(registry, "listener_connector_errors_total", error=error)

        await eventually(lambda: errors("too_large") == 1 and errors("stream_dropped") == 1, 5)
        everything = fake.add(2)  # not pushed: found by polling, or the stream's catch-up
        await eventually(
            lambda: (
                sample(registry, "listener_connector_posts_fetched_total", kind="mastodon") == 2
            ),
            timeout=5,
        )
    assert await published(settings) == Counter(everything)
