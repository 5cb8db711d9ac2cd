"""Two workers sharing the partitions, a worker killed with SIGKILL mid-replay, or one of two
workers lost, change nothing: every window figure and every alert equals those of one
uninterrupted worker."""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from listener.batching import STAGE_FAILED
from listener.broker.topics import TopicNames
from listener.errors import BrokerError
from listener.replay.collect import read_alerts, read_all
from listener.replay.driver import (
    Cluster,
    ReplayResult,
    cluster,
    final_boundary,
    last_agreed,
    replay_through,
)
from listener.replay.publish import publish, read_lines
from listener.rules.ruleset import RuleSet
from listener.settings import Settings

#: The Intesa file spans four days: at this speed its replay lasts about nine seconds.
SPEED = 40_000.0
#: Read by a worker's interpreter as it starts (a ``sitecustomize`` module on its path): its
#: window stage raises on the batch numbered ``LISTENER_TEST_FAIL_AT``, as a stage meeting
#: something it was not written for would.
FAILING_STAGE = """
import os
from listener.app import Pipeline

_window_batch, _batches = Pipeline.window_batch, [0]


async def window_batch(self, events):
    _batches[0] += 1
    if _batches[0] == int(os.environ["LISTENER_TEST_FAIL_AT"]):
        raise RuntimeError("the window stage met what it was not written for")
    await _window_batch(self, events)


Pipeline.window_batch = window_batch
"""


def alert_view(result: ReplayResult) -> dict[str, Any]:
    return {
        a.id: (a.rule, a.brand, a.severity, a.fired_at, dict(a.figures), dict(a.baseline),
               [s.key for s in a.samples], a.about, [s.key for s in a.own_posts],
               [s.key for s in a.published])
        for a in result.alerts
    }  # fmt: skip


async def all_stats(group: Cluster, settings: Settings) -> dict[tuple[str, float], Any]:
    """Every judged window; a window judged again after a restart must say the same."""
    copies: dict[tuple[str, float], list[Any]] = defaultdict(list)
    for _, _, value in await read_all(group.bootstrap, TopicNames.for_settings(settings).stats):
        for record in orjson.loads(value):
            copies[(record["brand"], record["end"])].append(record["windows"])
    for key, seen in copies.items():
        assert all(copy == seen[0] for copy in seen), f"window {key} judged differently"
    return {key: seen[0] for key, seen in copies.items()}


Figures = tuple[dict[str, Any], dict[tuple[str, float], Any]]


