"""connectors/<name>.yaml for ``kind: x``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from listener.connectors.config import (
    BaseUrl,
    Budget,
    Duration,
    EnvSecret,
    NonEmpty,
    SourceConfig,
    budget,
)


class XConfig(SourceConfig):
    """Recent-search queries, one lane each."""

    kind: Literal["x"]
    #: The app's bearer token (developer portal, "Keys and tokens").
    bearer_token: EnvSecret = Field(alias="bearer_token_env")
    #: Search queries in X's query language, such as '"intesa sanpaolo" lang:it -is:retweet'.
    queries: tuple[NonEmpty, ...] = Field(min_length=1)
    base_url: BaseUrl = "https://api.x.com"
    max_results: int = Field(default=100, ge=10, le=100)
    poll_interval: Duration = Field(default=120.0, gt=0)
    #: Recent search allows 450 requests per 15 minutes per app on paid tiers, far fewer on
    #: the cheapest; the x-rate-limit-* headers hold the rest back.
    budget: Budget | None = budget(60, "15m")
