"""X API v2 recent search against a local server: since_id and next_token paging, authors
from the expansion, x-rate-limit-* headers, and a restart in the middle of a walk."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.connectors import Checkpoint, connectors_running, load_connectors
from listener.connectors.testing import LocalServer, Turnstile, eventually, raw_posts
from listener.settings import Settings

TOKEN = "AAAA-test-bearer"
BASE = 1_710_000_000_000_000_000


class FakeX:
    """``GET /2/tweets/search/recent`` over tweets added by the test."""

    def __init__(self) -> None:
        self.tweets: list[dict[str, Any]] = []
        self.requests: list[tuple[float, dict[str, str]]] = []
        self.remaining = 450
        self.oldest_since = 0  # a since_id below this is refused, as X refuses old ones
        self.turnstile = Turnstile()
        self.app = web.Application()
        self.app.router.add_get("/2/tweets/search/recent", self.search)

    def add(self, n: int) -> list[str]:
        made = []
        for _ in range(n):
            number = len(self.tweets) + 1
            self.tweets.append(
                {
                    "id": str(BASE + number),
                    "text": f"acme bank is down {number}",
                    "author_id": str(900 + number % 3),
                    "lang": "it",
                    "created_at": f"2024-03-10T10:{number // 60:02d}:{number % 60:02d}.000Z",
                    "public_metrics": {
                        "retweet_count": 1,
                        "reply_count": 0,
                        "like_count": number,
                        "quote_count": 0,
                    },
                    "referenced_tweets": [{"type": "replied_to", "id": str(BASE)}],
                    "edit_history_tweet_ids": [str(BASE + number)],
                }
            )
            made.append(str(BASE + number))
        return made

    async def search(self, request: web.Request) -> web.Response:
        self.requests.append((time.monotonic(), dict(request.query)))
        await self.turnstile.passage()
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        query = request.query
        assert query["expansions"] == "author_id"
        if int(query.get("since_id", self.oldest_since)) < self.oldest_since:
            problem = {
                "title": "Invalid Request",
                "type": "https://api.x.com/2/problems/invalid-request",
                "detail": "One or more parameters to your request was invalid.",
                "errors": [
                    {
                        "parameters": {"since_id": [query["since_id"]]},
                        "message": "Invalid 'since_id': too old",
                    }
                ],
            }
            return web.json_response(problem, status=400)
        ids = sorted((int(t["id"]) for t in self.tweets), reverse=True)
        if "since_id" in query:
            ids = [i for i in ids if i > int(query["since_id"])]
        if "next_token" in query:
            ids = [i for i in ids if i < int(query["next_token"].removeprefix("n"))]
        size = int(query["max_results"])
        page, rest = ids[:size], ids[size:]
        self.remaining -= 1
        headers = {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(int(time.time()) + 2),
        }
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=str(page[0]), oldest_id=str(page[-1]))
        if rest:
            meta["next_token"] = f"n{page[-1]}"
        if not page:
            return web.json_response({"meta": meta}, headers=headers)
        tweets = [t for t in self.tweets if int(t["id"]) in set(page)]
        tweets.sort(key=lambda t: int(t["id"]), reverse=True)
        users = [
            {
                "id": str(900 + k),
                "username": f"user{k}",
                "name": f"User {k}",
                "public_metrics": {"followers_count": 100 * k},
            }
            for k in range(3)
        ]
        body = {"data": tweets, "includes": {"users": users}, "meta": meta}
        return web.json_response(body, headers=headers)


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def x_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeX, str]]:
    monkeypatch.setenv("TEST_X_BEARER", TOKEN)
    fake = FakeX()
    async with LocalServer(fake.app) as server:
        yield fake, server.url


def write(tmp_path: Path, url: str) -> Path:
    (tmp_path / "x-acme.yaml").write_text(
        f"kind: x\nbearer_token_env: TEST_X_BEARER\nqueries: ['\"acme bank\" lang:it']\n"
        f"base_url: {url}\nmax_results: 10\npoll_interval: 100ms\n"
        "budget: {requests: 1000, per: 1s}\n"
    )
    return tmp_path


async def test_walk_with_next_token_survives_a_restart_and_authors_are_expanded(
    settings: Settings, x_api: tuple[FakeX, str], tmp_path: Path
) -> None:
    fake, url = x_api
    everything = fake.add(10)
    instances = load_connectors(write(tmp_path, url))
    key = 'x-acme/"acme bank" lang:it'
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == everything[-1])
        fake.turnstile.close_after(1)
        everything += fake.add(25)  # three pages of ten, newest first
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).cursor is not None)
        stopped = runner.checkpoint(key)
    assert stopped is not None and stopped.since == everything[9]
    fake.turnstile.open()
    before = len(fake.requests)
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == everything[-1])
    resumed = fake.requests[before][1]
    assert resumed["next_token"] == stopped.cursor and resumed["since_id"] == everything[9]
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert Counter(p.id for p in posts) == Counter(everything)
    one = next(p for p in posts if p.id == everything[0])
    assert one.author_handle == "@user1" and one.author_followers == 100
    assert one.in_reply_to == str(BASE) and one.likes == 1
    assert one.url == f"https://x.com/user1/status/{everything[0]}"


async def test_an_exhausted_window_holds_until_its_reset(
    settings: Settings, x_api: tuple[FakeX, str], tmp_path: Path
) -> None:
    fake, url = x_api
    fake.add(1)
    fake.remaining = 1  # the first answer says 0 left until a second or two from now
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(write(tmp_path, url)), registry):
        await eventually(lambda: len(fake.requests) >= 2, timeout=5)
    gap = fake.requests[1][0] - fake.requests[0][0]
    assert 1.0 <= gap <= 2.6, gap  # held until the epoch second in x-rate-limit-reset
    labels = {"connector": "x-acme", "outcome": "rate_limited"}
    assert registry.get_sample_value("listener_connector_requests_total", labels) == 0


async def test_a_lane_away_longer_than_the_search_window_starts_again_from_now(
    settings: Settings, x_api: tuple[FakeX, str], tmp_path: Path
) -> None:
    fake, url = x_api
    everything = fake.add(3)
    key = 'x-acme/"acme bank" lang:it'
    instances = load_connectors(write(tmp_path, url))
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == everything[-1])
    fake.add(20)  # written while the lane was away; beyond the window when it comes back
    latest = fake.add(10)
    fake.oldest_since = int(latest[0])
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: (runner.checkpoint(key) or Checkpoint()).since == latest[-1])
    labels = {"connector": "x-acme", "error": "gap"}
    assert registry.get_sample_value("listener_connector_errors_total", labels) == 1
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert Counter(p.id for p in posts) == Counter(everything + latest)
