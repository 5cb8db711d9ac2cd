"""Bluesky against a local Jetstream (a WebSocket replaying from its cursor) and a local
AppView (searchPosts with cursor paging, getProfiles, createSession): live posts, a refused
and a dropped stream, malformed frames, restarts, a replay gap filled by search through 429
and 5xx answers and a restart in the middle, and every post in the raw topic exactly once."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import WSCloseCode, web
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.connectors import Checkpoint, connectors_running, load_connectors
from listener.connectors.testing import LocalServer, Turnstile, eventually, raw_posts
from listener.records import Post
from listener.settings import Settings

KEY = "sky"  # the instance, and its one lane
SECOND = 1_000_000
REWIND = 2 * SECOND


def did(name: str) -> str:
    """A well-formed did:plc for a test account."""
    return "did:plc:" + base64.b32encode(f"{name:>15}".encode()).decode().lower()[:24]


BRAND = did("acme")


def iso(time_us: int) -> str:
    moment = datetime.fromtimestamp(time_us / SECOND, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Frame:
    time_us: int
    did: str
    collection: str
    raw: bytes


class FakeNetwork:
    """What both servers serve: the posts written, in the order Jetstream saw them."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.views: list[dict[str, Any]] = []
        self.clock = time.time_ns() // 1000 - 7200 * SECOND  # two hours ago
        self.step = 1.0  # seconds between two posts
        self.changed = asyncio.Event()

    def tick(self, seconds: float | None = None) -> int:
        self.clock += round((self.step if seconds is None else seconds) * SECOND)
        return self.clock

    def now(self) -> None:
        """Posts from now on are written now, a millisecond apart (search-only windows end
        at the connector's present, so what they find must be in the past)."""
        self.clock = time.time_ns() // 1000 - 500_000
        self.step = 0.001

    def post(self, text: str, author: str = "", reply_to: str | None = None) -> str:
        """A post written now (by ``author``, a name), as a frame and in the search index."""
        time_us = self.tick()
        author_did = did(author or f"user{len(self.frames)}")
        rkey = f"3l{time_us:x}"
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "createdAt": iso(time_us - 300_000),
            "langs": ["it"],
            "text": text,
        }
        if reply_to is not None:
            record["reply"] = {"parent": {"uri": reply_to}, "root": {"uri": reply_to}}
        self.add_frame(
            time_us,
            author_did,
            "app.bsky.feed.post",
            {
                "did": author_did,
                "time_us": time_us,
                "kind": "commit",
                "commit": {
                    "rev": rkey,
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": rkey,
                    "record": record,
                    "cid": f"bafy{rkey}",
                },
            },
        )
        uri = f"at://{author_did}/app.bsky.feed.post/{rkey}"
        handle = f"{author or 'user'}-{len(self.views)}.bsky.social"
        self.views.append(
            {
                "uri": uri,
                "cid": f"bafy{rkey}",
                "author": {"did": author_did, "handle": handle, "displayName": author},
                "record": record,
                "replyCount": 0,
                "repostCount": 1,
                "likeCount": len(self.views),
                "quoteCount": 0,
                "indexedAt": iso(time_us),
            }
        )
        return uri

    def noise(self, n: int) -> None:
        """Likes, deletions and posts about something else: what most of the network says."""
        for k in range(n):
            time_us = self.tick(0.2)
            who = did(f"noise{k}")
            like = {
                "did": who,
                "time_us": time_us,
                "kind": "commit",
                "commit": {
                    "operation": "create",
                    "collection": "app.bsky.feed.like",
                    "rkey": f"l{k}",
                    "record": {"subject": {"uri": "at://x/y/z"}},
                },
            }
            self.add_frame(time_us, who, "app.bsky.feed.like", like)
            delete = {
                "did": who,
                "time_us": time_us + 1,
                "kind": "commit",
                "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "d"},
            }
            self.add_frame(time_us + 1, who, "app.bsky.feed.post", delete)
        self.post("tutt'altro argomento")
        self.views.pop()  # search would not find it anyway

    def add_frame(self, time_us: int, author: str, collection: str, frame: Any) -> None:
        raw = frame if isinstance(frame, bytes) else orjson.dumps(frame)
        self.frames.append(Frame(time_us, author, collection, raw))
        self.changed.set()


