"""A hashtag's REST timeline, ``GET /api/v1/timelines/tag/:hashtag``, newest first.

``since_id`` bounds each request below; when a page is full, the ``Link`` header's
``rel="next"`` URL gives the ``max_id`` of the next, older page, and the walk (see
:mod:`listener.connectors.wire.walk`) follows it down to ``since_id``. Status ids are numbers
that grow with time, so they are the marks.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlsplit

from listener.connectors.base import Checkpoint, Page, SourceContext
from listener.connectors.posts import from_iso, html_text, join_text, make_post, parse_items
from listener.connectors.sources.mastodon.config import MastodonConfig
from listener.connectors.wire.errors import MalformedResponse
from listener.connectors.wire.ratelimit import RateHeaders, ResetStyle
from listener.connectors.wire.walk import NOTHING_YET, Listing, step
from listener.records import Post

SOURCE: Final = "mastodon"
#: Mastodon's reset header is an RFC 3339 time.
RATE_HEADERS: Final = RateHeaders("x-ratelimit-remaining", "x-ratelimit-reset", ResetStyle.ISO)
_LINK: Final = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";,]+)"?')


def status_post(status: Any) -> tuple[int, Post] | None:
    """A status as (id as int, post); a boost is skipped (the boosted status is its own
    post, and it comes on its own if it carries the hashtag)."""
    if status.get("reblog"):
        return None
    status_id = status["id"]
    if not isinstance(status_id, str) or not status_id.isdigit():
        raise ValueError(f"status id {status_id!r} is not a number")
    account = status["account"]
    post = make_post(
        id=status_id,
        source=SOURCE,
        created_at=from_iso(status["created_at"]),
        text=join_text(status.get("spoiler_text"), html_text(status["content"])),
        author_id=account["id"],
        author_handle=f"@{account['acct']}",
        author_followers=account.get("followers_count"),
        url=status.get("url") or status.get("uri"),
        lang=status.get("language"),
        in_reply_to=status.get("in_reply_to_id"),
        likes=status.get("favourites_count"),
        shares=status.get("reblogs_count"),
    )
    return int(status_id), post


def next_max_id(link_header: str | None) -> str | None:
    """The ``max_id`` of the ``rel="next"`` link (older statuses), if there is one."""
    for url, rel in _LINK.findall(link_header or ""):
        if rel.strip() == "next":
            values = parse_qs(urlsplit(url).query).get("max_id")
            return values[0] if values else None
    return None


def auth_headers(config: MastodonConfig) -> dict[str, str]:
    if config.access_token is None:
        return {}
    return {"Authorization": f"Bearer {config.access_token.get_secret_value()}"}


class TimelineConnector:
    """One hashtag's lane when polling (and the catch-up of its stream)."""

    def __init__(self, config: MastodonConfig, context: SourceContext, tag: str) -> None:
        self.config = config
        self.context = context
        self.tag = tag
        self.url = f"{config.instance}/api/v1/timelines/tag/{quote(tag)}"

    async def poll(self, checkpoint: Checkpoint) -> Page:
        params: dict[str, str | int] = {"limit": self.config.limit}
        if self.config.local:
            params["local"] = "true"
        if checkpoint.since not in (None, NOTHING_YET):
            params["since_id"] = checkpoint.since
        if checkpoint.cursor is not None:
            params["max_id"] = checkpoint.cursor
        data, reply = await self.context.http.get_json(
            self.url, params=params, headers=auth_headers(self.config)
        )
        if not isinstance(data, list):
            raise MalformedResponse(f"{reply.where}: not a list of statuses")
        items = parse_items(data, status_post, self.context.report, reply.where)
        full = len(data) >= self.config.limit
        cursor = next_max_id(reply.headers.get("link")) if full else None
        walked = step(checkpoint, Listing(items, cursor))
        return Page(walked.posts, walked.checkpoint, walked.more, self.context.http.last_rate)
