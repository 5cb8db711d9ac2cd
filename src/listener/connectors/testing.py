"""Helpers for testing connectors against real local servers and the embedded broker.

Tests of a connector serve the source's documented payloads from an aiohttp application
on a free port of 127.0.0.1 (:class:`LocalServer`), run the connectors against the
embedded broker, and read back what reached the raw topic (:func:`raw_posts`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType

import httpx
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.broker.tansu import free_port
from listener.errors import InvalidPost
from listener.records import Post, parse_raw_message
from listener.windows.recovery import IDLE_MS


class LocalServer:
    """An aiohttp application served on 127.0.0.1 for as long as the context is open."""

    def __init__(self, app: web.Application, port: int = 0) -> None:
        self.app = app
        self.port = port or free_port()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LocalServer:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._runner.cleanup()


async def raw_messages(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes]]:
    """(key, value) of every message of ``topic`` now, read until the broker has no more."""
    consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), group_id=None)
    await consumer.start()
    out: list[tuple[bytes | None, bytes]] = []
    try:
        await consumer.topics()  # fetches the metadata partitions_for_topic reads
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        while batches := await consumer.getmany(timeout_ms=IDLE_MS * 2):
            for records in batches.values():
                out.extend((record.key, record.value) for record in records)
    finally:
        await consumer.stop()
    return out


async def raw_posts(bootstrap: str, topic: str) -> list[Post]:
    """Every post in the raw topic, bundles opened; an invalid one fails the test."""
    posts: list[Post] = []
    for _, value in await raw_messages(bootstrap, topic):
        for item in parse_raw_message(value):
            if isinstance(item, InvalidPost):
                raise AssertionError(f"an invalid post reached the raw topic: {item}")
            posts.append(item)
    return posts


async def eventually(check: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Return once ``check()`` is true; fail the test if it is not within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what or check}")
        await asyncio.sleep(0.02)


class Turnstile:
    """Lets requests of a fake source through, or only ``n`` more and then holds the rest
    until opened again: a test stops the connectors at a chosen page this way."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._left: int | None = None

    def close_after(self, n: int) -> None:
        self._left = n
        self._open.clear()

    def open(self) -> None:
        self._left = None
        self._open.set()

    async def passage(self) -> None:
        """Awaited by a request handler before it answers."""
        if self._left is not None and self._left > 0:
            self._left -= 1
            return
        await self._open.wait()


async def until_listening(url: str, timeout: float = 5.0) -> None:
    """Return once something answers HTTP at ``url`` (any status), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() < deadline:
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"nothing listens at {url}")
