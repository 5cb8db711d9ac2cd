"""A listener worker as a separate process: what the demo, replays and tests run.

The worker is the real thing (``python -m listener worker``), started with its own
session so it can be killed alone, and ready once its web server says so.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

from listener.broker.kafka_client import child_environment
from listener.broker.tansu import die_with_parent, free_port, terminate
from listener.errors import BrokerError

#: Starts of a worker on a fresh port when the one picked for it was given to another
#: process before the worker could bind it (a free port is only free when it is picked).
PORT_TRIES = 3


class WorkerProcess:
    """One ``listener worker`` process bound to 127.0.0.1 on a free port."""

    def __init__(
        self,
        bootstrap: str,
        data_dir: Path,
        env: Mapping[str, str] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.data_dir = data_dir
        self.port = free_port()
        self._env = dict(env or {})
        self.log_file = log_file or data_dir / f"worker-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        #: Where this start's lines begin in the log file.
        self._log_from = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **child_environment(self.bootstrap, os.environ),
            "LISTENER_KAFKA_BOOTSTRAP": self.bootstrap,
            "LISTENER_WEB_HOST": "127.0.0.1",
            "LISTENER_WEB_PORT": str(self.port),
            "LISTENER_DATA_DIR": str(self.data_dir),
            **self._env,
        }
        with open(self.log_file, "ab") as out:
            self._log_from = out.tell()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "listener", "worker"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    async def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until the worker has joined the group and owns partitions; returns seconds.
        A worker that could not bind its port is started again on another."""
        for _ in range(PORT_TRIES - 1):
            try:
                return await self._wait_ready(timeout)
            except BrokerError:
                if not self._port_taken():
                    raise
            self.port = free_port()
            self.start()
        return await self._wait_ready(timeout)

    def _port_taken(self) -> bool:
        """Whether this start ended because its web port was in use."""
        try:
            with open(self.log_file, "rb") as log:
                log.seek(self._log_from)
                text = log.read().decode(errors="replace")
        except OSError:
            return False
        return "address already in use" in text and f"', {self.port})" in text

    async def _wait_ready(self, timeout: float) -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with httpx.AsyncClient(timeout=2.0) as client:
            while loop.time() - started < timeout:
                if self.process is None or self.process.poll() is not None:
                    raise BrokerError(f"the worker exited at start; see {self.log_file}")
                try:
                    response = await client.get(f"{self.url}/health/ready")
                    if response.status_code == 200:
                        return loop.time() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise BrokerError(f"the worker was not ready after {timeout:.0f}s; see {self.log_file}")

    def kill(self) -> None:
        """SIGKILL: no goodbye, no final commit, exactly like a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    async def stop(self, timeout: float = 15.0) -> None:
        await terminate(self.process, timeout)
