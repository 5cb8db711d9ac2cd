"""``listener connectors``: the connectors as a process of their own, beside the workers.

They are not agents of the Faust workers because their life differs from a worker's. A
source instance must be polled by exactly one process (two would publish every post
twice and race on its checkpoint), while workers come and go and rebalance partitions;
connectors wait on other people's servers (rate-limit holds, long-lived streams, an HTTP
endpoint for pushes) and must not stall the scoring of what has already arrived; and the
sources' credentials then live in one process only. The two meet only at the raw topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from listener.broker.admin import ensure_topics
from listener.broker.kafka_client import min_insync, topic_configs
from listener.broker.topics import TopicNames
from listener.connectors.loader import Instance, load_connectors
from listener.connectors.runtime.checkpoint import (
    checkpoint_topic,
    ensure_checkpoint_topic,
    load_checkpoints,
)
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.connectors.runtime.publish import Sink
from listener.connectors.runtime.runner import Runner
from listener.errors import BrokerError, ConfigError, ConfigIssue
from listener.settings import Settings

log = logging.getLogger(__name__)

#: The connectors' metrics port; the worker's is 6066.
DEFAULT_METRICS_PORT: Final = 6067


def _bootstrap(settings: Settings) -> str:
    if not settings.kafka_bootstrap:
        raise BrokerError(
            "LISTENER_KAFKA_BOOTSTRAP is not set: the connectors publish to a broker, "
            "they do not start one"
        )
    return settings.kafka_bootstrap


@asynccontextmanager
async def connectors_running(
    settings: Settings, instances: Sequence[Instance], registry: CollectorRegistry
) -> AsyncIterator[Runner]:
    """The instances running against ``settings.kafka_bootstrap`` until the block ends;
    topics are created if missing and checkpoints read back first."""
    bootstrap = _bootstrap(settings)
    names = TopicNames.for_settings(settings)
    raw = names.raw
    checkpoints = checkpoint_topic(settings)
    rf = settings.replication_factor
    configs = topic_configs(settings, names)
    await ensure_topics(bootstrap, [raw], settings.partitions, rf, configs=configs)
    await ensure_checkpoint_topic(bootstrap, checkpoints, rf, min_insync(settings))
    stored = await load_checkpoints(bootstrap, checkpoints)
    log.info("%d connector checkpoints read from %s", len(stored), checkpoints)
    async with Sink(bootstrap, raw, checkpoints) as sink:
        runner = Runner(sink, stored, ConnectorMetrics.create(registry))
        try:
            runner.start(instances)
            yield runner
        finally:
            await runner.stop()


def metrics_app(registry: CollectorRegistry) -> web.Application:
    """``/metrics`` for Prometheus and ``/healthz`` for the orchestrator."""

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    return app


@asynccontextmanager
async def serving_metrics(host: str, port: int, registry: CollectorRegistry) -> AsyncIterator[None]:
    # A scrape sends its request at once: a connection silent for longer is closed.
    runner = web.AppRunner(
        metrics_app(registry), access_log=None, shutdown_timeout=2.0, keepalive_timeout=10.0
    )
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise ConfigError([ConfigIssue("metrics", f"{host}:{port}", str(exc))]) from exc
        log.info("connector metrics on http://%s:%d/metrics", host, port)
        yield
    finally:
        await runner.cleanup()


async def run_connectors(
    settings: Settings, directory: Path, metrics_port: int = DEFAULT_METRICS_PORT
) -> int:
    """Run every enabled instance in ``directory`` until SIGINT or SIGTERM; the exit code.

    Raises :class:`ConfigError` for the files (every problem at once) and
    :class:`BrokerError` when Kafka cannot be reached.
    """
    instances = [i for i in load_connectors(directory) if i.config.enabled]
    if not instances:
        raise ConfigError([ConfigIssue(str(directory), "", "every connector is disabled")])
    _bootstrap(settings)
    registry = CollectorRegistry()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with (
            serving_metrics(settings.web_host, metrics_port, registry),
            connectors_running(settings, instances, registry),
        ):
            log.info(
                "%d connectors running: %s", len(instances), ", ".join(i.name for i in instances)
            )
            await stop.wait()
            log.info("stopping the connectors")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)
    return 0
