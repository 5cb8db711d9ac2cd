"""The Faust application: thin agents that move messages between topics and the stages.

``make_app`` is a factory: no module-level app, no globals. The work is done by
:class:`~listener.enrich.stage.ScoringStage` and :class:`~listener.windows.stage.WindowStage`,
which are tested without a broker; the incident side (incident log, engine, deliveries,
API) is wired by :class:`~listener.incidents.runtime.agents.IncidentAgents`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, cast

import faust
from faust.types import TP, EventT
from prometheus_client import CollectorRegistry

from listener.batching import batch_agent
from listener.broker.kafka_client import faust_credentials
from listener.broker.topics import TopicNames
from listener.broker.transport import SCHEME as TRANSPORT_SCHEME
from listener.broker.transport import TablelessManager
from listener.broker.transport import register as register_transport
from listener.enrich.stage import Prepared, RawMessage, ScoreResult, ScoringStage, scored_messages
from listener.incidents.runtime.agents import IncidentAgents
from listener.ops.liveness import serve_liveness
from listener.ops.metrics import Metrics
from listener.ops.monitor import REFRESH_SECONDS, OpsMonitor, matched_by_source
from listener.ops.pages import serve_pages
from listener.records import Alert, DeadLetter, ScoredBatch
from listener.rules.live import LiveRules, Reloader
from listener.rules.ruleset import RuleSet
from listener.rules.runtime import build_enricher, build_judge, window_config
from listener.settings import Settings
from listener.windows.judging import Outcome
from listener.windows.stage import WindowStage
from listener.windows.stats import WindowStats, stats_messages
from listener.windows.upstream import waited

log = logging.getLogger(__name__)

#: Oldest fetch answer that still tells whether a raw partition is caught up. A healthy
#: consumer hears every partition at least every fetch wait (100 ms, broker/transport.py).
HIGHWATER_FRESH_SECONDS = 1.0


class Pipeline:
    """Everything the agents of one worker share: stages, topics, metrics."""

    def __init__(self, app: faust.App, settings: Settings, rules: RuleSet, bootstrap: str) -> None:
        self.app = app
        self.settings = settings
        self.names = TopicNames.for_settings(settings)
        self.registry = CollectorRegistry()
        self.metrics = Metrics.create(self.registry)
        self.ops = OpsMonitor(self.metrics, self.names, bootstrap, settings.brand_metrics_limit)
        self.scoring = ScoringStage(
            Prepared(lambda: build_enricher(rules)),  # built as it joins: ListenerApp
            settings.dedupe_seconds,
            live_delay_seconds=settings.live_delay_seconds,
            lateness_learning_seconds=settings.lateness_learning_seconds,
        )
        self.windows = WindowStage(
            window_config(rules, settings),
            build_judge(rules),
            bootstrap,
            self.names.scored,
            self.names.snapshots,
            settings.snapshot_seconds,
        )
        self._last_marks: tuple[Any, ...] | None = None
        #: Per scored partition: the boundary judged and published; and the posts counted
        #: since the start (listener_window_posts_counted_total): for /health/windows.
        self.judged_to: dict[int, float] = {}
        self.counted = 0
        #: Held from scoring a batch until its marks are sent: the marks timer must not
        #: announce how far a batch got while its posts are still being sent (a send can
        #: wait on a full producer buffer), or the windows would close before they arrive.
        self._scoring = asyncio.Lock()

        def topic(name: str) -> faust.TopicT:
            return app.topic(
                name, key_serializer="raw", value_serializer="raw", partitions=settings.partitions
            )

        self.raw = topic(self.names.raw)
        self.scored = topic(self.names.scored)
        self.alerts = topic(self.names.alerts)
        self.dead = topic(self.names.dead_letter)
        self.snapshots = topic(self.names.snapshots)
        self.stats = topic(self.names.stats)
        self.incidents = IncidentAgents(
            app, settings, rules, bootstrap, self.metrics, self.dead_letters
        )
        #: The live rules; each agent takes a reloaded configuration at its next batch.
        self.live: LiveRules[dict[str, Callable[[], None]]] = LiveRules(
            settings.rules_dir, rules, self._prepare
        )
        self.reloader = Reloader(self.live, self.metrics.rules, settings.rules_watch_seconds)
        self._generations: dict[str, int] = {}
        self.incidents.adopt = self.adopt
        self.incidents.api.rules = self.reloader

    def _prepare(self, live: RuleSet, new: RuleSet) -> dict[str, Callable[[], None]]:
        """Build everything the agents make of ``new`` (see listener.rules.live); raises
        ConfigError, with the live rules untouched, for what cannot be used."""
        enricher = build_enricher(new)
        config, judge = window_config(new, self.settings), build_judge(new)

        def score() -> None:
            self.scoring.enricher = enricher

        def window() -> None:
            self.windows.reconfigure(config, judge)

        return {"score": score, "window": window, **self.incidents.prepare(new)}

    def adopt(self, agent: str) -> None:
        """At the start of one of ``agent``'s batches: put newly reloaded rules in force."""
        taken = self.live.take(self._generations.get(agent, 1))
        if taken is not None:
            self._generations[agent], apply = taken[0], taken[1][agent]
            apply()

    def highwater(self, partition: int) -> int | None:
        """The broker's end offset of a raw partition, as of a fetch answer younger than
        HIGHWATER_FRESH_SECONDS; None when there is no such answer. A partition is only
        seen to be caught up on fresh news: after a rebalance or a stalled process the
        last answer is old, and posts published since would be judged late."""
        consumer = cast(Any, self.app.consumer)
        end, at = consumer.highwater_seen(TP(self.names.raw, partition))
        if end is None or at is None or time.time() - at > HIGHWATER_FRESH_SECONDS:
            return None
        return int(end)

    def owned(self, topic: str) -> set[int]:
        return {tp.partition for tp in self.app.consumer.assignment() if tp.topic == topic}

    async def score_batch(self, events: list[EventT[Any]]) -> None:
        started = time.perf_counter()
        async with self._scoring:
            self.adopt("score")
            result = await self._score_and_send(events)
        for source, count in result.received.items():
            self.metrics.posts_received.labels(source).inc(count)
        for source, count in matched_by_source(result.by_brand).items():
            self.metrics.posts_matched.labels(source).inc(count)
        self.ops.processed((e.message.tp, e.message.offset) for e in events)
        self.metrics.posts_duplicate.inc(result.duplicates)
        self.metrics.posts_unmatched.inc(result.unmatched)
        self.metrics.batch_seconds.labels("score").observe(time.perf_counter() - started)
        self.metrics.batch_size.labels("score").observe(len(events))

    async def _score_and_send(self, events: list[EventT[Any]]) -> ScoreResult:
        result = self.scoring.process(
            RawMessage(
                e.message.topic, e.message.partition, e.message.offset, e.message.value or b""
            )
            for e in events
        )
        await self.dead_letters(result.dead)
        # Posts go out without news of event time; only once every post of the batch has
        # been sent does each scored partition hear how far the batch got, so a window is
        # never judged while part of its posts are still to come.
        for partition, batches in scored_messages(result.by_brand, self.settings.partitions):
            await self.scored.send(
                key=None, value=ScoredBatch.dumps_many(batches), partition=partition
            )
        self.metrics.posts_scored.inc(sum(len(posts) for posts in result.by_brand.values()))
        await self._send_marks(force=True)
        return result

    async def learn_positions(self) -> None:
        """Where the consumer stands in raw partitions that delivered nothing since they
        were assigned: without it, a partition taken over already finished would never be
        seen to be caught up, and would hold the event-time clock forever."""
        for partition in self.owned(self.names.raw) - self.scoring.positions.keys():
            position = await self.app.consumer.position(TP(self.names.raw, partition))
            if position is not None:
                self.scoring.fetch_positions[partition] = int(position)

    async def send_marks(self) -> None:
        """Tell every scored partition how far event time got upstream (see ScoredBatch),
        between batches: also when no post arrives, so quiet partitions turn idle."""
        async with self._scoring:
            await self._send_marks()

    async def _send_marks(self, force: bool = False) -> None:
        owned = self.owned(self.names.raw)
        marks, idle = self.scoring.watermarks(owned, self.highwater)
        newest, waits = self.scoring.newest_of(owned), self.scoring.waits(owned)
        if not marks or (not force and (marks, idle, newest, waits) == self._last_marks):
            return
        self._last_marks = (marks, idle, newest, waits)
        allowed, learn = self.settings.allowed_lateness_seconds, self.settings.learn_lateness
        for partition in owned:
            wait = waited(allowed, learn, waits.get(partition))
            self.metrics.lateness_wait.labels(str(partition)).set(wait)
        value = ScoredBatch(None, (), marks, idle, newest, waits).dumps()
        for partition in range(self.settings.partitions):
            await self.scored.send(key=None, value=value, partition=partition)

    async def window_batch(self, events: list[EventT[Any]]) -> None:
        started = time.perf_counter()
        received_at = time.time()
        owned = self.app.consumer.assignment()
        events = [e for e in events if e.message.tp in owned]  # revoked ones: the new owner's
        self.adopt("window")
        outcomes = await self.recover(events)
        dead: list[DeadLetter] = []
        for event in events:
            message = event.message
            if message.partition not in self.windows.states:
                continue  # taken from this worker while it waited: the new owner's
            result = self.windows.apply(message.partition, message.offset, message.value or b"")
            if isinstance(result, DeadLetter):
                dead.append(result)
            else:
                outcomes.append((message.partition, result))
                # A long catch-up yields to the event loop: health stays answered.
                more = await self.windows.catch_up(message.partition)
                outcomes.extend((message.partition, outcome) for outcome in more)
        self.ops.window_batch(self.windows.states, received_at)
        await self.dead_letters(dead)
        alerted = await self.publish_outcomes(outcomes)
        # One partition's snapshot a batch, and in a batch that raised alerts only an
        # overdue one: their pages go through this event loop, which a snapshot holds
        # while it is encoded.
        for partition, snapshot in self.windows.due_snapshots(most=1, overdue=alerted):
            await self.snapshots.send(
                key=str(partition).encode(), value=snapshot, partition=partition
            )
            self.metrics.snapshots_written.inc()
        for partition, state in self.windows.states.items():
            if state.clock is not None:
                self.metrics.event_clock.labels(str(partition)).set(state.clock)
                self.judged_to[partition] = state.clock
        self.metrics.batch_seconds.labels("window").observe(time.perf_counter() - started)
        self.metrics.batch_size.labels("window").observe(len(events))
        self.ops.processed((e.message.tp, e.message.offset) for e in events)

    async def recover(self, events: list[EventT[Any]]) -> list[tuple[int, Outcome]]:
        """Bring back, side by side, the state of partitions seen for the first time since
        they were assigned: each up to the first offset this batch holds for it."""
        first: dict[int, int] = {}
        for event in events:
            first.setdefault(event.message.partition, event.message.offset)
        missing = [(p, o) for p, o in first.items() if p not in self.windows.states]
        outcomes: list[tuple[int, Outcome]] = []
        for recovered in await asyncio.gather(*(self.windows.ensure(p, o) for p, o in missing)):
            if recovered is None:
                continue
            outcomes.extend((recovered.partition, o) for o in recovered.outcomes)
            self.metrics.recovery_replayed.inc(recovered.replayed)
            start = "snapshot" if recovered.snapshot_offset >= 0 else "beginning"
            self.metrics.recoveries.labels(start).inc()
        return outcomes

    async def publish_outcomes(self, outcomes: Sequence[tuple[int, Outcome]]) -> bool:
        """Alerts and the incident log's entries are awaited until the broker has them: a
        snapshot taken after this claims that everything before its offset is done.
        Returns whether there were alerts."""
        pending: list[Awaitable[Any]] = []
        sent: list[Alert] = []
        # Alerts and the incident log first: a page waits on them, not on the figures of
        # every brand judged, which follow.
        for _, outcome in outcomes:
            self.ops.outcome(outcome)
            self.metrics.posts_counted.inc(outcome.counted)
            self.counted += outcome.counted
            self.metrics.posts_late.inc(outcome.late)
            self.metrics.posts_too_late.inc(outcome.too_late)
            self.metrics.window_duplicates.inc(outcome.duplicates)
            for alert in outcome.alerts:
                assert isinstance(alert, Alert)
                self.metrics.alerts_fired.labels(alert.rule, alert.severity).inc()
                log.warning(
                    "alert %s %s %s at %s", alert.severity, alert.rule, alert.brand, alert.fired_at
                )
                pending.append(
                    await self.alerts.send(key=alert.brand.encode(), value=alert.dumps())
                )
                sent.append(alert)
        for partition, state in self.windows.states.items():
            mine = [outcome for p, outcome in outcomes if p == partition]
            entry = await self.incidents.window_entry(partition, mine, state.clock)
            if entry is not None:
                pending.append(entry)
        judged: dict[int, list[Mapping[int, WindowStats]]] = {}
        for partition, outcome in outcomes:
            judged.setdefault(partition, []).extend(outcome.judged)
        for partition, every in judged.items():
            for value in stats_messages(every):
                await self.stats.send(key=str(partition).encode(), value=value)
        for future in pending:
            await future
        for alert in sent:
            self.ops.alert_sent(alert)
        return bool(sent)

    async def dead_letters(self, letters: Iterable[DeadLetter]) -> None:
        for letter in letters:
            self.metrics.dead_letters.labels(letter.reason).inc()
            log.warning(
                "dead letter %s from %s[%d]@%d: %s",
                letter.reason, letter.topic, letter.partition, letter.offset, letter.detail,
            )  # fmt: skip
            await self.dead.send(key=letter.reason.encode(), value=letter.dumps())

    def on_assigned(self, assigned: Iterable[TP]) -> None:
        if isinstance(self.scoring.enricher, Prepared):
            self.scoring.enricher = self.scoring.enricher.ready()  # raises if it failed
        assigned = list(assigned)
        self.scoring.assigned(tp.partition for tp in assigned if tp.topic == self.names.raw)
        self.incidents.assigned(assigned)

    def on_revoked(self, revoked: Iterable[TP]) -> None:
        revoked = list(revoked)
        self.ops.revoked(revoked, self.windows.states)
        self.scoring.forget(tp.partition for tp in revoked if tp.topic == self.names.raw)
        scored = [tp.partition for tp in revoked if tp.topic == self.names.scored]
        self.windows.drop(scored)
        self.incidents.window_revoked(scored)
        self.incidents.revoked(revoked)


