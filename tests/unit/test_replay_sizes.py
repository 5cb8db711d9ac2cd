"""Replay messages obey the pipeline's size rules: no message over MAX_MESSAGE_BYTES as the
producer measures it, no bundle over MAX_BUNDLE_POSTS posts; a line too large to travel is
skipped with its number and reason while the rest of the file is still carried."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from factories import post_dict
from hypothesis import example, given, settings
from hypothesis import strategies as st

from listener.broker.topics import MAX_MESSAGE_BYTES
from listener.records import MAX_BUNDLE_POSTS, Post, parse_raw_message
from listener.replay.publish import Line, Message, Skipped, message_size, plan, read_lines

pytestmark = pytest.mark.filterwarnings("error")

T0 = 1_740_819_600.0  # 2025-03-01T09:00:00Z


def post_line(number: int, text: str = "acme is down", *, ts: float | None = None) -> Line:
    value = orjson.dumps(post_dict(id=str(number), text=text))
    at = T0 + number if ts is None else ts
    return Line(at, number, f"twitter:{number}".encode(), value)


def carried(messages: list[Message]) -> list[str]:
    """The ids of the posts the messages carry, in order, as the scoring agent reads them."""
    ids: list[str] = []
    for message in messages:
        for item in parse_raw_message(message.value, max_bytes=MAX_MESSAGE_BYTES):
            assert isinstance(item, Post), item
            ids.append(item.id)
    return ids


def test_a_bundle_larger_than_the_pipeline_takes_is_split() -> None:
    # --bundle 2000 once sent 2000 posts per message, every one refused as too_large.
    lines = [post_line(n) for n in range(1, 4501)]
    messages, skipped = plan(lines, bundle=2000)
    assert skipped == []
    assert [m.posts for m in messages] == [1000, 1000, 1000, 1000, 500]
    assert carried(messages) == [str(n) for n in range(1, 4501)]
    assert all(m.ts == lines[sum(x.posts for x in messages[:i])].ts for i, m in enumerate(messages))


def test_a_bundle_larger_than_a_message_holds_is_split_by_bytes() -> None:
    big = "€" * 19_000  # 57 kB: under the 64 KiB and 20,000 characters a post may have
    lines = [post_line(n, big) for n in range(1, 41)]
    messages, skipped = plan(lines, bundle=1000)
    assert skipped == []
    assert len(messages) == 3
    assert all(message_size(m.key, m.value) <= MAX_MESSAGE_BYTES for m in messages)
    assert carried(messages) == [str(n) for n in range(1, 41)]
    # Full: one more post would not have fitted in the first message.
    first = messages[0]
    assert message_size(None, first.value + b"," + lines[first.posts].value) > MAX_MESSAGE_BYTES


def test_a_line_over_the_limit_is_skipped_with_its_number_and_the_rest_goes() -> None:
    huge = post_line(2, "y" * MAX_MESSAGE_BYTES)
    lines = [post_line(1), huge, post_line(3)]
    for bundle in (1, 2, 1000):
        messages, skipped = plan(lines, bundle=bundle)
        [only] = skipped
        assert only.number == 2
        assert f"{message_size(huge.key, huge.value)} bytes" in only.reason
        assert str(MAX_MESSAGE_BYTES) in only.reason
        assert carried(messages) == ["1", "3"]


def test_unreadable_lines_travel_alone_and_keep_their_bytes() -> None:
    lines = [post_line(1), Line(T0 + 1, 2, None, b"{not json"), post_line(3)]
    messages, _ = plan(lines, bundle=10)
    alone = [m for m in messages if m.key is None and m.posts == 1 and m.value == b"{not json"]
    assert len(alone) == 1
    assert [m.posts for m in messages if m is not alone[0]] == [2]


@pytest.mark.parametrize("bundle", [0, -3])
def test_a_bundle_below_one_means_one_post_per_message(bundle: int) -> None:
    messages, _ = plan([post_line(1), post_line(2)], bundle=bundle)
    assert [(m.key, m.posts) for m in messages] == [(b"twitter:1", 1), (b"twitter:2", 1)]


def test_a_file_with_an_oversized_line_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "replay.jsonl"
    small = orjson.dumps(post_dict(id="a", created_at="2025-03-01T09:00:00+00:00"))
    huge = orjson.dumps(post_dict(id="b", text="h" * (MAX_MESSAGE_BYTES + 10)))
    path.write_bytes(small + b"\n" + huge + b"\n" + small.replace(b'"a"', b'"c"') + b"\n")
    messages, skipped = plan(read_lines(path), bundle=1)
    assert [s.number for s in skipped] == [2]
    assert [m.key for m in messages] == [b"twitter:a", b"twitter:c"]


sizes = st.lists(
    st.one_of(st.integers(0, 300), st.integers(1500, 2500), st.just(-1)),  # -1: unreadable
    max_size=60,
)


@settings(max_examples=100, deadline=None, database=None)
@given(
    sizes=sizes,
    bundle=st.integers(-1, 20),
    max_bytes=st.integers(400, 3000),
    key=st.sampled_from([b"", b":", b"twitter:"]),
)
@example(sizes=[10] * 30, bundle=1, max_bytes=400, key=b"twitter:")
def test_every_line_is_carried_once_in_order_or_skipped_for_size(
    sizes: list[int], bundle: int, max_bytes: int, key: bytes
) -> None:
    lines = [
        Line(T0 + n, n, None, b"?" * 5)
        if size < 0
        else Line(T0 + n, n, key + str(n).encode(), post_line(n, "t" * size).value)
        for n, size in enumerate(sizes, start=1)
    ]
    messages, skipped = plan(lines, bundle=bundle, max_bytes=max_bytes)
    too_big = {x.number for x in lines if message_size(x.key, x.value) > max_bytes}
    assert {s.number for s in skipped} == too_big
    assert all(isinstance(s, Skipped) and s.reason for s in skipped)
    for message in messages:
        assert message_size(message.key, message.value) <= max_bytes
        assert message.posts <= max(1, min(bundle, MAX_BUNDLE_POSTS))
    assert sum(m.posts for m in messages) == len(lines) - len(too_big)
    unreadable = [m for m in messages if m.value == b"?" * 5]
    assert len(unreadable) == sum(1 for x in lines if x.key is None)
    readable = [str(x.number) for x in lines if x.number not in too_big and x.key is not None]
    assert carried([m for m in messages if m.value != b"?" * 5]) == readable


line_bytes = st.one_of(
    st.binary(max_size=80),
    st.builds(
        lambda changes: orjson.dumps(post_dict(**changes)),
        st.dictionaries(
            st.sampled_from(["id", "source", "created_at", "text"]),
            st.one_of(
                st.none(),
                st.integers(min_value=-(2**63), max_value=2**63 - 1),
                st.text(max_size=30),
                st.sampled_from(["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"]),
            ),
        ),
    ),
)


@settings(max_examples=100, deadline=None, database=None)
@given(rows=st.lists(line_bytes.filter(lambda row: b"\n" not in row and b"\r" not in row)))
def test_any_file_is_read_and_planned_whole(
    tmp_path_factory: pytest.TempPathFactory, rows: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("replay") / "any.jsonl"
    path.write_bytes(b"\n".join(rows))
    lines = read_lines(path)
    assert sorted(x.number for x in lines) == [n for n, row in enumerate(rows, 1) if row.strip()]
    messages, skipped = plan(lines, bundle=3)
    assert skipped == []
    assert sum(m.posts for m in messages) == len(lines)
