"""Reddit against a local server speaking its OAuth API: the client-credentials token,
listings paged with ``after``, its X-Ratelimit-* headers, a token refused mid-way, bad
credentials on one instance while another goes on, and a restart mid-walk."""

from __future__ import annotations

import base64
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

CREDENTIALS = ("app-id", "app-secret")
T0 = 1_704_067_200.0


def to36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


class FakeReddit:
    """The token endpoint and three listings, over posts and comments added by the test."""

    def __init__(self) -> None:
        self.things: dict[str, list[dict[str, Any]]] = {"new": [], "comments": [], "search": []}
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.grants = 0
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.remaining = 600.0
        self.turnstiles = {where: Turnstile() for where in self.things}
        self.app = web.Application()
        self.app.router.add_post("/api/v1/access_token", self.token)
        self.app.router.add_get("/r/italy/new", self.listing("new"))
        self.app.router.add_get("/r/italy/comments", self.listing("comments"))
        self.app.router.add_get("/search", self.listing("search"))

    def add(self, where: str, n: int) -> None:
        kind = "t1" if where == "comments" else "t3"
        for _ in range(n):
            number = 50_000 + sum(len(v) for v in self.things.values()) + 1
            base = {
                "id": to36(number),
                "name": f"{kind}_{to36(number)}",
                "author": f"u{number}",
                "author_fullname": f"t2_{number}",
                "subreddit": "italy",
                "ups": 3,
                "permalink": f"/r/italy/comments/{to36(number)}/x/",
                "created_utc": T0 + number,
                "num_crossposts": 0,
            }
            if kind == "t1":
                base.update(body=f"acme comment {number}", parent_id="t3_abc")
            else:
                base.update(title=f"acme post {number}", selftext="")
            self.things[where].append({"kind": kind, "data": base})

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        expected = "Basic " + base64.b64encode(":".join(CREDENTIALS).encode()).decode()
        form = await request.post()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"message": "Unauthorized", "error": 401}, status=401)
        assert form["grant_type"] == "client_credentials"
        assert "by /u/" in request.headers["User-Agent"]
        self.grants += 1
        token = f"tok-{self.token_requests}"
        self.tokens.add(token)
        return web.json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def listing(self, where: str) -> Any:
        async def handle(request: web.Request) -> web.Response:
            self.requests.append((time.monotonic(), where, dict(request.query)))
            await self.turnstiles[where].passage()
            auth = request.headers.get("Authorization", "")
            if auth.removeprefix("bearer ") not in self.tokens:
                return web.json_response({"message": "Unauthorized", "error": 401}, status=401)
            self.remaining = max(self.remaining - 1, 0)
            headers = {
                "X-Ratelimit-Used": "1",
                "X-Ratelimit-Remaining": f"{self.remaining:.1f}",
                "X-Ratelimit-Reset": "1",
            }
            return web.json_response(self.page(where, request.query), headers=headers)

        return handle

    def page(self, where: str, query: Any) -> dict[str, Any]:
        things = sorted(self.things[where], key=lambda t: int(t["data"]["id"], 36), reverse=True)
        if "after" in query:
            names = [t["data"]["name"] for t in things]
            things = things[names.index(query["after"]) + 1 :]
        limit = int(query["limit"])
        chunk = things[:limit]
        after = chunk[-1]["data"]["name"] if len(things) > limit else None
        return {
            "kind": "Listing",
            "data": {"after": after, "dist": len(chunk), "children": chunk, "before": None},
        }


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def reddit(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeReddit, str]]:
    monkeypatch.setenv("TEST_REDDIT_ID", CREDENTIALS[0])
    monkeypatch.setenv("TEST_REDDIT_SECRET", CREDENTIALS[1])
    monkeypatch.setenv("TEST_REDDIT_WRONG", "not-the-secret")
    fake = FakeReddit()
    async with LocalServer(fake.app) as server:
        yield fake, server.url


def write(
    tmp_path: Path,
    url: str,
    name: str = "reddit",
    secret: str = "TEST_REDDIT_SECRET",
    lanes: str = "subreddits: [italy]\ncomments: true\nsearch: [acme]",
) -> Path:
    (tmp_path / f"{name}.yaml").write_text(
        f"kind: reddit\nclient_id_env: TEST_REDDIT_ID\nclient_secret_env: {secret}\n"
        f'user_agent: "test:listener:0.1 (by /u/tester)"\n{lanes}\nlimit: 2\n'
        f"auth_url: {url}\napi_url: {url}\npoll_interval: 100ms\n"
        "backoff: {initial: 100ms, max: 1s}\nbudget: {requests: 1000, per: 1s}\n"
    )
    return tmp_path


