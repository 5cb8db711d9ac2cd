"""Every door bounded, proved against real sockets: a compressed bomb served to an RSS and
a JSON source while the ingest endpoint keeps taking posts (the process's memory measured
from /proc), half-sent requests against the ingest endpoint while another client is
served, and oversized bodies refused before they are read.

Client addresses matter to the endpoint's per-client bounds: the tests speak from
different loopback addresses (127.0.0.2, 127.0.0.3, ...), as different machines would.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
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
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.connectors.testing import LocalServer, eventually, raw_posts, until_listening
from listener.connectors.wire.door import LINGER
from listener.connectors.wire.errors import ResponseTooLarge, SourceUnavailable
from listener.connectors.wire.http import SourceHttp
from listener.connectors.wire.ratelimit import Throttle
from listener.settings import Settings

pytestmark = pytest.mark.timeout(90)

TOKEN = "k7f2-limits-token"
MIB = 1 << 20
#: What each bomb inflates to: far over the 16 MiB default limit, a quarter of the
#: connectors' 512 MiB memory limit in Kubernetes, and about 256 KiB on the wire.
BOMB_BYTES = 256 * MIB


def gzip_bomb(prefix: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    spaces = b" " * MIB
    parts = [packer.compress(prefix), *(packer.compress(spaces) for _ in range(BOMB_BYTES // MIB))]
    return b"".join(parts) + packer.flush()


def memory_kib(field: str) -> int:
    """A line of /proc/self/status (VmRSS: now, VmHWM: the peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def reset_peak_memory() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS


def held_connections(port: int) -> int:
    """Established TCP connections whose local end is ``port``: those the server holds."""
    suffix = f":{port:04X}"
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        count += fields[1].endswith(suffix) and fields[3] == "01"
    return count


def sample(registry: CollectorRegistry, name: str, connector: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": connector, **labels}) or 0.0


def post(n: int) -> dict[str, Any]:
    return {
        "id": f"hook-{n}",
        "source": "crm",
        "created_at": "2017-10-03T16:31:47+02:00",
        "text": f"Acme ticket {n}",
        "author_id": f"customer-{n}",
    }


@pytest.fixture
def settings(kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TEST_INGEST_TOKEN", TOKEN)
    return kafka_settings


def client_from(address: str, timeout: float = 5.0) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(transport=transport, timeout=timeout)


def ingest_yaml(port: int, extra: str = "") -> str:
    return f"kind: webhook\nport: {port}\ntoken_env: TEST_INGEST_TOKEN\nmax_bytes: 65536\n{extra}"


class Bombs:
    """An RSS feed and a Hacker News search that answer with empty pages until armed,
    then with gzip bombs."""

    def __init__(self) -> None:
        self.rss = gzip_bomb(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')
        self.json = gzip_bomb(b'{"nbPages": 1, "hits": [')
        self.armed = False
        self.served = {"rss": 0, "json": 0}
        self.app = web.Application()
        self.app.router.add_get("/feed.rss", self.feed)
        self.app.router.add_get("/api/v1/search_by_date", self.search)

    def answer(self, body: bytes, empty: bytes, kind: str) -> web.Response:
        self.served[kind] += 1
        if not self.armed:
            return web.Response(body=empty, content_type=f"application/{kind}")
        headers = {"Content-Encoding": "gzip", "Content-Type": f"application/{kind}"}
        return web.Response(body=body, headers=headers)

    async def feed(self, _: web.Request) -> web.Response:
        return self.answer(self.rss, b'<rss version="2.0"><channel></channel></rss>', "rss")

    async def search(self, _: web.Request) -> web.Response:
        return self.answer(self.json, b'{"nbPages": 1, "hits": []}', "json")


class Drip:
    """Answers that start at once and then crawl: a byte every 100 ms, or an announced
    length of 100 MB of which little is ever sent."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.app.router.add_get("/drip", self.drip)
        self.app.router.add_get("/huge", self.huge)

    async def drip(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(600):
            await response.write(b" ")
            await asyncio.sleep(0.1)
        return response

    async def huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 100_000_000
        await response.prepare(request)
        await response.write(b"[" + b" " * 1000)
        await asyncio.sleep(60)
        return response


async def test_an_answer_must_end_within_the_timeout_and_announce_no_more_than_the_limit() -> None:
    registry = CollectorRegistry()
    report = ConnectorMetrics.create(registry).report("slow", "hackernews")
    async with LocalServer(Drip().app) as server, httpx.AsyncClient(timeout=0.5) as client:
        http = SourceHttp(client, Throttle(None, 1.0), report, max_bytes=1_000_000)
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match=r"no whole answer within 0\.5s"):
            await asyncio.wait_for(http.request("GET", f"{server.url}/drip"), 3)
        assert time.monotonic() - started < 1.5  # each byte came in time; the whole did not
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match="100000000 bytes announced"):
            await asyncio.wait_for(http.request("GET", f"{server.url}/huge"), 3)
        assert time.monotonic() - started < 0.4  # refused on the headers alone
    outcomes = {"outcome": "network"}, {"outcome": "too_large"}
    for labels in outcomes:
        name = "listener_connector_requests_total"
        assert registry.get_sample_value(name, {"connector": "slow", **labels}) == 1


async def keep_posting(url: str, stop: asyncio.Event, latencies: list[float]) -> list[int]:
    """Posts one post every 50 ms until ``stop``; the statuses, each latency noted."""
    statuses = []
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with client_from("127.0.0.2") as client:
        while not stop.is_set():
            started = time.perf_counter()
            answer = await client.post(url, json=post(len(statuses)), headers=auth)
            latencies.append(time.perf_counter() - started)
            statuses.append(answer.status_code)
            await asyncio.sleep(0.05)
    return statuses


async def test_gzip_bombs_cost_the_limit_while_the_ingest_endpoint_keeps_taking_posts(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="listener.connectors.runtime.runner")
    bombs = Bombs()
    port = free_port()
    backoff = "poll_interval: 100ms\nbackoff: {initial: 100ms, max: 200ms}\n"
    async with LocalServer(bombs.app) as server:
        (tmp_path / "news.yaml").write_text(f"kind: rss\nurl: {server.url}/feed.rss\n{backoff}")
        (tmp_path / "hn.yaml").write_text(
            f"kind: hackernews\nqueries: [acme]\nbase_url: {server.url}\n{backoff}"
        )
        (tmp_path / "ingest.yaml").write_text(ingest_yaml(port))
        registry = CollectorRegistry()
        url = f"http://127.0.0.1:{port}/ingest"
        stop, latencies = asyncio.Event(), list[float]()
        async with connectors_running(settings, load_connectors(tmp_path), registry):
            await until_listening(url)
            posting = asyncio.create_task(keep_posting(url, stop, latencies))

            def count(error: str) -> float:
                """The fewer of the two sources' errors of that kind."""
                return min(
                    sample(registry, "listener_connector_errors_total", name, error=error)
                    for name in ("news", "hn")
                )

            # Warm: both sources polled, the endpoint took posts; then the bombs go off.
            await eventually(lambda: min(bombs.served.values()) >= 3 and len(latencies) >= 10)
            before = memory_kib("VmRSS")
            reset_peak_memory()
            bombs.armed = True
            await eventually(lambda: count("too_large") >= 5, 30, "five bombs each")
            stop.set()
            statuses = await posting
            growth_mib = (memory_kib("VmHWM") - before) / 1024
    served = sum(bombs.served.values())
    print(  # the figures docs/reliability.md quotes
        f"\nbombs served: {served} ({len(bombs.rss)} bytes on the wire, {BOMB_BYTES} inflated);"
        f" peak memory growth {growth_mib:.1f} MiB; ingest latency max"
        f" {max(latencies) * 1000:.0f} ms over {len(latencies)} posts"
    )
    assert growth_mib < 64, f"the process grew by {growth_mib:.0f} MiB"
    assert statuses and set(statuses) == {200}
    assert max(latencies) < 1.0
    assert count("malformed") == 0  # the empty pages before were read fine
    published = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert sorted(p.id for p in published) == sorted(f"hook-{n}" for n in range(len(statuses)))
    for name in ("news", "hn"):
        assert sample(registry, "listener_connector_requests_total", name, outcome="too_large") > 0
        assert sample(registry, "listener_connector_up", name) == 0
    logged = [record.getMessage() for record in caplog.records]
    for name in ("news: ", "hn/acme: "):
        assert any(
            line.startswith(name) and "more than 16777216 bytes (after decompression)" in line
            for line in logged
        ), name


async def open_slowly(address: str, port: int, first: bytes) -> tuple[Any, Any, float]:
    """A connection from ``address`` that sends ``first`` and no more; when it opened."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    writer.write(first)
    await writer.drain()
    return reader, writer, time.monotonic()


async def closed_after(reader: asyncio.StreamReader, opened: float) -> tuple[float, bytes]:
    """Seconds from ``opened`` until the server closed the connection, and what it said."""
    try:
        said = await reader.read(200)
        while await reader.read(200):
            pass
    except ConnectionResetError:
        said = b""
    return time.monotonic() - opened, said


async def test_half_sent_requests_are_closed_in_time_while_another_client_is_served(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    limits = (
        "header_timeout: 1s\nbody_timeout: 1s\nmax_connections: 100\n"
        "max_connections_per_client: 20\nclient_failures: {requests: 20, per: 1m}\n"
    )
    (tmp_path / "ingest.yaml").write_text(ingest_yaml(port, limits))
    registry = CollectorRegistry()
    url = f"http://127.0.0.1:{port}/ingest"
    headers_half = b"POST /ingest HTTP/1.1\r\nHost: listener\r\nAuthorization: Bear"
    body_half = (
        f"POST /ingest HTTP/1.1\r\nHost: listener\r\nAuthorization: Bearer {TOKEN}\r\n"
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id": '
    ).encode()
    async with connectors_running(settings, load_connectors(tmp_path), registry):
        await until_listening(url)
        stop, latencies = asyncio.Event(), list[float]()
        posting = asyncio.create_task(keep_posting(url, stop, latencies))
        slow = [await open_slowly("127.0.0.1", port, headers_half) for _ in range(300)]
        slow_body = [await open_slowly("127.0.0.3", port, body_half) for _ in range(5)]
        await asyncio.sleep(0.3)
        # The least of a few looks: a connection the server has yet to refuse is held for
        # a moment (one made the count 27 in a loaded run); those it keeps stay until their
        # timeout, a second after they opened.
        looks = []
        for _ in range(3):
            looks.append(held_connections(port))
            await asyncio.sleep(0.05)
        held_at_peak = min(looks)
        closes = await asyncio.wait_for(
            asyncio.gather(*(closed_after(r, opened) for r, _, opened in slow + slow_body)), 5
        )
        held_after = held_connections(port)
        reader, writer, opened = await open_slowly("127.0.0.1", port, b"GET / HTTP/1.1\r\n\r\n")
        refused_at_once = await asyncio.wait_for(closed_after(reader, opened), 1)
        stop.set()
        statuses = await posting
        for _, other, _ in [*slow, *slow_body]:
            other.close()
        writer.close()

    def errors(error: str) -> float:
        return sample(registry, "listener_connector_errors_total", "ingest", error=error)

    headers_closed = max(seconds for seconds, _ in closes[:300])
    bodies_closed = max(seconds for seconds, _ in closes[300:])
    print(
        f"\nheld at peak: {held_at_peak} of 305 half-sent connections; closed within"
        f" {headers_closed:.2f}s (headers) and {bodies_closed:.2f}s (bodies); held after:"
        f" {held_after}; other client: {len(statuses)} posts,"
        f" max latency {max(latencies) * 1000:.0f} ms"
    )
    assert held_at_peak <= 20 + 5 + 1  # the slow client's cap, the body senders, the poster
    assert headers_closed < 1.0 + 0.5  # header_timeout, and slack
    assert bodies_closed < 1.0 + LINGER + 0.5  # body_timeout, the answer's lingering, slack
    assert held_after <= 1  # the poster's kept-alive connection
    assert all(said.startswith(b"HTTP/1.1 408") for _, said in closes[300:])
    # 280 over the per-client cap, then the probe once blocked (on a slow machine, some of
    # the 280 may already meet the block: refused at the door all the same).
    assert errors("too_many_connections") + errors("client_blocked") == 281
    assert errors("too_many_connections") >= 1
    assert errors("header_timeout") == 20
    assert errors("body_timeout") == 5
    assert refused_at_once[0] < 0.5 and refused_at_once[1] == b""  # blocked: 20 refusals
    assert statuses and set(statuses) == {200} and max(latencies) < 0.5


async def send_until_answered(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> int:
    """Sends an endless chunked body until the server answers; the bytes sent."""
    sent = 0
    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    answer = asyncio.create_task(reader.read(200))
    while not answer.done() and sent < 64 * MIB:
        writer.write(chunk)
        sent += len(chunk)
        try:
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(0)
    await asyncio.wait_for(answer, 2)
    assert answer.result().startswith(b"HTTP/1.1 413"), answer.result()
    return sent


async def test_oversized_bodies_are_refused_before_they_are_read(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FB_SECRET", "s3cret")
    monkeypatch.setenv("TEST_FB_VERIFY", "v3rify")
    port, fb_port = free_port(), free_port()
    (tmp_path / "ingest.yaml").write_text(ingest_yaml(port))
    (tmp_path / "fb-hook.yaml").write_text(
        f"kind: facebook-webhook\nport: {fb_port}\napp_secret_env: TEST_FB_SECRET\n"
        "verify_token_env: TEST_FB_VERIFY\nchannels: {'150701641200005': acme}\n"
    )
    registry = CollectorRegistry()
    huge = "Content-Type: application/json\r\nContent-Length: 104857600\r\n"
    head_ok = f"POST /ingest HTTP/1.1\r\nHost: l\r\nAuthorization: Bearer {TOKEN}\r\n"
    requests = {
        (port, "ingest"): f"POST /ingest HTTP/1.1\r\nHost: l\r\nAuthorization: Bearer {TOKEN}\r\n",
        (fb_port, "fb-hook"): "POST /facebook HTTP/1.1\r\nHost: l\r\nX-Hub-Signature-256: x\r\n",
    }
    async with connectors_running(settings, load_connectors(tmp_path), registry):
        await until_listening(f"http://127.0.0.1:{port}/")
        await until_listening(f"http://127.0.0.1:{fb_port}/")
        for (target, name), head in requests.items():
            for expect in ("", "Expect: 100-continue\r\n"):
                reader, writer, _ = await open_slowly("127.0.0.4", target, (head + huge).encode())
                writer.write(f"{expect}\r\n".encode())  # the headers end; not a byte of body
                said = await asyncio.wait_for(reader.read(200), 2)
                writer.close()
                assert said.startswith(b"HTTP/1.1 413"), (name, expect, said)
                assert b"100 Continue" not in said
        body = orjson.dumps(post(1))
        small = f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
        reader, writer, _ = await open_slowly("127.0.0.4", port, (head_ok + small).encode())
        assert await asyncio.wait_for(reader.readline(), 2) == b"HTTP/1.1 100 Continue\r\n"
        await reader.readline()
        writer.write(body)  # only now the body: it is taken
        assert (await asyncio.wait_for(reader.read(200), 2)).startswith(b"HTTP/1.1 200")
        writer.close()
        chunked = requests[port, "ingest"] + "Transfer-Encoding: chunked\r\n\r\n"
        reader, writer, _ = await open_slowly("127.0.0.5", port, chunked.encode())
        sent = await send_until_answered(writer, reader)
        writer.close()
    print(f"\nan endless chunked body was answered 413 after {sent} bytes were sent")
    assert sent < 64 * MIB  # answered long before the sender gave up
    assert sample(registry, "listener_connector_errors_total", "ingest", error="too_large") == 3


async def test_a_client_refused_too_often_is_held_off_and_others_are_not(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    (tmp_path / "ingest.yaml").write_text(
        ingest_yaml(port, "client_failures: {requests: 5, per: 1m}\n")
    )
    registry = CollectorRegistry()
    url = f"http://127.0.0.1:{port}/ingest"
    wrong = {"Authorization": "Bearer guess"}
    right = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        connectors_running(settings, load_connectors(tmp_path), registry),
        client_from("127.0.0.6") as guesser,
        client_from("127.0.0.7") as sender,
    ):
        await until_listening(url)
        guesses = [(await guesser.post(url, json=post(0), headers=wrong)) for _ in range(5)]
        assert [answer.status_code for answer in guesses] == [401] * 5
        with pytest.raises(httpx.TransportError):  # its new connections are closed at once
            await guesser.post(url, json=post(0), headers=right)
        assert (await sender.post(url, json=post(1), headers=right)).status_code == 200
    assert sample(registry, "listener_connector_errors_total", "ingest", error="unauthorized") == 5
    assert (
        sample(registry, "listener_connector_errors_total", "ingest", error="client_blocked") == 1
    )
