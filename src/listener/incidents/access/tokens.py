"""Signed, expiring links that let the person paged act on one incident with one click.

A token is ``<payload>.<signature>``, both URL-safe base64 without padding. The payload
names the incident, the action, the person the link was sent to and the expiry (POSIX
seconds); the signature is HMAC-SHA256 of the payload under the secret in
``LISTENER_ACK_SECRET``. A token proves only what it names: acknowledging incident X as
person P until T. Anything else is refused with the reason, and signatures are compared
in constant time so a forger learns nothing from how long a refusal takes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from listener.errors import ConfigError, ConfigIssue, ListenerError

#: What a link can be signed for.
ACTIONS: Final = ("ack", "resolve")
#: The environment variable holding the signing secret.
SECRET_ENV: Final = "LISTENER_ACK_SECRET"
#: RFC 2104 discourages HMAC keys shorter than the hash output: 32 bytes for SHA-256.
MIN_SECRET_BYTES: Final = 32
#: How long a link works unless said otherwise: long enough for a night's sleep.
DEFAULT_LIFETIME: Final = 24 * 3600
_VERSION: Final = "v1"


class TokenRefused(ListenerError):
    """A link token was not accepted; ``reason`` is a short code, the message says why."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid token allows."""

    incident_id: str
    action: str
    person: str
    expires: int


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True)


class LinkSigner:
    """Signs and checks link tokens with one secret."""

    def __init__(self, secret: str | bytes, lifetime: int = DEFAULT_LIFETIME) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if len(key) < MIN_SECRET_BYTES:
            raise ValueError(f"the signing secret must be at least {MIN_SECRET_BYTES} bytes")
        self._key = key
        self.lifetime = lifetime

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> LinkSigner:
        """The signer of :data:`SECRET_ENV`; a missing or short secret is a configuration
        error, reported before any link is sent rather than when the first is clicked."""
        secret = environ.get(SECRET_ENV, "")
        if len(secret.encode()) < MIN_SECRET_BYTES:
            problem = "is not set" if not secret else f"is shorter than {MIN_SECRET_BYTES} bytes"
            hint = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            raise ConfigError([ConfigIssue("environment", SECRET_ENV, f"{problem}; {hint}")])
        return cls(secret)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def sign(self, incident_id: str, action: str, person: str, now: float) -> str:
        """A token letting ``person`` do ``action`` on the incident until ``now`` plus the
        lifetime (wall clock)."""
        if action not in ACTIONS:
            raise ValueError(f"cannot sign for {action!r}: one of {', '.join(ACTIONS)}")
        expires = int(now) + self.lifetime
        payload = "\n".join((_VERSION, incident_id, action, person, str(expires))).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def verify(self, token: str, incident_id: str, action: str, now: float) -> Grant:
        """The grant of ``token`` if it allows ``action`` on ``incident_id`` at ``now``;
        raises :class:`TokenRefused` otherwise. The signature is checked before anything
        in the payload is believed."""
        payload, signature = _split(token)
        if not hmac.compare_digest(self._mac(payload), signature):
            raise TokenRefused(
                "bad_signature", "the link was not signed by listener or was altered"
            )
        grant = _grant(payload)
        if grant.incident_id != incident_id:
            raise TokenRefused("wrong_incident", "the link was made for another incident")
        if grant.action != action:
            raise TokenRefused("wrong_action", f"the link allows {grant.action}, not {action}")
        if now >= grant.expires:
            raise TokenRefused("expired", "the link has expired; use the command line or ask again")
        return grant


def _split(token: str) -> tuple[bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 2 or not all(parts):
        raise TokenRefused("malformed", "a link token has two parts separated by a dot")
    try:
        return _b64decode(parts[0]), _b64decode(parts[1])
    except (binascii.Error, ValueError):
        raise TokenRefused("malformed", "the link token is not URL-safe base64") from None


def _grant(payload: bytes) -> Grant:
    # Signed by us, so well formed unless the format changed: still checked, never trusted.
    fields = payload.decode("utf-8", errors="replace").split("\n")
    if len(fields) != 5 or fields[0] != _VERSION or not fields[4].isdigit():
        raise TokenRefused("malformed", "the link token is of an unknown version")
    _, incident_id, action, person, expires = fields
    return Grant(incident_id, action, person, int(expires))


def action_link(base_url: str, incident_id: str, action: str, token: str) -> str:
    """The URL a notification shows: a page that asks for one confirming click, so a mail
    scanner or a chat preview that follows links cannot acknowledge on someone's behalf."""
    path = f"/incidents/{quote(incident_id, safe='')}/{action}"
    return f"{base_url.rstrip('/')}{path}?token={quote(token, safe='')}"