async def published(settings: Settings) -> Counter[str]:
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    return Counter(post.id for post in posts)


def expected(fake: FakeReddit) -> set[str]:
    """Every thing on the fake (each test's first poll finds no more than one page)."""
    return {t["data"]["name"] for things in fake.things.values() for t in things}


async def test_three_lanes_page_with_after_and_resume_after_a_restart(
    settings: Settings, reddit: tuple[FakeReddit, str], tmp_path: Path
) -> None:
    fake, url = reddit
    for where in fake.things:
        fake.add(where, 2)  # the first poll's newest page: exactly the limit
    instances = load_connectors(write(tmp_path, url))
    keys = ["reddit/r/italy", "reddit/r/italy/comments", "reddit/search:acme"]
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: all(runner.checkpoint(k) for k in keys))
        fake.turnstiles["new"].close_after(1)  # one page more, then the stop comes
        for where in fake.things:
            fake.add(where, 5)  # three pages each, walked down with after
        await eventually(lambda: (runner.checkpoint(keys[0]) or Checkpoint()).cursor is not None)
        stopped_at = runner.checkpoint(keys[0])
    assert stopped_at is not None and stopped_at.cursor is not None
    fake.turnstiles["new"].open()
    before = len(fake.requests)
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        newest = {
            k: max(t["data"]["id"] for t in fake.things[w])
            for k, w in zip(keys, ["new", "comments", "search"], strict=True)
        }
        await eventually(
            lambda: all(
                (runner.checkpoint(k) or Checkpoint()).since == str(int(newest[k], 36))
                for k in keys
            )
        )
    resumed = next(query for _, where, query in fake.requests[before:] if where == "new")
    assert resumed.get("after") == stopped_at.cursor  # the walk went on where it stopped
    counts = await published(settings)
    assert set(counts) == expected(fake) and set(counts.values()) == {1}, counts
    assert fake.grants == 2  # one token per process, shared by its three lanes


async def test_a_spent_window_holds_the_next_request_until_it_resets(
    settings: Settings, reddit: tuple[FakeReddit, str], tmp_path: Path
) -> None:
    fake, url = reddit
    fake.add("new", 1)
    fake.remaining = 1.0  # the first answer says "0.0 left, resets in 1 s"
    registry = CollectorRegistry()
    instances = load_connectors(write(tmp_path, url, lanes="subreddits: [italy]"))
    async with connectors_running(settings, instances, registry):
        await eventually(lambda: len(fake.requests) >= 2, timeout=5)
    times = [at for at, _, _ in fake.requests]
    assert 1.0 <= times[1] - times[0] < 1.6, times  # held, and no 429 was needed
    labels = {"connector": "reddit", "outcome": "rate_limited"}
    assert registry.get_sample_value("listener_connector_requests_total", labels) == 0
    remaining = {"connector": "reddit"}
    assert registry.get_sample_value("listener_connector_rate_limit_remaining", remaining) == 0


async def test_a_refused_token_is_renewed_and_bad_credentials_stop_only_their_instance(
    settings: Settings, reddit: tuple[FakeReddit, str], tmp_path: Path
) -> None:
    fake, url = reddit
    fake.add("new", 1)
    write(tmp_path, url, lanes="subreddits: [italy]")
    write(tmp_path, url, name="wrong", secret="TEST_REDDIT_WRONG", lanes="subreddits: [italy]")
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(tmp_path), registry) as runner:
        await eventually(lambda: runner.checkpoint("reddit/r/italy") is not None)
        fake.tokens.clear()  # revoked: the next listing answers 401
        fake.add("new", 1)
        await eventually(lambda: fake.grants == 2, timeout=5)
        await eventually(
            lambda: (
                (runner.checkpoint("reddit/r/italy") or Checkpoint()).since
                == str(max(int(t["data"]["id"], 36) for t in fake.things["new"]))
            )
        )

    def errors(connector: str) -> float:
        labels = {"connector": connector, "error": "rejected"}
        return registry.get_sample_value("listener_connector_errors_total", labels) or 0.0

    assert errors("reddit") == 0  # the refused token was renewed within the poll
    assert errors("wrong") >= 1  # still trying, slowly, and counted
    assert registry.get_sample_value("listener_connector_up", {"connector": "wrong"}) == 0
    assert registry.get_sample_value("listener_connector_up", {"connector": "reddit"}) == 1
    assert set(await published(settings)) == expected(fake)
