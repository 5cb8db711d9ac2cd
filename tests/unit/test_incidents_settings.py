"""The incident API's key is checked when the settings load: a short key is refused with
a message naming the variable, and never shown."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from listener.settings import MIN_API_KEY, Settings


@pytest.mark.parametrize("key", ["", "hunter2", "k" * (MIN_API_KEY - 1)])
def test_a_short_api_key_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("LISTENER_API_KEY", key)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "LISTENER_API_KEY" in message and f"at least {MIN_API_KEY}" in message
    if key:
        assert key not in message.replace("LISTENER_API_KEY", "")


def test_a_long_enough_key_or_none_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LISTENER_API_KEY", raising=False)
    assert Settings().api_key is None
    monkeypatch.setenv("LISTENER_API_KEY", "k" * MIN_API_KEY)
    key = Settings().api_key
    assert key is not None and key.get_secret_value() == "k" * MIN_API_KEY


SECRET = "s" * 48


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.3.7", "worker-1", "::"])
def test_signed_links_need_a_public_url_when_the_server_listens_beyond_this_machine(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.delenv("LISTENER_PUBLIC_URL", raising=False)
    monkeypatch.setenv("LISTENER_ACK_SECRET", SECRET)
    monkeypatch.setenv("LISTENER_WEB_HOST", host)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "LISTENER_PUBLIC_URL is required" in message and host in message
    assert SECRET not in message
    monkeypatch.setenv("LISTENER_PUBLIC_URL", "https://listener.example.com/")
    assert Settings().link_base == "https://listener.example.com"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_a_server_on_loopback_links_to_itself(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.delenv("LISTENER_PUBLIC_URL", raising=False)
    monkeypatch.setenv("LISTENER_ACK_SECRET", SECRET)
    monkeypatch.setenv("LISTENER_WEB_HOST", host)
    monkeypatch.setenv("LISTENER_WEB_PORT", "6070")
    assert Settings().link_base == f"http://{host}:6070"


def test_without_signed_links_no_public_url_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LISTENER_ACK_SECRET", raising=False)
    monkeypatch.delenv("LISTENER_PUBLIC_URL", raising=False)
    monkeypatch.setenv("LISTENER_WEB_HOST", "0.0.0.0")
    assert Settings().ack_secret is None


@pytest.mark.parametrize(
    "url",
    ["listener.example.com", "ftp://listener.example.com", "http://0.0.0.0:6066",
     "https://listener.example.com/?next=1", "https://"],
)  # fmt: skip
def test_a_public_url_people_cannot_open_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("LISTENER_PUBLIC_URL", url)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "LISTENER_PUBLIC_URL" in str(refused.value)
