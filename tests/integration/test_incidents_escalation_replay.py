"""The Intesa Sanpaolo scenario through a worker with its notifiers pointed at a local Slack
stand-in and mail server: who is paged when, in event time, when nobody answers; and that
nobody else is paged once someone acknowledges, by a signed link or the command line, while
a forged or expired link acknowledges nothing."""

from __future__ import annotations

import argparse
import io
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
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

from listener.cli import build_parser
from listener.incidents.cli import run_command
from listener.incidents.tokens import LinkSigner
from listener.replay.collect import read_alerts
from listener.replay.driver import Cluster, ReplayResult, cluster, replay_through
from listener.replay.publish import read_lines
from listener.settings import Settings
from listener.topics import TopicNames

FIRESTORM = "intesa_sanpaolo.online-firestorm."
#: The first page of the firestorm falls due at 16:44, level 2 at 16:54: cut between.
CUT = datetime.fromisoformat("2017-10-03T16:50:00+02:00").timestamp()
ROME = ZoneInfo("Europe/Rome")
_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/incidents/[^/\s]+/ack\?token=\S+)")


@pytest.fixture
def servers() -> Iterator[StandIns]:
    with stand_ins() as found:
        yield found


def settings_for(servers: StandIns, tmp_path: Path) -> Settings:
    rules = write_rules(tmp_path / "rules", servers.smtp_port)
    return Settings(rules_dir=rules, partitions=4, data_dir=tmp_path)


def firestorm(result: ReplayResult) -> list[dict[str, Any]]:
    """The transitions of the firestorm incident, in the order they were made."""
    return [
        r["transition"] | {"position": len(r["incident"]["history"])}
        for r in result.transitions
        if r["incident"]["id"].startswith(FIRESTORM)
    ]


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
        listing = await cli(group, "list", "--status", "resolved")
        escalations = [
            await counted(group, "listener_escalations_total", level=level) for level in "12"
        ]
        still_open = await counted(group, "listener_incidents_open")
    # Level 1 when the first critical alert fired, level 2 ten minutes later, level 3
    # thirty: 16:44, 16:54 and 17:14 on this scenario.
    alert = next(a for a in result.alerts if a.rule == "negative-surge")
    fired = alert.fired_at.timestamp()
    pages = [(t["level"], t["event_at"]) for t in firestorm(result) if t["kind"] == "paged"]
    assert pages[:3] == [(1, fired), (2, fired + 600), (3, fired + 1800)]
    print("\nfirestorm paged at " + ", ".join(f"level {lv} {rome(at)}" for lv, at in pages[:3]))
    assert firestorm(result)[-1]["kind"] == "resolved"
    assert FIRESTORM in listing
    # Both incidents reached level 2 and level 3 ("1" and "2" steps beyond the owners);
    # the firestorm's level 2 was also raised early once, the brand being silent.
    assert escalations == [3.0, 2.0]
    assert still_open == 0

    slack = {notification_id(s.json()): s for s in servers.slack.seen}
    assert len(slack) == len(servers.slack.seen)  # every notification once
    texts = [s.json()["text"] for s in slack.values()]
    assert any(
        t.endswith("negative surge — 23 posts vs 1.0 usual — escalated to level 2") for t in texts
    )
    giulia = [str(m["Subject"]) for m in servers.mails() if "giulia.conti@" in str(m["To"])]
    assert any("negative surge" in s and "escalated to level 2" in s for s in giulia)

    # From the alert leaving the window agent to the page arriving on the Slack stand-in.
    first = next(s for s in servers.slack.seen if "negative surge" in s.json()["text"])
    latency = first.at + clock - alert.emitted_at.timestamp()
    print(f"\nalert emitted -> Slack stand-in received the page: {latency * 1000:.0f} ms")
    assert 0 < latency < 5.0


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
            if "maria.rossi@" in str(m["To"]) and "negative surge" in str(m["Subject"])
        ]  # fmt: skip
        (link,) = _LINK.findall(mail_text(maria[0]))
        incident_id = link.split("/incidents/")[1].split("/")[0]
        await refused_links(link, incident_id)
        async with httpx.AsyncClient() as client:
            page = await client.get(link)
            assert page.status_code == 200 and "Acknowledge as maria.rossi" in page.text
            token = link.split("token=")[1]
            done = await client.post(link.split("?")[0], data={"token": token})
            assert done.status_code == 202, done.text
        await wait_for(lambda: status_of(group, incident_id) == "acknowledged", 15)
        shown = await cli(group, "show", incident_id)
        # The other incident of the crisis (the volume spike): nobody is paged for the
        # brand any more, by the command line.
        silence = ["silence", "--brand", "intesa_sanpaolo", "--for", "2h", "--reason", "statement"]
        silenced = await cli(group, "--as", "giulia.conti", *silence)
        result = await publish_part(group, after, tmp_path / "part2.jsonl")
        alerts = await read_alerts(group.bootstrap, TopicNames.for_settings(settings).alerts)
    assert "acknowledged by maria.rossi: via link" in shown
    steps = firestorm(result)
    acked = next(t for t in steps if t["kind"] == "acknowledged")
    assert acked["who"] == "maria.rossi"
    assert [
        t["kind"] for t in steps if t["position"] > acked["position"] and t["kind"] == "paged"
    ] == []
    assert len([a for a in alerts if a.rule == "negative-surge"]) > 3  # the crisis went on
    texts = [s.json()["text"] for s in servers.slack.seen if "negative surge" in s.json()["text"]]
    assert not [t for t in texts if "escalated" in t or "reminder" in t], texts
    assert any(t.startswith("[ACKNOWLEDGED]") for t in texts)  # Luca hears who took it
    assert silenced.startswith("brand intesa_sanpaolo: silenced until ")
    spike = [
        r["transition"]
        for r in result.transitions
        if ".unexplained-attention." in r["incident"]["id"]
    ]
    kinds = [t["kind"] for t in spike]
    # Opened before the silence or after it (the cut is close to its alert): either way,
    # every page from then on is recorded as silenced, none sent.
    since = kinds[kinds.index("silenced") :] if "silenced" in kinds else kinds
    assert "page_silenced" in since and "paged" not in since


def status_of(group: Cluster, incident_id: str) -> str:
    """The incident's status as the worker's API shows it (polled from ``wait_for``)."""
    response = httpx.get(
        f"{group.workers[-1].url}/incidents/{incident_id}",
        headers={"authorization": f"Bearer {API_KEY}"},
    )
    return str(response.json()["incident"]["status"]) if response.status_code == 200 else ""


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