class ListenerApp(faust.App):
    """Faust's app with the pipeline its agents share. As it first starts, before its
    consumer joins the group, it begins building the enricher, waited for when partitions
    are first assigned (``Pipeline.on_assigned``)."""

    pipeline: Pipeline

    async def on_first_start(self) -> None:
        enricher = self.pipeline.scoring.enricher
        if isinstance(enricher, Prepared):
            enricher.start()
        await super().on_first_start()


def make_app(settings: Settings, rules: RuleSet, bootstrap: str) -> ListenerApp:
    """Build the worker application for ``bootstrap`` (``host:port[,host:port...]``)."""
    register_transport()
    app = ListenerApp(
        settings.app_id,
        broker=[f"{TRANSPORT_SCHEME}://{server}" for server in bootstrap.split(",")],
        broker_credentials=faust_credentials(bootstrap),
        key_serializer="raw",
        value_serializer="raw",
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_max_poll_records=settings.batch_size,
        consumer_auto_offset_reset="earliest",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        stream_wait_empty=False,
        stream_buffer_maxsize=max(4 * settings.batch_size, 4096),
        producer_linger_ms=5,
        producer_max_request_size=16 * 1024 * 1024,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        # Faust's own pages show the tables, the routing and the app's graph to anyone who
        # reaches the port: the worker serves only its metrics, health and incident API.
        web_router_enabled=False,
        web_tables_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        datadir=str(settings.data_dir / settings.app_id),
        TableManager=TablelessManager,
    )
    pipeline = app.pipeline = Pipeline(app, settings, rules, bootstrap)
    serve_liveness(app, settings)
    _agents(app, pipeline, settings)
    _signals(app, pipeline, settings)
    serve_pages(app, pipeline)
    return app


