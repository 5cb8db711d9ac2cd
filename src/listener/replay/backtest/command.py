"""Running the backtest: build the scenarios, replay each batch through the real pipeline,
judge every row, print the table and write the JSON report."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from listener.connectors.base import cancel_and_wait
from listener.errors import ScenarioError
from listener.incidents.lifecycle.policy import Policies
from listener.replay.backtest import compare
from listener.replay.backtest.batches import Batch, first_group, plan, write_rules
from listener.replay.backtest.judge import Row, Seen, judge, zone_of
from listener.replay.backtest.output import BatchRun, report, summary, table
from listener.replay.driver import Cluster, cluster, replay_through
from listener.replay.report import Produced, RunInfo, write_report
from listener.replay.report.saved import SAVED, save
from listener.replay.run import read_notices
from listener.replay.scenarios import write_jsonl
from listener.replay.scenarios.catalog import Entry, Scenario, library
from listener.rules.files.issues import did_you_mean
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import RuleSet
from listener.settings import Settings

#: Posts the windows counted after judging a window that held them, and posts refused as
#: too old: a run with any is not the replay its scenarios describe.
LATE: Final = "listener_window_posts_late_total"
TOO_LATE: Final = "listener_window_posts_too_late_total"
#: How often the progress line says how far event time has got while a batch replays.
PROGRESS_SECONDS: Final = 5.0


def say(text: str) -> None:
    """Progress goes to stderr, so stdout holds only the table."""
    print(text, file=sys.stderr, flush=True)


def select(names: Sequence[str], entries: Mapping[str, Entry]) -> list[Entry]:
    """The entries named (each once, in the order given), or the whole library."""
    if not names:
        return list(entries.values())
    unknown = [name for name in names if name not in entries]
    if unknown:
        hint = did_you_mean(unknown[0], entries)
        known = ", ".join(entries)
        raise ScenarioError(f'unknown scenario "{unknown[0]}"{hint}; the library has {known}')
    return [entries[name] for name in dict.fromkeys(names)]


async def backtest_command(settings: Settings, args: argparse.Namespace) -> int:
    entries = library()
    if args.list:
        for entry in entries.values():
            print(f"{entry.name:<20} {entry.summary}")
        return 0
    chosen = select(args.scenarios, entries)
    if args.against is not None:
        return await _compare(settings, args, chosen)
    rows, runs, meta = await _backtest(settings, args, chosen, args.out)
    print(table(rows))
    print()
    print(summary(rows, meta["seconds"]))
    path: Path = args.json or args.out / "backtest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report(runs, rows, meta))
    say(f"report: {path}")
    return 0 if args.no_fail or all(row.passed for row in rows) else 1


async def _backtest(
    settings: Settings, args: argparse.Namespace, chosen: Sequence[Entry], out: Path
) -> tuple[list[Row], list[BatchRun], dict[str, Any]]:
    """Every chosen scenario for every seed, with the rules of ``settings``: the rows in
    the library's order, the runs, and what the JSON report says about the backtest."""
    started = time.perf_counter()
    owners = args.owners or first_group(settings.rules_dir)
    say(f"building {len(chosen)} scenarios for seeds {', '.join(map(str, args.seeds))}")
    by_seed = {seed: [entry.build(seed) for entry in chosen] for seed in args.seeds}
    batches = plan(by_seed, args.max_minutes)
    runs = await run_all(batches, args.jobs, settings, owners, out, not args.no_report)
    order = {entry.name: index for index, entry in enumerate(chosen)}
    rows = sorted((r for run in runs for r in run.rows), key=lambda r: (order[r.scenario], r.seed))
    meta = {
        "rules_dir": str(settings.rules_dir),
        "owners": owners,
        "seeds": list(args.seeds),
        "scenarios": [entry.name for entry in chosen],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return rows, runs, meta


async def _compare(settings: Settings, args: argparse.Namespace, chosen: Sequence[Entry]) -> int:
    """The same scenarios through rule set A (--rules) and B (--against), side by side."""
    other = settings.model_copy(update={"rules_dir": args.against})
    label_a, label_b = str(settings.rules_dir), str(args.against)
    found = []
    for side, rules in (("A", settings), ("B", other)):
        say(f"rule set {side}: {rules.rules_dir}")
        rows, runs, meta = await _backtest(rules, args, chosen, args.out / side)
        (args.out / side).mkdir(parents=True, exist_ok=True)
        (args.out / side / "backtest.json").write_bytes(report(runs, rows, meta))
        found.append(rows)
    paired = compare.pairs(*found)
    print(compare.table(paired))
    print()
    print(compare.summary(paired, label_a, label_b))
    page = args.out / "compare.html"
    page.write_text(compare.page(paired, label_a, label_b), encoding="utf-8")
    data = orjson.dumps(compare.as_dict(paired, label_a, label_b), option=orjson.OPT_INDENT_2)
    (args.out / "compare.json").write_bytes(data)
    say(f"report: {page}")
    return 0


async def run_all(
    batches: Sequence[Batch],
    jobs: int,
    settings: Settings,
    owners: str,
    out: Path,
    pages: bool = True,
) -> list[BatchRun]:
    """Every batch, ``jobs`` at a time, the largest first. After an error no batch starts,
    those under way finish (stopping their broker and worker), and the first is raised."""
    gate = asyncio.Semaphore(jobs)
    errors: list[Exception] = []

    async def one(batch: Batch) -> BatchRun | None:
        async with gate:
            if errors:
                return None
            try:
                return await run_batch(batch, len(batches), settings, owners, out, pages)
            except Exception as exc:
                errors.append(exc)
                return None

    largest = sorted(batches, key=lambda batch: -batch.minutes)
    done = await asyncio.gather(*(one(batch) for batch in largest))
    if errors:
        raise errors[0]
    return sorted((run for run in done if run is not None), key=lambda run: run.batch.number)


async def run_batch(
    batch: Batch, count: int, settings: Settings, owners: str, out: Path, pages: bool = True
) -> BatchRun:
    """Replay one batch on a broker and worker of its own, and judge its scenarios; with
    ``pages``, write the run's report (report.html...) into its directory."""
    where = out / f"batch-{batch.number}"
    rules_dir = write_rules(settings.rules_dir, where / "rules", batch.brands, owners)
    rules = load_rules(rules_dir)
    posts = batch.merged()
    run = BatchRun(batch, rules_dir, where / "posts.jsonl")
    write_jsonl(posts, run.replay_file)
    names = ", ".join(s.name for s in batch.scenarios)
    tag = f"batch {batch.number} of {count}"
    say(
        f"{tag} (seed {batch.seed}): {names}; {len(posts)} posts over {batch.minutes} "
        "brand-minutes; starting a broker and worker"
    )
    local = settings.model_copy(update={"rules_dir": rules_dir})
    began = time.perf_counter()
    # Always an embedded broker of the run's own: a fresh one per batch is what keeps each
    # brand's windows and incidents to the batch's scenarios.
    async with cluster(local, where / "run") as group:
        run.timings["ready_seconds"] = time.perf_counter() - began
        say(f"{tag}: worker ready in {run.timings['ready_seconds']:.1f}s; publishing the posts")
        async with _progress(group, tag, posts[-1].ts if posts else None):
            result = await replay_through(group, run.replay_file, rules.step)
        notices = await read_notices(group)
        run.late = int(sum([await group.samples_of(w, LATE) for w in group.workers]))
        run.too_late = int(sum([await group.samples_of(w, TOO_LATE) for w in group.workers]))
    run.timings.update(result.timings)
    run.timings["total_seconds"] = time.perf_counter() - began
    run.alerts, run.dead_letters = len(result.alerts), len(result.dead_letters)
    _say_done(tag, run, result.report.posts, len(notices))
    run.rows = [
        judge_one(s, rules, Seen.of_brand(s.brand.id, result.alerts, result.transitions, notices))
        for s in batch.scenarios
    ]
    if pages:
        produced = Produced(
            result.alerts, result.stats, result.transitions, notices, _channels(rules)
        )
        _write_page(batch, tag, settings.rules_dir, produced, where)
    return run


def _say_done(tag: str, run: BatchRun, posts: int, notices: int) -> None:
    say(
        f"{tag}: published {posts} posts in {run.timings['publish_seconds']:.1f}s; "
        f"{run.alerts} alerts, {notices} notifications; batch took "
        f"{run.timings['total_seconds']:.1f}s"
    )
    if run.late or run.too_late:
        say(
            f"{tag}: warning: {run.late} posts counted late and {run.too_late} refused as too "
            "late: the windows did not see the posts as the scenarios wrote them"
        )


def _channels(rules: RuleSet) -> dict[str, int]:
    return {person_id: len(p.channels) for person_id, p in rules.owners.people.items()}


def _write_page(batch: Batch, tag: str, source: Path, produced: Produced, where: Path) -> None:
    """The batch's report, in the first scenario's local time."""
    zone = zone_of(batch.scenarios[0])
    names = ", ".join(s.name for s in batch.scenarios)
    info = RunInfo(
        f"Backtest {tag} (seed {batch.seed}): {names}", zone, str(zone),
        sum(len(s.posts) for s in batch.scenarios), (f"rules of {source}",),
    )  # fmt: skip
    meta = {"title": info.title, "zone": info.zone_name, "posts": info.posts,
            "facts": list(info.facts)}  # fmt: skip
    save(produced, where / "report" / SAVED, meta)
    # No PNGs: they are the slow part, and `listener report` draws them from run.json.
    say(f"{tag}: report {write_report(produced, info, where / 'report', pngs=False)[0]}")


def judge_one(scenario: Scenario, rules: RuleSet, seen: Seen) -> Row:
    channels = _channels(rules)
    policies = Policies.build(rules, rules.risks)
    return judge(scenario, seen, channels, policies.risk_name)


@asynccontextmanager
async def _progress(group: Cluster, tag: str, last: float | None) -> AsyncIterator[None]:
    """While the body runs, say every few seconds how far event time has been judged."""

    async def tell() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            clocks = await group.clocks()
            if not clocks or last is None:
                say(f"{tag}: waiting for the pipeline")
                continue
            now = f"{datetime.fromtimestamp(min(clocks), UTC):%Y-%m-%d %H:%M}"
            end = f"{datetime.fromtimestamp(last, UTC):%Y-%m-%d %H:%M}"
            say(f"{tag}: waiting for the pipeline, event time {now} of {end} UTC")

    task = asyncio.create_task(tell())
    try:
        yield
    finally:
        await cancel_and_wait(task)
