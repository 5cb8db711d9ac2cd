"""One recent-search query on X: ``GET /2/tweets/search/recent``, newest first.

``since_id`` bounds each request below and ``next_token`` walks down (see
:mod:`listener.connectors.wire.walk`); tweet ids grow with time, so they are the marks. Authors
come in ``includes.users`` (the ``author_id`` expansion), with their follower counts.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Final

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import from_iso, make_post, parse_items
from listener.connectors.sources.x.config import XConfig
from listener.connectors.wire.errors import MalformedResponse, SourceRejected
from listener.connectors.wire.ratelimit import RateHeaders, ResetStyle
from listener.connectors.wire.walk import NOTHING_YET, Listing, step
from listener.records import Post

log = logging.getLogger(__name__)

SOURCE: Final = "x"
RATE_HEADERS: Final = RateHeaders("x-rate-limit-remaining", "x-rate-limit-reset", ResetStyle.EPOCH)
FIELDS: Final = {
    "tweet.fields": "created_at,author_id,lang,public_metrics,referenced_tweets",
    "expansions": "author_id",
    "user.fields": "username,public_metrics",
}


def tweet_post(tweet: Any, users: dict[str, Any]) -> tuple[int, Post]:
    """A tweet as (id as int, post); ``users`` are the expanded authors by id."""
    tweet_id = tweet["id"]
    author = users.get(tweet["author_id"], {})
    metrics = tweet.get("public_metrics") or {}
    replied = [r["id"] for r in tweet.get("referenced_tweets") or () if r["type"] == "replied_to"]
    username = author.get("username")
    post = make_post(
        id=tweet_id,
        source=SOURCE,
        created_at=from_iso(tweet["created_at"]),
        text=tweet["text"],
        author_id=tweet["author_id"],
        author_handle=f"@{username}" if username else None,
        author_followers=(author.get("public_metrics") or {}).get("followers_count"),
        url=f"https://x.com/{username or 'i'}/status/{tweet_id}",
        lang=tweet.get("lang"),
        in_reply_to=replied[0] if replied else None,
        likes=metrics.get("like_count"),
        shares=metrics.get("retweet_count"),
    )
    return int(tweet_id), post


def _users(includes: Any) -> dict[str, Any]:
    """The expanded authors by id; odd entries are left out (their tweets keep their ids)."""
    found = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(found, list):
        return {}
    return {u["id"]: u for u in found if isinstance(u, dict) and isinstance(u.get("id"), str)}


class RecentSearch:
    """One query's lane."""

    def __init__(self, config: XConfig, context: SourceContext, query: str) -> None:
        self.config = config
        self.context = context
        self.query = query
        self.url = f"{config.base_url}/2/tweets/search/recent"
        self.headers = {"Authorization": f"Bearer {config.bearer_token.get_secret_value()}"}

    async def poll(self, checkpoint: Checkpoint) -> Page:
        try:
            return await self._search(checkpoint)
        except SourceRejected as exc:
            if exc.status != 400 or checkpoint.since in (None, NOTHING_YET):
                raise
            # X refuses a since_id older than its 7-day window: start again from now.
            log.warning(
                "%s: %s; the lane was away too long and starts again from now",
                self.context.name,
                exc,
            )
            self.context.report.error("gap")
            return await self._search(replace(checkpoint, since=None, cursor=None, walk_top=None))

    async def _search(self, checkpoint: Checkpoint) -> Page:
        params: dict[str, str | int] = {
            "query": self.query,
            "max_results": self.config.max_results,
            **FIELDS,
        }
        if checkpoint.since not in (None, NOTHING_YET):
            params["since_id"] = checkpoint.since
        if checkpoint.cursor is not None:
            params["next_token"] = checkpoint.cursor
        data, reply = await self.context.http.get_json(
            self.url, params=params, headers=self.headers
        )
        meta = data.get("meta") if isinstance(data, dict) else None
        if not isinstance(meta, dict):
            raise MalformedResponse(f"{reply.where}: no meta")
        tweets = data.get("data") or []  # no "data" at all when nothing matched
        if not isinstance(tweets, list):
            raise MalformedResponse(f"{reply.where}: data is not a list of tweets")
        users = _users(data.get("includes"))
        items = parse_items(
            tweets, lambda t: tweet_post(t, users), self.context.report, reply.where
        )
        token = meta.get("next_token")
        walked = step(checkpoint, Listing(items, token if isinstance(token, str) else None))
        return Page(walked.posts, walked.checkpoint, walked.more, self.context.http.last_rate)


def lanes(config: XConfig, context: SourceContext) -> list[Lane]:
    return [Lane(query, RecentSearch(config, context, query)) for query in config.queries]
