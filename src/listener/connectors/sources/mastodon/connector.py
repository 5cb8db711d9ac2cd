"""The lanes of a Mastodon instance: one per hashtag, streamed or polled."""

from __future__ import annotations

from listener.connectors.base import Connector, Lane, SourceContext
from listener.connectors.sources.mastodon.config import MastodonConfig
from listener.connectors.sources.mastodon.stream import HashtagStream
from listener.connectors.sources.mastodon.timeline import TimelineConnector


def lanes(config: MastodonConfig, context: SourceContext) -> list[Lane]:
    out = []
    for tag in config.hashtags:
        connector: Connector = (
            HashtagStream(config, context, tag)
            if config.stream
            else TimelineConnector(config, context, tag)
        )
        out.append(Lane(f"#{tag}", connector))
    return out
