"""From the engine's notifications to deliveries, without a network: the people and links
of each message, each notification sent once however often it is taken in, failures
dead-lettered and reported back, and the delivery state saved after each one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from types import MappingProxyType
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry
from test_incidents_fixtures import T0, feed, group, make_alert, policies

from listener.errors import BrokerError
from listener.incidents.access.tokens import LinkSigner
from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived, DeliveryFailed
from listener.incidents.runtime import courier as courier_module
from listener.incidents.runtime.courier import Courier, Delivery, Desk
from listener.incidents.runtime.notices import Composer
from listener.notifiers.base import DeliveryError
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.fanout import Notifiers, deliver_all
from listener.notifiers.message import Notification
from listener.notifiers.slack.notifier import SlackThreads, Thread
from listener.notifiers.webhook.notifier import body as webhook_body
from listener.ops.metrics import DeliveryMetrics
from listener.records import DeadLetter
from listener.rules.files.config import OwnerGroup, Person
from listener.rules.ruleset import Owners
from listener.windows import recovery as recovery_module
from listener.windows.recovery import decode_snapshot

SIGNER = LinkSigner("s" * 40)
PEOPLE = {
    "ann": Person(name="Ann Lee", slack="U0ANN0001", email="ann@example.com"),
    "bob": Person(name="Bob Ray", slack="@bob", email="bob@example.com", channels=("slack",)),
    "cat": Person(name="Cat Poe", slack="@cat", email="cat@example.com", channels=("email",)),
}
OWNERS = Owners(
    MappingProxyType(PEOPLE),
    MappingProxyType({"acme-care": group([("0m", ["ann", "bob"]), ("10m", ["cat"])])}),
)


class Scripted:
    """A notifier that fails with the errors it is given, then accepts everything."""

    def __init__(self, *errors: DeliveryError, always: DeliveryError | None = None) -> None:
        self.errors = list(errors)
        self.always = always
        self.sent: list[Notification] = []

    async def send(self, message: Notification) -> None:
        self.sent.append(message)
        if self.always is not None:
            raise self.always
        if self.errors:
            raise self.errors.pop(0)


class Outlet:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.failures: list[DeliveryFailed] = []
        self.snapshots: list[tuple[int, bytes]] = []

    async def dead_letter(self, letter: DeadLetter) -> None:
        self.letters.append(letter)

    async def failed(self, brand: str, failures: Sequence[DeliveryFailed]) -> None:
        self.failures.extend(failures)

    async def snapshot(self, partition: int, data: bytes) -> None:
        self.snapshots.append((partition, data))


def opened() -> Notify:
    """The first page of an incident of acme: level 1, ann and bob."""
    groups = {"acme-care": group([("0m", ["ann", "bob"]), ("10m", ["cat"])])}
    _, actions = feed(Engine(policies(groups=groups)), [AlertReceived(make_alert(T0))])
    (notify,) = [a for a in actions if isinstance(a, Notify)]
    return notify


def courier(slack: Scripted, email: Scripted, outlet: Outlet) -> tuple[Courier, CollectorRegistry]:
    registry = CollectorRegistry()
    delivery = Delivery(
        Composer(OWNERS, SIGNER, "https://listener.example.com"),
        Notifiers(slack=slack, email=email),
        RetryPolicy(max_attempts=3, first_delay=0.0, max_delay=0.01, jitter=0.0),
        SlackThreads(),
    )
    metrics = DeliveryMetrics.create(registry)
    found = Courier(delivery, outlet, metrics, "unused:9092", ("notifications", "snapshots"))
    found.desks[0] = Desk()
    return found, registry


def test_each_person_reads_who_else_is_told_and_gets_a_link_of_their_own() -> None:
    composer = Composer(OWNERS, SIGNER, "https://listener.example.com")
    routes = composer.routes(opened(), Notifiers(slack=Scripted(), email=Scripted()), 1000.0)
    assert [(r.where.channel, r.where.target) for r in routes] == [
        ("slack", "default"),
        ("email", "ann@example.com"),
    ]  # bob is told on Slack only
    slack, email = (r.message for r in routes)
    assert [r.name for r in slack.recipients] == ["Ann Lee", "Bob Ray"]
    assert email.told == ("Ann Lee", "Bob Ray")
    assert email.next_step is not None and email.next_step.names == ("Cat Poe",)
    for message, person in ((email, "ann"), (slack, "ann or bob")):
        assert message.ack_url is not None
        token = message.ack_url.split("token=")[1]
        grant = SIGNER.verify(token, message.incident_id, "ack", 1001.0)
        assert grant.person == person


async def test_a_notification_taken_in_twice_is_sent_once_and_the_state_saved() -> None:
    slack, email, outlet = Scripted(), Scripted(), Outlet()
    found, registry = courier(slack, email, outlet)
    raw = opened().dumps()
    await found.take(0, 0, raw)
    await found.close()
    await found.take(0, 1, raw)  # the same notification, emitted again after a restart
    await found.take(0, 1, raw)  # and delivered twice by the broker
    await found.close()
    assert (len(slack.sent), len(email.sent)) == (1, 1)
    assert found.in_flight == 0
    _, last = outlet.snapshots[-1]
    state = decode_snapshot(last)
    assert state["offset"] == 1 and len(state["ledger"]["settled"]) == 2
    sent = registry.get_sample_value
    assert sent("listener_notifications_sent_total", {"channel": "slack"}) == 1.0


async def test_a_failed_delivery_is_dead_lettered_and_the_unreached_reported() -> None:
    down = DeliveryError("Slack webhook: HTTP 500: down", retryable=True)
    slack, email, outlet = Scripted(always=down), Scripted(), Outlet()
    found, registry = courier(slack, email, outlet)
    notify = opened()
    await found.take(0, 0, notify.dumps())
    await found.close()
    assert len(slack.sent) == 3  # every attempt
    (letter,) = outlet.letters
    assert letter.reason == "notification_failed" and letter.offset == 0
    assert '"attempt":3' in letter.payload.decode()
    # ann was reached by email; bob, told on Slack only, was not.
    (failure,) = outlet.failures
    assert (failure.person, failure.notification_id, failure.level) == ("bob", notify.id, 1)
    assert failure.reason.startswith("slack: Slack webhook: HTTP 500")
    value = registry.get_sample_value
    assert value("listener_notifications_retried_total", {"channel": "slack"}) == 2.0
    assert value("listener_notifications_failed_total", {"channel": "slack"}) == 1.0


async def test_an_unreadable_notification_is_dead_lettered() -> None:
    outlet = Outlet()
    found, _ = courier(Scripted(), Scripted(), outlet)
    await found.take(0, 0, b"{}")
    await found.close()
    assert [letter.reason for letter in outlet.letters] == ["bad_notification"]
    assert decode_snapshot(outlet.snapshots[-1][1])["offset"] == 0


def test_the_delivery_state_round_trips_with_its_threads() -> None:
    threads = SlackThreads()
    threads.start("acme.x.1", Thread("C1", "1.2"))
    threads.start("other.y.2", Thread("C2", "3.4"))
    desk = Desk(offset=7, pending={5, 6}, incidents={"acme.x.1"}, closed={"acme.x.1": 9.0})
    desk.ledger.settle('["acme.x.1","t",1,"slack","default"]', "delivered")
    data = desk.to_dict(threads)
    assert data["offset"] == 4 and set(data["threads"]) == {"acme.x.1"}
    again = SlackThreads()
    back = Desk.from_dict(data, again)
    assert back.ledger.settled == desk.ledger.settled and back.offset == 4
    assert again.get("acme.x.1") == Thread("C1", "1.2")


@pytest.mark.parametrize("kind", ["acknowledged", "resolved"])
def test_news_carries_no_link(kind: str) -> None:
    composer = Composer(OWNERS, SIGNER, "https://listener.example.com")
    notify = opened()
    news = Notify(notify.id, kind, notify.incident, 1, ("ann",), T0, ())
    (route,) = [
        r
        for r in composer.routes(news, Notifiers(slack=Scripted(), email=Scripted()), 1.0)
        if r.where.channel == "email"
    ]
    assert route.message.ack_url is None


def test_a_webhook_gets_no_link_to_act_as_the_people_paged() -> None:
    hooked = OwnerGroup.model_validate(
        {
            "description": "with a webhook",
            "levels": [{"after": "0m", "notify": ["ann", "bob"]}],
            "channels": {"webhooks": ["ops"]},
        }
    )
    owners = Owners(MappingProxyType(PEOPLE), MappingProxyType({"acme-care": hooked}))
    composer = Composer(owners, SIGNER, "https://listener.example.com")
    notifiers = Notifiers(slack=Scripted(), email=Scripted(), webhooks={"ops": Scripted()})
    routes = {r.where.channel: r.message for r in composer.routes(opened(), notifiers, 1.0)}
    assert set(routes) == {"slack", "email", "webhook"}
    assert routes["slack"].ack_url is not None and routes["email"].ack_url is not None
    assert routes["webhook"].ack_url is None
    # Nor can a link given by mistake reach the receiver's body.
    linked = replace(routes["webhook"], ack_url=routes["slack"].ack_url)
    sent = orjson.dumps(webhook_body(linked, "ops", 1, UTC)).decode()
    assert "token=" not in sent and '"ack_url":null' in sent


class Held(Scripted):
    """Accepts each message only once released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def send(self, message: Notification) -> None:
        await self.release.wait()
        await super().send(message)


