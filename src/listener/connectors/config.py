"""What every connectors/*.yaml file may say, whatever its kind, and the field types the
kinds share.

Each source kind's own model (in its folder) extends :class:`SourceConfig`. Secrets are
never written in the YAML: a key ending in ``_env`` names the environment variable holding
the secret, and the variable is read when the file is loaded, so a missing one is reported
at start, with the file and the key, instead of as a 401 at three in the morning.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from listener.rules.files.durations import parse_duration
from listener.validation import matching

ENV_NAME: Final = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
_SOURCE: Final = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
DEFAULT_USER_AGENT: Final = "listener/0.1 (social listening)"


def _seconds(value: object) -> float:
    """A duration as written in the YAML ("250ms", "30s", "5m", "1h"), in seconds."""
    if isinstance(value, str) and value.strip().endswith("ms"):
        amount = value.strip()[:-2]
        if not amount.isdigit():
            raise ValueError(f'write a duration such as "500ms", "30s" or "5m", got {value!r}')
        return int(amount) / 1000
    return float(parse_duration(value))


#: True while a file with ``enabled: false`` is checked: its variables may be unset, since
#: nothing will use them, but the names must still be names.
SECRETS_OPTIONAL: ContextVar[bool] = ContextVar("secrets_optional", default=False)


def _from_env(name: object) -> SecretStr:
    """The secret held by the environment variable ``name``."""
    if not isinstance(name, str) or not ENV_NAME.match(name):
        # The value is not repeated: it may be the secret itself, pasted by mistake.
        raise ValueError(
            "must be the NAME of an environment variable holding the secret "
            '(upper case, such as "REDDIT_CLIENT_SECRET"), never the secret itself'
        )
    value = os.environ.get(name)
    if not value and SECRETS_OPTIONAL.get():
        return SecretStr("")
    if not value:
        raise ValueError(f"environment variable {name} is not set")
    return SecretStr(value)


def _base_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/")


#: Seconds, written as a duration.
Duration = Annotated[float, BeforeValidator(_seconds)]
#: A secret read from the environment variable the YAML names.
EnvSecret = Annotated[SecretStr, BeforeValidator(_from_env)]
#: An http(s) URL without its trailing slash.
BaseUrl = Annotated[str, AfterValidator(_base_url)]
#: The ``source`` field of the posts an instance produces.
SourceName = Annotated[str, matching(_SOURCE, 'a source name (lower case, such as "news")')]
NonEmpty = Annotated[str, Field(min_length=1)]


class Model(BaseModel):
    """Unknown keys are refused (a misspelt key would silently be ignored) and a loaded
    model cannot be changed behind the back of the code that checked it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Budget(Model):
    """Our own limit: at most ``requests`` requests every ``per``, below the source's."""

    requests: int = Field(gt=0)
    per: Duration = Field(gt=0)


def budget(requests: int, per: str) -> Budget:
    """A default budget, written as in the YAML: ``budget(60, "1m")``."""
    return Budget.model_validate({"requests": requests, "per": per})


class BackoffConfig(Model):
    """Retry delays after a failure: from ``initial``, doubling, up to ``max``."""

    initial: Duration = Field(default=1.0, gt=0)
    max: Duration = Field(default=300.0, gt=0)


class ConnectorConfig(Model):
    """The keys every connector file has. Subclasses fix ``kind``."""

    kind: str
    #: False keeps the file but runs nothing: a source switched off stays documented.
    enabled: bool = True
    #: Retry delays after a failure (a request, a publish, a crash).
    backoff: BackoffConfig = BackoffConfig()


class SourceConfig(ConnectorConfig):
    """The keys of every source listener polls. Subclasses set defaults suited to their
    source (its base URL, its documented rate limits)."""

    poll_interval: Duration = Field(default=60.0, gt=0)
    budget: Budget | None = None
    #: Longest one answer of the source may take, from connecting to its body's last byte.
    timeout: Duration = Field(default=30.0, gt=0)
    user_agent: NonEmpty = DEFAULT_USER_AGENT
    #: Largest answer accepted, counted after decompression; reading stops at the limit.
    max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)


#: Largest message of a stream (a server-sent event's line, a WebSocket frame).
MaxMessageBytes = Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)]


class EndpointConfig(ConnectorConfig):
    """The keys of a source that calls listener: where to listen, and how much to take."""

    #: The address to listen on; 0.0.0.0 to accept from other machines.
    host: NonEmpty = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    #: Largest request body accepted; larger ones are answered 413.
    max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    #: Longest a client may take to send a request's line and headers (and longest a
    #: kept-alive connection may stay idle).
    header_timeout: Duration = Field(default=10.0, gt=0, le=300)
    #: Longest a client may take to send a request's body.
    body_timeout: Duration = Field(default=30.0, gt=0, le=600)
    #: Connections open at once; one beyond is closed before anything is read.
    max_connections: int = Field(default=256, ge=1, le=10_000)
    #: Connections one client address may hold open at once.
    max_connections_per_client: int = Field(default=32, ge=1, le=10_000)
    #: Refused requests one client address may make within ``per``; beyond, it is
    #: answered 429 and its new connections are closed until the window allows again.
    client_failures: Budget = budget(20, "1m")
