"""Every source kind listener knows: its config model, how its lanes or its endpoint are
built, and the names of its rate-limit headers. Adding a source means one entry here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from listener.connectors.base import Endpoint, EndpointContext, Lane, SourceContext
from listener.connectors.config import ConnectorConfig
from listener.connectors.sources.bluesky import connector as bluesky
from listener.connectors.sources.bluesky.appview import RATE_HEADERS as BLUESKY_RATE
from listener.connectors.sources.bluesky.config import BlueskyConfig
from listener.connectors.sources.facebook import connector as facebook
from listener.connectors.sources.facebook import webhook as facebook_webhook
from listener.connectors.sources.facebook.config import FacebookConfig, FacebookWebhookConfig
from listener.connectors.sources.hackernews import connector as hackernews
from listener.connectors.sources.hackernews.config import HackerNewsConfig
from listener.connectors.sources.mastodon import connector as mastodon
from listener.connectors.sources.mastodon.config import MastodonConfig
from listener.connectors.sources.mastodon.timeline import RATE_HEADERS as MASTODON_RATE
from listener.connectors.sources.reddit import connector as reddit
from listener.connectors.sources.reddit.config import RedditConfig
from listener.connectors.sources.rss import connector as rss
from listener.connectors.sources.rss.config import RssConfig
from listener.connectors.sources.webhook import endpoint as webhook
from listener.connectors.sources.webhook.config import WebhookConfig
from listener.connectors.sources.x import connector as x
from listener.connectors.sources.x.config import XConfig
from listener.connectors.sources.youtube import connector as youtube
from listener.connectors.sources.youtube.config import YouTubeConfig
from listener.connectors.wire.ratelimit import RateHeaders

C = TypeVar("C", bound=ConnectorConfig)


@dataclass(frozen=True)
class Kind(Generic[C]):
    """A source kind. A polled kind has ``lanes``; a pushing one has ``endpoint``."""

    model: type[C]
    lanes: Callable[[C, SourceContext], list[Lane]] | None = None
    endpoint: Callable[[C, EndpointContext], Endpoint] | None = None
    rate_headers: RateHeaders | None = None


KINDS: Final[Mapping[str, Kind[Any]]] = {
    "rss": Kind(RssConfig, lanes=rss.lanes),
    "hackernews": Kind(HackerNewsConfig, lanes=hackernews.lanes, rate_headers=RateHeaders()),
    "reddit": Kind(RedditConfig, lanes=reddit.lanes, rate_headers=reddit.RATE_HEADERS),
    "mastodon": Kind(MastodonConfig, lanes=mastodon.lanes, rate_headers=MASTODON_RATE),
    "webhook": Kind(WebhookConfig, endpoint=webhook.endpoint),
    "facebook": Kind(FacebookConfig, lanes=facebook.lanes),
    "facebook-webhook": Kind(FacebookWebhookConfig, endpoint=facebook_webhook.endpoint),
    "x": Kind(XConfig, lanes=x.lanes, rate_headers=x.RATE_HEADERS),
    "youtube": Kind(YouTubeConfig, lanes=youtube.lanes),
    "bluesky": Kind(BlueskyConfig, lanes=bluesky.lanes, rate_headers=BLUESKY_RATE),
}
