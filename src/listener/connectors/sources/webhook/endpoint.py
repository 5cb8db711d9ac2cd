"""``POST <path>`` with a bearer token and a body of one post or a JSON array of posts, in
the record format of docs/record-format.md.

A request is taken whole or not at all. Every post is checked with
:func:`~listener.records.post_from_dict` and its date with the pipeline's own rule
(:func:`~listener.eventtime.door_problem`: not before 2000, not ahead of the wall clock);
if any fails, the answer is 422 listing every bad
post with its index and reason, and nothing is published, so the sender knows exactly what
was refused and can send the rest again. A 200 is given only once the broker acknowledged
the posts; a broker that cannot be reached gives 503 with ``Retry-After``, so the sender
keeps them and retries. Nothing is lost without the sender being told.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any, Final

import orjson
from aiohttp import web

from listener.connectors.base import EndpointContext
from listener.connectors.sources.webhook.config import WebhookConfig
from listener.connectors.wire.door import expect, guarded_app, read_body
from listener.connectors.wire.endpoints import AppEndpoint
from listener.errors import BrokerError, InvalidPost
from listener.eventtime import door_problem
from listener.records import MAX_BUNDLE_POSTS, MAX_POST_BYTES, Post, post_from_dict

log = logging.getLogger(__name__)

#: Seconds a sender is asked to wait when the broker cannot take posts.
RETRY_AFTER: Final = 5


def _answer(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


def check_posts(
    items: list[Any], wall: float | None = None
) -> tuple[list[Post], list[dict[str, Any]]]:
    """The valid posts, and a problem (index, reason, detail) for each invalid one; dates
    are judged against ``wall`` (now, when None), as the scoring stage will judge them."""
    now = time.time() if wall is None else wall
    posts: list[Post] = []
    problems: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            size = len(orjson.dumps(item))
            if size > MAX_POST_BYTES:
                raise InvalidPost(
                    "too_large", f"{size} bytes is over the limit of {MAX_POST_BYTES}"
                )
            post = post_from_dict(item)
            problem = door_problem(post.ts, now)
            if problem is not None:
                raise problem
            posts.append(post)
        except InvalidPost as exc:
            problems.append({"index": index, "reason": exc.reason, "detail": exc.detail})
    return posts, problems


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, None for any other; the
    scheme is case-insensitive (RFC 7235), the token is compared as given."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class Ingest:
    """The request handler of one webhook instance."""

    def __init__(self, config: WebhookConfig, context: EndpointContext) -> None:
        self.context = context
        self._token = config.token.get_secret_value().encode()

    def _refuse(self, status: int, error: str, detail: str) -> web.Response:
        self.context.report.request("client_error")
        self.context.report.error(error)
        log.info("%s: %d %s: %s", self.context.name, status, error, detail)
        return _answer(status, {"accepted": 0, "error": error, "detail": detail})

    async def post(self, request: web.Request) -> web.Response:
        given = bearer_token(request.headers.get("Authorization", ""))
        if given is None or not hmac.compare_digest(given.encode(), self._token):
            response = self._refuse(401, "unauthorized", "a valid bearer token is required")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        try:
            body = await read_body(request)
        except (web.HTTPRequestEntityTooLarge, web.HTTPRequestTimeout) as exc:
            error = "too_large" if exc.status == 413 else "body_timeout"
            return self._refuse(exc.status, error, exc.text or exc.reason)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return self._refuse(400, "invalid_json", str(exc)[:200])
        items = data if isinstance(data, list) else [data]
        if len(items) > MAX_BUNDLE_POSTS:
            return self._refuse(413, "too_large", f"{len(items)} posts, at most {MAX_BUNDLE_POSTS}")
        posts, problems = check_posts(items)
        if problems:
            self.context.report.request("client_error")
            self.context.report.error("invalid_post", len(problems))
            return _answer(422, {"accepted": 0, "errors": problems})
        return await self._publish(posts)

    async def _publish(self, posts: list[Post]) -> web.Response:
        try:
            await self.context.publish(self.context.name, posts)
        except BrokerError as exc:
            log.error("%s: %d posts not taken: %s", self.context.name, len(posts), exc)
            self.context.report.request("server_error")
            self.context.report.error("broker")
            self.context.report.failure()
            return _answer(
                503, {"accepted": 0, "error": "unavailable"}, {"Retry-After": str(RETRY_AFTER)}
            )
        self.context.report.request("ok")
        self.context.report.fetched(posts)
        self.context.report.success()
        return _answer(200, {"accepted": len(posts)})


def ingest_app(config: WebhookConfig, context: EndpointContext) -> web.Application:
    """The aiohttp application of one webhook instance (also served alone in tests)."""
    app = guarded_app(context.name, config, context.report)
    app.router.add_post(config.path, Ingest(config, context).post, expect_handler=expect)
    return app


def endpoint(config: WebhookConfig, context: EndpointContext) -> AppEndpoint:
    return AppEndpoint(context.name, ingest_app(config, context), config)
