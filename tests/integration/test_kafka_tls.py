"""listener's Kafka clients over real TLS: the embedded broker speaks plain text only, so a
TLS front (the standard library's TLS server, forwarding bytes) stands before it and the
broker advertises the front's address. Topic creation, a producer, the readers that
rebuild state and a whole worker go through it with LISTENER_KAFKA_SSL_* settings; a
broker certificate the CA did not sign is refused, and so is a client without the
certificate a front asks for. SASL is not exercised: the embedded broker cannot be given
users once it asks for them (the arguments each client is given for SASL are checked in
tests/unit/test_kafka_client.py)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]

from listener.broker import kafka_client
from listener.broker.admin import ensure_topics
from listener.broker.process import WorkerProcess
from listener.broker.tansu import free_port, tansu_binary, terminate, wait_for_port
from listener.errors import BrokerError
from listener.settings import Settings
from listener.windows.recovery import read_range

ROOT = Path(__file__).resolve().parents[2]


def make_pair(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to make")
    folder = tmp_path_factory.mktemp("tls")
    return {name: make_pair(folder, name) for name in ("broker", "stranger", "client")}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


@asynccontextmanager
async def tls_front(server: tuple[Path, Path], client_ca: Path | None = None) -> AsyncIterator[str]:
    """A broker behind a TLS front; yields the front's address (what the broker advertises)."""
    inner, outer = free_port(), free_port()
    argv = [
        tansu_binary(), "broker",
        "--listener-url", f"tcp://127.0.0.1:{inner}",
        "--advertised-listener-url", f"tcp://127.0.0.1:{outer}",
        "--storage-engine", "memory://tansu/",
    ]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*server)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        to_reader, to_writer = await asyncio.open_connection("127.0.0.1", inner)
        await asyncio.gather(_pipe(reader, to_writer), _pipe(to_reader, writer))

    front = await asyncio.start_server(forward, "127.0.0.1", outer, ssl=context)
    try:
        await wait_for_port("127.0.0.1", inner, 15)
        yield f"127.0.0.1:{outer}"
    finally:
        front.close()
        await terminate(process, 10)


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    yield
    kafka_client.use(Settings())


async def write_and_read(bootstrap: str) -> list[bytes]:
    await ensure_topics(bootstrap, ["tls.posts"], 1, timeout=10)
    producer = AIOKafkaProducer(**kafka_client.client_kwargs(bootstrap))
    await producer.start()
    try:
        for n in range(3):
            await producer.send_and_wait("tls.posts", f"post {n}".encode())
    finally:
        await producer.stop()
    return [value async for _, value in read_range(bootstrap, "tls.posts", 0, 0, None)]


@pytest.mark.timeout(120)
async def test_every_client_works_over_tls_and_checks_the_broker_certificate(
    pairs: dict[str, tuple[Path, Path]], caplog: pytest.LogCaptureFixture
) -> None:
    async with tls_front(pairs["broker"]) as bootstrap:
        kafka_client.use(
            Settings(
                kafka_bootstrap=bootstrap,
                kafka_security_protocol="SSL",
                kafka_ssl_cafile=pairs["broker"][0],
            )
        )
        assert await write_and_read(bootstrap) == [b"post 0", b"post 1", b"post 2"]
        # Trusting another CA, the same broker is refused: its certificate is checked.
        kafka_client.use(
            Settings(
                kafka_bootstrap=bootstrap,
                kafka_security_protocol="SSL",
                kafka_ssl_cafile=pairs["stranger"][0],
            )
        )
        with pytest.raises(BrokerError, match="Unable to bootstrap"):
            await ensure_topics(bootstrap, ["tls.other"], 1, timeout=5)
        assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


@pytest.mark.timeout(120)
async def test_a_client_certificate_is_presented_when_the_cluster_asks(
    pairs: dict[str, tuple[Path, Path]],
) -> None:
    client = pairs["client"]
    async with tls_front(pairs["broker"], client_ca=client[0]) as bootstrap:
        common = {
            "kafka_bootstrap": bootstrap,
            "kafka_security_protocol": "SSL",
            "kafka_ssl_cafile": pairs["broker"][0],
        }
        kafka_client.use(Settings(**common))  # type: ignore[arg-type]
        with pytest.raises(BrokerError, match="Unable to bootstrap"):
            await ensure_topics(bootstrap, ["tls.mutual"], 1, timeout=5)
        kafka_client.use(
            Settings(**common, kafka_ssl_certfile=client[0], kafka_ssl_keyfile=client[1])  # type: ignore[arg-type]
        )
        assert await write_and_read(bootstrap) == [b"post 0", b"post 1", b"post 2"]


@pytest.mark.timeout(180)
async def test_a_worker_joins_its_group_over_tls(
    pairs: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    # Faust's own consumer and producer take the same settings (broker_credentials).
    async with tls_front(pairs["broker"]) as bootstrap:
        env = {
            "LISTENER_KAFKA_SECURITY_PROTOCOL": "SSL",
            "LISTENER_KAFKA_SSL_CAFILE": str(pairs["broker"][0]),
            "LISTENER_RULES_DIR": str(ROOT / "rules"),
            "LISTENER_TOPIC_PREFIX": "tls",
            "LISTENER_PARTITIONS": "1",
        }
        worker = WorkerProcess(bootstrap, tmp_path / "worker", env=env)
        worker.start()
        try:
            await worker.wait_ready(120)
        finally:
            await worker.stop()
        assert "CERTIFICATE_VERIFY_FAILED" not in worker.log_file.read_text()