class FakeJetstream:
    """``/subscribe`` over the network's frames: replays from ``cursor`` (no further back
    than ``oldest``), then sends new frames as they come; ``/down`` always answers 503."""

    def __init__(self, network: FakeNetwork) -> None:
        self.network = network
        self.oldest = 0
        self.connections: list[dict[str, list[str]]] = []
        self.refuse: list[tuple[int, dict[str, str]]] = []
        self.open: list[web.WebSocketResponse] = []
        self.app = web.Application()
        self.app.router.add_get("/subscribe", self.subscribe)
        self.app.router.add_get("/down", self.down)

    async def down(self, request: web.Request) -> web.Response:
        self.connections.append({"path": ["/down"]})
        return web.Response(status=503, text="upstream unavailable")

    async def subscribe(self, request: web.Request) -> web.StreamResponse:
        query = {key: request.query.getall(key) for key in set(request.query.keys())}
        self.connections.append(query)
        if self.refuse:
            status, headers = self.refuse.pop(0)
            return web.Response(status=status, headers=headers, text="no")
        wanted = set(query.get("wantedCollections", ()))
        dids = set(query.get("wantedDids", ()))
        frames = self.network.frames
        if "cursor" in query:
            start = max(int(query["cursor"][0]), self.oldest)
            position = next((i for i, f in enumerate(frames) if f.time_us >= start), len(frames))
        else:
            position = len(frames)  # live
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.open.append(socket)
        listening = asyncio.create_task(self.listen(socket))  # answers the client's close
        try:
            while not socket.closed:
                while position < len(frames) and not socket.closed:
                    frame = frames[position]
                    position += 1
                    if frame.collection and wanted and frame.collection not in wanted:
                        continue
                    if frame.did and dids and frame.did not in dids:
                        continue
                    if position % 2:  # Jetstream sends text; binary frames are read too
                        await socket.send_str(frame.raw.decode())
                    else:
                        await socket.send_bytes(frame.raw)
                self.network.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.network.changed.wait(), 0.05)
        finally:
            self.open.remove(socket)
            listening.cancel()
        return socket

    @staticmethod
    async def listen(socket: web.WebSocketResponse) -> None:
        async for _ in socket:
            pass  # clients send nothing; reading lets aiohttp answer a close

    async def drop(self) -> None:
        """Cut every open stream, as a failing server would."""
        for socket in list(self.open):
            await socket.close(code=WSCloseCode.INTERNAL_ERROR, message=b"going away")

    def streams(self) -> list[dict[str, list[str]]]:
        """The queries of the connections to /subscribe."""
        return [query for query in self.connections if "path" not in query]

    def cursors(self) -> list[int | None]:
        return [int(c["cursor"][0]) if "cursor" in c else None for c in self.streams()]


