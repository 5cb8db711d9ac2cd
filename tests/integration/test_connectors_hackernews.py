"""Hacker News (Algolia search_by_date) against a local server that filters and pages as
Algolia does, publishing to the embedded broker: paging, a restart in the middle of a walk,
429 with Retry-After, 5xx with backoff, malformed answers, and every post exactly once."""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.connectors import Checkpoint, connectors_running, load_connectors
from listener.connectors.runtime.checkpoint import checkpoint_topic, load_checkpoints
from listener.connectors.testing import (
    LocalServer,
    Turnstile,
    eventually,
    raw_messages,
    raw_posts,
)
from listener.settings import Settings

T0 = 1_705_312_800  # 2024-01-15T10:00:00Z
_FILTER = re.compile(r"^(\w+)(>=|<=|>|<|=)(\d+)$")


class FakeAlgolia:
    """``GET /api/v1/search_by_date`` over a list of hits, with scripted failures."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.requests: list[tuple[float, dict[str, str]]] = []
        self.script: deque[web.Response] = deque()
        self.turnstile = Turnstile()
        self.app = web.Application()
        self.app.router.add_get("/api/v1/search_by_date", self.search)

    def add(self, n: int, second: int | None = None) -> None:
        """``n`` new comments, one a second after the last (or all in ``second``)."""
        for _ in range(n):
            number = len(self.hits) + 1
            at = second if second is not None else T0 + number
            self.hits.append(
                {
                    "objectID": str(1000 + number),
                    "created_at_i": at,
                    "author": f"user{number}",
                    "comment_text": f"<p>acme bank comment {number}</p>",
                    "parent_id": 999,
                    "_tags": ["comment", f"author_user{number}"],
                    "points": None,
                    "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at)),
                }
            )

    def matching(self, filters: str) -> list[dict[str, Any]]:
        hits = self.hits
        for part in filter(None, filters.split(",")):
            match = _FILTER.match(part)
            assert match, part
            name, op, value = match.group(1), match.group(2), int(match.group(3))
            compare = {
                ">=": int.__ge__,
                "<=": int.__le__,
                ">": int.__gt__,
                "<": int.__lt__,
                "=": int.__eq__,
            }[op]
            hits = [hit for hit in hits if compare(hit[name], value)]
        return sorted(hits, key=lambda h: (h["created_at_i"], h["objectID"]), reverse=True)

    async def search(self, request: web.Request) -> web.Response:
        self.requests.append((time.monotonic(), dict(request.query)))
        await self.turnstile.passage()
        if self.script:
            return self.script.popleft()
        assert request.query["tags"] == "(story,comment)"
        hits = self.matching(request.query.get("numericFilters", ""))
        per, page = int(request.query["hitsPerPage"]), int(request.query.get("page", "0"))
        return web.json_response(
            {
                "hits": hits[page * per : (page + 1) * per],
                "nbHits": len(hits),
                "page": page,
                "nbPages": math.ceil(len(hits) / per),
                "hitsPerPage": per,
                "exhaustiveNbHits": True,
                "query": request.query["query"],
                "processingTimeMS": 1,
            }
        )


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def algolia() -> AsyncIterator[tuple[FakeAlgolia, LocalServer]]:
    fake = FakeAlgolia()
    async with LocalServer(fake.app) as server:
        yield fake, server


def config_dir(tmp_path: Path, url: str, extra: str = "") -> Path:
    (tmp_path / "hn.yaml").write_text(
        f"kind: hackernews\nqueries: [acme bank]\nbase_url: {url}\nhits_per_page: 3\n"
        f"poll_interval: 100ms\nbackoff: {{initial: 200ms, max: 2s}}\n{extra}"
    )
    return tmp_path


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": "hn", **labels}) or 0.0


async def test_walk_restart_and_exactly_once(
    settings: Settings, algolia: tuple[FakeAlgolia, LocalServer], tmp_path: Path
) -> None:
    fake, server = algolia
    fake.add(5)
    instances = load_connectors(config_dir(tmp_path, server.url))
    key = "hn/acme bank"
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry) as runner:
        # A first run takes the newest page only: listening starts now.
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == str(T0 + 5))
        fake.turnstile.close_after(1)  # the walk's first page, then the stop comes
        fake.add(10)  # ten new ones: four pages of three, walked newest first
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).cursor is not None)
        stopped_at = runner.checkpoint(key)
    assert stopped_at is not None and stopped_at.cursor is not None, stopped_at
    stored = await load_checkpoints(settings.kafka_bootstrap, checkpoint_topic(settings))
    assert stored[key] == stopped_at  # what was stored is what had been published
    fake.turnstile.open()
    before = len(fake.requests)
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == str(T0 + 15))
        first = fake.requests[before][1]["numericFilters"]
        assert first == f"created_at_i>={T0 + 5},created_at_i<={stopped_at.cursor}"
    names = TopicNames.for_settings(settings)
    posts = await raw_posts(settings.kafka_bootstrap, names.raw)
    counts = Counter(post.key for post in posts)
    assert counts == {f"hackernews:{1000 + n}": 1 for n in range(3, 16)}
    assert {key for key, _ in await raw_messages(settings.kafka_bootstrap, names.raw)} == {b"hn"}
    assert sample(registry, "listener_connector_up") == 1.0
    assert sample(registry, "listener_connector_posts_fetched_total", kind="hackernews") >= 3


async def test_429_is_waited_out_as_asked_and_5xx_backs_off(
    settings: Settings, algolia: tuple[FakeAlgolia, LocalServer], tmp_path: Path
) -> None:
    fake, server = algolia
    fake.add(2)
    fake.script.extend(
        [
            web.json_response({"message": "too many"}, status=429, headers={"Retry-After": "1"}),
            web.Response(status=503, text="upstream"),
            web.Response(status=502, text="upstream"),
        ]
    )
    registry = CollectorRegistry()
    instances = load_connectors(config_dir(tmp_path, server.url))
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: runner.checkpoint("hn/acme bank") is not None, timeout=15)
    times = [at for at, _ in fake.requests[:4]]
    waits = [b - a for a, b in itertools.pairwise(times)]
    assert 1.0 <= waits[0] < 1.6, waits  # Retry-After: 1
    assert 0.1 <= waits[1] <= 0.5, waits  # backoff: 200 ms with jitter
    assert 0.2 <= waits[2] <= 0.8, waits  # doubled
    assert sample(registry, "listener_connector_errors_total", error="rate_limited") == 1
    assert sample(registry, "listener_connector_errors_total", error="unavailable") == 2
    assert sample(registry, "listener_connector_requests_total", outcome="rate_limited") == 1
    assert sample(registry, "listener_connector_requests_total", outcome="server_error") == 2
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert sorted(post.id for post in posts) == ["1001", "1002"]


async def test_malformed_answers_and_items_are_counted_and_never_stop_the_lane(
    settings: Settings, algolia: tuple[FakeAlgolia, LocalServer], tmp_path: Path
) -> None:
    fake, server = algolia
    fake.add(3)
    del fake.hits[1]["author"]  # one bad item on an otherwise good page
    fake.script.extend(
        [
            web.Response(text="<html>maintenance</html>", content_type="text/html"),
            web.json_response({"hits": "none"}),
        ]
    )
    registry = CollectorRegistry()
    instances = load_connectors(config_dir(tmp_path, server.url))
    async with connectors_running(settings, instances, registry):
        await eventually(
            lambda: (
                sample(registry, "listener_connector_posts_fetched_total", kind="hackernews") == 2
            )
        )
    assert sample(registry, "listener_connector_errors_total", error="malformed") == 2
    assert sample(registry, "listener_connector_errors_total", error="malformed_item") >= 1
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert sorted(post.id for post in posts) == ["1001", "1003"]


async def test_posts_in_the_same_second_across_polls_are_published_once(
    settings: Settings, algolia: tuple[FakeAlgolia, LocalServer], tmp_path: Path
) -> None:
    fake, server = algolia
    fake.add(2, second=T0)
    registry = CollectorRegistry()
    instances = load_connectors(config_dir(tmp_path, server.url))
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: runner.checkpoint("hn/acme bank") is not None)
        fake.add(1, second=T0)  # indexed late, in the second already seen
        fake.add(1, second=T0 + 1)
        await eventually(
            lambda: (
                sample(registry, "listener_connector_posts_fetched_total", kind="hackernews") == 4
            )
        )
        await asyncio.sleep(0.3)  # more polls, nothing new
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert Counter(post.id for post in posts) == {"1001": 1, "1002": 1, "1003": 1, "1004": 1}
    assert sample(registry, "listener_connector_posts_repeated_total") > 0
