"""What operators see of a real worker on the embedded broker: readiness as it starts, and
/metrics figures that match what was replayed through it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from listener.broker.process import WorkerProcess
from listener.replay.driver import Cluster, ReplayResult, cluster, replay_through
from listener.rules.ruleset import RuleSet
from listener.settings import Settings

BRAND = "intesa_sanpaolo"
CALM = "Intesa Sanpaolo branch on via Roma: does anyone know the opening hours today?"
ANGRY = "Intesa Sanpaolo app down again, I cannot pay anything. Terrible, awful service, furious!"
#: Lines the pipeline must refuse, by the reason it gives.
BAD = {
    "invalid_json": b'{"id": "broken", "source": "x", ',
    "missing_field": orjson.dumps({"id": "m", "source": "x", "created_at": "2025-03-01T10:01:00Z"}),
    "bad_timestamp": orjson.dumps(
        {"id": "t", "source": "x", "created_at": "soon", "text": CALM, "author_id": "a"}
    ),
}


def post(n: int, minute: int, text: str) -> bytes:
    hour, minute = divmod(minute, 60)
    return orjson.dumps(
        {
            "id": f"p{n}",
            "source": "x" if n % 3 else "rss",
            "created_at": f"2025-03-01T{10 + hour:02d}:{minute:02d}:{n % 60:02d}Z",
            "text": text,
            "author_id": f"author-{n}",
        }
    )


def scenario(path: Path) -> int:
    """An ordinary hour, ten minutes of outrage, twenty calm minutes; three bad lines.
    Returns the number of valid posts."""
    minutes = [(m, CALM) for m in range(0, 60, 5)]
    minutes += [(m, ANGRY) for m in range(60, 70) for _ in range(25)]
    minutes += [(m, CALM) for m in range(70, 90, 5)]
    lines = [post(n, m, text) for n, (m, text) in enumerate(minutes)]
    for i, raw in enumerate(BAD.values()):
        lines.insert(10 + 40 * i, raw)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(minutes)


async def readiness_until_ready(worker: WorkerProcess, timeout: float = 60.0) -> list[Any]:
    """Every answer of /health/ready from the worker's start until it says 200."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                response = await client.get(f"{worker.url}/health/ready")
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            seen.append((response.status_code, response.json()))
            if response.status_code == 200:
                return seen
            await asyncio.sleep(0.05)
    raise AssertionError(f"not ready after {timeout}s: {seen[-3:]}")


async def scrape(group: Cluster) -> list[Sample]:
    """Every sample the running workers export, with its series name."""
    found: list[Sample] = []
    async with httpx.AsyncClient(timeout=5.0) as client:
        for worker in group.workers:
            text = (await client.get(f"{worker.url}/metrics")).text
            for family in text_string_to_metric_families(text):
                found.extend(family.samples)
    return found


async def series(group: Cluster, name: str) -> list[tuple[dict[str, str], float]]:
    return [(s.labels, s.value) for s in await scrape(group) if s.name == name]


async def total(group: Cluster, name: str) -> float:
    return sum(value for _, value in await series(group, name))


async def by(group: Cluster, name: str, label: str) -> dict[str, float]:
    return {labels[label]: value for labels, value in await series(group, name) if value}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait for the ops timer (every 2 s) to publish what ``check`` looks for."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "the ops gauges never showed it"
        await asyncio.sleep(0.25)


async def test_readiness_and_metrics_tell_what_the_worker_did(
    settings: Settings, rules: RuleSet, tmp_path: Path
) -> None:
    path = tmp_path / "ops.jsonl"
    posts = scenario(path)
    async with cluster(settings, tmp_path, workers=0) as group:
        worker = await group.add_worker()
        answers = await readiness_until_ready(worker)
        result = await replay_through(group, path, rules.step)
        await check_metrics(group, result, posts)

    statuses = [status for status, _ in answers]
    assert 503 in statuses and statuses[-1] == 200, statuses
    not_ready = next(body for status, body in answers if status == 503)
    assert not_ready["ready"] is False and set(not_ready) >= {"joined", "broker", "recovering"}
    assert answers[-1][1] == {"ready": True, "joined": True, "broker": True, "recovering": []}


async def check_metrics(group: Cluster, result: ReplayResult, posts: int) -> None:
    assert result.alerts, "the outrage must raise at least one alert"
    received = await by(group, "listener_posts_received_total", "source")
    assert sum(received.values()) == posts
    assert received == await by(group, "listener_posts_matched_total", "source")
    assert await total(group, "listener_window_posts_counted_total") == posts
    assert await total(group, "listener_posts_scored_total") == posts
    assert await by(group, "listener_dead_letters_total", "reason") == dict.fromkeys(BAD, 1.0)
    assert Counter(letter.reason for letter in result.dead_letters) == Counter(list(BAD))

    fired = await series(group, "listener_alerts_fired_total")
    assert {(labels["rule"], labels["severity"]): value for labels, value in fired if value} == {
        key: float(n) for key, n in Counter((a.rule, a.severity) for a in result.alerts).items()
    }
    for histogram in ("listener_alert_latency_seconds", "listener_alert_event_lag_seconds"):
        assert await total(group, f"{histogram}_count") == len(result.alerts), histogram

    async def lag_is_zero() -> bool:
        lags = await series(group, "listener_consumer_lag")
        return len(lags) == 2 * group.settings.partitions and all(v == 0 for _, v in lags)

    await eventually(lag_is_zero)

    async def brand_volume() -> dict[str, float]:
        return {
            labels["window"]: value
            for labels, value in await series(group, "listener_brand_volume")
            if labels["brand"] == BRAND
        }

    async def brand_shown() -> bool:
        return "60m" in await brand_volume()

    await eventually(brand_shown)
    last = [s for s in result.stats if s["brand"] == BRAND][-1]
    assert (await brand_volume())["60m"] == last["windows"]["3600"]["volume"]
    assert await total(group, "listener_broker_up") == 1
    assert await total(group, "listener_ready") == 1
    assigned = await by(group, "listener_partitions_assigned", "topic")
    assert set(assigned.values()) == {group.settings.partitions}
