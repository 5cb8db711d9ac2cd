"""Rules changed while a real worker runs: a file changed on disk, SIGHUP and the API.

A broken file is refused with its file and key, the old rules stay in force and the
out-of-sync metric says so; a valid change is taken without a restart: a brand added
to brands.yaml has its posts counted from then on, with the windows and the state kept.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from test_incidents_delivery import RULES, post
from test_incidents_setup import API_KEY, counted, stand_ins, write_rules

from listener.broker.topics import TopicNames
from listener.replay.driver import Cluster, cluster
from listener.settings import Settings

pytestmark = pytest.mark.timeout(150)
AUTH = {"authorization": f"Bearer {API_KEY}"}
BETA = """
  beta_co:
    name: Beta Co
    terms: [beta co]
    owners: bank-care
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"not seen within {seconds}s: {what}"
        await asyncio.sleep(0.25)


async def publish(group: Cluster, texts: list[str], first: int) -> None:
    names = TopicNames.for_settings(group.settings)
    producer = AIOKafkaProducer(bootstrap_servers=group.bootstrap)
    await producer.start()
    try:
        now = datetime.now(UTC)
        for n, text in enumerate(texts, first):
            await producer.send_and_wait(names.raw, post(n, now, text), partition=0)
    finally:
        await producer.stop()


async def status(group: Cluster) -> dict:
    async with httpx.AsyncClient(base_url=group.workers[0].url, timeout=10) as client:
        answer = await client.get("/rules", headers=AUTH)
        assert answer.status_code == 200, answer.text
        data: dict = answer.json()
        return data


async def test_a_file_changed_on_disk_is_refused_or_taken_live(tmp_path: Path) -> None:
    with stand_ins() as servers:
        rules = write_rules(tmp_path / "rules", servers.smtp_port, RULES)
        settings = Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)
        health = free_port()
        env = {
            **servers.env,
            "LISTENER_RULES_WATCH_SECONDS": "0.3",
            "LISTENER_HEALTH_PORT": str(health),
        }
        async with cluster(settings, tmp_path / "run", env=env) as group:
            assert (await status(group))["generation"] == 1
            # Liveness on its own port, answered by its own thread.
            async with httpx.AsyncClient(timeout=10) as client:
                live = await client.get(f"http://127.0.0.1:{health}/health/live")
            assert live.status_code == 200 and live.json()["live"] is True
            brands = rules / "brands.yaml"
            original = brands.read_text()
            # A typo: refused, with the file and key; the live rules stay.
            brands.write_text(original.replace("owners: bank-care", "owners: bank-cars"))

            async def refused() -> bool:
                return await counted(group, "listener_rules_reloads_total", outcome="refused") > 0

            await until(refused, "the broken brands.yaml refused")
            assert await counted(group, "listener_rules_out_of_sync") == 1
            live = await status(group)
            assert live["generation"] == 1 and live["out_of_sync"] is True
            (issue,) = live["last_reload"]["issues"]
            assert issue["file"] == str(brands) and issue["key"] == "brands.acme_bank.owners"
            assert "bank-cars" in issue["message"]
            # Posts of a brand the live rules do not know are not counted.
            await publish(group, ["Beta Co lost my card again"] * 3, first=1)

            async def unmatched() -> bool:
                return await counted(group, "listener_posts_unmatched_total") >= 3

            await until(unmatched, "three posts of an unknown brand read")
            # Fixed and a brand added: taken live, and its posts counted from now on.
            brands.write_text(original + BETA)

            async def applied() -> bool:
                return (await status(group))["generation"] == 2

            await until(applied, "the new brands.yaml applied")
            assert await counted(group, "listener_rules_out_of_sync") == 0
            assert await counted(group, "listener_rules_generation") == 2
            before = await counted(group, "listener_window_posts_counted_total")
            await publish(group, ["Beta Co app is down", "Beta Co support is slow"], first=10)

            async def beta_counted() -> bool:
                now = await counted(group, "listener_window_posts_counted_total")
                return now >= before + 2

            await until(beta_counted, "the new brand's posts counted")
            assert await counted(group, "listener_posts_unmatched_total") == 3
            assert group.workers[0].process is not None
            assert group.workers[0].process.poll() is None  # never restarted


async def test_sighup_and_the_api_reload_and_a_new_window_layout_waits_for_a_restart(
    tmp_path: Path,
) -> None:
    with stand_ins() as servers:
        rules = write_rules(tmp_path / "rules", servers.smtp_port, RULES)
        settings = Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)
        env = {**servers.env, "LISTENER_RULES_WATCH_SECONDS": "0"}  # no watching
        async with cluster(settings, tmp_path / "run", env=env) as group:
            worker = group.workers[0]
            assert worker.process is not None
            alerts = rules / "alerts.yaml"
            text = alerts.read_text()
            alerts.write_text(text.replace("negative >= 5", "negative >= 4"))
            await asyncio.sleep(1.0)
            assert (await status(group))["generation"] == 1  # not watched: nothing yet
            os.kill(worker.process.pid, signal.SIGHUP)

            async def applied() -> bool:
                return (await status(group))["generation"] == 2

            await until(applied, "the SIGHUP reload applied")
            assert (await status(group))["last_reload"]["reason"] == "sighup"
            # A new window layout cannot be taken live: refused through the API, 422.
            alerts.write_text(text.replace("step: 1m", "step: 30s"))
            async with httpx.AsyncClient(base_url=worker.url, timeout=30) as client:
                answer = await client.post("/rules/reload", headers=AUTH)
                assert answer.status_code == 422, answer.text
                body = answer.json()
                assert body["outcome"] == "refused" and body["generation"] == 2
                (issue,) = body["issues"]
                assert issue["key"] == "windows" and "restart" in issue["message"]
                assert body["live"]["out_of_sync"] is True
                # Without the key, nothing is reloaded.
                assert (await client.post("/rules/reload")).status_code == 401
                alerts.write_text(text)
                answer = await client.post("/rules/reload", headers=AUTH)
                assert answer.status_code == 200 and answer.json()["outcome"] == "applied"
                again = await client.post("/rules/reload", headers=AUTH)
                assert again.json()["outcome"] == "unchanged"
            assert (await status(group))["generation"] == 3
            assert await counted(group, "listener_rules_reloads_total", outcome="refused") == 1
            assert worker.process.poll() is None