@pytest.fixture(scope="module")
def uninterrupted(
    rules: RuleSet, intesa_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Figures:
    """The alerts and window figures of one worker replaying the file undisturbed."""
    tmp = tmp_path_factory.mktemp("reference")
    settings = Settings(rules_dir=rules_dir(), partitions=4, data_dir=tmp)

    async def run() -> Figures:
        async with cluster(settings, tmp / "reference") as group:
            result = await replay_through(group, intesa_file, rules.step)
            return alert_view(result), await all_stats(group, settings)

    return asyncio.run(run())


def rules_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "rules"


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
        last = last_agreed(lines, time.time())  # where the clock stops: two posts agree
        assert last is not None
        try:
            await group.wait_clock(final_boundary(last, settings, rules.step), timeout=180)
        except BrokerError as exc:  # the logs go with the temporary directory: show them
            raise AssertionError(f"{exc}\n{log_tails(group)}") from exc
        alerts = await read_alerts(group.bootstrap, names.alerts)
        view = alert_view(ReplayResult(report, alerts, [], []))
        recoveries = await group.samples("listener_recoveries")
        # Counters also carry a _created sample, a timestamp: not a count.
        recovered = sum(v for _, v in recoveries if v < 1e6)
        return view, await all_stats(group, settings), int(recovered)


def log_tails(group: Cluster, lines: int = 40) -> str:
    """The last lines of every worker's log."""
    return "\n".join(
        f"--- {worker.log_file.name}\n"
        + "\n".join(worker.log_file.read_text(errors="replace").splitlines()[-lines:])
        for worker in group.workers
        if worker.log_file.exists()
    )


async def test_two_workers_share_the_partitions_and_agree_with_one(
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path, uninterrupted: Figures
) -> None:
    want_alerts, want_stats = uninterrupted
    async with cluster(settings, tmp_path / "shared", workers=2) as group:
        result = await replay_through(group, intesa_file, rules.step)
        got_stats = await all_stats(group, settings)
        names = TopicNames.for_settings(settings)
        shares = [
            (
                await group.samples_of(worker, "listener_posts_received"),
                await group.samples_of(worker, "listener_partitions_assigned", topic=names.scored),
            )
            for worker in group.workers
        ]
    # Each worker read raw posts and owned scored partitions: the work was shared (one
    # brand's posts all go to one scored partition, so only one of them counts windows).
    assert all(received > 0 and owned > 0 for received, owned in shares), shares
    assert sum(owned for _, owned in shares) == settings.partitions
    assert got_stats == want_stats
    assert alert_view(result) == want_alerts


async def test_a_worker_killed_mid_replay_and_restarted_loses_and_doubles_nothing(
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path, uninterrupted: Figures
) -> None:
    want_alerts, want_stats = uninterrupted
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
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path, uninterrupted: Figures
) -> None:
    want_alerts, want_stats = uninterrupted
    got_alerts, got_stats, _ = await interrupted(
        settings, rules, intesa_file, tmp_path, workers=2, restart=False
    )
    assert got_stats == want_stats
    assert got_alerts == want_alerts


async def test_a_stage_that_fails_ends_its_worker_and_a_new_one_loses_and_doubles_nothing(
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path, uninterrupted: Figures
) -> None:
    """Left to Faust, the failed agent is started again and the worker runs on without the
    batch it failed on: the event clock stalls, silently. The worker ends instead, with its
    own status, and a new one resumes from the last commit."""
    want_alerts, want_stats = uninterrupted
    names = TopicNames.for_settings(settings)
    lines = read_lines(intesa_file)
    fault = tmp_path / "fault"
    fault.mkdir()
    (fault / "sitecustomize.py").write_text(FAILING_STAGE)
    path = os.pathsep.join(p for p in (str(fault), os.environ.get("PYTHONPATH")) if p)
    async with cluster(settings, tmp_path / "failing", workers=0) as group:
        failing = await group.add_worker({"PYTHONPATH": path, "LISTENER_TEST_FAIL_AT": "20"})
        await failing.wait_ready()
        sending = asyncio.create_task(publish(group.bootstrap, names.raw, lines, speed=SPEED))
        process = failing.process
        assert process is not None
        waited = 0.0
        while process.poll() is None and waited < 60.0:
            await asyncio.sleep(0.2)
            waited += 0.2
        assert process.returncode == STAGE_FAILED, log_tails(group)
        assert "window_batch failed on a batch of events" in failing.log_file.read_text()
        # Whoever waits for the clock hears at once that no worker is left to move it.
        ended = f"every worker has ended .exit status {STAGE_FAILED}"
        with pytest.raises(BrokerError, match=ended):
            await group.wait_clock(float("inf"), timeout=30)
        replacement = await group.add_worker()
        await replacement.wait_ready()
        report = await sending
        last = last_agreed(lines, time.time())
        assert last is not None
        try:
            await group.wait_clock(final_boundary(last, settings, rules.step), timeout=180)
        except BrokerError as exc:
            raise AssertionError(f"{exc}\n{log_tails(group)}") from exc
        alerts = await read_alerts(group.bootstrap, names.alerts)
        got_alerts = alert_view(ReplayResult(report, alerts, [], []))
        got_stats = await all_stats(group, settings)
    assert got_stats == want_stats
    assert got_alerts == want_alerts
