"""The one door between a connector instance and its source's HTTP API.

Every request passes the instance's :class:`~listener.connectors.wire.ratelimit.Throttle`, is
counted by outcome, has the source's rate-limit headers read (a spent window holds the next
request until it resets), and has httpx errors and unwanted statuses translated into
:mod:`listener.connectors.wire.errors`. Connectors therefore only ever see a :class:`Reply` or a
:class:`~listener.connectors.wire.errors.SourceError`.

Bodies are read as they arrive, with a limit counted after decompression
(:mod:`listener.connectors.wire.bounded`), and one exchange (connecting, sending, the answer's
headers and its whole body) must end within the instance's ``timeout``: a source can
neither fill the process's memory nor hold a lane by sending slowly.

URLs are logged and put into errors without their query string, which may carry a token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx
import orjson

from listener.connectors.runtime.metrics import Report
from listener.connectors.wire.bounded import Inflater, limited_lines, read_limited
from listener.connectors.wire.errors import (
    MalformedResponse,
    RateLimited,
    ResponseTooLarge,
    SourceError,
    SourceRejected,
    SourceUnavailable,
    StreamDropped,
)
from listener.connectors.wire.ratelimit import (
    RateHeaders,
    RateInfo,
    Throttle,
    read_rate,
    retry_after,
)

log = logging.getLogger(__name__)

#: Wait after a 429 that says nothing about how long to wait.
DEFAULT_RETRY_AFTER: Final = 60.0
#: Largest answer accepted, counted after decompression (``max_bytes`` in the YAML).
MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024
#: Largest line of a stream (``max_message_bytes`` in the YAML).
MAX_LINE_BYTES: Final = 1024 * 1024

Params = Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class Reply:
    """A response the source gave and the connector asked for."""

    status: int
    headers: httpx.Headers
    body: bytes
    where: str

    def json(self) -> Any:
        """The body as JSON; raises :class:`MalformedResponse` when it is not."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise MalformedResponse(f"{self.where}: not JSON ({exc})") from None


def _where(method: str, url: httpx.URL) -> str:
    return f"{method} {url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"


