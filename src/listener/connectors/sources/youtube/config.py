"""connectors/<name>.yaml for ``kind: youtube``."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from listener.connectors.config import (
    BaseUrl,
    Budget,
    Duration,
    EnvSecret,
    NonEmpty,
    SourceConfig,
    budget,
)
from listener.validation import matching

_VIDEO = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL = re.compile(r"^UC[A-Za-z0-9_-]{22}$")


VideoId = Annotated[str, matching(_VIDEO, "a video id (the 11 characters after watch?v=)")]
ChannelId = Annotated[str, matching(_CHANNEL, "a channel id (24 characters starting with UC)")]


class YouTubeConfig(SourceConfig):
    """Comment threads of videos, or of every video of channels, one lane each."""

    kind: Literal["youtube"]
    #: An API key of a Google Cloud project with the YouTube Data API v3 enabled.
    api_key: EnvSecret = Field(alias="api_key_env")
    videos: tuple[VideoId, ...] = ()
    #: Channels whose videos' comments are all read (the brand's own channel).
    channels: tuple[ChannelId, ...] = ()
    #: The ``channel`` of the posts, such as a brand's channel in rules/brands.yaml.
    channel: NonEmpty | None = None
    base_url: BaseUrl = "https://www.googleapis.com/youtube/v3"
    max_results: int = Field(default=100, ge=1, le=100)
    poll_interval: Duration = Field(default=300.0, gt=0)
    #: The default quota is 10,000 units a day and a commentThreads.list call costs one.
    budget: Budget | None = budget(9000, "1d")

    @model_validator(mode="after")
    def _something(self) -> YouTubeConfig:
        if not (self.videos or self.channels):
            raise ValueError("needs videos, channels, or both")
        return self