class FakeAppView:
    """searchPosts (newest first, ``since`` inclusive, ``until`` exclusive, ten a page),
    getProfiles, and createSession when a password is set."""

    def __init__(self, network: FakeNetwork) -> None:
        self.network = network
        self.searches: list[tuple[float, dict[str, str]]] = []
        self.passed = 0  # searches past the turnstile
        self.fail: list[tuple[int, dict[str, str]]] = []
        self.turnstile = Turnstile()
        self.password: str | None = None
        self.tokens: list[str] = []
        self.app = web.Application()
        self.app.router.add_get("/xrpc/app.bsky.feed.searchPosts", self.search)
        self.app.router.add_get("/xrpc/app.bsky.actor.getProfiles", self.profiles)
        self.app.router.add_post("/xrpc/com.atproto.server.createSession", self.session)

    @staticmethod
    def headers(remaining: int = 2999, reset: int = 300) -> dict[str, str]:
        return {
            "ratelimit-limit": "3000",
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(int(time.time()) + reset),
            "ratelimit-policy": "3000;w=300",
        }

    def authorized(self, request: web.Request) -> web.Response | None:
        if self.password is None:
            return None
        if self.tokens and request.headers.get("Authorization") == f"Bearer {self.tokens[-1]}":
            return None
        error = {"error": "ExpiredToken", "message": "Token has expired"}
        return web.json_response(error, status=400)

    async def session(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body != {"identifier": "listener.bsky.social", "password": self.password}:
            return web.json_response({"error": "AuthenticationRequired"}, status=401)
        self.tokens.append(f"jwt-{len(self.tokens) + 1}")
        token = self.tokens[-1]
        return web.json_response({"accessJwt": token, "refreshJwt": "r", "did": did("bot")})

    async def search(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.searches.append((time.monotonic(), query))
        await self.turnstile.passage()
        self.passed += 1
        if self.fail:
            status, headers = self.fail.pop(0)
            return web.json_response({"error": "Unavailable"}, status=status, headers=headers)
        refused = self.authorized(request)
        if refused is not None:
            return refused
        assert query["sort"] == "latest" and query["limit"] == "100"
        words = query["q"].strip('"').lower()
        since, until = query["since"], query["until"]
        hits = [
            view
            for view in reversed(self.network.views)
            if words in view["record"]["text"].lower() and since <= view["indexedAt"] < until
        ]
        offset = int(query.get("cursor", "0"))
        page = hits[offset : offset + 10]
        body: dict[str, Any] = {"hitsTotal": len(hits), "posts": page}
        if offset + 10 < len(hits):
            body["cursor"] = str(offset + 10)
        return web.json_response(body, headers=self.headers())

    async def profiles(self, request: web.Request) -> web.Response:
        refused = self.authorized(request)
        if refused is not None:
            return refused
        actors = request.query.getall("actors")
        assert len(actors) <= 25
        found = [
            {"did": actor, "handle": f"h{actor[-6:]}.bsky.social", "followersCount": 10 + k}
            for k, actor in enumerate(sorted(actors))
        ]
        return web.json_response({"profiles": found}, headers=self.headers())


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def sky() -> AsyncIterator[tuple[FakeNetwork, FakeJetstream, FakeAppView, str, str]]:
    network = FakeNetwork()
    jetstream, appview = FakeJetstream(network), FakeAppView(network)
    async with LocalServer(jetstream.app) as ws, LocalServer(appview.app) as http:
        yield network, jetstream, appview, ws.url.replace("http", "ws"), http.url


def write(tmp_path: Path, ws: str, http: str, extra: str = "") -> Path:
    (tmp_path / f"{KEY}.yaml").write_text(
        "kind: bluesky\nterms: [acme bank, '#acme']\n"
        f'accounts: {{"{BRAND}": acmechannel}}\n'
        f"jetstream: [{ws}/subscribe]\nappview_url: {http}\nrewind: 2s\nbatch: 100ms\n"
        "poll_interval: 200ms\nbackoff: {initial: 100ms, max: 400ms}\n"
        f"budget: {{requests: 1000, per: 1s}}\n{extra}\n"
    )
    return tmp_path


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": KEY, **labels}) or 0.0


def since(runner: Any) -> int | None:
    checkpoint: Checkpoint | None = runner.checkpoint(KEY)
    return int(checkpoint.since) if checkpoint and checkpoint.since else None


async def published(settings: Settings) -> list[Post]:
    return await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)


def time_of(uri: str) -> int:
    return int(uri.rsplit("/", 1)[1].removeprefix("3l"), 16)


async def test_live_stream_refused_dropped_malformed_and_restarted(
    settings: Settings,
    sky: tuple[FakeNetwork, FakeJetstream, FakeAppView, str, str],
    tmp_path: Path,
) -> None:
    network, jetstream, _, ws, http = sky
    before = network.post("acme bank, before we listened")  # listening starts now
    down = f"jetstream: [{ws}/down, {ws}/subscribe]"  # the first instance answers 503
    extra = f"{down}\n"
    directory = write(tmp_path, ws, http)
    text = (directory / f"{KEY}.yaml").read_text()
    (directory / f"{KEY}.yaml").write_text(text.replace(f"jetstream: [{ws}/subscribe]", extra))
    instances = load_connectors(directory)
    registry = CollectorRegistry()

    def posted() -> float:
        return sample(registry, "listener_connector_posts_fetched_total", kind="bluesky")

    everything: list[str] = []
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: len(jetstream.open) == 1, what="the second instance")
        network.noise(3)
        named = network.post("Acme Bank non funziona")
        tagged = network.post("#acme ancora giù")
        statement = network.post("Stiamo verificando", author="acme")
        reply = network.post("vergogna", reply_to=statement)  # names no term
        network.add_frame(network.tick(0.1), "", "", b"{not json")
        network.add_frame(network.tick(0.1), "", "", b'{"kind": "commit"}')
        after = [network.post(f"acme bank, dopo i frame rotti {n}") for n in range(3)]
        everything += [named, tagged, statement, reply, *after]
        await eventually(lambda: posted() == 7, what="the live posts")
        assert since(runner) == time_of(after[-1])
        await jetstream.drop()
        during = [network.post(f"acme bank durante il guasto {n}") for n in range(3)]
        everything += during
        await eventually(lambda: posted() == 10, what="the posts written while it was down")
        assert len(jetstream.open) == 1
        stopped = since(runner)
    assert stopped == time_of(during[-1])
    cursors = jetstream.cursors()
    assert cursors[0] is None  # the first stream is live
    assert cursors[1] == time_of(after[-1]) - REWIND  # the drop resumes from the cursor
    assert sample(registry, "listener_connector_errors_total", error="stream_dropped") == 1
    assert sample(registry, "listener_connector_errors_total", error="malformed_item") == 2
    assert sample(registry, "listener_connector_errors_total", error="unavailable") == 1
    assert sample(registry, "listener_connector_requests_total", outcome="server_error") == 1
    # The rewind replays the last two seconds: three posts already published.
    assert sample(registry, "listener_connector_posts_repeated_total") == 3

    network.noise(2)
    everything.append(network.post("acme bank, scritto a connettori fermi"))
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: since(runner) == time_of(everything[-1]), what="the restart")
        everything.append(network.post("acme bank dopo il riavvio"))
        await eventually(lambda: since(runner) == time_of(everything[-1]))
    assert jetstream.cursors()[-1] == time_of(during[-1]) - REWIND  # from the stored cursor
    assert sample(registry, "listener_connector_posts_repeated_total") == 3

    posts = await published(settings)
    assert Counter(post.id for post in posts) == Counter(everything)
    assert before not in {post.id for post in posts}
    by_id = {post.id: post for post in posts}
    assert by_id[reply].channel == "acmechannel" and by_id[reply].in_reply_to == statement
    assert by_id[statement].author_id == BRAND and by_id[statement].channel == "acmechannel"
    first = by_id[named]
    assert first.channel is None and first.lang == "it" and first.author_followers is not None
    assert first.author_handle is not None and first.author_handle.startswith("@h")
    rkey = named.rsplit("/", 1)[1]
    assert first.url == f"https://bsky.app/profile/{first.author_handle[1:]}/post/{rkey}"
    streams = jetstream.streams()
    assert all(query["wantedCollections"] == ["app.bsky.feed.post"] for query in streams)
    assert all("wantedDids" not in query for query in streams)  # terms need every post


