"""connectors/<name>.yaml for ``kind: mastodon``."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from listener.connectors.config import (
    BaseUrl,
    Budget,
    Duration,
    EnvSecret,
    MaxMessageBytes,
    SourceConfig,
    budget,
)

_TAG = re.compile(r"^#?(\w+)$")


def _hashtag(value: object) -> object:
    """A hashtag with or without its "#", kept without it (as the API wants it)."""
    if isinstance(value, str) and (match := _TAG.match(value.strip())):
        return match.group(1)
    raise ValueError(
        f'write a hashtag such as "intesasanpaolo" or "#intesasanpaolo", got {value!r}'
    )


class MastodonConfig(SourceConfig):
    """Hashtags on one Mastodon server, one lane each."""

    kind: Literal["mastodon"]
    #: The server, such as https://mastodon.social.
    instance: BaseUrl
    hashtags: tuple[Annotated[str, BeforeValidator(_hashtag)], ...] = Field(min_length=1)
    #: Only posts written on this server, not those it learned from others.
    local: bool = False
    #: Listen on the streaming API; False polls the timeline every ``poll_interval``.
    stream: bool = True
    #: Where the streaming API lives when it is not on ``instance``
    #: (``GET /api/v1/instance`` says, under ``urls.streaming_api``).
    streaming_url: BaseUrl | None = None
    #: Some servers only serve their timelines and streams to a logged-in application.
    access_token: EnvSecret | None = Field(default=None, alias="access_token_env")
    limit: int = Field(default=40, ge=1, le=40)
    #: Stream events are gathered this long into one page.
    batch: Duration = Field(default=1.0, gt=0)
    #: A stream silent this long (servers send a heartbeat every 15 s or so) is dropped.
    stream_timeout: Duration = Field(default=60.0, gt=0)
    #: Largest message of the stream accepted; a larger one drops the stream.
    max_message_bytes: MaxMessageBytes = 1024 * 1024
    poll_interval: Duration = Field(default=60.0, gt=0)
    #: Mastodon allows 300 requests per 5 minutes per IP address by default.
    budget: Budget | None = budget(200, "5m")
