"""Figures for the event-time notes of docs/reliability.md: the runs of
test_clock_faults.py, with and without the bad posts, printed rather than asserted, and the
health page's answer times while a replay is judged.

Run from the repository: ``.venv/bin/python tests/integration/clock_figures.py``
(about two minutes on two cores).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import test_clock_faults as faults

from listener.replay.driver import Cluster, cluster, replay_through
from listener.replay.scenarios import generate_intesa, write_jsonl
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


async def probe(group: Cluster, stop: asyncio.Event, seconds: list[float]) -> None:
    """Ask every worker's /health/live every 50 ms until ``stop``; a timeout counts as 5 s."""
    async with httpx.AsyncClient(timeout=5.0) as client:
        while not stop.is_set():
            for worker in group.workers:
                started = time.perf_counter()
                with contextlib.suppress(httpx.TransportError):
                    await client.get(f"{worker.url}/health/live")
                seconds.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)


async def live(settings: Settings, tmp: Path) -> None:
    now = time.time()
    stream, bad = faults.live_stream(now), faults.bad_live_posts(now)
    for name, with_bad in (("clean", {}), ("bad", bad)):
        lines = faults.arriving(stream, with_bad)
        run = await faults.run_live(settings, tmp / f"live-{name}", lines)
        pages = [level for _, kind, level, _ in run["transitions"] if kind == "paged"]
        dead = dict(Counter(d.reason for d in run["dead"]))
        behind = now - max(run["clocks"])
        print(
            f"live {name}: {len(lines)} posts in, dead letters {dead},"
            f" clock {sorted(set(run['clocks']))} ({behind:.0f} s behind the wall),"
            f" {len(run['alerts'])} alerts, levels paged {pages}"
        )


async def replay(settings: Settings, tmp: Path) -> None:
    clean = tmp / "intesa.jsonl"
    write_jsonl(generate_intesa(), clean)
    bad = tmp / "intesa-bad.jsonl"
    dates = (faults.FAR_FUTURE, faults.EPOCH, faults.YEAR_ONE, "2026-01-01T00:00:00+00:00")
    extra = [faults.post(f"bad-{n}", when, "Intesa Sanpaolo") for n, when in enumerate(dates)]
    bad.write_bytes(clean.read_bytes().rstrip(b"\n") + b"\n" + b"\n".join(extra))
    for name, path in (("clean", clean), ("bad", bad)):
        async with cluster(settings, tmp / f"replay-{name}") as group:
            stop, seconds = asyncio.Event(), list[float]()
            probing = asyncio.create_task(probe(group, stop, seconds))
            result = await replay_through(group, path, faults.STEP)
            stop.set()
            await probing
            clocks = sorted(set(await group.clocks()))
        print(
            f"replay {name}: {result.report.posts} posts in, dead letters"
            f" {dict(Counter(d.reason for d in result.dead_letters))}, clock {clocks},"
            f" {len(result.alerts)} alerts, /health/live at most {max(seconds) * 1000:.0f} ms"
            f" (median {statistics.median(seconds) * 1000:.1f} ms, {len(seconds)} asked)"
        )


async def main(tmp: Path) -> None:
    settings = Settings(rules_dir=ROOT / "rules", partitions=4, data_dir=tmp)
    await live(settings.model_copy(update={"live_delay_seconds": 900.0}), tmp)
    await replay(settings, tmp)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(main(Path(directory)))