async def test_each_channel_is_saved_as_it_settles_not_when_the_slowest_does() -> None:
    slack, email, outlet = Scripted(), Held(), Outlet()
    found, _ = courier(slack, email, outlet)
    await found.take(0, 0, opened().dumps())
    for _ in range(50):  # Slack is accepted at once; the email is held
        await asyncio.sleep(0)
    assert len(slack.sent) == 1 and found.in_flight == 1
    # The state on the topic already has Slack settled, while the notification is under
    # way: a worker taking over now does not send the Slack message again.
    state = decode_snapshot(outlet.snapshots[-1][1])
    assert state["offset"] == -1
    assert [orjson.loads(k)[3] for k in state["ledger"]["settled"]] == ["slack"]
    email.release.set()
    await found.close()
    state = decode_snapshot(outlet.snapshots[-1][1])
    assert state["offset"] == 0 and len(state["ledger"]["settled"]) == 2


async def test_attempts_are_counted_while_the_retries_are_under_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy = Scripted(DeliveryError("HTTP 503", retryable=True))
    found, registry = courier(busy, Scripted(), Outlet())
    gate = asyncio.Event()

    async def held(seconds: float) -> None:  # the wait before the retry, until released
        await gate.wait()

    def slow_retries(*args: Any, **kwargs: Any) -> Any:
        return deliver_all(*args, sleep=held, **kwargs)

    monkeypatch.setattr(courier_module, "deliver_all", slow_retries)
    await found.take(0, 0, opened().dumps())
    for _ in range(50):
        await asyncio.sleep(0)
    value = registry.get_sample_value
    # The delivery has not settled, and its failed attempt is counted already.
    assert found.in_flight == 1
    assert value("listener_notifications_retried_total", {"channel": "slack"}) == 1.0
    retrying = {"channel": "slack", "outcome": "retrying"}
    assert value("listener_notification_attempts_total", retrying) == 1.0
    gate.set()
    await found.close()
    delivered = {"channel": "slack", "outcome": "delivered"}
    assert value("listener_notification_attempts_total", delivered) == 1.0
    assert value("listener_notifications_sent_total", {"channel": "slack"}) == 1.0


