"""The endpoint Facebook's Webhooks call for the ``feed`` field of subscribed pages.

``GET`` answers the subscription handshake: ``hub.mode=subscribe`` with the verify token
chosen in the app's settings gets ``hub.challenge`` back. ``POST`` deliveries are accepted
only with a valid ``X-Hub-Signature-256`` (an HMAC-SHA256 of the raw body with the app
secret), so nobody else can inject posts. New posts and comments are published, and the
answer is 200 only once the broker acknowledged them; otherwise 503, and Facebook delivers
again later. A change that cannot be read is logged with its content and counted; the
rest of the delivery still goes through (sending it again would not make it readable).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import orjson
from aiohttp import web

from listener.connectors.base import EndpointContext
from listener.connectors.posts import parse_items
from listener.connectors.sources.facebook.config import FacebookWebhookConfig
from listener.connectors.sources.facebook.graph import webhook_post
from listener.connectors.wire.door import expect, guarded_app, read_body
from listener.connectors.wire.endpoints import AppEndpoint
from listener.errors import BrokerError
from listener.records import Post

log = logging.getLogger(__name__)


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Facebook sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class Deliveries:
    """The request handlers of one Facebook webhook instance."""

    def __init__(self, config: FacebookWebhookConfig, context: EndpointContext) -> None:
        self.config = config
        self.context = context
        self._secret = config.app_secret.get_secret_value().encode()
        self._verify = config.verify_token.get_secret_value()

    async def handshake(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(token, self._verify):
            return web.Response(text=query.get("hub.challenge", ""))
        self.context.report.error("unauthorized")
        return web.Response(status=403, text="verify token mismatch")

    async def deliver(self, request: web.Request) -> web.Response:
        report = self.context.report
        try:
            body = await read_body(request)
        except (web.HTTPRequestEntityTooLarge, web.HTTPRequestTimeout) as exc:
            report.request("client_error")
            report.error("too_large" if exc.status == 413 else "body_timeout")
            return web.Response(status=exc.status, text=exc.text)
        given = request.headers.get("X-Hub-Signature-256", "")
        if not hmac.compare_digest(given, signature(self._secret, body)):
            report.request("client_error")
            report.error("unauthorized")
            return web.Response(status=401, text="bad signature")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            report.request("client_error")
            report.error("invalid_json")
            return web.Response(status=400, text="not JSON")
        return await self._publish(self._posts(data))

    def _posts(self, data: Any) -> list[Post]:
        """New posts and comments of the delivery, on the pages listener knows."""
        entries = data.get("entry") if isinstance(data, dict) else None
        changes: list[tuple[Any, str]] = []
        for entry in entries if isinstance(entries, list) else ():
            page = entry.get("id") if isinstance(entry, dict) else None
            channel = self.config.channels.get(str(page))
            if channel is None:
                log.warning(
                    "%s: a delivery for page %s, which is not configured: %s",
                    self.context.name,
                    page,
                    orjson.dumps(entry)[:500],
                )
                self.context.report.error("unknown_page")
                continue
            found = entry.get("changes")
            changes += [
                (change.get("value"), channel)
                for change in (found if isinstance(found, list) else ())
                if isinstance(change, dict) and change.get("field") == "feed"
            ]
        where = f"delivery to {self.context.name}"
        return parse_items(changes, lambda c: webhook_post(*c), self.context.report, where)

    async def _publish(self, posts: list[Post]) -> web.Response:
        try:
            await self.context.publish(self.context.name, posts)
        except BrokerError as exc:
            log.error(
                "%s: %d posts not taken, Facebook will retry: %s",
                self.context.name,
                len(posts),
                exc,
            )
            self.context.report.request("server_error")
            self.context.report.error("broker")
            return web.Response(status=503)
        self.context.report.request("ok")
        self.context.report.fetched(posts)
        self.context.report.success()
        return web.Response(text="EVENT_RECEIVED")


def webhook_app(config: FacebookWebhookConfig, context: EndpointContext) -> web.Application:
    app = guarded_app(context.name, config, context.report)
    deliveries = Deliveries(config, context)
    app.router.add_get(config.path, deliveries.handshake)
    app.router.add_post(config.path, deliveries.deliver, expect_handler=expect)
    return app


def endpoint(config: FacebookWebhookConfig, context: EndpointContext) -> AppEndpoint:
    return AppEndpoint(context.name, webhook_app(config, context), config)
