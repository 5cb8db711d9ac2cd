"""Email delivery over SMTP (aiosmtplib), with every SMTP failure translated into a
:class:`DeliveryError`: 4xx answers, timeouts and dropped connections are worth retrying;
5xx answers, a refused login and TLS problems need a person."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo

import aiosmtplib
from pydantic import SecretStr

from listener.notifiers.base import DeliveryError
from listener.notifiers.email.compose import compose
from listener.notifiers.email.config import EmailConfig
from listener.notifiers.message import Notification
from listener.notifiers.render import clean
from listener.notifiers.secrets import read_secret


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect: ``security`` is ``starttls``, ``tls`` or ``plain``."""

    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    tls_context: ssl.SSLContext | None = None
    timeout: float = 30.0


class EmailNotifier:
    """Sends one email per call to the recipients of the notification that have an address."""

    def __init__(
        self, server: SmtpServer, *, sender: str, sender_name: str, domain: str, tz: tzinfo
    ) -> None:
        self._server = server
        self._sender = sender
        self._sender_name = sender_name
        self._domain = domain
        self._tz = tz

    async def send(self, message: Notification) -> None:
        """Send ``message`` once to every recipient with an email address; raises
        DeliveryError when the server refuses it or cannot be reached. With no address at
        all it raises a non-retryable DeliveryError: owners.yaml must be fixed."""
        to = tuple(r for r in message.recipients if r.email)
        if not to:
            raise DeliveryError("email: no recipient has an email address", retryable=False)
        mail = compose(
            message,
            to,
            sender=self._sender,
            sender_name=self._sender_name,
            domain=self._domain,
            tz=self._tz,
        )
        server = self._server
        try:
            await aiosmtplib.send(
                mail,
                sender=self._sender,
                recipients=[r.email for r in to if r.email],
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=None if server.password is None else server.password.get_secret_value(),
                use_tls=server.security == "tls",
                start_tls=server.security == "starttls",
                tls_context=server.tls_context,
                timeout=server.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise smtp_error(exc, server.timeout) from exc


def smtp_error(exc: aiosmtplib.SMTPException | OSError, timeout: float) -> DeliveryError:
    """The DeliveryError for a failed SMTP exchange; SMTP replies are quoted, shortened."""
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryError(f"email: login refused: {exc.code}", retryable=False)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        retry = all(400 <= c < 500 for c in codes)
        return DeliveryError(f"email: recipients refused: {codes}", retryable=retry)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = clean(exc.message)[:200]
        return DeliveryError(f"email: {exc.code} {text}", retryable=400 <= exc.code < 500)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return DeliveryError(f"email: no answer within {timeout:g}s", retryable=True)
    if isinstance(exc, ssl.SSLError | aiosmtplib.SMTPNotSupported):
        # A certificate the server's name does not match, or a server without STARTTLS:
        # the same again will fail the same way.
        return DeliveryError(
            f"email: {type(exc).__name__}: {clean(str(exc))[:200]}", retryable=False
        )
    return DeliveryError(f"email: {type(exc).__name__}: {clean(str(exc))[:200]}", retryable=True)


def email_notifier(config: EmailConfig, environ: Mapping[str, str], *, tz: tzinfo) -> EmailNotifier:
    """The notifier ``config`` describes; raises ConfigError if the password variable is
    unset."""
    password = (
        None
        if config.password_env is None
        else read_secret(environ, config.password_env, "the SMTP password")
    )
    context = None
    if config.security != "plain":
        context = ssl.create_default_context(cafile=config.ca_file)
    server = SmtpServer(
        host=config.host,
        port=config.port,
        security=config.security,
        username=config.username,
        password=password,
        tls_context=context,
        timeout=config.timeout,
    )
    return EmailNotifier(
        server,
        sender=config.from_address,
        sender_name=config.from_name,
        domain=config.message_id_domain,
        tz=tz,
    )
