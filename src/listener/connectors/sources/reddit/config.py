"""connectors/<name>.yaml for ``kind: reddit``."""

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

_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_SUBREDDIT_NAME = 'a subreddit name: write "italy", not "r/italy"'


class RedditConfig(SourceConfig):
    """Searches and subreddits, one lane each (and one more per subreddit for comments)."""

    kind: Literal["reddit"]
    client_id: EnvSecret = Field(alias="client_id_env")
    client_secret: EnvSecret = Field(alias="client_secret_env")
    #: Reddit refuses generic agents: "<platform>:<app id>:<version> (by /u/<username>)".
    user_agent: NonEmpty
    search: tuple[NonEmpty, ...] = ()
    subreddits: tuple[Annotated[str, matching(_SUBREDDIT, _SUBREDDIT_NAME)], ...] = ()
    #: Also read the new comments of each subreddit.
    comments: bool = False
    auth_url: BaseUrl = "https://www.reddit.com"
    api_url: BaseUrl = "https://oauth.reddit.com"
    limit: int = Field(default=100, ge=1, le=100)
    poll_interval: Duration = Field(default=60.0, gt=0)
    #: Reddit allows 100 queries a minute per OAuth client; keep well below.
    budget: Budget | None = budget(60, "1m")

    @model_validator(mode="after")
    def _something(self) -> RedditConfig:
        if not (self.search or self.subreddits):
            raise ValueError("needs search queries, subreddits, or both")
        return self
