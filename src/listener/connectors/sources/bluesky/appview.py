"""The AppView's XRPC methods the connector calls: ``app.bsky.feed.searchPosts`` and
``app.bsky.actor.getProfiles``, anonymously on the public AppView or, with an app password,
through the account's service after ``com.atproto.server.createSession``.

Every request passes the instance's :class:`~listener.connectors.wire.http.SourceHttp` (budget,
the ``ratelimit-*`` headers, ``Retry-After``, error translation). The session is made when
first needed and made again when the service says its token expired.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import urlencode

import orjson

from listener.connectors.base import SourceContext
from listener.connectors.posts import count
from listener.connectors.sources.bluesky.config import BlueskyConfig
from listener.connectors.sources.bluesky.records import split_uri, web_url
from listener.connectors.wire.errors import (
    MalformedResponse,
    SourceError,
    SourceRejected,
)
from listener.connectors.wire.http import Params, Reply
from listener.connectors.wire.ratelimit import RateHeaders, ResetStyle
from listener.records import Post

log = logging.getLogger(__name__)

#: The AppView's rate-limit headers (``ratelimit-limit`` and ``ratelimit-policy`` say the
#: window's size); the reset is in POSIX seconds.
RATE_HEADERS: Final = RateHeaders("ratelimit-remaining", "ratelimit-reset", ResetStyle.EPOCH)
SEARCH_LIMIT: Final = 100
#: getProfiles takes at most 25 actors.
PROFILES_PER_REQUEST: Final = 25
PROFILE_TTL: Final = 3600.0
PROFILE_CACHE: Final = 20_000
_EXPIRED: Final = ("ExpiredToken", "InvalidToken")


@dataclass(frozen=True, slots=True)
class Profile:
    handle: str | None
    followers: int | None


@dataclass(frozen=True, slots=True)
class Results:
    """One page of searchPosts: its postViews and the cursor of the next page."""

    posts: list[Any]
    cursor: str | None
    reply: Reply


class AppView:
    """The XRPC side of one instance, shared by its lane."""

    def __init__(self, config: BlueskyConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self.base = config.service_url if config.logged_in else config.appview_url
        self._token: str | None = None
        self._profiles: OrderedDict[str, tuple[float, Profile]] = OrderedDict()

    async def search(self, q: str, since: str, until: str, cursor: str | None) -> Results:
        """Posts matching ``q`` indexed from ``since`` up to ``until``, newest first."""
        params: dict[str, str | int] = {
            "q": q,
            "sort": "latest",
            "since": since,
            "until": until,
            "limit": SEARCH_LIMIT,
        }
        if cursor is not None:
            params["cursor"] = cursor
        data, reply = await self._get("app.bsky.feed.searchPosts", params)
        posts = data.get("posts") if isinstance(data, dict) else None
        if not isinstance(posts, list):
            raise MalformedResponse(f"{reply.where}: no list of posts")
        following = data.get("cursor")
        return Results(
            posts, following if isinstance(following, str) and following else None, reply
        )

    async def _get(self, method: str, params: Params | None, query: str = "") -> tuple[Any, Reply]:
        url = f"{self.base}/xrpc/{method}{query}"
        if not self.config.logged_in:
            return await self.context.http.get_json(url, params=params)
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {await self._session()}"}
            try:
                return await self.context.http.get_json(url, params=params, headers=headers)
            except SourceRejected as exc:
                expired = exc.status == 401 or any(word in str(exc) for word in _EXPIRED)
                if not expired or attempt == 2:
                    raise
                log.info("%s: session expired, logging in again", self.context.name)
                self._token = None
        raise AssertionError("unreachable")

    async def _session(self) -> str:
        if self._token is None:
            self._token = await self._create_session()
        return self._token

    async def _create_session(self) -> str:
        """``com.atproto.server.createSession`` with the app password: an access token."""
        assert self.config.identifier is not None and self.config.app_password is not None
        body = {
            "identifier": self.config.identifier,
            "password": self.config.app_password.get_secret_value(),
        }
        data = await self._post_json(
            f"{self.config.service_url}/xrpc/com.atproto.server.createSession", body
        )
        token = data.get("accessJwt") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise MalformedResponse("createSession: no accessJwt")
        log.info("%s: logged in to %s", self.context.name, self.config.service_url)
        return token

    async def _post_json(self, url: str, body: dict[str, str]) -> Any:
        """POST a JSON body (XRPC procedures take nothing else), counted and throttled like
        every other request. A refusal's text may say why (AuthenticationRequired); never
        the password, which is only in the request."""
        reply = await self.context.http.request(
            "POST", url, content=orjson.dumps(body), headers={"Content-Type": "application/json"}
        )
        return reply.json()

    async def with_authors(self, posts: Sequence[Post]) -> list[Post]:
        """``posts`` with their authors' handles and follower counts, where the profiles can
        be had; a lookup that fails leaves the posts as they were (and is logged)."""
        if not self.config.followers or not posts:
            return list(posts)
        try:
            await self._fetch_profiles({post.author_id for post in posts})
        except SourceError as exc:
            log.warning("%s: profiles not fetched: %s", self.context.name, exc)
            self.context.report.error(exc.kind)
        return [self._with_author(post) for post in posts]

    def _with_author(self, post: Post) -> Post:
        cached = self._profiles.get(post.author_id)
        if cached is None:
            return post
        profile = cached[1]
        handle = post.author_handle or (f"@{profile.handle}" if profile.handle else None)
        url = post.url
        if handle and post.author_handle is None:
            url = web_url(handle[1:], split_uri(post.id)[2])
        return replace(post, author_handle=handle, author_followers=profile.followers, url=url)

    async def _fetch_profiles(self, dids: set[str]) -> None:
        now = time.monotonic()
        wanted = sorted(d for d in dids if d not in self._profiles or self._profiles[d][0] < now)
        for start in range(0, len(wanted), PROFILES_PER_REQUEST):
            chunk = wanted[start : start + PROFILES_PER_REQUEST]
            query = "?" + urlencode([("actors", did) for did in chunk])
            data, reply = await self._get("app.bsky.actor.getProfiles", None, query)
            found = data.get("profiles") if isinstance(data, dict) else None
            if not isinstance(found, list):
                raise MalformedResponse(f"{reply.where}: no list of profiles")
            expires = time.monotonic() + PROFILE_TTL
            # An account that is gone is left out of the answer: remember that too.
            fetched = {did: Profile(None, None) for did in chunk}
            for item in found:
                if isinstance(item, dict) and item.get("did") in fetched:
                    handle = item.get("handle")
                    followers = item.get("followersCount")
                    fetched[item["did"]] = Profile(
                        handle if isinstance(handle, str) and handle != "handle.invalid" else None,
                        count(followers),
                    )
            for did, profile in fetched.items():
                self._profiles[did] = (expires, profile)
                self._profiles.move_to_end(did)
            while len(self._profiles) > PROFILE_CACHE:
                self._profiles.popitem(last=False)

    def learn_handle(self, did: str, handle: str | None) -> None:
        """An identity event said ``did`` is now ``handle``: a cached profile follows it."""
        cached = self._profiles.get(did)
        if cached is not None and handle:
            self._profiles[did] = (cached[0], replace(cached[1], handle=handle))
