"""The email notifier against a real SMTP server (aiosmtpd on a free 127.0.0.1 port): plain,
STARTTLS with a login, refusals and silence (see notify_servers.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from notify_servers import (
    MARIA,
    Mailbox,
    check_login,
    mail_config,
    make_certificate,
    notification,
    smtp_server,
    tls_context,
)

from listener.notifiers import DeliveryError
from listener.notifiers.email import email_notifier


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_mailbox(certificate: tuple[Path, Path]) -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    options = {
        "tls_context": tls_context(*certificate),
        "require_starttls": True,
        "authenticator": check_login,
        "auth_required": True,
    }
    with smtp_server(box, **options) as port:
        yield box, port


async def test_email_arrives_with_two_parts_and_no_injected_header(
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    only_maria = notification(recipients=(MARIA,))
    await email_notifier(mail_config(port), {}, tz=UTC).send(only_maria)
    [(sender, recipients, content)] = box.mails
    assert sender == "listener@example.com" and recipients == ["maria@example.com"]
    mail = message_from_bytes(content, policy=default)
    assert mail["Bcc"] is None and "evil" not in "".join(f"{k}{v}" for k, v in mail.items())
    assert mail["Subject"] == (
        "[CRITICAL] Intesa Sanpaolo: negative surge — 22 posts vs 1.4 usual — level 1"
    )
    types = [p.get_content_type() for p in mail.walk() if not p.is_multipart()]
    assert types == ["text/plain", "text/html"]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert (
        "&lt;!channel&gt; @here &lt;http://evil.example|click&gt; now Bcc: x@evil.example" in html
    )


async def test_a_temporary_refusal_is_retryable_and_a_permanent_one_is_not(
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    notifier = email_notifier(mail_config(port), {}, tz=UTC)
    for answer, retryable in [
        ("451 4.3.0 Try again later", True),
        ("550 5.1.1 No such user", False),
    ]:
        box.refuse_rcpt = answer
        with pytest.raises(DeliveryError) as caught:
            await notifier.send(notification())
        assert caught.value.retryable is retryable, answer
    assert box.mails == []


async def test_an_smtp_server_that_never_greets_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections are queued and never answered
        config = mail_config(silent.getsockname()[1], timeout="1s")
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            await email_notifier(config, {}, tz=UTC).send(notification())
    assert 0.9 <= time.monotonic() - started < 2.5
    assert caught.value.retryable and str(caught.value) == "email: no answer within 1s"


@pytest.mark.parametrize(("password", "delivered"), [("s3cret", True), ("wrong", False)])
async def test_starttls_and_login(
    tls_mailbox: tuple[Mailbox, int], certificate: tuple[Path, Path], password: str, delivered: bool
) -> None:
    box, port = tls_mailbox
    config = mail_config(
        port,
        security="starttls",
        username="listener",
        password_env="LISTENER_SMTP_PASSWORD",
        ca_file=str(certificate[0]),
    )
    notifier = email_notifier(config, {"LISTENER_SMTP_PASSWORD": password}, tz=UTC)
    if delivered:
        await notifier.send(notification())
        assert len(box.mails) == 1
        return
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(notification())
    assert not caught.value.retryable and str(caught.value) == "email: login refused: 535"
    assert box.mails == []


async def test_an_untrusted_certificate_is_refused_and_not_retried(
    tls_mailbox: tuple[Mailbox, int],
) -> None:
    _, port = tls_mailbox
    notifier = email_notifier(mail_config(port, security="starttls"), {}, tz=UTC)
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(notification())
    assert not caught.value.retryable and "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