async def test_a_replay_gap_is_searched_through_429_5xx_and_a_restart_mid_walk(
    settings: Settings,
    sky: tuple[FakeNetwork, FakeJetstream, FakeAppView, str, str],
    tmp_path: Path,
) -> None:
    network, jetstream, appview, ws, http = sky
    instances = load_connectors(write(tmp_path, ws, http))
    everything: list[str] = []
    async with connectors_running(settings, instances, CollectorRegistry()) as runner:
        await eventually(lambda: len(jetstream.open) == 1)
        everything.append(network.post("acme bank: the last post heard"))
        await eventually(lambda: since(runner) == time_of(everything[-1]))
    cursor = time_of(everything[-1])

    # Away for a long time: Jetstream forgets the start of it; search still has it all.
    for n in range(24):
        everything.append(network.post(f"acme bank #acme down {n}" if n % 3 else f"acme bank {n}"))
        network.noise(1)
    network.tick(3600)
    jetstream.oldest = network.clock
    later = [network.post(f"#acme later {n}") for n in range(3)]
    everything += later

    appview.turnstile.close_after(2)
    appview.fail.append((429, {"Retry-After": "1", **appview.headers(0, reset=1)}))
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: len(appview.searches) == 3, what="a walk held on its 2nd page")
        held = runner.checkpoint(KEY)
    assert held is not None and held.walk_top == str(time_of(later[0])) and held.cursor
    assert held.since == str(cursor)
    assert sample(registry, "listener_connector_requests_total", outcome="rate_limited") == 1
    (first, _), (second, _) = appview.searches[:2]
    assert second - first >= 0.9  # Retry-After
    for _, query in appview.searches:
        assert query["since"] == iso(cursor - REWIND) and query["until"] == iso(time_of(later[0]))

    appview.turnstile.open()  # the held request goes, to a client long gone
    await eventually(lambda: appview.passed == len(appview.searches))
    appview.fail.append((503, {}))
    resumed_at = len(appview.searches)
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: since(runner) == time_of(later[-1]), what="back on the stream")
    resumed = [query for _, query in appview.searches[resumed_at:]]
    assert resumed[0]["q"] == '"acme bank"' and resumed[0]["cursor"] == "10"  # mid-walk
    assert resumed[1] == resumed[0]  # after the 503
    assert [q["q"] for q in resumed].count("#acme") == 2  # the second term, two pages
    assert sample(registry, "listener_connector_requests_total", outcome="server_error") == 1
    assert jetstream.cursors()[-2:] == [cursor - REWIND, time_of(later[0]) - REWIND]
    posts = await published(settings)
    assert Counter(post.id for post in posts) == Counter(everything)
    searched = next(post for post in posts if post.id == everything[5])
    assert searched.author_handle is not None and searched.likes is not None


