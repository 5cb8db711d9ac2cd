"""Checkpoint records and raw-topic bundles: what the connectors write to the broker."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from listener.connectors.base import Checkpoint, lane_key
from listener.connectors.runtime.checkpoint import decode, encode
from listener.connectors.runtime.publish import bundles
from listener.records import Post, parse_raw_message


def make_post(id: str, ts: float = 1_740_787_200.0, text: str = "hello") -> Post:
    """A valid post at POSIX time ``ts``."""
    return Post(id, "twitter", datetime.fromtimestamp(ts, UTC), text, f"author-{id}")


def test_checkpoint_round_trip() -> None:
    checkpoint = Checkpoint(
        since="42",
        cursor="t3_x",
        walk_top="99",
        etag='W/"abc"',
        last_modified="Tue, 03 Oct 2017 16:31:47 GMT",
        seen=("a", "b"),
    )
    key = lane_key("reddit-italy", "r/italy")
    assert key == "reddit-italy/r/italy" and lane_key("news", "") == "news"
    assert decode(encode(key, checkpoint)) == (key, checkpoint)
    assert decode(encode("k", Checkpoint())) == ("k", Checkpoint())


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        orjson.dumps({"v": 99, "key": "k"}),
        orjson.dumps({"v": 1}),
        orjson.dumps({"v": 1, "key": "k", "since": 12}),
        orjson.dumps({"v": 1, "key": "k", "seen": "abc"}),
    ],
)
def test_records_that_are_not_checkpoints_are_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        decode(raw)


def test_bundles_respect_post_count_and_bytes_and_read_back_as_posts() -> None:
    posts = [make_post(str(i), text="x" * 100) for i in range(25)]
    by_count = bundles(posts, max_posts=10)
    assert [len(orjson.loads(b)) for b in by_count] == [10, 10, 5]
    by_size = bundles(posts, max_bytes=1000)
    assert all(len(b) <= 1000 for b in by_size) and len(by_size) > 3
    back = [p for b in by_size for p in parse_raw_message(b)]
    assert back == posts
    assert bundles([]) == []
    huge = make_post("big", text="y" * 5000)
    assert len(bundles([huge], max_bytes=1000)) == 1  # alone, but not lost
