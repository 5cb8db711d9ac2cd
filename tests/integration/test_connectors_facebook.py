"""Facebook Pages against a local Graph API: the feed, a wave of comments and replies under
the page's posts swept page by page, a deleted post skipped, Graph's usage headers and
throttling codes honoured; and the Webhooks endpoint with its handshake and signatures."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from listener.broker.tansu import free_port
from listener.broker.topics import TopicNames
from listener.connectors import connectors_running, load_connectors
from listener.connectors.sources.facebook.webhook import signature
from listener.connectors.testing import LocalServer, eventually, raw_posts, until_listening
from listener.settings import Settings

PAGE = "150701000000005"
TOKEN = "EAAB-page-token"
NOW = datetime.now(UTC).replace(microsecond=0)


def graph_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+0000")


class FakeGraph:
    """``/{page}/feed`` and ``/{post}/comments`` of one page, paged with cursors."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.deleted: set[str] = set()
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.usage = 10
        self.throttle_next = False
        self.app = web.Application()
        self.app.router.add_get("/v21.0/{node}/{edge}", self.edge)

    def add_post(self, hours_ago: float) -> str:
        post_id = f"{PAGE}_{len(self.posts) + 1:06d}"
        self.posts.append(
            {
                "id": post_id,
                "message": f"Acme news {len(self.posts) + 1}",
                "created_time": graph_time(NOW - timedelta(hours=hours_ago)),
                "from": {"name": "Acme", "id": PAGE},
                "permalink_url": f"https://www.facebook.com/acme/posts/{post_id}",
                "shares": {"count": 2},
                "reactions": {"data": [], "summary": {"total_count": 7}},
            }
        )
        self.comments[post_id] = []
        return post_id

    def add_comments(self, post_id: str, n: int, parent: str | None = None) -> list[str]:
        made = []
        for _ in range(n):
            number = sum(len(c) for c in self.comments.values()) + 1
            comment_id = f"{post_id.split('_')[1]}_{number:08d}"
            at = NOW - timedelta(minutes=30) + timedelta(seconds=number)
            comment = {
                "id": comment_id,
                "message": f"vergogna {number}",
                "created_time": graph_time(at),
                "like_count": 1,
                "from": {"name": f"Person {number}", "id": str(1000 + number)},
                "permalink_url": f"https://www.facebook.com/{comment_id}",
            }
            if parent:
                comment["parent"] = {"id": parent}
            self.comments[post_id].append(comment)
            made.append(comment_id)
        return made

    async def edge(self, request: web.Request) -> web.Response:
        node, edge, query = request.match_info["node"], request.match_info["edge"], request.query
        self.requests.append((time.monotonic(), f"{node}/{edge}", dict(query)))
        headers = {
            "X-App-Usage": orjson.dumps(
                {"call_count": self.usage, "total_time": 1, "total_cputime": 1}
            ).decode()
        }
        if query.get("access_token") != TOKEN:
            return self.error(190, "Invalid OAuth access token.", headers)
        if self.throttle_next:
            self.throttle_next = False
            return self.error(4, "Application request limit reached", headers)
        if node in self.deleted:
            return self.error(100, "Unsupported get request.", headers)
        items = self.posts if edge == "feed" else self.comments[node]
        if "since" in query:
            since = int(query["since"])
            items = [
                i for i in items if datetime.fromisoformat(i["created_time"]).timestamp() >= since
            ]
        items = sorted(items, key=lambda i: (i["created_time"], i["id"]), reverse=True)
        start = int(query.get("after", "0"))
        size = int(query["limit"])
        body: dict[str, Any] = {"data": items[start : start + size]}
        if start + size < len(items):
            body["paging"] = {
                "cursors": {"before": str(start), "after": str(start + size)},
                "next": f"https://graph.example/next?after={start + size}",
            }
        return web.json_response(body, headers=headers)

    @staticmethod
    def error(code: int, message: str, headers: dict[str, str]) -> web.Response:
        body = {
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "AbCdEf",
            }
        }
        return web.json_response(body, status=400, headers=headers)


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def graph(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[FakeGraph, Path]]:
    monkeypatch.setenv("TEST_FB_TOKEN", TOKEN)
    fake = FakeGraph()
    async with LocalServer(fake.app) as server:
        (tmp_path / "fb.yaml").write_text(
            f"kind: facebook\npage_id: '{PAGE}'\naccess_token_env: TEST_FB_TOKEN\n"
            f"channel: acme\ngraph_url: {server.url}/v21.0\npoll_interval: 100ms\n"
            "backoff: {initial: 100ms, max: 300ms}\nbudget: {requests: 1000, per: 1s}\n"
        )
        yield fake, tmp_path


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": "fb", **labels}) or 0.0


