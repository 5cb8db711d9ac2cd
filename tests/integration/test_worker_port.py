"""A worker whose port was given to another process before it could bind it is started
again on another port: a free port is only free when it is picked, and the demo, replays
and tests start workers beside other programs that open ports."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from listener.broker.admin import ensure_topics
from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


async def test_a_worker_whose_port_is_taken_starts_on_another(tmp_path: Path) -> None:
    settings = Settings(partitions=1)
    async with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        await ensure_topics(broker.bootstrap, TopicNames.for_settings(settings).all(), 1)
        worker = WorkerProcess(
            broker.bootstrap,
            tmp_path,
            env={"LISTENER_RULES_DIR": str(ROOT / "rules"), "LISTENER_PARTITIONS": "1"},
        )
        taken = worker.port
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", taken))
            squatter.listen()
            worker.start()
            try:
                await worker.wait_ready(timeout=60)
                assert worker.port != taken
                assert worker.process is not None and worker.process.poll() is None
                assert "address already in use" in worker.log_file.read_text()
            finally:
                await worker.stop()
