"""``listener replay`` and ``listener demo``."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

from listener.replay.driver import ReplayResult, cluster, replay_through
from listener.replay.publish import publish, read_lines
from listener.replay.report import plot, timeline
from listener.rules.loader import load_rules
from listener.settings import Settings
from listener.topics import TopicNames

#: The Intesa Sanpaolo page's wave began with the first comment about the video.
WAVE_START = datetime.fromisoformat("2017-10-03T16:30:00+02:00")
ROME_SUMMER = timedelta(hours=2)


async def replay_command(settings: Settings, args: argparse.Namespace) -> int:
    lines = read_lines(args.file)
    if not args.run:
        if not settings.kafka_bootstrap:
            print("listener: name a Kafka cluster with --bootstrap (or use --run)")
            return 2
        topic = TopicNames.for_settings(settings).raw
        report = await publish(
            settings.kafka_bootstrap, topic, lines, speed=args.speed, bundle=args.bundle
        )
        print(
            f"published {report.posts} posts in {report.messages} messages to {topic} "
            f"in {report.seconds:.1f}s"
        )
        return 0
    rules = load_rules(settings.rules_dir)
    async with cluster(settings, args.out / "run", bootstrap=settings.kafka_bootstrap) as group:
        result = await replay_through(group, args.file, rules.step, args.speed, args.bundle)
    _print_result(result, None, args.out)
    return 0


def _print_result(result: ReplayResult, offset: timedelta | None, out: Path) -> None:
    print(timeline(result.alerts, offset))
    print()
    print(
        f"{result.report.posts} posts replayed in {result.report.seconds:.1f}s; "
        f"{len(result.alerts)} alerts; {len(result.dead_letters)} dead letters"
    )
    for brand in sorted({a.brand for a in result.alerts}):
        path = plot(result.stats, result.alerts, brand, out / f"{brand}.png")
        if path is not None:
            print(f"plot: {path}")


async def demo_command(settings: Settings, args: argparse.Namespace) -> int:
    from listener.replay.scenarios import generate_intesa, write_jsonl

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rules = load_rules(settings.rules_dir)
    path = out / "intesa-2017.jsonl"
    count = write_jsonl(generate_intesa(), path)
    print(f"scenario: {count} posts, 1-4 October 2017 on the Intesa Sanpaolo page ({path})")
    print("  a reconstruction for demonstration: the texts and authors are invented")
    started = time.perf_counter()
    async with cluster(settings, out / "run") as group:
        ready = time.perf_counter() - started
        print(f"embedded broker on {group.bootstrap}; worker ready in {ready:.1f}s")
        result = await replay_through(group, path, rules.step)
    print("\nalert timeline (event time, Europe/Rome):\n")
    _print_result(result, ROME_SUMMER, out)
    critical = [a for a in result.alerts if a.severity == "critical"]
    if critical:
        first = critical[0]
        minutes = (first.fired_at - WAVE_START).total_seconds() / 60
        print(
            f"\nfirst critical alert at {first.fired_at.astimezone(WAVE_START.tzinfo):%H:%M} "
            f"event time, {minutes:.0f} minutes after the wave began at 16:30"
        )
    print(
        f"whole run {time.perf_counter() - started:.1f}s (publish "
        f"{result.timings['publish_seconds']:.1f}s, pipeline drained "
        f"{result.timings.get('drain_seconds', 0):.1f}s later)"
    )
    return 0 if critical else 1
