"""Reading what a source sends without trusting its size.

A source's answer is read as it arrives, undoing its ``Content-Encoding`` (none, ``gzip``
or ``deflate``) a piece at a time, and counted after decompression: zlib is never asked
for more bytes than are still allowed, so a compressed bomb (1 MiB on the wire, 1 GiB
inflated) costs the limit and no more, and reading stops there, before the rest is
inflated or even received. Streams are cut into lines the same way, each line bounded.

Only the encodings listener asks for (``Accept-Encoding: gzip, deflate``) are read; any
other is refused rather than handed to a decoder without a bound.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from typing import Final

from listener.connectors.wire.errors import MalformedResponse, ResponseTooLarge

#: What the connectors' HTTP client asks for: the encodings :class:`Inflater` can bound.
ACCEPT_ENCODING: Final = "gzip, deflate"

#: Most decoded bytes zlib is asked for at once.
STEP: Final = 64 * 1024

_GZIP: Final = zlib.MAX_WBITS | 16
_ZLIB: Final = zlib.MAX_WBITS
_RAW: Final = -zlib.MAX_WBITS


def _wbits(encoding: str) -> int | None:
    """zlib's window bits for a ``Content-Encoding``; None for no encoding."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return None
    if name in ("gzip", "x-gzip"):
        return _GZIP
    if name == "deflate":
        return _ZLIB
    raise MalformedResponse(f"Content-Encoding {encoding!r} is not one listener asked for")


class Inflater:
    """The decoded bytes of a body fed in pieces, never more than ``limit`` in all.

    zlib is asked for at most ``step`` bytes at a time and never for more than one byte
    past what the limit leaves, so the bytes beyond it are neither inflated nor held:
    :class:`ResponseTooLarge` is raised as soon as the total would pass the limit.
    ``limit=None`` counts nothing (a stream, whose lines are bounded instead). Corrupt
    compressed data is :class:`MalformedResponse`.
    """

    def __init__(
        self, encoding: str | None, limit: int | None, where: str = "answer", step: int = STEP
    ) -> None:
        self.limit = limit
        self.where = where
        self.step = step
        #: Decoded bytes so far.
        self.total = 0
        self._wbits = _wbits(encoding or "")
        self._decoder = None if self._wbits is None else zlib.decompressobj(self._wbits)
        self._started = False
        self._head = b""

    @property
    def identity(self) -> bool:
        """Whether the body is sent as it is (its length on the wire is its length)."""
        return self._wbits is None

    def feed(self, data: bytes) -> bytes:
        """All the bytes ``data`` decodes to (possibly none yet)."""
        return b"".join(self.pieces(data))

    def pieces(self, data: bytes) -> Iterator[bytes]:
        """The bytes ``data`` decodes to, in pieces of at most ``step`` bytes (a piece of
        a body without encoding is passed on as it came)."""
        if self._decoder is None:
            self._count(len(data))
            yield data
            return
        while data:
            try:
                piece, data = self._inflate(data)
            except zlib.error as exc:
                raise self._corrupt(exc) from None
            self._count(len(piece))
            yield piece

    def end(self) -> bytes:
        """What zlib still held back once the body has ended (a few bytes at most)."""
        if self._decoder is None:
            return b""
        try:
            rest = self._decoder.flush()
        except zlib.error as exc:
            raise self._corrupt(exc) from None
        self._count(len(rest))
        return rest

    def _corrupt(self, exc: zlib.error) -> MalformedResponse:
        return MalformedResponse(f"{self.where}: not valid compressed data ({exc})")

    def _inflate(self, data: bytes) -> tuple[bytes, bytes]:
        """One bounded piece, and the input still to inflate."""
        if self._wbits == _ZLIB and not self._started:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return b"", b""
            self._sniff(data)
        assert self._decoder is not None and self._wbits is not None
        self._started = True
        room = self.step if self.limit is None else min(self.step, self.limit - self.total + 1)
        piece = self._decoder.decompress(data, room)
        if not self._decoder.eof:
            return piece, self._decoder.unconsumed_tail
        # What follows the end of a gzip member is the next member.
        rest = self._decoder.unused_data
        self._decoder = zlib.decompressobj(self._wbits)
        return piece, rest

    def _sniff(self, data: bytes) -> None:
        """ "deflate" should carry a zlib header, but many servers send raw deflate: without
        a valid header the body is read as raw, as browsers do."""
        method, flags = data[0], data[1]
        if method & 0x0F != 8 or (method << 8 | flags) % 31:
            self._wbits = _RAW
            self._decoder = zlib.decompressobj(_RAW)

    def _count(self, size: int) -> None:
        self.total += size
        if self.limit is not None and self.total > self.limit:
            raise ResponseTooLarge(
                f"{self.where}: more than {self.limit} bytes (after decompression); "
                "reading stopped at the limit"
            )


async def read_limited(chunks: AsyncIterable[bytes], inflater: Inflater) -> bytes:
    """Everything ``chunks`` (the bytes on the wire) decode to, within the inflater's limit."""
    body = bytearray()
    try:
        async for chunk in chunks:
            for piece in inflater.pieces(chunk):
                body += piece
        body += inflater.end()
    except MalformedResponse:
        # The error's traceback holds this frame for as long as the error is kept (by a
        # log record, say): it must not hold the bytes read so far.
        body.clear()
        raise
    return bytes(body)


async def limited_lines(
    chunks: AsyncIterable[bytes], inflater: Inflater, max_line: int
) -> AsyncIterator[str]:
    """The lines of a stream (ended by LF or CRLF, without them), each at most
    ``max_line`` bytes; a longer one raises :class:`ResponseTooLarge` before it is
    held whole. A last line without its end is dropped: it may be incomplete."""
    buffer = bytearray()
    async for chunk in chunks:
        for piece in inflater.pieces(chunk):
            buffer += piece
            lines = buffer.split(b"\n")
            buffer = lines.pop()
            for line in lines:
                if len(line) > max_line:
                    break
                yield bytes(line).removesuffix(b"\r").decode("utf-8", "replace")
            else:
                if len(buffer) <= max_line:
                    continue
            raise ResponseTooLarge(
                f"{inflater.where}: a line of more than {max_line} bytes; the stream is dropped"
            )
