"""YouTube commentThreads against a local server: pageToken paging down to the last poll,
comments in the same second published once, a spent daily quota waited out rather than
retried into refusals, and comments turned off counted as a refusal."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from listener.broker.topics import TopicNames
from listener.connectors import Checkpoint, connectors_running, load_connectors
from listener.connectors.sources.youtube.connector import until_quota_renews
from listener.connectors.testing import LocalServer, eventually, raw_posts
from listener.settings import Settings

VIDEO = "dQw4w9WgXcQ"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def refusal(reason: str) -> web.Response:
    error = {
        "code": 403,
        "message": f"refused: {reason}",
        "errors": [{"message": "refused", "domain": "youtube", "reason": reason}],
    }
    return web.json_response({"error": error}, status=403)


class FakeYouTube:
    """``GET /youtube/v3/commentThreads`` for one video, with a daily quota."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        self.requests: list[tuple[float, dict[str, str]]] = []
        self.quota = 1000
        self.disabled = False
        self.app = web.Application()
        self.app.router.add_get("/youtube/v3/commentThreads", self.threads)

    def add(self, n: int, second: int | None = None) -> list[str]:
        made = []
        for _ in range(n):
            number = len(self.comments) + 1
            at = T0 + timedelta(seconds=second if second is not None else number)
            comment_id = f"Ugx{number:020d}"
            self.comments.append(
                {
                    "kind": "youtube#commentThread",
                    "id": comment_id,
                    "snippet": {
                        "channelId": "UC" + "a" * 22,
                        "videoId": VIDEO,
                        "totalReplyCount": 0,
                        "topLevelComment": {
                            "kind": "youtube#comment",
                            "id": comment_id,
                            "snippet": {
                                "videoId": VIDEO,
                                "textDisplay": f"acme {number}",
                                "textOriginal": f"acme {number}",
                                "authorDisplayName": f"@viewer{number}",
                                "authorChannelId": {"value": f"UCviewer{number}"},
                                "likeCount": number,
                                "publishedAt": at.isoformat().replace("+00:00", "Z"),
                                "updatedAt": at.isoformat().replace("+00:00", "Z"),
                            },
                        },
                    },
                }
            )
            made.append(comment_id)
        return made

    async def threads(self, request: web.Request) -> web.Response:
        self.requests.append((time.monotonic(), dict(request.query)))
        assert request.query["key"] == "test-api-key" and request.query["videoId"] == VIDEO
        if self.quota <= 0:
            return refusal("quotaExceeded")
        self.quota -= 1
        if self.disabled:
            return refusal("commentsDisabled")
        ordered = sorted(
            self.comments,
            key=lambda c: (c["snippet"]["topLevelComment"]["snippet"]["publishedAt"], c["id"]),
            reverse=True,
        )
        start = int(request.query.get("pageToken", "0"))
        size = int(request.query["maxResults"])
        body: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "items": ordered[start : start + size],
        }
        if start + size < len(ordered):
            body["nextPageToken"] = str(start + size)
        return web.json_response(body)


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


@pytest.fixture
async def youtube(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[FakeYouTube, Path]]:
    monkeypatch.setenv("TEST_YOUTUBE_KEY", "test-api-key")
    fake = FakeYouTube()
    async with LocalServer(fake.app) as server:
        (tmp_path / "yt.yaml").write_text(
            f"kind: youtube\napi_key_env: TEST_YOUTUBE_KEY\nvideos: [{VIDEO}]\n"
            f"channel: acmechannel\nbase_url: {server.url}/youtube/v3\nmax_results: 3\n"
            "poll_interval: 100ms\nbackoff: {initial: 100ms, max: 300ms}\n"
        )
        yield fake, tmp_path


def count(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"connector": "yt", **labels}) or 0.0


async def test_comments_walk_down_pages_and_same_second_comments_arrive_once(
    settings: Settings, youtube: tuple[FakeYouTube, Path]
) -> None:
    fake, directory = youtube
    everything = fake.add(3)
    key = f"yt/video:{VIDEO}"
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(directory), registry) as runner:
        await eventually(lambda: runner.checkpoint(key) is not None)
        everything += fake.add(7)  # three pages of three, newest first
        await eventually(
            lambda: (
                (runner.checkpoint(key) or Checkpoint()).since
                == str(int((T0 + timedelta(seconds=10)).timestamp()))
            )
        )
        everything += fake.add(1, second=10)  # late, in the second already polled
        await eventually(
            lambda: count(registry, "listener_connector_posts_fetched_total", kind="youtube") == 11
        )
        await asyncio.sleep(0.3)
        assert (runner.checkpoint(key) or Checkpoint()).cursor is None
    posts = await raw_posts(settings.kafka_bootstrap, TopicNames.for_settings(settings).raw)
    assert Counter(p.id for p in posts) == Counter(everything)
    first = next(p for p in posts if p.id == everything[0])
    assert first.author_id == "UCviewer1" and first.channel == "acmechannel"
    assert first.in_reply_to == VIDEO
    assert first.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={everything[0]}"
    assert any("pageToken" in q for _, q in fake.requests)


async def test_a_spent_quota_is_waited_out_and_disabled_comments_are_refusals(
    settings: Settings, youtube: tuple[FakeYouTube, Path]
) -> None:
    fake, directory = youtube
    fake.add(2)
    fake.quota = 2
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(directory), registry):
        await eventually(
            lambda: count(registry, "listener_connector_errors_total", error="rate_limited") == 1
        )
        asked = len(fake.requests)
        await asyncio.sleep(0.5)
        assert len(fake.requests) == asked  # held until the quota renews, not hammered
    fake.quota, fake.disabled = 10, True
    registry = CollectorRegistry()
    async with connectors_running(settings, load_connectors(directory), registry):
        await eventually(
            lambda: count(registry, "listener_connector_errors_total", error="rejected") >= 1
        )


def test_the_quota_renews_at_midnight_in_california() -> None:
    # 07:00 UTC on a summer day is midnight in California (UTC-7).
    assert until_quota_renews(datetime(2024, 7, 1, 6, 0, tzinfo=UTC)) == 3600
    assert until_quota_renews(datetime(2024, 1, 15, 9, 0, tzinfo=UTC)) == 23 * 3600
