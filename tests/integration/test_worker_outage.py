"""A worker whose broker goes away: it logs the outage in a few lines on stderr, not a
hundred a second, and a SIGTERM still ends it within LISTENER_SHUTDOWN_SECONDS (stopping
cleanly would wait for the broker forever)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from listener.broker.tansu import EmbeddedBroker, free_port

ROOT = Path(__file__).resolve().parents[2]
LISTENER = Path(sys.executable).parent / "listener"


def records(log: Path) -> int:
    """Log records in the file so far (a traceback's lines belong to its record)."""
    return len(re.findall(rb"^\d{4}-\d\d-\d\d \d\d:", log.read_bytes(), flags=re.MULTILINE))


async def ready(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the worker exited"
        try:
            await asyncio.to_thread(
                urllib.request.urlopen, f"http://127.0.0.1:{port}/health/ready", timeout=1
            )
            return
        except OSError:
            await asyncio.sleep(0.3)
    raise AssertionError("the worker was not ready in time")


@pytest.mark.timeout(120)
async def test_a_broker_outage_is_logged_sparingly_and_sigterm_is_bounded(tmp_path: Path) -> None:
    broker = EmbeddedBroker()
    await broker.start()
    port = free_port()
    env = {
        **os.environ,
        "LISTENER_KAFKA_BOOTSTRAP": broker.bootstrap,
        # A parent that does not exist yet: the worker creates it.
        "LISTENER_DATA_DIR": str(tmp_path / "missing" / "var"),
        "LISTENER_WEB_PORT": str(port),
        "LISTENER_TOPIC_PREFIX": f"t{uuid.uuid4().hex[:8]}",
        "LISTENER_PARTITIONS": "2",
        "LISTENER_RULES_DIR": str(ROOT / "rules"),
        "LISTENER_SHUTDOWN_SECONDS": "3",
    }
    log, printed = tmp_path / "worker.log", tmp_path / "worker.out"
    with log.open("wb") as err, printed.open("wb") as out:
        process = subprocess.Popen([str(LISTENER), "worker"], env=env, stdout=out, stderr=err)
    try:
        await ready(port, process, 60)
        before = records(log)
        await broker.stop()
        await asyncio.sleep(8)
        during = records(log) - before
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        await asyncio.to_thread(process.wait, 15)
        took = time.monotonic() - stopped
    finally:
        if process.poll() is None:
            process.kill()
        await broker.stop()
    print(f"\n{during} log records in 8 s of outage; exited {took:.1f} s after SIGTERM")
    # Before: about 140 lines a second. Now each kind of line is shown at 0, 1, 2, 4 s.
    assert during < 60, log.read_text()[-3000:]
    assert took < 3 + 5, took
    assert "stopping (SIGTERM)" in log.read_text()
    assert printed.read_text() == ""  # every line went to stderr, none to stdout
