"""One replay through the real pipeline, in a namespace of its own.

The broker is the embedded one (started for the run) or the cluster named; either way the
run's topics and consumer group are its own (:mod:`listener.replay.namespace`), so live
workers on the same cluster keep their partitions and never see the replay's posts, and
the worker's messages go to local stand-ins unless live notifiers are asked for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from listener.broker.topics import TopicNames
from listener.connectors.base import cancel_and_wait
from listener.errors import BrokerError
from listener.incidents.lifecycle.actions import Notify
from listener.replay.collect import read_all
from listener.replay.driver import Cluster, ReplayResult, cluster, replay_lines
from listener.replay.namespace import (
    copy_rules,
    drop_topics,
    isolated,
    run_name,
    run_topics,
    stand_ins,
)
from listener.replay.progress import Progress
from listener.replay.publish import Line
from listener.replay.report import Produced
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import RuleSet
from listener.settings import Settings

log = logging.getLogger(__name__)

#: How often the progress line is fed while the pipeline drains.
WATCH_SECONDS = 1.0


@dataclass(frozen=True)
class Options:
    """How to replay: pace, bundling, worker processes, the zone of messages, live
    notifiers or stand-ins."""

    speed: float | None = None
    bundle: int = 1
    #: Worker processes sharing the run's partitions (more than the partitions sit idle).
    workers: int = 1
    zone_name: str = "Europe/Rome"
    live_notifiers: bool = False


@dataclass
class Outcome:
    """A finished replay: what the pipeline produced, and where it ran."""

    name: str
    result: ReplayResult
    notices: list[Notify]
    rules: RuleSet
    #: Messages the stand-ins received (None with live notifiers).
    received: int | None
    #: The run's topics deleted from the cluster after it (none on an embedded broker).
    dropped: list[str] = field(default_factory=list)

    def produced(self) -> Produced:
        channels = {pid: len(p.channels) for pid, p in self.rules.owners.people.items()}
        r = self.result
        return Produced(r.alerts, r.stats, r.transitions, self.notices, channels)


async def replay_isolated(
    settings: Settings,
    lines: Sequence[Line],
    out: Path,
    options: Options,
    progress: Progress,
) -> Outcome:
    """Replay ``lines`` in a namespace of their own on ``settings.kafka_bootstrap`` (an
    embedded broker when empty, else the run's topics are deleted after it, however it
    ended); the rules copy, worker logs and data go under ``out``."""
    name = run_name()
    dropped: list[str] = []
    async with AsyncExitStack() as stack:
        if settings.kafka_bootstrap:  # a cluster others use: leave nothing of the run on it
            names = run_topics(isolated(settings, name, out / "rules"))
            stack.push_async_callback(_drop, settings.kafka_bootstrap, names, dropped)
        env: dict[str, str] = {}
        notifiers: str | None = None
        sinks = None
        if not options.live_notifiers:
            sinks = await stack.enter_async_context(stand_ins())
            notifiers, env = sinks.notifiers(options.zone_name), sinks.env
        rules = load_rules(copy_rules(settings.rules_dir, out / "rules", notifiers))
        local = isolated(settings, name, out / "rules", options.bundle)
        group = await stack.enter_async_context(
            cluster(local, out / "run", options.workers, settings.kafka_bootstrap or None, env)
        )
        async with _watch(group, progress, lines[-1].ts if lines else None):
            result = await replay_lines(
                group, lines, rules.step, options.speed, options.bundle, progress.published,
                checked=True,
            )  # fmt: skip
        notices = await read_notices(group)
        received = None if sinks is None else sinks.received
    progress.done()
    return Outcome(name, result, notices, rules, received, dropped)


async def _drop(bootstrap: str, names: Sequence[str], dropped: list[str]) -> None:
    """Delete the run's topics once its worker has stopped; a failure is logged, never
    raised over what ended the run."""
    try:
        dropped.extend(await drop_topics(bootstrap, names))
    except BrokerError as exc:
        log.warning("the replay's topics were left on the cluster: %s", exc)


async def read_notices(group: Cluster) -> list[Notify]:
    """Every notification the incident agents decided, once each (a worker that took over
    may have written some again, with the same ids)."""
    topic = TopicNames.for_settings(group.settings).notifications
    seen: dict[str, Notify] = {}
    for _, _, value in await read_all(group.bootstrap, topic):
        notify = Notify.loads(value)
        seen.setdefault(notify.id, notify)
    return sorted(seen.values(), key=lambda n: (n.due_at, n.incident.id, n.id))


@asynccontextmanager
async def _watch(group: Cluster, progress: Progress, last: float | None) -> AsyncIterator[None]:
    """While the body runs, feed the progress line how far event time has been judged."""

    async def tell() -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if progress.publishing:
                continue
            clocks = await group.clocks()
            progress.judging(min(clocks) if clocks else None, last)

    task = asyncio.create_task(tell()) if progress.shown else None
    try:
        yield
    finally:
        if task is not None:
            await cancel_and_wait(task)
