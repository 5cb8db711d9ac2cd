"""Posts with impossible dates against the real pipeline: a live stream and a replay carry
posts dated far ahead and far back, and the clock, the alerts and the escalation are those
of the same stream without them; the bad posts are in the dead-letter topic with their
reasons, and the ingest endpoint refuses them at the door."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import CollectorRegistry

from listener.broker.tansu import free_port
from listener.broker.topics import TopicNames
from listener.connectors import connectors_running, load_connectors
from listener.connectors.testing import raw_posts
from listener.replay.collect import read_alerts, read_dead_letters
from listener.replay.driver import (
    cluster,
    final_boundary,
    last_agreed,
    read_transitions,
    replay_through,
)
from listener.replay.publish import Line, publish
from listener.settings import Settings

pytestmark = pytest.mark.timeout(240)

STEP = 60
YEAR_ONE = "0001-01-01T00:00:00+00:00"
EPOCH = "1970-01-01T00:00:00+00:00"
FAR_FUTURE = "9999-12-31T23:00:00+00:00"


def post(id: str, created_at: str | float, text: str) -> bytes:
    when = created_at if isinstance(created_at, str) else _iso(created_at)
    return orjson.dumps(
        {
            "id": id,
            "source": "facebook",
            "created_at": when,
            "text": text,
            "author_id": f"author-{id}",
            "lang": "it",
        }
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def live_stream(now: float) -> list[bytes]:
    """Forty minutes about Intesa Sanpaolo up to eight minutes ago, with thirty angry posts
    in four minutes half an hour ago, in the order they were written."""
    last_minute = (now - 480) // STEP * STEP
    calm = "Intesa Sanpaolo, domani passo in filiale"
    angry = "Intesa Sanpaolo, vergogna: conto bloccato, schifo"
    timed = [(now - 2400 + 60 * n, f"calm-{n}", calm) for n in range(31)]
    timed += [(now - 1800 + 8 * n, f"angry-{n}", f"{angry} ({n})") for n in range(30)]
    timed = [t for t in timed if t[0] < last_minute]
    # The last two posts in one minute: the clock stops at the same boundary whether or
    # not a post dated after them is counted (see listener.eventtime: two must agree).
    timed += [(last_minute + 5, "last-0", calm), (last_minute + 50, "last-1", calm)]
    return [post(id, ts, text) for ts, id, text in sorted(timed)]


def bad_live_posts(now: float) -> dict[str, bytes]:
    """Where each goes in the arrival order, and the post."""
    return {
        "future": post("bad-future", now + 55 * 60, "Intesa Sanpaolo, dal futuro"),
        "epoch": post("bad-epoch", EPOCH, "Intesa Sanpaolo, data a zero"),
        "year-one": post("bad-year-one", YEAR_ONE, "Intesa Sanpaolo, anno uno"),
        "behind": post("bad-behind", now - 2 * 86_400, "Intesa Sanpaolo, due giorni fa"),
        # Plausible (behind the wall clock) but ahead of every other post: counted, never
        # followed alone.
        "ahead": post("lone-ahead", now - 60, "Intesa Sanpaolo, un minuto fa"),
    }


def arriving(stream: list[bytes], bad: dict[str, bytes]) -> list[Line]:
    """``stream`` with the bad posts arriving among its posts: the far-past ones before the
    clock has started, the far-future one in the surge, the one two days back late."""
    order = list(stream)
    at = {"epoch": 2, "year-one": 4, "future": 35, "behind": 50, "ahead": 55}
    for name, index in sorted(at.items(), key=lambda item: -item[1]):
        if name in bad:
            order.insert(index, bad[name])
    return [Line(0.0, n, None, value) for n, value in enumerate(order, start=1)]


async def run_live(settings: Settings, data_dir: Path, lines: list[Line]) -> dict[str, Any]:
    names = TopicNames.for_settings(settings)
    target = final_boundary(last_agreed(lines, time.time()) or 0.0, settings, STEP)
    async with cluster(settings, data_dir) as group:
        await publish(group.bootstrap, names.raw, lines)
        await group.wait_clock(target, timeout=60)
        await asyncio.sleep(5.0)  # every partition idle for longer than it takes to be seen idle
        clocks = await group.clocks()
        await group.wait_incidents(timeout=60)
        alerts = await read_alerts(group.bootstrap, names.alerts)
        transitions = [
            (r["incident"]["id"], r["transition"])
            for r in await read_transitions(group.bootstrap, names.incidents)
        ]
        return {
            "target": target,
            "clocks": clocks,
            "alerts": [(a.id, a.rule, a.fired_at) for a in alerts],
            "transitions": [(i, t["kind"], t["level"], t["event_at"]) for i, t in transitions],
            "dead": await read_dead_letters(group.bootstrap, names.dead_letter),
        }


async def test_posts_dated_far_ahead_and_far_back_change_nothing_in_a_live_stream(
    settings: Settings, tmp_path: Path
) -> None:
    # Live (written minutes ago), and the wall clock not followed within the test's time,
    # so both runs end on the same clock.
    live = settings.model_copy(update={"live_delay_seconds": 900.0})
    now = time.time()
    stream, bad = live_stream(now), bad_live_posts(now)
    clean = await run_live(live, tmp_path / "clean", arriving(stream, {}))
    faulty = await run_live(live, tmp_path / "faulty", arriving(stream, bad))

    assert clean["alerts"], "the surge raises alerts"
    assert any(level == 2 for _, kind, level, _ in clean["transitions"] if kind == "paged")
    assert faulty["alerts"] == clean["alerts"]
    assert faulty["transitions"] == clean["transitions"]
    assert set(clean["clocks"]) == set(faulty["clocks"]) == {clean["target"]}
    assert max(faulty["clocks"]) < now - 480  # never near, let alone past, the wall clock
    assert clean["dead"] == []
    refused = sorted((orjson.loads(d.payload)["id"], d.reason) for d in faulty["dead"])
    assert refused == [
        ("bad-behind", "past_timestamp"),
        ("bad-epoch", "past_timestamp"),
        ("bad-future", "future_timestamp"),
        ("bad-year-one", "past_timestamp"),
    ]


async def test_a_replay_with_posts_dated_9999_1970_and_year_one_has_the_alerts_of_one_without(
    settings: Settings, tmp_path: Path, intesa_file: Path
) -> None:
    faulty_file = tmp_path / "intesa-faulty.jsonl"
    extra = [
        post("bad-9999", FAR_FUTURE, "Intesa Sanpaolo vergogna"),
        post("bad-1970", EPOCH, "Intesa Sanpaolo vergogna"),
        post("bad-year-one", YEAR_ONE, "Intesa Sanpaolo vergogna"),
        # Ahead of the replay by years, yet not of the wall clock: counted, not followed,
        # not even agreeing with the replay's last post.
        post("lone-2026", "2026-01-01T00:00:00+00:00", "Intesa Sanpaolo vergogna"),
    ]
    faulty_file.write_bytes(intesa_file.read_bytes().rstrip(b"\n") + b"\n" + b"\n".join(extra))

    results, clocks = [], []
    for name, path in (("clean", intesa_file), ("faulty", faulty_file)):
        async with cluster(settings, tmp_path / name) as group:
            results.append(await replay_through(group, path, STEP))
            clocks.append(set(await group.clocks()))
    clean, faulty = results
    assert len(clocks[0]) == 1 and clocks[1] == clocks[0]  # the lone 2026 post stands apart

    def alerts(result: Any) -> list[tuple[str, str, datetime]]:
        return [(a.id, a.rule, a.fired_at) for a in result.alerts]

    assert alerts(clean) and alerts(faulty) == alerts(clean)
    assert clean.dead_letters == []
    refused = sorted((orjson.loads(d.payload)["id"], d.reason) for d in faulty.dead_letters)
    assert refused == [
        ("bad-1970", "past_timestamp"),
        ("bad-9999", "future_timestamp"),
        ("bad-year-one", "past_timestamp"),
    ]


async def test_the_ingest_endpoint_refuses_dates_the_pipeline_would_refuse(
    kafka_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_INGEST_TOKEN", "k7f2-test-token")
    port = free_port()
    (tmp_path / "ingest.yaml").write_text(
        f"kind: webhook\nport: {port}\ntoken_env: TEST_INGEST_TOKEN\nmax_bytes: 65536\n"
    )
    url = f"http://127.0.0.1:{port}/ingest"
    auth = {"Authorization": "Bearer k7f2-test-token"}
    now = time.time()
    good = orjson.loads(post("ok", now - 60, "Intesa Sanpaolo"))
    ahead = orjson.loads(post("ahead", now + 5 * 3600, "Intesa Sanpaolo"))
    ancient = orjson.loads(post("ancient", YEAR_ONE, "Intesa Sanpaolo"))
    instances = load_connectors(tmp_path)
    async with (
        connectors_running(kafka_settings, instances, CollectorRegistry()),
        httpx.AsyncClient(timeout=5) as client,
    ):
        for _ in range(100):
            try:
                await client.get(url)
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        answer = await client.post(url, json=[good, ahead, ancient], headers=auth)
        assert answer.status_code == 422
        errors = answer.json()["errors"]
        assert [(e["index"], e["reason"]) for e in errors] == [
            (1, "future_timestamp"),
            (2, "past_timestamp"),
        ]
        assert "ahead of the clock" in errors[0]["detail"]
        assert "0001-01-01" in errors[1]["detail"]
        taken = await client.post(url, json=good, headers=auth)
        assert taken.status_code == 200 and taken.json() == {"accepted": 1}
    names = TopicNames.for_settings(kafka_settings)
    posts = await raw_posts(kafka_settings.kafka_bootstrap, names.raw)
    assert [p.id for p in posts] == ["ok"]
