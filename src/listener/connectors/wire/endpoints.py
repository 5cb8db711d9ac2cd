"""Serving the aiohttp application of a source that pushes (a webhook) as an endpoint,
behind its door (:mod:`listener.connectors.wire.door`)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from listener.connectors.config import EndpointConfig
from listener.connectors.wire.door import GATE, LINGER, Door

log = logging.getLogger(__name__)


class AppEndpoint:
    """An application made by :func:`~listener.connectors.wire.door.guarded_app`, served on the
    configured address until the task is cancelled."""

    def __init__(self, name: str, app: web.Application, config: EndpointConfig) -> None:
        self.name = name
        self.app = app
        self.config = config

    async def serve(self) -> None:
        # A short shutdown: a sender cut off mid-request is answered with nothing and
        # sends again, since only a 2xx tells it the posts were taken. aiohttp's
        # keep-alive timer is the header timeout: it runs from the connection's start
        # and from each answer until the next request's headers are in.
        runner = web.AppRunner(
            self.app,
            access_log=None,
            shutdown_timeout=5.0,
            keepalive_timeout=self.config.header_timeout,
            lingering_time=LINGER,
        )
        await runner.setup()
        server: asyncio.Server | None = None
        try:
            handlers, gate = runner.server, self.app[GATE]
            assert handlers is not None
            server = await asyncio.get_running_loop().create_server(
                lambda: Door(handlers(), gate), self.config.host, self.config.port
            )
            log.info("%s: listening on http://%s:%d", self.name, self.config.host, self.config.port)
            await asyncio.Event().wait()
        finally:
            if server is not None:
                server.close()
            await runner.cleanup()
