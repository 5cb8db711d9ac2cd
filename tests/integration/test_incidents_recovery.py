"""A worker killed with SIGKILL in the middle of the Intesa replay, and replaced, neither
loses an incident nor tells anyone twice: every notification the incident engine emitted
reaches the Slack stand-in once, and each of its people's mailboxes once.

The incident books are not snapshotted during the test (a snapshot every minute), so the
replacement rebuilds them from the whole incident log and emits every notification of the
first half again, with the same ids: the delivery ledger, saved after each delivery, is what
keeps them from being sent twice.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import orjson
from test_incidents_setup import StandIns, notification_id, stand_ins, write_rules

from listener.broker.topics import TopicNames
from listener.replay.collect import read_all
from listener.replay.driver import cluster, replay_through
from listener.replay.publish import read_lines
from listener.rules.files.loader import load_rules
from listener.settings import Settings

#: After the first three levels of the firestorm were paged, before its reminders.
CUT = datetime.fromisoformat("2017-10-03T17:25:00+02:00").timestamp()
_NOTIFICATION = re.compile(r"\.([0-9a-f]{20})\.")


def received(servers: StandIns) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """How often the Slack stand-in got each notification, and each person each one by
    mail (the Message-ID names the notification)."""
    slack = Counter(notification_id(seen.json()) for seen in servers.slack.seen)
    mails: Counter[tuple[str, str]] = Counter()
    for mail in servers.mails():
        found = _NOTIFICATION.search(str(mail["Message-ID"]))
        assert found is not None
        mails[(found.group(1), mail["To"].addresses[0].addr_spec)] += 1
    return slack, mails


async def test_a_worker_killed_mid_replay_tells_nobody_twice_and_nothing_is_lost(
    intesa_file: Path, tmp_path: Path
) -> None:
    lines = read_lines(intesa_file)
    with stand_ins() as servers:
        rules = write_rules(tmp_path / "rules", servers.smtp_port)
        settings = Settings(rules_dir=rules, partitions=4, data_dir=tmp_path, snapshot_seconds=60)
        async with cluster(settings, tmp_path / "run", env=servers.env) as group:
            first = tmp_path / "first.jsonl"
            first.write_bytes(b"\n".join(line.value for line in lines if line.ts < CUT) + b"\n")
            await replay_through(group, first, 60)
            before = len(servers.slack.seen)
            group.workers[0].kill()
            await (await group.add_worker()).wait_ready()
            rest = tmp_path / "rest.jsonl"
            rest.write_bytes(b"\n".join(line.value for line in lines if line.ts >= CUT) + b"\n")
            result = await replay_through(group, rest, 60)
            names = TopicNames.for_settings(settings)
            emitted = [
                orjson.loads(value)
                for *_, value in await read_all(group.bootstrap, names.notifications)
            ]
        slack, mails = received(servers)

    # What the engine asked for, once per notification id (the replacement emitted the
    # first half's again, with the same ids).
    asked = {notify["id"]: notify for notify in emitted}
    assert len(emitted) >= len(asked) + before
    address = {p: person.email for p, person in load_rules(rules).owners.people.items()}
    assert slack == Counter(dict.fromkeys(asked, 1))
    assert mails == Counter(
        {(i, address[p]): 1 for i, notify in asked.items() for p in notify["people"]}
    )
    # Pages went out before the kill and after it, from the replacement.
    assert 0 < before < len(slack)
    paged = [r for r in result.transitions if r["transition"]["kind"] == "paged"]
    assert any(r["transition"]["event_at"] >= CUT for r in paged)
    assert {r["incident"]["id"] for r in result.transitions} == {
        notify["incident"]["id"] for notify in asked.values()
    }
