"""``listener worker``: one worker process of the pipeline."""

from __future__ import annotations

import asyncio
import logging

import faust

from listener.broker.admin import ensure_topics
from listener.errors import ListenerError
from listener.kafka_client import topic_configs
from listener.rules.loader import load_rules
from listener.settings import Settings
from listener.topics import TopicNames

log = logging.getLogger(__name__)


def _need_bootstrap(settings: Settings) -> None:
    if not settings.kafka_bootstrap:
        raise ListenerError(
            "LISTENER_KAFKA_BOOTSTRAP is not set: name a Kafka cluster (host:port), or start "
            "the embedded one with `listener broker` and use 127.0.0.1:9092"
        )


async def create_topics(settings: Settings) -> tuple[str, ...]:
    """Create listener's missing topics on ``settings.kafka_bootstrap``, each with its
    partitions, replicas and configs; returns every topic's name."""
    _need_bootstrap(settings)
    names = TopicNames.for_settings(settings)
    await ensure_topics(
        settings.kafka_bootstrap,
        names.all(),
        settings.partitions,
        settings.replication_factor,
        configs=topic_configs(settings, names),
    )
    return names.all()


def run_worker(settings: Settings) -> int:
    """Validate the rules, create missing topics, then run until stopped."""
    _need_bootstrap(settings)
    rules = load_rules(settings.rules_dir)
    asyncio.run(create_topics(settings))
    asyncio.set_event_loop(asyncio.new_event_loop())
    from listener.app import make_app

    app = make_app(settings, rules, settings.kafka_bootstrap)
    worker = faust.Worker(
        app,
        loglevel=settings.log_level.replace("warning", "warn"),
        quiet=True,
    )
    worker.execute_from_commandline()  # returns only through SystemExit
    return 0