class SourceHttp:
    """Requests of one connector instance, shared by its lanes."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        throttle: Throttle,
        report: Report,
        rate_headers: RateHeaders | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.client = client
        self.throttle = throttle
        self.report = report
        self.rate_headers = rate_headers
        #: Largest answer accepted, after decompression.
        self.max_bytes = max_bytes
        #: Longest one exchange may take, its whole body included.
        self.deadline = client.timeout.read
        #: What the source last said about its rate limit, for the page's metrics.
        self.last_rate: RateInfo | None = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        auth: tuple[str, str] | None = None,
        allow: Collection[int] = (),
    ) -> Reply:
        """Send one request (a form in ``data``, or any body in ``content``); 2xx and the
        statuses in ``allow`` (say 304) come back."""
        await self.throttle.acquire()
        request = self.client.build_request(
            method, url, params=params, headers=headers, data=data, content=content
        )
        where = _where(method, request.url)
        try:
            async with asyncio.timeout(self.deadline):
                response = await self.client.send(request, auth=auth, stream=True)
                try:
                    self._note_rate(response.headers)
                    body = await self._body(response, where)
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            self.report.request("network")
            raise SourceUnavailable(f"{where}: {type(exc).__name__} {exc}".strip()) from exc
        except TimeoutError:
            self.report.request("network")
            raise SourceUnavailable(f"{where}: no whole answer within {self.deadline}s") from None
        self._check(response, body, where, allow)
        return Reply(response.status_code, response.headers, body, where)

    async def _body(self, response: httpx.Response, where: str) -> bytes:
        """The whole body, decoded, within :attr:`max_bytes`; an announced length over
        the limit is refused before anything is read."""
        inflater = Inflater(response.headers.get("content-encoding"), self.max_bytes, where)
        length = response.headers.get("content-length", "")
        try:
            if length.isdigit() and inflater.identity and int(length) > self.max_bytes:
                raise ResponseTooLarge(
                    f"{where}: {length} bytes announced, over the limit of {self.max_bytes}"
                )
            return await read_limited(response.aiter_raw(), inflater)
        except ResponseTooLarge:
            self.report.request("too_large")
            raise
        except MalformedResponse:
            self.report.request("malformed")
            raise

    async def get_json(
        self, url: str, *, params: Params | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[Any, Reply]:
        """GET ``url`` and decode its JSON body."""
        reply = await self.request("GET", url, params=params, headers=headers)
        return reply.json(), reply

    @asynccontextmanager
    async def stream(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float,
        max_line: int = MAX_LINE_BYTES,
    ) -> AsyncIterator[AsyncIterator[str]]:
        """Open a long-lived GET and yield its lines; nothing arriving for ``read_timeout``
        seconds (not even a heartbeat) ends it with :class:`StreamDropped`, a line over
        ``max_line`` bytes (after decompression) with :class:`ResponseTooLarge`."""
        await self.throttle.acquire()
        timeout = httpx.Timeout(self.client.timeout.connect, read=read_timeout)
        request = self.client.build_request(
            "GET", url, params=params, headers=headers, timeout=timeout
        )
        where = _where("GET", request.url)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            self.report.request("network")
            raise StreamDropped(f"{where}: {type(exc).__name__} {exc}".strip()) from exc
        try:
            self._note_rate(response.headers)
            body = b"" if response.status_code < 300 else await self._body(response, where)
            self._check(response, body, where, ())
            encoding = response.headers.get("content-encoding")
            yield _lines(response, Inflater(encoding, None, where), max_line)
        finally:
            await response.aclose()

    def _note_rate(self, headers: httpx.Headers) -> None:
        if self.rate_headers is None:
            return
        info = read_rate(headers, self.rate_headers)
        if info.remaining is None and info.reset_after is None:
            return
        self.last_rate = info
        self.report.rate(info.remaining)
        if info.remaining is not None and info.remaining < 1 and info.reset_after:
            log.info(
                "%s: rate-limit window spent, holding %.1fs",
                self.report.connector,
                info.reset_after,
            )
            self.throttle.hold(info.reset_after)

    def _check(
        self, response: httpx.Response, body: bytes, where: str, allow: Collection[int]
    ) -> None:
        """Count the outcome; raise the translated error for an unwanted status."""
        status = response.status_code
        if 200 <= status < 300 or status in allow:
            self.report.request(_outcome(response))
            return
        detail = body[:200].decode("utf-8", "replace").replace("\n", " ")
        raise self.refusal(status, response.headers.get("retry-after"), where, detail)

    def refusal(
        self, status: int, retry_after_header: str | None, where: str, detail: str = ""
    ) -> SourceError:
        """Count a status the source refused with and translate it: 429 holds the throttle
        (``Retry-After``, else the rate-limit window, else a default), 5xx is worth trying
        again (after its ``Retry-After``, if any), the rest is refused."""
        wait = retry_after(retry_after_header)
        if status == 429:
            self.report.request("rate_limited")
            if wait is None and self.last_rate is not None:
                wait = self.last_rate.reset_after
            wait = DEFAULT_RETRY_AFTER if wait is None else wait
            self.throttle.hold(wait)
            return RateLimited(f"{where}: 429, waiting {wait:.1f}s", wait, status)
        if status >= 500:
            self.report.request("server_error")
            if wait is not None:
                self.throttle.hold(wait)
            return SourceUnavailable(f"{where}: {status} {detail}".strip(), wait, status)
        self.report.request("client_error")
        return SourceRejected(f"{where}: {status} {detail}".strip(), status=status)


def _outcome(response: httpx.Response) -> str:
    status = response.status_code
    if status == 304:
        return "not_modified"
    if status >= 500:
        return "server_error"
    return "client_error" if status >= 400 else "ok"


async def _lines(response: httpx.Response, inflater: Inflater, max_line: int) -> AsyncIterator[str]:
    where = inflater.where
    try:
        async for line in limited_lines(response.aiter_raw(), inflater, max_line):
            yield line
    except httpx.HTTPError as exc:
        raise StreamDropped(f"{where}: {type(exc).__name__} {exc}".strip()) from exc
