"""The connectors process as ``listener connectors`` runs it: several instances at once, one
healthy, one whose source is down, one whose port is taken and one with a bug; metrics on
HTTP that tell them apart; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from listener.broker.tansu import free_port
from listener.broker.topics import TopicNames
from listener.connectors import Checkpoint, Lane, Page, connectors_running, load_connectors
from listener.connectors import registry as kinds
from listener.connectors.base import SourceContext
from listener.connectors.config import SourceConfig
from listener.connectors.runtime.service import run_connectors
from listener.connectors.testing import LocalServer, eventually, raw_posts
from listener.records import Post
from listener.settings import Settings


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


async def algolia(_: web.Request) -> web.Response:
    hit = {
        "objectID": "7",
        "created_at_i": 1_705_312_800,
        "author": "pg",
        "title": "Acme",
        "_tags": ["story"],
        "points": 1,
    }
    return web.json_response({"hits": [hit], "nbHits": 1, "page": 0, "nbPages": 1})


async def scrape(client: httpx.AsyncClient, url: str) -> dict[tuple[str, str, str], float]:
    """(sample name, connector, error or outcome) -> value, from the metrics endpoint."""
    text = (await client.get(url)).text
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            detail = s.labels.get("error") or s.labels.get("outcome") or ""
            out[(s.name, s.labels.get("connector", ""), detail)] = s.value
    return out


async def test_one_failing_source_never_stops_the_others_and_sigterm_stops_all(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_INGEST_TOKEN", "t")
    app = web.Application()
    app.router.add_get("/api/v1/search_by_date", algolia)
    async with LocalServer(app) as hn, LocalServer(web.Application()) as squatter:
        (tmp_path / "hn.yaml").write_text(
            f"kind: hackernews\nqueries: [acme]\nbase_url: {hn.url}\npoll_interval: 100ms\n"
        )
        (tmp_path / "dead.yaml").write_text(
            f"kind: rss\nurl: http://127.0.0.1:{free_port()}/feed\npoll_interval: 100ms\n"
            "backoff: {initial: 100ms, max: 200ms}\n"
        )
        (tmp_path / "busy.yaml").write_text(
            f"kind: webhook\nport: {squatter.port}\ntoken_env: TEST_INGEST_TOKEN\n"
            "backoff: {initial: 100ms, max: 200ms}\n"
        )
        port = free_port()
        running = asyncio.create_task(run_connectors(settings, tmp_path, metrics_port=port))
        seen: dict[tuple[str, str, str], float] = {}
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(200):
                await asyncio.sleep(0.05)
                try:
                    seen = await scrape(client, f"http://127.0.0.1:{port}/metrics")
                except httpx.TransportError:
                    continue
                if (
                    seen.get(("listener_connector_up", "hn", ""), 0) == 1
                    and seen.get(("listener_connector_errors_total", "dead", "unavailable"), 0) >= 2
                    and seen.get(("listener_connector_errors_total", "busy", "crash"), 0) >= 2
                ):
                    break
        if running.done():  # it failed early: show why, and send no signal to pytest
            running.result()
            raise AssertionError("run_connectors returned before it was asked to stop")
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(running, 15) == 0
    assert seen[("listener_connector_up", "hn", "")] == 1
    assert seen[("listener_connector_up", "dead", "")] == 0
    assert seen[("listener_connector_requests_total", "dead", "network")] >= 2
    assert seen[("listener_connector_errors_total", "busy", "crash")] >= 2
    assert seen[("listener_connector_last_success_timestamp_seconds", "hn", "")] > 0
    assert ("listener_connector_last_success_timestamp_seconds", "dead", "") not in seen
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert [p.key for p in posts] == ["hackernews:7"]


class FlakyConfig(SourceConfig):
    kind: Literal["flaky"]


class Flaky:
    """A connector with a bug on its first poll only."""

    def __init__(self) -> None:
        self.calls = 0

    async def poll(self, checkpoint: Checkpoint) -> Page:
        self.calls += 1
        if self.calls == 1:
            raise ZeroDivisionError("a bug in the connector")
        if checkpoint.since:
            return Page((), checkpoint)
        post = Post("1", "flaky", datetime(2024, 1, 1, tzinfo=UTC), "acme", "a")
        return Page((post,), replace(checkpoint, since="1"))


async def test_a_bug_in_a_connector_is_logged_counted_and_retried(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = Flaky()

    def lanes(config: FlakyConfig, context: SourceContext) -> list[Lane]:
        return [Lane("", flaky)]

    monkeypatch.setitem(kinds.KINDS, "flaky", kinds.Kind(FlakyConfig, lanes=lanes))
    (tmp_path / "flaky.yaml").write_text(
        "kind: flaky\npoll_interval: 50ms\nbackoff: {initial: 50ms, max: 100ms}\n"
    )
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(tmp_path), registry) as runner:
        await eventually(lambda: runner.checkpoint("flaky") is not None and flaky.calls > 3)
    labels = {"connector": "flaky", "error": "bug"}
    assert registry.get_sample_value("listener_connector_errors_total", labels) == 1
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert [p.key for p in posts] == ["flaky:1"]
