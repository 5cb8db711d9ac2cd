"""connectors/<name>.yaml for ``kind: hackernews``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from listener.connectors.config import BaseUrl, Budget, Duration, NonEmpty, SourceConfig, budget


class HackerNewsConfig(SourceConfig):
    """Stories and comments matching search queries, one lane per query."""

    kind: Literal["hackernews"]
    queries: tuple[NonEmpty, ...] = Field(min_length=1)
    #: What to search: stories, comments, or both.
    items: Literal["stories", "comments", "all"] = "all"
    base_url: BaseUrl = "https://hn.algolia.com"
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    poll_interval: Duration = Field(default=60.0, gt=0)
    #: Algolia allows 10,000 requests an hour from one IP address; take a fraction of it.
    budget: Budget | None = budget(2000, "1h")
