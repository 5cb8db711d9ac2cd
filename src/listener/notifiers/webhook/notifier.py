"""Webhook delivery: the notification as JSON, POSTed to a receiver of the user's choice.

With a secret, each request carries ``X-Listener-Signature: sha256=<hex>``, the HMAC-SHA256
of the raw body under the secret, and ``X-Listener-Timestamp``, the POSIX seconds it was
sent. The body holds the same time (``sent_at``), so the signature covers it: a receiver
checks the signature (:func:`verify`), then refuses a request whose ``sent_at`` differs from
the header or is more than a few minutes old, which stops replays.
``X-Listener-Delivery`` is the dedupe key of the transition: the same on every retry, so a
receiver can drop a copy it already has.

A receiver is a system, not one of the people paged: the body never carries an
acknowledge link (it would let the receiver, and whoever reads its logs, acknowledge as
them for a day). A person acknowledges from their own message, the API or the CLI.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import tzinfo
from typing import Any, Final

import httpx
import orjson
from pydantic import SecretStr

from listener.notifiers.delivery import dedupe_key
from listener.notifiers.http import post
from listener.notifiers.message import Notification
from listener.notifiers.render import render, to_text
from listener.notifiers.secrets import read_secret, read_url
from listener.notifiers.webhook.config import WebhookConfig

SIGNATURE_HEADER: Final = "X-Listener-Signature"
TIMESTAMP_HEADER: Final = "X-Listener-Timestamp"
DELIVERY_HEADER: Final = "X-Listener-Delivery"
#: The body's format; bumped when a field changes meaning or goes away.
VERSION: Final = 1


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, signature: str) -> bool:
    """True when ``signature`` is :func:`sign` of ``body``; compared in constant time."""
    return hmac.compare_digest(sign(secret, body), signature.strip())


def body(message: Notification, name: str, sent_at: int, tz: tzinfo) -> dict[str, Any]:
    """The JSON a receiver gets: the notification in full, and the plain-text rendering,
    both without an acknowledge link."""
    message = replace(message, ack_url=None)
    return {
        "version": VERSION,
        "webhook": name,
        "sent_at": sent_at,
        "delivery": dedupe_key(message, "webhook", name),
        "text": to_text(render(message, tz)),
        "notification": message.to_dict(),
    }


class WebhookNotifier:
    """POSTs notifications as JSON to one receiver, signed when it has a secret."""

    def __init__(
        self,
        name: str,
        url: SecretStr,
        client: httpx.AsyncClient,
        *,
        secret: SecretStr | None = None,
        timeout: float = 10.0,
        tz: tzinfo,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._name = name
        self._url = url
        self._client = client
        self._secret = secret
        self._timeout = timeout
        self._tz = tz
        self._clock = clock

    async def send(self, message: Notification) -> None:
        """POST ``message`` once; raises DeliveryError unless the receiver answers 2xx."""
        sent_at = int(self._clock())
        raw = orjson.dumps(body(message, self._name, sent_at, self._tz))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(sent_at),
            DELIVERY_HEADER: dedupe_key(message, "webhook", self._name),
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret.get_secret_value().encode(), raw)
        await post(
            self._client,
            self._url.get_secret_value(),
            body=raw,
            headers=headers,
            timeout=self._timeout,
            what=f"webhook {self._name}",
        )


def webhook_notifier(
    name: str,
    config: WebhookConfig,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    *,
    tz: tzinfo,
) -> WebhookNotifier:
    """The notifier ``config`` describes; raises ConfigError if a named variable is unset."""
    if config.url_env is not None:
        url = read_url(environ, config.url_env, f"the URL of webhook {name}")
    else:
        url = SecretStr(config.url or "")
    secret = (
        None
        if config.secret_env is None
        else read_secret(environ, config.secret_env, f"the signing secret of webhook {name}")
    )
    return WebhookNotifier(name, url, client, secret=secret, timeout=config.timeout, tz=tz)
