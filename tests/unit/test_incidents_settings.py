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
