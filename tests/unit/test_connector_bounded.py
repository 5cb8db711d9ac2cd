"""The byte-limited reader: a body is counted after decompression and reading stops at the
limit, whatever the encoding and however the bytes are cut; stream lines and server-sent
events are bounded one by one."""

from __future__ import annotations

import gzip
import random
import zlib
from collections.abc import AsyncIterator, Iterable

import pytest

from listener.connectors.wire.bounded import Inflater, limited_lines, read_limited
from listener.connectors.wire.errors import MalformedResponse, ResponseTooLarge
from listener.connectors.wire.sse import events

#: Text that compresses, with some bytes that do not, so pieces and blocks vary.
BODY = b'{"hits": [' + b'{"id": 1, "text": "Acme"},' * 400 + random.Random(7).randbytes(3000)


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODED = {
    "identity": BODY,
    "gzip": gzip.compress(BODY),
    "deflate": zlib.compress(BODY),  # what the standard means by deflate: zlib-wrapped
    "raw-deflate": raw_deflate(BODY),  # what many servers send instead
}


def header(name: str) -> str:
    return "deflate" if name == "raw-deflate" else name


def cut(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def chunked(pieces: Iterable[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@pytest.mark.parametrize("name", sorted(ENCODED))
@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
async def test_a_body_exactly_at_the_limit_is_read_whole(name: str, size: int) -> None:
    inflater = Inflater(header(name), len(BODY))
    assert await read_limited(chunked(cut(ENCODED[name], size)), inflater) == BODY
    assert inflater.total == len(BODY)


@pytest.mark.parametrize("name", sorted(ENCODED))
@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
async def test_one_byte_over_the_limit_is_refused(name: str, size: int) -> None:
    inflater = Inflater(header(name), len(BODY) - 1, "GET http://feeds.example/news")
    message = f"feeds.example/news: more than {len(BODY) - 1} bytes"
    with pytest.raises(ResponseTooLarge, match=message):
        await read_limited(chunked(cut(ENCODED[name], size)), inflater)
    assert inflater.total == len(BODY)  # one byte past the limit, never more


def test_a_bomb_is_inflated_no_further_than_the_limit() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(16)) + packer.flush()
    assert len(bomb) < 20_000  # 16 MiB inflated
    inflater = Inflater("gzip", 1 << 20)
    fed = 0
    with pytest.raises(ResponseTooLarge):
        for piece in cut(bomb, 2_048):
            fed += len(piece)
            inflater.feed(piece)
    assert inflater.total == (1 << 20) + 1
    assert fed <= 2_048  # stopped within the first piece received, the rest never read


async def test_gzip_members_one_after_another_are_one_body() -> None:
    two = gzip.compress(b"first half, ") + gzip.compress(b"second half")
    got = await read_limited(chunked(cut(two, 5)), Inflater("gzip", 100))
    assert got == b"first half, second half"
    with pytest.raises(ResponseTooLarge):
        await read_limited(chunked([two]), Inflater("gzip", 22))


async def test_corrupt_or_unasked_encodings_are_malformed() -> None:
    broken = bytearray(ENCODED["gzip"])
    broken[40:60] = bytes(20)
    with pytest.raises(MalformedResponse, match="not valid compressed data"):
        await read_limited(chunked([bytes(broken)]), Inflater("gzip", 1 << 20))
    with pytest.raises(MalformedResponse, match="'br' is not one listener asked for"):
        Inflater("br", 1 << 20)


async def lines_of(data: bytes, encoding: str | None, size: int, max_line: int) -> list[str]:
    source = limited_lines(chunked(cut(data, size)), Inflater(encoding, None), max_line)
    return [line async for line in source]


@pytest.mark.parametrize("size", [1, 3, 1000])
async def test_stream_lines_are_bounded_one_by_one(size: int) -> None:
    stream = b"event: update\r\ndata: " + b"x" * 14 + b"\n\n:thump\n"
    assert await lines_of(stream, None, size, 20) == [
        "event: update",
        "data: " + "x" * 14,
        "",
        ":thump",
    ]
    with pytest.raises(ResponseTooLarge, match="a line of more than 19 bytes"):
        await lines_of(stream, None, size, 19)


async def test_a_compressed_stream_is_bounded_by_line_not_by_chunk() -> None:
    # 2 MiB of short lines arrive in one small compressed chunk: each line is within
    # the limit, so all are read; one endless line in the same space is refused.
    many = b"data: {}\n" * 233_017
    assert len(await lines_of(gzip.compress(many), "gzip", 1 << 16, 1024)) == 233_017
    endless = gzip.compress(b"data: " + b"x" * (2 << 20))
    with pytest.raises(ResponseTooLarge):
        await lines_of(endless, "gzip", 1 << 16, 1024)


async def test_an_event_of_many_data_lines_is_bounded() -> None:
    lines = ["event: update", *(["data: " + "y" * 50] * 10), ""]

    async def source() -> AsyncIterator[str]:
        for line in lines:
            yield line

    whole = [event async for event in events(source(), 510)]
    assert len(whole) == 1 and len(whole[0].data) == 509
    with pytest.raises(ResponseTooLarge, match="an event of more than 509 characters"):
        _ = [event async for event in events(source(), 509)]