async def test_search_only_logs_in_again_when_the_token_expires(
    settings: Settings,
    sky: tuple[FakeNetwork, FakeJetstream, FakeAppView, str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network, jetstream, appview, ws, http = sky
    monkeypatch.setenv("TEST_BSKY_PASSWORD", "app-pass-word")
    appview.password = "app-pass-word"
    network.post("acme bank, before we listened")  # the first window only starts the clock
    extra = (
        f"stream: false\nservice_url: {http}\nidentifier: listener.bsky.social\n"
        "app_password_env: TEST_BSKY_PASSWORD\n"
    )
    instances = load_connectors(write(tmp_path, ws, http, extra))
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry) as runner:
        await eventually(lambda: since(runner) is not None)
        network.now()
        first = [network.post(f"acme bank {n}") for n in range(12)]
        await eventually(
            lambda: sample(registry, "listener_connector_posts_fetched_total", kind="bluesky") == 12
        )
        assert len(appview.tokens) == 1
        appview.tokens.append("revoked")  # the session's token expires
        network.now()
        second = [network.post(f"#acme {n}") for n in range(2)]
        await eventually(
            lambda: sample(registry, "listener_connector_posts_fetched_total", kind="bluesky") == 14
        )
    assert len(appview.tokens) == 3  # logged in again
    assert jetstream.connections == []
    posts = await published(settings)
    assert Counter(post.id for post in posts) == Counter(first + second)
    assert all(post.author_followers is not None for post in posts)
    assert sample(registry, "listener_connector_rate_limit_remaining") == 2999
    assert sample(registry, "listener_connector_errors_total", error="rejected") == 0


async def test_a_frame_over_the_limit_is_refused_before_it_is_read(
    settings: Settings,
    sky: tuple[FakeNetwork, FakeJetstream, FakeAppView, str, str],
    tmp_path: Path,
) -> None:
    network, jetstream, _, ws, http = sky
    instances = load_connectors(write(tmp_path, ws, http, "max_message_bytes: 65536"))
    registry = CollectorRegistry()
    async with connectors_running(settings, instances, registry):
        await eventually(lambda: len(jetstream.open) == 1)
        first = network.post("acme bank, prima del frame enorme")
        await eventually(
            lambda: sample(registry, "listener_connector_posts_fetched_total", kind="bluesky") == 1
        )
        network.add_frame(network.tick(0.1), "", "", b'{"pad": "' + b"x" * (1 << 20) + b'"}')
        await eventually(
            lambda: sample(registry, "listener_connector_errors_total", error="too_large") >= 1
        )
    assert [post.id for post in await published(settings)] == [first]
