"""Throughput of one worker process against two, on the same pre-filled raw topic.

For each worker count, a fresh embedded broker gets its raw topic filled with the same
generated posts (throughput.py's posts, rules and producer); then the workers are started
and timed from the moment all of them are ready until every post is counted into its
brand's windows. Prints posts per second, the CPU seconds per post of each worker, of the
broker (Tansu, from /proc) and of this process, how much of the machine's cores that was,
and the speed-up of each worker count over the first.

Every worker runs both the score and the window agent (app.py registers both; there is no
setting that runs one without the other), so "score and windows in separate processes" is
not a configuration this measures.

    .venv/bin/python benchmarks/scaling.py [--posts 200000] [--workers 1,2] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from fleet import (
    broker_pid,
    cpu_seconds,
    load_average,
    machine_cpu_seconds,
    own_cpu_seconds,
    totals,
    worker_pid,
)
from throughput import counted, fill, load_options, make_posts, worker_env, write_rules

from listener.broker.admin import ensure_topics
from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.settings import Settings

COUNTED = "listener_window_posts_counted_total"
RECEIVED = "listener_posts_received_total"
#: Scored partitions whose window state a worker rebuilt: one per partition when the group
#: formed once, more when a rebalance moved partitions during the run.
RECOVERIES = "listener_recoveries_total"


@dataclass(frozen=True)
class Run:
    """One worker count's figures over the timed interval."""

    workers: int
    posts: int
    before: int  # posts counted before every worker was ready (not timed)
    seconds: float
    worker_cpu: list[float]
    worker_scored: list[float]
    worker_counted: list[float]
    broker_cpu: float
    own_cpu: float
    machine_cpu: float  # every process's, this run's included
    recoveries: int
    load: tuple[str, str]

    @property
    def timed(self) -> int:
        return self.posts - self.before

    @property
    def rate(self) -> float:
        return self.timed / self.seconds

    def per_post(self, cpu: float) -> float:
        """Microseconds of ``cpu`` seconds per post timed."""
        return cpu / self.timed * 1e6


async def measure(args: argparse.Namespace, count: int, posts: list[bytes], work: Path) -> Run:
    settings = Settings(partitions=args.partitions)
    names = TopicNames.for_settings(settings)
    run_dir = work / f"workers-{count}-{time.monotonic_ns()}"
    run_dir.mkdir()
    async with EmbeddedBroker(log_file=run_dir / "broker.log") as broker:
        await ensure_topics(broker.bootstrap, names.all(), args.partitions)
        await fill(broker.bootstrap, names.raw, posts, args.bundle)
        env = worker_env(work / "rules", args.partitions, args.bundle)
        workers = [WorkerProcess(broker.bootstrap, run_dir, env=env) for _ in range(count)]
        for worker in workers:
            worker.start()
        try:
            await asyncio.gather(*(w.wait_ready() for w in workers))
            return await timed(args, count, len(posts), workers, broker_pid(broker))
        finally:
            await asyncio.gather(*(w.stop() for w in workers))


async def timed(
    args: argparse.Namespace, count: int, total: int, workers: list[WorkerProcess], broker: int
) -> Run:
    """From every worker ready to every post counted."""
    pids = [worker_pid(w) for w in workers]
    load_started = load_average()
    async with httpx.AsyncClient(timeout=30.0) as client:
        before = sum(await totals(client, workers, COUNTED))
        cpu = [cpu_seconds(pid) for pid in pids]
        broker_cpu, own_cpu = cpu_seconds(broker), own_cpu_seconds()
        machine_cpu = machine_cpu_seconds()
        started = time.perf_counter()
        while (done := sum([await counted(client, w.url) for w in workers])) < total:
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"{count} workers: only {done:.0f} of {total} posts counted")
            await asyncio.sleep(0.5)  # twice a second, as throughput.py
        seconds = time.perf_counter() - started
        cpu = [cpu_seconds(pid) - was for pid, was in zip(pids, cpu, strict=True)]
        broker_cpu = cpu_seconds(broker) - broker_cpu
        own_cpu = own_cpu_seconds() - own_cpu
        machine_cpu = machine_cpu_seconds() - machine_cpu
        scored = await totals(client, workers, RECEIVED)
        windowed = await totals(client, workers, COUNTED)
        recoveries = int(sum(await totals(client, workers, RECOVERIES)))
    return Run(
        count, total, int(before), seconds, cpu, scored, windowed, broker_cpu, own_cpu,
        machine_cpu, recoveries, (load_started, load_average()),
    )  # fmt: skip


def report(run: Run, first: Run | None, label: str) -> None:
    cores = os.cpu_count() or 1
    used = sum(run.worker_cpu) + run.broker_cpu + run.own_cpu
    print(f"\n{label}{run.workers} worker(s): load average {run.load[0]} at start, "
          f"{run.load[1]} at end")  # fmt: skip
    print(f"  posts/s                    {run.rate:>10,.0f}  ({run.timed:,} posts in "
          f"{run.seconds:.1f} s; {run.before:,} counted before all were ready; "
          f"{run.recoveries} partition recoveries)")  # fmt: skip
    for n, (cpu, scored, windowed) in enumerate(
        zip(run.worker_cpu, run.worker_scored, run.worker_counted, strict=True), 1
    ):
        print(f"  worker {n} CPU per post      {run.per_post(cpu):>10.1f} µs  "
              f"({cpu:.1f} s, {cpu / run.seconds:.0%} of a core; "
              f"scored {scored:,.0f}, counted {windowed:,.0f})")  # fmt: skip
    print(f"  workers' CPU per post      {run.per_post(sum(run.worker_cpu)):>10.1f} µs")
    print(f"  broker CPU per post        {run.per_post(run.broker_cpu):>10.1f} µs  "
          f"({run.broker_cpu:.1f} s, {run.broker_cpu / run.seconds:.0%} of a core)")  # fmt: skip
    print(f"  this process CPU per post  {run.per_post(run.own_cpu):>10.1f} µs")
    print(f"  CPU of all three           {used / run.seconds:>10.2f} cores of {cores}")
    others = max(0.0, run.machine_cpu - used) / run.seconds
    print(f"  other processes meanwhile  {others:>10.2f} cores")
    # What the CPU per post allows once the cores are this run's alone: each worker gets
    # at most a core, and the workers, the broker and the producer side share them all.
    ceiling = 1e6 * min(1 / run.per_post(max(run.worker_cpu)), cores / run.per_post(used))
    print(f"  CPU-bound ceiling          {ceiling:>10,.0f} posts/s with {cores} cores free")
    if first is not None:
        print(f"  speed-up over {first.workers} worker(s)   {run.rate / first.rate:>10.2f}")


async def run(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.workers.split(",")]
    brands = [f"brand_{i:03d}" for i in range(args.brands)]
    posts = make_posts(args.posts, brands)
    work = Path(tempfile.mkdtemp(prefix="listener-scaling-"))
    write_rules(work / "rules", brands)
    setup = f"{args.brands} brands, bundle {args.bundle}, {args.partitions} partitions"
    print(f"{len(posts):,} posts, {setup}; workers {args.workers}, {args.rounds} round(s)")
    for round_ in range(args.rounds):
        first: Run | None = None
        for count in counts:
            measured = await measure(args, count, posts, work)
            report(measured, first, f"round {round_ + 1}, " if args.rounds > 1 else "")
            first = first or measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    load_options(parser)
    parser.add_argument("--workers", default="1,2", help="worker counts, in order")
    parser.add_argument("--rounds", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
