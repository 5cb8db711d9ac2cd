"""The incident side of a worker on Faust: the incident agent (incident log -> engine ->
``incidents`` and ``notifications``), the delivery agent (``notifications`` -> Slack,
email, webhooks), the incident API on the worker's web server, and what the window agent
sends to the incident log. The agents are thin: the work is done by
:class:`~listener.incidents.runtime.stage.IncidentStage` and
:class:`~listener.incidents.runtime.courier.Courier`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import faust
import httpx
from faust.types import TP, EventT

from listener.batching import batch_agent
from listener.broker.topics import TopicNames
from listener.errors import BrokerError, ConfigError, ConfigIssue
from listener.incidents.access.api import IncidentApi, Known
from listener.incidents.access.board import Board, Sessions
from listener.incidents.access.slack import SlackActions, slack_actions
from listener.incidents.access.tokens import SECRET_ENV, LinkSigner
from listener.incidents.access.web import mount_on_faust
from listener.incidents.lifecycle.actions import Action, Notify, Record
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import DeliveryFailed
from listener.incidents.lifecycle.log import Entry, Seal, outcome_events
from listener.incidents.lifecycle.policy import Policies
from listener.incidents.runtime.courier import Courier, Delivery
from listener.incidents.runtime.notices import Composer
from listener.incidents.runtime.stage import IncidentStage
from listener.incidents.runtime.topic_store import TopicStore
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.fanout import build_notifiers
from listener.notifiers.slack.notifier import SlackThreads
from listener.ops.metrics import Metrics
from listener.records import DeadLetter
from listener.rules.files.config import SEVERITIES
from listener.rules.ruleset import RuleSet
from listener.settings import Settings
from listener.windows.judging import Outcome

log = logging.getLogger(__name__)

#: Notification kinds that page a level beyond the first (the escalation metric).
ESCALATING = ("escalated", "brand_silent")
#: Longest the incident and delivery agents wait to fill a batch: a page is worth more than
#: a bigger batch, and their traffic is small (each wait is paid on the way to a page).
BATCH_WAIT = 0.02


def link_signer(settings: Settings) -> LinkSigner | None:
    """The signer of acknowledge links; None when no secret is set. A short secret is
    refused when the worker starts, without the secret ever being shown."""
    if settings.ack_secret is None:
        return None
    try:
        return LinkSigner(settings.ack_secret.get_secret_value())
    except ValueError as exc:
        raise ConfigError([ConfigIssue("environment", SECRET_ENV, str(exc))]) from None


def entry_seal(settings: Settings) -> Seal | None:
    """The seal of the incident log's entries: keyed by the links' secret, so one secret
    vouches for every action, from a link or from the topic."""
    if settings.ack_secret is None:
        return None
    return Seal(settings.ack_secret.get_secret_value())


@dataclass(frozen=True, slots=True)
class _Wired:
    """What the incident side builds from one configuration."""

    rules: RuleSet
    engine: Engine
    delivery: Delivery
    known: Known
    slack: SlackActions | None
    people: tuple[str, ...]


class IncidentAgents:
    """Incident log, engine, deliveries and API of one worker."""

    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        rules: RuleSet,
        bootstrap: str,
        metrics: Metrics,
        dead_letters: Callable[[Iterable[DeadLetter]], Awaitable[None]],
    ) -> None:
        self.app = app
        self.rules = rules
        self.metrics = metrics
        self.names = names = TopicNames.for_settings(settings)
        self._dead_letters = dead_letters
        self.partitions = settings.partitions
        self.log_topic = self._topic(names.incident_events)
        self.records = self._topic(names.incidents)
        self.notifications = self._topic(names.notifications)
        self.book_snapshots = self._topic(names.incident_snapshots)
        self.delivery_snapshots = self._topic(names.delivery_snapshots)
        self.settings = settings
        self.signer = link_signer(settings)
        self._client: httpx.AsyncClient | None = None
        self._threads = SlackThreads()
        #: Signs what this worker writes to the incident log; the stage refuses what is not
        #: signed with it. None without LISTENER_ACK_SECRET: nothing is signed or checked.
        self.seal = entry_seal(settings)
        self.store = TopicStore(
            bootstrap, (names.incidents, names.incident_events), settings.partitions,
            self.send_entry, seal=self.seal,
        )  # fmt: skip
        wired = self._wire(rules)
        self.stage = IncidentStage(
            wired.engine, rules.step, bootstrap, (names.incident_events, names.incident_snapshots),
            settings.snapshot_seconds, seal=self.seal,
        )  # fmt: skip
        self.courier = Courier(
            wired.delivery, self, metrics.delivery, bootstrap,
            (names.notifications, names.delivery_snapshots),
        )  # fmt: skip
        key = settings.api_key.get_secret_value() if settings.api_key else None
        board = None
        if key is not None:
            secure = settings.link_base.startswith("https://")
            board = Board(Sessions(key.encode(), secure), wired.people)
        self.api = IncidentApi(
            self.store, key, self.signer, wired.known, slack=wired.slack, board=board
        )
        #: Called by each agent at the start of a batch with its name ("incidents",
        #: "deliveries"): puts newly reloaded rules in force there (see :meth:`prepare`).
        self.adopt: Callable[[str], None] = lambda agent: None
        #: The last offset fully processed, per topic and partition (for /health/incidents).
        self.done: dict[str, dict[int, int]] = {names.incident_events: {}, names.notifications: {}}
        self._ticked: dict[int, float] = {}

    def _topic(self, name: str) -> faust.TopicT:
        return self.app.topic(
            name, key_serializer="raw", value_serializer="raw", partitions=self.partitions
        )

    def _wire(self, rules: RuleSet) -> _Wired:
        """Everything the incident side builds from rules; raises ConfigError for what
        cannot be used (an unset credential), before anything of it is in use."""
        settings = self.settings
        composer = Composer(
            rules.owners, self.signer, settings.link_base, settings.api_key is not None
        )
        config = rules.notifiers
        if config is None:
            delivery = Delivery(composer, None, RetryPolicy(), self._threads)
        else:
            self._client = self._client or httpx.AsyncClient()
            notifiers = build_notifiers(config, os.environ, self._client, self._threads)
            delivery = Delivery(composer, notifiers, config.delivery.policy(), self._threads)
        # Without a register, each rule is its own risk.
        risks = rules.risks.risks if rules.risks else {r.name: r for r in rules.rules}
        known = Known(
            frozenset(rules.brands), frozenset(r.name for r in rules.rules), frozenset(risks)
        )
        slack = slack_actions(
            config.slack if config else None, rules.owners, self.store, os.environ,
            config.delivery.policy() if config else RetryPolicy(),
            lambda outcome: self.metrics.delivery.slack_actions.labels(outcome).inc(),
        )  # fmt: skip
        engine = Engine(Policies.build(rules, rules.risks))
        return _Wired(rules, engine, delivery, known, slack, tuple(sorted(rules.owners.people)))

    def prepare(self, rules: RuleSet) -> dict[str, Callable[[], None]]:
        """Build the incident side for ``rules`` now (raising ConfigError, the live rules
        untouched). Returns, per agent, the call that puts it in force at that agent's
        next batch boundary: the incident agent takes the engine's policies (with the
        API's names, Slack's buttons and the people the page can assign), the delivery
        agent the notifiers and how their messages are built."""
        wired = self._wire(rules)

        def incidents() -> None:
            self.rules = wired.rules
            self.stage.engine = wired.engine
            self.api.known = wired.known
            self.api.slack = wired.slack
            if self.api.board is not None:
                self.api.board = replace(self.api.board, people=wired.people)

        def deliveries() -> None:
            self.courier.delivery = wired.delivery

        return {"incidents": incidents, "deliveries": deliveries}

    # -- what the window agent sends ------------------------------------------------------

    async def window_entry(
        self, partition: int, outcomes: Sequence[Outcome], clock: float | None
    ) -> Awaitable[Any] | None:
        """Send the incident log what one scored partition's batch judged: its alerts, the
        boundaries where rules held, and how far its clock got. Returns the send's future
        (to await before a window snapshot), or None when there was nothing to say."""
        events = outcome_events(self.rules, outcomes)
        moved = clock is not None and clock > self._ticked.get(partition, float("-inf"))
        if not events and not moved:
            return None
        if clock is not None:
            self._ticked[partition] = clock
        entry = Entry(tuple(events), time.time(), clock if moved else None)
        future: Awaitable[Any] = await self.log_topic.send(
            key=None, value=entry.dumps(self.seal), partition=partition
        )
        return future

    def window_revoked(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self._ticked.pop(partition, None)

    # -- the incident agent ---------------------------------------------------------------

    async def log_batch(self, events: list[EventT[Any]]) -> None:
        self.adopt("incidents")
        owned = self.app.consumer.assignment()
        events = [e for e in events if e.message.tp in owned]
        actions = await self._recover(events)
        dead: list[DeadLetter] = []
        for event in events:
            message = event.message
            result = self.stage.apply(message.partition, message.offset, message.value or b"")
            if isinstance(result, DeadLetter):
                dead.append(result)
            else:
                actions.extend(result)
                self._count(result)
        await self._dead_letters(dead)
        await self._publish(actions)
        for partition, snapshot in self.stage.due_snapshots():
            await self.book_snapshots.send(
                key=str(partition).encode(), value=snapshot, partition=partition
            )
        for event in events:
            self.done[self.names.incident_events][event.message.partition] = event.message.offset
        self._count_open()

    def _count_open(self) -> None:
        opened = self.stage.open_by_severity()
        for severity in SEVERITIES:
            self.metrics.delivery.incidents_open.labels(severity).set(opened.get(severity, 0))

    async def _recover(self, events: list[EventT[Any]]) -> list[Action]:
        first: dict[int, int] = {}
        for event in events:
            first.setdefault(event.message.partition, event.message.offset)
        missing = [(p, o) for p, o in first.items() if p not in self.stage.books]
        actions: list[Action] = []
        for recovered in await asyncio.gather(*(self.stage.ensure(p, o) for p, o in missing)):
            if recovered is not None:
                actions.extend(recovered.actions)
        return actions

    def _count(self, actions: Iterable[Action]) -> None:
        """Escalations, counted as the log is applied; not again when a book is rebuilt
        from a snapshot and the log after it."""
        for action in actions:
            if isinstance(action, Notify) and action.kind in ESCALATING:
                self.metrics.delivery.escalations.labels(str(action.level - 1)).inc()
            elif isinstance(action, Record) and action.transition.kind == "page_silenced":
                self.metrics.delivery.pages_silenced.inc()

    async def _publish(self, actions: Iterable[Action]) -> None:
        """Records and notifications, awaited until the broker has them: a book snapshot
        taken after this claims everything before its offset is done."""
        pending = []
        for action in actions:
            key = action.incident.brand.encode()
            if isinstance(action, Record):
                t = action.transition
                log.info(
                    "incident %s %s (%s) by %s: %s",
                    action.incident.id, t.kind, t.status, t.who, t.detail,
                )  # fmt: skip
                pending.append(await self.records.send(key=key, value=action.dumps()))
            else:
                pending.append(await self.notifications.send(key=key, value=action.dumps()))
        for future in pending:
            await future

    async def send_entry(self, entry: Entry, key: bytes | None, partition: int | None) -> None:
        future = await self.log_topic.send(
            key=key, value=entry.dumps(self.seal), partition=partition
        )
        await future

    # -- the delivery agent and what it writes (the courier's Outlet) ---------------------

    async def notifications_batch(self, events: list[EventT[Any]]) -> None:
        self.adopt("deliveries")
        for event in events:
            message = event.message
            await self.courier.take(message.partition, message.offset, message.value or b"")
            self.done[self.names.notifications][message.partition] = message.offset

    async def dead_letter(self, letter: DeadLetter) -> None:
        await self._dead_letters([letter])

    async def failed(self, brand: str, failures: Sequence[DeliveryFailed]) -> None:
        await self.send_entry(Entry(tuple(failures), time.time()), brand.encode(), None)

    async def snapshot(self, partition: int, data: bytes) -> None:
        try:
            future = await self.delivery_snapshots.send(
                key=str(partition).encode(), value=data, partition=partition
            )
            await future
        except Exception as exc:  # the producer's errors are many; one error for the courier
            raise BrokerError(f"cannot save the delivery state: {exc!r}") from exc

    # -- rebalances and pages -------------------------------------------------------------

    def assigned(self, assigned: Iterable[TP]) -> None:
        self.courier.assigned(
            tp.partition for tp in assigned if tp.topic == self.names.notifications
        )

    def revoked(self, revoked: Iterable[TP]) -> None:
        revoked = list(revoked)
        self.stage.drop(tp.partition for tp in revoked if tp.topic == self.names.incident_events)
        self.courier.revoked(tp.partition for tp in revoked if tp.topic == self.names.notifications)
        for tp in revoked:
            self.done.get(tp.topic, {}).pop(tp.partition, None)
        self._count_open()

    def progress(self) -> dict[str, Any]:
        """How far this worker's incident and delivery agents got: for replays and tests,
        which wait until everything derived from a replay has been done."""
        return {
            "done": {
                topic: {str(p): o for p, o in done.items()} for topic, done in self.done.items()
            },
            "clocks": {str(p): book.clock for p, book in self.stage.books.items()},
            "in_flight": self.courier.in_flight,
        }

    def register(self, batch_size: int, within: float) -> None:
        """The agents, the API and the task following the ``incidents`` topic."""
        app = self.app
        within = min(within, BATCH_WAIT)

        async def follow() -> None:
            await self.store.follow()

        async def progress(web: Any, request: Any) -> Any:
            return web.json(self.progress())

        incidents = batch_agent(self.log_batch, batch_size, within)
        deliveries = batch_agent(self.notifications_batch, batch_size, within)
        app.agent(self.log_topic, name="incidents")(incidents)
        app.agent(self.notifications, name="deliveries")(deliveries)
        app.task(follow)
        app.page("/health/incidents")(progress)
        mount_on_faust(app, self.api)
