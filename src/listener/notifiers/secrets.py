"""Secrets are named in the configuration by environment variable, never written in it; they
are read once, when a notifier is built, and kept as :class:`SecretStr` so they never show
in a log line or a repr."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Final

from pydantic import AfterValidator, SecretStr

from listener.errors import ConfigError, ConfigIssue
from listener.notifiers.render import safe_url

_ENV_NAME: Final = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(
            f"{value!r} is not an environment variable name such as LISTENER_SLACK_BOT_TOKEN"
        )
    return value


def _http_url(value: str) -> str:
    if safe_url(value) is None:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


#: The name of an environment variable ("LISTENER_SMTP_PASSWORD"), not its value.
EnvName = Annotated[str, AfterValidator(_env_name)]
#: An absolute http or https URL.
HttpUrl = Annotated[str, AfterValidator(_http_url)]


def read_secret(environ: Mapping[str, str], name: str, what: str) -> SecretStr:
    """The value of environment variable ``name``; raises ConfigError naming the variable
    (never its value) when it is unset or empty."""
    value = environ.get(name, "")
    if not value.strip():
        raise ConfigError([ConfigIssue("environment", name, f"{what} is not set")])
    return SecretStr(value.strip())


def read_url(environ: Mapping[str, str], name: str, what: str) -> SecretStr:
    """Like :func:`read_secret`, for a URL that is itself a secret (a Slack webhook URL)."""
    url = read_secret(environ, name, what)
    if safe_url(url.get_secret_value()) is None:
        raise ConfigError([ConfigIssue("environment", name, f"{what} is not an http(s) URL")])
    return url
