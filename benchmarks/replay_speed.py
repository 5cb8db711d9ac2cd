"""How fast a large replay goes through the real pipeline, as ``listener replay --run`` does it.

Generates a replay file (English posts about generated brands, 20 a second of event time:
``--posts 1000000`` is about 14 hours of 50 brands), then times each step of what the command
does with it: reading and checking every line, starting an embedded broker and a worker in
the run's own namespace, publishing (bundled), waiting until every window is judged and
every incident and notification processed, reading back what the pipeline produced, and
writing the report. Prints posts per second, wall time and peak memory (this process's from
after generating the file, which alone takes about 4 GiB for a million posts).

    .venv/bin/python benchmarks/replay_speed.py [--posts 1000000] [--brands 50] [--bundle 100]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from throughput import make_posts, write_rules

from listener.replay.inputs import check_file
from listener.replay.progress import Progress
from listener.replay.report import RunInfo, write_report
from listener.replay.run import Options, Outcome, replay_isolated
from listener.settings import Settings

ZONE = "Europe/Rome"


def peak_mb(who: int) -> float:
    """Peak resident memory in MiB of the largest child waited for (RUSAGE_CHILDREN: the
    worker or the broker, once stopped), or of this process since :func:`reset_peak`."""
    if who == resource.RUSAGE_SELF:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(who).ru_maxrss / 1024


def reset_peak() -> bool:
    """Forget this process's peak memory so far (Linux: clear_refs 5), so the figure is
    the replay's, not the generator's; whether it could."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def generate(path: Path, posts: int, brands: list[str]) -> float:
    started = time.perf_counter()
    with path.open("wb") as out:
        for line in make_posts(posts, brands):
            out.write(line + b"\n")
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="listener-replay-bench-"))
    brands = [f"brand_{i:03d}" for i in range(args.brands)]
    write_rules(work / "rules", brands)
    path = work / "posts.jsonl"
    generated = generate(path, args.posts, brands)
    size = path.stat().st_size / 1e6
    print(f"generated {args.posts:,} posts ({size:.0f} MB) in {generated:.1f}s: {path}")
    gc.collect()
    args.peak_reset = reset_peak()
    progress = Progress.wanted(args.progress, 0, ZoneInfo(ZONE))
    started = time.perf_counter()
    checked = check_file(path, on_checked=progress.checking)
    check_s = time.perf_counter() - started
    progress.total = len(checked.lines)
    settings = Settings(rules_dir=work / "rules", partitions=args.partitions)
    options = Options(bundle=args.bundle, workers=args.workers, zone_name=ZONE)
    outcome = await replay_isolated(settings, checked.lines, work / "out", options, progress)
    replayed_s = time.perf_counter() - started - check_s
    report_started = time.perf_counter()
    info = RunInfo("Replay speed", ZoneInfo(ZONE), ZONE, outcome.result.report.posts)
    write_report(outcome.produced(), info, work / "out")
    report_s = time.perf_counter() - report_started
    wall = time.perf_counter() - started
    _print(args, outcome, (check_s, replayed_s, report_s, wall))


def _print(args: argparse.Namespace, outcome: Outcome, seconds: tuple[float, ...]) -> None:
    check_s, replayed_s, report_s, wall = seconds
    result, timings = outcome.result, outcome.result.timings
    pipeline = timings["publish_seconds"] + timings.get("drain_seconds", 0)
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = [
        ("posts", f"{result.report.posts:,} in {result.report.messages:,} messages "
         f"(bundles of {args.bundle}), {args.brands} brands, {args.partitions} partitions, "
         f"{args.workers} worker(s)"),
        ("reading and checking every line", f"{check_s:.1f} s"),
        ("broker and worker start, replay, drain, incidents, read back", f"{replayed_s:.1f} s"),
        ("  publishing", f"{timings['publish_seconds']:.1f} s"),
        ("  windows judged to the end after publishing", f"{timings['drain_seconds']:.1f} s"),
        ("  incidents and notifications after that", f"{timings['incidents_seconds']:.1f} s"),
        ("posts per second, publishing to every window judged",
         f"{result.report.posts / pipeline:,.0f}"),
        ("report written", f"{report_s:.1f} s"),
        ("wall time, reading the file to the report written", f"{wall:.1f} s"),
        ("alerts, judged brand-minutes", f"{len(result.alerts)}, {len(result.stats):,}"),
        ("peak memory, this process (reading to report)" if args.peak_reset else
         "peak memory, this process (generating included)",
         f"{peak_mb(resource.RUSAGE_SELF):.0f} MiB"),
        ("peak memory, largest child (worker or broker)",
         f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MiB"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--brands", type=int, default=50)
    parser.add_argument("--bundle", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--progress", action="store_true", help="progress line on stderr")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