async def test_a_partition_whose_read_broke_off_is_read_again_and_each_notification_sent_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recovery_module, "RECOVERY_RETRY_SECONDS", (0.001, 0.004))
    raws = [replace(opened(), id=f"n{k}").dumps() for k in range(4)]
    reads: list[int] = []

    async def latest_snapshot(bootstrap: str, topic: str, partition: int) -> None:
        if not reads:
            reads.append(-1)
            raise BrokerError("the broker is not answering")

    async def read_range(bootstrap: str, topic: str, partition: int, start: int, end: None) -> Any:
        reads.append(start)
        for offset in range(start, len(raws)):
            if len(reads) == 2 and offset == 2:
                raise BrokerError("the connection was reset")
            yield offset, raws[offset]

    monkeypatch.setattr(courier_module, "latest_snapshot", latest_snapshot)
    monkeypatch.setattr(courier_module, "read_range", read_range)
    slack, email, outlet = Scripted(), Scripted(), Outlet()
    found, _ = courier(slack, email, outlet)
    del found.desks[0]
    found.assigned([0])
    await found.take(0, len(raws), raws[0])  # waits for the partition's state
    await found.close()
    # The snapshot read failed once, the notifications' read broke off once: read again
    # from the start, and none of the four was started before the read was whole.
    assert reads == [-1, 0, 0]
    assert (len(slack.sent), len(email.sent)) == (len(raws), len(raws))
