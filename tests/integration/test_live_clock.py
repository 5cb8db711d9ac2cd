"""Event time in a live lull: when posts followed live stop, the windows' clock keeps pace
with the wall clock (so escalations fall due); after a replay's posts, it stays put."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from listener.broker.topics import TopicNames
from listener.replay.driver import cluster
from listener.replay.publish import publish, read_lines
from listener.settings import Settings

STEP = 60


def posts_between(first: float, last: float, count: int, tag: str) -> list[bytes]:
    """``count`` posts about Intesa Sanpaolo, evenly from ``first`` to ``last``."""
    gap = (last - first) / (count - 1)
    return [
        orjson.dumps(
            {
                "id": f"{tag}-{n}",
                "source": "facebook",
                "created_at": datetime.fromtimestamp(first + n * gap, UTC).isoformat(),
                "text": f"Intesa Sanpaolo, ancora nessuna risposta ({n})",
                "author_id": f"{tag}-author-{n}",
                "lang": "it",
            }
        )
        for n in range(count)
    ]


async def test_the_clock_follows_the_wall_after_live_posts_but_not_after_a_replay(
    settings: Settings, tmp_path: Path
) -> None:
    # No delay, so the test need not sit through two minutes of silence to see it.
    live = settings.model_copy(update={"live_delay_seconds": 0.0})
    lateness = live.allowed_lateness_seconds
    names = TopicNames.for_settings(live)
    async with cluster(live, tmp_path) as group:
        # Yesterday's posts, replayed: the clock stops at the last of them.
        now = time.time()
        old_last = now - 86_400
        path = tmp_path / "old.jsonl"
        path.write_bytes(b"\n".join(posts_between(old_last - 1800, old_last, 40, "old")))
        await publish(group.bootstrap, names.raw, read_lines(path))
        # The clock stops where two posts agree: at the second newest, not the newest alone.
        agreed_last = old_last - 1800 / 39
        after_replay = (agreed_last - lateness) // STEP * STEP
        await group.wait_clock(after_replay, timeout=30)
        assert min(await group.clocks()) == after_replay
        await asyncio.sleep(5.0)  # idle for longer than it takes to be seen idle
        assert max(await group.clocks()) == after_replay
        # /health/windows says what the clock metric says.
        metric = await group.samples("listener_event_clock_seconds")
        assert sorted(value for _, value in metric) == sorted(await group.clocks())
        (worker,) = group.workers
        async with httpx.AsyncClient() as client:
            page = (await client.get(f"{worker.url}/health/windows")).json()
        counted = await group.samples_of(worker, "listener_window_posts_counted")
        assert page["counted"] == counted == 40
        # What each scored partition heard upstream: every raw partition, idle, at most
        # where the posts agreed (a partition without posts has no mark).
        heard = page["upstream"]
        assert sorted(heard) == [str(p) for p in range(live.partitions)]
        for raw in heard.values():
            assert sorted(raw) == [str(p) for p in range(live.partitions)]
            assert all(r["idle"] and r["wait"] == lateness for r in raw.values())
            assert all(r["mark"] is None or r["mark"] <= old_last for r in raw.values())
            assert any(r["mark"] is not None for r in raw.values())

        # Posts written five to ten minutes ago, arriving now: followed live. Once they
        # stop, the clock passes the last of them and follows the wall clock.
        now = time.time()
        path = tmp_path / "live.jsonl"
        path.write_bytes(b"\n".join(posts_between(now - 600, now - 300, 40, "live")))
        await publish(group.bootstrap, names.raw, read_lines(path))
        following = (time.time() - lateness) // STEP * STEP
        assert following > now - 300 - lateness  # beyond where the posts alone take it
        await group.wait_clock(following, timeout=30)


async def test_a_live_stream_in_order_is_judged_without_waiting_the_allowed_lateness(
    settings: Settings, tmp_path: Path
) -> None:
    """Once a live partition's posts have shown they come in order, the clock waits for
    no late post: a minute is judged as soon as every partition's posts are past it, not
    the allowed lateness after."""
    live = settings.model_copy(
        # No wall-clock heartbeat to move the clock: only the posts' own times do.
        update={"live_delay_seconds": 86_400.0, "lateness_learning_seconds": 60.0}
    )
    names = TopicNames.for_settings(live)
    async with cluster(live, tmp_path) as group:
        boundary = (time.time() - 300) // STEP * STEP
        last = boundary + 45  # every partition's posts agree past the boundary, not past +60
        path = tmp_path / "live.jsonl"
        path.write_bytes(b"\n".join(posts_between(last - 400, last, 401, "live")))
        await publish(group.bootstrap, names.raw, read_lines(path))
        await group.wait_clock(boundary, timeout=30)
        # The allowed lateness (60 s) would have stopped the clock a minute earlier.
        assert min(await group.clocks()) == boundary
        waits = await group.samples("listener_lateness_wait_seconds")
        assert len(waits) == live.partitions
        assert all(value == 0.0 for _, value in waits)
