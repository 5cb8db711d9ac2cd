"""Properties of the raw-post parser: whatever bytes arrive on the raw topic, it returns
posts and :class:`InvalidPost` errors (what the scoring agent dead-letters), never raises;
and every post it accepts can travel on: it is re-encoded to the same post, carries a
finite event time and is expressible in UTC, as the windows need."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from factories import post_dict
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from listener.errors import InvalidPost
from listener.records import (
    MAX_BUNDLE_POSTS,
    MAX_POST_BYTES,
    Counted,
    Post,
    ScoredBatch,
    ScoredPost,
    parse_post,
    parse_raw_message,
    post_from_dict,
)
from listener.records.posts import _post_checked

pytestmark = pytest.mark.filterwarnings("error")

FAST = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
FIELDS = tuple(field.name for field in dataclasses.fields(Post))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    # Markup and mentions as they come from the sources, and what looks like them.
    st.sampled_from(
        [
            "<b>@acme</b> &amp; #fail",
            "[@user](https://x.example/@user) <script>alert(1)</script>",
            "@" * 300,
            "\u202e@acme\u202c",
            "\U0001f4a9" * 50,
            "\x00",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
extreme_times = st.builds(
    lambda when, offset: when.replace(tzinfo=timezone(offset)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    offsets.map(lambda delta: timedelta(minutes=delta // timedelta(minutes=1))),
)


def check_travels(post: Post) -> None:
    """What the pipeline does with an accepted post must work."""
    assert math.isfinite(post.ts)
    assert post.created_at.astimezone(UTC).timestamp() == post.ts
    # POSIX seconds as a float keep microseconds only for about three centuries.
    assert abs(datetime.fromtimestamp(post.ts, UTC) - post.created_at) < timedelta(seconds=1e-3)
    assert parse_post(post.dumps(), max_bytes=2 * MAX_POST_BYTES) == post
    scored = ScoredPost("acme", post, post.lang, -0.5, "negative", own=False)
    batch = ScoredBatch("acme", (scored,), {0: post.ts})
    back = ScoredBatch.loads(batch.dumps())
    assert back.posts == (Counted.of(scored),) and back.posts[0].ts == post.ts
    assert back.posts[0].created_at == post.created_at.isoformat()


def check_outcome(items: list[Post | InvalidPost]) -> None:
    assert items
    for item in items:
        if isinstance(item, InvalidPost):
            assert item.reason and isinstance(item.reason, str)
            assert isinstance(item.detail, str)
        else:
            assert isinstance(item, Post)
            check_travels(item)


@FAST
@given(st.binary(max_size=2000))
@example(b"\xff\xfe{}")  # not UTF-8
@example(b'{"id": "\xed\xa0\x80"}')  # an encoded lone surrogate
@example(b"[" * 5000 + b"]" * 5000)  # deeper than the JSON decoder goes
@example(b'{"a":' * 3000 + b"1" + b"}" * 3000)
@example(b"\x0c[1]")
@example(b"[" + b"1" * 400 + b"]")  # an integer too large for a double
def test_any_bytes_are_posts_or_refusals(raw: bytes) -> None:
    check_outcome(parse_raw_message(raw))


@FAST
@given(
    field=st.sampled_from(FIELDS),
    value=json_values,
    extra=st.dictionaries(st.text(max_size=8), json_values, max_size=3),
)
@example(field="likes", value=2**64 - 1, extra={})
@example(field="author_followers", value=True, extra={})
@example(field="text", value="x" * 20_001, extra={})
def test_a_post_with_any_field_of_any_value_is_a_post_or_a_refusal(
    field: str, value: Any, extra: dict[str, Any]
) -> None:
    data = {**extra, **post_dict(), field: value}
    items = parse_raw_message(orjson.dumps(data))
    check_outcome(items)
    [item] = items
    if isinstance(item, Post):
        assert getattr(item, field) == (value if field != "created_at" else item.created_at)


@FAST
@given(when=extreme_times, spec=st.sampled_from(["auto", "seconds", "microseconds", "hours"]))
@example(when=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), spec="auto")
@example(when=datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1))), spec="auto")
def test_a_timestamp_at_the_extremes_is_a_post_or_a_refusal(when: datetime, spec: str) -> None:
    [item] = parse_raw_message(orjson.dumps(post_dict(created_at=when.isoformat(timespec=spec))))
    check_outcome([item])
    if isinstance(item, InvalidPost):
        assert item.reason == "bad_timestamp"
    else:
        assert item.created_at == when.replace(
            microsecond=when.microsecond if spec in ("auto", "microseconds") else 0,
            second=0 if spec == "hours" else when.second,
            minute=0 if spec == "hours" else when.minute,
        )


@FAST
@given(st.text(max_size=40))
@example("2025-03-01T09:00:00")
@example("2025-03-01T09:00:00+24:00")
@example("\u0662\u0660\u0662\u0665-03-01T09:00:00+00:00")  # Arabic-Indic digits
def test_any_timestamp_text_is_a_post_or_a_refusal(text: str) -> None:
    [item] = parse_raw_message(orjson.dumps(post_dict(created_at=text)))
    check_outcome([item])
    if isinstance(item, InvalidPost):
        assert item.reason == "bad_timestamp"


@settings(max_examples=20, deadline=None, database=None)
@given(
    posts=st.lists(
        st.sampled_from([post_dict(), {}, 1, "x", [], None]), max_size=MAX_BUNDLE_POSTS + 5
    ),
    huge=st.sampled_from([0, 1, MAX_POST_BYTES]),
)
def test_a_bundle_of_anything_is_posts_or_refusals_one_each(posts: list[Any], huge: int) -> None:
    if huge and posts:
        posts[0] = post_dict(text="y" * huge)
    items = parse_raw_message(orjson.dumps(posts))
    check_outcome(items) if posts else None
    if len(posts) > MAX_BUNDLE_POSTS:
        [refused] = items
        assert isinstance(refused, InvalidPost) and refused.reason == "too_large"
    else:
        assert len(items) == len(posts)
        for item in items:
            if isinstance(item, InvalidPost):
                assert item.payload is not None  # dead-lettered alone, not with the bundle


@FAST
@given(
    fields=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4),
    dropped=st.sets(st.sampled_from(FIELDS), max_size=2),
)
@example(fields={"id": ""}, dropped=set())
@example(fields={"likes": -1}, dropped=set())
@example(fields={"source": "not a source"}, dropped=set())
@example(fields={}, dropped={"created_at"})
def test_the_quick_check_of_a_post_agrees_with_the_field_by_field_one(
    fields: dict[str, Any], dropped: set[str]
) -> None:
    data = {k: v for k, v in {**post_dict(), **fields}.items() if k not in dropped}

    def outcome(parse: Any) -> Post | tuple[str, str]:
        try:
            return parse(data)  # type: ignore[no-any-return]
        except InvalidPost as exc:
            return (exc.reason, exc.detail)

    assert outcome(post_from_dict) == outcome(_post_checked)
