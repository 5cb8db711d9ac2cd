"""Comment threads of one video or channel: ``GET /commentThreads?order=time``, newest
first, walked down with ``pageToken`` (see :mod:`listener.connectors.wire.walk`).

There is no "since" parameter: the walk stops when it meets a comment published at or
before ``since``. Times are whole seconds, so the bound is inclusive and the runner's
``seen`` list drops what was already published. Every call costs one unit of the project's
daily quota; when it is spent (403 ``quotaExceeded``) the lane waits for the quota to
renew at midnight, Pacific time, instead of retrying into refusals.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import from_iso, make_post, parse_items
from listener.connectors.sources.youtube.config import YouTubeConfig
from listener.connectors.wire.errors import MalformedResponse, RateLimited, SourceRejected
from listener.connectors.wire.http import Reply
from listener.connectors.wire.walk import Listing, step
from listener.records import Post

log = logging.getLogger(__name__)

SOURCE: Final = "youtube"


def _pacific() -> tzinfo:
    try:
        return ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no time-zone database: standard time is close enough
        return timezone(timedelta(hours=-8))


def thread_post(thread: Any, channel: str | None) -> tuple[int, Post]:
    """A comment thread's top-level comment as (publish time, post)."""
    comment = thread["snippet"]["topLevelComment"]
    snippet = comment["snippet"]
    published = from_iso(snippet["publishedAt"])
    video = snippet.get("videoId") or thread["snippet"].get("videoId")
    author = snippet.get("authorChannelId") or {}
    post = make_post(
        id=comment["id"],
        source=SOURCE,
        created_at=published,
        text=snippet.get("textOriginal") or snippet["textDisplay"],
        author_id=author.get("value") or snippet["authorDisplayName"],
        author_handle=snippet.get("authorDisplayName"),
        url=f"https://www.youtube.com/watch?v={video}&lc={comment['id']}" if video else None,
        in_reply_to=video,
        channel=channel,
        likes=snippet.get("likeCount"),
    )
    return int(published.timestamp()), post


def until_quota_renews(now: datetime | None = None) -> float:
    """Seconds until the next midnight in California, when YouTube quotas renew."""
    pacific = _pacific()
    here = now.astimezone(pacific) if now else datetime.now(pacific)
    midnight = (here + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - here).total_seconds()


class CommentThreads:
    """One video's or channel's lane."""

    def __init__(self, config: YouTubeConfig, context: SourceContext, target: dict[str, str]):
        self.config = config
        self.context = context
        self.target = target
        self.url = f"{config.base_url}/commentThreads"

    async def poll(self, checkpoint: Checkpoint) -> Page:
        params: dict[str, str | int] = {
            "part": "snippet",
            "order": "time",
            "textFormat": "plainText",
            "maxResults": self.config.max_results,
            "key": self.config.api_key.get_secret_value(),
            **self.target,
        }
        if checkpoint.cursor is not None:
            params["pageToken"] = checkpoint.cursor
        reply = await self.context.http.request("GET", self.url, params=params, allow=(403,))
        data = reply.json()
        if reply.status == 403:
            raise self._refusal(data, reply)
        threads = data.get("items") if isinstance(data, dict) else None
        if not isinstance(threads, list):
            raise MalformedResponse(f"{reply.where}: no list of items")
        channel = self.config.channel
        items = parse_items(
            threads, lambda t: thread_post(t, channel), self.context.report, reply.where
        )
        token = data.get("nextPageToken")
        walked = step(checkpoint, Listing(items, token if isinstance(token, str) else None), True)
        return Page(walked.posts, walked.checkpoint, walked.more)

    def _refusal(self, data: Any, reply: Reply) -> RateLimited | SourceRejected:
        errors = data.get("error", {}).get("errors", []) if isinstance(data, dict) else []
        reasons = {e.get("reason") for e in errors if isinstance(e, dict)}
        if reasons & {"quotaExceeded", "dailyLimitExceeded"}:
            wait = until_quota_renews()
            self.context.http.throttle.hold(wait)
            return RateLimited(f"{reply.where}: daily quota spent, waiting {wait:.0f}s", wait, 403)
        return SourceRejected(f"{reply.where}: 403 {', '.join(map(str, reasons))}", status=403)


def lanes(config: YouTubeConfig, context: SourceContext) -> list[Lane]:
    out = [
        Lane(f"video:{video}", CommentThreads(config, context, {"videoId": video}))
        for video in config.videos
    ]
    target = "allThreadsRelatedToChannelId"
    out += [
        Lane(f"channel:{channel}", CommentThreads(config, context, {target: channel}))
        for channel in config.channels
    ]
    return out
