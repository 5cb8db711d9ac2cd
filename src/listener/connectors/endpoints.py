"""Serving the aiohttp application of a source that pushes (a webhook) as an endpoint."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

log = logging.getLogger(__name__)


class AppEndpoint:
    """An aiohttp application served on ``host:port`` until the task is cancelled."""

    def __init__(self, name: str, app: web.Application, host: str, port: int) -> None:
        self.name = name
        self.app = app
        self.host = host
        self.port = port

    async def serve(self) -> None:
        # A short shutdown: a sender cut off mid-request is answered with nothing and
        # sends again, since only a 2xx tells it the posts were taken.
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
            log.info("%s: listening on http://%s:%d", self.name, self.host, self.port)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
