"""Reddit listings, newest first: ``/search?sort=new``, ``/r/<sub>/new`` and
``/r/<sub>/comments``, walked down with ``after`` (see :mod:`listener.connectors.wire.walk`).

Marks are the base-36 ids as integers, which grow with time. ``before`` is not used to
bound a listing: when the post it names is removed, Reddit answers an empty listing. The
walk stops on its own when it meets an id at or below ``since``.

The application token comes from the client-credentials grant and is renewed a minute
before it expires, or at once when the API refuses it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import from_epoch, join_text, make_post, parse_items
from listener.connectors.sources.reddit.config import RedditConfig
from listener.connectors.wire.errors import MalformedResponse, SourceRejected
from listener.connectors.wire.http import Reply
from listener.connectors.wire.ratelimit import RateHeaders, ResetStyle
from listener.connectors.wire.walk import Listing, step
from listener.records import Post

SOURCE: Final = "reddit"
#: Reddit's headers: requests left (a float) and seconds until the window resets.
RATE_HEADERS: Final = RateHeaders("x-ratelimit-remaining", "x-ratelimit-reset", ResetStyle.SECONDS)
_GONE: Final = frozenset({"[removed]", "[deleted]"})


class Token:
    """The application-only bearer token, shared by an instance's lanes."""

    def __init__(self, config: RedditConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def header(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                await self._renew()
            return f"bearer {self._token}"

    def invalidate(self) -> None:
        self._token = None

    async def _renew(self) -> None:
        reply = await self.context.http.request(
            "POST",
            f"{self.config.auth_url}/api/v1/access_token",
            data={"grant_type": "client_credentials"},
            auth=(
                self.config.client_id.get_secret_value(),
                self.config.client_secret.get_secret_value(),
            ),
        )
        data = reply.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        lifetime = data.get("expires_in", 3600) if isinstance(data, dict) else None
        if not isinstance(token, str) or not isinstance(lifetime, int | float):
            raise MalformedResponse(f"{reply.where}: no access_token in the answer")
        self._token = token
        self._expires = time.monotonic() + max(lifetime - 60, lifetime / 2)


def thing_post(child: Any) -> tuple[int, Post] | None:
    """One listing child (a link ``t3`` or a comment ``t1``) as (id as int, post)."""
    kind, data = child["kind"], child["data"]
    if kind not in ("t1", "t3"):
        raise ValueError(f"unexpected thing kind {kind!r}")
    if kind == "t1":
        if data["body"] in _GONE:
            return None  # a removed comment has nothing left to read
        text = data["body"]
    else:
        text = join_text(data["title"], data.get("selftext"))
    post = make_post(
        id=data["name"],
        source=SOURCE,
        created_at=from_epoch(data["created_utc"]),
        text=text,
        author_id=data.get("author_fullname") or data["author"],
        author_handle=data["author"],
        url=f"https://www.reddit.com{data['permalink']}",
        in_reply_to=data.get("parent_id") if kind == "t1" else None,
        channel=data.get("subreddit"),
        likes=data.get("ups"),
        shares=data.get("num_crossposts"),
    )
    return int(data["id"], 36), post


class ListingConnector:
    """One listing's lane: a search, a subreddit's new posts or its new comments."""

    def __init__(
        self, context: SourceContext, token: Token, path: str, params: dict[str, str | int]
    ) -> None:
        self.context = context
        self.token = token
        self.url = f"{token.config.api_url}{path}"
        self.params = params

    async def poll(self, checkpoint: Checkpoint) -> Page:
        params = dict(self.params)
        if checkpoint.cursor:
            params["after"] = checkpoint.cursor
        try:
            data, reply = await self._get(params)
        except SourceRejected as exc:
            if exc.status != 401:
                raise
            self.token.invalidate()  # expired or revoked: one more try with a new one
            data, reply = await self._get(params)
        listing = data.get("data") if isinstance(data, dict) else None
        children = listing.get("children") if isinstance(listing, dict) else None
        if not isinstance(listing, dict) or not isinstance(children, list):
            raise MalformedResponse(f"{reply.where}: not a Listing")
        after = listing.get("after")
        items = parse_items(children, thing_post, self.context.report, reply.where)
        walked = step(checkpoint, Listing(items, after if isinstance(after, str) else None))
        return Page(walked.posts, walked.checkpoint, walked.more, self.context.http.last_rate)

    async def _get(self, params: dict[str, str | int]) -> tuple[Any, Reply]:
        headers = {"Authorization": await self.token.header()}
        return await self.context.http.get_json(self.url, params=params, headers=headers)


def lanes(config: RedditConfig, context: SourceContext) -> list[Lane]:
    token = Token(config, context)
    common: dict[str, str | int] = {"limit": config.limit, "raw_json": 1}
    out = [
        Lane(
            f"search:{query}",
            ListingConnector(
                context, token, "/search", {**common, "q": query, "sort": "new", "type": "link"}
            ),
        )
        for query in config.search
    ]
    for sub in config.subreddits:
        out.append(Lane(f"r/{sub}", ListingConnector(context, token, f"/r/{sub}/new", common)))
        if config.comments:
            comments = ListingConnector(context, token, f"/r/{sub}/comments", common)
            out.append(Lane(f"r/{sub}/comments", comments))
    return out
