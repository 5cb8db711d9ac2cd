"""Delivery under faults, on a real worker, real local stand-ins and the embedded broker:
a worker killed with SIGKILL while deliveries are in flight, every channel down and back,
and every channel refusing for good.

Three brands burst at once, so several pages are under way together. The retry schedule
is the test's own (one second between attempts, thirty attempts): the shipped one rides
out ten minutes (tests/unit/test_notify_delivery.py), too long for a test.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from notify_servers import Answer, Receiver
from test_incidents_setup import (
    StandIns,
    counted,
    notification_id,
    stand_ins,
    wait_for,
    write_rules,
)

from listener.broker.topics import TopicNames
from listener.incidents.lifecycle.actions import notification_id as derived_id
from listener.replay.collect import read_all
from listener.replay.driver import Cluster, cluster, replay_through
from listener.replay.publish import publish, read_lines
from listener.settings import Settings
from listener.windows.recovery import latest_snapshot

pytestmark = pytest.mark.timeout(120)

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
BRANDS = {"acme_bank": "Acme Bank", "beta_bank": "Beta Bank", "gamma_bank": "Gamma Bank"}
_NOTIFICATION = re.compile(r"\.([0-9a-f]{20})\.")
#: How long the stand-ins stay down in the outage test (seconds of wall clock).
OUTAGE = 6.0

RULES = {
    "brands.yaml": "brands:\n"
    + "".join(
        f"  {key}:\n    name: {name}\n    terms: [{name.lower()}]\n"
        f"    owners: bank-care\n    baseline: {{volume_per_hour: 6}}\n"
        for key, name in BRANDS.items()
    ),
    "owners.yaml": """
people:
  maria.rossi: {name: Maria Rossi, slack: U012AB3CD, email: maria.rossi@example.com}
  luca.bianchi:
    {name: Luca Bianchi, slack: "@luca.bianchi", email: luca@example.com, channels: [slack]}
  giulia.conti:
    {name: Giulia Conti, slack: "@giulia.conti", email: giulia@example.com, channels: [email]}
groups:
  bank-care:
    description: Bank social care
    levels:
      - {after: 0m, notify: [maria.rossi, luca.bianchi]}
      - {after: 10m, notify: [giulia.conti]}
    channels: {webhooks: [ops-bridge]}
""",
    "alerts.yaml": """
windows: {sizes: [5m], step: 1m}
rules:
  - name: angry-crowd
    description: Many angry posts about the brand in five minutes.
    brands: "*"
    window: 5m
    when: volume >= 10 and negative >= 5
    severity: critical
    cooldown: 1h
""",
    "risks.yaml": """
risks:
  online-firestorm:
    description: A wave of angry posts about the brand.
    likelihood: 3
    impact: 5
    resolve_after: 10m
    playbook: [Read the sample posts and name the cause in one sentence.]
alert_rules:
  angry-crowd: {risk: online-firestorm}