async def test_a_wave_of_comments_is_swept_page_by_page_exactly_once(
    settings: Settings, graph: tuple[FakeGraph, Path]
) -> None:
    fake, directory = graph
    posts = [fake.add_post(hours) for hours in (30, 5, 1)]
    old = fake.add_post(24 * 5)  # too old to be swept for comments
    everything = [*posts, old]
    for post_id in [*posts, old]:
        everything += fake.add_comments(post_id, 2)
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(directory), registry) as runner:
        await eventually(
            lambda: (
                runner.checkpoint("fb/comments") is not None
                and runner.checkpoint("fb/feed") is not None
            )
        )
        wave = fake.add_comments(posts[2], 230)  # three pages of a hundred
        replies = fake.add_comments(posts[2], 2, parent=wave[0])
        fake.deleted.add(posts[0])
        everything += wave + replies
        await eventually(
            lambda: (
                value(registry, "listener_connector_posts_fetched_total", kind="facebook")
                == len(everything) - 2
            ),
            timeout=15,
        )
    published = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    counts = Counter(p.id for p in published)
    assert set(counts.values()) == {1}
    assert set(counts) == set(everything) - {c["id"] for c in fake.comments[old]}
    by_id = {p.id: p for p in published}
    reply = by_id[replies[0]]
    assert reply.in_reply_to == wave[0] and reply.channel == "acme"
    assert by_id[wave[1]].in_reply_to == posts[2] and by_id[wave[1]].author_handle is not None
    assert by_id[posts[2]].likes == 7 and by_id[posts[2]].shares == 2
    assert value(registry, "listener_connector_errors_total", error="rejected") >= 1
    pages = [q for _, path, q in fake.requests if path == f"{posts[2]}/comments" and "after" in q]
    assert len(pages) >= 2


async def test_usage_near_the_limit_and_throttling_codes_hold_requests(
    settings: Settings, graph: tuple[FakeGraph, Path]
) -> None:
    fake, directory = graph
    fake.add_post(1)
    fake.throttle_next = True
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(directory), registry):
        await eventually(
            lambda: value(registry, "listener_connector_errors_total", error="rate_limited") == 1
        )
        asked = len(fake.requests)
        await asyncio.sleep(0.5)
        assert len(fake.requests) == asked  # code 4: every lane of the page holds
    fake.usage = 95
    registry = CollectorRegistry()
    fake.requests.clear()
    async with connectors_running(settings, load_connectors(directory), registry):
        await eventually(lambda: len(fake.requests) >= 1)
        await asyncio.sleep(0.5)
        assert len(fake.requests) <= 2  # 95% used: held after the answer that said so


async def test_webhook_handshake_signatures_and_feed_changes(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FB_SECRET", "app-secret")
    monkeypatch.setenv("TEST_FB_VERIFY", "my-verify-token")
    port = free_port()
    (tmp_path / "fb-hook.yaml").write_text(
        f"kind: facebook-webhook\nport: {port}\napp_secret_env: TEST_FB_SECRET\n"
        f"verify_token_env: TEST_FB_VERIFY\nchannels: {{'{PAGE}': acme}}\n"
    )
    url = f"http://127.0.0.1:{port}/facebook"
    change: dict[str, Any] = {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": f"{PAGE}_9",
            "post_id": f"{PAGE}_1",
            "parent_id": f"{PAGE}_1",
            "created_time": 1507041107,
            "message": "Vergogna!",
            "from": {"id": "1000344093730230", "name": "Alessandro B."},
        },
    }
    edited = {"field": "feed", "value": {**change["value"], "verb": "edited"}}
    broken = {"field": "feed", "value": {"item": "comment", "verb": "add"}}
    body = orjson.dumps(
        {
            "object": "page",
            "entry": [
                {"id": PAGE, "time": 1507041107, "changes": [change, edited, broken]},
                {"id": "999999", "time": 1507041107, "changes": [change]},
            ],
        }
    )
    registry = CollectorRegistry()
    async with (
        connectors_running(settings, load_connectors(tmp_path), registry),
        httpx.AsyncClient(timeout=5) as client,
    ):
        await until_listening(url)
        challenge = {
            "hub.mode": "subscribe",
            "hub.verify_token": "my-verify-token",
            "hub.challenge": "1158201444",
        }
        answer = await client.get(url, params=challenge)
        assert answer.status_code == 200 and answer.text == "1158201444"
        wrong = await client.get(url, params={**challenge, "hub.verify_token": "guess"})
        assert wrong.status_code == 403
        forged = await client.post(url, content=body, headers={"X-Hub-Signature-256": "sha256=0"})
        assert forged.status_code == 401
        signed = {"X-Hub-Signature-256": signature(b"app-secret", body)}
        assert (await client.post(url, content=body, headers=signed)).status_code == 200
    published = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert [(p.id, p.in_reply_to, p.channel, p.author_id) for p in published] == [
        (f"{PAGE}_9", f"{PAGE}_1", "acme", "1000344093730230")
    ]
    assert published[0].created_at == datetime.fromtimestamp(1507041107, UTC)
    labels = {"connector": "fb-hook", "error": "malformed_item"}
    assert registry.get_sample_value("listener_connector_errors_total", labels) == 1
