"""RSS and Atom feeds from a local server that honours conditional GETs: 304s when nothing
changed, ETag and Last-Modified kept across a restart, items repeated by the feed published
once, and a feed that turns to garbage counted without stopping the lane."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.connectors import connectors_running, load_connectors
from listener.connectors.testing import LocalServer, eventually, raw_posts
from listener.records import Post
from listener.settings import Settings


class FakeFeeds:
    """``/feed.rss`` (validated by ETag) and ``/feed.atom`` (by Last-Modified)."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.broken = False
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_get("/feed.rss", self.rss)
        self.app.router.add_get("/feed.atom", self.atom)

    def add(self, n: int) -> None:
        self.items.extend(range(len(self.items) + 1, len(self.items) + n + 1))

    def modified(self) -> str:
        return format_datetime(
            datetime(2017, 10, 3, tzinfo=UTC) + timedelta(hours=len(self.items)), usegmt=True
        )

    def rss_body(self) -> bytes:
        if self.broken:
            return b"<rss><channel><item>cut short"
        items = "".join(
            f"<item><title>Acme news {n}</title><link>https://news.example.it/{n}</link>"
            f"<guid>news-{n}</guid><description>&lt;p&gt;Body {n}&lt;/p&gt;</description>"
            f"<pubDate>Tue, 03 Oct 2017 {10 + n}:00:00 +0200</pubDate></item>"
            for n in reversed(self.items)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Notizie</title>'
            f"<link>https://news.example.it/</link>{items}</channel></rss>"
        ).encode()

    async def rss(self, request: web.Request) -> web.Response:
        self.requests.append(("rss", dict(request.headers)))
        body = self.rss_body()
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def atom(self, request: web.Request) -> web.Response:
        self.requests.append(("atom", dict(request.headers)))
        modified = self.modified()
        since = request.headers.get("If-Modified-Since")
        if since and parsedate_to_datetime(since) >= parsedate_to_datetime(modified):
            return web.Response(status=304)
        entries = "".join(
            f"<entry><id>tag:blog.example.com,2017:{n}</id><title>Post {n}</title>"
            f'<link rel="alternate" href="https://blog.example.com/{n}"/>'
            f"<updated>2017-10-03T0{n}:00:00Z</updated><summary>Acme {n}</summary></entry>"
            for n in reversed(self.items)
        )
        body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>{entries}</feed>'
        return web.Response(
            text=body, content_type="application/atom+xml", headers={"Last-Modified": modified}
        )


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def feeds() -> AsyncIterator[tuple[FakeFeeds, str]]:
    fake = FakeFeeds()
    async with LocalServer(fake.app) as server:
        yield fake, server.url


def write(tmp_path: Path, name: str, url: str) -> Path:
    (tmp_path / f"{name}.yaml").write_text(
        f"kind: rss\nurl: {url}\nsource: news\nchannel: notizie\npoll_interval: 100ms\n"
        "backoff: {initial: 100ms, max: 500ms}\n"
    )
    return tmp_path


async def published(settings: Settings) -> list[Post]:
    return await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)


def sample(registry: CollectorRegistry, name: str, connector: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": connector, **labels}) or 0.0


async def test_rss_etag_304_restart_and_repeated_items(
    settings: Settings, feeds: tuple[FakeFeeds, str], tmp_path: Path
) -> None:
    fake, url = feeds
    fake.add(2)
    instances = load_connectors(write(tmp_path, "news", f"{url}/feed.rss"))
    registry = CollectorRegistry()

    def count(name: str, **labels: str) -> float:
        return sample(registry, name, "news", **labels)

    async with connectors_running(settings, instances, registry):
        await eventually(
            lambda: count("listener_connector_requests_total", outcome="not_modified") >= 2
        )
        fake.add(1)
        await eventually(lambda: count("listener_connector_posts_fetched_total", kind="rss") == 3)
        assert count("listener_connector_posts_repeated_total") == 2  # still in the feed
        fake.broken = True
        await eventually(lambda: count("listener_connector_errors_total", error="malformed") >= 1)
        fake.broken = False
        # The checkpoint did not move past the bad answer: the same ETag, the same 304.
        unchanged = count("listener_connector_requests_total", outcome="not_modified")
        await eventually(
            lambda: count("listener_connector_requests_total", outcome="not_modified") > unchanged
        )
    assert count("listener_connector_up") == 1
    sent = [headers.get("If-None-Match") for _, headers in fake.requests]
    assert sent[0] is None and sent[1] is not None
    before = len(fake.requests)
    async with connectors_running(settings, instances, CollectorRegistry()):
        await eventually(lambda: len(fake.requests) > before)
        fake.add(1)
        await eventually(lambda: len(fake.requests) > before + 3)
        await asyncio.sleep(0.3)
    assert fake.requests[before][1].get("If-None-Match") is not None  # the stored ETag
    posts = await published(settings)
    assert Counter(p.id for p in posts) == {f"news-{n}": 1 for n in (1, 2, 3, 4)}
    first = next(p for p in posts if p.id == "news-1")
    assert first.source == "news" and first.channel == "notizie"
    assert first.text == "Acme news 1\n\nBody 1" and first.author_handle == "Notizie"
    assert first.created_at.isoformat() == "2017-10-03T11:00:00+02:00"


async def test_atom_if_modified_since(
    settings: Settings, feeds: tuple[FakeFeeds, str], tmp_path: Path
) -> None:
    fake, url = feeds
    fake.add(2)
    registry = CollectorRegistry()
    instances = load_connectors(write(tmp_path, "blog", f"{url}/feed.atom"))
    async with connectors_running(settings, instances, registry):
        await eventually(
            lambda: (
                sample(
                    registry, "listener_connector_requests_total", "blog", outcome="not_modified"
                )
                >= 1
            )
        )
        fake.add(1)
        await eventually(
            lambda: (
                sample(registry, "listener_connector_posts_fetched_total", "blog", kind="rss") == 3
            )
        )
    since = [h.get("If-Modified-Since") for kind, h in fake.requests if kind == "atom"]
    assert since[0] is None and since[1] == "Tue, 03 Oct 2017 02:00:00 GMT"
    posts = await published(settings)
    assert sorted(p.id for p in posts) == [f"tag:blog.example.com,2017:{n}" for n in (1, 2, 3)]
