"""A worker killed with SIGKILL mid-replay, or one of two workers lost, changes nothing:
every window figure and every alert equals those of an uninterrupted run."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from listener.replay.collect import read_alerts, read_all
from listener.replay.driver import Cluster, ReplayResult, cluster, final_boundary, replay_through
from listener.replay.publish import publish, read_lines
from listener.rules.ruleset import RuleSet
from listener.settings import Settings
from listener.topics import TopicNames

#: The Intesa file spans four days: at this speed its replay lasts about nine seconds.
SPEED = 40_000.0


def alert_view(result: ReplayResult) -> dict[str, Any]:
    return {
        a.id: (a.rule, a.brand, a.severity, a.fired_at, dict(a.figures), dict(a.baseline),
               [s.key for s in a.samples])
        for a in result.alerts
    }  # fmt: skip


async def all_stats(group: Cluster, settings: Settings) -> dict[tuple[str, float], Any]:
    """Every judged window; a window judged again after a restart must say the same."""
    copies: dict[tuple[str, float], list[Any]] = defaultdict(list)
    for _, _, value in await read_all(group.bootstrap, TopicNames.for_settings(settings).stats):
        record = orjson.loads(value)
        copies[(record["brand"], record["end"])].append(record["windows"])
    for key, seen in copies.items():
        assert all(copy == seen[0] for copy in seen), f"window {key} judged differently"
    return {key: seen[0] for key, seen in copies.items()}


async def reference(
    settings: Settings, rules: RuleSet, path: Path, tmp: Path
) -> tuple[dict[str, Any], dict[tuple[str, float], Any]]:
    async with cluster(settings, tmp / "reference") as group:
        result = await replay_through(group, path, rules.step)
        return alert_view(result), await all_stats(group, settings)


async def interrupted(
    settings: Settings, rules: RuleSet, path: Path, tmp: Path, workers: int, restart: bool
) -> tuple[dict[str, Any], dict[tuple[str, float], Any], int]:
    """Replay paced, SIGKILL one worker a third of the way in, optionally start a new one."""
    names = TopicNames.for_settings(settings)
    lines = read_lines(path)
    async with cluster(settings, tmp / "interrupted", workers=workers) as group:
        sending = asyncio.create_task(publish(group.bootstrap, names.raw, lines, speed=SPEED))
        await asyncio.sleep(3.0)
        assert not sending.done(), "the replay ended before the kill: slow it down"
        group.workers[0].kill()
        if restart:
            replacement = await group.add_worker()
            await replacement.wait_ready()
        report = await sending
        assert report.last_ts is not None
        await group.wait_clock(final_boundary(report.last_ts, settings, rules.step), timeout=180)
        alerts = await read_alerts(group.bootstrap, names.alerts)
        view = alert_view(ReplayResult(report, alerts, [], []))
        recoveries = await group.samples("listener_recoveries")
        # Counters also carry a _created sample, a timestamp: not a count.
        recovered = sum(v for _, v in recoveries if v < 1e6)
        return view, await all_stats(group, settings), int(recovered)


async def test_a_worker_killed_mid_replay_and_restarted_loses_and_doubles_nothing(
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path
) -> None:
    want_alerts, want_stats = await reference(settings, rules, intesa_file, tmp_path)
    frequent = settings.model_copy(update={"snapshot_seconds": 1.0})
    got_alerts, got_stats, recovered = await interrupted(
        frequent, rules, intesa_file, tmp_path, workers=1, restart=True
    )
    assert recovered >= settings.partitions  # the new worker rebuilt every partition
    assert got_stats.keys() == want_stats.keys()
    assert got_stats == want_stats
    assert got_alerts == want_alerts
    assert any(a[2] == "critical" for a in want_alerts.values())


async def test_the_surviving_worker_takes_over_exactly(
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path
) -> None:
    want_alerts, want_stats = await reference(settings, rules, intesa_file, tmp_path)
    got_alerts, got_stats, _ = await interrupted(
        settings, rules, intesa_file, tmp_path, workers=2, restart=False
    )
    assert got_stats == want_stats
    assert got_alerts == want_alerts
