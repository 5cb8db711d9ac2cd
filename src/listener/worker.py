"""``listener worker``: one worker process of the pipeline."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading

import faust

from listener import native
from listener.broker.admin import ensure_topics
from listener.broker.kafka_client import topic_configs
from listener.broker.topics import TopicNames
from listener.errors import ListenerError
from listener.ops.logs import logging_config
from listener.rules.files.loader import load_rules
from listener.settings import Settings

log = logging.getLogger(__name__)

#: The collector's thresholds in a worker: the young generation collected after 100,000
#: allocations instead of 700, the middle one after 20 of those (see ``_settle_collector``).
GC_THRESHOLDS = (100_000, 20, 10)


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
    _data_dir(settings)
    asyncio.run(create_topics(settings))
    asyncio.set_event_loop(asyncio.new_event_loop())
    from listener.app import make_app

    app = make_app(settings, rules, settings.kafka_bootstrap)
    worker = _Worker(
        app,
        loglevel=settings.log_level.replace("warning", "warn"),
        logging_config=logging_config(settings.log_level, settings.log_format),
        quiet=True,
    )
    worker.shutdown_seconds = settings.shutdown_seconds
    _settle_collector()
    worker.execute_from_commandline()  # returns only through SystemExit
    return 0


def _settle_collector() -> None:
    """Keep the garbage collector off the worker's hot path. What is built before the
    worker runs (the rules, the language and sentiment models, the app) lives as long as
    the process: frozen, a collection never walks it again.

    What the worker builds as it runs is freed by reference counting: replaying 50,000
    posts left about 6,000 objects in cycles, nearly all from starting and connecting. But
    what each post adds to its brand's windows lives for the windows' hour of event time,
    and every collection of a younger generation promoted what it found alive: each full
    collection then walked every brand's windows, more than a second with 10,000 brands.
    Replaying history or catching up, an hour of event time passes in seconds: with
    :data:`GC_THRESHOLDS`, most of a window's objects are gone before a collection of the
    middle generation could promote them (docs/benchmarks.md, "Many brands")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _data_dir(settings: Settings) -> None:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ListenerError(
            f"LISTENER_DATA_DIR={settings.data_dir}: cannot create it ({exc.strerror})"
        ) from exc


class _Worker(faust.Worker):
    """Faust's worker, with a bound on how long stopping may take.

    Stopping waits for the Kafka clients to leave the group and commit, which never ends
    while the broker is unreachable: the worker then ignored SIGTERM until killed. A
    thread, which needs no event loop, ends the process once ``shutdown_seconds`` have
    passed. Nothing is lost: window, incident and delivery state are rebuilt from Kafka.
    """

    shutdown_seconds: float = 20.0

    async def on_first_start(self) -> None:
        log.info("hot modules: %s", native.state())  # listener/native/
        await super().on_first_start()

    def _schedule_shutdown(self, signal_: signal.Signals) -> None:
        if not self._signal_stop_time:
            log.info("stopping (%s); at most %.0fs", signal_.name, self.shutdown_seconds)
            timer = threading.Timer(self.shutdown_seconds, _exit_now, (self.shutdown_seconds,))
            timer.daemon = True
            timer.start()
        super()._schedule_shutdown(signal_)


def _exit_now(seconds: float) -> None:
    log.error("not stopped cleanly within %.0fs (is the broker reachable?): exiting", seconds)
    logging.shutdown()
    os._exit(1)
