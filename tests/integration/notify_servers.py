"""Real local servers for the notifier tests: an HTTP server on a free 127.0.0.1 port that
stands in for Slack and webhook receivers, and aiosmtpd for email; and one notification."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from listener.notifiers import Kind, NextStep, Notification, Recipient
from listener.notifiers.email import EmailConfig
from listener.records import Alert, SamplePost

HOSTILE = "<!channel> @here <http://evil.example|click> now\r\nBcc: x@evil.example"
FIRED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
MARIA = Recipient("maria.rossi", "Maria Rossi", slack="U012AB3CD", email="maria@example.com")
LUCA = Recipient("luca.bianchi", "Luca Bianchi", slack="@luca", email="luca@example.com")


def notification(
    kind: Kind = Kind.OPENED, level: int = 1, recipients: tuple[Recipient, ...] = (MARIA, LUCA)
) -> Notification:
    """Incident inc-1 of Intesa Sanpaolo, whose one sample post is hostile."""
    post = SamplePost(
        "twitter:1",
        "twitter",
        FIRED.isoformat(),
        "cliente",
        1200,
        HOSTILE,
        "https://twitter.example/status/1",
        -0.8,
        "negative",
    )
    figures = {"volume": 22.0, "volume_ratio": 15.7, "volume_z": 9.3, "negative_share": 0.64}
    alert = Alert(
        id="a1",
        rule="negative-surge",
        description="Many more posts than usual, mostly negative.",
        brand="intesa",
        brand_name="Intesa Sanpaolo",
        severity="critical",
        fired_at=FIRED,
        window="5m",
        condition="volume_z > 4",
        figures=figures,
        baseline={"volume_baseline": 1.4},
        samples=(post,),
        owners="bank-crisis",
        first_true_at=FIRED,
        emitted_at=FIRED,
    )
    return Notification(
        kind=kind,
        incident_id="inc-1",
        alert=alert,
        level=level,
        recipients=recipients,
        at=FIRED,
        next_step=NextStep(2, FIRED + timedelta(minutes=10), ("Giulia Conti",)),
        ack_url="https://listener.example.com/ack/inc-1",
        playbook=("Post the holding statement",),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- HTTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the receiver answers to one request, after ``delay`` seconds."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    """One request the receiver got, when (monotonic seconds), and the status it was
    answered with."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int = 200

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Records every request; answers with the queued answers, then with ``default``."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.answers: deque[Answer] = deque()
        self.default = Answer()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests."""
        return [b.at - a.at for a, b in zip(self.seen, self.seen[1:], strict=False)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = receiver.answers.popleft() if receiver.answers else receiver.default
                seen = Seen(self.path, headers, body, time.monotonic(), answer.status)
                receiver.seen.append(seen)
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting, which is what a timeout test wants

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(
        target=receiver.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join()


# --- SMTP --------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it is sent, or refuses recipients as told."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes]] = []
        self.refuse_rcpt: str | None = None
        #: When each mail was accepted (monotonic seconds), and how many recipients refused.
        self.accepted_at: list[float] = []
        self.refused = 0

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.refuse_rcpt:
            self.refused += 1
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes) and envelope.mail_from is not None
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.accepted_at.append(time.monotonic())
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(box: Mailbox, **options: Any) -> Iterator[int]:
    """aiosmtpd serving ``box`` on a free port (yielded); ``options`` go to its SMTP class."""
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def mail_config(port: int, **changes: Any) -> EmailConfig:
    return EmailConfig.model_validate(
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "plain",
            "timeout": "5s",
            "from_address": "listener@example.com",
        }
        | changes
    )


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (certificate, key), made by openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def check_login(
    server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """aiosmtpd's authenticator: only listener / s3cret may log in."""
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"listener"
    ok = ok and auth_data.password == b"s3cret"
    # handled=False: aiosmtpd then answers 535 itself; True would leave the client waiting.
    return AuthResult(success=ok, handled=False)
