"""How listener copes with many brands: 100, 1,000 and 10,000 configured, with the skew of
real traffic (a few busy brands, many quiet ones; at most 2,000 with posts), each with terms,
an alias and an exclusion. For each size it prints what `listener check` takes, how long a
worker takes to be ready, its throughput and CPU per post over the same number of posts,
its peak memory, and how long liveness takes to answer while the worker is busy: on the
web port (served by the event loop) and on the health port (a thread of its own).

    .venv/bin/python benchmarks/brands.py [--sizes 100,1000,10000] [--posts 100000] [--rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import yaml
from throughput import BODIES, OPENINGS, ROOT, counted, cpu_seconds, fill, peak_memory_mb

from listener.broker.admin import ensure_topics
from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.settings import Settings

#: Most brands with posts, whatever the size: the rest are configured and quiet.
ACTIVE = 2000


def write_rules(target: Path, brands: list[str]) -> None:
    target.mkdir(parents=True)
    for name in ("owners.yaml", "alerts.yaml"):
        shutil.copy(ROOT / "rules" / name, target / name)
    group = next(iter(yaml.safe_load((ROOT / "rules" / "owners.yaml").read_text())["groups"]))
    doc = {
        "brands": {
            b: {
                "name": b.replace("_", " ").title(),
                "terms": [b.replace("_", " "), b.replace("_", "")],
                "exclude": [f"{b.replace('_', ' ')} street"],
                "owners": group,
                "baseline": {"volume_per_hour": 20},
            }
            for b in brands
        }
    }
    (target / "brands.yaml").write_text(yaml.safe_dump(doc))


def make_posts(count: int, brands: list[str], seed: int = 7, rate: float = 20.0) -> list[bytes]:
    """Posts about the first ``ACTIVE`` brands, brand ``i`` about 1 / (i + 1) as often as the
    busiest, ``rate`` a second of event time."""
    rng = random.Random(seed)
    active = brands[:ACTIVE]
    weights = [1 / (i + 1) for i in range(len(active))]
    chosen = rng.choices(active, weights, k=count)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    posts = []
    for n, brand in enumerate(chosen):
        text = f"{rng.choice(OPENINGS).format(b=brand.replace('_', ' '))} {rng.choice(BODIES)}"
        post = {
            "id": str(n), "source": "x", "lang": "en",
            "created_at": (start + timedelta(seconds=n / rate)).isoformat(),
            "text": f"{text} #{n % 97}",
            "author_id": f"user{rng.randrange(count // 3 + 1)}",
            "author_handle": f"user{n % 5000}",
            "author_followers": int(rng.paretovariate(1.2) * 50),
        }  # fmt: skip
        posts.append(orjson.dumps(post))
    return posts


def check_seconds(rules: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `listener check` on ``rules``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "listener", "check", "--rules", str(rules)],
        check=True, capture_output=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def timed_get(client: httpx.AsyncClient, url: str) -> float:
    started = time.perf_counter()
    await client.get(url)
    return time.perf_counter() - started


async def one_size(
    size: int, posts_count: int, partitions: int, rate: float = 20.0
) -> dict[str, float]:
    brands = [f"brand_{i:05d}" for i in range(size)]
    work = Path(tempfile.mkdtemp(prefix=f"listener-brands-{size}-"))
    write_rules(work / "rules", brands)
    check_wall, check_cpu = check_seconds(work / "rules")
    posts = make_posts(posts_count, brands, rate=rate)
    settings = Settings(partitions=partitions)
    names = TopicNames.for_settings(settings)
    health = free_port()
    live: dict[str, list[float]] = {"web port": [], "health port": []}
    async with EmbeddedBroker(log_file=work / "broker.log") as broker:
        await ensure_topics(broker.bootstrap, names.all(), partitions)
        await fill(broker.bootstrap, names.raw, posts, 100)
        worker = WorkerProcess(broker.bootstrap, work, env={
            "LISTENER_RULES_DIR": str(work / "rules"),
            "LISTENER_PARTITIONS": str(partitions),
            "LISTENER_BATCH_SIZE": "20",
            "LISTENER_HEALTH_PORT": str(health),
        })  # fmt: skip
        worker.start()
        try:
            ready = await worker.wait_ready(timeout=300)
            assert worker.process is not None
            cpu_started = cpu_seconds(worker.process.pid)
            started = time.perf_counter()
            async with httpx.AsyncClient(timeout=60.0) as client:
                while await counted(client, worker.url) < len(posts):
                    live["web port"].append(await timed_get(client, f"{worker.url}/health/live"))
                    url = f"http://127.0.0.1:{health}/health/live"
                    live["health port"].append(await timed_get(client, url))
                    if time.perf_counter() - started > 1800:
                        raise SystemExit(f"{size} brands: not done after 30 minutes")
                    await asyncio.sleep(0.5)
                elapsed = time.perf_counter() - started
                cpu = cpu_seconds(worker.process.pid) - cpu_started
                peak = peak_memory_mb(worker.process.pid)
        finally:
            await worker.stop()
    figures = {
        "check wall s": check_wall, "check CPU s": check_cpu, "worker ready s": ready,
        "posts/s": len(posts) / elapsed, "worker CPU µs/post": cpu / len(posts) * 1e6,
        "worker peak MiB": peak,
    }  # fmt: skip
    for where, seconds in live.items():
        figures[f"liveness max ms, {where}"] = max(seconds, default=0.0) * 1000
    return figures


async def run(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {
        size: await one_size(size, args.posts, args.partitions, args.rate) for size in sizes
    }
    names = list(next(iter(results.values())))
    print(f"{args.posts:,} posts, {args.rate:g} a second of event time "
          f"({args.posts / args.rate / 60:,.0f} minutes)")  # fmt: skip
    print(f"{'brands configured':<32s}" + "".join(f"{s:>12,}" for s in sizes))
    print(f"{'brands with posts':<32s}" + "".join(f"{min(s, ACTIVE):>12,}" for s in sizes))
    for name in names:
        print(f"{name:<32s}" + "".join(f"{results[s][name]:>12,.1f}" for s in sizes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument(
        "--rate", type=float, default=20.0,
        help="posts a second of event time: every brand with posts is judged every minute,"
        " so the fewer posts a minute, the more judging each post brings",
    )  # fmt: skip
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
