"""PagerDuty and Microsoft Teams, against local servers that speak their documented formats:
PagerDuty's Events API v2 (trigger, acknowledge, resolve; 202, 400, 429) keeping one alert
per dedup key, and a Teams incoming webhook that takes a message with one Adaptive Card
and answers "1". Deliveries go through the courier, with its retries, ledger and dead
letters, as on Slack."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from notify_servers import free_port
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Acknowledge, AlertReceived, DeliveryFailed, Resolve
from listener.incidents.lifecycle.policy import Policies
from listener.incidents.runtime.courier import Courier, Delivery, Desk
from listener.incidents.runtime.notices import Composer
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.fanout import Notifiers
from listener.notifiers.pagerduty.notifier import PagerDutyNotifier
from listener.notifiers.slack.notifier import SlackThreads
from listener.notifiers.teams.notifier import CARD_TYPE, TeamsNotifier
from listener.ops.metrics import DeliveryMetrics
from listener.records import Alert, DeadLetter, SamplePost
from listener.rules.files.config import GroupChannels
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import Owners

pytestmark = pytest.mark.timeout(30)
RULES = Path(__file__).resolve().parents[2] / "rules"
ROUTING_KEY = "R0UT1NGKEY0000000000000000000001"
HOSTILE = "[click me](http://evil.example) **URGENT** <at>everyone</at> @here"


@dataclass
class PagerDuty:
    """Events API v2: checks each event as PagerDuty documents it and keeps the state of
    each alert by dedup key. ``script`` holds statuses to answer first."""

    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: dict[str, str] = field(default_factory=dict)
    script: list[int] = field(default_factory=list)

    async def enqueue(self, request: web.Request) -> web.Response:
        if self.script:
            status = self.script.pop(0)
            headers = {"Retry-After": "0"} if status == 429 else {}
            return web.json_response({"status": "throttled"}, status=status, headers=headers)
        event = await request.json()
        errors = self.problems(event)
        if errors:
            body = {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": errors,
            }
            return web.json_response(body, status=400)
        self.events.append(event)
        key, act = event["dedup_key"], event["event_action"]
        if act == "trigger" or key in self.alerts:
            self.alerts[key] = {"trigger": "triggered", "acknowledge": "acknowledged"}.get(
                act, "resolved"
            )
        body = {"status": "success", "message": "Event processed", "dedup_key": key}
        return web.json_response(body, status=202)

    @staticmethod
    def problems(event: dict[str, Any]) -> list[str]:
        errors = []
        if event.get("routing_key") != ROUTING_KEY:
            errors.append("'routing_key' is invalid")
        if event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if not event.get("dedup_key") or len(event["dedup_key"]) > 255:
            errors.append("'dedup_key' is invalid")
        if event.get("event_action") == "trigger":
            payload = event.get("payload") or {}
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing")
            if payload.get("severity") not in ("critical", "error", "warning", "info"):
                errors.append("'payload.severity' is invalid")
            if len(payload.get("summary", "")) > 1024:
                errors.append("'payload.summary' is too long")
        return errors


@dataclass
class Teams:
    """An incoming webhook: a message whose one attachment is an Adaptive Card."""

    cards: list[dict[str, Any]] = field(default_factory=list)

    async def post(self, request: web.Request) -> web.Response:
        message = await request.json()
        (attachment,) = message["attachments"]
        card = attachment["content"]
        valid = (
            message.get("type") == "message"
            and attachment["contentType"] == CARD_TYPE
            and card["type"] == "AdaptiveCard"
            and card["version"] in ("1.2", "1.3", "1.4", "1.5")
        )
        if not valid:
            return web.Response(
                status=400, text="Bad payload received by generic incoming webhook."
            )
        self.cards.append(card)
        return web.Response(text="1")


class Outlet:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.failures: list[DeliveryFailed] = []

    async def dead_letter(self, letter: DeadLetter) -> None:
        self.letters.append(letter)

    async def failed(self, brand: str, failures: Sequence[DeliveryFailed]) -> None:
        self.failures.extend(failures)

    async def snapshot(self, partition: int, data: bytes) -> None:
        return None


@dataclass
class Setup:
    pagerduty: PagerDuty
    teams: Teams
    courier: Courier
    outlet: Outlet
    registry: CollectorRegistry
    store: MemoryStore
    offset: int = 0

    async def deliver(self, notifies: Sequence[Notify]) -> None:
        for notify in notifies:
            await self.courier.take(0, self.offset, notify.dumps())
            self.offset += 1
        await self.courier.close()

    def notifies(self) -> list[Notify]:
        return [a for a in self.store.actions if isinstance(a, Notify)]


def alert(now: float) -> Alert:
    fired = datetime.fromtimestamp(now, UTC)
    sample = SamplePost("x:1", "x", fired.isoformat(), "troll", 900_000, HOSTILE,
                        "https://x.example/status/1", -0.9, "negative")  # fmt: skip
    return Alert(
        id=f"negative-surge|intesa_sanpaolo|{now}", rule="negative-surge",
        description="negative surge", brand="intesa_sanpaolo", brand_name="Intesa Sanpaolo",
        severity="critical", fired_at=fired, window="5m", condition="volume >= 20",
        figures={"volume": 40.0}, baseline={"volume_baseline": 4.0}, samples=(sample,),
        owners="bank-crisis", first_true_at=fired, emitted_at=fired,
    )  # fmt: skip


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    rules = load_rules(RULES)
    group = rules.owners.groups["bank-crisis"]
    channels = GroupChannels(pagerduty=("bank-oncall",), teams=("crisis-room",))
    groups = {**rules.owners.groups, "bank-crisis": group.model_copy(update={"channels": channels})}
    owners = Owners(rules.owners.people, MappingProxyType(groups))
    pagerduty, teams = PagerDuty(), Teams()
    app = web.Application()
    app.router.add_post("/v2/enqueue", pagerduty.enqueue)
    app.router.add_post("/webhookb2/room", teams.post)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        notifiers = Notifiers(
            pagerduty={"bank-oncall": PagerDutyNotifier(
                "bank-oncall", SecretStr(ROUTING_KEY), client, url=base + "/v2/enqueue", tz=UTC)},
            teams={"crisis-room": TeamsNotifier(
                "crisis-room", SecretStr(base + "/webhookb2/room"), client, timeout=5, tz=UTC)},
        )  # fmt: skip
        policy = RetryPolicy(max_attempts=3, first_delay=0.0, max_delay=0.05, jitter=0.0)
        composer = Composer(owners, None, "https://listener.example.com")
        registry = CollectorRegistry()
        outlet = Outlet()
        courier = Courier(
            Delivery(composer, notifiers, policy, SlackThreads()), outlet,
            DeliveryMetrics.create(registry), "unused:9092", ("notifications", "snapshots"),
        )  # fmt: skip
        courier.desks[0] = Desk()
        store = MemoryStore(Engine(Policies.build(rules, rules.risks)))
        try:
            yield Setup(pagerduty, teams, courier, outlet, registry, store)
        finally:
            await runner.cleanup()


async def test_one_pagerduty_alert_follows_the_incident_from_trigger_to_resolve(
    setup: Setup,
) -> None:
    now = time.time()
    setup.store.apply(AlertReceived(alert(now)))
    (incident_id,) = setup.store.book.incidents
    setup.store.apply(Acknowledge(incident_id, "maria.rossi", now + 60, "api"))
    setup.store.apply(Resolve(incident_id, "maria.rossi", now + 120, "statement out"))
    await setup.deliver(setup.notifies())
    actions = [e["event_action"] for e in setup.pagerduty.events]
    assert actions == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in setup.pagerduty.events} == {incident_id}
    assert setup.pagerduty.alerts == {incident_id: "resolved"}
    payload = setup.pagerduty.events[0]["payload"]
    assert payload["severity"] == "critical" and payload["component"] == "intesa_sanpaolo"
    assert "Intesa Sanpaolo" in payload["summary"] and HOSTILE not in orjson.dumps(payload).decode()
    assert len(setup.teams.cards) == 3 and setup.outlet.letters == []


async def test_the_teams_card_shows_the_post_as_plain_text_without_a_link_to_act(
    setup: Setup,
) -> None:
    setup.store.apply(AlertReceived(alert(time.time())))
    await setup.deliver(setup.notifies())
    (card,) = setup.teams.cards
    blocks = [b for b in card["body"] if b["type"] == "Container"]
    (quote,) = blocks
    texts = [run["text"] for item in quote["items"] for run in item["inlines"]]
    assert texts[0] == HOSTILE  # as written, in a TextRun, where Teams reads no Markdown
    everything = orjson.dumps(card).decode()
    assert '"type":"TextBlock"' not in everything and "token=" not in everything
    assert "Acknowledge in listener" in everything
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open post 1", "url": "https://x.example/status/1"}
    ]


async def test_a_busy_pagerduty_is_retried_and_a_page_is_sent_once(setup: Setup) -> None:
    setup.pagerduty.script = [500, 429]
    setup.store.apply(AlertReceived(alert(time.time())))
    notifies = setup.notifies()
    await setup.deliver(notifies)
    await setup.deliver(notifies)  # emitted again after a restart: the ledger drops it
    assert [e["event_action"] for e in setup.pagerduty.events] == ["trigger"]
    value = setup.registry.get_sample_value
    assert value("listener_notifications_retried_total", {"channel": "pagerduty"}) == 2.0
    assert value("listener_notifications_sent_total", {"channel": "pagerduty"}) == 1.0
    assert value("listener_notifications_sent_total", {"channel": "teams"}) == 1.0


async def test_an_event_pagerduty_refuses_is_dead_lettered_not_retried(setup: Setup) -> None:
    setup.pagerduty.script = [400]
    setup.store.apply(AlertReceived(alert(time.time())))
    await setup.deliver(setup.notifies())
    (letter,) = setup.outlet.letters
    assert letter.reason == "notification_failed"
    assert '"attempt":1' in letter.payload.decode() and '"attempt":2' not in letter.payload.decode()
    assert "PagerDuty bank-oncall: HTTP 400" in letter.detail
    assert setup.outlet.failures == []  # a service, not a person: nobody else is paged for it
    assert setup.pagerduty.events == [] and len(setup.teams.cards) == 1
