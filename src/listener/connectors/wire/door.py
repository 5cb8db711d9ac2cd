"""The door of every endpoint a source calls: how long a client may take, how many come
in at once, and how often one may fail.

aiohttp alone waits as long as a client likes for a request's headers, so half-sent
requests each hold a socket and a file descriptor. Every endpoint is therefore served
behind these bounds, all set in its YAML (:class:`~listener.connectors.config.EndpointConfig`):

- ``header_timeout``: aiohttp's keep-alive timer, armed when a connection opens and after
  each answer, closes a connection whose next request line and headers have not all
  arrived in time (an idle kept-alive connection too).
- ``body_timeout`` and ``max_bytes``: :func:`read_body` refuses an announced length over
  the limit before reading anything (413, also before ``100 Continue``), stops a body
  sent without a length at the limit (413), and gives up on one that is too slow (408).
- ``max_connections`` and ``max_connections_per_client``: a connection beyond either is
  closed as soon as it is accepted, before a byte of it is read.
- ``client_failures`` (:class:`~listener.refusals.Refusals`): a client address whose
  requests were refused that many times within the window (a bad token or signature, a
  malformed or oversized request, a timeout) is answered 429 with ``Retry-After`` and its
  new connections are closed at once, until the window allows it again.

A client is its IP address. Behind a proxy every request comes from the proxy's address,
so the per-client bounds then apply to all senders together.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from listener.connectors.config import EndpointConfig
from listener.connectors.runtime.metrics import Report
from listener.refusals import Refusals

log = logging.getLogger(__name__)

#: Seconds an answer refusing a body waits for the rest of it to drain, so the client
#: reads the answer instead of a reset; then the connection is closed.
LINGER: Final = 1.0


def _refused(status: int) -> bool:
    """A refusal that counts against the client: any 4xx but 422 (an authenticated
    sender's invalid posts) and 429 (our own answer to a blocked client)."""
    return 400 <= status < 500 and status not in (422, 429)


class Gate:
    """What one endpoint knows of its clients: their open connections and refusals."""

    def __init__(self, name: str, config: EndpointConfig, report: Report) -> None:
        self.name = name
        self.config = config
        self.report = report
        #: Open connections, in all and by client.
        self.total = 0
        self.open: Counter[str] = Counter()
        budget = config.client_failures
        self.refusals = Refusals(budget.requests, budget.per)

    def admit(self, client: str) -> bool:
        """Whether a new connection from ``client`` may come in; counts it if so."""
        config = self.config
        why = ""
        if self.blocked_for(client) > 0:
            why = "client_blocked"
        elif (
            self.total >= config.max_connections
            or self.open[client] >= config.max_connections_per_client
        ):
            why = "too_many_connections"
        if why:
            self.report.error(why)
            return False
        self.total += 1
        self.open[client] += 1
        return True

    def release(self, client: str) -> None:
        self.total -= 1
        self.open[client] -= 1
        if self.open[client] <= 0:
            del self.open[client]

    def failed(self, client: str) -> None:
        """Count one refusal of ``client``; the one that fills its budget blocks it."""
        if self.refusals.failed(client):
            log.warning(
                "%s: %s refused %d times within %.0fs; refusing it for %.0fs",
                self.name,
                client,
                self.refusals.requests,
                self.refusals.per,
                self.blocked_for(client),
            )

    def blocked_for(self, client: str) -> float:
        """Seconds until ``client`` may be served again (0: it may now)."""
        return self.refusals.blocked_for(client)


class Door(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind the gate: a connection the gate
    refuses is aborted before the protocol sees it."""

    def __init__(self, inner: asyncio.Protocol, gate: Gate) -> None:
        self.inner = inner
        self.gate = gate
        self.client: str | None = None
        self.requests = 0
        self._opened = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) else str(peer)
        if not self.gate.admit(client):
            assert isinstance(transport, asyncio.Transport)
            transport.abort()
            return
        self.client = client
        self._opened = time.monotonic()
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.client is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.client is not None else None

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client is None:
            return
        self.gate.release(self.client)
        waited = time.monotonic() - self._opened
        if self.requests == 0 and waited >= self.gate.config.header_timeout:
            # Closed by the header timeout without a whole request: a slow client.
            self.gate.report.error("header_timeout")
            self.gate.failed(self.client)
        self.inner.connection_lost(exc)


GATE: Final = web.AppKey("gate", Gate)


def guarded_app(name: str, config: EndpointConfig, report: Report) -> web.Application:
    """An application with the endpoint's limits; its routes are added by the caller,
    with :func:`expect` as the ``expect_handler`` of those that take a body."""
    gate = Gate(name, config, report)
    app = web.Application(client_max_size=config.max_bytes, middlewares=[_guard(gate)])
    app[GATE] = gate
    return app


def _guard(gate: Gate) -> Middleware:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        client = request.remote or "unknown"
        door = request.transport.get_protocol() if request.transport else None
        if isinstance(door, Door):
            door.requests += 1
        if (wait := gate.blocked_for(client)) > 0:
            gate.report.error("client_blocked")
            answer = web.Response(status=429, headers={"Retry-After": str(math.ceil(wait))})
            answer.force_close()
            return answer
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if _refused(exc.status):
                gate.failed(client)
                exc.force_close()
            raise
        if _refused(response.status):
            gate.failed(client)
            response.force_close()
        return response

    return guard


async def expect(request: web.Request) -> web.StreamResponse | None:
    """Answers ``Expect: 100-continue``, unless the announced body is over the limit (413)
    or the client is held off (429): then the client never sends the body."""
    gate = request.app[GATE]
    limit = gate.config.max_bytes
    client = request.remote or "unknown"
    if (wait := gate.blocked_for(client)) > 0:
        gate.report.error("client_blocked")
        answer = web.Response(status=429, headers={"Retry-After": str(math.ceil(wait))})
    elif request.content_length is not None and request.content_length > limit:
        # Answered before the middleware runs: counted here.
        gate.report.request("client_error")
        gate.report.error("too_large")
        gate.failed(client)
        answer = web.Response(status=413, text=f"the body is over {limit} bytes")
    elif request.headers.get("Expect", "").lower() != "100-continue":
        raise web.HTTPExpectationFailed(text="only Expect: 100-continue is understood")
    else:
        if request.version >= (1, 1):
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return None
    answer.force_close()
    return answer


async def read_body(request: web.Request) -> bytes:
    """The body, within the endpoint's ``max_bytes`` and ``body_timeout``; raises
    ``HTTPRequestEntityTooLarge`` (before reading, when the length is announced) or
    ``HTTPRequestTimeout``."""
    config = request.app[GATE].config
    length = request.content_length
    if length is not None and length > config.max_bytes:
        raise web.HTTPRequestEntityTooLarge(max_size=config.max_bytes, actual_size=length)
    try:
        async with asyncio.timeout(config.body_timeout):
            return await request.read()  # stops at client_max_size, which is max_bytes
    except TimeoutError:
        raise web.HTTPRequestTimeout(
            text=f"the body did not arrive within {config.body_timeout:g}s"
        ) from None