def _agents(app: faust.App, pipeline: Pipeline, settings: Settings) -> None:
    """The agents: each takes a micro-batch and hands it to its stage."""
    size, within = settings.batch_size, settings.batch_seconds

    async def marks() -> None:
        # News of event time also when no post arrives, so quiet partitions turn idle.
        await pipeline.learn_positions()
        await pipeline.send_marks()

    async def ops_refresh() -> None:
        # Lag and broker check (one request to the broker), then the bounded brand gauges.
        await pipeline.ops.refresh(app.consumer)

    app.agent(pipeline.raw, name="score")(batch_agent(pipeline.score_batch, size, within))
    app.agent(pipeline.scored, name="window")(batch_agent(pipeline.window_batch, size, within))
    app.timer(interval=1.0)(marks)
    app.timer(interval=REFRESH_SECONDS)(ops_refresh)
    app.timer(interval=pipeline.reloader.poll_seconds)(pipeline.reloader.poll)
    pipeline.incidents.register(size, within)


def _signals(app: faust.App, pipeline: Pipeline, settings: Settings) -> None:
    async def assigned(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        pipeline.on_assigned(args[0] if args else kwargs.get("assigned", ()))

    async def revoked(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        pipeline.on_revoked(args[0] if args else kwargs.get("revoked", ()))

    async def rebalanced(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        pipeline.ops.rebalanced()

    async def quiet_logs() -> None:
        # The worker's own logging set-up leaves these at DEBUG whatever the level asked.
        level = logging.DEBUG if settings.log_level == "debug" else logging.WARNING
        for name in ("aiokafka", "faust", "mode"):
            logging.getLogger(name).setLevel(level)

    # Faust's signal types do not admit coroutine functions, which it calls and awaits.
    app.on_partitions_assigned.connect(cast(Any, assigned))
    app.on_partitions_revoked.connect(cast(Any, revoked))
    app.on_rebalance_complete.connect(cast(Any, rebalanced))
    app.task(quiet_logs)

    async def sighup() -> None:
        pipeline.reloader.on_sighup()  # SIGHUP: reload the rules

    app.task(sighup)
