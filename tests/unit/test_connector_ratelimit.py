"""Rate-limit headers as sources write them, our own budget, and backoff with jitter."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

import httpx
import pytest

from listener.connectors.wire.ratelimit import (
    MAX_HOLD,
    RateHeaders,
    ResetStyle,
    Throttle,
    read_rate,
    reset_after,
    retry_after,
)

NOW = 1_700_000_000.0


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert retry_after("7") == 7.0
    assert retry_after(" 2.5 ") == 2.5
    assert retry_after(formatdate(NOW + 30, usegmt=True), now=NOW) == pytest.approx(30.0)
    assert retry_after(formatdate(NOW - 30, usegmt=True), now=NOW) == 0.0  # already past
    assert retry_after("soon") is None
    assert retry_after(None) is None
    assert retry_after("999999") == MAX_HOLD


def test_reset_styles_of_reddit_x_and_mastodon() -> None:
    assert reset_after("42", ResetStyle.SECONDS, NOW) == 42.0
    assert reset_after(str(int(NOW) + 90), ResetStyle.EPOCH, NOW) == 90.0
    assert reset_after("2023-11-14T22:13:20.000Z", ResetStyle.ISO, NOW) == pytest.approx(0.0)
    later = "2023-11-14T22:23:20Z"  # NOW is 22:13:20Z
    assert reset_after(later, ResetStyle.ISO, NOW) == pytest.approx(600.0)
    assert reset_after("2023-11-14T22:23:20", ResetStyle.ISO, NOW) is None  # no offset
    assert reset_after("garbage", ResetStyle.EPOCH, NOW) is None


def test_read_rate_finds_headers_whatever_their_case() -> None:
    headers = httpx.Headers({"X-Ratelimit-Remaining": "598.0", "X-Ratelimit-Reset": "311"})
    info = read_rate(headers, RateHeaders(style=ResetStyle.SECONDS), NOW)
    assert info.remaining == 598.0 and info.reset_after == 311.0
    assert read_rate(httpx.Headers(), RateHeaders(), NOW).remaining is None


async def test_budget_spaces_requests_beyond_its_burst() -> None:
    throttle = Throttle(requests=4, per=0.4)  # a burst of 4, then one every 0.1 s
    started = time.monotonic()
    for _ in range(7):
        await throttle.acquire()
    elapsed = time.monotonic() - started
    assert 0.28 <= elapsed < 0.6, elapsed


async def test_hold_delays_the_next_request_and_a_longer_hold_wins() -> None:
    throttle = Throttle(None, 1.0)
    throttle.hold(0.3)
    throttle.hold(0.1)
    assert throttle.held_for > 0.25
    started = time.monotonic()
    await throttle.acquire()
    assert time.monotonic() - started >= 0.28


async def test_lanes_sharing_a_throttle_wait_in_turn() -> None:
    throttle = Throttle(requests=1, per=0.1)
    started = time.monotonic()
    await asyncio.gather(*(throttle.acquire() for _ in range(4)))
    assert time.monotonic() - started >= 0.28
