"""Every source kind listener knows: its config model, how its lanes or its endpoint are
built, and the names of its rate-limit headers. Adding a source means one entry here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from listener.connectors.base import Endpoint, EndpointContext, Lane, SourceContext
from listener.connectors.bluesky import connector as bluesky
from listener.connectors.bluesky.appview import RATE_HEADERS as BLUESKY_RATE
from listener.connectors.bluesky.config import BlueskyConfig
from listener.connectors.config import ConnectorConfig
from listener.connectors.facebook import connector as facebook
from listener.connectors.facebook import webhook as facebook_webhook
from listener.connectors.facebook.config import FacebookConfig, FacebookWebhookConfig
from listener.connectors.hackernews import connector as hackernews
from listener.connectors.hackernews.config import HackerNewsConfig
from listener.connectors.mastodon import connector as mastodon
from listener.connectors.mastodon.config import MastodonConfig
from listener.connectors.mastodon.timeline import RATE_HEADERS as MASTODON_RATE
from listener.connectors.ratelimit import RateHeaders
from listener.connectors.reddit import connector as reddit
from listener.connectors.reddit.config import RedditConfig
from listener.connectors.rss import connector as rss
from listener.connectors.rss.config import RssConfig
from listener.connectors.webhook import endpoint as webhook
from listener.connectors.webhook.config import WebhookConfig
from listener.connectors.x import connector as x
from listener.connectors.x.config import XConfig
from listener.connectors.youtube import connector as youtube
from listener.connectors.youtube.config import YouTubeConfig

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
