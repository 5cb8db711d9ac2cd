"""A feed polled with conditional GETs: ``If-None-Match`` with the last ``ETag`` and
``If-Modified-Since`` with the last ``Last-Modified``, so an unchanged feed costs the
publisher a 304 and no body. A feed repeats its items from fetch to fetch; the runner's
``seen`` list (as long as the longest feed) publishes each of them once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import html_text, join_text, make_post, parse_items
from listener.connectors.sources.rss.config import RssConfig
from listener.connectors.sources.rss.feed import Feed, read_entry, read_feed
from listener.connectors.wire.errors import MalformedResponse
from listener.records import Post

#: Items remembered as published: more than any feed carries at once.
SEEN_CAPACITY = 1000

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9"


class FeedConnector:
    """The one lane of an RSS or Atom instance."""

    def __init__(self, config: RssConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self._host = urlsplit(config.url).hostname or config.url

    async def poll(self, checkpoint: Checkpoint) -> Page:
        headers = {"Accept": ACCEPT}
        if checkpoint.etag:
            headers["If-None-Match"] = checkpoint.etag
        if checkpoint.last_modified:
            headers["If-Modified-Since"] = checkpoint.last_modified
        http = self.context.http
        reply = await http.request("GET", self.config.url, headers=headers, allow=(304,))
        if reply.status == 304:
            return Page((), checkpoint)
        try:
            # feedparser is pure Python (about 0.45 s a megabyte): off the event loop, which
            # serves the other lanes and the ingest endpoint meanwhile.
            feed = await asyncio.to_thread(read_feed, reply.body, reply.headers.get("content-type"))
        except ValueError as exc:
            raise MalformedResponse(f"{reply.where}: {exc}") from None
        fetched = datetime.now(UTC)
        posts = parse_items(
            feed.items,
            lambda item: self._post(feed, item, fetched),
            self.context.report,
            reply.where,
        )
        posts.reverse()  # feeds list the newest first
        after = replace(
            checkpoint,
            etag=reply.headers.get("etag"),
            last_modified=reply.headers.get("last-modified"),
        )
        return Page(tuple(posts), after)

    def _post(self, feed: Feed, item: Any, fetched: datetime) -> Post:
        entry = read_entry(item, feed.atom)
        return make_post(
            id=entry.id,
            source=self.config.source,
            # An undated item is dated when it was first fetched: the best time known.
            created_at=entry.published or fetched,
            text=join_text(entry.title, html_text(entry.summary or "")),
            author_id=self._host,
            author_handle=entry.author or feed.title,
            url=entry.link,
            channel=self.config.channel,
        )


def lanes(config: RssConfig, context: SourceContext) -> list[Lane]:
    return [Lane("", FeedConnector(config, context), seen_capacity=SEEN_CAPACITY)]
