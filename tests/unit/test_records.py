"""The records that cross topics: validation of raw posts and the codecs of every record."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from factories import make_post, make_scored, post_dict

from listener.errors import InvalidPost
from listener.records import (
    MAX_BUNDLE_POSTS,
    MAX_POST_BYTES,
    MAX_TEXT_CHARS,
    NEGATIVE,
    POSITIVE,
    UNKNOWN,
    Alert,
    Counted,
    DeadLetter,
    Post,
    SamplePost,
    ScoredBatch,
    ScoredPost,
    parse_post,
    parse_raw_message,
    post_from_dict,
)


def raw(data: Any) -> bytes:
    return orjson.dumps(data)


def refused(data: Any) -> InvalidPost:
    with pytest.raises(InvalidPost) as info:
        post_from_dict(data)
    return info.value


# --- one post ---------------------------------------------------------------------------


def test_a_minimal_post_is_parsed_with_its_fields() -> None:
    post = parse_post(raw(post_dict()))
    assert post == Post(
        id="1",
        source="twitter",
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        text="acme is down again",
        author_id="42",
    )
    assert post.key == "twitter:1"
    assert post.ts == datetime(2025, 3, 1, 9, 30, tzinfo=UTC).timestamp()
    assert post.likes is None and post.author_followers is None


def test_a_full_post_keeps_every_optional_field() -> None:
    data = post_dict(
        author_handle="@jo",
        author_followers=1200,
        url="https://example.org/p/1",
        lang="it",
        in_reply_to="twitter:0",
        channel="#general",
        likes=0,
        shares=7,
    )
    post = parse_post(raw(data))
    assert (post.author_handle, post.author_followers, post.url, post.lang) == (
        "@jo",
        1200,
        "https://example.org/p/1",
        "it",
    )
    assert (post.in_reply_to, post.channel, post.likes, post.shares) == (
        "twitter:0",
        "#general",
        0,
        7,
    )


def test_a_z_suffix_and_a_non_utc_offset_are_both_accepted() -> None:
    zulu = parse_post(raw(post_dict(created_at="2025-03-01T09:30:00Z")))
    rome = parse_post(raw(post_dict(created_at="2025-03-01T10:30:00+01:00")))
    assert zulu.ts == rome.ts == datetime(2025, 3, 1, 9, 30, tzinfo=UTC).timestamp()
    assert rome.created_at.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"\xff\xfe{}", "invalid_json"),
        (b"[1, 2]", "not_an_object"),
        (b'"a post"', "not_an_object"),
        (b"null", "not_an_object"),
        (b"42", "not_an_object"),
    ],
)
def test_undecodable_or_non_object_messages_are_refused(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidPost) as info:
        parse_post(payload)
    assert info.value.reason == reason
    assert info.value.payload is None


@pytest.mark.parametrize("name", ["id", "source", "text", "author_id", "created_at"])
def test_a_missing_required_field_is_named(name: str) -> None:
    data = {k: v for k, v in post_dict().items() if k != name}
    error = refused(data)
    assert error.reason == "missing_field"
    assert name in error.detail


@pytest.mark.parametrize("name", ["id", "source", "text", "author_id", "created_at"])
def test_a_null_required_field_counts_as_missing(name: str) -> None:
    error = refused(post_dict(**{name: None}))
    assert error.reason == "missing_field"
    assert name in error.detail


def test_an_empty_id_is_missing() -> None:
    error = refused(post_dict(id=""))
    assert (error.reason, error.detail) == ("missing_field", "id is empty")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("id", 1),
        ("id", True),
        ("text", ["acme"]),
        ("source", {"kind": "twitter"}),
        ("author_id", 42),
        ("author_handle", 7),
        ("url", False),
        ("lang", ["en"]),
        ("author_followers", "1200"),
        ("author_followers", 1.5),
        ("likes", 3.0),
        ("shares", [1]),
        ("created_at", 1740821400),
    ],
)
def test_a_field_of_the_wrong_type_is_refused(name: str, value: Any) -> None:
    error = refused(post_dict(**{name: value}))
    assert error.reason == "wrong_type"
    assert name in error.detail


@pytest.mark.parametrize("name", ["author_followers", "likes", "shares"])
@pytest.mark.parametrize("flag", [True, False])
def test_a_bool_is_not_a_count(name: str, flag: bool) -> None:
    error = refused(post_dict(**{name: flag}))
    assert error.reason == "wrong_type"
    assert "bool" in error.detail


@pytest.mark.parametrize("name", ["author_followers", "likes", "shares"])
def test_a_negative_count_is_refused_and_zero_is_not(name: str) -> None:
    error = refused(post_dict(**{name: -1}))
    assert error.reason == "wrong_type"
    assert name in error.detail and "negative" in error.detail
    assert getattr(post_from_dict(post_dict(**{name: 0})), name) == 0


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2025-03-01T09:30:00", "has no UTC offset"),
        ("2025-03-01", "has no UTC offset"),
        ("yesterday", "is not RFC 3339"),
        ("2025-13-01T09:30:00+00:00", "is not RFC 3339"),
        ("", "is not RFC 3339"),
        ("2025-03-01T09:30:00+25:00", "is not RFC 3339"),
    ],
)
def test_an_unreadable_timestamp_is_refused(value: str, why: str) -> None:
    error = refused(post_dict(created_at=value))
    assert error.reason == "bad_timestamp"
    assert why in error.detail


def test_a_timestamp_detail_quotes_at_most_forty_characters() -> None:
    error = refused(post_dict(created_at="x" * 500))
    assert error.reason == "bad_timestamp"
    assert "x" * 40 in error.detail and "x" * 41 not in error.detail


@pytest.mark.parametrize(
    "source", ["", "Twitter", "9gag", "my source", "twitter:1", "-x", "a" * 33, "reddit/r"]
)
def test_a_source_that_is_not_a_source_name_is_refused(source: str) -> None:
    assert refused(post_dict(source=source)).reason == "bad_source"


@pytest.mark.parametrize("source", ["x", "reddit", "hacker_news", "rss-2", "a" * 32])
def test_source_names_are_lowercase_words_of_up_to_32_characters(source: str) -> None:
    assert post_from_dict(post_dict(source=source)).source == source


def test_a_source_with_a_trailing_newline_is_refused() -> None:
    assert refused(post_dict(source="twitter\n")).reason == "bad_source"


def test_text_over_the_character_limit_is_too_large_and_at_the_limit_is_not() -> None:
    at_limit = post_from_dict(post_dict(text="a" * MAX_TEXT_CHARS))
    assert len(at_limit.text) == MAX_TEXT_CHARS
    error = refused(post_dict(text="a" * (MAX_TEXT_CHARS + 1)))
    assert error.reason == "too_large"
    assert f"{MAX_TEXT_CHARS + 1} characters" in error.detail


def test_a_message_over_the_byte_limit_is_too_large_before_it_is_decoded() -> None:
    # 25,000 three-byte characters: under the character limit, over 64 KiB.
    payload = raw(post_dict(text="€" * 25_000))
    assert len(payload) > MAX_POST_BYTES
    with pytest.raises(InvalidPost) as info:
        parse_post(payload)
    assert info.value.reason == "too_large"
    assert f"{len(payload)} bytes" in info.value.detail
    # Garbage over the limit is too large, not invalid JSON: size is checked first.
    with pytest.raises(InvalidPost) as garbage:
        parse_post(b"{" * 101, max_bytes=100)
    assert garbage.value.reason == "too_large"


def test_the_byte_limit_is_inclusive() -> None:
    payload = raw(post_dict())
    assert parse_post(payload, max_bytes=len(payload)).id == "1"
    with pytest.raises(InvalidPost) as info:
        parse_post(payload, max_bytes=len(payload) - 1)
    assert info.value.reason == "too_large"


def test_unknown_fields_are_ignored() -> None:
    post = post_from_dict(post_dict(retweets=3, extra={"a": 1}))
    assert post == post_from_dict(post_dict())


# --- raw messages: one post or a bundle -------------------------------------------------


def test_a_raw_message_with_one_post_gives_that_post() -> None:
    [post] = parse_raw_message(raw(post_dict()))
    assert isinstance(post, Post)
    assert post.key == "twitter:1"


def test_a_bad_single_message_gives_its_error_with_no_payload_of_its_own() -> None:
    [error] = parse_raw_message(b"{oops")
    assert isinstance(error, InvalidPost)
    assert error.reason == "invalid_json"
    assert error.payload is None


def test_a_single_message_over_the_byte_limit_is_too_large() -> None:
    [error] = parse_raw_message(raw(post_dict()), max_bytes=10)
    assert isinstance(error, InvalidPost)
    assert error.reason == "too_large"


def test_one_bad_post_in_a_bundle_costs_only_itself() -> None:
    good_a = post_dict(id="a")
    bad = post_dict(id="b", likes=-3)
    good_c = post_dict(id="c")
    out = parse_raw_message(raw([good_a, bad, good_c]))
    assert len(out) == 3
    first, error, last = out
    assert isinstance(first, Post) and first.id == "a"
    assert isinstance(last, Post) and last.id == "c"
    assert isinstance(error, InvalidPost)
    assert error.reason == "wrong_type"
    assert error.payload is not None
    assert orjson.loads(error.payload) == bad


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        (7, "not_an_object"),
        ("text", "not_an_object"),
        ([], "not_an_object"),
        ({}, "missing_field"),
        ({"id": "x"}, "missing_field"),
    ],
)
def test_every_bad_element_of_a_bundle_carries_itself_as_payload(element: Any, reason: str) -> None:
    out = parse_raw_message(raw([post_dict(), element]))
    assert isinstance(out[0], Post)
    error = out[1]
    assert isinstance(error, InvalidPost)
    assert error.reason == reason
    assert error.payload == orjson.dumps(element)


def test_an_empty_bundle_gives_nothing() -> None:
    assert parse_raw_message(b"[]") == []


def test_a_bundle_that_is_not_json_is_one_error_for_the_whole_message() -> None:
    [error] = parse_raw_message(b'[{"id": "1"}, ')
    assert isinstance(error, InvalidPost)
    assert error.reason == "invalid_json"
    assert error.payload is None


def test_a_bundle_of_more_posts_than_allowed_is_refused_whole() -> None:
    at_limit = parse_raw_message(raw([{}] * MAX_BUNDLE_POSTS))
    assert len(at_limit) == MAX_BUNDLE_POSTS
    assert all(isinstance(e, InvalidPost) and e.reason == "missing_field" for e in at_limit)
    [error] = parse_raw_message(raw([post_dict()] * (MAX_BUNDLE_POSTS + 1)))
    assert isinstance(error, InvalidPost)
    assert error.reason == "too_large"
    assert str(MAX_BUNDLE_POSTS + 1) in error.detail


def test_a_bundle_over_the_byte_limit_is_refused_whole() -> None:
    # The bundle limit is max_bytes per post times the most posts a bundle may carry.
    limit = 2 * MAX_BUNDLE_POSTS
    body = b"[{}]"
    at_limit = body[:-1] + b" " * (limit - len(body)) + b"]"
    over = body[:-1] + b" " * (limit + 1 - len(body)) + b"]"
    assert len(at_limit) == limit and len(over) == limit + 1
    [missing] = parse_raw_message(at_limit, max_bytes=2)
    assert isinstance(missing, InvalidPost) and missing.reason == "missing_field"
    [error] = parse_raw_message(over, max_bytes=2)
    assert isinstance(error, InvalidPost)
    assert error.reason == "too_large"
    assert error.payload is None


def test_a_post_over_the_byte_limit_is_too_large_inside_a_bundle_too() -> None:
    big = post_dict(id="big", url="https://example.org/" + "a" * MAX_POST_BYTES)
    with pytest.raises(InvalidPost):
        parse_post(raw(big))
    small, error = parse_raw_message(raw([post_dict(), big]))
    assert isinstance(small, Post)
    assert isinstance(error, InvalidPost) and error.reason == "too_large"


def test_a_bundle_with_leading_whitespace_is_still_a_bundle() -> None:
    out = parse_raw_message(b"\n " + raw([post_dict(id="a"), post_dict(id="b")]))
    assert [p.id for p in out if isinstance(p, Post)] == ["a", "b"]


# --- round trips ------------------------------------------------------------------------


def full_post() -> Post:
    return Post(
        id="p-1",
        source="reddit",
        created_at=datetime(2025, 3, 1, 10, 30, 15, 250_000, tzinfo=timezone(timedelta(hours=1))),
        text='Acme ha rubato i miei soldi 💸 "davvero"\n',
        author_id="u9",
        author_handle="@u9",
        author_followers=31_000,
        url="https://reddit.example/r/1",
        lang="it",
        in_reply_to="reddit:p-0",
        channel="r/italy",
        likes=4,
        shares=0,
    )


def test_a_post_survives_its_own_encoding() -> None:
    post = full_post()
    back = parse_post(post.dumps())
    assert back == post
    # Equal datetimes may differ in offset; the offset is kept too.
    assert back.created_at.utcoffset() == timedelta(hours=1)
    assert back.created_at.microsecond == 250_000
    assert post_from_dict(post.to_dict()) == post


def test_a_minimal_post_survives_its_own_encoding() -> None:
    post = make_post("7")
    assert parse_post(post.dumps()) == post


@pytest.mark.parametrize(
    ("label", "own", "lang"),
    [(NEGATIVE, False, "it"), (POSITIVE, True, "en"), (UNKNOWN, False, None)],
)
def test_a_scored_post_survives_its_own_encoding(label: str, own: bool, lang: str | None) -> None:
    scored = ScoredPost("acme", full_post(), lang, -0.4215, label, own)
    assert ScoredPost.loads(scored.dumps()) == scored


def test_a_scored_batch_survives_its_own_encoding() -> None:
    batch = ScoredBatch(
        brand="acme",
        posts=(
            make_scored("1", compound=-0.6, label=NEGATIVE),
            make_scored("2", compound=0.3, label=POSITIVE, own=True),
        ),
        watermarks={0: 1_740_787_260.5, 3: None, 11: 1_740_787_200.0},
        idle=frozenset({3, 11}),
    )
    back = ScoredBatch.loads(batch.dumps())
    # Read back as the window stage counts them, every field it reads intact.
    assert back == dataclasses.replace(batch, posts=tuple(Counted.of(p) for p in batch.posts))
    first = back.posts[0]
    assert isinstance(first, Counted)
    post = make_scored("1").post
    assert (first.key, first.ts, first.text) == (post.key, post.ts, post.text)
    assert ScoredBatch.loads(back.dumps()) == back
    assert set(back.watermarks) == {0, 3, 11}
    assert back.watermarks[3] is None
    assert back.idle == frozenset({3, 11})


def test_a_scored_batch_written_whole_by_earlier_versions_is_read() -> None:
    scored = ScoredPost("acme", full_post(), "it", -0.4215, NEGATIVE, True)
    p = scored.post
    row = [
        "acme", "it", -0.4215, NEGATIVE, True, p.id, p.source, p.created_at.isoformat(),
        p.text, p.author_id, p.author_handle, p.author_followers, p.url, p.lang,
        p.in_reply_to, p.channel, p.likes, p.shares,
    ]  # fmt: skip
    value = orjson.dumps({"brand": "acme", "posts": [row], "watermarks": {}})
    assert ScoredBatch.loads(value).posts == (Counted.of(scored),)


def test_a_counted_post_quotes_as_its_scored_post_does() -> None:
    for text in ("short", "x" * 600):
        scored = ScoredPost(
            "acme", dataclasses.replace(full_post(), text=text), "en", -0.7, NEGATIVE, False
        )
        assert SamplePost.from_counted(Counted.of(scored)) == SamplePost.from_scored(scored)


def test_a_clock_only_batch_survives_its_own_encoding() -> None:
    batch = ScoredBatch(brand=None, posts=(), watermarks={1: None, 2: None})
    back = ScoredBatch.loads(batch.dumps())
    assert back == batch
    assert back.brand is None and back.posts == () and back.idle == frozenset()


def test_a_batch_without_an_idle_list_has_no_idle_partitions() -> None:
    data = orjson.loads(ScoredBatch(None, (), {0: 5.0}, frozenset({0})).dumps())
    del data["idle"]
    back = ScoredBatch.loads(orjson.dumps(data))
    assert back.idle == frozenset()
    assert back.watermarks == {0: 5.0}


def test_a_scored_batch_encodes_partitions_as_strings_and_idle_sorted() -> None:
    batch = ScoredBatch(None, (), {10: 1.0, 2: None}, frozenset({10, 2}))
    data = orjson.loads(batch.dumps())
    assert data["watermarks"] == {"10": 1.0, "2": None}
    assert data["idle"] == [2, 10]


def sample(text: str = "acme stole my money", **post_fields: Any) -> SamplePost:
    scored = make_scored(
        "s1", text=text, compound=-0.7, label=NEGATIVE, author_followers=900, **post_fields
    )
    return SamplePost.from_scored(scored)


def test_a_sample_quotes_the_post_and_cuts_long_text() -> None:
    short = sample(author_handle="@jo", url="https://x.example/1")
    assert short.key == "twitter:s1"
    assert (short.author_handle, short.author_followers, short.url) == (
        "@jo",
        900,
        "https://x.example/1",
    )
    assert (short.compound, short.label, short.text) == (-0.7, NEGATIVE, "acme stole my money")
    long = SamplePost.from_scored(make_scored("s2", text="a" * 501), max_chars=500)
    assert len(long.text) == 500
    assert long.text == "a" * 499 + "…"
    exact = SamplePost.from_scored(make_scored("s3", text="b" * 500), max_chars=500)
    assert exact.text == "b" * 500


def test_an_alert_survives_its_own_encoding_with_missing_figures() -> None:
    alert = Alert(
        id="acme:spike:1740787200",
        rule="spike",
        description="Negative spike",
        brand="acme",
        brand_name="Acme S.p.A.",
        severity="critical",
        fired_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        window="15m",
        condition="volume_z > 4",
        figures={"volume": 120.0, "volume_z": 6.25, "minutes_since_brand_post": None},
        baseline={"volume_baseline": 12.5, "sentiment_baseline": None},
        samples=(sample(), sample("second", url="https://x.example/2")),
        owners="comms-team",
        first_true_at=datetime(2025, 3, 1, 9, 20, tzinfo=UTC),
        emitted_at=datetime(2025, 3, 1, 9, 30, 1, 5, tzinfo=UTC),
        published=(sample("Spring sale: 20% off"),),
    )
    back = Alert.loads(alert.dumps())
    assert back == alert
    assert back.figures["minutes_since_brand_post"] is None
    assert back.samples[1].url == "https://x.example/2"
    assert back.published[0].text == "Spring sale: 20% off"
    # An alert written before everyday posts were quoted reads as quoting none.
    older = orjson.loads(alert.dumps())
    del older["published"]
    assert Alert.loads(orjson.dumps(older)).published == ()


def test_an_alert_is_stamped_when_it_is_made() -> None:
    before = datetime.now(UTC)
    alert = Alert(
        id="a",
        rule="r",
        description="",
        brand="acme",
        brand_name="Acme",
        severity="info",
        fired_at=before,
        window="1h",
        condition="volume > 1",
        figures={},
        baseline={},
        samples=(),
        owners="x",
        first_true_at=before,
    )
    assert before <= alert.emitted_at <= datetime.now(UTC)
    assert Alert.loads(alert.dumps()).emitted_at == alert.emitted_at


def test_a_dead_letter_with_a_text_payload_carries_it_as_text() -> None:
    letter = DeadLetter("invalid_json", "unexpected end", "raw", 3, 1_024, "{ acme è".encode())
    data = orjson.loads(letter.dumps())
    assert data["payload"] == "{ acme è"
    assert data["payload_base64"] is None
    assert DeadLetter.loads(letter.dumps()) == letter


def test_a_dead_letter_with_a_binary_payload_carries_it_in_base64() -> None:
    payload = b"\xff\xfe\x00acme\x80"
    letter = DeadLetter("invalid_json", "not utf-8", "raw", 0, 7, payload)
    data = orjson.loads(letter.dumps())
    assert data["payload"] is None
    assert data["payload_base64"] == "//4AYWNtZYA="
    back = DeadLetter.loads(letter.dumps())
    assert back == letter
    assert back.payload == payload


def test_a_dead_letter_with_an_empty_payload_survives() -> None:
    letter = DeadLetter("invalid_json", "empty", "raw", 1, 0, b"")
    assert DeadLetter.loads(letter.dumps()) == letter
