"""Local stand-ins for the receivers, for ``listener demo``: an HTTP server that takes what
would go to a Slack incoming webhook, and an SMTP server that takes what would go by mail.
Both keep every message and deliver nothing further.

They listen on 127.0.0.1 only. The SMTP side speaks just enough of RFC 5321 for a client
that sends without encryption or login (``security: plain``): it is a sink, not a relay.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import orjson
from aiohttp import web


@dataclass(frozen=True, slots=True)
class Posted:
    """One request the Slack stand-in took: its JSON body and when (wall clock)."""

    path: str
    body: dict[str, Any]
    at: float


class SlackSink:
    """An HTTP server on 127.0.0.1 answering ``ok`` to every JSON POST, as a Slack
    incoming webhook does, and keeping what it was sent."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _take(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self.posted.append(Posted(request.path, body, time.time()))
        return web.Response(text="ok")

    async def start(self) -> str:
        """Start listening on a free port; returns the webhook URL to configure."""
        app = web.Application()
        app.router.add_post("/{path:.*}", self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/services/demo"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class MailSink:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps it."""

    mails: list[tuple[float, EmailMessage]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> int:
        """Start listening on a free port; returns it."""
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError, asyncio.IncompleteReadError):
            await _reply(writer, "220 listener demo mail sink")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    await _reply(writer, "250-127.0.0.1", "250-8BITMIME", "250 SMTPUTF8")
                elif verb == b"DATA":
                    await _reply(writer, "354 end with <CR><LF>.<CR><LF>")
                    self.mails.append((time.time(), await _message(reader)))
                    await _reply(writer, "250 accepted")
                elif verb == b"QUIT":
                    await _reply(writer, "221 bye")
                    break
                else:  # MAIL, RCPT, RSET, NOOP: all welcome
                    await _reply(writer, "250 OK")
        writer.close()


async def _reply(writer: asyncio.StreamWriter, *lines: str) -> None:
    writer.write("".join(f"{line}\r\n" for line in lines).encode())
    await writer.drain()


async def _message(reader: asyncio.StreamReader) -> EmailMessage:
    lines: list[bytes] = []
    while (line := await reader.readline()) not in (b".\r\n", b".\n", b""):
        lines.append(line[1:] if line.startswith(b"..") else line)  # RFC 5321 dot-stuffing
    return message_from_bytes(b"".join(lines), policy=default)
