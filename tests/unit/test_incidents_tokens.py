"""Signed acknowledge links: a token does what it was signed for, until it expires, and a
forged, altered, misused or expired one is refused with the reason."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from listener.errors import ConfigError
from listener.incidents.access.tokens import (
    SECRET_ENV,
    LinkSigner,
    TokenRefused,
    action_link,
)

SECRET = "s" * 40
INCIDENT = "intesa_sanpaolo.online-firestorm.0123456789"
NOW = 1_900_000_000.0


def refusal(
    signer: LinkSigner, token: str, incident: str = INCIDENT, action: str = "ack", now: float = NOW
) -> str:
    with pytest.raises(TokenRefused) as caught:
        signer.verify(token, incident, action, now)
    return caught.value.reason


def test_a_token_grants_what_it_was_signed_for() -> None:
    signer = LinkSigner(SECRET, lifetime=600)
    token = signer.sign(INCIDENT, "ack", "maria.rossi", NOW)
    grant = signer.verify(token, INCIDENT, "ack", NOW + 599)
    assert (grant.incident_id, grant.action, grant.person) == (INCIDENT, "ack", "maria.rossi")
    assert grant.expires == int(NOW) + 600


def test_an_expired_token_is_refused() -> None:
    signer = LinkSigner(SECRET, lifetime=600)
    token = signer.sign(INCIDENT, "ack", "maria.rossi", NOW)
    assert refusal(signer, token, now=NOW + 600) == "expired"


def test_a_token_is_only_good_for_its_incident_and_action() -> None:
    signer = LinkSigner(SECRET)
    token = signer.sign(INCIDENT, "ack", "maria.rossi", NOW)
    assert refusal(signer, token, incident=INCIDENT + "x") == "wrong_incident"
    assert refusal(signer, token, action="resolve") == "wrong_action"


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = LinkSigner("f" * 40).sign(INCIDENT, "ack", "maria.rossi", NOW)
    assert refusal(LinkSigner(SECRET), forged) == "bad_signature"


def test_a_token_with_its_payload_changed_is_refused() -> None:
    signer = LinkSigner(SECRET, lifetime=60)
    payload, signature = signer.sign(INCIDENT, "ack", "maria.rossi", NOW).split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    longer = text.rsplit("\n", 1)[0] + f"\n{int(NOW) + 10**6}"  # a later expiry
    altered = base64.urlsafe_b64encode(longer.encode()).rstrip(b"=").decode()
    assert refusal(signer, f"{altered}.{signature}", now=NOW + 120) == "bad_signature"


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", ".", "YQ."])
def test_a_malformed_token_is_refused(token: str) -> None:
    assert refusal(LinkSigner(SECRET), token) == "malformed"


def test_tokens_are_url_safe() -> None:
    signer = LinkSigner(SECRET)
    token = signer.sign(INCIDENT, "resolve", "maria.rossi", NOW)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    link = action_link("https://listener.example.com/", INCIDENT, "resolve", token)
    parts = urlsplit(link)
    assert parts.path == f"/incidents/{INCIDENT}/resolve"
    assert parse_qs(parts.query)["token"] == [token]


def test_a_short_or_missing_secret_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        LinkSigner("short")
    with pytest.raises(ConfigError, match=f"{SECRET_ENV}: is not set"):
        LinkSigner.from_env({})
    with pytest.raises(ConfigError, match="shorter than 32 bytes"):
        LinkSigner.from_env({SECRET_ENV: "x" * 31})
    signer = LinkSigner.from_env({SECRET_ENV: SECRET})
    assert LinkSigner(SECRET).verify(signer.sign(INCIDENT, "ack", "p", NOW), INCIDENT, "ack", NOW)


def test_only_known_actions_are_signed() -> None:
    with pytest.raises(ValueError, match="cannot sign"):
        LinkSigner(SECRET).sign(INCIDENT, "silence", "maria.rossi", NOW)
