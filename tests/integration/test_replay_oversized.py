"""A replay file with a line too large for any message, published in bundles bigger than
the pipeline takes, against the real embedded broker: the publish finishes, the large line
is reported, and every other post reaches the raw topic in messages the scoring agent
accepts whole."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from listener.broker.admin import ensure_topics
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import MAX_MESSAGE_BYTES
from listener.records import MAX_BUNDLE_POSTS, InvalidPost, parse_raw_message
from listener.replay.collect import read_all
from listener.replay.publish import message_size, publish, read_lines

pytestmark = pytest.mark.filterwarnings("error")


def post_dict(**changes: Any) -> dict[str, Any]:
    post = {"id": "1", "source": "twitter", "created_at": "2025-03-01T09:30:00Z"}
    return {**post, "text": "acme is down again", "author_id": "42", **changes}


async def test_oversized_lines_are_skipped_and_bundles_split(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    topic = "sizes.posts.raw"
    await ensure_topics(broker.bootstrap, [topic], partitions=2)
    rows = [
        orjson.dumps(post_dict(id=str(n), created_at=f"2025-03-01T09:{n // 60 % 60:02d}:00Z"))
        for n in range(2500)
    ]
    # Near the limit, then over it: the first must go, the second must not stop the rest.
    near = orjson.dumps(post_dict(id="near", text="€" * 19_000, url="u" * 900_000))
    over = orjson.dumps(post_dict(id="over", text="o" * (MAX_MESSAGE_BYTES + 1)))
    path = tmp_path / "replay.jsonl"
    path.write_bytes(b"\n".join([*rows[:10], near, over, *rows[10:]]) + b"\n")

    report = await publish(broker.bootstrap, topic, read_lines(path), bundle=2000)

    assert [(s.number, str(MAX_MESSAGE_BYTES) in s.reason) for s in report.skipped] == [(12, True)]
    assert report.posts == 2501
    values = [value for _, _, value in await read_all(broker.bootstrap, topic)]
    assert len(values) == report.messages
    assert all(message_size(None, value) <= MAX_MESSAGE_BYTES for value in values)
    items = [item for value in values for item in parse_raw_message(value)]
    refused = [item for item in items if isinstance(item, InvalidPost)]
    # The near-limit post is over the 64 KiB a post may have: refused alone, as it should.
    assert [(item.reason, item.payload == near) for item in refused] == [("too_large", True)]
    ids = {item.id for item in items if not isinstance(item, InvalidPost)}
    assert ids == {str(n) for n in range(2500)}
    assert max(len(orjson.loads(v)) for v in values if v.startswith(b"[")) == MAX_BUNDLE_POSTS


async def test_a_paced_replay_whose_first_line_is_unreadable_finishes(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    # The unreadable first line sorts at minus infinity: pacing from it once waited forever.
    topic = "pacing.posts.raw"
    await ensure_topics(broker.bootstrap, [topic], partitions=1)
    rows = [post_dict(id=str(n), created_at=f"2025-03-01T09:00:0{n}Z") for n in range(3)]
    path = tmp_path / "replay.jsonl"
    path.write_bytes(b"not a post\n" + b"\n".join(orjson.dumps(row) for row in rows) + b"\n")

    report = await asyncio.wait_for(
        publish(broker.bootstrap, topic, read_lines(path), speed=100.0), timeout=20
    )

    assert (report.posts, report.messages, report.skipped) == (4, 4, ())
    assert report.seconds >= 0.02  # two seconds of event time at a hundred times real time
