"""A silence set through a real worker's API outlives the worker: killed with SIGKILL and
replaced, the next worker still lists the silence and, when an alert of the brand
arrives, pages nobody, records why on the incident and counts the silenced page."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from test_incidents_delivery import RULES
from test_incidents_setup import ACK_SECRET, API_KEY, counted, stand_ins, write_rules

from listener.broker.topics import TopicNames
from listener.incidents.lifecycle.events import AlertReceived
from listener.incidents.lifecycle.log import Entry, Seal
from listener.records import Alert
from listener.replay.driver import cluster
from listener.settings import Settings

pytestmark = pytest.mark.timeout(120)
AUTH = {"authorization": f"Bearer {API_KEY}"}


def alert(now: float) -> Alert:
    fired = datetime.fromtimestamp(now, UTC)
    return Alert(
        id=f"negative-surge|acme_bank|{now}", rule="negative-surge", description="surge",
        brand="acme_bank", brand_name="Acme Bank", severity="critical", fired_at=fired,
        window="5m", condition="volume >= 20", figures={"volume": 40.0},
        baseline={"volume_baseline": 4.0}, samples=(), owners="bank-care",
        first_true_at=fired, emitted_at=fired,
    )  # fmt: skip


async def until_answered(client: httpx.AsyncClient, path: str, check: Any) -> Any:
    deadline = time.monotonic() + 30
    while True:
        data = (await client.get(path, headers=AUTH)).json()
        if check(data):
            return data
        assert time.monotonic() < deadline, f"{path}: {data}"
        await asyncio.sleep(0.2)


async def test_a_silence_outlives_the_worker_and_mutes_the_next_alert(tmp_path: Path) -> None:
    with stand_ins() as servers:
        rules = write_rules(tmp_path / "rules", servers.smtp_port, RULES)
        settings = Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)
        async with cluster(settings, tmp_path / "run", env=servers.env) as group:
            body = {"matchers": ["brand=acme_bank", "severity=~major|critical"], "for": "2h",
                    "reason": "planned maintenance", "who": "dan"}  # fmt: skip
            async with httpx.AsyncClient(base_url=group.workers[0].url, timeout=5) as client:
                made = await client.post("/silences", json=body, headers=AUTH)
                assert made.status_code == 202
                await until_answered(client, "/silences?state=active", lambda d: d["silences"])
            group.workers[0].kill()
            replacement = await group.add_worker()
            await replacement.wait_ready()
            names = TopicNames.for_settings(settings)
            entry = Entry((AlertReceived(alert(time.time())),), time.time())
            producer = AIOKafkaProducer(bootstrap_servers=group.bootstrap)
            await producer.start()
            try:
                await producer.send_and_wait(
                    names.incident_events, entry.dumps(Seal(ACK_SECRET)), partition=0
                )
            finally:
                await producer.stop()
            async with httpx.AsyncClient(base_url=replacement.url, timeout=5) as client:
                (listed,) = (await until_answered(client, "/silences", lambda d: d["silences"]))[
                    "silences"
                ]
                found = await until_answered(client, "/incidents", lambda d: d["incidents"])
                incident_id = found["incidents"][0]["id"]
                shown = await until_answered(
                    client, f"/incidents/{incident_id}",
                    lambda d: any(h["kind"] == "page_silenced" for h in d["incident"]["history"]),
                )  # fmt: skip
            silenced = await counted(group, "listener_pages_silenced_total")
    assert listed["id"] == made.json()["silence"] and listed["state"] == "active"
    assert listed["matchers"] == ["brand=acme_bank", "severity=~major|critical"]
    history = shown["incident"]["history"]
    assert [h["kind"] for h in history] == ["opened", "page_silenced"]
    assert "planned maintenance" in history[1]["detail"] and "by dan" in history[1]["detail"]
    assert shown["incident"]["status"] == "open"
    assert silenced == 1
    assert servers.slack.seen == [] and servers.mail.mails == []
