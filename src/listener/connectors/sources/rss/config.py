"""connectors/<name>.yaml for ``kind: rss``: one feed per file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from listener.connectors.config import BaseUrl, Duration, NonEmpty, SourceConfig, SourceName


class RssConfig(SourceConfig):
    """One RSS or Atom feed."""

    kind: Literal["rss"]
    #: The feed's address.
    url: BaseUrl
    #: The ``source`` of its posts: "rss", or a name of your own such as "news".
    source: SourceName = "rss"
    #: The ``channel`` of its posts: set it to a brand's channel to count every item for it.
    channel: NonEmpty | None = None
    #: Feeds change slowly and most publishers ask for no more than one fetch in minutes.
    poll_interval: Duration = Field(default=300.0, gt=0)
