"""Who is looking at the incident page: a session cookie signed by the server, and a
CSRF token bound to it for every form.

Signing in takes the API key and the person's name (the key is shared, so people name
themselves, as with the API). The session is ``<payload>.<signature>`` (URL-safe base64):
the payload names the person and the expiry, the signature is HMAC-SHA256 under a key
derived from the API key, so changing the key signs everyone out. The cookie is
``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page sends it) and
``Secure`` when people reach the API over https.

Every form carries a token derived from the session (HMAC again), checked in constant time
with the request's ``Origin``: a page of another site cannot act, even in a browser that
would send the cookie.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Final
from urllib.parse import urlsplit

import orjson

COOKIE: Final = "listener_board"
#: How long a sign-in lasts.
SESSION_SECONDS: Final = 12 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Session:
    who: str
    token: str


class Sessions:
    """Signs and checks sessions and their CSRF tokens."""

    def __init__(self, api_key: bytes, secure: bool) -> None:
        self._key = hashlib.sha256(b"listener board session\0" + api_key).digest()
        self._api_key = api_key
        self.secure = secure

    def key_matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self._api_key)

    def start(self, who: str, now: float) -> Session:
        payload = _b64(orjson.dumps({"who": who, "exp": int(now + SESSION_SECONDS)}))
        return Session(who, f"{payload}.{self._sign(payload)}")

    def cookie(self, session: Session | None) -> str:
        """The ``Set-Cookie`` value that starts ``session`` (None: ends the current one)."""
        value, age = (session.token, SESSION_SECONDS) if session else ("", 0)
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE}={value}; Path=/board; Max-Age={age}; HttpOnly; SameSite=Strict{secure}"

    def current(self, headers: Mapping[str, str], now: float) -> Session | None:
        """The session the request's cookie holds, None when absent, forged or expired."""
        token = _cookie(headers.get("cookie", ""))
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            data = orjson.loads(_unb64(payload))
            who, expiry = str(data["who"]), float(data["exp"])
        except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        return Session(who, token) if now < expiry else None

    def csrf(self, session: Session) -> str:
        return _b64(hmac.new(self._key, b"csrf\0" + session.token.encode(), "sha256").digest())

    def csrf_ok(self, session: Session, given: str, headers: Mapping[str, str]) -> bool:
        """The form's token is the session's, and the request comes from this site."""
        return same_origin(headers) and hmac.compare_digest(
            given.encode(), self.csrf(session).encode()
        )

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), "sha256").digest())


def same_origin(headers: Mapping[str, str]) -> bool:
    """Whether the request's ``Origin`` (or, without one, ``Referer``) names the host the
    request was sent to; a browser always sends one of them with a form."""
    source = headers.get("origin") or headers.get("referer") or ""
    if source in ("", "null"):
        return False
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    return urlsplit(source).netloc == host


def _cookie(header: str) -> str:
    try:
        jar = SimpleCookie(header)
    except CookieError:
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else ""
