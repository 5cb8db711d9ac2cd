"""The Graph API as the Facebook lanes use it: requests with the page token, Graph's own
errors (a JSON ``error`` with a code, often with HTTP 400) and its usage headers, and the
mapping of page posts and comments to posts.

Graph does not send X-RateLimit headers. It reports how much of the allowance is used, in
percent, in ``X-App-Usage``, ``X-Page-Usage`` and ``X-Business-Use-Case-Usage``; past
:data:`USAGE_HOLD` percent the lane holds its requests until Graph says access is back.
Throttling errors (codes 4, 17, 32, 613, 80001) are waited out the same way.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import orjson

from listener.connectors.base import SourceContext
from listener.connectors.posts import from_epoch, from_iso, make_post
from listener.connectors.wire.errors import MalformedResponse, RateLimited, SourceRejected
from listener.connectors.wire.http import Reply
from listener.records import Post

log = logging.getLogger(__name__)

SOURCE: Final = "facebook"
#: Graph error codes that mean "too many calls", not "wrong request".
THROTTLED: Final = frozenset({4, 17, 32, 613, 80001, 80002})
#: Percent of the allowance used beyond which no more calls are made for a while.
USAGE_HOLD: Final = 90.0
#: Wait after throttling when Graph does not say how long.
THROTTLE_WAIT: Final = 300.0
FEED_FIELDS: Final = (
    "id,message,story,created_time,from,permalink_url,shares,"
    "reactions.summary(total_count).limit(0)"
)
COMMENT_FIELDS: Final = "id,message,created_time,from,parent{id},like_count,permalink_url"


def author(value: Any) -> tuple[str, str | None]:
    """(id, name) of a ``from``; Graph leaves it out when the token may not see who wrote,
    and the post still counts, by an author listener cannot tell apart."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"], value.get("name")
    return "unknown", None


def feed_post(item: Any, channel: str) -> tuple[int, Post]:
    """A page feed item as (created time in seconds, post)."""
    created = from_iso(item["created_time"])
    author_id, name = author(item.get("from"))
    reactions = ((item.get("reactions") or {}).get("summary") or {}).get("total_count")
    post = make_post(
        id=item["id"],
        source=SOURCE,
        created_at=created,
        text=item.get("message") or item.get("story") or "",
        author_id=author_id,
        author_handle=name,
        url=item.get("permalink_url"),
        channel=channel,
        likes=reactions,
        shares=(item.get("shares") or {}).get("count"),
    )
    return int(created.timestamp()), post


def comment_post(item: Any, post_id: str, channel: str) -> tuple[int, Post]:
    """A comment (or a reply to one) under ``post_id`` as (created time in seconds, post)."""
    created = from_iso(item["created_time"])
    author_id, name = author(item.get("from"))
    parent = (item.get("parent") or {}).get("id")
    post = make_post(
        id=item["id"],
        source=SOURCE,
        created_at=created,
        text=item.get("message") or "",
        author_id=author_id,
        author_handle=name,
        url=item.get("permalink_url"),
        in_reply_to=parent or post_id,
        channel=channel,
        likes=item.get("like_count"),
    )
    return int(created.timestamp()), post


def webhook_post(value: Any, channel: str) -> Post | None:
    """A ``feed`` change from a webhook delivery; None for changes that are not new posts
    or comments (edits, removals, reactions)."""
    if value.get("verb") != "add" or value.get("item") not in ("comment", "post", "status"):
        return None
    comment = value["item"] == "comment"
    author_id, name = author(value.get("from"))
    created = value["created_time"]
    return make_post(
        id=value["comment_id"] if comment else value["post_id"],
        source=SOURCE,
        created_at=from_epoch(created) if isinstance(created, int) else from_iso(created),
        text=value.get("message") or "",
        author_id=author_id,
        author_handle=name,
        url=(value.get("post") or {}).get("permalink_url") if not comment else None,
        in_reply_to=(value.get("parent_id") or value["post_id"]) if comment else None,
        channel=channel,
    )


def graph_usage(headers: Any) -> tuple[float, float]:
    """(highest percent used, minutes until access is back) from Graph's usage headers."""
    highest, regain = 0.0, 0.0
    for name in ("x-app-usage", "x-page-usage", "x-business-use-case-usage"):
        try:
            data = orjson.loads(headers.get(name) or "{}")
        except orjson.JSONDecodeError:
            continue
        entries = [e for v in data.values() if isinstance(v, list) for e in v] or [data]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key in ("call_count", "total_time", "total_cputime"):
                if isinstance(entry.get(key), int | float):
                    highest = max(highest, float(entry[key]))
            wait = entry.get("estimated_time_to_regain_access")
            if isinstance(wait, int | float):
                regain = max(regain, float(wait))
    return highest, regain


class Graph:
    """Graph API calls for one page instance."""

    def __init__(self, graph_url: str, token: str, context: SourceContext) -> None:
        self.graph_url = graph_url
        self.context = context
        self._token = token

    async def get(self, path: str, params: dict[str, str | int]) -> dict[str, Any]:
        """GET ``path`` under the Graph URL; the decoded object, or a SourceError."""
        http = self.context.http
        reply = await http.request(
            "GET",
            f"{self.graph_url}/{path}",
            params={**params, "access_token": self._token},
            allow=(400, 403),
        )
        self._note_usage(reply)
        data = reply.json()
        if reply.status in (400, 403):
            raise self._error(data, reply)
        if not isinstance(data, dict):
            raise MalformedResponse(f"{reply.where}: not a JSON object")
        return data

    def _note_usage(self, reply: Reply) -> None:
        used, regain = graph_usage(reply.headers)
        if used >= USAGE_HOLD:
            wait = max(regain * 60, 60.0)
            log.info(
                "%s: %.0f%% of the Graph allowance used, holding %.0fs",
                self.context.name,
                used,
                wait,
            )
            self.context.http.throttle.hold(wait)

    def _error(self, data: Any, reply: Reply) -> RateLimited | SourceRejected:
        error = data.get("error") if isinstance(data, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        if code in THROTTLED:
            self.context.http.throttle.hold(THROTTLE_WAIT)
            return RateLimited(f"{reply.where}: throttled ({code})", THROTTLE_WAIT, reply.status)
        return SourceRejected(
            f"{reply.where}: {reply.status} {code}: {message}", status=reply.status
        )