""",
}


def scenario(path: Path, minutes: int) -> Path:
    """Each brand: 30 angry posts in two minutes, then a calm post every ten minutes for
    ``minutes`` minutes (the clock moves on, so later levels fall due), the last with a
    second one a second after it."""
    lines = []
    for b, name in enumerate(BRANDS.values()):
        for n in range(30):
            at = START + timedelta(seconds=4 * n)
            lines.append(_post(1000 * b + n, at, f"{name} is a terrible awful scam, I hate it"))
        for m in range(0, minutes, 10):
            at = START + timedelta(minutes=2 + m)
            lines.append(_post(1000 * b + 100 + m, at, f"{name} branch hours on Saturday?"))
        # Event time moves as far as two posts agree, never to one post alone: the last
        # calm post gets a second one beside it, or the stream's last minutes are not over.
        at = START + timedelta(minutes=2 + (minutes - 1) // 10 * 10, seconds=1)
        lines.append(_post(1000 * b + 99, at, f"{name} open on Sunday too?"))
    lines.sort(key=lambda line: orjson.loads(line)["created_at"])
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _post(n: int, at: datetime, text: str) -> bytes:
    return orjson.dumps(
        {
            "id": str(n), "source": "x", "created_at": at.isoformat(), "text": text,
            "author_id": f"author-{n}", "author_handle": f"user{n}", "author_followers": 100,
            "url": f"https://x.example/status/{n}", "lang": "en",
        }
    )  # fmt: skip


def rules_dir(tmp_path: Path, servers: StandIns) -> Path:
    """The rules above, with notifiers retrying every second, thirty times."""
    rules = write_rules(tmp_path / "rules", servers.smtp_port, RULES)
    path = rules / "notifiers.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("max_attempts: 3", "max_attempts: 30").replace(
        "max_delay: 2s", "max_delay: 1s"
    )
    path.write_text(text, encoding="utf-8")
    return rules


@pytest.fixture
def servers() -> Iterator[StandIns]:
    with stand_ins() as found:
        yield found


def settings_for(rules: Path, tmp_path: Path) -> Settings:
    # One partition: a few dozen posts would leave others empty, holding the clock back.
    return Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)


async def emitted(group: Cluster) -> dict[str, dict[str, Any]]:
    """Every notification the engine asked for, once per id."""
    names = TopicNames.for_settings(group.settings)
    found = [orjson.loads(v) for *_, v in await read_all(group.bootstrap, names.notifications)]
    return {notify["id"]: notify for notify in found}


def accepted(receiver: Receiver) -> list[str]:
    """The notification of every request the receiver accepted, in order."""
    return [_source(seen.body) for seen in receiver.seen if seen.status == 200]


def _source(body: bytes) -> str:
    data = orjson.loads(body)
    return (
        str(data["notification"]["source_id"]) if "notification" in data else notification_id(data)
    )


def mailed(servers: StandIns) -> list[tuple[str, str]]:
    """(notification, address) of every mail the server accepted."""
    found = []
    for mail in servers.mails():
        named = _NOTIFICATION.search(str(mail["Message-ID"]))
        assert named is not None
        found.append((named.group(1), mail["To"].addresses[0].addr_spec))
    return found


def expected(asked: dict[str, dict[str, Any]]) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """What each stand-in must get once: Slack the notifications of someone on Slack,
    the webhook every one, each person on email theirs."""
    email = {"maria.rossi": "maria.rossi@example.com", "giulia.conti": "giulia@example.com"}
    slack = {i for i, n in asked.items() if {"maria.rossi", "luca.bianchi"} & set(n["people"])}
    mails = {(i, email[p]) for i, n in asked.items() for p in n["people"] if p in email}
    return slack, set(asked), mails


async def saved_settled(group: Cluster) -> int:
    """How many deliveries the newest saved delivery state holds as settled."""
    names = TopicNames.for_settings(group.settings)
    state = await latest_snapshot(group.bootstrap, names.delivery_snapshots, 0)
    return 0 if state is None else len(state["ledger"]["settled"])


async def test_a_worker_killed_with_deliveries_in_flight_sends_no_message_twice(
    servers: StandIns, tmp_path: Path
) -> None:
    # The mail server refuses for now: every email is in flight, being retried, while
    # Slack and the webhook accept at once.
    servers.mail.refuse_rcpt = "451 4.3.0 mailbox busy, try again later"
    settings = settings_for(rules_dir(tmp_path, servers), tmp_path)
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        names = TopicNames.for_settings(settings)
        lines = read_lines(scenario(tmp_path / "burst.jsonl", minutes=5))
        await publish(group.bootstrap, names.raw, lines)
        pages = len(BRANDS)
        await wait_for(lambda: len(accepted(servers.slack)) >= pages, 60)
        await wait_for(
            lambda: len(accepted(servers.hook)) >= pages and servers.mail.refused >= pages
        )
        # Settled is saved: Slack and the webhook of every page (the emails are not).
        deadline = time.monotonic() + 10
        while await saved_settled(group) < 2 * pages:
            assert time.monotonic() < deadline, "the settled deliveries were not saved"
            await asyncio.sleep(0.1)
        _, in_flight = await group.incident_progress()
        assert in_flight >= pages  # every page still has its email under way
        killed_at = time.monotonic()
        group.workers[0].kill()
        servers.mail.refuse_rcpt = None
        await (await group.add_worker()).wait_ready()
        await group.wait_incidents(timeout=90)
        asked = await emitted(group)
    slack, hooks, mails = expected(asked)
    assert len(asked) == pages
    print(
        f"\nkill -9 with {in_flight} deliveries in flight: {len(servers.slack.seen)} Slack"
        f" requests, {len(servers.hook.seen)} webhook requests, {len(servers.mail.mails)}"
        f" mails for {len(asked)} notifications"
    )
    # Nothing accepted before the kill was sent again; what was in flight arrived once.
    assert Counter(accepted(servers.slack)) == Counter(dict.fromkeys(slack, 1))
    assert len(servers.slack.seen) == len(slack)
    assert Counter(accepted(servers.hook)) == Counter(dict.fromkeys(hooks, 1))
    assert len(servers.hook.seen) == len(hooks)
    assert Counter(mailed(servers)) == Counter(dict.fromkeys(mails, 1))
    assert all(at > killed_at for at in servers.mail.accepted_at)


async def test_channels_down_and_back_deliver_every_page_once_and_late(
    servers: StandIns, tmp_path: Path
) -> None:
    for receiver in (servers.slack, servers.hook):
        receiver.default = Answer(503, b"down for maintenance")
    servers.mail.refuse_rcpt = "451 4.3.2 service not available"
    back: list[float] = []

    async def restore() -> None:
        await wait_for(lambda: bool(servers.slack.seen), 60)
        await asyncio.sleep(OUTAGE)
        for receiver in (servers.slack, servers.hook):
            receiver.default = Answer()
        servers.mail.refuse_rcpt = None
        back.append(time.monotonic())

    settings = settings_for(rules_dir(tmp_path, servers), tmp_path)
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        restoring = asyncio.create_task(restore())
        result = await replay_through(group, scenario(tmp_path / "burst.jsonl", minutes=25), 60)
        await restoring
        asked = await emitted(group)
        delays = {
            channel: (
                await counted(group, "listener_notification_delivery_seconds_sum", channel=channel),
                await counted(
                    group, "listener_notification_delivery_seconds_count", channel=channel
                ),
            )
            for channel in ("slack", "email", "webhook")
        }
    slack, hooks, mails = expected(asked)
    assert any(n["kind"] == "escalated" for n in asked.values())  # level 2 fell due too
    # Every page arrived once, after the outage, having been refused during it.
    assert Counter(accepted(servers.slack)) == Counter(dict.fromkeys(slack, 1))
    assert Counter(accepted(servers.hook)) == Counter(dict.fromkeys(hooks, 1))
    assert Counter(mailed(servers)) == Counter(dict.fromkeys(mails, 1))
    for receiver in (servers.slack, servers.hook):
        assert all(s.at >= back[0] - 0.5 for s in receiver.seen if s.status == 200)
        assert {_source(s.body) for s in receiver.seen if s.status == 503}
    assert servers.mail.refused > 0 and min(servers.mail.accepted_at) >= back[0] - 0.5
    # Nobody was given up on, and how late each message was is recorded.
    assert not [d for d in result.dead_letters if d.reason == "notification_failed"]
    assert not [r for r in result.transitions if r["transition"]["kind"] == "delivery_failed"]
    late = {channel: total / count for channel, (total, count) in delays.items() if count}
    expected_counts = {"slack": len(slack), "webhook": len(hooks), "email": len(mails)}
    assert {c: n for c, (_, n) in delays.items()} == expected_counts
    refused = sum(s.status != 200 for r in (servers.slack, servers.hook) for s in r.seen)
    print(
        f"\noutage of {OUTAGE:.0f}s: {len(slack) + len(hooks) + len(mails)} messages delivered"
        f" once each after {refused} refused requests and {servers.mail.refused} refused"
        f" mails; mean delay per channel {', '.join(f'{c} {s:.1f}s' for c, s in late.items())}"
    )
    assert late["slack"] > OUTAGE / 2 and late["webhook"] > OUTAGE / 2


async def test_every_channel_refusing_for_good_gives_bounded_notices_and_dead_letters(
    servers: StandIns, tmp_path: Path
) -> None:
    servers.slack.default = Answer(404, b"no_service")  # a revoked incoming webhook
    servers.hook.default = Answer(410, b"gone")
    servers.mail.refuse_rcpt = "550 5.1.1 no such mailbox"
    settings = settings_for(rules_dir(tmp_path, servers), tmp_path)
    started = time.monotonic()
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        result = await replay_through(group, scenario(tmp_path / "burst.jsonl", minutes=25), 60)
        asked = await emitted(group)
        attempts = {
            (channel, outcome): await counted(
                group, "listener_notification_attempts_total", channel=channel, outcome=outcome
            )
            for channel in ("slack", "email", "webhook")
            for outcome in ("delivered", "gave_up")
        }
    took = time.monotonic() - started
    pages = [n for n in asked.values() if n["kind"] != "delivery_failed"]
    notices = [n for n in asked.values() if n["kind"] == "delivery_failed"]
    missed = sum(len(page["people"]) for page in pages)
    # One notice per person each page missed, none about a notice.
    assert {n["kind"] for n in pages} >= {"opened", "escalated"}
    assert 0 < len(notices) <= missed
    about_pages = {
        derived_id(page["incident"]["id"], "delivery_failed", f"{page['id']}|{person}")
        for page in pages
        for person in page["people"]
    }
    assert {n["id"] for n in notices} <= about_pages
    # Every failed delivery is dead-lettered once, with its attempts.
    letters = [d for d in result.dead_letters if d.reason == "notification_failed"]
    keys = [orjson.loads(d.payload)["attempts"][-1]["key"] for d in letters]
    assert len(keys) == len(set(keys))
    assert {orjson.loads(d.payload)["notification"] for d in letters} == set(asked)
    # Operators see it: attempts given up on every channel, none delivered.
    for channel in ("slack", "email", "webhook"):
        assert attempts[(channel, "gave_up")] > 0 and attempts[(channel, "delivered")] == 0
    print(
        f"\nevery channel refusing: {len(pages)} pages, {len(notices)} notices,"
        f" {len(letters)} dead letters, {took:.0f}s"
    )
