"""The lanes of a Facebook page: its feed, and the comments under its recent posts.

The feed (``/{page-id}/feed``, newest first) is walked with its ``after`` cursor like any
listing (see :mod:`listener.connectors.wire.walk`). Comments are where a crisis on a page shows
(the Intesa Sanpaolo case of 2017 was hundreds of comments an hour under a few posts), so
each poll sweeps the comments of the page's recent posts (``/{post-id}/comments`` with
``filter=stream``, so replies come too, newest first) down to the lane's ``since``. Times
are whole seconds: bounds are inclusive and the runner's ``seen`` list drops repeats. A
post that cannot be read any more (deleted meanwhile) is counted and skipped, so it never
blocks the sweep of the others.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Final

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import parse_items
from listener.connectors.sources.facebook.config import FacebookConfig
from listener.connectors.sources.facebook.graph import (
    COMMENT_FIELDS,
    FEED_FIELDS,
    Graph,
    comment_post,
    feed_post,
)
from listener.connectors.wire.errors import MalformedResponse, SourceRejected
from listener.connectors.wire.walk import NOTHING_YET, Listing, step
from listener.records import Post

log = logging.getLogger(__name__)

PAGE_SIZE: Final = 100


def _listing(data: dict[str, Any], where: str) -> tuple[list[Any], str | None]:
    """A Graph list's items and the cursor to the next page (None at the end)."""
    items = data.get("data")
    if not isinstance(items, list):
        raise MalformedResponse(f"{where}: no list of data")
    paging = data.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    return items, after if isinstance(after, str) else None


class PageFeed:
    """The page's feed: its own posts and visitors' posts."""

    def __init__(self, config: FacebookConfig, graph: Graph) -> None:
        self.config = config
        self.graph = graph

    async def poll(self, checkpoint: Checkpoint) -> Page:
        params: dict[str, str | int] = {"fields": FEED_FIELDS, "limit": PAGE_SIZE}
        if checkpoint.cursor:
            params["after"] = checkpoint.cursor
        where = f"{self.config.page_id}/feed"
        items, after = _listing(await self.graph.get(where, params), where)
        channel = self.config.channel
        found = parse_items(
            items, lambda i: feed_post(i, channel), self.graph.context.report, where
        )
        walked = step(checkpoint, Listing(found, after), inclusive=True)
        return Page(walked.posts, walked.checkpoint, walked.more)


class PageComments:
    """Comments and replies under the page's recent posts."""

    def __init__(self, config: FacebookConfig, graph: Graph) -> None:
        self.config = config
        self.graph = graph

    async def poll(self, checkpoint: Checkpoint) -> Page:
        since = int(checkpoint.since) if checkpoint.since is not None else None
        found: list[tuple[int, Post]] = []
        for post_id in await self._recent_posts():
            try:
                found += await self._comments(post_id, since)
            except SourceRejected as exc:
                log.warning("%s: comments of %s skipped: %s", self.graph.context.name, post_id, exc)
                self.graph.context.report.error(exc.kind)
        marks = [mark for mark, _ in found] + ([since] if since is not None else [])
        found.sort(key=lambda pair: pair[0])
        after = replace(checkpoint, since=str(max(marks)) if marks else NOTHING_YET)
        return Page(tuple(post for _, post in found), after)

    async def _recent_posts(self) -> list[str]:
        window = int(time.time() - self.config.comments_of_last)
        params: dict[str, str | int] = {
            "fields": "id",
            "since": window,
            "limit": self.config.max_posts,
        }
        where = f"{self.config.page_id}/feed"
        items, _ = _listing(await self.graph.get(where, params), where)
        return [item["id"] for item in items if isinstance(item, dict) and "id" in item]

    async def _comments(self, post_id: str, since: int | None) -> list[tuple[int, Post]]:
        """The comments of one post at or after ``since``, newest first, page by page; on a
        lane's first poll only the newest page (listening starts now)."""
        params: dict[str, str | int] = {
            "filter": "stream",
            "order": "reverse_chronological",
            "fields": COMMENT_FIELDS,
            "limit": PAGE_SIZE,
        }
        where, channel = f"{post_id}/comments", self.config.channel
        out: list[tuple[int, Post]] = []
        while True:
            items, after = _listing(await self.graph.get(where, params), where)
            page = parse_items(
                items, lambda i: comment_post(i, post_id, channel), self.graph.context.report, where
            )
            out += [(mark, post) for mark, post in page if since is None or mark >= since]
            older = any(since is not None and mark < since for mark, _ in page)
            if since is None or after is None or older:
                return out
            params["after"] = after


def lanes(config: FacebookConfig, context: SourceContext) -> list[Lane]:
    graph = Graph(config.graph_url, config.access_token.get_secret_value(), context)
    return [
        Lane("feed", PageFeed(config, graph)),
        Lane("comments", PageComments(config, graph)),
    ]
