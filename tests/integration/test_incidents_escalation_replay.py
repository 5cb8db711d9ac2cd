"""The Intesa Sanpaolo scenario through a worker with its notifiers pointed at a local Slack
stand-in and mail server: who is paged when, in event time, when nobody answers; and that
nobody else is paged once someone acknowledges, by a signed link or the command line, while
a forged or expired link acknowledges nothing."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from test_incidents_setup import (
    ACK_SECRET,
    API_KEY,
    StandIns,
    counted,
    mail_text,
    notification_id,
    stand_ins,
    wait_for,
    write_rules,
)

from listener.broker.topics import TopicNames
from listener.cli import build_parser
from listener.incidents.access.cli.incidents import run_command
from listener.incidents.access.tokens import LinkSigner
from listener.incidents.lifecycle.events import Acknowledge
from listener.incidents.lifecycle.log import Entry, Seal
from listener.incidents.lifecycle.policy import Policies
from listener.replay.collect import read_alerts, read_dead_letters
from listener.replay.driver import Cluster, ReplayResult, cluster, replay_through
from listener.replay.publish import read_lines
from listener.rules.files.loader import load_rules
from listener.settings import Settings

BANK = "intesa_sanpaolo."
#: The first page of the crisis falls due at 16:40, level 2 at 16:50: cut between.
CUT = datetime.fromisoformat("2017-10-03T16:45:00+02:00").timestamp()
ROME = ZoneInfo("Europe/Rome")
_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/incidents/[^/\s]+/ack\?token=\S+)")


@pytest.fixture
def servers() -> Iterator[StandIns]:
    with stand_ins() as found:
        yield found


def settings_for(servers: StandIns, tmp_path: Path) -> Settings:
    rules = write_rules(tmp_path / "rules", servers.smtp_port)
    return Settings(rules_dir=rules, partitions=4, data_dir=tmp_path)


def crisis(result: ReplayResult) -> list[dict[str, Any]]:
    """The transitions of the bank's first incident, the crisis of 3 October, in the order
    they were made, each with the incident as it was after it. The whole wave makes one
    incident: the bank's other incidents open only once it is resolved (the wave runs on
    into the 4th, so in this replay there are none)."""
    records = [r for r in result.transitions if r["incident"]["id"].startswith(BANK)]
    first = records[0]["incident"]["id"]
    mine = [r for r in records if r["incident"]["id"] == first]
    closed = mine[-1]["incident"]["resolved_at"]
    later = [r["incident"] for r in records if r["incident"]["id"] != first]
    assert all(closed is not None and i["opened_at"] >= closed for i in later)
    return [
        r["transition"] | {"position": len(r["incident"]["history"]), "incident": r["incident"]}
        for r in mine
    ]


def escalated(result: ReplayResult, level: int) -> float:
    """How many times any incident paged ``level`` (from 2) by escalating, on time or early
    because the brand was silent: what ``listener_escalations_total`` counts."""
    return float(
        sum(
            1
            for r in result.transitions
            if r["transition"]["kind"] == "paged"
            and r["transition"]["level"] == level
            and str(r["transition"]["detail"]).startswith(("escalated:", "brand_silent:"))
        )
    )


def rome(ts: float) -> str:
    return datetime.fromtimestamp(ts, ROME).strftime("%H:%M")


async def cli(group: Cluster, *argv: str) -> str:
    args: argparse.Namespace = build_parser().parse_args(
        ["incidents", "--url", group.workers[-1].url, *argv]
    )
    out = io.StringIO()
    assert await run_command(args, {"LISTENER_API_KEY": API_KEY}, out=out) == 0
    return out.getvalue()


async def test_each_level_is_paged_in_event_time_while_nobody_acknowledges(
    servers: StandIns, tmp_path: Path, intesa_file: Path
) -> None:
    settings = settings_for(servers, tmp_path)
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        clock = time.time() - time.monotonic()
        result = await replay_through(group, intesa_file, 60)
        listing = await cli(group, "list")
        escalations = [
            await counted(group, "listener_escalations_total", level=level) for level in "12"
        ]
        still_open = await counted(group, "listener_incidents_open")
    # Level 1 when the first alert of warning or higher fired, level 2 ten minutes later,
    # level 3 thirty, or sooner when an alert shows the brand silent since the wave began
    # (16:40, 16:50 and 17:02 on this scenario).
    steps = crisis(result)
    opener = steps[0]["incident"]["alert_ids"][0]
    alert = next(a for a in result.alerts if a.id == opener)
    fired = alert.fired_at.timestamp()
    paged = [t for t in steps if t["kind"] == "paged"]
    pages = [(t["level"], t["event_at"]) for t in paged]
    assert pages[:2] == [(1, fired), (2, fired + 600)]
    assert pages[2][0] == 3 and fired + 600 <= pages[2][1] <= fired + 1800
    print("\ncrisis paged at " + ", ".join(f"level {lv} {rome(at)}" for lv, at in pages[:3]))
    # The wave runs on into the 4th: the incident is still open when the replay ends.
    assert steps[-1]["incident"]["status"] == "notified"
    assert steps[0]["incident"]["id"] in listing
    # The other rules of the wave joined the same incident.
    assert len(steps[-1]["incident"]["rules"]) > 1
    # Levels 2 and 3 once each ("1" and "2" steps beyond the owners); then everyone is
    # reminded, 30 minutes after level 3, then an hour after that, and so on.
    assert [lv for lv, _ in pages[:3]] == [1, 2, 3] and {lv for lv, _ in pages[3:]} == {1}
    assert pages[3:5] == [(1, fired + 3600), (1, fired + 7200)]
    assert escalations == [escalated(result, 2), escalated(result, 3)]
    assert still_open == 1

    slack = {notification_id(s.json()): s for s in servers.slack.seen}
    assert len(slack) == len(servers.slack.seen)  # every notification once
    incident_id = steps[0]["incident"]["id"]
    about = {key: s for key, s in slack.items() if incident_id in str(s.json())}
    assert len(about) == len(pages)  # every page, once
    # Level 2 reads the newest alert gathered with the steps of the incident's risk, as it
    # is then, at the incident's severity.
    (second,) = [s for s in about.values() if s.json()["text"].endswith("escalated to level 2")]
    rules = load_rules(settings.rules_dir)
    then = paged[1]["incident"]
    expected = Policies.build(rules, rules.risks).playbook(then["risk"], then["severity"])
    assert expected and all(step[:40] in str(second.json()) for step in expected)
    giulia = [str(m["Subject"]) for m in servers.mails() if "giulia.conti@" in str(m["To"])]
    assert any("escalated to level 2" in s for s in giulia)
    # Each reminder round tells everyone of every level, in one message each.
    reminders = Counter(
        str(m["To"])
        for m in servers.mails()
        if "reminder" in str(m["Subject"]) and incident_id in mail_text(m)
    )
    assert len(reminders) == 4 and set(reminders.values()) == {len(pages) - 3}

    # From the alert leaving the window agent to the page arriving on the Slack stand-in:
    # printed, not held to a speed (a busy machine is slower); it comes after the alert.
    first = servers.slack.seen[0]
    latency = first.at + clock - alert.emitted_at.timestamp()
    print(f"\nalert emitted -> Slack stand-in received the page: {latency * 1000:.0f} ms")
    assert latency > 0


async def publish_part(group: Cluster, lines: list[bytes], path: Path) -> ReplayResult:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return await replay_through(group, path, 60)


async def test_nobody_is_paged_after_an_acknowledgement_and_bad_links_do_nothing(
    servers: StandIns, tmp_path: Path, intesa_file: Path
) -> None:
    settings = settings_for(servers, tmp_path)
    lines = read_lines(intesa_file)
    before = [line.value for line in lines if line.ts < CUT]
    after = [line.value for line in lines if line.ts >= CUT]
    async with cluster(settings, tmp_path / "run", env=servers.env) as group:
        await publish_part(group, before, tmp_path / "part1.jsonl")
        maria = [
            m for m in servers.mails()
            if "maria.rossi@" in str(m["To"]) and str(m["Subject"]).endswith("level 1")
        ]  # fmt: skip
        (link,) = _LINK.findall(mail_text(maria[0]))
        incident_id = link.split("/incidents/")[1].split("/")[0]
        await refused_links(link, incident_id)
        await forged_actions(group, incident_id)
        async with httpx.AsyncClient() as client:
            page = await client.get(link)
            assert page.status_code == 200 and "Acknowledge as maria.rossi" in page.text
            token = link.split("token=")[1]
            done = await client.post(link.split("?")[0], data={"token": token})
            assert done.status_code == 202, done.text
        await wait_for(lambda: status_of(group, incident_id) == "acknowledged", 15)
        shown = await cli(group, "show", incident_id)
        # Nobody is paged for the brand any more, by the command line.
        silence = ["silence", "--brand", "intesa_sanpaolo", "--for", "2h", "--reason", "statement"]
        silenced = await cli(group, "--as", "giulia.conti", *silence)
        result = await publish_part(group, after, tmp_path / "part2.jsonl")
        alerts = await read_alerts(group.bootstrap, TopicNames.for_settings(settings).alerts)
    assert "acknowledged by maria.rossi: via link" in shown
    steps = crisis(result)
    acked = next(t for t in steps if t["kind"] == "acknowledged")
    assert acked["who"] == "maria.rossi"
    assert [
        t["kind"] for t in steps if t["position"] > acked["position"] and t["kind"] == "paged"
    ] == []
    assert len([a for a in alerts if a.rule == "negative-surge"]) > 3  # the crisis went on
    texts = [s.json()["text"] for s in servers.slack.seen if incident_id in str(s.json())]
    assert not [t for t in texts if "escalated" in t or "reminder" in t], texts
    assert any(t.startswith("[ACKNOWLEDGED]") for t in texts)  # Luca hears who took it
    assert silenced.startswith("brand intesa_sanpaolo: silenced until ")
    # The other alerts of the wave joined the acknowledged incident instead of opening
    # (and paging) incidents of their own; the brand's silence is recorded on it.
    assert steps[0]["incident"]["id"] == incident_id
    assert len(steps[-1]["incident"]["rules"]) > 1
    assert "silenced" in [t["kind"] for t in steps]


def status_of(group: Cluster, incident_id: str) -> str:
    """The incident's status as the worker's API shows it (polled from ``wait_for``)."""
    response = httpx.get(
        f"{group.workers[-1].url}/incidents/{incident_id}",
        headers={"authorization": f"Bearer {API_KEY}"},
    )
    return str(response.json()["incident"]["status"]) if response.status_code == 200 else ""


async def forged_actions(group: Cluster, incident_id: str) -> None:
    """Acknowledgements written straight to the incident log by someone who can reach
    Kafka, unsigned or signed with another secret, are dead-lettered and change nothing."""
    names = TopicNames.for_settings(group.settings)
    ack = Entry((Acknowledge(incident_id, "mallory", time.time(), "api"),), time.time())
    producer = AIOKafkaProducer(bootstrap_servers=group.bootstrap)
    await producer.start()
    try:
        for value in (ack.dumps(), ack.dumps(Seal("not-the-secret-" + "x" * 32))):
            await producer.send_and_wait(names.incident_events, value, key=b"intesa_sanpaolo")
    finally:
        await producer.stop()
    wanted = {"unsigned_incident_entry", "forged_incident_entry"}
    deadline = time.monotonic() + 15
    while True:
        letters = await read_dead_letters(group.bootstrap, names.dead_letter)
        if wanted <= {letter.reason for letter in letters}:
            break
        assert time.monotonic() < deadline, "the forged entries were not dead-lettered"
        await asyncio.sleep(0.2)
    assert status_of(group, incident_id) == "notified"


async def refused_links(link: str, incident_id: str) -> None:
    """A link with its signature altered, and one signed two days ago, acknowledge nothing."""
    base, token = link.split("?token=")
    payload, signature = token.split(".")
    forged = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    old = LinkSigner(ACK_SECRET).sign(incident_id, "ack", "maria.rossi", time.time() - 2 * 86_400)
    async with httpx.AsyncClient() as client:
        for bad, reason in ((forged, "not signed by listener"), (old, "expired")):
            page = await client.get(f"{base}?token={bad}")
            assert page.status_code == 403 and reason in page.text
            done = await client.post(base, data={"token": bad})
            assert done.status_code == 403 and reason in done.text
